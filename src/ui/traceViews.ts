// The trace views under the membrane plot, one per role a model file gives its traced variables
// besides the membrane: gates (open fractions, 0 to 1), ionic currents (which the worker computes
// from the traced state with the model's own expressions) and any other state variable (the
// recovery variable of FitzHugh-Nagumo or Izhikevich, say). Each is offered by a checkbox when
// the loaded scenario has traces of its role, with the labels and colours the model file gives.
// A view is fed all along while hidden, so showing it shows the whole run. Whether gates and
// currents are shown is a view setting a link carries.
import type { ScenarioSummary, TraceSummary } from '../../workers/simulationApi.js';
import type { Panel, PanelHooks } from './panel.js';
import type { PageView } from './panel.js';
import { TracePlot, scrollingWindowMs } from './tracePlot.js';
import { SERIES_COLOURS } from './plotStyle.js';
import { canvasPng, el } from './dom.js';
import { colourNumber, contentWidth, sameTrace } from './summaryFacts.js';

const HEIGHT = 170;

interface RoleView {
  role: 'gate' | 'current' | 'state';
  /** Element ids: `${id}-plot`, `${id}-canvas`, `show-${id}`. */
  id: string;
  /** The view setting that holds whether it is shown, if a link carries it. */
  setting?: 'showGates' | 'showCurrents';
  words: string;
  axis: string;
  imageName: string;
  range?: [number, number];
}

const VIEWS: RoleView[] = [
  { role: 'gate', id: 'gates', setting: 'showGates', words: 'gates', axis: 'gate', imageName: 'gates', range: [0, 1] },
  { role: 'current', id: 'currents', setting: 'showCurrents', words: 'ionic currents', axis: 'ionic current', imageName: 'currents' },
  { role: 'state', id: 'states', words: 'other state', axis: 'state variable', imageName: 'other state' },
];

export function traceViews(): Panel {
  let hooks: PanelHooks;
  /** Whether the loaded run goes without end (its plots then scroll whatever its duration). */
  let freeRun = false;
  let toggles: HTMLElement;
  // A view's plot (its WebGL context) is made when a scenario first has traces of its role; the
  // frames that arrive meanwhile wait for it, copied.
  const shown = VIEWS.map(() => ({
    plot: null as TracePlot | null,
    creating: null as Promise<void> | null,
    layout: null as Parameters<TracePlot['reset']>[0] | null,
    waiting: [] as { series: number; startMs: number; everyMs: number; values: Float64Array }[],
    host: null as unknown as HTMLElement,
    box: null as unknown as HTMLInputElement,
    label: null as unknown as HTMLElement,
    series: [] as TraceSummary[],
  }));

  function ensurePlot(k: number): void {
    const v = shown[k];
    const view = VIEWS[k];
    if (v.creating) return;
    // Measured while shown for a moment (a hidden element has no width), before anything paints.
    const hidden = v.host.hidden;
    v.host.hidden = false;
    const width = contentWidth(v.host);
    v.host.hidden = hidden;
    v.creating = TracePlot.create(v.host, width, HEIGHT, `${view.id}-canvas`, `${view.words} against time`).then((plot) => {
      v.plot = plot;
      if (v.layout) plot.reset(v.layout);
      for (const w of v.waiting) plot.append(w.series, w, []);
      v.waiting = [];
      if (!v.host.hidden) plot.render();
      else plot.flushInk();
    });
  }

  function show(): void {
    VIEWS.forEach((view, k) => {
      const v = shown[k];
      v.label.hidden = v.series.length === 0;
      v.host.hidden = !(v.box.checked && v.series.length > 0);
      if (!v.host.hidden) v.plot?.render();
    });
    toggles.hidden = shown.every((v) => v.series.length === 0);
    hooks.publish('viewsBelow', shown.some((v) => !v.host.hidden));
  }

  function follow(view: PageView): void {
    VIEWS.forEach((v, k) => {
      if (v.setting) shown[k].box.checked = view[v.setting];
    });
    show();
  }

  /** The plots' time axis follows the raster's window (scrollingWindowMs). */
  function setWindows(): void {
    for (const v of shown) {
      if (!v.layout) continue;
      v.layout = { ...v.layout, windowMs: scrollingWindowMs(freeRun, v.layout.durationMs, hooks.view.get().rasterWindowMs) };
      v.plot?.setWindow(v.layout.windowMs);
    }
  }
  return {
    mount(host, panelHooks) {
      hooks = panelHooks;
      host.className = 'displays';
      toggles = el('div', { id: 'trace-views', class: 'toggles' });
      toggles.append(el('span', {}, 'Also show:'));
      host.append(toggles);
      for (const [k, view] of VIEWS.entries()) {
        const v = shown[k];
        v.box = el('input', { type: 'checkbox', id: `show-${view.id}` });
        v.label = el('label');
        v.label.append(v.box, ` ${view.words}`);
        toggles.append(v.label);
        v.host = el('div', { id: `${view.id}-plot`, class: 'panel' });
        host.append(v.host);
        v.box.addEventListener('change', () => {
          if (view.setting) hooks.view.set({ [view.setting]: v.box.checked });
          show();
        });
      }
      hooks.view.subscribe((view, changed) => {
        if (changed.includes('showGates') || changed.includes('showCurrents')) follow(view);
        if (changed.includes('rasterWindowMs')) setWindows();
      });
      follow(hooks.view.get());
    },
    loaded(s: ScenarioSummary) {
      freeRun = s.freeRun;
      VIEWS.forEach((view, k) => {
        const v = shown[k];
        v.series = s.traces.filter((t) => t.role === view.role);
        const many = new Set(v.series.map((t) => `${t.population}/${t.neuron}`)).size > 1 || s.populations.length > 1;
        const labels = [...new Set(v.series.map((t) => t.variable))];
        v.label.lastChild!.textContent = ` ${view.words}${labels.length > 0 && labels.length <= 4 ? ` ${labels.join(', ')}` : ''}`;
        v.waiting = [];
        v.layout = {
          durationMs: s.durationMs,
          windowMs: scrollingWindowMs(s.freeRun, s.durationMs, hooks.view.get().rasterWindowMs),
          height: HEIGHT,
          label: view.axis,
          unit: view.role === 'gate' ? 'open fraction' : (v.series[0]?.unit ?? ''),
          series: v.series.map((t, j) => ({ label: `${many ? `${t.population} ` : ''}${t.label}`, colour: colourNumber(t.colour) ?? SERIES_COLOURS[j % SERIES_COLOURS.length] })),
          thresholds: [],
          spikes: false,
          range: view.range,
        };
        if (v.series.length > 0) ensurePlot(k);
        v.plot?.reset(v.layout);
      });
      show();
    },
    frame(frame) {
      for (const v of shown) {
        if (v.series.length === 0) continue;
        const plot = v.plot;
        v.series.forEach((series, s) => {
          const trace = frame.traces.find((t) => sameTrace(t, series));
          if (!trace) return;
          if (plot) plot.append(s, trace, []);
          else v.waiting.push({ series: s, startMs: trace.startMs, everyMs: trace.everyMs, values: trace.values.slice() });
        });
        if (!plot) continue;
        if (!v.host.hidden) plot.render();
        else plot.flushInk(); // kept up to date while hidden, so showing it shows the whole run
      }
    },
    freeRun(on) {
      freeRun = on;
      setWindows();
    },
    images: () =>
      VIEWS.map((view, k) => ({
        name: view.imageName,
        shown: () => !shown[k].host.hidden && shown[k].host.offsetParent !== null && shown[k].plot !== null,
        png: () => canvasPng(shown[k].host.querySelector('canvas')!, () => shown[k].plot?.render()),
      })),
  };
}
