// The page's panels, in page order within each region. Adding a panel is one file that exports a
// function returning a Panel (panel.ts) and one line here; main.ts mounts them all, forwards each
// loaded scenario and frame, and gives them PanelHooks.
import type { PanelEntry } from './panel.js';
import { scenarioChooser } from './scenarioChooser.js';
import { sharePanel } from './shareLink.js';
import { rasterView } from './rasterView.js';
import { membraneView } from './membraneView.js';
import { traceViews } from './traceViews.js';
import { readout } from './readout.js';
import { fiPanel } from './fiPanel.js';
import { exportPanel } from './exportPanel.js';
import { equationEditor } from './equationEditor.js';
import { lessonsPanel } from './lessonsPanel.js';
import { controls } from './controls.js';

export const PANELS: PanelEntry[] = [
  { region: 'header', create: scenarioChooser },
  { region: 'toolbar', create: sharePanel },
  { region: 'displays', create: rasterView },
  { region: 'displays', create: membraneView },
  { region: 'displays', create: traceViews },
  { region: 'displays', create: readout },
  { region: 'displays', create: fiPanel },
  { region: 'displays', create: exportPanel },
  { region: 'displays', create: equationEditor },
  { region: 'controls', create: lessonsPanel },
  { region: 'controls', create: controls },
];
