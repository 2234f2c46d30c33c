// The panels of issue 6 mounted together, so the page wires them with one call and forwards its
// events in two places: sharing by link, export and import, lessons, the equation editor.
import type { Frame } from '../core/simulation.js';
import type { ScenarioSummary } from '../../workers/simulationApi.js';
import type { PageEvents, PageHooks } from './pageHooks.js';
import { mountShareButton, type ShareControl } from './shareLink.js';
import { mountExportPanel, type ExportPanel } from './exportPanel.js';
import { mountLessonsPanel, type Fit, type LessonsPanel } from './lessonsPanel.js';
import { mountEquationEditor, type EquationEditor } from './equationEditor.js';

export interface StudentToolSlots {
  share: HTMLElement;
  exports: HTMLElement;
  lessons: HTMLElement;
  editor: HTMLElement;
}

export interface StudentTools extends PageEvents {
  share: ShareControl;
  exports: ExportPanel;
  lessons: LessonsPanel;
  editor: EquationEditor;
  /** The f-I panel's finished comparison, for the lessons that check a fit. */
  setFit(fit: Fit): void;
}

export function mountStudentTools(slots: StudentToolSlots, hooks: PageHooks): StudentTools {
  const share = mountShareButton(slots.share, hooks);
  const exports = mountExportPanel(slots.exports, hooks);
  const lessons = mountLessonsPanel(slots.lessons, hooks);
  const editor = mountEquationEditor(slots.editor, hooks);
  const panels: PageEvents[] = [exports, lessons, editor];
  return {
    share,
    exports,
    lessons,
    editor,
    setFit: (fit) => lessons.setFit(fit),
    loaded(summary: ScenarioSummary, run: number): void {
      for (const panel of panels) panel.loaded(summary, run);
    },
    frame(frame: Frame, run: number): void {
      for (const panel of panels) panel.frame(frame, run);
    },
  };
}
