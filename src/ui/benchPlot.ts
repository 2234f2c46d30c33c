// A small 2D-canvas plot for the bench panels (clamp currents, I-V curves, the phase plane): axes
// with round ticks and titles, data-to-pixel maps, lines, markers. Sized to its host's width (so a
// phone's 360 px fits) at the device's pixel ratio. The panels draw onto it; it keeps no data.

export interface Axes {
  x: [number, number];
  y: [number, number];
  xTitle: string;
  yTitle: string;
}

const MARGIN = { left: 58, right: 12, top: 10, bottom: 40 };

/** Round tick values over [low, high], about `count` of them. */
export function ticks(low: number, high: number, count = 5): number[] {
  const span = high - low;
  if (!(span > 0)) return [low];
  const raw = span / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const out: number[] = [];
  for (let v = Math.ceil(low / step) * step; v <= high + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : Number(v.toPrecision(12)));
  return out;
}

/** A padded range over finite values (a flat one widened); [fallback] when there are none. */
export function rangeOf(values: Iterable<number>, fallback: [number, number] = [-1, 1]): [number, number] {
  let low = Infinity;
  let high = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < low) low = v;
    if (v > high) high = v;
  }
  if (!(high >= low)) return fallback;
  const pad = high > low ? 0.05 * (high - low) : Math.max(1, Math.abs(high) * 0.1);
  return [low - pad, high + pad];
}

export class BenchPlot {
  readonly canvas: HTMLCanvasElement;
  readonly context: CanvasRenderingContext2D;
  width = 0;
  height = 0;
  axes: Axes = { x: [0, 1], y: [0, 1], xTitle: '', yTitle: '' };

  constructor(label: string, private readonly aspect = 0.62, private readonly maxWidth = 560) {
    this.canvas = document.createElement('canvas');
    this.canvas.setAttribute('role', 'img');
    this.canvas.setAttribute('aria-label', label);
    this.context = this.canvas.getContext('2d')!;
  }

  /** Size to the host's width and clear; then draw the axes. */
  begin(axes: Axes): void {
    this.axes = axes;
    const host = this.canvas.parentElement;
    const width = Math.max(240, Math.min(this.maxWidth, (host?.clientWidth ?? this.maxWidth) - 4));
    const height = Math.round(Math.max(180, width * this.aspect));
    const ratio = window.devicePixelRatio || 1;
    if (this.width !== width || this.height !== height || this.canvas.width !== Math.round(width * ratio)) {
      this.canvas.width = Math.round(width * ratio);
      this.canvas.height = Math.round(height * ratio);
      this.canvas.style.width = `${width}px`;
      this.canvas.style.height = `${height}px`;
      this.width = width;
      this.height = height;
    }
    const c = this.context;
    c.setTransform(ratio, 0, 0, ratio, 0, 0);
    c.fillStyle = '#ffffff';
    c.fillRect(0, 0, width, height);
    c.font = '11px system-ui, sans-serif';
    c.strokeStyle = '#e4e4e4';
    c.lineWidth = 1;
    c.fillStyle = '#444';
    c.textAlign = 'center';
    c.textBaseline = 'top';
    for (const t of ticks(axes.x[0], axes.x[1], width < 400 ? 4 : 6)) {
      const px = this.px(t);
      c.beginPath();
      c.moveTo(px, MARGIN.top);
      c.lineTo(px, height - MARGIN.bottom);
      c.stroke();
      c.fillText(String(t), px, height - MARGIN.bottom + 3);
    }
    c.textAlign = 'right';
    c.textBaseline = 'middle';
    for (const t of ticks(axes.y[0], axes.y[1], 5)) {
      const py = this.py(t);
      c.beginPath();
      c.moveTo(MARGIN.left, py);
      c.lineTo(width - MARGIN.right, py);
      c.stroke();
      c.fillText(String(t), MARGIN.left - 4, py);
    }
    c.strokeStyle = '#666';
    c.strokeRect(MARGIN.left, MARGIN.top, width - MARGIN.left - MARGIN.right, height - MARGIN.top - MARGIN.bottom);
    c.textAlign = 'center';
    c.textBaseline = 'bottom';
    c.fillText(axes.xTitle, MARGIN.left + (width - MARGIN.left - MARGIN.right) / 2, height - 2);
    c.save();
    c.translate(12, MARGIN.top + (height - MARGIN.top - MARGIN.bottom) / 2);
    c.rotate(-Math.PI / 2);
    c.textBaseline = 'middle';
    c.fillText(axes.yTitle, 0, 0);
    c.restore();
  }

  px(x: number): number {
    const [a, b] = this.axes.x;
    return MARGIN.left + ((x - a) / (b - a)) * (this.width - MARGIN.left - MARGIN.right);
  }

  py(y: number): number {
    const [a, b] = this.axes.y;
    return this.height - MARGIN.bottom - ((y - a) / (b - a)) * (this.height - MARGIN.top - MARGIN.bottom);
  }

  /** The data point under a pixel of the canvas (CSS pixels from its top left), or null outside the axes. */
  dataAt(px: number, py: number): [number, number] | null {
    if (px < MARGIN.left || px > this.width - MARGIN.right || py < MARGIN.top || py > this.height - MARGIN.bottom) return null;
    const [xa, xb] = this.axes.x;
    const [ya, yb] = this.axes.y;
    return [xa + ((px - MARGIN.left) / (this.width - MARGIN.left - MARGIN.right)) * (xb - xa), ya + ((this.height - MARGIN.bottom - py) / (this.height - MARGIN.top - MARGIN.bottom)) * (yb - ya)];
  }

  /** Clip what follows to the plotting area (call end() after). */
  clip(): void {
    const c = this.context;
    c.save();
    c.beginPath();
    c.rect(MARGIN.left, MARGIN.top, this.width - MARGIN.left - MARGIN.right, this.height - MARGIN.top - MARGIN.bottom);
    c.clip();
  }

  end(): void {
    this.context.restore();
  }

  /** A line through (xs[k], ys[k]); non-finite points break it. */
  line(xs: ArrayLike<number>, ys: ArrayLike<number>, colour: string, width = 1.5, dash: number[] = []): void {
    const c = this.context;
    c.strokeStyle = colour;
    c.lineWidth = width;
    c.setLineDash(dash);
    c.beginPath();
    let pen = false;
    for (let k = 0; k < xs.length; k++) {
      if (!Number.isFinite(xs[k]) || !Number.isFinite(ys[k])) {
        pen = false;
        continue;
      }
      const px = this.px(xs[k]);
      const py = this.py(ys[k]);
      if (pen) c.lineTo(px, py);
      else c.moveTo(px, py);
      pen = true;
    }
    c.stroke();
    c.setLineDash([]);
  }

  /** A round marker: filled, or open (white inside). */
  marker(x: number, y: number, colour: string, filled: boolean, radius = 4): void {
    const c = this.context;
    c.beginPath();
    c.arc(this.px(x), this.py(y), radius, 0, 2 * Math.PI);
    c.fillStyle = filled ? colour : '#ffffff';
    c.fill();
    c.strokeStyle = colour;
    c.lineWidth = 1.5;
    c.stroke();
  }
}
