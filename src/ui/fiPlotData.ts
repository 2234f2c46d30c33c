// What the f-I panel draws, as numbers: the curves of one sweep (simulated points with their
// standard errors, the theory curve, the fitted activations) on raw or normalised axes, as rates
// or as gains (the derivative, what learning sees), the axis ranges and ticks, and every curve's
// value at a hovered input. Pure functions of the sweep's data, so they are tested without a
// browser; the panel's canvas code only draws what these return. Fitted curves are evaluated
// with the bridge's own activationValue/activationGain.
import { activationGain, activationValue, type ActivationId, type ActivationParameters } from '../bridge/activations.js';

export type CurveId = 'simulated' | 'theory' | ActivationId;
export type AxesKind = 'raw' | 'normalised';
export type Quantity = 'rate' | 'gain';

export interface CurveStyle {
  id: CurveId;
  label: string;
  /** CSS colour. */
  colour: string;
  /** Canvas line dash in px ([] = solid); the simulated points are drawn as dots. */
  dash: number[];
  width: number;
}

/**
 * Okabe-Ito colours (safe with the common colour-vision deficiencies), and a dash pattern per
 * fit as well, so two curves never differ by colour alone. Simulated points are black dots with
 * error bars; the theory is a wide grey line under everything. Only the ranked fits have a curve:
 * tanh and leaky ReLU are the sigmoid and the ReLU on a rate axis (src/bridge/fit.ts), said in a
 * line under the table, not drawn twice.
 */
export const CURVE_STYLES: CurveStyle[] = [
  { id: 'simulated', label: 'simulated', colour: '#000000', dash: [], width: 1.5 },
  { id: 'theory', label: 'theory', colour: '#9a9a9a', dash: [], width: 5 },
  { id: 'sigmoid', label: 'sigmoid', colour: '#0072b2', dash: [], width: 2 },
  { id: 'relu', label: 'ReLU', colour: '#d55e00', dash: [], width: 2 },
  { id: 'softplus', label: 'softplus', colour: '#009e73', dash: [2, 3], width: 2.5 },
  { id: 'elu', label: 'ELU', colour: '#cc79a7', dash: [10, 3, 2, 3], width: 2 },
  { id: 'softLif', label: 'soft-LIF', colour: '#000000', dash: [4, 4], width: 1.5 },
];

/** The style of a curve; tanh and leaky ReLU draw the sigmoid's and the ReLU's curves, so they take their styles. */
export function curveStyle(id: CurveId): CurveStyle {
  const drawnAs: CurveId = id === 'tanh' ? 'sigmoid' : id === 'leakyRelu' ? 'relu' : id;
  return CURVE_STYLES.find((s) => s.id === drawnAs)!;
}

/** The data of one sweep as the panel holds it (points not yet simulated are NaN). */
export interface SweepData {
  currents: ArrayLike<number>;
  ratesHz: ArrayLike<number>;
  semHz: ArrayLike<number>;
  theoryHz: ArrayLike<number> | null;
  fits: { id: ActivationId; parameters: ActivationParameters }[];
}

/**
 * The fits' normalisation (src/bridge/fit.ts): input to [-1, 1] over the sweep, rate to [0, 1]
 * between the lowest and highest simulated rate. Normalised axes show the curves as the fits see them.
 */
export interface Normalisation {
  xCentre: number;
  xHalfSpan: number;
  yLow: number;
  ySpan: number;
}

export function normalisation(data: SweepData): Normalisation {
  let xMin = Infinity;
  let xMax = -Infinity;
  let yMin = Infinity;
  let yMax = -Infinity;
  for (let k = 0; k < data.currents.length; k++) {
    xMin = Math.min(xMin, data.currents[k]);
    xMax = Math.max(xMax, data.currents[k]);
    if (Number.isFinite(data.ratesHz[k])) {
      yMin = Math.min(yMin, data.ratesHz[k]);
      yMax = Math.max(yMax, data.ratesHz[k]);
    }
  }
  if (!(yMax >= yMin)) [yMin, yMax] = [0, 1];
  return { xCentre: (xMin + xMax) / 2, xHalfSpan: xMax > xMin ? (xMax - xMin) / 2 : 1, yLow: yMin, ySpan: yMax > yMin ? yMax - yMin : 1 };
}

/** Map raw (input, rate or gain) to the axes shown. */
export interface AxisMap {
  x(input: number): number;
  /** Inverse of x: the raw input at an axis position (for hover). */
  input(x: number): number;
  rate(rateHz: number): number;
  /** A gain dy/dx in Hz per input unit on these axes. */
  gain(hzPerUnit: number): number;
}

export function axisMap(kind: AxesKind, n: Normalisation): AxisMap {
  if (kind === 'raw') return { x: (i) => i, input: (x) => x, rate: (r) => r, gain: (g) => g };
  return {
    x: (i) => (i - n.xCentre) / n.xHalfSpan,
    input: (x) => n.xCentre + n.xHalfSpan * x,
    rate: (r) => (r - n.yLow) / n.ySpan,
    gain: (g) => (g * n.xHalfSpan) / n.ySpan,
  };
}

/**
 * Slopes of sampled points by differences (central inside, one-sided at the ends), skipping
 * missing (NaN) neighbours: the gain of the simulated curve and of the theory.
 */
export function differenceGain(x: ArrayLike<number>, y: ArrayLike<number>): Float64Array {
  const n = x.length;
  const out = new Float64Array(n).fill(NaN);
  for (let k = 0; k < n; k++) {
    if (!Number.isFinite(y[k])) continue;
    const lo = k > 0 && Number.isFinite(y[k - 1]) ? k - 1 : k;
    const hi = k + 1 < n && Number.isFinite(y[k + 1]) ? k + 1 : k;
    if (hi > lo) out[k] = (y[hi] - y[lo]) / (x[hi] - x[lo]);
  }
  return out;
}

export interface Series {
  id: CurveId;
  /** Axis coordinates (after the axis map); NaN breaks the line. */
  x: Float64Array;
  y: Float64Array;
  /** Half-length of each point's error bar on these axes (simulated points only). */
  error?: Float64Array;
}

/** Samples per fitted curve across the plot: enough for a smooth line at ~800 px. */
export const FIT_SAMPLES = 400;

/** Every curve of the sweep on the chosen axes and quantity, only the visible ones. */
export function buildSeries(data: SweepData, axes: AxesKind, quantity: Quantity, visible: ReadonlySet<CurveId>): Series[] {
  const norm = normalisation(data);
  const map = axisMap(axes, norm);
  const xs = Float64Array.from(data.currents, map.x);
  const out: Series[] = [];
  const value = quantity === 'rate' ? map.rate : map.gain;
  if (visible.has('simulated')) {
    const y = quantity === 'rate' ? Float64Array.from(data.ratesHz) : differenceGain(data.currents, data.ratesHz);
    // The standard error is of the rate; the gain's would need the covariance of neighbours.
    const error = quantity === 'rate' ? Float64Array.from(data.semHz, (s) => (axes === 'raw' ? s : s / norm.ySpan)) : undefined;
    out.push({ id: 'simulated', x: xs, y: y.map(value), ...(error ? { error } : {}) });
  }
  if (data.theoryHz && visible.has('theory')) {
    const y = quantity === 'rate' ? Float64Array.from(data.theoryHz) : differenceGain(data.currents, data.theoryHz);
    out.push({ id: 'theory', x: xs, y: y.map(value) });
  }
  if (data.fits.length > 0 && data.currents.length > 0) {
    const lo = Math.min(...Array.from(data.currents));
    const hi = Math.max(...Array.from(data.currents));
    const inputs = Float64Array.from({ length: FIT_SAMPLES }, (_, k) => lo + ((hi - lo) * k) / (FIT_SAMPLES - 1));
    for (const fit of data.fits) {
      if (!visible.has(fit.id)) continue;
      const f = quantity === 'rate' ? activationValue : activationGain;
      out.push({ id: fit.id, x: inputs.map(map.x), y: inputs.map((i) => value(f(fit.id, fit.parameters, i))) });
    }
  }
  return out;
}

/**
 * The y range to show: the simulated data (with its error bars), the theory and zero. Fitted
 * curves are clipped to it rather than widening it, so a fit that runs off (the soft-LIF's gain
 * is nearly infinite at the LIF's rheobase) does not flatten the data; they set the range only
 * before there is data.
 */
export function yRange(series: Series[], _quantity: Quantity): [number, number] {
  const values: number[] = [0];
  const fitValues: number[] = [];
  for (const s of series) {
    s.y.forEach((v, k) => {
      if (!Number.isFinite(v)) return;
      if (s.id === 'simulated' || s.id === 'theory') {
        values.push(v);
        // Only upwards: a bar reaching below a rate of zero must not push the axis below it.
        if (s.error && Number.isFinite(s.error[k])) values.push(v + s.error[k]);
      } else fitValues.push(v);
    });
  }
  if (values.length === 1 && fitValues.length > 0) {
    const sorted = fitValues.sort((a, b) => a - b);
    values.push(sorted[Math.floor(0.01 * (sorted.length - 1))], sorted[Math.floor(0.97 * (sorted.length - 1))]);
  }
  const lo = Math.min(...values);
  let hi = Math.max(...values);
  if (!(hi > lo)) hi = lo + 1;
  const pad = 0.05 * (hi - lo);
  return [lo < 0 ? lo - pad : lo, hi + pad];
}

export interface HoverValue {
  id: CurveId;
  /** Value on the axes shown (rate or gain, raw or normalised); NaN where there is none. */
  value: number;
  /** For the simulated curve: the input of the point shown (the nearest simulated one). */
  atInput?: number;
  error?: number;
}

/** Linear interpolation of (x, y) at u; NaN outside or next to a missing point. */
function interpolate(x: ArrayLike<number>, y: ArrayLike<number>, u: number): number {
  for (let k = 0; k + 1 < x.length; k++) {
    if (u >= x[k] && u <= x[k + 1]) {
      const t = x[k + 1] > x[k] ? (u - x[k]) / (x[k + 1] - x[k]) : 0;
      return y[k] + t * (y[k + 1] - y[k]);
    }
  }
  return x.length === 1 && u === x[0] ? y[0] : NaN;
}

/**
 * Every visible curve's value at one input (raw units): the simulated point nearest to it (a
 * measurement is not interpolated), the theory interpolated between its points, each fit exactly.
 */
export function valuesAt(data: SweepData, axes: AxesKind, quantity: Quantity, visible: ReadonlySet<CurveId>, input: number): HoverValue[] {
  const norm = normalisation(data);
  const map = axisMap(axes, norm);
  const value = quantity === 'rate' ? map.rate : map.gain;
  const out: HoverValue[] = [];
  if (visible.has('simulated')) {
    let nearest = -1;
    for (let k = 0; k < data.currents.length; k++) {
      if (!Number.isFinite(data.ratesHz[k])) continue;
      if (nearest < 0 || Math.abs(data.currents[k] - input) < Math.abs(data.currents[nearest] - input)) nearest = k;
    }
    if (nearest < 0) out.push({ id: 'simulated', value: NaN });
    else {
      const y = quantity === 'rate' ? data.ratesHz[nearest] : differenceGain(data.currents, data.ratesHz)[nearest];
      const error = quantity === 'rate' && data.semHz[nearest] > 0 ? (axes === 'raw' ? data.semHz[nearest] : data.semHz[nearest] / norm.ySpan) : undefined;
      out.push({ id: 'simulated', value: value(y), atInput: data.currents[nearest], ...(error !== undefined ? { error } : {}) });
    }
  }
  if (data.theoryHz && visible.has('theory')) {
    const y = quantity === 'rate' ? data.theoryHz : differenceGain(data.currents, data.theoryHz);
    out.push({ id: 'theory', value: value(interpolate(data.currents, y, input)) });
  }
  for (const fit of data.fits) {
    if (!visible.has(fit.id)) continue;
    const f = quantity === 'rate' ? activationValue : activationGain;
    out.push({ id: fit.id, value: value(f(fit.id, fit.parameters, input)) });
  }
  return out;
}
