// A Simulation whose steps run on several threads (parallel/threadBody.ts), with the API of the
// ordinary one: it is built like one (the coordinating thread keeps the whole scenario's
// populations, projections and records, but does not step them; it draws the connectivity once,
// into shared memory, for the threads to slice), runs thread 0's slice itself (so 2 threads are
// this one and one worker) and records every thread's spikes as they are exchanged, and the
// traced neurons the threads sample, in the order one thread would have recorded them. Changes
// while running (parameters, stimuli, the poke, a state, weights) are made by every thread on its
// slice at the same step. What the threads cannot do (a blow-up to locate, an exchange too small)
// makes it go on on this thread: a Simulation on one thread is run again to where the threads
// had got (same build, same steps, drains, trace moves and changes at the same steps, so the same
// state to the bit) and its state taken over.
import { Simulation, type SharedProjection, type SliceOptions } from '../simulation.js';
import { partitionProjection } from './sliceCsr.js';
import type { PopulationOptions } from '../population.js';
import { LIMITS, type ValidScenario } from '../scenarioSpec.js';
import { SimulationError } from '../errors.js';
import { CHANGE_BYTES, CHANGE_CAPACITY, CHANGE_FAILED, CHANGE_VERSION, COMMAND, CONTROL_INTS, FAILED_AT, OVERFLOW, regionBytes, regionOf, STOP, TARGET_STEP, TRACE_COUNT, TRACE_HEADER_INTS, TRACE_VERSION, traceTableBytes, traceValuesBytes, type Region, type RegionLayout } from './exchange.js';
import { oneThreadReason, planThreads, type ThreadPlan } from './partition.js';
import { applyCall, SliceRunner, type ReplicatedCall, type ThreadInit } from './threadBody.js';

/** Starts threads that each run runThread(init) (threadBody.ts): worker_threads in Node, Web Workers on the page. */
export interface ThreadHost {
  /** Resolves once every thread has built its slice; rejects with a thread's message if one could not. */
  start(inits: ThreadInit[]): Promise<ThreadGroup>;
}

export interface ThreadGroup {
  /** End the threads (wherever they are: blocked at a barrier too). */
  stop(): void;
}

export interface ThreadedOptions {
  threads: number;
  host: ThreadHost;
  populationOptions?: PopulationOptions;
  /**
   * The cores the threads may run on (navigator.hardwareConcurrency, os.availableParallelism()).
   * With more threads than cores a thread spinning at the barrier takes the core a thread still
   * working needs: they then spin only briefly before they sleep. Not given: as many as threads.
   */
  cores?: number;
  /** The memory limit the network was validated under (the page's is lower); LIMITS.maxNetworkBytes if not given. */
  maxNetworkBytes?: number;
}

/** Loads spun at a barrier before sleeping: about 0.1 ms, or 1 us with more threads than cores. */
const SPINS = 20000;
const SPINS_OVERSUBSCRIBED = 200;

/** The most traced neurons (and inputs) a run split across threads samples on the threads. */
const MAX_TRACE_COLUMNS = 4096;

/** The most threads a run is split across. */
export const MAX_THREADS = 64;

/**
 * A simulation of `valid` on `threads` threads; on one (the ordinary Simulation) where threads is
 * 1, where the scenario has something the threads cannot split yet, or where a population is too
 * small to share. `note` says why it runs on fewer threads than asked.
 */
/** The spikes per neuron one round of the exchange holds (see the layout in the constructor). */
const EXCHANGE_SPIKES_PER_NEURON = 8;
/**
 * The spikes per neuron a thread keeps of one window, over all its rounds: one a step through the
 * longest window (64 steps). More (neurons firing several times a step through a whole window)
 * sends the run on to one thread.
 */
const WINDOW_SPIKES_PER_NEURON = 64;

export async function createSimulation(valid: ValidScenario, options: ThreadedOptions): Promise<{ simulation: Simulation; threads: number; note: string | null }> {
  const plain = (note: string | null) => ({ simulation: new Simulation(valid, options.populationOptions), threads: 1, note });
  if (options.threads <= 1) return plain(null);
  const reason = oneThreadReason(valid);
  if (reason) return plain(`threads: 1 (${reason})`);
  // The threads hold their parts of the synapses beside the coordinator's whole (about one copy
  // more): where that would pass the memory limit the run was admitted under, it stays on one.
  const limit = options.maxNetworkBytes ?? LIMITS.maxNetworkBytes;
  const { bytes, synapseBytes } = valid.estimate;
  // A neuron id (4 bytes) and time (8) per spike: the exchange regions (a round's worth per
  // parity) and what each thread keeps of a window, for every neuron.
  const exchangeBytes = 12 * (2 * EXCHANGE_SPIKES_PER_NEURON + WINDOW_SPIKES_PER_NEURON) * valid.populations.reduce((a, p) => a + p.spec.size, 0);
  if (bytes + synapseBytes + exchangeBytes > limit) return plain(`threads: 1 (on threads the synapses would be held twice, with the spike exchange about ${((bytes + synapseBytes + exchangeBytes) / 1e9).toFixed(2)} GB, past the limit of ${limit / 1e9} GB)`);
  const neurons = valid.populations.reduce((a, p) => a + p.spec.size, 0);
  const threads = Math.min(options.threads, neurons);
  if (threads <= 1) return plain(`threads: 1 (${neurons} neuron${neurons === 1 ? '' : 's'})`);
  const spins = threads > (options.cores ?? threads) ? SPINS_OVERSUBSCRIBED : SPINS;
  const simulation = new ThreadedSimulation(valid, options.populationOptions ?? {}, planThreads(valid, threads), spins);
  await simulation.start(options.host);
  return { simulation, threads, note: null };
}

export class ThreadedSimulation extends Simulation {
  private readonly control: Int32Array;
  private readonly regions: Region[];
  private readonly buffers: SharedArrayBuffer[];
  private readonly layout: RegionLayout;
  private group: ThreadGroup | null = null;
  /** Thread 0's slice, run on this thread. */
  private runner: SliceRunner | null = null;
  /**
   * What was done to the run between steps, and at which step: traces moved, inputs recorded and
   * changes made, each after the first `drains` drains. A run on one thread made again to take
   * over from the threads does the same there.
   */
  private readonly log: ({ step: number; drains: number } & ({ kind: 'retrace'; args: Parameters<Simulation['retrace']> } | { kind: 'recordInput'; args: Parameters<Simulation['recordInput']> } | { kind: 'call'; call: ReplicatedCall }))[] = [];
  /**
   * The step of each drain, apart from the log: the page drains every frame, and an entry object
   * a frame held 10.7 MB an hour of free run at 60 frames a second, where a number holds 2.1.
   */
  private readonly drainSteps: number[] = [];
  /** Changes made since the last command, for the worker threads (thread 0's slice has them already). */
  private pendingCalls: ReplicatedCall[] = [];
  private readonly changes = new Uint8Array(new SharedArrayBuffer(CHANGE_CAPACITY));
  private readonly traceTable: Int32Array;
  private readonly traceValues: Float64Array;
  /** Columns in the trace table now. */
  private traceColumns = 0;
  /** Each thread's part of each projection, until the threads are built. */
  private parts: SharedProjection[][] | null;
  /** Why the run went on on one thread, once it did. */
  readonly notes: string[] = [];
  /** Per projection: its source population's index. */
  private readonly sourceOf: number[];

  constructor(
    private readonly valid: ValidScenario,
    private readonly options: PopulationOptions,
    readonly plan: ThreadPlan,
    spins = SPINS,
  ) {
    // The whole network is built here once; each projection, as it is drawn, is cut into the
    // threads' parts (in shared memory), which they take as they are instead of drawing it again.
    const parts: SharedProjection[][] = plan.slices.map(() => []);
    super(valid, options, null, (k, whole, target) => {
      const split = partitionProjection(whole, whole.rowStart.length - 1, plan.slices.map((s) => s[target]));
      split.forEach((part, thread) => (parts[thread][k] = part));
    });
    this.parts = parts;
    this.built = structuredClone(valid.scenario);
    const P = this.populations.length;
    const W = plan.windowSteps;
    const most = Math.max(...plan.slices.map((s) => s.reduce((a, x) => a + x.size, 0)));
    // Room for the traces asked for, a trace moved or added per population, and each traced neuron's input.
    const traced = this.traceChannels().length;
    const traceCapacity = Math.min(MAX_TRACE_COLUMNS, Math.max(64, 2 * traced + 4 * P + 16));
    // Room for EXCHANGE_SPIKES_PER_NEURON spikes per neuron in a round and WINDOW_SPIKES_PER_NEURON
    // in a window, what createSimulation counted: a window with more than a round holds (neurons
    // without refractoriness, driven hard) is exchanged in more rounds (threadBody.ts).
    this.layout = { windowSteps: W, populations: P, capacity: Math.max(1024, EXCHANGE_SPIKES_PER_NEURON * most), windowCapacity: Math.max(8192, WINDOW_SPIKES_PER_NEURON * most), traceCapacity, spins };
    this.traceTable = new Int32Array(new SharedArrayBuffer(traceTableBytes(traceCapacity)));
    this.traceValues = new Float64Array(new SharedArrayBuffer(traceValuesBytes(W, traceCapacity)));
    this.writeTraceTable();
    this.control = new Int32Array(new SharedArrayBuffer(4 * CONTROL_INTS));
    this.buffers = plan.slices.map(() => new SharedArrayBuffer(regionBytes(this.layout)));
    this.regions = this.buffers.map((b) => regionOf(b, this.layout));
    for (const r of this.regions) r.header[FAILED_AT] = -1;
    this.sourceOf = (this.scenario.projections ?? []).map((p) => this.populations.findIndex((q) => q.name === p.source));
  }

  /**
   * The scenario as this run was built from it: changes while running (a weight, a Poisson rate,
   * a trace moved) edit the scenario this run holds, which a slice or a replay on one thread must
   * not start from (they make the changes themselves, at their steps).
   */
  private readonly built: ValidScenario['scenario'];

  private asBuilt(): ValidScenario {
    return { ...this.valid, scenario: structuredClone(this.built) };
  }

  /** Whether steps still run on the threads. */
  get threaded(): boolean {
    return this.group !== null;
  }

  /** Windows exchanged so far, and the rounds they took (more than one a window where its spikes did not fit a round). */
  get exchange(): { windows: number; rounds: number } {
    return { windows: this.runner?.window ?? 0, rounds: this.runner?.rounds ?? 0 };
  }

  async start(host: ThreadHost): Promise<void> {
    const inits: ThreadInit[] = this.plan.slices.map((slices, thread) => ({
      scenario: this.built,
      thread,
      threads: this.plan.threads,
      slices,
      allSlices: this.plan.slices,
      layout: this.layout,
      control: this.control.buffer as SharedArrayBuffer,
      regions: this.buffers,
      traceTable: this.traceTable.buffer as SharedArrayBuffer,
      traceValues: this.traceValues.buffer as SharedArrayBuffer,
      changes: this.changes.buffer as SharedArrayBuffer,
      connectivity: this.parts?.[thread],
      populationOptions: this.options,
    }));
    const started = host.start(inits.slice(1));
    // Thread 0's slice is built here while the others build theirs.
    try {
      this.runner = new SliceRunner(new Simulation(this.asBuilt(), this.options, { slices: inits[0].slices, connectivity: inits[0].connectivity }), inits[0]);
    } catch (err) {
      void started.then((group) => group.stop(), () => {});
      throw err;
    } finally {
      // Only the threads' building reads these.
      this.parts = null;
    }
    this.group = await started;
  }

  /**
   * Write the traced columns for the threads (between commands, so no thread reads the table as it
   * changes). More columns than the trace buffers hold: the run goes on on one thread.
   */
  private writeTraceTable(): void {
    const channels = this.traceChannels();
    if (channels.length > this.layout.traceCapacity) {
      this.toOneThread(`more traced neurons than ${this.layout.traceCapacity}`);
      return;
    }
    const table = this.traceTable;
    channels.forEach((c, k) => {
      const at = TRACE_HEADER_INTS + 3 * k;
      table[at] = c.population;
      table[at + 1] = c.variable;
      table[at + 2] = c.neuron;
    });
    table[TRACE_COUNT] = channels.length;
    this.traceColumns = channels.length;
    Atomics.add(table, TRACE_VERSION, 1);
  }

  /** End the threads (the run can still go on, on this thread). */
  dispose(): void {
    if (!this.group) return;
    Atomics.store(this.control, STOP, 1);
    Atomics.add(this.control, COMMAND, 1);
    Atomics.notify(this.control, COMMAND);
    this.group.stop();
    this.group = null;
    this.runner = null;
  }

  override advance(ms: number = this.scenario.durationMs): void {
    if (!this.group || !this.runner) return super.advance(ms);
    if (this.failure) throw this.failure;
    const target = this.targetStep(ms);
    if (target <= this.stepIndex) return;
    const { control, regions, populations } = this;
    if (this.pendingCalls.length > 0) {
      // Written before the command, which the threads read them at.
      const bytes = new TextEncoder().encode(JSON.stringify(this.pendingCalls));
      this.pendingCalls = [];
      this.changes.set(bytes);
      Atomics.store(control, CHANGE_BYTES, bytes.length);
      Atomics.add(control, CHANGE_VERSION, 1);
    }
    const P = populations.length;
    const W = this.plan.windowSteps;
    Atomics.store(control, TARGET_STEP, target);
    Atomics.add(control, COMMAND, 1);
    Atomics.notify(control, COMMAND);
    const projections = this.projections;
    const traceEvery = this.traceEvery;
    const columns = this.layout.traceCapacity;
    const gathered = this.runner.sim.gathered!;
    // Each step's spikes as the exchange gathers them (every thread's, in thread order): recorded
    // population by population, the order of a run on one thread, with the synaptic events the
    // projections of that run count and the traces the threads sampled at that step.
    const record = (step: number, parity: number) => {
      for (let p = 0; p < P; p++) {
        const recorder = this.populations[p].spikes;
        const g = gathered[p].spikes;
        recorder.stepCount = 0;
        for (let k = 0; k < g.stepCount; k++) recorder.spike(g.stepNeurons[k], g.stepTimes[k]);
      }
      for (let q = 0; q < projections.length; q++) {
        const recorder = this.populations[this.sourceOf[q]].spikes;
        const rowStart = projections[q].csr.rowStart;
        let events = 0;
        for (let k = 0; k < recorder.stepCount; k++) events += rowStart[recorder.stepNeurons[k] + 1] - rowStart[recorder.stepNeurons[k]];
        projections[q].events += events;
      }
      if (this.traceColumns > 0 && (step + 1) % traceEvery === 0) this.pushTraceSample(this.traceValues, (parity * W + (step - this.stepIndex)) * columns);
    };
    let trouble: string | null = null;
    while (this.stepIndex < target) {
      const end = Math.min(this.stepIndex + W, target);
      this.runner.runWindow(target, record);
      this.stepIndex = end;
      for (const r of regions) {
        if (r.header[FAILED_AT] >= 0) trouble ??= 'a state left its bounds';
        if (r.header[OVERFLOW] !== 0) trouble ??= 'more spikes in one step than the exchange holds';
        if (r.header[CHANGE_FAILED] !== 0) trouble ??= 'a change could not be made on a thread';
      }
      if (trouble) break;
    }
    if (!trouble) return;
    const rest = target - this.stepIndex;
    // Where a run on one thread would have stopped with an error, it stops with the same one.
    this.leaveThreads(`threads: 1 (${trouble}: the run goes on on one thread)`);
    super.advance(rest * this.scenario.dtMs);
  }

  override drain(): ReturnType<Simulation['drain']> {
    if (this.group) this.drainSteps.push(this.stepIndex);
    return super.drain();
  }

  override toOneThread(reason: string): void {
    if (this.group) this.leaveThreads(`threads: 1 (${reason}: the run goes on on one thread)`);
  }

  /**
   * Stop the threads and take over the state a run on one thread has at this step: that run is
   * made again here, drained where this one was, and stopped by the same error if it meets one.
   */
  private leaveThreads(note: string): void {
    this.dispose();
    this.notes.push(note);
    const single = new Simulation(this.asBuilt(), this.options);
    // To where the threads had got, past the duration too (a free run since switched off); this run keeps its own setting.
    single.setFreeRun(true);
    const dt = this.scenario.dtMs;
    let drained = 0;
    const drainUpTo = (count: number) => {
      for (; drained < count; drained++) {
        single.advance((this.drainSteps[drained] - single.steps) * dt);
        single.drain();
      }
    };
    try {
      for (const entry of this.log) {
        drainUpTo(entry.drains);
        single.advance((entry.step - single.steps) * dt);
        if (entry.kind === 'retrace') single.retrace(...entry.args);
        else if (entry.kind === 'recordInput') single.recordInput(...entry.args);
        else applyCall(single, entry.call);
      }
      drainUpTo(this.drainSteps.length);
      single.advance((this.stepIndex - single.steps) * dt);
    } catch (err) {
      if (!(err instanceof SimulationError)) throw err;
    }
    this.adoptRun(single);
  }

  /**
   * A change made here (checked, and refused with nothing changed, by the whole run's own method)
   * is made on every thread's slice from the same step, and kept for a replay on one thread.
   */
  private replicate(call: ReplicatedCall): void {
    if (!this.group || !this.runner) return;
    const bytes = JSON.stringify([...this.pendingCalls, call]).length * 3;
    if (bytes > CHANGE_CAPACITY) {
      this.toOneThread('too many changes at once');
      return;
    }
    this.log.push({ step: this.stepIndex, drains: this.drainSteps.length, kind: 'call', call: structuredClone(call) });
    try {
      applyCall(this.runner.sim, call);
    } catch {
      // The whole run took it but a slice did not: one thread (replaying it) keeps the run right.
      this.toOneThread('a change could not be made on a thread');
      return;
    }
    this.pendingCalls.push(call);
  }

  override setParameters(...args: Parameters<Simulation['setParameters']>): void {
    super.setParameters(...args);
    this.replicate({ method: 'setParameters', args: structuredClone(args) });
  }
  override setModifiers(...args: Parameters<Simulation['setModifiers']>): ReturnType<Simulation['setModifiers']> {
    const result = super.setModifiers(...args);
    this.replicate({ method: 'setModifiers', args: structuredClone(args) });
    return result;
  }
  override setStimulus(...args: Parameters<Simulation['setStimulus']>): boolean {
    if (!super.setStimulus(...args)) return false;
    this.replicate({ method: 'setStimulus', args: structuredClone(args) });
    return true;
  }
  override setState(...args: Parameters<Simulation['setState']>): void {
    super.setState(...args);
    this.replicate({ method: 'setState', args: structuredClone(args) });
  }
  override setPoissonInput(...args: Parameters<Simulation['setPoissonInput']>): boolean {
    if (!super.setPoissonInput(...args)) return false;
    this.replicate({ method: 'setPoissonInput', args: structuredClone(args) });
    return true;
  }
  override setProjectionWeight(...args: Parameters<Simulation['setProjectionWeight']>): boolean {
    if (!super.setProjectionWeight(...args)) return false;
    this.replicate({ method: 'setProjectionWeight', args: structuredClone(args) });
    return true;
  }
  override addStimulus(...args: Parameters<Simulation['addStimulus']>): ReturnType<Simulation['addStimulus']> {
    const stimulus = super.addStimulus(...args);
    const id = this.nextStimulusId++;
    this.addedIds.set(stimulus, id);
    this.replicate({ method: 'addStimulus', args: structuredClone(args), id });
    return stimulus;
  }
  override removeStimulus(...args: Parameters<Simulation['removeStimulus']>): void {
    const id = this.addedIds.get(args[1]);
    this.addedIds.delete(args[1]);
    if (id === undefined) this.toOneThread('a stimulus removed that was not added while running');
    super.removeStimulus(...args);
    if (id !== undefined) this.replicate({ method: 'removeStimulus', args: [args[0]], id });
  }
  /** The stimuli added while running (addStimulus), numbered for the threads. */
  private readonly addedIds = new Map<object, number>();
  private nextStimulusId = 0;
  override retrace(...args: Parameters<Simulation['retrace']>): void {
    super.retrace(...args);
    if (!this.group) return;
    this.log.push({ step: this.stepIndex, drains: this.drainSteps.length, kind: 'retrace', args: structuredClone(args) });
    this.writeTraceTable();
  }
  override recordInput(...args: Parameters<Simulation['recordInput']>): void {
    super.recordInput(...args);
    if (!this.group) return;
    this.log.push({ step: this.stepIndex, drains: this.drainSteps.length, kind: 'recordInput', args: structuredClone(args) });
    this.writeTraceTable();
  }
}

export type { SliceOptions };
