// A trace plot: one or more traced series sharing a y axis (membrane potentials, gates, or
// currents) against time, thresholds as dashed lines, and a strip of spike ticks above. It only
// draws what it is given; it decides nothing about neurons. New data is drawn incrementally (one
// Graphics per series and frame, painted once into a texture that keeps the ink and then thrown
// away), so a frame costs what it adds, not the history on screen. The axes are rebuilt and the
// history repainted only when the data leaves the range shown or the plot changes size.
import { Application, Container, Graphics, RenderTexture, Sprite, Text } from 'pixi.js';

/** Okabe-Ito colours (distinguishable with the common colour-vision deficiencies). */
export const COLOURS = {
  trace: 0x0072b2, // blue
  threshold: 0xd55e00, // vermillion
  spike: 0x009e73, // bluish green
  background: 0xffffff,
  grid: 0xe8e8e8,
  axis: 0x555555,
  text: 0x2b2b2b,
} as const;

/** Okabe-Ito colours for several series on one plot, in order of use. */
export const SERIES_COLOURS = [0x0072b2, 0xcc79a7, 0xe69f00, 0x56b4e9, 0x009e73, 0x000000] as const;

export interface SeriesLayout {
  /** Legend text, e.g. "LIF v" or "m". */
  label: string;
  colour: number;
}

export interface TraceLayout {
  durationMs: number;
  height: number;
  /** Axis label, e.g. "membrane potential v". */
  label: string;
  unit: string;
  series: SeriesLayout[];
  thresholds: { name: string; level: number }[];
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

const MARGIN = { left: 78, right: 28, top: 52, bottom: 50 };
const SPIKE_STRIP = { top: 12, height: 26 };
const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif';

/** Round tick values covering [lo, hi] with about `count` steps of 1, 2 or 5 times a power of ten. */
export function niceTicks(lo: number, hi: number, count: number): { lo: number; hi: number; step: number } {
  const span = Math.max(hi - lo, 1e-9);
  const raw = span / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  return { lo: Math.floor(lo / step) * step, hi: Math.ceil(hi / step) * step, step };
}

/** A unit after a number (none for a dimensionless "1"). */
function unitSuffix(unit: string): string {
  return unit && unit !== '1' ? ` ${unit}` : '';
}

function label(text: string, size = 13, colour: number = COLOURS.text): Text {
  return new Text({ text, style: { fontFamily: FONT, fontSize: size, fill: colour } });
}

export class TracePlot {
  private readonly axes = new Container();
  private readonly thresholdLayer = new Container();
  /** Traces and spike ticks already drawn: a texture painted incrementally, shown by one sprite. */
  private ink: RenderTexture;
  private readonly inkSprite: Sprite;
  private readonly pending = new Container();
  private layout: TraceLayout | null = null;
  private chunks: Chunk[][] = [];
  private spikeTimes: number[][] = [];
  /** Voltage range on screen, and the range of the data drawn so far. */
  private vLow = -80;
  private vHigh = -40;
  private vStep = 10;
  private dataLow = Infinity;
  private dataHigh = -Infinity;
  private last: ({ x: number; y: number } | null)[] = [];
  private renderQueued = false;
  private height: number;

  private constructor(private readonly app: Application, readonly width: number, height: number) {
    this.height = height;
    this.ink = this.newInk();
    this.inkSprite = new Sprite(this.ink);
    app.stage.addChild(this.axes, this.inkSprite, this.thresholdLayer);
  }

  /** Create the PixiJS application (WebGL) and put its canvas into `host`. */
  static async create(host: HTMLElement, width: number, height: number, id: string, description: string): Promise<TracePlot> {
    const app = new Application();
    await app.init({
      width,
      height,
      background: COLOURS.background,
      antialias: false, // the traces are inked into a texture without it anyway; MSAA on the canvas only costs
      preference: 'webgl',
      resolution: Math.max(1, window.devicePixelRatio || 1),
      autoDensity: true,
      autoStart: false, // drawn on demand: nothing is rendered while nothing changes
    });
    app.canvas.id = id;
    app.canvas.setAttribute('role', 'img');
    app.canvas.setAttribute('aria-label', description);
    host.appendChild(app.canvas);
    app.render(); // an empty plot, not a blank canvas, until the first scenario arrives
    return new TracePlot(app, width, height);
  }

  private get plotLeft(): number {
    return MARGIN.left;
  }
  private get plotRight(): number {
    return this.width - MARGIN.right;
  }
  private get plotTop(): number {
    return this.layout?.spikes === false ? 24 : MARGIN.top;
  }
  private get plotBottom(): number {
    return this.height - MARGIN.bottom;
  }

  private x(timeMs: number): number {
    const duration = this.layout?.durationMs ?? 1;
    return this.plotLeft + (timeMs / duration) * (this.plotRight - this.plotLeft);
  }

  private y(value: number): number {
    return this.plotBottom - ((value - this.vLow) / (this.vHigh - this.vLow)) * (this.plotBottom - this.plotTop);
  }

  /** Start a new run: clear the data and lay out the axes for `layout`. */
  reset(layout: TraceLayout): void {
    this.layout = layout;
    if (layout.height !== this.height) {
      this.height = layout.height;
      this.app.renderer.resize(this.width, layout.height);
    }
    this.chunks = layout.series.map(() => []);
    this.spikeTimes = layout.series.map(() => []);
    this.dataLow = Infinity;
    this.dataHigh = -Infinity;
    // A fixed range, or one that starts at the thresholds and grows with the data (in whatever
    // unit the model's variable has: mV for most, none for FitzHugh-Nagumo).
    const levels = layout.thresholds.map((t) => t.level);
    if (layout.range) this.fitRange(...layout.range);
    else if (levels.length > 0) this.fitRange(Math.min(...levels), Math.max(...levels));
    else this.fitRange(0, 0);
    this.redrawAll();
  }

  /** Show nothing (e.g. when a scenario was refused). */
  clear(): void {
    this.layout = null;
    this.chunks = [];
    this.spikeTimes = [];
    this.redrawAll();
  }

  /** Add a frame's samples of series `index` (sampled every `everyMs` from `startMs`) and its spike times. */
  append(index: number, chunk: Chunk, spikeTimesMs: ArrayLike<number>): void {
    if (!this.layout || index >= this.layout.series.length) return;
    if (chunk.values.length > 0) {
      this.chunks[index].push(chunk);
      let lo = Infinity;
      let hi = -Infinity;
      for (let k = 0; k < chunk.values.length; k++) {
        const v = chunk.values[k];
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      this.dataLow = Math.min(this.dataLow, lo);
      this.dataHigh = Math.max(this.dataHigh, hi);
    }
    const fresh = Array.from(spikeTimesMs);
    for (const t of fresh) this.spikeTimes[index].push(t);
    if (!this.layout.range && (this.dataLow < this.vLow || this.dataHigh > this.vHigh)) {
      this.fitRange(this.dataLow, this.dataHigh);
      this.redrawAll();
    } else {
      if (chunk.values.length > 0) this.paint(this.drawChunk(index, chunk));
      const ticks = this.drawSpikes(index, fresh);
      if (ticks) this.paint(ticks);
      // Drawn when the page calls render() (or only inked by flushInk() while hidden).
    }
  }

  /** Change the height, redrawing what is held (nothing is lost). */
  resize(height: number): void {
    if (height === this.height) return;
    this.height = height;
    if (this.layout) this.layout.height = height;
    this.app.renderer.resize(this.width, height);
    this.ink.destroy(true);
    this.ink = this.newInk();
    this.inkSprite.texture = this.ink;
    this.redrawAll();
  }

  private newInk(): RenderTexture {
    return RenderTexture.create({ width: this.width, height: this.height, resolution: this.app.renderer.resolution, antialias: false });
  }

  /** Queue new marks for the ink; flushInk() paints them all in one pass. */
  private paint(marks: Graphics): void {
    this.pending.addChild(marks);
  }

  /** Paint the queued marks into the ink texture (on top of what is there) and free them. */
  flushInk(): void {
    if (this.pending.children.length === 0) return;
    this.app.renderer.render({ container: this.pending, target: this.ink, clear: false });
    for (const child of this.pending.removeChildren()) child.destroy();
  }

  private clearInk(): void {
    for (const child of this.pending.removeChildren()) child.destroy();
    const nothing = new Container();
    this.app.renderer.render({ container: nothing, target: this.ink, clear: true, clearColor: [0, 0, 0, 0] });
    nothing.destroy();
  }

  /** Draw now (the page calls this once per animation frame after appending). */
  render(): void {
    this.renderQueued = false;
    this.flushInk();
    this.app.render();
  }

  destroy(): void {
    this.app.destroy(true, { children: true });
  }

  private fitRange(dataLow: number, dataHigh: number): void {
    const levels = this.layout?.thresholds.map((t) => t.level) ?? [];
    const lo = Math.min(dataLow, ...levels);
    const hi = Math.max(dataHigh, ...levels);
    const pad = this.layout?.range ? 0 : hi > lo ? 0.1 * (hi - lo) : Math.max(0.05 * Math.abs(hi), 0.5);
    const ticks = niceTicks(lo - pad, hi + pad, 4);
    this.vLow = ticks.lo;
    this.vHigh = ticks.hi;
    this.vStep = ticks.step;
  }

  private redrawAll(): void {
    this.clearInk();
    for (const layer of [this.axes, this.thresholdLayer]) {
      for (const child of layer.removeChildren()) child.destroy();
    }
    this.last = this.chunks.map(() => null);
    this.drawAxes();
    this.drawThreshold();
    // The whole history in one pass into the ink (rare: a new range or size).
    const all = new Container();
    this.chunks.forEach((chunks, index) => {
      for (const chunk of chunks) all.addChild(this.drawChunk(index, chunk));
    });
    this.spikeTimes.forEach((times, index) => {
      const ticks = this.drawSpikes(index, times);
      if (ticks) all.addChild(ticks);
    });
    this.app.renderer.render({ container: all, target: this.ink, clear: false });
    all.destroy({ children: true });
    this.requestRender();
  }

  private drawAxes(): void {
    const layout = this.layout;
    if (!layout) return;
    const { plotLeft: left, plotRight: right, plotTop: top, plotBottom: bottom } = this;
    const grid = new Graphics();
    const axis = new Graphics();
    this.axes.addChild(grid, axis);

    for (let k = 0; this.vLow + k * this.vStep <= this.vHigh + 1e-9; k++) {
      const v = this.vLow + k * this.vStep;
      const y = Math.round(this.y(v)) + 0.5;
      grid.moveTo(left, y).lineTo(right, y);
      axis.moveTo(left - 5, y).lineTo(left, y);
      const text = label(formatNumber(v));
      text.anchor.set(1, 0.5);
      text.position.set(left - 8, y);
      this.axes.addChild(text);
    }
    const tTicks = niceTicks(0, layout.durationMs, Math.max(3, Math.min(10, Math.floor((this.plotRight - this.plotLeft) / 45))));
    for (let k = 0; k * tTicks.step <= layout.durationMs + 1e-9; k++) {
      const t = k * tTicks.step;
      const x = Math.round(this.x(t)) + 0.5;
      grid.moveTo(x, top).lineTo(x, bottom);
      axis.moveTo(x, bottom).lineTo(x, bottom + 5);
      const text = label(formatNumber(t));
      text.anchor.set(0.5, 0);
      text.position.set(x, bottom + 8);
      this.axes.addChild(text);
    }
    grid.stroke({ width: 1, color: COLOURS.grid });
    axis.moveTo(left + 0.5, top).lineTo(left + 0.5, bottom + 0.5).lineTo(right, bottom + 0.5);
    axis.stroke({ width: 1, color: COLOURS.axis });

    const xTitle = label('time (ms)');
    // With a legend on its line (several series), the axis title moves to the right end.
    const legend = layout.series.length > 1;
    xTitle.anchor.set(legend ? 1 : 0.5, 0);
    xTitle.position.set(legend ? right : (left + right) / 2, bottom + 27);
    const yTitle = label(`${layout.label}${layout.unit && layout.unit !== '1' ? ` (${layout.unit})` : ''}`);
    yTitle.anchor.set(0.5, 0);
    yTitle.rotation = -Math.PI / 2;
    yTitle.position.set(10, (top + bottom) / 2);
    this.axes.addChild(xTitle, yTitle);
    if (layout.spikes) {
      const stripTitle = label('spikes');
      stripTitle.anchor.set(1, 0.5);
      stripTitle.position.set(left - 8, SPIKE_STRIP.top + SPIKE_STRIP.height / 2);
      const strip = new Graphics()
        .moveTo(left, SPIKE_STRIP.top + SPIKE_STRIP.height + 0.5)
        .lineTo(right, SPIKE_STRIP.top + SPIKE_STRIP.height + 0.5)
        .stroke({ width: 1, color: COLOURS.grid });
      this.axes.addChild(stripTitle, strip);
    }
    // A legend when several series share the plot, in their colours, on the time axis's line at the
    // left, where no data is drawn (threshold labels sit at the right of the plot).
    if (layout.series.length > 1) {
      let x = left;
      for (const s of layout.series) {
        const text = label(s.label, 12, s.colour);
        text.anchor.set(0, 0);
        text.position.set(x + 24, bottom + 27);
        const key = new Graphics().rect(x, text.position.y + 8, 18, 3).fill(s.colour);
        this.axes.addChild(text, key);
        x += text.width + 34;
      }
    }
  }

  private drawThreshold(): void {
    for (const threshold of this.layout?.thresholds ?? []) {
      const y = Math.round(this.y(threshold.level)) + 0.5;
      const dashes = new Graphics();
      for (let x = this.plotLeft; x < this.plotRight; x += 12) {
        dashes.moveTo(x, y).lineTo(Math.min(x + 7, this.plotRight), y);
      }
      dashes.stroke({ width: 2, color: COLOURS.threshold });
      // A threshold written as a number (HH counts a spike at 0 mV) is not named twice.
      const name = /^[-\d.]+\b/.test(threshold.name) ? threshold.name.replace(/^[-\d.]+\s*/, '') : threshold.name;
      const text = label(`threshold${name ? ` ${name}` : ''} = ${formatNumber(threshold.level)}${unitSuffix(this.layout?.unit ?? '')}`, 13, COLOURS.threshold);
      text.anchor.set(1, 1);
      text.position.set(this.plotRight, y - 4);
      // A pale backing keeps the label readable where a trace crosses it.
      const backing = new Graphics().rect(this.plotRight - text.width - 3, y - 4 - text.height, text.width + 3, text.height).fill({ color: COLOURS.background, alpha: 0.75 });
      this.thresholdLayer.addChild(dashes, backing, text);
    }
  }

  private drawChunk(index: number, chunk: Chunk): Graphics {
    const { values, startMs, everyMs } = chunk;
    const line = new Graphics();
    let k = 0;
    const last = this.last[index];
    if (last) line.moveTo(last.x, last.y);
    else {
      line.moveTo(this.x(startMs), this.y(values[0]));
      k = 1;
    }
    for (; k < values.length; k++) line.lineTo(this.x(startMs + k * everyMs), this.y(values[k]));
    const n = values.length - 1;
    this.last[index] = { x: this.x(startMs + n * everyMs), y: this.y(values[n]) };
    line.stroke({ width: 2, color: this.layout!.series[index].colour, join: 'round', cap: 'round' });
    return line;
  }

  private drawSpikes(index: number, timesMs: ArrayLike<number>): Graphics | null {
    const layout = this.layout;
    if (timesMs.length === 0 || !layout?.spikes) return null;
    // One series: green ticks across the strip; several: one row each, in the series' colour.
    const rows = layout.series.length;
    const rowHeight = SPIKE_STRIP.height / rows;
    const top = SPIKE_STRIP.top + index * rowHeight;
    const ticks = new Graphics();
    for (let k = 0; k < timesMs.length; k++) {
      const x = Math.round(this.x(timesMs[k]));
      ticks.rect(x - 1, top, 2, rowHeight - (rows > 1 ? 1 : 0));
    }
    ticks.fill(rows > 1 ? layout.series[index].colour : COLOURS.spike);
    return ticks;
  }

  /** Coalesce changes into at most one render per animation frame. */
  private requestRender(): void {
    if (this.renderQueued) return;
    this.renderQueued = true;
    requestAnimationFrame(() => {
      if (this.renderQueued) this.render();
    });
  }
}

/** A number for an axis label: integers as such, a true minus sign for negatives. */
function formatNumber(x: number): string {
  const rounded = Math.abs(x) < 1e-9 ? 0 : x;
  const text = Number.isInteger(rounded) ? String(rounded) : rounded.toFixed(1);
  return text.replace('-', '\u2212');
}
