// The statistics strip: per population, over the last window of simulated time (the raster's
// window), the mean rate, the ISI CV, the Fano factor and a histogram of the interspike
// intervals, as the worker computes them (src/core/record/windowStats.ts: the CLI's definitions).
// A table, so a screen reader reads it as one; the histogram is a small SVG with its counts in
// words. Shown for a network, and for a single neuron once it has fired twice. Computed over every
// neuron, or for a large network over an even sample ten times the raster's (the caption says which).
import type { ScenarioSummary, WindowStats } from '../../workers/simulationApi.js';
import type { Panel } from './panel.js';
import { addStyleOnce, el } from './dom.js';
import { css, populationColour } from './plotStyle.js';
import { isNetwork } from './summaryFacts.js';

const BAR_W = 6;
const BAR_H = 26;

const CSS = `
.stats-strip { font-size: 13px; overflow-x: auto; }
.stats-strip table { border-collapse: collapse; font-variant-numeric: tabular-nums; width: 100%; }
.stats-strip caption { text-align: left; color: var(--muted, #5a5a5a); padding: 0 0 4px; caption-side: top; }
.stats-strip th, .stats-strip td { padding: 2px 8px 2px 0; text-align: left; white-space: nowrap; }
.stats-strip thead th { color: var(--muted, #5a5a5a); font-weight: 600; border-bottom: 1px solid var(--line, #dcdcdc); white-space: normal; }
/* The histogram shrinks to what its column has left (a 360 px phone), never below a readable 48 px. */
.stats-strip svg { display: block; width: 100%; min-width: 48px; height: ${BAR_H}px; }
`;

function figure(x: number, digits = 2): string {
  return Number.isFinite(x) ? x.toFixed(digits) : '–';
}

export function statsStrip(): Panel {
  let host: HTMLElement;
  let body: HTMLTableSectionElement;
  let caption: HTMLTableCaptionElement;
  let summary: ScenarioSummary | null = null;
  let shown: WindowStats | null = null;

  function histogram(counts: number[], binMs: number, colour: string): SVGSVGElement {
    const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    svg.setAttribute('width', String(counts.length * BAR_W));
    svg.setAttribute('height', String(BAR_H));
    svg.setAttribute('viewBox', `0 0 ${counts.length * BAR_W} ${BAR_H}`);
    svg.setAttribute('preserveAspectRatio', 'none');
    svg.style.maxWidth = `${counts.length * BAR_W}px`;
    svg.setAttribute('role', 'img');
    const top = Math.max(1, ...counts);
    counts.forEach((n, k) => {
      const h = (n / top) * BAR_H;
      const bar = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
      bar.setAttribute('x', String(k * BAR_W));
      bar.setAttribute('y', String(BAR_H - h));
      bar.setAttribute('width', String(BAR_W - 1));
      bar.setAttribute('height', String(h));
      bar.setAttribute('fill', colour);
      svg.append(bar);
    });
    const peak = counts.indexOf(top);
    const total = counts.reduce((a, b) => a + b, 0);
    svg.setAttribute('aria-label', total === 0 ? 'no intervals yet' : `${total} intervals in bins of ${binMs} ms, most between ${peak * binMs} and ${(peak + 1) * binMs} ms`);
    return svg;
  }

  function draw(stats: WindowStats): void {
    if (!summary) return;
    const s = summary;
    // A large network's raster shows a sample; these figures are the worker's, over every neuron or a larger sample it says.
    const count = (x: number) => x.toLocaleString('en-US');
    const scale = s.scale;
    const over = !scale?.rasterSample ? '' : scale.statisticsNeurons < scale.neurons ? `, over ${count(scale.statisticsNeurons)} of the ${count(scale.neurons)} neurons, sampled evenly` : `, over all ${count(scale.neurons)} neurons (not only the raster's sample)`;
    caption.textContent = `Last ${Math.round(stats.stopMs - stats.startMs)} ms (t = ${stats.startMs.toFixed(0)}–${stats.stopMs.toFixed(0)} ms), per population${over}`;
    body.replaceChildren(
      ...stats.populations.map((p, k) => {
        const row = el('tr', { 'data-population': p.name });
        const colour = css(populationColour(s.populations, k));
        // The population's colour as a swatch (coloured text would not stand out enough from white).
        const name = el('th', { scope: 'row' });
        const swatch = el('span', { class: 'key dot', 'aria-hidden': 'true' });
        swatch.style.background = colour;
        name.append(swatch, p.name);
        const cell = (text: string, key: string) => el('td', { 'data-stat': key }, text);
        const histogramCell = el('td', { 'data-stat': 'isi-histogram' });
        histogramCell.append(histogram(p.isiHistogram.counts, p.isiHistogram.binMs, colour));
        row.append(name, cell(`${figure(p.meanRateHz, 1)} Hz`, 'rate'), cell(figure(p.isiCv), 'isi-cv'), cell(figure(p.fano), 'fano'), histogramCell);
        return row;
      }),
    );
  }

  return {
    mount(element) {
      addStyleOnce('stats-strip-style', CSS);
      host = element;
      host.id = 'stats-strip';
      host.className = 'panel stats-strip';
      const table = el('table');
      caption = el('caption', {}, 'The last window, per population');
      const head = el('thead');
      const names = el('tr');
      for (const [words, title] of [
        ['population', ''],
        ['rate', 'Spikes per neuron per second in the window'],
        // One line: the two words are one measure (a phone would break them apart).
        ['ISI\u00a0CV', 'Irregularity: std / mean of each neuron\'s interspike intervals (neurons with at least 3 spikes), averaged'],
        ['Fano', 'Count variability: variance / mean of each neuron\'s spike counts in 100 ms windows, averaged'],
        ['ISI histogram', 'Interspike intervals in the window'],
      ]) {
        const th = el('th', { scope: 'col' }, words);
        if (title) th.title = title;
        names.append(th);
      }
      head.append(names);
      body = el('tbody');
      table.append(caption, head, body);
      host.append(table);
      host.hidden = true;
    },
    loaded(s) {
      summary = s;
      shown = null;
      body.replaceChildren();
      host.hidden = !isNetwork(s);
    },
    frame(_frame, info) {
      const stats = info.window;
      if (!stats || stats === shown || !summary) return;
      shown = stats;
      // A single neuron: shown once it has intervals to describe.
      if (!isNetwork(summary)) host.hidden = !stats.populations.some((p) => p.isiHistogram.counts.some((n) => n > 0));
      if (!host.hidden) draw(stats);
    },
  };
}
