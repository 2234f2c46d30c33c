// f-I curves: neurons for every input current integrated together in one population, so a sweep
// (or a chunk of it) costs one simulation. Rates count the spikes after the discard window; with
// several neurons per current (noise) the rate is their mean, with its standard error. The page
// and the CLI reach this through one planner (fiPlan.ts), which checks a request and fills in the
// model file's defaults; the checks here name these options' own fields, for direct callers.
import { InputError } from '../core/errors.js';
import { builtinModel } from '../core/model/builtinModels.js';
import { loadModel, parameterEvaluator, resolveParameters, type LoadedModel, type MethodName } from '../core/model/loadModel.js';
import { Simulation } from '../core/simulation.js';
import { SCENARIO_FORMAT, validateScenario, type Scenario, type ValidScenario } from '../scenario/scenario.js';
import type { ModelFile } from '../core/model/modelFile.js';

export interface FiSweepOptions {
  model: string | ModelFile;
  currents: number[];
  durationMs: number;
  discardMs: number;
  dtMs: number;
  method?: MethodName;
  parameters?: Record<string, number>;
  /** Standard deviation (mV) of the free membrane potential the input noise causes; 0 = none. */
  noiseSigmaMV?: number;
  /** Correlation time of the noise current (ms): 0 or absent = white, > 0 = Ornstein-Uhlenbeck. */
  noiseTauMs?: number;
  seed?: number;
  /** Independent neurons (trials) per current, averaged; default 1. */
  neuronsPerCurrent?: number;
}

export interface FiCurve {
  currents: Float64Array;
  ratesHz: Float64Array;
  /** Standard error of each mean rate across its neurons (0 with one neuron per current). */
  semHz: Float64Array;
  unit: string;
}

/** What a running sweep reports: progress within the work, and points as their chunk finishes. */
export type FiSweepEvent =
  | { kind: 'progress'; fraction: number }
  | { kind: 'points'; fraction: number; startIndex: number; currents: Float64Array; ratesHz: Float64Array; semHz: Float64Array };

/**
 * Currents go in about this many chunks, each one simulation with its own noise stream. The CLI
 * and the page's sweep worker both use it, so the same options and seed give the same noisy curve
 * in either (noise is drawn per chunk, so another chunking gives other draws, the same statistics).
 */
export const SWEEP_CHUNKS = 10;

export interface FiSweepChunking {
  /** Currents simulated together; their points are reported when they finish. Default: ceil(points / SWEEP_CHUNKS). */
  pointsPerChunk?: number;
  /** Simulated time between progress reports, ms. Default: the whole duration. */
  sliceMs?: number;
}

/** Every value from `from` to `to` (inclusive) in steps of `step`, free of float drift (unchecked). */
export function rangeValues(from: number, to: number, step: number): number[] {
  const count = Math.floor((to - from) / step + 1e-9) + 1;
  return Array.from({ length: count }, (_, k) => Number((from + k * step).toPrecision(12)));
}

/** Every current from `from` to `to` (inclusive) in steps of `step`, checked (fields as a sweep request's range). */
export function currentRange(from: number, to: number, step: number): number[] {
  if (!(step > 0)) throw new InputError('range.step', `must be a positive number, got ${step}`);
  if (to < from) throw new InputError('range.toInput', `${to} is below range.fromInput (${from})`);
  const count = Math.floor((to - from) / step + 1e-9) + 1;
  if (count > 100000) throw new InputError('range.step', `${step} gives ${count} currents; at most 100000 are allowed`);
  return rangeValues(from, to, step);
}

/** Input-current white noise (sigma as in the whiteNoise stimulus) that gives sigma_V mV. */
export function noiseCurrentSigma(model: LoadedModel, parameters: Float64Array, sigmaVmV: number): number {
  if (sigmaVmV === 0) return 0;
  if (!model.noise) throw new InputError('noiseSigmaMV', `model ${model.id} does not say how voltage noise enters it (no "noise" section)`);
  const resistance = parameterEvaluator(model, model.noise.resistance)(parameters);
  const tau = parameterEvaluator(model, model.noise.tau)(parameters);
  // R * sigma_I * sqrt(1 ms) * xi drives v; its stationary standard deviation is
  // R * sigma_I * sqrt(1 ms / (2 tau)).
  return (sigmaVmV * Math.sqrt((2 * tau) / 1)) / resistance;
}

/**
 * Stationary SD of an Ornstein-Uhlenbeck input current (correlation time tauNoise) that gives the
 * passive membrane sigma_V mV: the membrane low-passes it, Var V = (R s)^2 tau_s / (tau_s + tau_m).
 */
export function ouCurrentSigma(model: LoadedModel, parameters: Float64Array, sigmaVmV: number, noiseTauMs: number): number {
  if (sigmaVmV === 0) return 0;
  if (!model.noise) throw new InputError('noiseSigmaMV', `model ${model.id} does not say how voltage noise enters it (no "noise" section)`);
  const resistance = parameterEvaluator(model, model.noise.resistance)(parameters);
  const tau = parameterEvaluator(model, model.noise.tau)(parameters);
  return (sigmaVmV / resistance) * Math.sqrt((noiseTauMs + tau) / noiseTauMs);
}

export function fiScenario(options: FiSweepOptions): Scenario {
  const { currents, durationMs, discardMs, dtMs } = options;
  if (currents.length === 0) throw new InputError('currents', 'the sweep needs at least one current');
  if (!(discardMs >= 0) || discardMs >= durationMs) {
    throw new InputError('discardMs', `${discardMs} ms must be at least 0 and below durationMs (${durationMs} ms)`);
  }
  const model = typeof options.model === 'string' ? builtinModel(options.model, 'model') : loadModel(options.model, 'model');
  // Check overrides here so a message names the option, not the generated scenario.
  const parameters = resolveParameters(model, options.parameters, 'parameters');
  const sigmaV = options.noiseSigmaMV ?? 0;
  if (!(sigmaV >= 0) || sigmaV > 1000) throw new InputError('noiseSigmaMV', `${sigmaV} mV must be in [0, 1000] mV`);
  const perCurrent = options.neuronsPerCurrent ?? 1;
  if (!Number.isInteger(perCurrent) || perCurrent < 1 || perCurrent * currents.length > 1e6) {
    throw new InputError('neuronsPerCurrent', `${perCurrent} neurons per current must be a whole number from 1 to ${Math.max(1, Math.floor(1e6 / currents.length))} (at most 1e6 neurons in all)`);
  }
  // Neuron k * perCurrent + j gets current k: the trials of one current sit side by side.
  const amplitude = perCurrent === 1 ? currents : currents.flatMap((c) => Array<number>(perCurrent).fill(c));
  const stimuli: Scenario['stimuli'] = [{ type: 'constant', population: 'sweep', amplitude }];
  const noiseTauMs = options.noiseTauMs ?? 0;
  if (!(noiseTauMs >= 0) || noiseTauMs > 1000) throw new InputError('noiseTauMs', `${noiseTauMs} ms must be in [0, 1000] ms (0 = white noise)`);
  if (sigmaV > 0 && noiseTauMs > 0) stimuli.push({ type: 'ouNoise', population: 'sweep', sigma: ouCurrentSigma(model, parameters, sigmaV, noiseTauMs), tauMs: noiseTauMs });
  else if (sigmaV > 0) stimuli.push({ type: 'whiteNoise', population: 'sweep', sigma: noiseCurrentSigma(model, parameters, sigmaV) });
  return {
    format: SCENARIO_FORMAT,
    name: `f-I sweep of ${model.id}`,
    durationMs,
    dtMs,
    seed: options.seed ?? 1,
    populations: [{ name: 'sweep', model: options.model, size: amplitude.length, ...(options.parameters ? { parameters: options.parameters } : {}), ...(options.method ? { method: options.method } : {}) }],
    stimuli,
    record: { spikes: false, rateWindowMs: [discardMs, durationMs] },
  };
}

/** Mean and standard error of each current's group of neurons. */
function groupRates(counts: Int32Array, perCurrent: number, seconds: number): { ratesHz: Float64Array; semHz: Float64Array } {
  const points = counts.length / perCurrent;
  const ratesHz = new Float64Array(points);
  const semHz = new Float64Array(points);
  for (let k = 0; k < points; k++) {
    let sum = 0;
    let sumSq = 0;
    for (let j = 0; j < perCurrent; j++) {
      const r = counts[k * perCurrent + j] / seconds;
      sum += r;
      sumSq += r * r;
    }
    const mean = sum / perCurrent;
    ratesHz[k] = mean;
    semHz[k] = perCurrent > 1 ? Math.sqrt(Math.max(0, (sumSq - perCurrent * mean * mean) / (perCurrent - 1)) / perCurrent) : 0;
  }
  return { ratesHz, semHz };
}

/**
 * A sweep step by step, for a caller that shows progress or may cancel (the worker): a pure
 * generator with no timers or globals. It yields `progress` after each slice of simulated time and
 * `points` when a chunk of currents finishes, and returns the whole curve. To cancel, stop calling
 * next() (or call return()): nothing runs in between. Each chunk draws its noise from its own
 * stream (seed and first point), so a given seed and chunk size always give the same curve.
 */
export function* fiSweepSteps(options: FiSweepOptions, chunking: FiSweepChunking = {}): Generator<FiSweepEvent, FiCurve, void> {
  const total = options.currents.length;
  const pointsPerChunk = chunking.pointsPerChunk ?? Math.max(1, Math.ceil(total / SWEEP_CHUNKS));
  if (!Number.isInteger(pointsPerChunk) || pointsPerChunk < 1) throw new InputError('pointsPerChunk', `${pointsPerChunk} must be a whole number >= 1`);
  const sliceMs = chunking.sliceMs ?? options.durationMs;
  if (!(sliceMs > 0)) throw new InputError('sliceMs', `${sliceMs} ms must be > 0`);
  const perCurrent = options.neuronsPerCurrent ?? 1;
  const seconds = (options.durationMs - options.discardMs) / 1000;
  // Validate everything (model, overrides, noise, sizes) before the first chunk runs.
  if (total === 0) throw new InputError('currents', 'the sweep needs at least one current');
  const scenarios: ValidScenario[] = [];
  for (let start = 0; start < total; start += pointsPerChunk) {
    const seed = options.seed ?? 1;
    scenarios.push(validateScenario(fiScenario({ ...options, currents: options.currents.slice(start, start + pointsPerChunk), seed: start === 0 ? seed : (seed + start * 7919) % 2 ** 32 })));
  }
  const ratesHz = new Float64Array(total);
  const semHz = new Float64Array(total);
  const steps = scenarios.length * Math.ceil(options.durationMs / sliceMs);
  let done = 0;
  for (let c = 0; c < scenarios.length; c++) {
    const sim = new Simulation(scenarios[c]);
    while (!sim.done) {
      sim.advance(sliceMs);
      done++;
      if (!sim.done) yield { kind: 'progress', fraction: Math.min(done / steps, 1) };
    }
    const start = c * pointsPerChunk;
    const group = groupRates(sim.windowCounts()[0].counts, perCurrent, seconds);
    ratesHz.set(group.ratesHz, start);
    semHz.set(group.semHz, start);
    done = (c + 1) * Math.ceil(options.durationMs / sliceMs);
    yield { kind: 'points', fraction: done / steps, startIndex: start, currents: Float64Array.from(options.currents.slice(start, start + pointsPerChunk)), ratesHz: group.ratesHz, semHz: group.semHz };
  }
  return { currents: Float64Array.from(options.currents), ratesHz, semHz, unit: scenarios[0].populations[0].model.file.input.unit };
}

/**
 * The whole sweep at once. With noise, in the page's chunks (the same draws, the same numbers);
 * without, in one run, which gives the same numbers (each neuron is on its own) without building
 * ten populations (ten HH rate tables).
 */
export function fiSweep(options: FiSweepOptions): FiCurve {
  const noisy = (options.noiseSigmaMV ?? 0) > 0;
  const steps = fiSweepSteps(options, noisy ? {} : { pointsPerChunk: options.currents.length });
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}
