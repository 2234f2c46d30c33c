// The spike raster as a bitmap that scrolls: column x holds the spikes of one time bin, and the
// columns form a ring, so drawing a frame costs the new spikes plus the columns that scroll in,
// never the history on screen. Under the raster rows, a strip shows the population rate per
// column. Pure data (no DOM, no PixiJS): the renderer uploads `pixels` and shifts by `head`.

export interface RasterLayout {
  /** Columns (pixels) across the time window. */
  width: number;
  /** Pixel rows for neurons; many neurons share a row when there are more neurons than rows. */
  rows: number;
  /** Pixel rows of the rate strip under the raster. */
  stripRows: number;
  windowMs: number;
  neurons: number;
  /** Rate (Hz per neuron) that fills the strip's height. */
  stripMaxHz: number;
}

/** RGBA colours packed little-endian into a Uint32 (0xAABBGGRR), as the pixel buffer stores them. */
export function rgba(hex: number, alpha = 255): number {
  const r = (hex >> 16) & 255;
  const g = (hex >> 8) & 255;
  const b = hex & 255;
  return ((alpha << 24) | (b << 16) | (g << 8) | r) >>> 0;
}

export class RasterBitmap {
  readonly pixels: Uint8Array;
  private readonly words: Uint32Array;
  readonly height: number;
  readonly msPerColumn: number;
  /** Column of the most recent time shown (the ring's write position). */
  head = 0;
  /** Index of the time bin at `head` (time / msPerColumn, floored). */
  private headBin = 0;
  private readonly counts: Float64Array; // spikes per column, for the rate strip
  private readonly rowOf: (neuron: number) => number;

  constructor(
    readonly layout: RasterLayout,
    /** Colour of a neuron's spikes (by population, e.g. excitatory / inhibitory). */
    private readonly colourOf: (neuron: number) => number,
    private readonly background = rgba(0xffffff),
    private readonly stripColour = rgba(0x555555),
  ) {
    const { width, rows, stripRows, windowMs, neurons } = layout;
    this.height = rows + stripRows;
    this.words = new Uint32Array(width * this.height).fill(background);
    this.pixels = new Uint8Array(this.words.buffer);
    this.msPerColumn = windowMs / width;
    this.counts = new Float64Array(width);
    const perRow = neurons / rows;
    this.rowOf = perRow <= 1 ? (n) => Math.floor((n * rows) / neurons) : (n) => Math.floor(n / perRow);
  }

  /** The column a time falls in (on the ring). */
  columnOf(timeMs: number): number {
    const bin = Math.floor(timeMs / this.msPerColumn);
    return ((bin % this.layout.width) + this.layout.width) % this.layout.width;
  }

  /**
   * Take one frame: scroll so that `endMs` is the newest time shown (clearing the columns that
   * come into view), mark its spikes, then draw the rate strip of the columns now complete.
   * Spikes older than the window are ignored.
   */
  frame(timeMs: Float64Array, neuron: Int32Array, endMs: number): void {
    const { width, rows } = this.layout;
    const bin = Math.floor(endMs / this.msPerColumn);
    const from = this.headBin;
    const steps = Math.min(Math.max(0, bin - from), width);
    for (let k = 1; k <= steps; k++) this.clearColumn((((bin - steps + k) % width) + width) % width);
    if (bin > this.headBin) {
      this.headBin = bin;
      this.head = ((bin % width) + width) % width;
    }
    const words = this.words;
    for (let k = 0; k < timeMs.length; k++) {
      const b = Math.floor(timeMs[k] / this.msPerColumn);
      if (b > this.headBin || b <= this.headBin - width) continue;
      const x = ((b % width) + width) % width;
      const y = rows - 1 - this.rowOf(neuron[k]); // neuron 0 at the bottom
      words[y * width + x] = this.colourOf(neuron[k]);
      this.counts[x]++;
    }
    // Columns before the head are complete: their rate is final.
    for (let c = Math.max(from, this.headBin - width + 1); c < this.headBin; c++) this.drawStrip(((c % width) + width) % width);
  }

  /** Rate (Hz per neuron) recorded in a column. */
  rateAt(column: number): number {
    return this.counts[column] / this.layout.neurons / (this.msPerColumn / 1000);
  }

  /** For hover: the time (ms) at a column and the neurons at a pixel row. */
  timeAt(column: number): number {
    const { width } = this.layout;
    const age = (this.head - column + width) % width;
    return (this.headBin - age) * this.msPerColumn;
  }
  neuronsAt(row: number): [number, number] {
    const { rows, neurons } = this.layout;
    const r = rows - 1 - row;
    const first = Math.ceil((r * neurons) / rows);
    const last = Math.max(first, Math.ceil(((r + 1) * neurons) / rows) - 1);
    return [first, Math.min(last, neurons - 1)];
  }

  private clearColumn(x: number): void {
    const { width } = this.layout;
    for (let y = 0; y < this.height; y++) this.words[y * width + x] = this.background;
    this.counts[x] = 0;
  }

  /** The highest rate (Hz per neuron) of the complete columns on screen: the page scales the strip to it. */
  peakRateHz(): number {
    let peak = 0;
    for (let x = 0; x < this.layout.width; x++) if (x !== this.head && this.counts[x] > peak) peak = this.counts[x];
    return peak / this.layout.neurons / (this.msPerColumn / 1000);
  }

  /** Rescale the rate strip so `hz` fills its height, and redraw the columns on screen with it. */
  setStripMaxHz(hz: number): void {
    if (!(hz > 0)) throw new Error(`the strip's top rate must be positive, got ${hz}`);
    this.layout.stripMaxHz = hz;
    const { width } = this.layout;
    // Only complete columns carry a rate: all but the head.
    for (let x = 0; x < width; x++) if (x !== this.head) this.drawStrip(x);
  }

  private drawStrip(x: number): void {
    const { width, rows, stripRows, stripMaxHz } = this.layout;
    const rate = this.rateAt(x);
    const filled = Math.min(stripRows, Math.round((rate / stripMaxHz) * stripRows));
    for (let k = 0; k < stripRows; k++) {
      this.words[(rows + stripRows - 1 - k) * width + x] = k < filled ? this.stripColour : this.background;
    }
  }
}
