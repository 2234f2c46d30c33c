// The ANN playground panel: a small network trained in a worker of its own on 2-D points, with
// any activation, the f-I curve of the page's neuron included, and the trained network run as
// spiking LIF populations (see annPanelView.ts for what it shows, workers/annApi.ts for the work).
// This file is its face for the page: the Panel (it tells the view which populations "this
// neuron" can be, and publishes what the lessons check) and its stylesheet.
import type { Panel } from './panel.js';
import { AnnPanelView } from './annPanelView.js';
import { fiPanelModels, type FiPanelModel } from './fiPanelModels.js';
import { addStyleOnce } from './dom.js';

const STYLE_ID = 'ann-panel-style';
const CSS = `
.ann-panel { display: flex; flex-direction: column; gap: 8px; font-size: 13px; min-width: 0; }
.ann-panel [hidden] { display: none !important; }
.ann-panel h2 { font-size: 15px; margin: 0; }
.ann-panel h3 { font-size: 13px; margin: 6px 0 2px; }
.ann-panel p { margin: 0; }
.ann-panel .ann-intro, .ann-panel .ann-caption { color: var(--muted, #5a5a5a); max-width: 100ch; }
.ann-panel .ann-controls { display: flex; flex-wrap: wrap; gap: 8px; align-items: flex-end; }
.ann-panel fieldset { border: 1px solid var(--line, #dcdcdc); border-radius: 6px; padding: 4px 8px 6px; margin: 0; display: flex; flex-wrap: wrap; gap: 6px 10px; align-items: center; min-width: 0; max-width: 100%; box-sizing: border-box; }
.ann-panel legend { font-weight: 600; padding: 0 4px; }
.ann-panel label, .ann-panel .ann-units { color: var(--muted, #5a5a5a); display: inline-flex; align-items: center; gap: 4px; }
.ann-panel input[type='number'] { width: 72px; font: inherit; padding: 2px 4px; border: 1px solid #8a8a8a; border-radius: 4px; font-variant-numeric: tabular-nums; }
.ann-panel input[type='text'] { width: 130px; font: inherit; padding: 2px 4px; border: 1px solid #8a8a8a; border-radius: 4px; }
.ann-panel select { font-size: 13px; padding: 2px 4px; max-width: 100%; }
.ann-panel button { font-size: 13px; padding: 4px 12px; }
.ann-panel .ann-actions { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; }
.ann-panel .ann-status { font-variant-numeric: tabular-nums; color: #0b3b5c; }
.ann-panel .ann-message { color: #7a2e00; }
.ann-panel .ann-message:empty, .ann-panel .ann-note:empty, .ann-panel .ann-caption:empty, .ann-panel .ann-status:empty { display: none; }
.ann-panel .ann-note { color: #0b3b5c; max-width: 100ch; }
.ann-panel .ann-body { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; }
.ann-panel figure { margin: 0; display: flex; flex-direction: column; gap: 4px; max-width: 300px; }
.ann-panel figure.small { max-width: 180px; }
.ann-panel figcaption { font-variant-numeric: tabular-nums; }
.ann-panel canvas { display: block; border: 1px solid var(--line, #dcdcdc); touch-action: manipulation; }
.ann-panel canvas:focus-visible { outline: 2px solid #0072b2; outline-offset: 2px; }
.ann-panel .ann-side { flex: 1 1 260px; min-width: 0; display: flex; flex-direction: column; gap: 4px; }
.ann-panel .ann-plot { max-width: 100%; overflow: hidden; }
.ann-panel .ann-grid { font-family: ui-monospace, 'DejaVu Sans Mono', monospace; font-size: 12px; line-height: 1.2; margin: 2px 0; }
.ann-panel table { border-collapse: collapse; font-variant-numeric: tabular-nums; max-width: 100%; }
.ann-panel caption { text-align: left; color: var(--muted, #5a5a5a); padding-bottom: 2px; caption-side: top; }
.ann-panel th, .ann-panel td { text-align: left; padding: 2px 8px 2px 0; border-bottom: 1px solid #eee; vertical-align: middle; }
.ann-panel th { color: var(--muted, #5a5a5a); font-weight: 600; }
.ann-panel td.num { text-align: right; white-space: nowrap; }
.ann-panel .ann-unit { display: inline-block; width: 14px; height: 14px; margin-right: 2px; border-radius: 3px; background: #0072b2; color: #fff; font-size: 10px; line-height: 14px; text-align: center; vertical-align: middle; }
.ann-panel .ann-unit.dead { background: #9a9a9a; }
.ann-panel .ann-bar { display: inline-block; width: 60px; height: 8px; background: #eee; vertical-align: middle; }
.ann-panel .ann-bar-fill { display: block; height: 100%; background: #009e73; }
.ann-panel .ann-spike-maps { display: flex; flex-wrap: wrap; gap: 10px; }
.ann-panel .ann-spiking { display: flex; flex-direction: column; gap: 6px; border-top: 1px solid var(--line, #dcdcdc); padding-top: 6px; }
.ann-panel .ann-cli { display: block; font-size: 11px; overflow-wrap: anywhere; white-space: pre-wrap; }
.ann-panel summary { cursor: pointer; color: var(--muted, #5a5a5a); }
@media (max-width: 600px), (pointer: coarse) {
  .ann-panel details > summary { min-height: 44px; display: flex; align-items: center; }
  .ann-panel label { min-height: 44px; }
}
`;

/** The panel on the page: "this neuron" is the page's first population, with its parameters in force. */
export function annPanel(): Panel {
  let view: AnnPanelView | null = null;
  let models: FiPanelModel[] = [];
  return {
    mount(host, hooks) {
      addStyleOnce(STYLE_ID, CSS);
      host.id = 'ann-panel';
      host.className = 'panel ann-panel';
      const tell = () => {
        const summary = hooks.summary();
        models = summary ? fiPanelModels(summary.populations, hooks.scenarioNow()) : [];
      };
      view = new AnnPanelView(host, { models: () => (tell(), models), onShown: (ann) => hooks.publish('bench', { ann }) });
    },
    images: () => [{ name: 'decision map', shown: () => !!view && view.canvas.offsetParent !== null, png: () => pngOf(view!) }],
    dispose: () => view?.destroy(),
  };
}

function pngOf(view: AnnPanelView): Promise<{ blob: Blob; width: number; height: number } | null> {
  view.drawNow();
  const canvas = view.canvas;
  return new Promise((resolve) => canvas.toBlob((blob) => resolve(blob ? { blob, width: canvas.width, height: canvas.height } : null), 'image/png'));
}
