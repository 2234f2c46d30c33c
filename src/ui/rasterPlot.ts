// The raster drawing (rasterView.ts is its panel): a PixiJS application holding a SpikeRaster (the scrolling
// bitmap of RasterBitmap), the neuron axis with one band per population, the time axis of the
// scrolling window, and the rate strip's scale. It only draws; the bitmap decides what a pixel
// means, and the page says what the pointer is over.
import { Application, Container, Graphics, Text } from 'pixi.js';
import { RasterBitmap, rgba } from './rasterBitmap.js';
import { SpikeRaster } from './spikeRaster.js';
import { COLOURS, FONT, formatNumber, niceTicks, populationColour } from './plotStyle.js';


export interface RasterPopulation {
  name: string;
  size: number;
  offset: number;
  role: 'excitatory' | 'inhibitory' | null;
}

const MARGIN = { left: 78, right: 28, top: 8, bottom: 26 };
const STRIP_ROWS = 40;
/** Tops of the rate strip offered as it grows (Hz per neuron): round numbers to read it by. */
const STRIP_SCALES = [10, 20, 50, 100, 200, 500, 1000];

function label(text: string, size = 12, colour: number = COLOURS.text): Text {
  return new Text({ text, style: { fontFamily: FONT, fontSize: size, fill: colour } });
}

export interface RasterHover {
  population: string;
  /** Neuron indices within the population (one pixel row may hold several). */
  first: number;
  last: number;
  timeMs: number;
}

export class RasterPlot {
  private readonly axes = new Container();
  private readonly rasterLayer = new Container();
  private bitmap: RasterBitmap | null = null;
  private raster: SpikeRaster | null = null;
  private populations: RasterPopulation[] = [];
  private stripLabel: Text | null = null;
  /**
   * The time axis: ticks at round simulated times that scroll with the spikes, as the trace plots'
   * axes do. A tick keeps its slot (k mod slots) while on screen, so a label is written (a new
   * texture) only when a new tick comes in, and the ticks can follow every frame.
   */
  private timeAxis: { slots: { view: Container; text: Text; valueMs: number }[]; stepMs: number; windowMs: number; left: number; right: number } | null = null;
  private shownNow = Number.NaN;
  private dirty = false;

  private constructor(private readonly app: Application, readonly width: number, readonly height: number, private readonly onHover: (at: RasterHover | null) => void) {
    app.stage.addChild(this.axes, this.rasterLayer);
  }

  static async create(host: HTMLElement, width: number, height: number, onHover: (at: RasterHover | null) => void): Promise<RasterPlot> {
    const app = new Application();
    await app.init({ width, height, background: COLOURS.background, antialias: false, preference: 'webgl', resolution: Math.max(1, window.devicePixelRatio || 1), autoDensity: true, autoStart: false });
    app.canvas.id = 'raster-canvas';
    app.canvas.setAttribute('role', 'img');
    app.canvas.setAttribute('aria-label', 'Spike raster: neuron index against time, newest at the right, with the population rate under it');
    host.appendChild(app.canvas);
    app.render();
    return new RasterPlot(app, width, height, onHover);
  }

  /** Remove the canvas and free its WebGL context (the plot is made again at another width). */
  destroy(): void {
    this.app.destroy({ removeView: true }, { children: true, texture: true, textureSource: true });
  }

  private get plotWidth(): number {
    return this.width - MARGIN.left - MARGIN.right;
  }
  private get rows(): number {
    return this.height - MARGIN.top - MARGIN.bottom - STRIP_ROWS - 4;
  }

  /** Lay out a fresh, empty raster for these populations and this window. */
  reset(populations: RasterPopulation[], windowMs: number): void {
    this.populations = populations;
    this.raster?.destroy();
    for (const child of this.axes.removeChildren()) child.destroy();
    const neurons = populations.reduce((a, p) => a + p.size, 0);
    const colours = populations.map((_, k) => rgba(populationColour(populations, k)));
    const bounds = populations.map((p) => p.offset + p.size);
    const colourOf = (n: number): number => {
      let k = 0;
      while (k < bounds.length - 1 && n >= bounds[k]) k++;
      return colours[k];
    };
    // One pixel row per neuron at most. When rows are stretched (few neurons), the strip gets
    // fewer bitmap rows, so on screen it keeps about STRIP_ROWS pixels.
    const rows = Math.min(neurons, this.rows);
    const scale = this.rows / rows;
    const stripRows = Math.max(4, Math.round(STRIP_ROWS / scale));
    const bitmap = new RasterBitmap({ width: this.plotWidth, rows, stripRows, windowMs, neurons, stripMaxHz: STRIP_SCALES[0] }, colourOf, rgba(0xffffff), rgba(0x555555));
    this.bitmap = bitmap;
    this.raster = new SpikeRaster(bitmap, this.plotWidth, (rows + stripRows) * scale, (at) => this.hover(at));
    this.raster.view.position.set(MARGIN.left, MARGIN.top);
    this.rasterLayer.addChild(this.raster.view);
    this.drawAxes(neurons, windowMs);
    this.dirty = true;
  }

  /** Add a frame's spikes (global neuron indices) up to `endMs`. */
  frame(timeMs: Float64Array, neuron: Int32Array, endMs: number): void {
    const bitmap = this.bitmap;
    if (!bitmap) return;
    bitmap.frame(timeMs, neuron, endMs);
    // The strip's top follows the highest rate on screen (a round number), up and down.
    const peak = bitmap.peakRateHz();
    const next = STRIP_SCALES.find((s) => s >= peak) ?? Math.ceil(peak / 1000) * 1000;
    if (next !== bitmap.layout.stripMaxHz) {
      bitmap.setStripMaxHz(next);
      if (this.stripLabel) this.stripLabel.text = `${next} Hz`;
    }
    this.raster!.update();
    this.dirty = true;
  }

  /** Place the time axis's ticks for simulated time `nowMs` at the right edge (times before 0 have none). */
  setNow(nowMs: number): void {
    const axis = this.timeAxis;
    if (!axis || nowMs === this.shownNow) return;
    this.shownNow = nowMs;
    const { slots, stepMs, windowMs, left, right } = axis;
    for (const slot of slots) slot.view.visible = false;
    const first = Math.max(0, Math.ceil((nowMs - windowMs) / stepMs - 1e-9));
    const last = Math.floor(nowMs / stepMs + 1e-9);
    const shown: number[] = [];
    for (let k = first; k <= last; k++) {
      const slot = slots[k % slots.length];
      const t = k * stepMs;
      const x = right - ((nowMs - t) / windowMs) * (right - left);
      if (slot.valueMs !== t) {
        slot.valueMs = t;
        slot.text.text = formatNumber(t);
      }
      slot.view.x = Math.round(x) + 0.5;
      slot.view.visible = true;
      // A label that would run into the axis title at the left edge is left out (its tick stays).
      slot.text.visible = x - slot.text.width / 2 >= left - 6;
      if (slot.text.visible) shown.push(t);
    }
    // What the axis says, for a test or a script reading the page (the canvas itself is pixels).
    this.app.canvas.dataset.nowMs = nowMs.toFixed(1);
    this.app.canvas.dataset.timeLabelsMs = shown.join(' ');
    this.dirty = true;
  }

  /** Draw if anything changed (the page calls this once per animation frame). */
  render(): void {
    if (!this.dirty) return;
    this.dirty = false;
    this.app.render();
  }

  /**
   * Draw now, changed or not: a WebGL canvas keeps its pixels only until they are shown, so a PNG
   * of the panel (the export) draws it first and copies it in the same task.
   */
  redraw(): void {
    this.dirty = false;
    this.app.render();
  }

  private hover(at: { neurons: [number, number]; timeMs: number } | null): void {
    if (!at) return this.onHover(null);
    const [first, last] = at.neurons;
    const pop = this.populations.find((p) => first >= p.offset && first < p.offset + p.size);
    if (!pop) return this.onHover(null);
    this.onHover({ population: pop.name, first: first - pop.offset, last: Math.min(last, pop.offset + pop.size - 1) - pop.offset, timeMs: at.timeMs });
  }

  private drawAxes(neurons: number, windowMs: number): void {
    const left = MARGIN.left;
    const right = left + this.plotWidth;
    const top = MARGIN.top;
    const bottom = top + this.rows;
    const stripBottom = bottom + STRIP_ROWS;
    const axis = new Graphics();
    const y = (n: number) => bottom - (n / neurons) * this.rows;
    // Population bands: a coloured bar and the name beside each, boundaries as lines.
    this.populations.forEach((p, k) => {
      const colour = populationColour(this.populations, k);
      const y0 = y(p.offset);
      const y1 = y(p.offset + p.size);
      axis.rect(left - 6, y1, 4, y0 - y1).fill(colour);
      const name = label(`${p.name}${p.role ? ` (${p.role === 'excitatory' ? 'exc.' : 'inh.'})` : ''}`, 12, colour);
      name.anchor.set(1, 0.5);
      name.position.set(left - 10, (y0 + y1) / 2);
      this.axes.addChild(name);
      if (k > 0) axis.moveTo(left, Math.round(y0) + 0.5).lineTo(right, Math.round(y0) + 0.5).stroke({ width: 1, color: COLOURS.grid });
    });
    // Time: the newest at the right edge; round times in ms, scrolling with the spikes (setNow
    // places them as the run goes on), as the trace plots label theirs.
    const stepMs = niceTicks(0, windowMs, Math.max(3, Math.min(6, Math.floor(this.plotWidth / 70)))).step;
    const slots = Array.from({ length: Math.floor(windowMs / stepMs) + 2 }, () => {
      const view = new Container();
      const tick = new Graphics().moveTo(0, stripBottom).lineTo(0, stripBottom + 4).stroke({ width: 1, color: COLOURS.axis });
      const text = label('');
      text.anchor.set(0.5, 0);
      text.position.set(0, stripBottom + 6);
      view.addChild(tick, text);
      view.visible = false;
      this.axes.addChild(view);
      return { view, text, valueMs: Number.NaN };
    });
    this.timeAxis = { slots, stepMs, windowMs, left, right };
    const title = label('time (ms)', 12, COLOURS.axis);
    title.anchor.set(1, 0);
    title.position.set(left - 8, stripBottom + 6);
    this.axes.addChild(title);
    this.shownNow = Number.NaN;
    axis.moveTo(left, bottom + 0.5).lineTo(right, bottom + 0.5).stroke({ width: 1, color: COLOURS.axis });
    axis.moveTo(left, stripBottom + 0.5).lineTo(right, stripBottom + 0.5).stroke({ width: 1, color: COLOURS.axis });
    const rate = label('rate', 12, COLOURS.axis);
    rate.anchor.set(1, 1);
    rate.position.set(left - 8, stripBottom);
    this.stripLabel = label(`${STRIP_SCALES[0]} Hz`, 11, COLOURS.axis);
    this.stripLabel.anchor.set(1, 0);
    this.stripLabel.position.set(left - 8, bottom + 2);
    this.axes.addChild(axis, rate, this.stripLabel);
  }
}
