// The membrane panel: every traced membrane potential (the traces whose role is 'membrane', i.e.
// the variable each model file declares as its membrane), with the model's firing threshold as a
// dashed line and each neuron's spikes as ticks. Series take the page's series colours in order,
// or their population's colour in a network. It is shorter while another trace view is shown
// under it or a raster above it.
import type { ScenarioSummary, TraceSummary } from '../../workers/simulationApi.js';
import type { Panel, PanelHooks } from './panel.js';
import { TracePlot, scrollingWindowMs } from './tracePlot.js';
import { SERIES_COLOURS, populationColour } from './plotStyle.js';
import { canvasPng } from './dom.js';
import { contentWidth, isNetwork, sameTrace, whoseTrace } from './summaryFacts.js';

const HEIGHT = { alone: 330, withViews: 250, network: 180, input: 140 };

export function membraneView(): Panel {
  let plot: TracePlot;
  /** The input in force under the membrane, I(t), on the same time axis. */
  let inputPlot: TracePlot;
  let inputHost: HTMLElement;
  let inputSeries: TraceSummary[] = [];
  let hooks: PanelHooks;
  let host: HTMLElement;
  let summary: ScenarioSummary | null = null;
  /** Per drawn series: which trace of a frame feeds it, and the global neuron whose spikes it marks. */
  let series: { trace: TraceSummary; neuron: number }[] = [];
  let viewsBelow = false;

  function height(): number {
    if (summary && isNetwork(summary)) return HEIGHT.network;
    return viewsBelow ? HEIGHT.withViews : HEIGHT.alone;
  }

  return {
    async mount(element: HTMLElement, panelHooks: PanelHooks) {
      hooks = panelHooks;
      host = element;
      host.id = 'plot';
      host.className = 'panel';
      plot = await TracePlot.create(host, contentWidth(host), HEIGHT.alone, 'trace-canvas', 'Membrane potential against time, with the firing threshold and spike times');
      inputHost = document.createElement('div');
      inputHost.id = 'input-plot';
      host.append(inputHost);
      inputPlot = await TracePlot.create(inputHost, contentWidth(host), HEIGHT.input, 'input-canvas', 'The input current in force against time, on the same time axis as the membrane potential');
      inputHost.hidden = true;
      hooks.view.subscribe((view, changed) => {
        if (!changed.includes('rasterWindowMs') || !summary) return;
        const windowMs = scrollingWindowMs(summary.freeRun, summary.durationMs, view.rasterWindowMs);
        plot.setWindow(windowMs);
        inputPlot.setWindow(windowMs);
      });
      hooks.subscribe('viewsBelow', (shown) => {
        viewsBelow = shown;
        plot.resize(height());
        plot.render();
      });
    },
    loaded(s) {
      summary = s;
      const network = isNetwork(s);
      const membranes = s.traces.filter((t) => t.role === 'membrane');
      series = membranes.map((trace) => ({ trace, neuron: s.populations.find((p) => p.name === trace.population)!.offset + trace.neuron }));
      const colourOf = (t: TraceSummary, k: number): number =>
        network ? populationColour(s.populations, s.populations.findIndex((p) => p.name === t.population)) : SERIES_COLOURS[k % SERIES_COLOURS.length];
      const thresholds: { name: string; level: number; label: string }[] = [];
      for (const t of membranes) {
        if (!t.threshold || thresholds.some((x) => x.level === t.threshold!.level)) continue;
        thresholds.push({ name: s.populations.length > 1 && !network ? `${t.threshold.name} (${t.population})` : t.threshold.name, level: t.threshold.level, label: t.threshold.label });
      }
      const first = membranes[0];
      const windowMs = scrollingWindowMs(s.freeRun, s.durationMs, hooks.view.get().rasterWindowMs);
      inputSeries = s.traces.filter((t) => t.role === 'input');
      inputHost.hidden = inputSeries.length === 0 || s.steps.length === 0;
      const input = inputSeries[0];
      // Inputs in different units (LIF's nA beside HH's uA/cm2) share the axis but not a unit: the
      // axis then names none and each legend entry its own, so 10 uA/cm2 never reads as 10 nA.
      const units = [...new Set(inputSeries.map((t) => t.unit ?? ''))];
      const mixed = units.length > 1;
      inputPlot.reset({
        durationMs: s.durationMs,
        windowMs,
        height: HEIGHT.input,
        label: input && !mixed ? input.label : 'input',
        unit: mixed ? '' : (input?.unit ?? ''),
        series: inputSeries.map((t, k) => {
          const name = whoseTrace(s, t) || t.label;
          const colour = network ? populationColour(s.populations, s.populations.findIndex((p) => p.name === t.population)) : SERIES_COLOURS[k % SERIES_COLOURS.length];
          return mixed ? { label: `${name} (${t.unit})`, colour, unit: t.unit } : { label: name, colour };
        }),
        thresholds: [],
        spikes: false,
      });
      plot.reset({
        durationMs: s.durationMs,
        windowMs,
        height: height(),
        label: first ? `${first.meaning} ${first.variable}`.trim() : 'no membrane potential recorded',
        unit: first?.unit ?? '',
        series: membranes.map((t, k) => ({ label: whoseTrace(s, t) || t.label, colour: colourOf(t, k) })),
        thresholds,
        spikes: true,
      });
      plot.render();
    },
    frame(frame) {
      if (!summary) return;
      const { timeMs, neuron } = frame.spikes;
      const spikesOf = series.map(() => [] as number[]);
      for (let k = 0; k < timeMs.length; k++) {
        for (let s = 0; s < series.length; s++) if (series[s].neuron === neuron[k]) spikesOf[s].push(timeMs[k]);
      }
      series.forEach((entry, s) => {
        const trace = frame.traces.find((t) => sameTrace(t, entry.trace));
        plot.append(s, trace ?? { startMs: frame.startMs, everyMs: summary!.dtMs, values: new Float64Array(0) }, spikesOf[s]);
      });
      plot.render();
      inputSeries.forEach((t, k) => {
        const trace = frame.traces.find((x) => sameTrace(x, t));
        if (trace) inputPlot.append(k, trace, []);
      });
      if (!inputHost.hidden) inputPlot.render();
    },
    freeRun(on) {
      const windowMs = scrollingWindowMs(on, summary?.durationMs ?? 0, hooks.view.get().rasterWindowMs);
      plot.setWindow(windowMs);
      inputPlot.setWindow(windowMs);
    },
    images: () => [{ name: 'voltage', shown: () => host.offsetParent !== null, png: () => canvasPng(host.querySelector('canvas')!, () => plot.render()) }],
  };
}
