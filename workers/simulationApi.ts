// What the simulation worker exposes through comlink: an adapter around one Experiment
// (src/core/experiment.ts), which owns the run, the student's changes and the derived traces.
// Here are only comlink's concerns: plain data in and out, frames' buffers transferred; pacing
// (speed, chunks sized to a wall-time budget: pacer.ts); a short queue of drained frames; failures
// reported in the batch. Nothing about physics. The page pulls (take) rather than the worker
// pushing: the worker stops once QUEUE_LIMIT chunks wait untaken, so memory stays bounded and
// nothing is dropped, even in a background tab. Tested in one process over a MessageChannel.
import { transfer } from 'comlink';
import { InputError, SimulationError } from '../src/core/errors.js';
import { Experiment, mergeFrames, type Applied } from '../src/core/experiment.js';
import { createSimulation, MAX_THREADS, ThreadedSimulation, type ThreadHost } from '../src/core/parallel/threadedSimulation.js';
import { defaultThreads } from '../src/core/parallel/partition.js';
import type { ThreadMessage } from '../src/core/parallel/threadBody.js';
import type { Frame } from '../src/core/simulation.js';
import { validateScenario } from '../src/scenario/scenario.js';
import { WindowStatistics } from '../src/core/record/windowStats.js';

import { PAGE_LIMITS } from '../src/scenario/pageLimits.js';
import type { Batch, Change, ChangeResult, LoadError, LoadResult, NetworkScale, RunState, ScenarioSummary, SimulationApi } from './simulationProtocol.js';
import { Pacer } from './pacer.js';
import { spikesOfSubset } from '../src/core/arrays.js';

export type { ParameterRow, PopulationSummary, TraceSummary, StepSummary, ProjectionSummary, DriveSummary, PokeTarget } from '../src/core/experiment.js';
export type { WindowStats, PopulationWindowStats } from '../src/core/record/windowStats.js';
export type * from './simulationProtocol.js';

/** Chunks untaken before the worker waits for the page. */
const QUEUE_LIMIT = 6;
const MAX_SPEED = 1000;
/** The last window's statistics are computed again at most this often (wall ms): they cost a pass over its spikes. */
const WINDOW_STATS_EVERY_MS = 250;
/** ...and at most this share of the worker's time: a large network's window holds millions of spikes. */
const WINDOW_STATS_SHARE = 0.2;

/**
 * A network of more than `above` neurons sends the page the spikes of `neurons` of them (and of the
 * traced ones): a raster a few hundred pixels high cannot show more rows, and 100,000 neurons at
 * tens of Hz would otherwise send millions of spikes a second across to be drawn.
 */
export const RASTER_SAMPLE = { above: 20_000, neurons: 1000 } as const;
/**
 * The window statistics (rate, ISI CV, Fano factor, ISI histogram) of a network of more than
 * `above` neurons are those of `neurons` of them chosen the same way: a second's window of 100,000
 * neurons at 60 Hz holds six million spikes, and sorting their intervals four times a second would
 * leave the worker little time to simulate. Ten thousand neurons estimate each population's mean
 * rate, CV and Fano factor closely; the panel says which neurons they are over.
 */
export const STATISTICS_SAMPLE = { above: 20_000, neurons: 10_000 } as const;

/** `RASTER_SAMPLE.neurons` chosen evenly: each population its share, every (size / share)-th neuron from its first. */
export function rasterSample(populations: { offset: number; size: number }[], wanted: number = RASTER_SAMPLE.neurons, above: number = RASTER_SAMPLE.above): number[] | null {
  const total = populations.reduce((a, p) => a + p.size, 0);
  if (total <= above) return null;
  const sample: number[] = [];
  for (const p of populations) {
    const share = Math.min(p.size, Math.max(1, Math.round((wanted * p.size) / total)));
    for (let k = 0; k < share; k++) sample.push(p.offset + Math.floor((k * p.size) / share));
  }
  return sample;
}

/** The spikes of the neurons marked in `crossing` only (new arrays: the frame's own are not kept). */
function spikesOf(frame: Frame, crossing: Uint8Array): Frame {
  const { timeMs, neuron } = frame.spikes;
  let n = 0;
  for (let i = 0; i < neuron.length; i++) n += crossing[neuron[i]];
  const keptTimes = new Float64Array(n);
  const keptNeurons = new Int32Array(n);
  for (let i = 0, j = 0; i < neuron.length; i++) {
    if (crossing[neuron[i]] === 0) continue;
    keptTimes[j] = timeMs[i];
    keptNeurons[j++] = neuron[i];
  }
  return { ...frame, spikes: { timeMs: keptTimes, neuron: keptNeurons } };
}

/** Validation with the page's limits (its memory budget), for loads, changes and resets alike. */
const pageValidate = (raw: unknown) => validateScenario(raw, PAGE_LIMITS);

/** Threads the page can offer: the browser's cores, where workers may share memory (a cross-origin isolated page); else 1. */
function threadsAvailable(): number {
  const isolated = typeof SharedArrayBuffer !== 'undefined' && typeof Worker !== 'undefined' && (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  return isolated ? Math.max(1, Math.min(MAX_THREADS, navigator.hardwareConcurrency || 1)) : 1;
}

/** The core's threads as Web Workers, each running its thread body (simThread.worker.ts). */
function webThreadHost(): ThreadHost {
  return {
    async start(inits) {
      const workers = inits.map(() => new Worker(new URL('./simThread.worker.ts', import.meta.url), { type: 'module' }));
      const stop = () => workers.forEach((w) => w.terminate());
      try {
        await Promise.all(
          workers.map(
            (worker, k) =>
              new Promise<void>((resolve, reject) => {
                // Thread 0 is the simulation worker itself: these are threads 1, 2, ...
                worker.addEventListener('message', (event: MessageEvent<ThreadMessage>) => ('error' in event.data ? reject(new Error(`thread ${k + 1}: ${event.data.error}`)) : resolve()), { once: true });
                worker.addEventListener('error', (event) => reject(new Error(`thread ${k + 1} could not start: ${event.message}`)), { once: true });
                worker.postMessage(inits[k]);
              }),
          ),
        );
      } catch (err) {
        stop();
        throw err;
      }
      return { stop };
    },
  };
}

/** The reason alone ("voltage clamps run on one thread") out of the core's note "threads: 1 (voltage clamps run on one thread)". */
function reasonOf(note: string | null): string | null {
  return note === null ? null : note.replace(/^threads: \d+ \((.*)\)$/, '$1');
}

function refused(err: unknown): { ok: false; error: LoadError } {
  if (err instanceof InputError) return { ok: false, error: { kind: 'input', field: err.field, message: err.message } };
  throw err;
}

/** The buffers of a frame's typed arrays, each once (a buffer listed twice cannot be transferred). */
function buffersOf(frame: Frame): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const array of [frame.spikes.timeMs, frame.spikes.neuron, ...frame.traces.map((t) => t.values)]) {
    if (array.buffer instanceof ArrayBuffer && array.buffer.byteLength > 0) buffers.add(array.buffer);
  }
  return [...buffers];
}

export function createSimulationApi(): SimulationApi {
  let experiment: Experiment | null = null;
  let run = 0;
  let state: RunState = 'empty';
  let failure: { name: string; message: string } | null = null;
  let queue: Frame[] = [];
  const pacer = new Pacer();
  let timer: ReturnType<typeof setTimeout> | null = null;
  let waitingForTake = false;
  let statsWindowMs = 1000;
  let windowStats: WindowStatistics | null = null;
  let windowResult: ReturnType<WindowStatistics['result']> | null = null;
  let windowAt = -Infinity;
  /** Neurons whose spikes cross to the page (the raster's sample and the traced neurons), or null for all. */
  let crossing: Uint8Array | null = null;
  /** For a statistics sample: each neuron's index among the sample (-1: not in it), and the populations in those indices. */
  let statistics: { indexOf: Int32Array; populations: { name: string; offset: number; size: number }[] } | null = null;
  let windowEveryMs = WINDOW_STATS_EVERY_MS;
  const available = threadsAvailable();
  /**
   * Threads asked for, or null for the core's rule (every core where a step of the network costs
   * more than a barrier, else one: a small network runs faster on one thread). A change applies
   * when the scenario is built again.
   */
  let threadsAsked: number | null = null;
  /** The threads the loaded run was built for. */
  let threadsWanted = 1;
  /** Why the loaded run uses fewer threads than asked, or null. */
  let threadsNote: string | null = null;

  /** Threads the loaded run steps on now (a threaded run goes on on one thread after what threads cannot do). */
  function threadsUsed(exp: Experiment): number {
    const sim = exp.simulation;
    return sim instanceof ThreadedSimulation && sim.threaded ? sim.plan.threads : 1;
  }

  /** Validate and build a scenario on the threads asked for (as the core can split it); throws InputError. */
  async function build(rawScenario: unknown): Promise<Experiment> {
    const copy = structuredClone(rawScenario) as Record<string, unknown>;
    const valid = pageValidate(copy);
    const wanted = Math.min(threadsAsked ?? defaultThreads(valid, available, true), available);
    threadsWanted = wanted;
    let simulation: Awaited<ReturnType<typeof createSimulation>> | null = null;
    let failed: string | null = null;
    try {
      if (wanted > 1) simulation = await createSimulation(valid, { threads: wanted, host: webThreadHost(), cores: available, maxNetworkBytes: PAGE_LIMITS.maxNetworkBytes });
    } catch (err) {
      // Threads that could not start (a browser that refuses a worker, say): the run goes on on this one.
      if (err instanceof InputError) throw err;
      failed = `the threads could not start (${err instanceof Error ? err.message : String(err)})`;
    }
    const exp = new Experiment(valid, pageValidate, { raw: copy, ...(simulation ? { simulation: simulation.simulation } : {}) });
    threadsNote = failed ?? reasonOf(simulation?.note ?? null);
    return exp;
  }

  /** Why the run uses fewer threads than asked: the core's reason at the build, or what took a threaded run to one thread since. */
  function threadsNoteOf(exp: Experiment): string | null {
    const sim = exp.simulation;
    if (threadsNote) return threadsNote;
    return sim instanceof ThreadedSimulation && !sim.threaded ? sim.notes.join('; ') || null : null;
  }

  /** End the threads of a run being replaced. */
  function release(exp: Experiment | null): void {
    const sim = exp?.simulation;
    if (sim instanceof ThreadedSimulation) sim.dispose();
  }

  /** The spikes of the statistics sample, numbered within it. */
  function statisticsSpikes(frame: Frame): { timeMs: Float64Array; neuron: Int32Array } {
    return statistics ? spikesOfSubset(frame.spikes.timeMs, frame.spikes.neuron, statistics.indexOf) : frame.spikes;
  }

  /** The summary the page is given: the core's, with the network's scale. */
  function summaryOf(exp: Experiment): ScenarioSummary {
    const summary = exp.summary;
    const populations = exp.simulation.populations;
    const neurons = populations.reduce((a, p) => a + p.size, 0);
    const sample = rasterSample(populations);
    const statisticsSample = rasterSample(populations, STATISTICS_SAMPLE.neurons, STATISTICS_SAMPLE.above);
    statistics = null;
    if (statisticsSample) {
      const indexOf = new Int32Array(neurons).fill(-1);
      statisticsSample.forEach((n, k) => (indexOf[n] = k));
      let offset = 0;
      statistics = {
        indexOf,
        populations: populations.map((p) => {
          let size = 0;
          for (const n of statisticsSample) if (n >= p.offset && n < p.offset + p.size) size++;
          offset += size;
          return { name: p.name, offset: offset - size, size };
        }),
      };
    }
    const scale: NetworkScale = {
      neurons,
      synapses: exp.valid.estimate.synapses,
      estimatedBytes: exp.valid.estimate.bytes,
      limitBytes: PAGE_LIMITS.maxNetworkBytes,
      rasterSample: sample,
      statisticsNeurons: statisticsSample?.length ?? neurons,
      threads: { used: threadsUsed(exp), wanted: threadsWanted, auto: threadsAsked === null, available, note: threadsNoteOf(exp) },
    };
    crossing = null;
    if (sample) {
      crossing = new Uint8Array(neurons);
      for (const n of sample) crossing[n] = 1;
      for (const t of summary.traces) {
        const pop = populations.find((p) => p.name === t.population);
        if (pop && t.neuron < pop.size) crossing[pop.offset + t.neuron] = 1;
      }
    }
    return { ...summary, scale };
  }

  const loaded = (): Experiment => {
    if (!experiment) throw new Error('no scenario is loaded: call load(scenario) first');
    return experiment;
  };

  /** Advance by `ms`, then drain into the queue (up to a failure, whose records end at its step). */
  function advanceBy(ms: number): void {
    const exp = loaded();
    try {
      exp.advance(ms);
    } catch (err) {
      state = 'failed';
      failure = err instanceof Error ? { name: err.name, message: err.message } : { name: 'Error', message: String(err) };
      if (!(err instanceof SimulationError)) console.error(err);
    } finally {
      const frame = exp.drain();
      // The statistics over every neuron; the page is sent the sample's spikes.
      if (windowStats) {
        const spikes = statisticsSpikes(frame);
        windowStats.add(spikes.timeMs, spikes.neuron, frame.endMs);
      }
      if (frame.endMs > frame.startMs || frame.spikes.timeMs.length > 0) queue.push(crossing ? spikesOf(frame, crossing) : frame);
    }
    if (state !== 'failed' && exp.done) state = 'finished';
  }

  const schedule = (delayMs: number) => void (timer ??= setTimeout(tick, delayMs));
  const stopTimer = () => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
  };

  /** One chunk of a running simulation, paced by the speed; then let messages in before the next. */
  function tick(): void {
    timer = null;
    if (state !== 'running' || !experiment) return;
    if (queue.length >= QUEUE_LIMIT) {
      waitingForTake = true; // take() resumes
      return;
    }
    const { dtMs, durationMs } = experiment.valid.scenario;
    const asked = pacer.ask(performance.now(), dtMs);
    if ('waitMs' in asked) return schedule(asked.waitMs);
    const before = experiment.timeMs;
    const began = performance.now();
    advanceBy(asked.ms);
    pacer.ran(asked.ms, experiment.timeMs - before, performance.now() - began, dtMs, durationMs);
    if (state === 'running') schedule(0);
  }

  function checkSpeed(value: unknown): asserts value is number | null {
    if (value !== null && (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > MAX_SPEED)) {
      throw new InputError('speed', `must be null (as fast as possible) or a number in (0, ${MAX_SPEED}] simulated ms per ms, got ${String(value)}`);
    }
  }

  /** A new run (after load or reset) starts paused with an empty queue. */
  function started(exp: Experiment): LoadResult {
    stopTimer();
    if (experiment !== exp) release(experiment);
    experiment = exp;
    run++;
    queue = [];
    failure = null;
    state = 'paused';
    pacer.restart(exp.valid.scenario.dtMs);
    const summary = summaryOf(exp); // first: it chooses the samples
    windowStats = new WindowStatistics(statistics?.populations ?? exp.simulation.populations.map((p) => ({ name: p.name, offset: p.offset, size: p.size })), statsWindowMs);
    windowEveryMs = WINDOW_STATS_EVERY_MS;
    windowResult = null;
    windowAt = -Infinity;
    return { ok: true, summary, run, snapshot: exp.snapshot() };
  }

  function play(): void {
    if (!experiment || state !== 'paused') return;
    state = 'running';
    pacer.resume(performance.now());
    schedule(0);
  }

  function apply(change: Change): ChangeResult {
    const exp = loaded();
    if (change?.kind === 'threads') {
      const n = change.threads;
      if (n !== 'auto' && (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > available)) return { ok: false, error: { kind: 'input', field: 'threads', message: `threads: must be "auto" or a whole number from 1 to ${available} (the cores this page may use), got ${String(n)}` } };
      threadsAsked = n === 'auto' ? null : n;
      return { ok: true, applies: 'reset', atMs: exp.timeMs };
    }
    const result: Applied = exp.apply(change);
    if ('refused' in result) return { ok: false, error: { kind: 'input', ...result.refused } };
    if (change.kind === 'trace') {
      // Another neuron traced: the displays start again with the new summary (the run goes on); frames still queued are the old neuron's.
      run++;
      queue = [];
      return { ok: true, applies: result.applies, atMs: exp.timeMs, restarted: { summary: summaryOf(exp), run } };
    }
    if (change.kind === 'freeRun' && change.on && state === 'finished' && !exp.done) {
      state = 'running'; // a run that had ended goes on
      pacer.resume(performance.now());
      schedule(0);
    }
    return { ok: true, applies: result.applies, atMs: exp.timeMs };
  }

  // Loads, resets and changes are taken one at a time, in the order they came: a build on threads
  // waits for the threads to start, and a change or another load arriving meanwhile must not act
  // on the run being replaced (a slider's value lost) or finish before it (the older scenario shown).
  let queued: Promise<unknown> = Promise.resolve();
  function inTurn<T>(work: () => T | Promise<T>): Promise<T> {
    const done = queued.then(work);
    queued = done.catch(() => undefined);
    return done;
  }

  return {
    load: (rawScenario, start) => inTurn(async () => {
      if (start !== undefined) checkSpeed(start?.speed); // before anything changes
      let result: LoadResult;
      try {
        // A refused one leaves the loaded one as it was; the page's memory limit holds for its changes and resets too.
        result = started(await build(rawScenario));
      } catch (err) {
        return refused(err);
      }
      if (start) {
        pacer.speed = start.speed;
        if (start.play) play();
      }
      return result;
    }),
    reset: () => inTurn(async () => {
      const exp = loaded();
      const wasPaused = state === 'paused';
      let next = exp;
      try {
        const used = threadsUsed(exp);
        if (used > 1 || (threadsAsked !== null && threadsAsked !== used && !threadsNote)) {
          // A run on threads, or other threads asked for: built again from the scenario as it stands
          // (the experiment's own reset builds on one thread; a held poke is let go).
          const freeRun = exp.summary.freeRun;
          next = await build(exp.snapshot());
          if (freeRun) next.apply({ kind: 'freeRun', on: true });
        } else {
          release(exp);
          exp.reset();
        }
      } catch (err) {
        return refused(err);
      }
      const result = started(next);
      if (!wasPaused) play();
      return result;
    }),
    play,
    pause() {
      if (state !== 'running') return;
      stopTimer();
      state = 'paused';
    },
    step(ms) {
      if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0 || ms > 1e4) throw new InputError('ms', `a step must be a number of milliseconds in (0, 10000], got ${String(ms)}`);
      if (!experiment || state === 'failed' || state === 'finished') return;
      stopTimer();
      state = 'paused';
      advanceBy(ms);
    },
    setSpeed(value) {
      checkSpeed(value);
      pacer.speed = value;
      pacer.resume(performance.now());
    },
    apply: (change) => inTurn(() => apply(change)),
    snapshot: () => loaded().snapshot(),
    take() {
      const frames = queue;
      queue = [];
      if (waitingForTake) {
        waitingForTake = false;
        if (state === 'running') schedule(0);
      }
      const frame = frames.length > 0 ? mergeFrames(frames) : null;
      const now = performance.now();
      // At most four times a second while running (less where they take long); at once when the run has stopped (its end's figures).
      if (windowStats && (frame || !windowResult) && (now - windowAt >= windowEveryMs || state !== 'running')) {
        windowResult = windowStats.result();
        windowAt = performance.now();
        windowEveryMs = Math.max(WINDOW_STATS_EVERY_MS, (windowAt - now) / WINDOW_STATS_SHARE);
      }
      const batch: Batch = { run, frame, state, timeMs: experiment?.timeMs ?? 0, error: failure, stats: experiment ? experiment.stats() : null, window: windowResult };
      return transfer(batch, frame ? buffersOf(frame) : []);
    },
    stats: () => loaded().stats(),
    setStatsWindow(ms) {
      if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 10 || ms > 1e5) throw new InputError('statsWindowMs', `must be a number of milliseconds in [10, 100000], got ${String(ms)}`);
      // The spikes held stay: a narrower window drops the older ones, a wider one fills as the run goes on.
      statsWindowMs = ms;
      if (windowStats) windowStats.windowMs = ms;
      windowResult = null;
    },
    windowStats: () => windowStats?.result() ?? null,
  };
}
