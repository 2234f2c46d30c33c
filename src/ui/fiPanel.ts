// The f-I panel: a sweep of the page's model (a population of the running scenario with its
// parameters in force, or the whole network's transfer function) in a worker of its own, its points
// as they arrive, the theory curve and the five ranked ANN activations (tanh and leaky ReLU said as the two they equal), the fit table ranked best
// first, the sentence from the data, progress with time left and Cancel, and the input noise
// (white or OU, sigma_V in mV) that softens a hard threshold. Any model file can be swept: the
// sweep worker describes it (unit, noise, default range from the file) before a sweep.
//
// Its pieces: fiPanelView.ts (the sweep's state, composing the rest), fiControls.ts (the controls
// and the progress line), fiPlot.ts (canvas and legend), fiTable.ts (sentence and fit table),
// fiSweepClient.ts (the sweep worker). This file is its face: fiPanel() is its Panel for the page,
// mountFiPanel() mounts it alone (tests/e2e/fiPanelHost.ts), and its stylesheet.
import type { Panel } from './panel.js';
import { FiPanelView, type FiPanel, type FiPanelFit, type FiPanelModel, type FiPanelOptions } from './fiPanelView.js';
import { fiPanelModels } from './fiPanelModels.js';
import { isNetwork } from './summaryFacts.js';
import { addStyleOnce } from './dom.js';

export type { FiPanel, FiPanelFit, FiPanelModel, FiPanelOptions };

const STYLE_ID = 'fi-panel-style';
const CSS = `
.fi-panel { display: flex; flex-direction: column; gap: 6px; font-size: 13px; }
.fi-panel [hidden] { display: none !important; }
.fi-panel .fi-head { display: flex; align-items: baseline; gap: 12px; flex-wrap: wrap; }
.fi-panel h2 { font-size: 15px; margin: 0; }
.fi-panel .fi-model { color: var(--muted, #5a5a5a); }
.fi-panel .fi-controls { display: flex; align-items: center; gap: 10px; flex-wrap: wrap; }
/* A label holding several fields (from, to, step, unit) wraps inside the panel on a phone instead of running past it. */
.fi-panel .fi-controls label { color: var(--muted, #5a5a5a); display: inline-flex; align-items: center; gap: 4px; flex-wrap: wrap; max-width: 100%; }
.fi-panel input[type='number'] { width: 64px; font: inherit; padding: 2px 4px; border: 1px solid #8a8a8a; border-radius: 4px; font-variant-numeric: tabular-nums; }
.fi-panel input[type='range'] { width: 110px; accent-color: #0072b2; }
.fi-panel select { font-size: 13px; padding: 2px 4px; }
.fi-panel button { font-size: 13px; padding: 4px 12px; }
.fi-panel .fi-progress { display: flex; align-items: center; gap: 10px; }
.fi-panel progress { width: 220px; height: 12px; accent-color: #0072b2; }
.fi-panel .fi-progress-text { font-variant-numeric: tabular-nums; color: var(--muted, #5a5a5a); min-width: 16ch; }
.fi-panel .fi-message { color: #7a2e00; }
.fi-panel .fi-message:empty { display: none; }
.fi-panel .fi-note { color: #0b3b5c; }
.fi-panel .fi-note:empty { display: none; }
.fi-panel .fi-body { display: flex; gap: 10px; align-items: flex-start; flex-wrap: wrap; }
.fi-panel canvas { display: block; flex: none; cursor: crosshair; }
.fi-panel .fi-side { flex: 1 1 auto; min-width: 200px; display: flex; flex-direction: column; gap: 6px; }
.fi-panel .fi-view { display: flex; flex-direction: column; gap: 2px; }
.fi-panel .fi-view span { color: var(--muted, #5a5a5a); }
.fi-panel .fi-legend { list-style: none; margin: 0; padding: 0; font-variant-numeric: tabular-nums; }
.fi-panel .fi-legend li { display: grid; grid-template-columns: 18px 30px auto minmax(0, 1fr); align-items: center; gap: 4px; padding: 1px 0; }
.fi-panel .fi-legend li[hidden] { display: none; }
.fi-panel .fi-legend .fi-value { text-align: right; white-space: nowrap; }
.fi-panel .fi-at { color: var(--muted, #5a5a5a); min-height: 2.6em; font-size: 12px; font-variant-numeric: tabular-nums; }
.fi-panel .fi-sentence { margin: 2px 0; font-size: 14px; line-height: 1.4; max-width: 100ch; }
.fi-panel .fi-sentence:empty { display: none; }
.fi-panel table { border-collapse: collapse; font-variant-numeric: tabular-nums; width: 100%; }
.fi-panel th, .fi-panel td { text-align: left; padding: 2px 8px 2px 0; border-bottom: 1px solid #eee; vertical-align: top; }
.fi-panel th { color: var(--muted, #5a5a5a); font-weight: 600; }
.fi-panel td.num { text-align: right; white-space: nowrap; }
.fi-panel td.params { font-size: 12px; color: #333; }
.fi-panel td.formula { font-family: ui-monospace, 'DejaVu Sans Mono', monospace; font-size: 11px; max-width: 200px; overflow-wrap: anywhere; }
.fi-panel td.name { white-space: nowrap; }
`;

/** Mount the panel into a slot (its placeholder text is replaced). */
export function mountFiPanel(slot: HTMLElement, options: FiPanelOptions = {}): FiPanel {
  addStyleOnce(STYLE_ID, CSS);
  slot.replaceChildren();
  slot.classList.remove('slot');
  slot.classList.add('fi-panel');
  return new FiPanelView(slot, options);
}

/** The panel on the page: it sweeps what the page runs, with the parameters in force. */
export function fiPanel(): Panel {
  let panel: FiPanel | null = null;
  let tell = () => {};
  return {
    mount(host, hooks) {
      host.id = 'fi-slot';
      host.className = 'panel';
      panel = mountFiPanel(host, { onFit: (fit) => hooks.publish('fit', fit) });
      tell = () => {
        const summary = hooks.summary();
        const scenario = hooks.scenarioNow();
        if (summary) panel?.setModels(fiPanelModels(summary.populations, scenario), isNetwork(summary) ? scenario : undefined);
      };
    },
    loaded: () => tell(),
    changed: () => tell(),
    images: () => [{ name: 'f-I curve', shown: () => !!panel && panel.canvas.offsetParent !== null, png: () => pngOf(panel!) }],
    dispose: () => panel?.destroy(),
  };
}

function pngOf(panel: FiPanel): Promise<{ blob: Blob; width: number; height: number } | null> {
  panel.drawNow();
  const canvas = panel.canvas;
  return new Promise((resolve) => canvas.toBlob((blob) => resolve(blob ? { blob, width: canvas.width, height: canvas.height } : null), 'image/png'));
}

