// The raster bitmap: spikes land where they belong, the ring scrolls, the rate strip measures.
import { describe, expect, it } from 'vitest';
import { RasterBitmap, rgba } from '../../src/ui/rasterBitmap';

const E = rgba(0x0072b2);
const I = rgba(0xd55e00);
const BG = rgba(0xffffff);

function make(neurons = 100, rows = 100) {
  // 200 columns over 1000 ms: 5 ms a column.
  return new RasterBitmap({ width: 200, rows, stripRows: 20, windowMs: 1000, neurons, stripMaxHz: 100 }, (n) => (n < neurons * 0.8 ? E : I));
}
const pixel = (b: RasterBitmap, x: number, y: number) => new Uint32Array(b.pixels.buffer)[y * b.layout.width + x];

describe('raster bitmap', () => {
  it('puts a spike at its time column and neuron row, in its population colour', () => {
    const b = make();
    b.frame(Float64Array.of(12.5, 40), Int32Array.of(0, 95), 50);
    expect(pixel(b, 2, 99)).toBe(E); // 12.5 ms -> column 2; neuron 0 -> bottom row
    expect(pixel(b, 8, 4)).toBe(I); // 40 ms -> column 8; neuron 95 -> row 4
    expect(b.head).toBe(10);
  });

  it('scrolls: a column is cleared when it comes round again, and old spikes are ignored', () => {
    const b = make();
    b.frame(Float64Array.of(12.5), Int32Array.of(0), 50);
    b.frame(new Float64Array(0), new Int32Array(0), 1005); // column 1 comes into view again
    expect(pixel(b, 2, 99)).toBe(E); // 12.5 ms is still on screen (window is 1000 ms)
    b.frame(new Float64Array(0), new Int32Array(0), 1012.5);
    expect(pixel(b, 2, 99)).toBe(BG);
    b.frame(Float64Array.of(3), Int32Array.of(0), 1013); // older than the window
    expect(pixel(b, 0, 99)).toBe(BG);
  });

  it('draws the population rate in the strip under the raster', () => {
    const b = make();
    // 50 spikes of 100 neurons in one 5 ms column: 100 Hz per neuron, the strip's full height.
    const t = new Float64Array(50).fill(7);
    const n = Int32Array.from({ length: 50 }, (_, k) => k);
    b.frame(t, n, 10);
    expect(b.rateAt(1)).toBeCloseTo(100, 9);
    expect(pixel(b, 1, 119)).not.toBe(BG); // bottom of the strip
    expect(pixel(b, 1, 100)).not.toBe(BG); // top of the strip
    expect(pixel(b, 3, 119)).toBe(BG);
  });

  it('maps 100,000 neurons onto its rows and names them on hover', () => {
    const b = make(100000, 100);
    b.frame(Float64Array.of(1, 1), Int32Array.of(99999, 0), 5);
    expect(pixel(b, 0, 0)).toBe(I);
    expect(pixel(b, 0, 99)).toBe(E);
    expect(b.neuronsAt(0)).toEqual([99000, 99999]);
    expect(b.neuronsAt(99)).toEqual([0, 999]);
    expect(b.timeAt(b.head)).toBe(5);
    expect(b.timeAt(0)).toBe(0);
  });

  it('rescales the rate strip to a new top rate, redrawing the columns on screen', () => {
    const b = make();
    // 10 spikes of 100 neurons in one 5 ms column: 20 Hz, a fifth of the 100 Hz strip.
    b.frame(new Float64Array(10).fill(7), Int32Array.from({ length: 10 }, (_, k) => k), 10);
    expect(b.peakRateHz()).toBeCloseTo(20, 9);
    const filled = () => {
      let n = 0;
      for (let y = 100; y < 120; y++) n += pixel(b, 1, y) !== BG ? 1 : 0;
      return n;
    };
    expect(filled()).toBe(4); // 20 / 100 of 20 rows
    b.setStripMaxHz(20);
    expect(filled()).toBe(20);
    expect(() => b.setStripMaxHz(0)).toThrow(/must be positive/);
    // Once that column has scrolled off, the peak on screen is what remains.
    b.frame(new Float64Array(0), new Int32Array(0), 1010);
    expect(b.peakRateHz()).toBe(0);
  });
});
