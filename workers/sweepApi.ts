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
import { populationTransferSteps, type DriveKind } from '../src/bridge/populationTransfer.js';
import { fitActivations } from '../src/bridge/fit.js';
import { validateScenario } from '../src/scenario/scenario.js';
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
  | { sweep: number; kind: 'points'; fraction: number; remainingMs: number | null; startIndex: number; currents: Float64Array; ratesHz: Float64Array; semHz: Float64Array; populations?: PopulationRate[] }
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
  /**
   * The population transfer function of a network scenario: its mean rate (and each population's)
   * against the external drive, one network run per point; updates as for start(). Cancel takes
   * effect between runs (a run of a 4,000-neuron network takes 0.1-2 s).
   */
  startTransfer(request: TransferRequest, onUpdate: (update: SweepUpdate) => void): StartResult;
  /** Stop the running sweep; true if one was running. Its last update is { kind: 'cancelled' }. */
  cancel(): boolean;
  /** What the panel needs before a sweep: the model's input, whether noise applies, its default sweep (or why none). */
  describe(model: string | ModelFile, parameters: Record<string, number>, noiseSigmaMV: number): DescribeResult;
}

export interface PopulationRate {
  population: string;
  rateHz: number;
}

export interface TransferRequest {
  /** A network scenario as the page has it (validated here). */
  scenario: unknown;
  /** The rate of every Poisson input (Hz), or a constant current added to every neuron. */
  drive: DriveKind;
  /** Drive values; default: 0 to twice the scenario's Poisson rate, or the first population's neuron's default sweep, 11 points. */
  range?: SweepRange;
  /** Rates count spikes after this; default: the scenario's rate window, or 20 % of the run. */
  discardMs?: number;
}

/** Runs of a network the transfer function may take (each is a whole simulation). */
export const MAX_TRANSFER_POINTS = 40;

export type DescribeResult =
  | { ok: true; modelName: string; inputSymbol: string; unit: string; noiseAllowed: boolean; defaults: SweepDefaults | null; noDefaults: string | null }
  | { ok: false; error: SweepError };

/** Wall time one turn of work may take before the worker lets messages (cancel) in. */
const TURN_BUDGET_MS = 25;
/** Points a page sweep may have (the plot and the fits are made for about 100). */
export const MAX_POINTS = 400;
/** Neurons in one sweep: bounds memory and time (a noisy LIF sweep of 100 x 20 takes ~0.3 s). */
const MAX_NEURONS = 20000;
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

/** Events of a running job: a sweep's, or a transfer function's (with each population's rate). */
type JobEvent = FiSweepEvent | (Extract<FiSweepEvent, { kind: 'points' }> & { populations: PopulationRate[] });

/** What runs: its steps, what to make of the finished curve, and who hears of it. */
interface Job {
  sweep: number;
  steps: Generator<JobEvent, FiCurve, void>;
  finish(curve: FiCurve): { fits: FitResult[]; theoryHz: Float64Array | null; explanation: Explanation };
  onUpdate: (u: SweepUpdate) => void;
  startedAt: number;
  timer: ReturnType<typeof setTimeout> | null;
}

/** Points of a transfer function when none are given (a run of a network each). */
const TRANSFER_POINTS = 11;

function transferPlan(sweep: number, request: TransferRequest): { plan: SweepPlan; scenarioName: string } {
  if (typeof request !== 'object' || request === null) throw new InputError('request', 'must be an object');
  const valid = validateScenario(request.scenario);
  const scenario = valid.scenario;
  const drive = request.drive;
  if (drive !== 'poissonRateHz' && drive !== 'current') throw new InputError('drive', `${JSON.stringify(drive)} is not a drive; choose "poissonRateHz" or "current"`);
  const first = valid.populations[0];
  const unit = drive === 'poissonRateHz' ? 'Hz' : first.model.file.input.unit;
  let range = request.range;
  if (!range) {
    if (drive === 'poissonRateHz') {
      const rates = scenario.stimuli.flatMap((st) => (st.type === 'poissonInput' || st.type === 'poisson' ? [st.rateHz].flat() : [])) as number[];
      if (rates.length === 0) throw new InputError('drive', `scenario ${JSON.stringify(scenario.name ?? '')} has no Poisson input whose rate could be the drive; use drive "current"`);
      // From silence to twice the scenario's own drive, so its working point sits mid-curve.
      const step = Number(((2 * Math.max(...rates, 1)) / (TRANSFER_POINTS - 1)).toPrecision(2));
      range = { fromInput: 0, toInput: step * (TRANSFER_POINTS - 1), step };
    } else {
      const id = first.spec.model;
      if (typeof id !== 'string') throw new InputError('range', `a network of an inline model has no default drive; give range.fromInput, range.toInput and range.step in ${unit}`);
      const d = defaultsFor(id, first.model, {}, 0);
      const step = Number(((d.toInput - d.fromInput) / (TRANSFER_POINTS - 1)).toPrecision(2));
      range = { fromInput: d.fromInput, toInput: Number((d.fromInput + step * (TRANSFER_POINTS - 1)).toPrecision(6)), step };
    }
  }
  finite('range.fromInput', range.fromInput, unit, drive === 'poissonRateHz' ? 0 : -1e6, 1e6);
  finite('range.toInput', range.toInput, unit, -1e6, 1e6);
  finite('range.step', range.step, unit, 1e-9, 1e6);
  if (range.toInput <= range.fromInput) throw new InputError('range.toInput', `${range.toInput} ${unit} must lie above range.fromInput (${range.fromInput})`);
  const count = Math.floor((range.toInput - range.fromInput) / range.step + 1e-9) + 1;
  if (count < 6 || count > MAX_TRANSFER_POINTS) {
    throw new InputError('range.step', `${range.step} ${unit} gives ${count} drive values from ${range.fromInput} to ${range.toInput}; 6 to ${MAX_TRANSFER_POINTS} are allowed (6 for the fits; each is a run of the whole network)`);
  }
  if (request.discardMs !== undefined) finite('discardMs', request.discardMs, 'ms', 0, scenario.durationMs - 1);
  const currents = currentRange(range.fromInput, range.toInput, range.step);
  const name = scenario.name ?? 'the network';
  return {
    scenarioName: name,
    plan: {
      sweep,
      modelId: 'network',
      modelName: name,
      inputSymbol: drive === 'poissonRateHz' ? 'ν_ext' : first.model.inputSymbol,
      unit,
      currents,
      neuronsPerCurrent: valid.populations.reduce((n, p) => n + p.spec.size, 0),
      durationMs: scenario.durationMs,
      discardMs: request.discardMs ?? scenario.record.rateWindowMs?.[0] ?? 0.2 * scenario.durationMs,
      dtMs: scenario.dtMs,
      noise: { type: 'white', sigmaMV: 0 },
      noiseAllowed: false,
    },
  };
}

/** The transfer function's runs as a sweep's events: one point (and each population's rate) per run. */
function* transferSteps(request: TransferRequest, values: number[], unit: string): Generator<JobEvent, FiCurve, void> {
  const steps = populationTransferSteps({ scenario: request.scenario, drive: request.drive, values, discardMs: request.discardMs });
  const ratesHz = new Float64Array(values.length);
  try {
    for (;;) {
      const next = steps.next();
      if (next.done) break;
      const { index, fraction, point } = next.value;
      ratesHz[index] = point.meanRateHz;
      yield { kind: 'points', fraction, startIndex: index, currents: Float64Array.of(point.drive), ratesHz: Float64Array.of(point.meanRateHz), semHz: Float64Array.of(0), populations: point.ratesHz };
    }
  } finally {
    steps.return(undefined as never); // a cancel (return()) here stops the runs there too
  }
  return { currents: Float64Array.from(values), ratesHz, semHz: new Float64Array(values.length), unit };
}

/** Fits of the network's mean rate, and a sentence: the range it spans and which function is closest. */
function transferComparison(curve: FiCurve, scenarioName: string): { fits: FitResult[]; theoryHz: null; explanation: Explanation } {
  const fits = fitActivations(curve.currents, curve.ratesHz);
  const rates = Array.from(curve.ratesHz);
  const n = rates.length;
  const round = (x: number) => Number(x.toPrecision(2));
  const at = (k: number) => `${curve.currents[k]} ${curve.unit}`;
  if (rates.every((r) => r <= 1)) {
    return { fits, theoryHz: null, explanation: { kind: 'silent', text: `${scenarioName} stays (nearly) silent from ${at(0)} to ${at(n - 1)} of drive; raise the drive to see it respond.` } };
  }
  const best = fits[0];
  const first = rates.findIndex((r) => r > 1);
  const start = first > 0 ? `is silent up to ${at(first - 1)}, then its mean rate rises` : `already fires at ${round(rates[0])} Hz at ${at(0)}; its mean rate rises`;
  return {
    fits,
    theoryHz: null,
    explanation: { kind: 'typeI', text: `${scenarioName} ${start} to ${round(rates[n - 1])} Hz at ${at(n - 1)} (one run of the whole network per point). ${best.name} fits the mean rate best (RMSE ${round(best.rmseHz)} Hz${Number.isNaN(best.rSquared) ? '' : `, R^2 ${best.rSquared.toFixed(3)}`}).` } };
}

export function createSweepApi(now: () => number = () => performance.now()): SweepApi {
  let sweeps = 0;
  /** The running sweep, if any: its generator, its callback, and when it started. */
  let running: Job | null = null;

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
          const comparison = r.finish(next.value);
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
          send(r.onUpdate, { sweep: r.sweep, kind: 'points', fraction: event.fraction, remainingMs: left, startIndex: event.startIndex, currents: event.currents, ratesHz: event.ratesHz, semHz: event.semHz, ...('populations' in event ? { populations: event.populations } : {}) });
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
          // the default chunks (SWEEP_CHUNKS), as the CLI's: the same noisy curve in both
          { sliceMs: p.durationMs / SLICES },
        );
      } catch (err) {
        return { ok: false, error: asSweepError(err) };
      }
      stop();
      const finish = (curve: FiCurve) => compareFiCurve(curve, { modelId: p.comparisonId, parameters: p.parameters, noiseSigmaMV: p.noise.sigmaMV, noiseTauMs: p.noise.type === 'ou' ? p.noise.tauMs : 0, dtMs: p.dtMs });
      running = { sweep, steps, onUpdate, startedAt: now(), finish, timer: setTimeout(turn, 0) };
      const { method: _m, seed: _s, parameters: _p, comparisonId: _c, ...visible } = p;
      return { ok: true, plan: visible };
    },
    startTransfer(request, onUpdate) {
      const sweep = ++sweeps;
      let t: ReturnType<typeof transferPlan>;
      try {
        t = transferPlan(sweep, request);
      } catch (err) {
        return { ok: false, error: asSweepError(err) };
      }
      stop();
      const steps = transferSteps(request, t.plan.currents, t.plan.unit);
      running = { sweep, steps, onUpdate, startedAt: now(), finish: (curve) => transferComparison(curve, t.scenarioName), timer: setTimeout(turn, 0) };
      return { ok: true, plan: t.plan };
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
