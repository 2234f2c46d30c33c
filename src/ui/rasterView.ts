// The spike raster panel, shown for a network (more neurons than traces): the scrolling raster
// (rasterPlot.ts), a legend of the populations in their colours, the window (0.5-10 s, a view
// setting a link carries) and the neuron and time under the pointer. A large network's raster shows
// the sample of neurons the worker sends (summary.scale.rasterSample), one row each in order, and
// says so; hover, click and the trace form speak of the neurons' own numbers.
import type { ScenarioSummary } from '../../workers/simulationApi.js';
import type { Panel, PanelHooks } from './panel.js';
import type { RasterPlot, RasterHover, RasterPopulation } from './rasterPlot.js';
import { css, populationColour } from './plotStyle.js';
import { canvasPng, el } from './dom.js';
import { contentWidth, isNetwork } from './summaryFacts.js';
import { spikesOfSubset } from '../core/arrays.js';

/** Raster windows offered (ms of simulated time across the raster). */
const RASTER_WINDOWS_MS = [500, 1000, 2000, 5000, 10000];
const RASTER_HEIGHT = 240;

function hoverText(at: RasterHover | null, sampled: boolean): string {
  if (!at) return 'Point at the raster to name a neuron and a time; click a row to trace that neuron.';
  const who = at.first === at.last ? `neuron ${at.first}` : `neurons ${at.first}–${at.last}`;
  return `${at.population} ${who}${sampled && at.first !== at.last ? ' (those of the sample)' : ''} at t = ${at.timeMs.toFixed(1)} ms`;
}

/** The raster's rows when it shows a sample: sample row of each neuron (-1: not shown), and the populations in sample rows. */
interface RasterSample {
  neurons: number[];
  rowOf: Int32Array;
  populations: RasterPopulation[];
}

function sampleOf(s: ScenarioSummary): RasterSample | null {
  const neurons = s.scale?.rasterSample;
  if (!neurons) return null;
  const rowOf = new Int32Array(s.populations.reduce((a, p) => a + p.size, 0)).fill(-1);
  neurons.forEach((n, row) => (rowOf[n] = row));
  let offset = 0;
  const populations = s.populations.map((p) => {
    const size = neurons.filter((n) => n >= p.offset && n < p.offset + p.size).length;
    const row = { name: p.name, role: p.role, offset, size };
    offset += size;
    return row;
  });
  return { neurons, rowOf, populations };
}

/** "Showing 1,000 of 100,000 neurons, sampled evenly (one in every 100 of each population: 800 of 80,000 in E, ...)...". */
function sampleSentence(s: ScenarioSummary, sample: RasterSample): string {
  const count = (x: number) => x.toLocaleString('en-US');
  const total = s.populations.reduce((a, p) => a + p.size, 0);
  const strides = new Set(sample.populations.map((p, k) => Math.round(s.populations[k].size / Math.max(1, p.size))));
  const every = strides.size === 1 ? `one in every ${count([...strides][0])} of each population: ` : '';
  const parts = sample.populations.map((p, k) => `${count(p.size)} of ${count(s.populations[k].size)} in ${p.name}`).join(', ');
  const over = s.scale && s.scale.statisticsNeurons < total ? `${count(s.scale.statisticsNeurons)} of them, sampled the same way` : `all ${count(total)}`;
  return `Showing ${count(sample.neurons.length)} of ${count(total)} neurons, sampled evenly (${every}${parts}); only their spikes are sent to the page. The statistics below are over ${over}.`;
}

export function rasterView(): Panel {
  /** Made when the first network loads (a single neuron never needs its WebGL context). */
  let plot: RasterPlot | null = null;
  let creating: Promise<void> | null = null;
  /** Spikes that arrived while the plot was being made, copied (a frame's arrays are not kept). */
  let waiting: { timeMs: Float64Array; neuron: Int32Array; endMs: number }[] = [];
  let canvasHost: HTMLElement;
  let hover: HTMLElement;
  /** The row under the pointer (a click traces its first neuron). */
  let under: RasterHover | null = null;
  let hooks: PanelHooks;
  let traceWho: HTMLSelectElement;
  let traceNeuron: HTMLInputElement;
  let traceSaid: HTMLElement;
  let sampleSaid: HTMLElement;
  /** The sample shown, when the network is too large to show whole. */
  let sample: RasterSample | null = null;

  /** A hovered row in the neurons' own numbers (a sampled raster's rows are the sample's). */
  function ownNumbers(at: RasterHover | null): RasterHover | null {
    if (!at || !sample || !summary) return at;
    const k = sample.populations.findIndex((p) => p.name === at.population);
    const offset = summary.populations[k].offset;
    const own = (i: number) => sample!.neurons[sample!.populations[k].offset + i] - offset;
    return { ...at, first: own(at.first), last: own(at.last) };
  }

  /** A frame's spikes in the sample's rows (the worker sends the traced neurons' too: they have no row). */
  function inRows(timeMs: Float64Array, neuron: Int32Array): { timeMs: Float64Array; neuron: Int32Array } {
    return sample ? spikesOfSubset(timeMs, neuron, sample.rowOf) : { timeMs, neuron };
  }

  /** Trace a neuron of a population from now on: the membrane plot follows it. */
  async function trace(population: string, neuron: number): Promise<void> {
    const result = await hooks.apply({ kind: 'trace', population, neuron });
    if (!result) return;
    traceSaid.textContent = result.ok ? `Tracing ${population} #${neuron} from t = now.` : result.error.message;
  }
  let section: HTMLElement;
  let legend: HTMLElement;
  let windowSelect: HTMLSelectElement;
  let summary: ScenarioSummary | null = null;
  let windowMs = 1000;
  /** Simulated time of the last frame: the time axis's right edge, also for a plot made after the frames came. */
  let nowMs = 0;

  function restart(): void {
    waiting = [];
    if (!summary || section.hidden || !plot) return;
    plot.reset(sample?.populations ?? summary.populations, windowMs); // a new window starts empty, from now on
    plot.setNow(nowMs);
    plot.render();
  }

  /** Make the plot once, sized to its host now that it is shown; spikes meanwhile wait for it. */
  function ensurePlot(): void {
    // PixiJS comes with the raster's own chunk: a page that never shows a network never loads it.
    creating ??= import('./rasterPlot.js').then(({ RasterPlot }) => RasterPlot.create(canvasHost, contentWidth(canvasHost), RASTER_HEIGHT, (at) => {
      under = ownNumbers(at);
      hover.textContent = hoverText(under, sample !== null);
    })).then((made) => {
      plot = made;
      const held = waiting;
      restart();
      for (const f of held) plot.frame(f.timeMs, f.neuron, f.endMs);
      // Frames that came while PixiJS loaded (a fast run may end meanwhile) set where the axis stands.
      plot.setNow(nowMs);
      plot.render();
    });
  }

  // The canvas is made at its host's width: when the window turns or is resized, make it again
  // at the new width (empty, as after a reset), once the size has settled.
  let resizing: ReturnType<typeof setTimeout> | undefined;
  const resized = new ResizeObserver(() => {
    clearTimeout(resizing);
    resizing = setTimeout(() => {
      if (!plot || section.hidden || Math.abs(contentWidth(canvasHost) - plot.width) < 8) return;
      const old = plot;
      plot = null;
      creating = null;
      old.destroy();
      ensurePlot();
    }, 250);
  });

  function showWindow(ms: number): void {
    if (![...windowSelect.options].some((o) => o.value === String(ms))) windowSelect.append(new Option(`${ms / 1000} s`, String(ms)));
    windowSelect.value = String(ms);
  }

  return {
    mount(host: HTMLElement, panelHooks: PanelHooks) {
      hooks = panelHooks;
      section = host;
      section.id = 'raster-section';
      section.className = 'panel';
      const head = el('div', { class: 'panel-head' });
      legend = el('span', { id: 'raster-legend' });
      windowSelect = el('select', { id: 'raster-window', title: 'Simulated time across the raster (it scrolls, newest at the right)' });
      for (const ms of RASTER_WINDOWS_MS) windowSelect.append(new Option(`${ms / 1000} s`, String(ms)));
      head.append(el('h2', {}, 'Spike raster'), legend, el('label', { for: 'raster-window' }, 'window'), windowSelect);
      canvasHost = el('div', { id: 'raster' });
      hover = el('p', { id: 'raster-hover', 'aria-live': 'off' });
      // The same by keyboard: a population, a neuron number, Trace.
      const form = el('form', { class: 'trace-form', 'aria-label': 'Trace a neuron' });
      traceWho = el('select', { id: 'trace-population', 'aria-label': 'Population of the neuron to trace' });
      traceNeuron = el('input', { id: 'trace-neuron', type: 'number', min: '0', step: '1', value: '0', 'aria-label': 'Neuron number to trace' });
      traceSaid = el('span', { id: 'trace-said', role: 'status' });
      form.append(el('span', {}, 'Trace neuron'), traceWho, traceNeuron, el('button', { type: 'submit', class: 'secondary' }, 'Trace'), traceSaid);
      form.addEventListener('submit', (event) => {
        event.preventDefault();
        void trace(traceWho.value, Number(traceNeuron.value));
      });
      canvasHost.addEventListener('click', () => {
        if (under) void trace(under.population, under.first);
      });
      sampleSaid = el('p', { id: 'raster-sample', class: 'hint' });
      sampleSaid.hidden = true;
      section.append(head, sampleSaid, canvasHost, hover, form);
      resized.observe(canvasHost);
      hover.textContent = hoverText(null, false);
      section.hidden = true;
      windowMs = hooks.view.get().rasterWindowMs;
      showWindow(windowMs);
      windowSelect.addEventListener('change', () => hooks.view.set({ rasterWindowMs: Number(windowSelect.value) }));
      hooks.view.subscribe((view, changed) => {
        if (!changed.includes('rasterWindowMs')) return;
        windowMs = view.rasterWindowMs;
        showWindow(windowMs);
        restart();
      });
    },
    loaded(s) {
      summary = s;
      nowMs = 0;
      section.hidden = !isNetwork(s);
      if (section.hidden) return;
      sample = sampleOf(s);
      sampleSaid.hidden = !sample;
      sampleSaid.textContent = sample ? sampleSentence(s, sample) : '';
      ensurePlot();
      restart();
      traceWho.replaceChildren(...s.populations.map((p) => new Option(p.name, p.name)));
      legend.replaceChildren(
        ...s.populations.map((p, k) => {
          const item = el('span');
          const key = el('span', { class: 'key dot' });
          key.style.background = css(populationColour(s.populations, k));
          item.append(key, `${p.name}${p.role ? ` (${p.role})` : ''}: ${p.size.toLocaleString('en-US')} neurons`);
          return item;
        }),
      );
    },
    frame(frame) {
      if (section.hidden) return;
      const spikes = inRows(frame.spikes.timeMs, frame.spikes.neuron);
      nowMs = frame.endMs;
      if (!plot) {
        waiting.push({ timeMs: spikes.timeMs.slice(), neuron: spikes.neuron.slice(), endMs: frame.endMs });
        return;
      }
      plot.frame(spikes.timeMs, spikes.neuron, frame.endMs);
      // The time axis follows every frame (a label is written only when a new tick comes in).
      plot.setNow(nowMs);
      plot.render();
    },
    images: () => [
      {
        name: 'raster',
        shown: () => !section.hidden && plot !== null,
        png: () => canvasPng(section.querySelector('canvas')!, () => plot?.redraw()),
      },
    ],
  };
}
