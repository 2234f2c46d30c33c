// The f-I panel's plot: the sweep's simulated points (with standard errors), the theory curve and
// the fitted activations on one canvas, raw or normalised, as rates or gains; beside it the view
// choices, the legend (a checkbox per curve, its value at the hovered input) and the read-out
// line. Point at the plot, or focus it and use the arrow keys, to read every curve at one input.
//
// Why a 2D canvas and not PixiJS here: a static line plot redrawn only when something changes, with
// dashes, error bars and text, which the 2D context draws natively (PixiJS v8's Graphics has no
// dashed strokes), and the page already holds several WebGL contexts (browsers cap them, ~16 in
// Chromium). The numbers all come from fiPlotData.ts; this file only lays out and draws.
import type { FitResult } from '../bridge/fit.js';
import type { PopulationRate } from '../../workers/sweepApi.js';
import { buildSeries, CURVE_STYLES, curveStyle, normalisation, axisMap, valuesAt, yRange, type AxesKind, type CurveId, type Quantity, type Series, type SweepData } from './fiPlotData.js';
import { formatNumber } from './fiFormat.js';
import { niceTicks } from './plotStyle.js';
import { el } from './dom.js';

/** The sweep as the panel holds it: points not yet simulated are NaN. */
export interface PanelData extends SweepData {
  currents: Float64Array;
  ratesHz: Float64Array;
  semHz: Float64Array;
  theoryHz: Float64Array | null;
  fits: FitResult[];
}

/** What the plot shows, asked for at every draw. */
export interface FiPlotSource {
  data: PanelData | null;
  unit: string;
  inputSymbol: string;
  /** The sweep shown is a network's transfer function. */
  network: boolean;
  /** Per point of a transfer function: each population's rate. */
  populationRates: (PopulationRate[] | null)[];
  /** Nothing swept yet. */
  idle: boolean;
  /** The computed rheobase of the neuron swept (raw input units), marked on the plot; null when there is none. */
  rheobaseInput?: number | null;
}

const MARGIN = { left: 62, right: 14, top: 12, bottom: 42 };
const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif';
/** Room the legend column takes beside the canvas. */
export const SIDE_WIDTH = 240;

/** A small picture of a curve's line (colour and dash), so the legend and the table match the plot. */
export function swatch(id: CurveId): SVGSVGElement {
  const s = curveStyle(id);
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  const set = (node: Element, attributes: Record<string, string>) => Object.entries(attributes).forEach(([k, v]) => node.setAttribute(k, v));
  set(svg, { width: '28', height: '10', 'aria-hidden': 'true' });
  const line = document.createElementNS(ns, 'line');
  if (id === 'simulated') {
    set(line, { x1: '14', x2: '14', y1: '0', y2: '10', stroke: s.colour, 'stroke-width': '1.5' });
    const dot = document.createElementNS(ns, 'circle');
    set(dot, { cx: '14', cy: '5', r: '3.5', fill: s.colour });
    svg.append(line, dot);
  } else {
    set(line, { x1: '0', x2: '28', y1: '5', y2: '5', stroke: s.colour, 'stroke-width': String(Math.min(s.width, 4)), 'stroke-dasharray': s.dash.join(' ') });
    svg.append(line);
  }
  return svg;
}

export class FiPlot {
  /** The canvas and the legend column beside it. */
  readonly element: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  private readonly at: HTMLElement;
  private readonly legendRows = new Map<CurveId, { row: HTMLLIElement; value: HTMLElement }>();
  private axes: AxesKind = 'raw';
  private quantity: Quantity = 'rate';
  private readonly visible = new Set<CurveId>(CURVE_STYLES.map((s) => s.id));
  private hoverInput: number | null = null;
  private drawQueued = false;

  constructor(private readonly source: () => FiPlotSource, private readonly width: number, private readonly height: number) {
    this.element = el('div', { class: 'fi-body' });
    this.canvas = el('canvas', { id: 'fi-canvas', role: 'img', 'aria-label': 'Firing rate against input current: simulated points, theory and fitted activation functions. Left and right arrows read every curve at one current after another.' });
    const side = el('div', { class: 'fi-side' });
    const viewBox = el('div', { class: 'fi-view' });
    const radios = (name: string, options: [string, string][], onChange: (value: string) => void) => {
      const row = el('div');
      for (const [value, text] of options) {
        const label = el('label');
        const input = el('input', { type: 'radio', name, value, id: `fi-${name}-${value}` });
        input.checked = value === options[0][0];
        input.addEventListener('change', () => input.checked && onChange(value));
        label.append(input, ` ${text} `);
        row.append(label);
      }
      return row;
    };
    viewBox.append(
      radios('quantity', [['rate', 'rate'], ['gain', 'gain (slope)']], (v) => ((this.quantity = v as Quantity), this.redraw())),
      radios('axes', [['raw', 'raw axes'], ['normalised', 'normalised']], (v) => ((this.axes = v as AxesKind), this.redraw())),
    );
    this.at = el('div', { class: 'fi-at', id: 'fi-at' });
    const legend = el('ul', { class: 'fi-legend', id: 'fi-legend' });
    for (const s of CURVE_STYLES) {
      const row = el('li', { 'data-curve': s.id });
      const box = el('input', { type: 'checkbox', id: `fi-show-${s.id}`, 'aria-label': `show ${s.label}` });
      box.checked = true;
      box.addEventListener('change', () => {
        if (box.checked) this.visible.add(s.id);
        else this.visible.delete(s.id);
        this.redraw();
      });
      const value = el('span', { class: 'fi-value' });
      row.append(box, swatch(s.id), el('label', { for: box.id }, s.label), value);
      row.hidden = true;
      this.legendRows.set(s.id, { row, value });
      legend.append(row);
    }
    side.append(viewBox, this.at, legend);
    this.element.append(this.canvas, side);

    const dpr = Math.max(1, window.devicePixelRatio || 1);
    this.canvas.width = Math.round(width * dpr);
    this.canvas.height = Math.round(height * dpr);
    this.canvas.style.width = `${width}px`;
    this.canvas.style.height = `${height}px`;
    this.canvas.tabIndex = 0;
    this.canvas.dataset.keys = 'arrows'; // the page's arrow-key shortcut stays out of its way
    this.canvas.addEventListener('pointermove', (event) => this.hover(event));
    // Keyboard too: focus the plot and step the read-out along the sweep's inputs.
    this.canvas.addEventListener('keydown', (event) => {
      const data = this.source().data;
      if (!data || (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight')) return;
      event.preventDefault();
      const currents = data.currents;
      const h = this.hoverInput;
      const nearest = h === null ? -1 : currents.reduce((best, c, k) => (Math.abs(c - h) < Math.abs(currents[best] - h) ? k : best), 0);
      const next = nearest < 0 ? 0 : Math.min(currents.length - 1, Math.max(0, nearest + (event.key === 'ArrowRight' ? 1 : -1)));
      this.hoverInput = currents[next];
      this.redraw();
    });
    for (const type of ['blur', 'pointerleave'] as const) {
      this.canvas.addEventListener(type, () => {
        this.hoverInput = null;
        this.redraw();
      });
    }
  }

  private hover(event: PointerEvent): void {
    const data = this.source().data;
    if (!data) return;
    const px = event.clientX - this.canvas.getBoundingClientRect().left;
    const frame = this.frame(data);
    if (!frame || px < MARGIN.left || px > this.width - MARGIN.right) this.hoverInput = null;
    else {
      const x = frame.xLo + ((px - MARGIN.left) / (this.width - MARGIN.left - MARGIN.right)) * (frame.xHi - frame.xLo);
      this.hoverInput = axisMap(this.axes, normalisation(data)).input(x);
    }
    this.redraw();
  }

  /** Redraw once per animation frame however many updates arrive (coalesced behind a flag). */
  redraw(): void {
    if (this.drawQueued) return;
    this.drawQueued = true;
    requestAnimationFrame(() => {
      this.drawQueued = false;
      this.draw();
    });
  }

  /** The x range on screen: the sweep's inputs on the chosen axes. */
  private frame(data: PanelData | null): { xLo: number; xHi: number } | null {
    if (!data || data.currents.length === 0) return null;
    const map = axisMap(this.axes, normalisation(data));
    const xs = Array.from(data.currents, map.x);
    return { xLo: Math.min(...xs), xHi: Math.max(...xs) };
  }

  draw(): void {
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    const { data, unit, inputSymbol: symbol, network, idle, rheobaseInput } = this.source();
    const dpr = this.canvas.width / this.width;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, this.width, this.height);
    const [left, right, top, bottom] = [MARGIN.left, this.width - MARGIN.right, MARGIN.top, this.height - MARGIN.bottom];
    const normalised = this.axes === 'normalised';
    const series = data ? buildSeries(data, this.axes, this.quantity, this.visible) : [];
    const frame = this.frame(data) ?? { xLo: 0, xHi: 1 };
    const [yLo, yHi] = series.length > 0 ? yRange(series, this.quantity) : [0, 1];
    const xt = niceTicks(frame.xLo, frame.xHi, 8);
    const yt = niceTicks(yLo, yHi, 6);
    const X = (x: number) => left + ((x - frame.xLo) / (frame.xHi - frame.xLo || 1)) * (right - left);
    const Y = (y: number) => bottom - ((y - yt.lo) / (yt.hi - yt.lo || 1)) * (bottom - top);

    // Grid and axes.
    ctx.font = `12px ${FONT}`;
    ctx.lineWidth = 1;
    ctx.setLineDash([]);
    ctx.strokeStyle = '#e8e8e8';
    ctx.fillStyle = '#2b2b2b';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    for (const v of xt.values) {
      if (v < frame.xLo - 1e-9 || v > frame.xHi + 1e-9) continue;
      this.line(ctx, Math.round(X(v)) + 0.5, top, Math.round(X(v)) + 0.5, bottom);
      ctx.fillText(formatNumber(v, 4), X(v), bottom + 5);
    }
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (const v of yt.values) {
      this.line(ctx, left, Math.round(Y(v)) + 0.5, right, Math.round(Y(v)) + 0.5);
      ctx.fillText(formatNumber(v, 4), left - 6, Y(v));
    }
    ctx.strokeStyle = '#555555';
    ctx.strokeRect(left + 0.5, top + 0.5, right - left, bottom - top);
    ctx.textAlign = 'center';
    ctx.textBaseline = 'bottom';
    const xName = network ? (unit === 'Hz' ? 'rate of the Poisson inputs' : 'current added to every neuron') : 'input current';
    ctx.fillText(normalised ? `normalised ${network ? 'drive' : 'input'} (${symbol} from −1 to 1 over the sweep)` : `${xName} ${symbol} (${unit})`, (left + right) / 2, this.height - 4);
    ctx.save();
    ctx.translate(14, (top + bottom) / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textBaseline = 'middle';
    const yLabel = this.quantity === 'rate' ? (normalised ? 'normalised rate (0 to 1)' : network ? 'mean firing rate (Hz)' : 'firing rate (Hz)') : normalised ? 'gain (normalised slope)' : `gain dr/d${symbol} (Hz per ${unit})`;
    ctx.fillText(yLabel, 0, 0);
    ctx.restore();

    // Curves, clipped to the plot: theory under the fits, simulated points on top.
    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top, right - left, bottom - top);
    ctx.clip();
    const order = (s: Series) => (s.id === 'theory' ? 0 : s.id === 'simulated' ? 2 : 1);
    for (const s of [...series].sort((a, b) => order(a) - order(b))) this.drawSeries(ctx, s, X, Y);
    // The computed rheobase (not a grid point): a dashed grey line, named at the top.
    if (data && !network && rheobaseInput !== undefined && rheobaseInput !== null && Number.isFinite(rheobaseInput)) {
      const rx = Math.round(X(axisMap(this.axes, normalisation(data)).x(rheobaseInput))) + 0.5;
      ctx.setLineDash([3, 3]);
      ctx.strokeStyle = '#555555';
      this.line(ctx, rx, top, rx, bottom);
      ctx.setLineDash([]);
      ctx.fillStyle = '#555555';
      ctx.textAlign = 'left';
      ctx.textBaseline = 'top';
      ctx.fillText(`rheobase ${formatNumber(rheobaseInput, 4)} ${unit}`, rx + 4, top + 4);
    }
    if (this.hoverInput !== null && data) {
      const hx = Math.round(X(axisMap(this.axes, normalisation(data)).x(this.hoverInput))) + 0.5;
      ctx.setLineDash([]);
      ctx.strokeStyle = '#777777';
      this.line(ctx, hx, top, hx, bottom);
    }
    ctx.restore();

    if (idle || !data) {
      ctx.fillStyle = '#5a5a5a';
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      ctx.font = `14px ${FONT}`;
      // Wrapped to the plot's width (a phone's is about 240 px).
      const lines: string[] = [];
      for (const word of 'Run a sweep to see the neuron\'s firing rate against its input.'.split(' ')) {
        const joined = lines.length ? `${lines[lines.length - 1]} ${word}` : word;
        if (lines.length && ctx.measureText(joined).width <= right - left - 12) lines[lines.length - 1] = joined;
        else lines.push(word);
      }
      lines.forEach((line, k) => ctx.fillText(line, (left + right) / 2, (top + bottom) / 2 + (k - (lines.length - 1) / 2) * 18));
    }
    this.updateLegend();
  }

  private line(ctx: CanvasRenderingContext2D, x0: number, y0: number, x1: number, y1: number): void {
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(x0, y0);
    ctx.lineTo(x1, y1);
    ctx.stroke();
  }

  private drawSeries(ctx: CanvasRenderingContext2D, s: Series, X: (x: number) => number, Y: (y: number) => number): void {
    const style = curveStyle(s.id);
    ctx.strokeStyle = style.colour;
    ctx.fillStyle = style.colour;
    ctx.lineWidth = style.width;
    ctx.lineJoin = 'round';
    if (s.id === 'simulated') {
      ctx.setLineDash([]);
      for (let k = 0; k < s.x.length; k++) {
        if (!Number.isFinite(s.y[k])) continue;
        const x = X(s.x[k]);
        const e = s.error?.[k] ?? 0;
        if (e > 0) {
          ctx.beginPath();
          ctx.moveTo(x, Y(s.y[k] - e));
          ctx.lineTo(x, Y(s.y[k] + e));
          ctx.stroke();
        }
        ctx.beginPath();
        ctx.arc(x, Y(s.y[k]), 2.6, 0, 2 * Math.PI);
        ctx.fill();
      }
      return;
    }
    ctx.setLineDash(style.dash);
    ctx.beginPath();
    let pen = false;
    for (let k = 0; k < s.x.length; k++) {
      const y = s.y[k];
      if (!Number.isFinite(y)) {
        pen = false;
        continue;
      }
      // Keep far-off values finite for the canvas (the clip hides them).
      const py = Math.max(-1e4, Math.min(1e4, Y(y)));
      if (pen) ctx.lineTo(X(s.x[k]), py);
      else ctx.moveTo(X(s.x[k]), py);
      pen = true;
    }
    ctx.stroke();
    ctx.setLineDash([]);
  }

  private updateLegend(): void {
    const { data, unit, inputSymbol: symbol, network, populationRates } = this.source();
    const hasTheory = !!data?.theoryHz;
    const fitted = new Set(data?.fits.map((f) => f.id) ?? []);
    const values = data && this.hoverInput !== null ? valuesAt(data, this.axes, this.quantity, this.visible, this.hoverInput) : [];
    const valueUnit = this.axes === 'normalised' ? '' : this.quantity === 'rate' ? ' Hz' : ` Hz per ${unit}`;
    for (const s of CURVE_STYLES) {
      const entry = this.legendRows.get(s.id)!;
      entry.row.hidden = !data || (s.id === 'theory' ? !hasTheory : s.id === 'simulated' ? false : !fitted.has(s.id));
      if (s.id === 'simulated') entry.row.querySelector('label')!.textContent = network ? 'network mean' : 'simulated';
      const v = values.find((h) => h.id === s.id);
      if (!v || !Number.isFinite(v.value)) entry.value.textContent = v ? '–' : '';
      else entry.value.textContent = `${formatNumber(v.value, 3)}${v.error ? ` ± ${formatNumber(v.error, 2)}` : ''}${valueUnit}`;
    }
    // A measured point is shown as measured, at its own input, not interpolated.
    const nearest = values.find((h) => h.id === 'simulated')?.atInput;
    const point = nearest !== undefined && this.hoverInput !== null && Math.abs(nearest - this.hoverInput) > 1e-9 ? ` (the nearest point is at ${formatNumber(nearest, 4)} ${unit})` : '';
    // A network's point also says each population's rate.
    const k = nearest === undefined || !data ? -1 : Array.prototype.indexOf.call(data.currents, nearest);
    const pops = k >= 0 ? populationRates[k] : null;
    const perPopulation = pops ? `; ${pops.map((r) => `${r.population} ${formatNumber(r.rateHz, 3)} Hz`).join(', ')}` : '';
    this.at.textContent = this.hoverInput !== null ? `at ${symbol} = ${formatNumber(this.hoverInput, 3)} ${unit}${point}${perPopulation}` : data ? 'Point at the plot to read every curve here.' : '';
  }
}
