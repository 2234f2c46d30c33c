// The object the sweep worker exposes through comlink: an adapter over src/bridge. A request is
// checked and resolved by the bridge's planners (planFiSweep, planTransfer; their errors already
// name the request's fields); this file only runs the planned steps in turns, streams their
// points, reports progress with an estimate of the time left, cancels, and ends with the bridge's
// comparison (fits, theory, sentence). It has a worker of its own so the live simulation keeps
// running while a sweep computes.
//
// A pushed callback, where the simulation worker is pulled: a sweep sends about ten messages of
// ~100 numbers and stops, so there is nothing to apply back-pressure to. Work goes in turns of
// TURN_BUDGET_MS so a cancel() (or a new start) is heard between them. Apart from the worker
// entry (sweep.worker.ts only calls `expose`), so it is tested in one process over a MessageChannel.
import { releaseProxy } from 'comlink';
import { InputError } from '../src/core/errors.js';
import type { ModelFile } from '../src/core/model/modelFile.js';
import { fiSweepSteps, type FiCurve, type FiSweepEvent } from '../src/bridge/fiSweep.js';
import { compareFiCurve, comparisonContext } from '../src/bridge/fiComparison.js';
import { describeFiSweep, planFiSweep, PAGE_BUDGET, type FiSweepDescription, type FiSweepPlan, type FiSweepRequest } from '../src/bridge/fiPlan.js';
import { planTransfer, transferComparison, transferSweepSteps, type PopulationRate, type TransferRequest, type TransferSweepEvent } from '../src/bridge/transferPlan.js';
import type { FitEquivalent, FitResult } from '../src/bridge/fit.js';
import type { Rheobase } from '../src/bridge/rheobase.js';
import type { Explanation } from '../src/bridge/explain.js';

export type { NoiseType, SweepNoise, SweepRange } from '../src/bridge/fiPlan.js';
export type { PopulationRate, TransferRequest } from '../src/bridge/transferPlan.js';
export type SweepRequest = FiSweepRequest;

/** What will run, as the planner resolved it (defaults filled in), numbered. */
export type SweepPlan = { sweep: number } & Pick<FiSweepPlan, 'modelId' | 'modelName' | 'inputSymbol' | 'unit' | 'currents' | 'neuronsPerCurrent' | 'durationMs' | 'discardMs' | 'dtMs' | 'noise' | 'noiseAllowed'>;

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
  /** Analytic LIF or Siegert rate per current (LIF equations with no or white noise), else null. */
  theoryHz: Float64Array | null;
  /** Best (lowest RMSE) first. */
  fits: FitResult[];
  /** tanh and leaky ReLU, each said as the ranked fit it equals on a rate axis. */
  equivalents: FitEquivalent[];
  /** The neuron's computed rheobase; null for a network's transfer function. */
  rheobase: Rheobase | null;
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

export type DescribeResult = ({ ok: true } & FiSweepDescription) | { ok: false; error: SweepError };

export interface SweepApi {
  /** Check the request and start the sweep (cancelling one that runs); updates arrive through `onUpdate` (a comlink proxy). A bad field is returned, not thrown, and nothing starts. */
  start(request: SweepRequest, onUpdate: (update: SweepUpdate) => void): StartResult;
  /** The population transfer function of a network scenario, one network run per point; updates as for start(). Cancel takes effect between runs. */
  startTransfer(request: TransferRequest, onUpdate: (update: SweepUpdate) => void): StartResult;
  /** Stop the running sweep; true if one was running. Its last update is { kind: 'cancelled' }. */
  cancel(): boolean;
  /** What the panel needs before a sweep: the model's input, whether noise applies, its default sweep (or why none). */
  describe(model: string | ModelFile, parameters: Record<string, number>, noiseSigmaMV: number): DescribeResult;
}

/** Wall time one turn of work may take before the worker lets messages (cancel) in. */
const TURN_BUDGET_MS = 25;
/** About this many progress reports per chunk. */
const SLICES = 10;

/** Time left, extrapolated from the time spent so far: null until there is enough to go on (the first chunk also compiles the model's kernel). */
export function remainingMs(elapsedMs: number, fraction: number): number | null {
  if (!(fraction >= 0.03) || !(elapsedMs >= 100) || fraction >= 1) return fraction >= 1 ? 0 : null;
  return (elapsedMs * (1 - fraction)) / fraction;
}

/** A refused request, as data; anything but an InputError is a fault of ours and is thrown. */
function refused(err: unknown): { ok: false; error: SweepError } {
  if (!(err instanceof InputError)) throw err;
  return { ok: false, error: { field: err.field, message: err.message } };
}

/** What runs: its steps, what to make of the finished curve, and who hears of it. */
interface Job {
  sweep: number;
  steps: Generator<FiSweepEvent | TransferSweepEvent, FiCurve, void>;
  finish(curve: FiCurve): Pick<SweepResult, 'fits' | 'equivalents' | 'rheobase' | 'theoryHz' | 'explanation'>;
  onUpdate: (u: SweepUpdate) => void;
  startedAt: number;
  timer: ReturnType<typeof setTimeout> | null;
}

export function createSweepApi(now: () => number = () => performance.now()): SweepApi {
  let sweeps = 0;
  let running: Job | null = null;

  const send = (onUpdate: (u: SweepUpdate) => void, update: SweepUpdate) => {
    // A page that went away (or a broken proxy) must not take the worker down with it.
    Promise.resolve(onUpdate(update)).catch(() => undefined);
    // After a sweep's last word, let its callback's channel go (messages on one port arrive in order, so the update is delivered first).
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
          const { unit, currents, ratesHz, semHz } = next.value;
          send(r.onUpdate, { sweep: r.sweep, kind: 'done', fraction: 1, result: { unit, currents, ratesHz, semHz, ...comparison, elapsedMs: now() - r.startedAt } });
          return;
        }
        const event = next.value;
        if (event.kind === 'points') {
          progress = null;
          send(r.onUpdate, { ...event, sweep: r.sweep, remainingMs: remainingMs(now() - r.startedAt, event.fraction) });
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

  const begin = (job: Omit<Job, 'startedAt' | 'timer'>) => {
    stop();
    running = { ...job, startedAt: now(), timer: setTimeout(turn, 0) };
  };

  return {
    start(request, onUpdate) {
      const sweep = ++sweeps;
      try {
        const p = planFiSweep(request, PAGE_BUDGET);
        // the default chunks (SWEEP_CHUNKS), as the CLI's: the same noisy curve in both
        const steps = fiSweepSteps(p.options, { sliceMs: p.durationMs / SLICES });
        const context = comparisonContext(p);
        begin({ sweep, steps, onUpdate, finish: (curve) => compareFiCurve(curve, context) });
        const { modelId, modelName, inputSymbol, unit, currents, neuronsPerCurrent, durationMs, discardMs, dtMs, noise, noiseAllowed } = p;
        return { ok: true, plan: { sweep, modelId, modelName, inputSymbol, unit, currents, neuronsPerCurrent, durationMs, discardMs, dtMs, noise, noiseAllowed } };
      } catch (err) {
        return refused(err);
      }
    },
    startTransfer(request, onUpdate) {
      const sweep = ++sweeps;
      try {
        const t = planTransfer(request);
        begin({ sweep, steps: transferSweepSteps(request, t), onUpdate, finish: (curve) => transferComparison(curve, t.scenarioName) });
        const plan: SweepPlan = { sweep, modelId: 'network', modelName: t.scenarioName, inputSymbol: t.inputSymbol, unit: t.unit, currents: t.values, neuronsPerCurrent: t.neurons, durationMs: t.durationMs, discardMs: t.discardMs, dtMs: t.dtMs, noise: { type: 'white', sigmaMV: 0 }, noiseAllowed: false };
        return { ok: true, plan };
      } catch (err) {
        return refused(err);
      }
    },
    cancel: stop,
    describe(model, parameters, noiseSigmaMV) {
      try {
        return { ok: true, ...describeFiSweep(model, parameters, noiseSigmaMV) };
      } catch (err) {
        return refused(err);
      }
    },
  };
}
