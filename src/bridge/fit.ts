// Least-squares fits of the ANN activation functions to an f-I curve, ranked by RMSE.
//
// A rate is never negative and a silent neuron has rate 0, so every function is fitted as
//   rate = A * (g(k (I - I0)) - floor)
// with floor = inf g (0 for sigmoid, ReLU, softplus and soft-LIF; -1 for ELU, whose exponential
// tail then starts at rate 0): there is no free output shift. A ReLU's kink I0 is then a threshold
// and A its gain (Hz per input unit). Currents where the neuron is silent (not one spike counted)
// are held to it: they weigh a hundred times as much as firing ones, and of the fits' ends the one
// kept pays a steep penalty for predicting more than SILENT_TOLERANCE_HZ there, so no function
// claims firing where the neuron has none.
//
// Two functions are not fitted on their own, because on a rate axis that starts at 0 they are
// another one: tanh(z) = 2 sigmoid(2z) - 1 is the sigmoid rescaled (the same curve, the same
// RMSE), and a leaky ReLU clipped at rate 0 (its leak would be a negative rate) is the ReLU.
// fitEquivalents says so in a line each, with the parameters that draw the same curve.
//
// Each fit works on normalised axes (input to [-1, 1], rate to [0, 1]) so every parameter is of
// order one whatever the units. It starts from a grid of input scales, shifts and shapes with the
// output scale solved linearly for each, then runs Levenberg-Marquardt (ml-levenberg-marquardt)
// from the best few starts and keeps the best end.
import { levenbergMarquardt } from 'ml-levenberg-marquardt';
import { InputError } from '../core/errors.js';
import { ACTIVATIONS, ACTIVATION_IDS, activationGain, activationValue, type ActivationId, type ActivationParameters } from './activations.js';

/** The functions ranked against each other: tanh and leaky ReLU are these on a rate axis (fitEquivalents). */
export const RANKED_ACTIVATION_IDS = ['sigmoid', 'relu', 'softplus', 'elu', 'softLif'] as const satisfies readonly ActivationId[];

/** A rate below this counts as silence (a sweep's count window resolves a few Hz at best). */
export const SILENT_HZ = 1;
/** What a fit may predict where the neuron is silent. */
export const SILENT_TOLERANCE_HZ = 0.5;
/** How much more a silent point weighs in a fit than a firing one. */
const SILENT_WEIGHT = 100;
/** The weight of a silent point's predicted rate beyond SILENT_TOLERANCE_HZ (normalised axes). */
const PENALTY = 1e4;

export interface FitResult {
  id: ActivationId;
  name: string;
  /** rate = activationValue(id, parameters, I); outShift = -outScale * floor (0, or A for ELU) */
  parameters: ActivationParameters;
  /** parameters by name, shape parameters included (for tables) */
  named: Record<string, number>;
  /** number of parameters the fit adjusted */
  parameterCount: number;
  rmseHz: number;
  /** 1 - SSE/SST; NaN when the rates do not vary (a silent range), where it means nothing */
  rSquared: number;
  /** Where, within the fitted range, the fit's own slope (activationGain) is largest, and that slope (Hz per input unit). */
  steepestInput: number;
  steepestGain: number;
  /** Does the slope peak inside the range and fall again on both sides (a bump), rather than at an end? */
  slopeBump: boolean;
}

/** A function that is another one on a rate axis, said in one line. */
export interface FitEquivalent {
  id: ActivationId;
  name: string;
  sameAs: ActivationId;
  /** Parameters of `id` that draw the same curve where it is a rate (leaky ReLU: above its kink). */
  parameters: ActivationParameters;
  rmseHz: number;
  text: string;
}

interface Normalisation {
  xCentre: number;
  xHalfSpan: number;
  ySpan: number;
}

/** Normalised parameter vector: [outScale, (inScale,) inShift, ...shape]. */
function toParameters(id: ActivationId, v: readonly number[], n: Normalisation): ActivationParameters {
  const def = ACTIVATIONS[id];
  const fixed = def.inScaleFixed;
  const inScale = fixed ? 1 : v[1];
  const inShift = v[fixed ? 1 : 2];
  const shape = v.slice(fixed ? 2 : 3);
  // Undo x = xCentre + xHalfSpan X and y = ySpan Y. A piecewise-linear shape keeps inScale = 1 in
  // the neuron's units too, its slope going into outScale (Hz per input unit).
  const outScale = fixed ? (n.ySpan * v[0]) / n.xHalfSpan : n.ySpan * v[0];
  return {
    inScale: fixed ? 1 : inScale / n.xHalfSpan,
    inShift: n.xCentre + n.xHalfSpan * inShift,
    outScale,
    outShift: def.floor === 0 ? 0 : -outScale * def.floor,
    shape,
  };
}

/** g(z) - floor: the shape a rate follows, 0 where the function is at its floor. */
function lifted(id: ActivationId): (z: number, shape: readonly number[]) => number {
  const { g, floor } = ACTIVATIONS[id];
  return floor === 0 ? g : (z, shape) => g(z, shape) - floor;
}

/**
 * Best output scale (linear least squares through 0) for fixed input parameters, lowered where
 * needed so the silent points stay within the tolerance (a start that already keeps silence).
 */
function linearScale(id: ActivationId, inScale: number, inShift: number, shape: number[], X: Float64Array, Y: Float64Array, silent: Uint8Array, tolerance: number): number | null {
  const g = lifted(id);
  const n = X.length;
  let sgg = 0;
  let sgy = 0;
  let cap = Infinity;
  for (let i = 0; i < n; i++) {
    const gi = g(inScale * (X[i] - inShift), shape);
    sgg += gi * gi;
    sgy += gi * Y[i];
    if (silent[i] && gi > 0) cap = Math.min(cap, tolerance / gi);
  }
  if (!(sgg > 1e-12 * n) || !Number.isFinite(sgg)) return null; // g at its floor over the data: this start says nothing
  const scale = Math.min(Math.max(sgy / sgg, 1e-6), cap);
  return scale > 0 && Number.isFinite(scale) ? scale : null;
}

/** Where the normalised curve first rises above a fraction of its range. */
function firstAbove(X: Float64Array, Y: Float64Array, level: number): number {
  for (let i = 0; i < X.length; i++) if (Y[i] > level) return i === 0 ? X[0] : (X[i - 1] + X[i]) / 2;
  return X[X.length - 1];
}

function product<T>(lists: T[][]): T[][] {
  return lists.reduce<T[][]>((acc, list) => acc.flatMap((a) => list.map((b) => [...a, b])), [[]]);
}

/** Where the fit's slope is largest on a fine grid of the range, and whether that is a bump (not an end). */
function steepest(id: ActivationId, p: ActivationParameters, from: number, to: number): { input: number; gain: number; bump: boolean } {
  const points = 801;
  let best = 0;
  let bestGain = -Infinity;
  const gains = new Float64Array(points);
  for (let k = 0; k < points; k++) {
    gains[k] = activationGain(id, p, from + ((to - from) * k) / (points - 1));
    if (gains[k] > bestGain) {
      bestGain = gains[k];
      best = k;
    }
  }
  // A bump: the slope falls by a tenth of its peak on both sides within the range.
  const low = 0.9 * bestGain;
  let before = false;
  let after = false;
  for (let k = 0; k < best; k++) if (gains[k] < low) before = true;
  for (let k = best + 1; k < points; k++) if (gains[k] < low) after = true;
  return { input: from + ((to - from) * best) / (points - 1), gain: bestGain, bump: bestGain > 0 && before && after };
}

export function fitActivation(id: ActivationId, currents: ArrayLike<number>, ratesHz: ArrayLike<number>): FitResult {
  return fitActivationFromStart(id, currents, ratesHz).fit;
}

/** A fit and the RMSE of the best start it was optimised from (the optimiser's work shows as the difference). */
export interface FitFromStart {
  fit: FitResult;
  startRmseHz: number;
}

/** fitActivation, also saying how good its best starting point was: a convergence check for tests. */
export function fitActivationFromStart(id: ActivationId, currents: ArrayLike<number>, ratesHz: ArrayLike<number>): FitFromStart {
  const def = ACTIVATIONS[id];
  if (!def) throw new InputError('activation', `${JSON.stringify(id)} is not an activation; choose one of ${ACTIVATION_IDS.join(', ')}`);
  const n = currents.length;
  if (n !== ratesHz.length) throw new InputError('ratesHz', `has ${ratesHz.length} values for ${n} currents`);
  if (n < 6) throw new InputError('currents', `${n} points are too few to fit; at least 6 are needed`);
  let xMin = Infinity;
  let xMax = -Infinity;
  let yMax = 0;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(currents[i]) || !Number.isFinite(ratesHz[i])) throw new InputError(`point ${i}`, `(${currents[i]}, ${ratesHz[i]}) is not a pair of finite numbers`);
    if (ratesHz[i] < 0) throw new InputError(`point ${i}`, `a rate of ${ratesHz[i]} Hz is negative; rates are 0 or more`);
    xMin = Math.min(xMin, currents[i]);
    xMax = Math.max(xMax, currents[i]);
    yMax = Math.max(yMax, ratesHz[i]);
  }
  if (!(xMax > xMin)) throw new InputError('currents', `all ${n} currents are ${xMin}; a fit needs a range`);
  if (yMax === 0) {
    // Silent everywhere: rate 0 is the fit (A = 0), exact, with nothing varying to explain.
    const parameters: ActivationParameters = { inScale: 1, inShift: (xMin + xMax) / 2, outScale: 0, outShift: 0, shape: def.shape.map((s) => s.value) };
    return { fit: { id, name: def.name, parameters, named: namedOf(id, parameters), parameterCount: 0, rmseHz: 0, rSquared: NaN, steepestInput: xMin, steepestGain: 0, slopeBump: false }, startRmseHz: 0 };
  }
  // tanh and leaky ReLU are the sigmoid and the ReLU on a rate axis: fitted as those, said in their own form.
  if (id === 'tanh' || id === 'leakyRelu') {
    const { fit: base, startRmseHz } = fitActivationFromStart(id === 'tanh' ? 'sigmoid' : 'relu', currents, ratesHz);
    const parameters = equivalentParameters(id, base.parameters);
    return { fit: { ...base, id, name: def.name, parameters, named: namedOf(id, parameters) }, startRmseHz };
  }
  const norm: Normalisation = { xCentre: (xMin + xMax) / 2, xHalfSpan: (xMax - xMin) / 2, ySpan: yMax > 0 ? yMax : 1 };
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => currents[a] - currents[b]);
  const X = Float64Array.from(order, (i) => (currents[i] - norm.xCentre) / norm.xHalfSpan);
  const Y = Float64Array.from(order, (i) => ratesHz[i] / norm.ySpan);
  const silent = Uint8Array.from(order, (i) => (ratesHz[i] === 0 ? 1 : 0));
  // A piecewise-linear function is exactly 0 below its kink, so it can keep silence exactly: its
  // kink goes at or above the last silent current. A smooth one is never quite 0 and has the tolerance.
  const tolerance = def.inScaleFixed ? 0 : SILENT_TOLERANCE_HZ / norm.ySpan;

  const g = lifted(id);
  const fixed = def.inScaleFixed;
  const shapeAt = fixed ? 2 : 3;
  const model = (v: number[]) => {
    const inScale = fixed ? 1 : v[1];
    const inShift = v[fixed ? 1 : 2];
    const shape = v.slice(shapeAt);
    return (x: number) => v[0] * g(inScale * (x - inShift), shape);
  };
  // Silent points weigh SILENT_WEIGHT times as much as firing ones (smooth, so LM's steps stay
  // good), and the ends are judged with a steep penalty past the tolerance as well.
  const weights = Float64Array.from(silent, (s) => (s ? SILENT_WEIGHT : 1));
  // The weights as scaled residuals (the library's own weights enter its error and its steps
  // differently): point i in, sqrt(weight) times the rate out. The silence penalty is a residual
  // of its own for each silent point (index n + i, target 0), so Levenberg-Marquardt minimises the
  // very objective its ends are judged by: without it, a step that buys a better fit of the
  // firing points with a little false firing at a silent one looked good to the optimiser and was
  // then thrown away, and the fit stayed at its start (a sigmoid on a noisy LIF curve did).
  const root = Float64Array.from(weights, Math.sqrt);
  const silentIndices = Array.from({ length: n }, (_, i) => i).filter((i) => silent[i]);
  const indices = Float64Array.from({ length: n + silentIndices.length }, (_, i) => i);
  const weightedY = Float64Array.from(indices, (i) => (i < n ? root[i] * Y[i] : 0));
  const PENALTY_ROOT = Math.sqrt(PENALTY);
  const weighted = (v: number[]) => {
    const f = model(v);
    return (i: number) => {
      if (i < n) return root[i] * f(X[i]);
      const y = f(X[silentIndices[i - n]]);
      return y > tolerance ? PENALTY_ROOT * (y - tolerance) : 0;
    };
  };
  const objective = (v: number[]) => {
    const f = model(v);
    let sse = 0;
    for (let i = 0; i < n; i++) {
      const y = f(X[i]);
      sse += weights[i] * (y - Y[i]) ** 2 + (silent[i] && y > tolerance ? PENALTY * (y - tolerance) ** 2 : 0);
    }
    return Number.isFinite(sse) ? sse : Infinity;
  };

  // Starts: shifts at the data's onset, midpoint and elsewhere; scales from gentle to as sharp as
  // a kink; shape parameters at their typical value and around it; the output scale solved.
  const onset = firstAbove(X, Y, 0.03);
  const half = firstAbove(X, Y, 0.5);
  // Midpoints beyond the top of the range too: a sigmoid's lower half is convex, and on a curve
  // that only bends upwards that half is the fit.
  const shifts = [onset, half, onset - 0.2, onset - 0.05, onset + 0.1, -1, 0, 1, 1.5, 2.5];
  const scales = fixed ? [1] : [0.5, 1.5, 4, 12, 40, 150];
  const shapes = product(def.shape.map((s) => [s.value, ...[0.01, 0.1, 10].map((f) => Math.min(s.max, Math.max(s.min, s.value * f)))]));
  const starts: { v: number[]; sse: number }[] = [];
  for (const inScale of scales) {
    for (const inShift of shifts) {
      for (const shape of shapes) {
        const scale = linearScale(id, inScale, inShift, shape, X, Y, silent, tolerance);
        if (scale === null) continue;
        const v = [scale, ...(fixed ? [] : [inScale]), inShift, ...shape];
        starts.push({ v, sse: objective(v) });
      }
    }
  }
  starts.sort((a, b) => a.sse - b.sse);

  // A kink cannot sit among the silent currents below the first firing one (the penalty alone
  // would leave it a hair below the last of them).
  let leadingSilent = 0;
  while (leadingSilent < n && silent[leadingSilent]) leadingSilent++;
  const lowestShift = fixed && leadingSilent > 0 ? X[leadingSilent - 1] : -20;
  const minValues = [1e-6, ...(fixed ? [] : [1e-3]), lowestShift, ...def.shape.map((s) => s.min)];
  const maxValues = [1e4, ...(fixed ? [] : [1e4]), 20, ...def.shape.map((s) => s.max)];
  // Two ways down: with the silence penalty as residuals (the judge's own objective, whose kink at
  // the tolerance can stall a step) and without (smooth, but it may end in false firing, which the
  // judge then refuses). Each start goes both ways; the judge keeps the better end.
  const firingOnly = { x: indices.subarray(0, n), y: weightedY.subarray(0, n) };
  const lmOne = (v: number[], maxIterations: number, penalised: boolean) => {
    const result = levenbergMarquardt(penalised ? { x: indices, y: weightedY } : firingOnly, weighted, {
      initialValues: v,
      minValues,
      maxValues,
      damping: 1e-3,
      gradientDifference: 1e-6,
      centralDifference: true,
      maxIterations,
      errorTolerance: 0, // the library has no relative stop; the iteration counts bound the work
    });
    return { v: result.parameterValues, sse: objective(result.parameterValues) };
  };
  const lm = (v: number[], maxIterations: number) => {
    const a = { ...lmOne(v, maxIterations, true), penalised: true };
    const b = silentIndices.length > 0 ? { ...lmOne(v, maxIterations, false), penalised: false } : a;
    return a.sse <= b.sse ? a : b;
  };
  // Short runs from starts spread over gain and midpoint (the best few overall sit in one valley):
  // for each input scale its best start and its best one with the midpoint elsewhere (0.5 away on
  // the normalised axis, e.g. beyond the range rather than in it); then long runs from the best
  // two ends, repeated while they still improve (a run that stops at its iteration count has not
  // converged).
  const chosen: { v: number[]; sse: number }[] = [];
  const shiftOf = (v: number[]) => v[fixed ? 1 : 2];
  for (const inScale of scales) {
    const ofScale = starts.filter((s) => (fixed ? true : s.v[1] === inScale) && !chosen.includes(s));
    const first = ofScale[0];
    if (!first) continue;
    chosen.push(first);
    const elsewhere = ofScale.find((s) => Math.abs(shiftOf(s.v) - shiftOf(first.v)) >= 0.5);
    if (elsewhere) chosen.push(elsewhere);
    if (fixed) chosen.push(...starts.filter((s) => !chosen.includes(s)).slice(0, 5));
  }
  const ends = chosen.map((start) => {
    const end = lm(start.v, 40);
    return end.sse <= start.sse ? end : start;
  });
  ends.sort((a, b) => a.sse - b.sse);
  if (ends.length === 0) throw new InputError('ratesHz', 'no start of the fit gave finite values');
  let best = ends[0];
  for (const end of ends.slice(0, 2)) {
    // The first long run goes both ways; further ones (until the gain is below 1e-4 of the error,
    // which no table digit shows) only the way that won.
    let current = end;
    let penalised: boolean | null = null;
    for (let round = 0; round < 4; round++) {
      const polished: { v: number[]; sse: number; penalised: boolean } = penalised === null ? lm(current.v, 300) : { ...lmOne(current.v, 300, penalised), penalised };
      if (!(polished.sse < current.sse)) break;
      const gained = current.sse - polished.sse;
      current = polished;
      penalised = polished.penalised;
      if (gained <= 1e-4 * current.sse) break;
    }
    if (current.sse < best.sse) best = current;
  }

  const parameters = toParameters(id, best.v, norm);
  const sseOf = (p: ActivationParameters) => {
    let total = 0;
    for (let i = 0; i < n; i++) total += (ratesHz[i] - activationValue(id, p, currents[i])) ** 2;
    return total;
  };
  const sse = sseOf(parameters);
  let mean = 0;
  for (let i = 0; i < n; i++) mean += ratesHz[i] / n;
  let sst = 0;
  for (let i = 0; i < n; i++) sst += (ratesHz[i] - mean) ** 2;
  const slope = steepest(id, parameters, xMin, xMax);
  const fit: FitResult = {
    id,
    name: def.name,
    parameters,
    named: namedOf(id, parameters),
    parameterCount: best.v.length,
    rmseHz: Math.sqrt(sse / n),
    rSquared: sst > 0 ? 1 - sse / sst : NaN,
    steepestInput: slope.input,
    steepestGain: slope.gain,
    slopeBump: slope.bump,
  };
  return { fit, startRmseHz: Math.sqrt(sseOf(toParameters(id, starts[0].v, norm)) / n) };
}

function namedOf(id: ActivationId, p: ActivationParameters): Record<string, number> {
  const named: Record<string, number> = { inScale: p.inScale, inShift: p.inShift, outScale: p.outScale, outShift: p.outShift };
  ACTIVATIONS[id].shape.forEach((s, k) => (named[s.name] = p.shape[k]));
  return named;
}

/**
 * tanh's parameters for a sigmoid's curve (A sigmoid(k x) = (A/2) tanh(k x / 2) + A/2), or a
 * leaky ReLU's for a ReLU's (the same above the kink; below it the leaky ReLU's rate would be negative).
 */
function equivalentParameters(id: 'tanh' | 'leakyRelu', p: ActivationParameters): ActivationParameters {
  if (id === 'tanh') return { inScale: p.inScale / 2, inShift: p.inShift, outScale: p.outScale / 2, outShift: p.outScale / 2, shape: [] };
  return { ...p, shape: [] };
}

/**
 * Every ranked activation fitted to the same curve, best (lowest RMSE) first. tanh and leaky
 * ReLU are not ranked (they are the sigmoid and the ReLU on a rate axis): see fitEquivalents.
 */
export function fitActivations(currents: ArrayLike<number>, ratesHz: ArrayLike<number>, ids: readonly ActivationId[] = RANKED_ACTIVATION_IDS): FitResult[] {
  return ids.map((id) => fitActivation(id, currents, ratesHz)).sort((a, b) => a.rmseHz - b.rmseHz);
}

const round = (x: number) => Number(x.toPrecision(2));

/** tanh and leaky ReLU, each said as the ranked fit it is on a rate axis, with that fit's RMSE. */
export function fitEquivalents(fits: readonly FitResult[]): FitEquivalent[] {
  const out: FitEquivalent[] = [];
  const sigmoid = fits.find((f) => f.id === 'sigmoid');
  if (sigmoid) {
    out.push({
      id: 'tanh',
      name: 'tanh',
      sameAs: 'sigmoid',
      parameters: equivalentParameters('tanh', sigmoid.parameters),
      rmseHz: sigmoid.rmseHz,
      text: `tanh is the sigmoid rescaled (tanh(z) = 2 sigmoid(2z) - 1): with its floor at rate 0 it draws the sigmoid's curve, RMSE ${round(sigmoid.rmseHz)} Hz, so it is not ranked apart.`,
    });
  }
  const relu = fits.find((f) => f.id === 'relu');
  if (relu) {
    out.push({
      id: 'leakyRelu',
      name: 'leaky ReLU',
      sameAs: 'relu',
      parameters: equivalentParameters('leakyRelu', relu.parameters),
      rmseHz: relu.rmseHz,
      text: `A leaky ReLU's leak below its kink would be a negative rate; clipped at 0 it is the ReLU, RMSE ${round(relu.rmseHz)} Hz, so it is not ranked apart.`,
    });
  }
  return out;
}
