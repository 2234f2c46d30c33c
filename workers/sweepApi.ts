// The object the sweep worker exposes through comlink: a thin adapter over src/bridge that runs
// an f-I sweep of one model, streams its points as chunks of currents finish, reports progress
// with an estimate of the time left, can be cancelled, and ends with the fits, the theory curve
// and the sentence (compareFiCurve). It has a worker of its own so the live simulation keeps
// running while a sweep computes.
//
// Why a pushed callback here when the simulation worker is pulled: a sweep sends about ten
// messages of ~100 numbers each and then stops, so there is nothing to apply back-pressure to;
// a push shows each point the moment it exists. Why work in turns of TURN_BUDGET_MS: between
// turns the worker's event loop runs, so a cancel() (or a new start) is heard mid-sweep.
//
// No neuron logic lives here. Kept apart from the worker entry (sweep.worker.ts only calls
// `expose`) so it can be tested in one process over a MessageChannel.
import { releaseProxy } from 'comlink';
import { InputError } from '../src/core/errors.js';
import { builtinModel } from '../src/core/model/builtinModels.js';
import { loadModel, METHODS, resolveParameters, type LoadedModel, type MethodName } from '../src/core/model/loadModel.js';
import type { ModelFile } from '../src/core/model/modelFile.js';
import { currentRange, fiSweepSteps, type FiCurve, type FiSweepEvent } from '../src/bridge/fiSweep.js';
import { compareFiCurve, sweepDefaults, type SweepDefaults } from '../src/bridge/fiComparison.js';
import type { FitResult } from '../src/bridge/fit.js';
import type { Explanation } from '../src/bridge/explain.js';

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

export interface SweepRequest {
  /** A model id of models/ (e.g. "lif") or a whole model file. */
  model: string | ModelFile;
  /** Parameter values in force (the page's current ones); missing ones take the file's defaults. */
  parameters?: Record<string, number>;
  noise?: SweepNoise;
  /** Input currents, in the model's input unit; default: sweepDefaults for the model. */
  range?: SweepRange;
  neuronsPerCurrent?: number;
  durationMs?: number;
  discardMs?: number;
  dtMs?: number;
  method?: MethodName;
  seed?: number;
}

/** What will run, as the worker resolved it (defaults filled in). */
export interface SweepPlan {
  sweep: number;
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
}

export interface SweepError {
  field: string;
  message: string;
}

export type StartResult = { ok: true; plan: SweepPlan } | { ok: false; error: SweepError };

export interface SweepResult {
  unit: string;
  currents: Float64Array;
  ratesHz: Float64Array;
  semHz: Float64Array;
  /** Analytic LIF or Siegert rate per current (LIF with no or white noise), else null. */
  theoryHz: Float64Array | null;
  /** Best (lowest RMSE) first. */
  fits: FitResult[];
  explanation: Explanation;
  /** Wall time of the sweep and the fits. */
  elapsedMs: number;
}

export type SweepUpdate =
  | { sweep: number; kind: 'progress'; fraction: number; remainingMs: number | null }
  | { sweep: number; kind: 'points'; fraction: number; remainingMs: number | null; startIndex: number; currents: Float64Array; ratesHz: Float64Array; semHz: Float64Array }
  | { sweep: number; kind: 'fitting'; fraction: 1 }
  | { sweep: number; kind: 'done'; fraction: 1; result: SweepResult }
  | { sweep: number; kind: 'cancelled' }
  | { sweep: number; kind: 'failed'; error: { name: string; message: string } };

export interface SweepApi {
  /**
   * Check the request and start the sweep (cancelling one that runs); updates arrive through
   * `onUpdate` (a comlink proxy). A bad field is returned, not thrown, and nothing starts.
   */
  start(request: SweepRequest, onUpdate: (update: SweepUpdate) => void): StartResult;
  /** Stop the running sweep; true if one was running. Its last update is { kind: 'cancelled' }. */
  cancel(): boolean;
  /** What the panel needs before a sweep: the model's input, whether noise applies, its default sweep (or why none). */
  describe(model: string | ModelFile, parameters: Record<string, number>, noiseSigmaMV: number): DescribeResult;
}

export type DescribeResult =
  | { ok: true; modelName: string; inputSymbol: string; unit: string; noiseAllowed: boolean; defaults: SweepDefaults | null; noDefaults: string | null }
  | { ok: false; error: SweepError };

/** Wall time one turn of work may take before the worker lets messages (cancel) in. */
const TURN_BUDGET_MS = 25;
/** Points a page sweep may have (the plot and the fits are made for about 100). */
export const MAX_POINTS = 400;
/** Neurons in one sweep: bounds memory and time (a noisy LIF sweep of 100 x 20 takes ~0.3 s). */
const MAX_NEURONS = 20000;
/** About this many chunks, so points appear in about ten groups. */
const CHUNKS = 10;
/** About this many progress reports per chunk. */
const SLICES = 10;

/**
 * Time left, extrapolated from the time spent so far: null until there is enough to go on (the
 * first few per cent or 100 ms say little: the first chunk also compiles the model's kernel).
 */
export function remainingMs(elapsedMs: number, fraction: number): number | null {
  if (!(fraction >= 0.03) || !(elapsedMs >= 100) || fraction >= 1) return fraction >= 1 ? 0 : null;
  return (elapsedMs * (1 - fraction)) / fraction;
}

/** Field names of the bridge (written for the command line) as this request spells them. */
const FIELDS: Record<string, string> = {
  '--model': 'model',
  '--set': 'parameters',
  '--noise-sigma': 'noise.sigmaMV',
  '--noise-tau': 'noise.tauMs',
  '--discard': 'discardMs',
  '--neurons': 'neuronsPerCurrent',
  '--from': 'range.fromInput',
  '--to': 'range.toInput',
  '--step': 'range.step',
};

function asSweepError(err: unknown): SweepError {
  if (!(err instanceof InputError)) throw err;
  const prefix = Object.keys(FIELDS).find((flag) => err.field === flag || err.field.startsWith(`${flag}.`));
  if (!prefix) return { field: err.field, message: err.message };
  const field = FIELDS[prefix] + err.field.slice(prefix.length);
  const message = err.message.startsWith(`${err.field}: `) ? `${field}: ${err.message.slice(err.field.length + 2)}` : err.message;
  return { field, message };
}

function finite(field: string, value: unknown, unit: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new InputError(field, `must be a number in ${unit}, got ${JSON.stringify(value) ?? String(value)}`);
  if (value < min || value > max) throw new InputError(field, `${value} ${unit} is outside the allowed range [${min}, ${max}] ${unit}`);
  return value;
}

function resolveModel(model: unknown): LoadedModel {
  if (typeof model === 'string') return builtinModel(model, 'model');
  if (typeof model === 'object' && model !== null) return loadModel(model, 'model');
  throw new InputError('model', `must be a model id or a model file, got ${JSON.stringify(model) ?? String(model)}`);
}

/** Defaults exist per built-in model id; a model file uses them only if it is that very model. */
function defaultsFor(model: string | ModelFile, loaded: LoadedModel, parameters: Record<string, number>, sigmaMV: number): SweepDefaults {
  const id = typeof model === 'string' ? model : loaded.id;
  try {
    return sweepDefaults(id, parameters, sigmaMV);
  } catch (err) {
    if (err instanceof InputError && err.field === '--model') {
      throw new InputError('range', `${loaded.file.name} (${id}) has no default sweep; give range.fromInput, range.toInput and range.step in ${loaded.file.input.unit}`);
    }
    throw err;
  }
}

interface Plan extends SweepPlan {
  method?: MethodName;
  seed: number;
  parameters: Record<string, number>;
  /** The id compareFiCurve knows the model by (theory, the sentence's name), or a file's own. */
  comparisonId: string;
}

function plan(sweep: number, request: SweepRequest): Plan {
  if (typeof request !== 'object' || request === null) throw new InputError('request', 'must be an object');
  const loaded = resolveModel(request.model);
  const parameters = request.parameters ?? {};
  if (typeof parameters !== 'object' || parameters === null || Array.isArray(parameters)) throw new InputError('parameters', 'must be an object of name: value');
  resolveParameters(loaded, parameters, 'parameters'); // names, ranges and constraints, before anything runs
  const noise: SweepNoise = { type: request.noise?.type ?? 'white', sigmaMV: request.noise?.sigmaMV ?? 0, tauMs: request.noise?.tauMs };
  if (noise.type !== 'white' && noise.type !== 'ou') throw new InputError('noise.type', `${JSON.stringify(noise.type)} is not a noise type; choose "white" or "ou"`);
  finite('noise.sigmaMV', noise.sigmaMV, 'mV', 0, 50);
  if (noise.type === 'ou') noise.tauMs = finite('noise.tauMs', noise.tauMs ?? 5, 'ms', 0.1, 1000);
  if (noise.sigmaMV > 0 && !loaded.noise) {
    throw new InputError('noise.sigmaMV', `${noise.sigmaMV} mV: ${loaded.file.name} does not say how voltage noise enters it (its file has no "noise" section), so only 0 is allowed`);
  }
  let defaults: SweepDefaults | null;
  try {
    defaults = defaultsFor(request.model, loaded, parameters, noise.sigmaMV);
  } catch (err) {
    // A model without a default sweep runs over the range given, for a generic 1 s after 0.1 s
    // with dt 0.05 ms (fine enough for HH-type gates, if slow), unless these are given too.
    if (!(err instanceof InputError) || err.field !== 'range' || !request.range) throw err;
    defaults = { ...request.range, durationMs: 1100, discardMs: 100, dtMs: 0.05, neuronsPerCurrent: noise.sigmaMV > 0 ? 10 : 1 };
  }
  const range = request.range ?? { fromInput: defaults.fromInput, toInput: defaults.toInput, step: defaults.step };
  finite('range.fromInput', range.fromInput, loaded.file.input.unit, -1e6, 1e6);
  finite('range.toInput', range.toInput, loaded.file.input.unit, -1e6, 1e6);
  finite('range.step', range.step, loaded.file.input.unit, 1e-9, 1e6);
  if (range.toInput <= range.fromInput) throw new InputError('range.toInput', `${range.toInput} ${loaded.file.input.unit} must lie above range.fromInput (${range.fromInput})`);
  const count = Math.floor((range.toInput - range.fromInput) / range.step + 1e-9) + 1;
  if (count < 6 || count > MAX_POINTS) {
    throw new InputError('range.step', `${range.step} ${loaded.file.input.unit} gives ${count} currents from ${range.fromInput} to ${range.toInput}; 6 to ${MAX_POINTS} are allowed (6 for the fits)`);
  }
  const currents = currentRange(range.fromInput, range.toInput, range.step);
  const neuronsPerCurrent = request.neuronsPerCurrent ?? defaults.neuronsPerCurrent;
  if (!Number.isInteger(neuronsPerCurrent) || neuronsPerCurrent < 1 || neuronsPerCurrent * currents.length > MAX_NEURONS) {
    throw new InputError('neuronsPerCurrent', `${neuronsPerCurrent} must be a whole number from 1 to ${Math.floor(MAX_NEURONS / currents.length)} for ${currents.length} currents (at most ${MAX_NEURONS} neurons in a sweep)`);
  }
  const durationMs = finite('durationMs', request.durationMs ?? defaults.durationMs, 'ms', 10, 20000);
  const discardMs = finite('discardMs', request.discardMs ?? defaults.discardMs, 'ms', 0, durationMs - 10);
  const dtMs = finite('dtMs', request.dtMs ?? defaults.dtMs, 'ms', 0.001, 1);
  if (request.method !== undefined && !(METHODS as readonly string[]).includes(request.method)) {
    throw new InputError('method', `${JSON.stringify(request.method)} is not a method; choose one of ${METHODS.join(', ')}`);
  }
  const seed = request.seed ?? 1;
  if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) throw new InputError('seed', `${seed} must be a whole number from 0 to 2^32 - 1`);
  return {
    sweep,
    modelId: loaded.id,
    modelName: loaded.file.name,
    inputSymbol: loaded.inputSymbol,
    unit: loaded.file.input.unit,
    currents,
    neuronsPerCurrent,
    durationMs,
    discardMs,
    dtMs,
    noise,
    noiseAllowed: loaded.noise !== null,
    method: request.method,
    seed,
    parameters,
    // A model file's theory would need its own derivation: only the built-in id gets LIF theory.
    comparisonId: typeof request.model === 'string' ? request.model : `file:${loaded.id}`,
  };
}

export function createSweepApi(now: () => number = () => performance.now()): SweepApi {
  let sweeps = 0;
  /** The running sweep, if any: its generator, its callback, and when it started. */
  let running: { sweep: number; steps: Generator<FiSweepEvent, FiCurve, void>; onUpdate: (u: SweepUpdate) => void; startedAt: number; plan: Plan; timer: ReturnType<typeof setTimeout> | null } | null = null;

  const send = (onUpdate: (u: SweepUpdate) => void, update: SweepUpdate) => {
    // A page that went away (or a broken proxy) must not take the worker down with it.
    Promise.resolve(onUpdate(update)).catch(() => undefined);
    // After a sweep's last word, let its callback's channel go (it is a comlink proxy; messages
    // on one port arrive in order, so the update is delivered first).
    if (update.kind === 'done' || update.kind === 'cancelled' || update.kind === 'failed') {
      Promise.resolve((onUpdate as { [releaseProxy]?: () => void })[releaseProxy]?.()).catch(() => undefined);
    }
  };

  const stop = (): boolean => {
    if (!running) return false;
    const r = running;
    running = null;
    if (r.timer !== null) clearTimeout(r.timer);
    r.steps.return(undefined as never);
    send(r.onUpdate, { sweep: r.sweep, kind: 'cancelled' });
    return true;
  };

  const turn = () => {
    const r = running;
    if (!r) return;
    r.timer = null;
    const turnStart = now();
    let progress: number | null = null;
    try {
      for (;;) {
        const next = r.steps.next();
        if (running !== r) return;
        if (next.done) {
          send(r.onUpdate, { sweep: r.sweep, kind: 'fitting', fraction: 1 });
          const p = r.plan;
          const comparison = compareFiCurve(next.value, { modelId: p.comparisonId, parameters: p.parameters, noiseSigmaMV: p.noise.sigmaMV, noiseTauMs: p.noise.type === 'ou' ? p.noise.tauMs : 0, dtMs: p.dtMs });
          running = null;
          send(r.onUpdate, {
            sweep: r.sweep,
            kind: 'done',
            fraction: 1,
            result: { unit: next.value.unit, currents: next.value.currents, ratesHz: next.value.ratesHz, semHz: next.value.semHz, ...comparison, elapsedMs: now() - r.startedAt },
          });
          return;
        }
        const event = next.value;
        const left = remainingMs(now() - r.startedAt, event.fraction);
        if (event.kind === 'points') {
          progress = null;
          send(r.onUpdate, { sweep: r.sweep, kind: 'points', fraction: event.fraction, remainingMs: left, startIndex: event.startIndex, currents: event.currents, ratesHz: event.ratesHz, semHz: event.semHz });
        } else progress = event.fraction;
        if (now() - turnStart >= TURN_BUDGET_MS) break;
      }
      // One progress report per turn is enough for a bar (no flood of messages).
      if (progress !== null) send(r.onUpdate, { sweep: r.sweep, kind: 'progress', fraction: progress, remainingMs: remainingMs(now() - r.startedAt, progress) });
      r.timer = setTimeout(turn, 0);
    } catch (err) {
      if (running === r) running = null;
      const e = err as { name?: string; message?: string };
      send(r.onUpdate, { sweep: r.sweep, kind: 'failed', error: { name: e?.name ?? 'Error', message: e?.message ?? String(err) } });
    }
  };

  return {
    start(request, onUpdate) {
      let p: Plan;
      let steps: Generator<FiSweepEvent, FiCurve, void>;
      const sweep = ++sweeps;
      try {
        p = plan(sweep, request);
        const perChunk = Math.ceil(p.currents.length / CHUNKS);
        steps = fiSweepSteps(
          {
            model: request.model,
            currents: p.currents,
            durationMs: p.durationMs,
            discardMs: p.discardMs,
            dtMs: p.dtMs,
            method: p.method,
            parameters: p.parameters,
            noiseSigmaMV: p.noise.sigmaMV,
            noiseTauMs: p.noise.type === 'ou' ? p.noise.tauMs : 0,
            seed: p.seed,
            neuronsPerCurrent: p.neuronsPerCurrent,
          },
          { pointsPerChunk: perChunk, sliceMs: p.durationMs / SLICES },
        );
      } catch (err) {
        return { ok: false, error: asSweepError(err) };
      }
      stop();
      running = { sweep, steps, onUpdate, startedAt: now(), plan: p, timer: setTimeout(turn, 0) };
      const { method: _m, seed: _s, parameters: _p, comparisonId: _c, ...visible } = p;
      return { ok: true, plan: visible };
    },
    cancel: stop,
    describe(model, parameters, noiseSigmaMV) {
      try {
        const loaded = resolveModel(model);
        resolveParameters(loaded, parameters, 'parameters');
        const about = { modelName: loaded.file.name, inputSymbol: loaded.inputSymbol, unit: loaded.file.input.unit, noiseAllowed: loaded.noise !== null };
        try {
          return { ok: true, ...about, defaults: defaultsFor(model, loaded, parameters, noiseSigmaMV), noDefaults: null };
        } catch (err) {
          if (!(err instanceof InputError) || err.field !== 'range') throw err;
          return { ok: true, ...about, defaults: null, noDefaults: err.message };
        }
      } catch (err) {
        return { ok: false, error: asSweepError(err) };
      }
    },
  };
}
