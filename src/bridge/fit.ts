// Least-squares fits of the ANN activation functions to an f-I curve, ranked by RMSE.
// Each fit works on normalised axes (input to [-1, 1], rate to [0, 1]) so every parameter is of
// order one whatever the units. It starts from a grid of input scales, shifts and shapes with the
// output scale and shift solved linearly for each (they enter linearly), then runs
// Levenberg-Marquardt (ml-levenberg-marquardt) from the best few starts and keeps the best end.
import { levenbergMarquardt } from 'ml-levenberg-marquardt';
import { InputError } from '../core/errors.js';
import { ACTIVATIONS, ACTIVATION_IDS, activationValue, type ActivationId, type ActivationParameters } from './activations.js';

export interface FitResult {
  id: ActivationId;
  name: string;
  parameters: ActivationParameters;
  /** parameters by name, shape parameters included (for tables) */
  named: Record<string, number>;
  /** number of parameters the fit adjusted */
  parameterCount: number;
  rmseHz: number;
  /** 1 - SSE/SST; NaN when the rates do not vary (a silent range), where it means nothing */
  rSquared: number;
}

interface Normalisation {
  xCentre: number;
  xHalfSpan: number;
  yLow: number;
  ySpan: number;
}

/** Normalised parameter vector: [outScale, outShift, (inScale,) inShift, ...shape]. */
function toParameters(id: ActivationId, v: readonly number[], n: Normalisation): ActivationParameters {
  const fixed = ACTIVATIONS[id].inScaleFixed;
  const inScale = fixed ? 1 : v[2];
  const inShift = v[fixed ? 2 : 3];
  const shape = v.slice(fixed ? 3 : 4);
  // Undo x = xCentre + xHalfSpan X and y = yLow + ySpan Y. A piecewise-linear shape keeps
  // inScale = 1 in the neuron's units too, its slope going into outScale (Hz per input unit).
  return {
    inScale: fixed ? 1 : inScale / n.xHalfSpan,
    inShift: n.xCentre + n.xHalfSpan * inShift,
    outScale: fixed ? (n.ySpan * v[0]) / n.xHalfSpan : n.ySpan * v[0],
    outShift: n.yLow + n.ySpan * v[1],
    shape,
  };
}

function evaluator(id: ActivationId): (v: number[]) => (x: number) => number {
  const { g, inScaleFixed } = ACTIVATIONS[id];
  return (v) => {
    const inScale = inScaleFixed ? 1 : v[2];
    const inShift = v[inScaleFixed ? 2 : 3];
    const shape = v.slice(inScaleFixed ? 3 : 4);
    return (x) => v[0] * g(inScale * (x - inShift), shape) + v[1];
  };
}

/** Best output scale and shift for fixed input parameters (linear least squares), with its SSE. */
function linearOutput(id: ActivationId, inScale: number, inShift: number, shape: number[], X: Float64Array, Y: Float64Array): { scale: number; shift: number; sse: number } | null {
  const { g } = ACTIVATIONS[id];
  const n = X.length;
  const gs = new Float64Array(n);
  let mg = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    gs[i] = g(inScale * (X[i] - inShift), shape);
    mg += gs[i];
    my += Y[i];
  }
  mg /= n;
  my /= n;
  let sgg = 0;
  let sgy = 0;
  for (let i = 0; i < n; i++) {
    sgg += (gs[i] - mg) ** 2;
    sgy += (gs[i] - mg) * (Y[i] - my);
  }
  if (!(sgg > 1e-12 * n)) return null; // g constant over the data: this start says nothing
  const scale = sgy / sgg;
  const shift = my - scale * mg;
  let sse = 0;
  for (let i = 0; i < n; i++) sse += (Y[i] - scale * gs[i] - shift) ** 2;
  return Number.isFinite(sse) ? { scale, shift, sse } : null;
}

/** Where the normalised curve first rises above a fraction of its range. */
function firstAbove(X: Float64Array, Y: Float64Array, level: number): number {
  for (let i = 0; i < X.length; i++) if (Y[i] > level) return i === 0 ? X[0] : (X[i - 1] + X[i]) / 2;
  return X[X.length - 1];
}

function product<T>(lists: T[][]): T[][] {
  return lists.reduce<T[][]>((acc, list) => acc.flatMap((a) => list.map((b) => [...a, b])), [[]]);
}

export function fitActivation(id: ActivationId, currents: ArrayLike<number>, ratesHz: ArrayLike<number>): FitResult {
  const def = ACTIVATIONS[id];
  if (!def) throw new InputError('activation', `${JSON.stringify(id)} is not an activation; choose one of ${ACTIVATION_IDS.join(', ')}`);
  const n = currents.length;
  if (n !== ratesHz.length) throw new InputError('ratesHz', `has ${ratesHz.length} values for ${n} currents`);
  if (n < 6) throw new InputError('currents', `${n} points are too few to fit; at least 6 are needed`);
  let xMin = Infinity;
  let xMax = -Infinity;
  let yMin = Infinity;
  let yMax = -Infinity;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(currents[i]) || !Number.isFinite(ratesHz[i])) throw new InputError(`point ${i}`, `(${currents[i]}, ${ratesHz[i]}) is not a pair of finite numbers`);
    xMin = Math.min(xMin, currents[i]);
    xMax = Math.max(xMax, currents[i]);
    yMin = Math.min(yMin, ratesHz[i]);
    yMax = Math.max(yMax, ratesHz[i]);
  }
  if (!(xMax > xMin)) throw new InputError('currents', `all ${n} currents are ${xMin}; a fit needs a range`);
  const norm: Normalisation = { xCentre: (xMin + xMax) / 2, xHalfSpan: (xMax - xMin) / 2, yLow: yMin, ySpan: yMax > yMin ? yMax - yMin : 1 };
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => currents[a] - currents[b]);
  const X = Float64Array.from(order, (i) => (currents[i] - norm.xCentre) / norm.xHalfSpan);
  const Y = Float64Array.from(order, (i) => (ratesHz[i] - norm.yLow) / norm.ySpan);

  // Starts: shifts at the data's onset, midpoint and elsewhere; scales from gentle to sharp;
  // shape parameters at their typical value and around it.
  const onset = firstAbove(X, Y, 0.03);
  const half = firstAbove(X, Y, 0.5);
  const shifts = [onset, half, onset - 0.2, -1, 0, 1];
  const scales = def.inScaleFixed ? [1] : [0.5, 1.5, 4, 12, 40];
  const shapes = product(def.shape.map((s) => [s.value, ...[0.1, 10].map((f) => Math.min(s.max, Math.max(s.min, s.value * f)))]));
  const starts: { v: number[]; sse: number }[] = [];
  for (const inScale of scales) {
    for (const inShift of shifts) {
      for (const shape of shapes) {
        const out = linearOutput(id, inScale, inShift, shape, X, Y);
        if (out) starts.push({ v: [out.scale, out.shift, ...(def.inScaleFixed ? [] : [inScale]), inShift, ...shape], sse: out.sse });
      }
    }
  }
  starts.sort((a, b) => a.sse - b.sse);

  const minValues = [-1e4, -1e4, ...(def.inScaleFixed ? [] : [1e-3]), -20, ...def.shape.map((s) => s.min)];
  const maxValues = [1e4, 1e4, ...(def.inScaleFixed ? [] : [1e4]), 20, ...def.shape.map((s) => s.max)];
  const f = evaluator(id);
  const lm = (v: number[], maxIterations: number) => {
    const result = levenbergMarquardt({ x: X, y: Y }, f, {
      initialValues: v,
      minValues,
      maxValues,
      damping: 1e-3,
      gradientDifference: 1e-6,
      centralDifference: true,
      maxIterations,
      errorTolerance: 0, // the library has no relative stop; the iteration counts bound the work
    });
    return { v: result.parameterValues, sse: Number.isFinite(result.parameterError) ? result.parameterError : Infinity };
  };
  // A short run from each of the best starts, then a long one from the best of those.
  let best: { v: number[]; sse: number } | null = null;
  for (const start of starts.slice(0, 4)) {
    const end = lm(start.v, 40);
    const better = end.sse <= start.sse ? end : start;
    if (!best || better.sse < best.sse) best = better;
  }
  if (!best) throw new InputError('ratesHz', 'no start of the fit gave finite values');
  const polished = lm(best.v, 300);
  if (polished.sse < best.sse) best = polished;

  const parameters = toParameters(id, best.v, norm);
  let sse = 0;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += ratesHz[i] / n;
  let sst = 0;
  for (let i = 0; i < n; i++) {
    sse += (ratesHz[i] - activationValue(id, parameters, currents[i])) ** 2;
    sst += (ratesHz[i] - mean) ** 2;
  }
  const named: Record<string, number> = { inScale: parameters.inScale, inShift: parameters.inShift, outScale: parameters.outScale, outShift: parameters.outShift };
  def.shape.forEach((s, k) => (named[s.name] = parameters.shape[k]));
  return {
    id,
    name: def.name,
    parameters,
    named,
    parameterCount: best.v.length,
    rmseHz: Math.sqrt(sse / n),
    rSquared: sst > 0 ? 1 - sse / sst : NaN,
  };
}

/** Every activation fitted to the same curve, best (lowest RMSE) first. */
export function fitActivations(currents: ArrayLike<number>, ratesHz: ArrayLike<number>, ids: readonly ActivationId[] = ACTIVATION_IDS): FitResult[] {
  return ids.map((id) => fitActivation(id, currents, ratesHz)).sort((a, b) => a.rmseHz - b.rmseHz);
}
