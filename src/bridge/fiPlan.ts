// One planner for f-I sweeps: a request as the page's sweep worker and the CLI's `fi` and `fit`
// state it (a model id or file, parameters, noise, an input range, run lengths) is checked here
// once and resolved into what fiSweepSteps runs. Defaults come from the model file (its `sweep`
// and `rheobase`), never from a model's id. Errors name the request's fields (`range.toInput`,
// `parameters.R`, `noise.sigmaMV`, `model`); the CLI maps them to its flags. Callers differ only
// in their budget: the page's sweep must stay interactive, the CLI's may run long (it estimates
// the cost and asks for --long).
import { InputError, describeValue } from '../core/errors.js';
import { builtinModel } from '../core/model/builtinModels.js';
import { loadModel, METHODS, parameterEvaluator, resolveParameters, type LoadedModel, type MethodName } from '../core/model/loadModel.js';
import { SWEEP_LIMITS, type ModelFile } from '../core/model/modelFile.js';
import { rangeValues, type FiSweepOptions } from './fiSweep.js';

export type NoiseType = 'white' | 'ou';

export interface SweepNoise {
  type: NoiseType;
  /** SD of the free membrane potential the noise causes (mV); 0 = none. */
  sigmaMV: number;
  /** Correlation time of OU noise (ms); ignored for white noise. */
  tauMs?: number;
}

export interface SweepRange {
  fromInput: number;
  toInput: number;
  step: number;
}

export interface FiSweepRequest {
  /** A model id of models/ (e.g. "lif") or a whole model file. */
  model: string | ModelFile;
  /** Parameter values in force; missing ones take the file's defaults. */
  parameters?: Record<string, number>;
  noise?: SweepNoise;
  /** Input currents, in the model's input unit; a missing field takes the model's default sweep. */
  range?: Partial<SweepRange>;
  neuronsPerCurrent?: number;
  durationMs?: number;
  discardMs?: number;
  dtMs?: number;
  method?: MethodName;
  seed?: number;
}

/** A model's default sweep with the parameters in force, rounded to two significant digits. */
export interface SweepDefaults {
  fromInput: number;
  toInput: number;
  step: number;
  durationMs: number;
  discardMs: number;
  dtMs: number;
  neuronsPerCurrent: number;
}

/** How large a sweep a caller allows. */
export interface SweepBudget {
  /** Fewest currents (6 when the curve is to be fitted). */
  minPoints: number;
  maxPoints: number;
  /** Neurons in all (currents times neurons per current). */
  maxNeurons: number;
  maxDurationMs: number;
}

/** The page: a plot and fits of about 100 points, a sweep of seconds (a noisy LIF sweep of 100 x 20 takes ~0.3 s). */
export const PAGE_BUDGET: SweepBudget = { minPoints: SWEEP_LIMITS.points[0], maxPoints: SWEEP_LIMITS.points[1], maxNeurons: 20000, maxDurationMs: SWEEP_LIMITS.durationMs[1] };
/** The command line: as large as memory allows; a long run is estimated and needs --long. */
export const BATCH_BUDGET: SweepBudget = { minPoints: 1, maxPoints: 100000, maxNeurons: 1e6, maxDurationMs: Infinity };

/** What will run, resolved (defaults filled in), and the options fiSweepSteps takes. */
export interface FiSweepPlan {
  model: LoadedModel;
  modelId: string;
  modelName: string;
  inputSymbol: string;
  /** Input unit, e.g. nA, uA/cm2, pA. */
  unit: string;
  currents: number[];
  neuronsPerCurrent: number;
  durationMs: number;
  discardMs: number;
  dtMs: number;
  noise: SweepNoise;
  /** Does the model say how voltage noise enters it (a "noise" section)? */
  noiseAllowed: boolean;
  method?: MethodName;
  seed: number;
  parameters: Record<string, number>;
  options: FiSweepOptions;
}

/** Without a default sweep in its file, a model given a range runs this long, with this step. */
const FALLBACK = { durationMs: 1100, discardMs: 100, dtMs: 0.05 };
/** Noise SD (mV) of the free membrane potential a request may ask for. */
const MAX_SIGMA_MV = 50;

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** A number in [min, max], or an InputError naming the field. */
export function checkNumber(field: string, value: unknown, unit: string, min: number, max: number): number {
  const u = unit ? ` ${unit}` : '';
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new InputError(field, `must be a number${u ? ` in${u}` : ''}, got ${describeValue(value)}`);
  if (value < min || value > max) throw new InputError(field, `${value} is outside the allowed range [${min}, ${max}]${u}`);
  return value;
}

/** A model id of models/ or a model file (validated); the error names `field`. */
export function resolveSweepModel(model: unknown, field = 'model'): LoadedModel {
  if (typeof model === 'string') return builtinModel(model, field);
  if (isRecord(model)) return loadModel(model, field);
  throw new InputError(field, `must be a model id or a model file, got ${describeValue(model)}`);
}

/** Two significant digits, free of float noise (as the page shows them). */
function round2(x: number): number {
  return x === 0 ? 0 : Number(x.toPrecision(2));
}

/**
 * The model file's default sweep with `parameters` in force (its expressions may follow the
 * rheobase), range rounded to two significant digits; null when the file declares none.
 */
export function sweepDefaults(model: LoadedModel, parameters: Float64Array, noiseSigmaMV: number): SweepDefaults | null {
  const sweep = model.sweep;
  if (!sweep) return null;
  const [from, to, step] = [sweep.from, sweep.to, sweep.step].map((node) => round2(parameterEvaluator(model, node)(parameters)));
  return { fromInput: from, toInput: to, step, durationMs: sweep.durationMs, discardMs: sweep.discardMs, dtMs: sweep.dtMs, neuronsPerCurrent: noiseSigmaMV > 0 ? sweep.neuronsWithNoise : 1 };
}

/**
 * A range of inputs (or drive values), checked: finite, `toInput` not below `fromInput`, and
 * `minPoints` to `maxPoints` values. `what` names the values in messages ("currents").
 */
export function checkRange(range: SweepRange, unit: string, limits: { lowest?: number; minPoints: number; maxPoints: number; what: string; why?: string }): number[] {
  checkNumber('range.fromInput', range.fromInput, unit, limits.lowest ?? -1e6, 1e6);
  checkNumber('range.toInput', range.toInput, unit, -1e6, 1e6);
  checkNumber('range.step', range.step, unit, 1e-9, 1e6);
  const u = unit ? ` ${unit}` : '';
  if (range.toInput < range.fromInput) throw new InputError('range.toInput', `${range.toInput}${u} is below range.fromInput (${range.fromInput}${u})`);
  const count = Math.floor((range.toInput - range.fromInput) / range.step + 1e-9) + 1;
  if (count < limits.minPoints || count > limits.maxPoints) {
    throw new InputError('range.step', `${range.step}${u} gives ${count} ${limits.what} from ${range.fromInput} to ${range.toInput}; ${limits.minPoints} to ${limits.maxPoints} are allowed${limits.why ? ` (${limits.why})` : ''}`);
  }
  return rangeValues(range.fromInput, range.toInput, range.step);
}

/**
 * Check a sweep request and resolve it; every problem is an InputError naming the request's
 * field. Nothing runs here: the plan's `options` go to fiSweepSteps.
 */
export function planFiSweep(request: FiSweepRequest, budget: SweepBudget = PAGE_BUDGET): FiSweepPlan {
  if (!isRecord(request)) throw new InputError('request', `must be an object, got ${describeValue(request)}`);
  const model = resolveSweepModel(request.model);
  const unit = model.file.input.unit;
  const parameters = request.parameters ?? {};
  if (!isRecord(parameters)) throw new InputError('parameters', `must be an object of name: value, got ${describeValue(parameters)}`);
  const values = resolveParameters(model, parameters, 'parameters'); // names, ranges and constraints

  const noiseRaw = request.noise ?? { type: 'white', sigmaMV: 0 };
  if (!isRecord(noiseRaw)) throw new InputError('noise', `must be an object { type, sigmaMV, tauMs }, got ${describeValue(noiseRaw)}`);
  const noise: SweepNoise = { type: (noiseRaw.type ?? 'white') as NoiseType, sigmaMV: (noiseRaw.sigmaMV ?? 0) as number };
  if (noise.type !== 'white' && noise.type !== 'ou') throw new InputError('noise.type', `${describeValue(noise.type)} is not a noise type; choose "white" or "ou"`);
  checkNumber('noise.sigmaMV', noise.sigmaMV, 'mV', 0, MAX_SIGMA_MV);
  if (noise.sigmaMV > 0 && !model.noise) {
    throw new InputError('noise.sigmaMV', `${noise.sigmaMV} mV: ${model.file.name} does not say how voltage noise enters it (its file has no "noise" section), so only 0 is allowed`);
  }

  const defaults = sweepDefaults(model, values, noise.sigmaMV);
  const rangeRaw = request.range ?? {};
  if (!isRecord(rangeRaw)) throw new InputError('range', `must be an object { fromInput, toInput, step }, got ${describeValue(rangeRaw)}`);
  const given = rangeRaw as Partial<SweepRange>;
  if (!defaults && (given.fromInput === undefined || given.toInput === undefined || given.step === undefined)) {
    throw new InputError('range', `${model.file.name} (${model.id}) has no default sweep; give range.fromInput, range.toInput and range.step in ${unit}`);
  }
  const range: SweepRange = { fromInput: given.fromInput ?? defaults!.fromInput, toInput: given.toInput ?? defaults!.toInput, step: given.step ?? defaults!.step };
  const currents = checkRange(range, unit, { minPoints: budget.minPoints, maxPoints: budget.maxPoints, what: 'currents', why: budget.minPoints >= 6 ? '6 for the fits' : undefined });

  const neuronsPerCurrent = request.neuronsPerCurrent ?? defaults?.neuronsPerCurrent ?? (noise.sigmaMV > 0 ? 10 : 1);
  const maxPerCurrent = Math.max(1, Math.floor(budget.maxNeurons / currents.length));
  if (typeof neuronsPerCurrent !== 'number' || !Number.isInteger(neuronsPerCurrent) || neuronsPerCurrent < 1 || neuronsPerCurrent > maxPerCurrent) {
    throw new InputError('neuronsPerCurrent', `${describeValue(neuronsPerCurrent)} neurons per current must be a whole number from 1 to ${maxPerCurrent} for ${currents.length} currents (at most ${budget.maxNeurons} neurons in a sweep)`);
  }
  const durationMs = checkNumber('durationMs', request.durationMs ?? defaults?.durationMs ?? FALLBACK.durationMs, 'ms', SWEEP_LIMITS.durationMs[0], budget.maxDurationMs);
  const discardMs = request.discardMs ?? defaults?.discardMs ?? FALLBACK.discardMs;
  if (typeof discardMs !== 'number' || !(discardMs >= 0) || discardMs > durationMs - 10) {
    throw new InputError('discardMs', `${describeValue(discardMs)} ms must be at least 0 and at most durationMs - 10 ms (${durationMs - 10} ms), so rates count 10 ms or more`);
  }
  const dtMs = checkNumber('dtMs', request.dtMs ?? defaults?.dtMs ?? FALLBACK.dtMs, 'ms', SWEEP_LIMITS.dtMs[0], SWEEP_LIMITS.dtMs[1]);
  if (noise.type === 'ou') {
    // Coloured noise faster than the step is not resolved: its current grows as 1/sqrt(tau) to keep
    // the membrane's spread, and the rates drift (LIF at 1.5 nA, 5 mV: 22 Hz white, 23 Hz at tau = dt, 46 Hz at dt / 10).
    const tauMs = noiseRaw.tauMs ?? 5;
    if (typeof tauMs === 'number' && tauMs > 0 && tauMs < dtMs) {
      throw new InputError('noise.tauMs', `${tauMs} ms is shorter than the step dtMs (${dtMs} ms), which cannot resolve it; use white noise or a correlation time of at least ${dtMs} ms`);
    }
    noise.tauMs = checkNumber('noise.tauMs', tauMs, 'ms', 0.1, 1000);
  }
  const method = request.method;
  if (method !== undefined && !(METHODS as readonly string[]).includes(method)) {
    throw new InputError('method', `${typeof method === 'string' ? JSON.stringify((method as string).slice(0, 40)) : describeValue(method)} is not a method; choose one of ${METHODS.join(', ')}`);
  }
  if (method !== undefined && model.methods[method] !== true) throw new InputError('method', `"${method}" cannot integrate ${model.id}: ${model.methods[method]}`);
  const seed = request.seed ?? 1;
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) throw new InputError('seed', `must be a whole number from 0 to 2^32 - 1, got ${describeValue(seed)}`);
  const tauMs = noise.type === 'ou' ? noise.tauMs! : 0;
  return {
    model,
    modelId: model.id,
    modelName: model.file.name,
    inputSymbol: model.inputSymbol,
    unit,
    currents,
    neuronsPerCurrent,
    durationMs,
    discardMs,
    dtMs,
    noise,
    noiseAllowed: model.noise !== null,
    method,
    seed,
    parameters: { ...parameters } as Record<string, number>,
    options: { model: request.model, currents, durationMs, discardMs, dtMs, method, parameters: { ...parameters } as Record<string, number>, noiseSigmaMV: noise.sigmaMV, noiseTauMs: tauMs, seed, neuronsPerCurrent },
  };
}

/** What a panel needs before a sweep: the model's input, whether noise applies, and its default sweep (or why there is none). */
export interface FiSweepDescription {
  modelName: string;
  inputSymbol: string;
  unit: string;
  noiseAllowed: boolean;
  defaults: SweepDefaults | null;
  noDefaults: string | null;
}

export function describeFiSweep(model: string | ModelFile, parameters: Record<string, number>, noiseSigmaMV: number): FiSweepDescription {
  const loaded = resolveSweepModel(model);
  const values = resolveParameters(loaded, parameters, 'parameters');
  const defaults = sweepDefaults(loaded, values, noiseSigmaMV);
  return {
    modelName: loaded.file.name,
    inputSymbol: loaded.inputSymbol,
    unit: loaded.file.input.unit,
    noiseAllowed: loaded.noise !== null,
    defaults,
    noDefaults: defaults ? null : `range: ${loaded.file.name} (${loaded.id}) has no default sweep; give range.fromInput, range.toInput and range.step in ${loaded.file.input.unit}`,
  };
}
