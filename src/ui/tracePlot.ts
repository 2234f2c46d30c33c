// A trace plot: one or more traced series sharing a y axis (membrane potentials, gates, currents)
// against time, thresholds as dashed lines, and a strip of spike ticks above. It only draws what
// it is given; it decides nothing about neurons.
//
// Drawn by uPlot on a 2-D canvas: its axes, the legend under the plot (each series' value at the
// cursor, which is also what a screen reader reads), the cursor and a drag to zoom in time (double
// click zooms out) come with it. Measured on this machine's headless Chromium, one PixiJS
// application per plot cost a WebGL context, its shader programs and PixiJS's own start (about half
// a second each, and most of the page's first seconds); uPlot starts in milliseconds and redraws a
// run's samples within a frame. Thresholds and spike ticks are drawn in uPlot's draw hook.
//
// The time axis is simulated time in ms, from 0 to the run's end, or for a run without end
// (`windowMs`) the last window up to now, scrolling as an oscilloscope does: then only the samples
// of the last two windows are kept.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { COLOURS, FONT, SERIES_COLOURS, css, formatNumber, niceTicks, unitSuffix } from './plotStyle.js';

export { COLOURS, SERIES_COLOURS, niceTicks };

export interface SeriesLayout {
  /** Legend text, e.g. "LIF v" or "m". */
  label: string;
  colour: number;
  /** This series' unit where the plot's series differ (the axis then names them all). */
  unit?: string;
}

export interface TraceLayout {
  durationMs: number;
  /** A run without end: show the last this many ms, scrolling (durationMs is then ignored). */
  windowMs?: number;
  height: number;
  /** Axis label, e.g. "membrane potential v". */
  label: string;
  unit: string;
  series: SeriesLayout[];
  /** Dashed lines: `label` (default "threshold"), the level's name and its value. */
  thresholds: { name: string; level: number; label?: string }[];
  /** Show a strip of spike ticks (one row per series when there are several). */
  spikes: boolean;
  /** A fixed range (e.g. gates in [0, 1]); otherwise the range follows the data. */
  range?: [number, number];
}

interface Chunk {
  startMs: number;
  everyMs: number;
  values: Float64Array;
}

/** The spike strip above the plotting area, in CSS px. */
const SPIKE_STRIP = { height: 26, gap: 8 };
const PADDING = { top: 14, right: 28 };
/** uPlot's default height of the x axis (ticks, values and its label), in CSS px. */
const X_AXIS_SIZE = 50;
const AXIS_FONT = `13px ${FONT}`;

let measuring: CanvasRenderingContext2D | null = null;

/**
 * The y axis's label as it fits along the plotting area's height: "membrane potential v (mV)" on a
 * tall plot, "v (mV)" on a short one (a network's), dropping leading words, never the unit; uPlot
 * would cut it off at the canvas's edge.
 */
export function fittedAxisLabel(label: string, unit: string, roomPx: number, widthOf: (text: string) => number): string {
  const suffix = unit && unit !== '1' ? ` (${unit})` : '';
  const words = label.split(' ').filter(Boolean);
  while (words.length > 1 && widthOf(`${words.join(' ')}${suffix}`) > roomPx) words.shift();
  return `${words.join(' ')}${suffix}`;
}

/** A growing column of samples (doubling its capacity, NaN where nothing was written yet), read through views that cost nothing. */
class Column {
  data = new Float64Array(1024).fill(Number.NaN);
  length = 0;
  private ensure(capacity: number): void {
    if (capacity <= this.data.length) return;
    const grown = new Float64Array(Math.max(capacity, this.data.length * 2)).fill(Number.NaN);
    grown.set(this.data);
    this.data = grown;
  }
  push(value: number): void {
    this.ensure(this.length + 1);
    this.data[this.length++] = value;
  }
  /** Drop the first `count` samples. */
  shift(count: number): void {
    this.data.copyWithin(0, count);
    this.data.fill(Number.NaN, this.data.length - count);
    this.length = Math.max(0, this.length - count);
  }
  /** The first `n` samples (NaN past those written). */
  view(n = this.length): Float64Array {
    this.ensure(n);
    return this.data.subarray(0, n);
  }
}

/**
 * The time axis the trace plots share with the raster: a run without end, or one longer than the
 * raster's window, scrolls over that window as the raster does; a shorter run is shown whole.
 */
export function scrollingWindowMs(freeRun: boolean, durationMs: number, rasterWindowMs: number): number | undefined {
  return freeRun || durationMs > rasterWindowMs ? rasterWindowMs : undefined;
}

export class TracePlot {
  private plot: uPlot;
  private layout: TraceLayout | null = null;
  private times = new Column();
  private columns: Column[] = [];
  private spikeTimes: number[][] = [];
  /** The latest time a sample or the run has reached (the right edge of a scrolling window). */
  private nowMs = 0;
  private vLow = -80;
  private vHigh = -40;
  private vStep = 10;
  private dataLow = Infinity;
  private dataHigh = -Infinity;
  private dirty = true;
  private height: number;
  /** The plot's text alternative: what it shows, in words, for a screen reader (the canvas points to it). */
  private readonly said: HTMLElement;
  private saidAt = -Infinity;
  /** A refresh held back by the once-a-second limit, due when the second is up. */
  private sayLater: ReturnType<typeof setTimeout> | null = null;

  private constructor(host: HTMLElement, readonly width: number, height: number, id: string, description: string) {
    this.height = height;
    this.plot = new uPlot(this.options(null), [[]], host);
    this.said = document.createElement('p');
    this.said.className = 'sr-only';
    this.said.id = `${id}-summary`;
    host.append(this.said);
    this.describe(id, description);
  }

  /** Create the plot and put it into `host` (kept async: callers await it as they did a WebGL start). */
  static async create(host: HTMLElement, width: number, height: number, id: string, description: string): Promise<TracePlot> {
    return new TracePlot(host, width, height, id, description);
  }

  private describe(id: string, description: string): void {
    const canvas = this.canvas;
    canvas.id = id;
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', description);
    canvas.setAttribute('aria-describedby', this.said.id);
  }

  /** The data in words: the time shown, each series' range and spike count. */
  summaryText(): string {
    const layout = this.layout;
    if (!layout || this.times.length === 0) return 'No data yet.';
    const [from, to] = [this.times.data[0], this.times.data[this.times.length - 1]];
    const parts = layout.series.map((series, k) => {
      const unit = unitSuffix(series.unit ?? layout.unit);
      const column = this.columns[k];
      let lo = Infinity;
      let hi = -Infinity;
      for (let j = 0; j < column.length; j++) {
        const v = column.data[j];
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      const spikes = layout.spikes ? `, ${this.spikeTimes[k].length} spikes` : '';
      const name = series.label || layout.label;
      return Number.isFinite(lo) ? `${name} from ${formatNumber(lo)} to ${formatNumber(hi)}${unit}${spikes}` : `${name}: no samples`;
    });
    return `${layout.label} from t = ${formatNumber(Number(from.toFixed(1)))} to ${formatNumber(Number(to.toFixed(1)))} ms: ${parts.join('; ')}.`;
  }

  /**
   * Refresh the text alternative, at most once a second (a screen reader reads it on demand); a
   * refresh held back is made when the second is up, so the text never stays behind the plot (as
   * it did after a run's last frame).
   */
  private speak(force = false): void {
    const now = performance.now();
    const wait = 1000 - (now - this.saidAt);
    if (!force && wait > 0) {
      this.sayLater ??= setTimeout(() => {
        this.sayLater = null;
        this.speak(true);
      }, wait);
      return;
    }
    if (this.sayLater !== null) clearTimeout(this.sayLater);
    this.sayLater = null;
    this.saidAt = now;
    this.said.textContent = this.summaryText();
  }

  get canvas(): HTMLCanvasElement {
    return this.plot.ctx.canvas;
  }

  /** The y axis's label for the plot's height now. */
  private yLabel(layout: TraceLayout | null): string {
    if (!layout) return '';
    const room = this.height - PADDING.top - (layout.spikes ? SPIKE_STRIP.height + SPIKE_STRIP.gap : 0) - X_AXIS_SIZE;
    measuring ??= document.createElement('canvas').getContext('2d');
    if (measuring) measuring.font = AXIS_FONT;
    return fittedAxisLabel(layout.label, layout.unit, room, (text) => measuring?.measureText(text).width ?? text.length * 7);
  }

  private options(layout: TraceLayout | null): uPlot.Options {
    const series = layout?.series ?? [];
    const axisFont = AXIS_FONT;
    const many = series.length > 1;
    return {
      width: this.width,
      height: this.height,
      padding: [PADDING.top + (layout?.spikes ? SPIKE_STRIP.height + SPIKE_STRIP.gap : 0), PADDING.right, 0, 0],
      legend: { show: series.length > 0, live: true },
      cursor: { drag: { x: true, y: false, setScale: true }, points: { show: false } },
      scales: {
        x: { time: false, auto: true, range: () => this.timeRange() },
        y: { auto: true, range: () => [this.vLow, this.vHigh] },
      },
      axes: [
        {
          label: 'time (ms)',
          font: axisFont,
          labelFont: axisFont,
          stroke: css(COLOURS.text),
          grid: { stroke: css(COLOURS.grid), width: 1 },
          ticks: { stroke: css(COLOURS.axis), width: 1, size: 5 },
          splits: (u) => this.timeSplits(u),
          values: (_u, splits) => splits.map(formatNumber),
        },
        {
          label: this.yLabel(layout),
          font: axisFont,
          labelFont: axisFont,
          stroke: css(COLOURS.text),
          size: 56,
          grid: { stroke: css(COLOURS.grid), width: 1 },
          ticks: { stroke: css(COLOURS.axis), width: 1, size: 5 },
          splits: () => {
            const out: number[] = [];
            for (let k = 0; this.vLow + k * this.vStep <= this.vHigh + 1e-9; k++) out.push(this.vLow + k * this.vStep);
            return out;
          },
          values: (_u, splits) => splits.map(formatNumber),
        },
      ],
      series: [
        { label: 'time (ms)', value: (_u, v) => (v == null ? '–' : v.toFixed(2)) },
        ...series.map((s) => ({
          label: s.label || (layout?.label ?? ''),
          stroke: css(s.colour),
          width: many ? 1.5 : 2,
          points: { show: false },
          value: (_u: uPlot, v: number | null) => (v == null || Number.isNaN(v) ? '–' : `${formatNumber(v)}${unitSuffix(layout?.unit ?? '')}`),
        })),
      ],
      hooks: { draw: [(u) => this.drawMarks(u)] },
    };
  }

  private timeRange(): uPlot.Range.MinMax {
    const layout = this.layout;
    if (layout?.windowMs) {
      const right = Math.max(this.nowMs, layout.windowMs);
      return [right - layout.windowMs, right];
    }
    return [0, layout?.durationMs ?? 1];
  }

  private timeSplits(u: uPlot): number[] {
    const lo = u.scales.x.min ?? 0;
    const hi = u.scales.x.max ?? 1;
    const ticks = niceTicks(lo, hi, Math.max(3, Math.min(10, Math.floor(this.width / 70))));
    const out: number[] = [];
    for (let t = Math.ceil(lo / ticks.step) * ticks.step; t <= hi + 1e-9; t += ticks.step) out.push(Number(t.toPrecision(12)));
    return out;
  }

  /** Start a new run: clear the data and lay out the axes for `layout`. */
  reset(layout: TraceLayout): void {
    this.layout = layout;
    this.height = layout.height;
    this.times = new Column();
    this.columns = layout.series.map(() => new Column());
    this.spikeTimes = layout.series.map(() => []);
    this.nowMs = 0;
    this.dataLow = Infinity;
    this.dataHigh = -Infinity;
    // A fixed range, or one that starts at the thresholds and grows with the data (in whatever
    // unit the model's variable has: mV for most, none for FitzHugh-Nagumo).
    const levels = layout.thresholds.map((t) => t.level);
    if (layout.range) this.fitRange(...layout.range);
    else if (levels.length > 0) this.fitRange(Math.min(...levels), Math.max(...levels));
    else this.fitRange(0, 0);
    this.rebuild();
  }

  /** uPlot's series and axes are fixed when it is made: a new layout makes it again in place. */
  private rebuild(): void {
    const id = this.canvas.id;
    const description = this.canvas.getAttribute('aria-label') ?? '';
    const host = this.plot.root.parentElement!;
    const old = this.plot;
    this.plot = new uPlot(this.options(this.layout), this.data(), (made, init) => {
      host.replaceChild(made.root, old.root);
      init();
    });
    old.destroy();
    this.describe(id, description);
    this.dirty = false;
    this.speak(true);
  }

  /** Show nothing (e.g. when a scenario was refused). */
  clear(): void {
    this.layout = null;
    this.columns = [];
    this.spikeTimes = [];
    this.times = new Column();
    this.rebuild();
  }

  private data(): uPlot.AlignedData {
    const n = this.times.length;
    return [this.times.view(), ...this.columns.map((c) => c.view(n))] as unknown as uPlot.AlignedData;
  }

  /**
   * Add a frame's samples of series `index` (sampled every `everyMs` from `startMs`) and its spike
   * times. The series of one plot are sampled together: the first series' samples set the times.
   */
  append(index: number, chunk: Chunk, spikeTimesMs: ArrayLike<number>): void {
    const layout = this.layout;
    if (!layout || index >= layout.series.length) return;
    const column = this.columns[index];
    const { values, startMs, everyMs } = chunk;
    let lo = Infinity;
    let hi = -Infinity;
    for (let k = 0; k < values.length; k++) {
      const v = values[k];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
      // A sample at a time the plot already has goes into that row; a later one adds a row.
      if (column.length >= this.times.length) this.times.push(startMs + k * everyMs);
      column.push(v);
    }
    if (values.length > 0) this.nowMs = Math.max(this.nowMs, startMs + (values.length - 1) * everyMs);
    for (let k = 0; k < spikeTimesMs.length; k++) this.spikeTimes[index].push(spikeTimesMs[k]);
    if (!layout.range && (lo < this.vLow || hi > this.vHigh)) {
      this.dataLow = Math.min(this.dataLow, lo);
      this.dataHigh = Math.max(this.dataHigh, hi);
      this.fitRange(this.dataLow, this.dataHigh);
    } else {
      this.dataLow = Math.min(this.dataLow, lo);
      this.dataHigh = Math.max(this.dataHigh, hi);
    }
    this.forget();
    this.dirty = true;
  }

  /** A scrolling window keeps only its last two windows of samples and spikes. */
  private forget(): void {
    const windowMs = this.layout?.windowMs;
    if (!windowMs) return;
    const keepFrom = this.nowMs - 2 * windowMs;
    const times = this.times.data;
    let drop = 0;
    while (drop < this.times.length && times[drop] < keepFrom) drop++;
    if (drop > 4096) {
      this.times.shift(drop);
      for (const c of this.columns) c.shift(Math.min(drop, c.length));
    }
    for (const s of this.spikeTimes) {
      let n = 0;
      while (n < s.length && s[n] < keepFrom) n++;
      if (n > 0) s.splice(0, n);
    }
  }

  /** Scroll over the last `windowMs` (a run without end) or show the run from 0 to its end (undefined). */
  setWindow(windowMs: number | undefined): void {
    if (!this.layout || this.layout.windowMs === windowMs) return;
    this.layout = { ...this.layout, windowMs };
    this.redraw();
  }

  /** Change the height, keeping what is held. */
  resize(height: number): void {
    if (height === this.height) return;
    const label = this.yLabel(this.layout);
    this.height = height;
    if (this.layout) this.layout.height = height;
    // Another height may need another wording of the y label (fixed when uPlot is made).
    if (this.layout && this.yLabel(this.layout) !== label) this.rebuild();
    else this.plot.setSize({ width: this.width, height });
  }

  /** Kept for callers that ink a hidden plot: the data is held and drawn when shown. */
  flushInk(): void {}

  /** Draw what changed (the page calls this once per animation frame after appending). */
  render(): void {
    if (!this.dirty) return;
    this.dirty = false;
    this.plot.setData(this.data(), true);
    this.speak();
  }

  /** Draw now, changed or not (a PNG of the plot). */
  redraw(): void {
    this.dirty = false;
    this.plot.setData(this.data(), true);
  }

  destroy(): void {
    if (this.sayLater !== null) clearTimeout(this.sayLater);
    this.sayLater = null;
    this.plot.destroy();
  }

  private fitRange(dataLow: number, dataHigh: number): void {
    const levels = this.layout?.thresholds.map((t) => t.level) ?? [];
    const lo = Math.min(dataLow, ...levels);
    const hi = Math.max(dataHigh, ...levels);
    const pad = this.layout?.range ? 0 : hi > lo ? 0.1 * (hi - lo) : Math.max(0.05 * Math.abs(hi), 0.5);
    // Data that never crosses zero (an input that is off or on) is not padded across it: a 2.5 nA
    // step reads on 0 to 4, not on -5 to 5.
    const below = lo >= 0 ? Math.max(0, lo - pad) : lo - pad;
    const above = hi <= 0 ? Math.min(0, hi + pad) : hi + pad;
    // Four ticks; a short plot (the input under the membrane) gets two.
    const ticks = niceTicks(below, above, this.height >= 160 ? 4 : 2);
    this.vLow = ticks.lo;
    this.vHigh = ticks.hi;
    this.vStep = ticks.step;
  }

  /** Thresholds (dashed, labelled) and the spike strip, over what uPlot drew; canvas pixels here. */
  private drawMarks(u: uPlot): void {
    const layout = this.layout;
    if (!layout) return;
    const ctx = u.ctx;
    // The y range and the lines' labels drawn, for tests and tools that read the page (the canvas holds only pixels).
    const yRange = `${formatNumber(this.vLow)},${formatNumber(this.vHigh)}`;
    if (ctx.canvas.dataset.yRange !== yRange) ctx.canvas.dataset.yRange = yRange;
    const marks: string[] = [];
    const ratio = uPlot.pxRatio;
    const { left, top, width } = u.bbox;
    const right = left + width;
    ctx.save();
    for (const threshold of layout.thresholds) {
      const y = Math.round(u.valToPos(threshold.level, 'y', true)) + 0.5;
      ctx.strokeStyle = css(COLOURS.threshold);
      ctx.lineWidth = 2 * ratio;
      ctx.setLineDash([7 * ratio, 5 * ratio]);
      ctx.beginPath();
      ctx.moveTo(left, y);
      ctx.lineTo(right, y);
      ctx.stroke();
      ctx.setLineDash([]);
      // A threshold written as a number (HH counts a spike at 0 mV) is not named twice.
      const name = /^[-\d.]+\b/.test(threshold.name) ? threshold.name.replace(/^[-\d.]+\s*/, '') : threshold.name;
      const label = threshold.label ?? 'threshold';
      // "threshold V_th = -50 mV"; a level that only counts spikes reads "spike counted at 0 mV".
      const text = label === 'threshold' ? `threshold${name ? ` ${name}` : ''} = ${formatNumber(threshold.level)}${unitSuffix(layout.unit)}` : `${label}${name ? ` ${name} =` : ''} ${formatNumber(threshold.level)}${unitSuffix(layout.unit)}`;
      ctx.font = `${13 * ratio}px ${FONT}`;
      const textWidth = ctx.measureText(text).width;
      // A pale backing keeps the label readable where a trace crosses it.
      ctx.fillStyle = 'rgba(255, 255, 255, 0.75)';
      ctx.fillRect(right - textWidth - 3 * ratio, y - 19 * ratio, textWidth + 3 * ratio, 16 * ratio);
      ctx.fillStyle = css(COLOURS.threshold);
      ctx.textAlign = 'right';
      ctx.textBaseline = 'bottom';
      ctx.fillText(text, right, y - 4 * ratio);
      marks.push(text);
    }
    const said = marks.join('; ');
    if (ctx.canvas.dataset.marks !== said) ctx.canvas.dataset.marks = said;
    if (layout.spikes) {
      const stripBottom = top - SPIKE_STRIP.gap * ratio;
      const stripTop = stripBottom - SPIKE_STRIP.height * ratio;
      ctx.strokeStyle = css(COLOURS.grid);
      ctx.lineWidth = ratio;
      ctx.beginPath();
      ctx.moveTo(left, Math.round(stripBottom) + 0.5);
      ctx.lineTo(right, Math.round(stripBottom) + 0.5);
      ctx.stroke();
      ctx.fillStyle = css(COLOURS.text);
      ctx.font = `${13 * ratio}px ${FONT}`;
      ctx.textAlign = 'right';
      ctx.textBaseline = 'middle';
      ctx.fillText('spikes', left - 8 * ratio, (stripTop + stripBottom) / 2);
      // One series: green ticks across the strip; several: one row each, in the series' colour.
      const rows = layout.series.length;
      const rowHeight = (stripBottom - stripTop) / Math.max(rows, 1);
      const [lo, hi] = [u.scales.x.min ?? 0, u.scales.x.max ?? 0];
      this.spikeTimes.forEach((times, index) => {
        ctx.fillStyle = rows > 1 ? css(layout.series[index].colour) : css(COLOURS.spike);
        for (const t of times) {
          if (t < lo || t > hi) continue;
          const x = Math.round(u.valToPos(t, 'x', true));
          ctx.fillRect(x - ratio, stripTop + index * rowHeight, 2 * ratio, rowHeight - (rows > 1 ? ratio : 0));
        }
      });
    }
    ctx.restore();
  }
}
