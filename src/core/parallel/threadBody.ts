// What one thread of a run split across threads does: build its slice of the scenario (an
// ordinary Simulation over its ranges of the populations, parallel/partition.ts), then, at each
// command, run windows of steps: step its neurons, write the spikes it fired into its region,
// meet the others at the barrier, and deliver every thread's spikes of the window, in thread order,
// to its own targets. The coordinator (ThreadedSimulation) is thread 0: it runs a slice too, and records.
// No Node or DOM globals: an entry (src/cli/simThread.ts for worker_threads, a Web Worker module
// on the page) hands in the init message, the scenario validator and a way to post a message.
import { Simulation, type SharedProjection } from '../simulation.js';
import type { PopulationOptions } from '../population.js';
import type { ValidScenario } from '../scenarioSpec.js';
import type { Population } from '../population.js';
import type { Stimulus } from '../stimulus/stimuli.js';
import { arrive, CHANGE_BYTES, CHANGE_FAILED, CHANGE_VERSION, COMMAND, FAILED_AT, OVERFLOW, regionOf, STOP, TARGET_STEP, TRACE_COUNT, TRACE_HEADER_INTS, TRACE_VERSION, WRITTEN_TO, type Region, type RegionLayout } from './exchange.js';

/** Everything a thread is started with (structured-cloneable: plain data and SharedArrayBuffers). */
export interface ThreadInit {
  /** The scenario as validated on the coordinating thread (valid.scenario), validated again here. */
  scenario: unknown;
  thread: number;
  threads: number;
  /** This thread's range of each population. */
  slices: { start: number; size: number }[];
  /** Every thread's range of every population (slices[thread][population]). */
  allSlices: { start: number; size: number }[][];
  layout: RegionLayout;
  control: SharedArrayBuffer;
  regions: SharedArrayBuffer[];
  /** The traced columns (exchange.ts) and where their samples go. */
  traceTable: SharedArrayBuffer;
  traceValues: SharedArrayBuffer;
  /** Changes made while running, as JSON (exchange.ts CHANGE_VERSION). */
  changes: SharedArrayBuffer;
  /** Each projection's part onto this thread's neurons, cut by the coordinator from what it drew (shared memory). */
  connectivity?: SharedProjection[];
  populationOptions?: PopulationOptions;
}

/**
 * A change made while running that each thread makes to its slice too, at the same step: the
 * Simulation method and its arguments (the values as given: each slice works them out as the
 * whole run does, so the same numbers).
 */
export interface ReplicatedCall {
  method: 'setParameters' | 'setModifiers' | 'setPoissonInput' | 'setProjectionWeight' | 'setStimulus' | 'addStimulus' | 'removeStimulus' | 'setState';
  args: unknown[];
  /** addStimulus, removeStimulus: which added stimulus (the coordinator numbers them). */
  id?: number;
}

/** The stimuli added while running (the page's poke), by the coordinator's number, per simulation. */
const added = new WeakMap<Simulation, Map<number, Stimulus>>();

/** Make `call` on a slice (or on a run on one thread replaying it). */
export function applyCall(sim: Simulation, call: ReplicatedCall): void {
  const a = call.args as never[];
  let mine = added.get(sim);
  if (!mine) added.set(sim, (mine = new Map()));
  switch (call.method) {
    case 'setState':
      return sim.setState(a[0], a[1]);
    case 'setStimulus':
      if (!sim.setStimulus(a[0], a[1])) throw new Error('internal: the stimulus could not be changed on a thread');
      return;
    case 'addStimulus':
      mine.set(call.id!, sim.addStimulus(a[0]));
      return;
    case 'removeStimulus': {
      const stimulus = mine.get(call.id!);
      if (!stimulus) throw new Error('internal: no such stimulus on a thread');
      mine.delete(call.id!);
      return sim.removeStimulus(a[0], stimulus);
    }
    case 'setParameters':
      return sim.setParameters(a[0], a[1]);
    case 'setModifiers':
      return void sim.setModifiers(a[0], a[1]);
    case 'setPoissonInput':
      if (!sim.setPoissonInput(a[0], a[1], a[2])) throw new Error('internal: the Poisson input could not be changed on a thread');
      return;
    case 'setProjectionWeight':
      if (!sim.setProjectionWeight(a[0], a[1])) throw new Error('internal: the weight could not be changed on a thread');
      return;
  }
}

/** What a thread posts back: built (ready), or the message of what failed while building. */
export type ThreadMessage = { ready: true } | { error: string };

export function runThread(init: ThreadInit, validate: (raw: unknown) => ValidScenario, post: (message: ThreadMessage) => void): void {
  let runner: SliceRunner;
  try {
    runner = new SliceRunner(new Simulation(validate(structuredClone(init.scenario)), init.populationOptions ?? {}, { slices: init.slices, connectivity: init.connectivity }), init);
    // The shared arrays were only read to build this slice: drop them (the memory goes with the last holder).
    init.connectivity = undefined;
  } catch (err) {
    post({ error: err instanceof Error ? err.message : String(err) });
    return;
  }
  post({ ready: true });
  const control = runner.control;
  let seen = 0;
  for (;;) {
    while (Atomics.load(control, COMMAND) === seen) Atomics.wait(control, COMMAND, seen);
    seen = Atomics.load(control, COMMAND);
    if (Atomics.load(control, STOP) !== 0) return;
    runner.applyChanges();
    const target = Atomics.load(control, TARGET_STEP);
    while (runner.sim.steps < target) if (!runner.runWindow(target)) return;
  }
}

/** One thread's slice and its part in the exchange: the coordinating thread runs one too (thread 0). */
export class SliceRunner {
  readonly control: Int32Array;
  private readonly regions: Region[];
  private readonly mine: Region;
  private readonly cursor: Int32Array;
  private readonly every: number;
  /** Windows run so far: their parity says which half of each region they use. */
  window = 0;
  private readonly traceTable: Int32Array;
  private readonly traceValues: Float64Array;
  private traceVersion = -1;
  private readonly changes: Uint8Array | null;
  private changeVersion = 0;
  /** The traced columns whose neuron this thread holds: column, population, variable (-1: input), local neuron, bounds. */
  private owned: { column: number; pop: Population; variable: number; neuron: number; low: number; high: number }[] = [];

  constructor(
    readonly sim: Simulation,
    private readonly init: Pick<ThreadInit, 'thread' | 'threads' | 'layout' | 'control' | 'regions' | 'traceTable' | 'traceValues'> & { changes?: SharedArrayBuffer },
  ) {
    this.control = new Int32Array(init.control);
    this.regions = init.regions.map((buffer) => regionOf(buffer, init.layout));
    this.mine = this.regions[init.thread];
    this.cursor = new Int32Array(init.threads);
    this.every = sim.checkEverySteps;
    this.traceTable = new Int32Array(init.traceTable);
    this.traceValues = new Float64Array(init.traceValues);
    this.changes = init.changes ? new Uint8Array(init.changes) : null;
  }

  /**
   * Make the changes the coordinator wrote since the last command (read as a command starts, so
   * before the steps they apply from). One that fails marks this thread's region: the run then
   * goes on on one thread, replaying it there.
   */
  applyChanges(): void {
    const version = Atomics.load(this.control, CHANGE_VERSION);
    if (version === this.changeVersion || !this.changes) return;
    this.changeVersion = version;
    // A copy: TextDecoder does not read shared memory everywhere.
    const text = new TextDecoder().decode(this.changes.slice(0, Atomics.load(this.control, CHANGE_BYTES)));
    try {
      for (const call of JSON.parse(text) as ReplicatedCall[]) applyCall(this.sim, call);
    } catch {
      this.mine.header[CHANGE_FAILED] = 1;
    }
  }

  /** Read the traced columns again where the coordinator changed them (between commands: a retrace). */
  private refreshTraces(): void {
    const table = this.traceTable;
    const version = Atomics.load(table, TRACE_VERSION);
    if (version === this.traceVersion) return;
    this.traceVersion = version;
    this.owned = [];
    const count = table[TRACE_COUNT];
    for (let c = 0; c < count; c++) {
      const at = TRACE_HEADER_INTS + 3 * c;
      const pop = this.sim.populations[table[at]];
      const variable = table[at + 1];
      const neuron = table[at + 2] - pop.sliceStart;
      if (neuron < 0 || neuron >= pop.size) continue;
      // Checked as a run on one thread checks a traced state variable before it samples it.
      const bound = variable >= 0 ? pop.model.bounds.find((b) => b.index === variable) : undefined;
      this.owned.push({ column: c, pop, variable, neuron, low: bound?.low ?? -Infinity, high: bound?.high ?? Infinity });
    }
  }

  /** Rounds of the exchange run so far (one a window, more where a window's spikes did not fit one). */
  rounds = 0;
  /** This thread's spikes of the window being run: per (step of the window, population) counts, then the spikes in that order. */
  private localCounts = new Int32Array(0);
  private localNeurons = new Int32Array(1024);
  private localTimes = new Float64Array(1024);

  /**
   * Run the next window of steps (up to `target`): this thread's neurons, its spikes of the
   * window kept here, then the exchange: each thread copies into its region as many whole steps
   * as it holds room for, all meet at the barrier, and every thread's spikes of the steps all
   * regions hold are delivered, step by step and in thread order, to this thread's targets. A
   * window with more spikes than a region holds (a student's t_ref = 0 and a strong input) takes
   * more rounds of the same, with a second barrier before a region is written again, as NEST
   * exchanges again with larger buffers, instead of leaving the threads; a window without takes
   * one round and one barrier. `onStep`: called for each step once its spikes are gathered (the
   * coordinator records there). Returns false when told to stop.
   */
  runWindow(target: number, onStep?: (step: number, parity: number) => void): boolean {
    const { sim, mine, regions, init } = this;
    const { windowSteps, populations: P, capacity, windowCapacity } = init.layout;
    const pops = sim.populations;
    const gathered = sim.gathered!;
    const first = sim.steps;
    const end = Math.min(first + windowSteps, target);
    const steps = end - first;
    const parity = this.window & 1;
    this.refreshTraces();
    const owned = this.owned;
    const traceEvery = sim.traceEvery;
    const columns = init.layout.traceCapacity;
    const traceValues = this.traceValues;
    if (this.localCounts.length < windowSteps * P) this.localCounts = new Int32Array(windowSteps * P);
    const localCounts = this.localCounts;
    let written = 0;
    let s = first;
    try {
      for (; s < end; s++) {
        const overflowed = sim.stepSlice();
        const cell = (s - first) * P;
        for (let p = 0; p < P; p++) {
          const pop = pops[p];
          const n = pop.size > 0 ? pop.spikes.stepCount : 0;
          if (written + n > windowCapacity) {
            // More than this thread keeps of a window: the run goes on on one thread after it.
            mine.header[OVERFLOW] = 1;
            localCounts[cell + p] = 0;
            continue;
          }
          if (written + n > this.localNeurons.length) this.growLocal(Math.min(windowCapacity, Math.max(written + n, 2 * this.localNeurons.length)));
          const localNeurons = this.localNeurons;
          const localTimes = this.localTimes;
          const from = pop.sliceStart;
          const fired = pop.spikes.stepNeurons;
          const at = pop.spikes.stepTimes;
          for (let k = 0; k < n; k++) {
            localNeurons[written] = fired[k] + from;
            localTimes[written++] = at[k];
          }
          localCounts[cell + p] = n;
        }
        // The traced neurons this thread holds, sampled where a run on one thread samples them; a
        // traced value out of its bounds makes it check its state there, as that run does.
        let checkNow = false;
        if (owned.length > 0 && sim.steps % traceEvery === 0) {
          const base = (parity * windowSteps + (s - first)) * columns;
          for (let k = 0; k < owned.length; k++) {
            const o = owned[k];
            const state = o.pop.state;
            if (o.variable < 0) traceValues[base + o.column] = o.pop.input[o.neuron];
            else {
              const x = state[o.variable][o.neuron];
              traceValues[base + o.column] = x;
              if (!(x >= o.low && x <= o.high)) checkNow = true;
            }
          }
        }
        // Checked where a run on one thread checks: every so many steps, at a neuron firing too often, and at the end.
        if ((overflowed || checkNow || sim.steps % this.every === 0 || sim.steps === target) && mine.header[FAILED_AT] < 0 && !sim.healthy()) mine.header[FAILED_AT] = sim.steps;
      }
    } catch {
      // Whatever stopped this thread (memory, a step that threw), it still meets the others at the
      // barrier, or they would wait for it for ever: it reports a failure at this step, so the
      // coordinator leaves the threads and the run on one thread says what went wrong.
      if (mine.header[FAILED_AT] < 0) mine.header[FAILED_AT] = sim.steps;
      localCounts.fill(0, (s - first) * P, steps * P);
    }
    const counts = mine.counts[parity];
    const neurons = mine.neurons[parity];
    const times = mine.times[parity];
    const cursor = this.cursor;
    // Steps [done, steps) of the window are still to deliver; `taken` is where step `done`'s spikes start here.
    let done = 0;
    let taken = 0;
    let recordFailure: unknown = null;
    for (;;) {
      // Copy whole steps while they fit (a step that alone does not fit marks the region: the run then goes on on one thread).
      let upTo = done;
      let used = 0;
      for (; upTo < steps; upTo++) {
        let n = 0;
        for (let p = 0; p < P; p++) n += localCounts[upTo * P + p];
        if (used + n > capacity) break;
        for (let p = 0; p < P; p++) counts[upTo * P + p] = localCounts[upTo * P + p];
        used += n;
      }
      // The spikes of those steps lie together here, from `taken`: one copy (by hand, no view per round).
      const localNeurons = this.localNeurons;
      const localTimes = this.localTimes;
      for (let k = 0; k < used; k++) {
        neurons[k] = localNeurons[taken + k];
        times[k] = localTimes[taken + k];
      }
      if (upTo === done && done < steps) mine.header[OVERFLOW] = 1;
      mine.header[WRITTEN_TO + parity] = upTo;
      arrive(this.control, init.threads, init.layout.spins);
      this.rounds++;
      if (Atomics.load(this.control, STOP) !== 0) return false;
      // The steps every region holds: the same for every thread, read after the same barrier (and
      // from this window's parity only, which no thread writes again before all have read it).
      let ready = steps;
      for (let th = 0; th < init.threads; th++) ready = Math.min(ready, regions[th].header[WRITTEN_TO + parity]);
      // No step more in every region: one step's spikes did not fit a round on some thread (it marked its region).
      const stuck = ready === done && done < steps;
      // Every thread's spikes of each step, in thread order (= neuron order), to this thread's targets.
      cursor.fill(0);
      for (let w = done; w < ready; w++) {
        const cell = w * P;
        for (let p = 0; p < P; p++) {
          const g = gathered[p].spikes;
          let total = 0;
          for (let th = 0; th < init.threads; th++) total += regions[th].counts[parity][cell + p];
          if (g.stepNeurons.length < total) {
            g.stepNeurons = new Int32Array(2 * total);
            g.stepTimes = new Float64Array(2 * total);
          }
          let at = 0;
          for (let th = 0; th < init.threads; th++) {
            const region = regions[th];
            const n = region.counts[parity][cell + p];
            const from = cursor[th];
            // Copied by hand: a subarray view per thread, population and step is garbage each step.
            const theirNeurons = region.neurons[parity];
            const theirTimes = region.times[parity];
            for (let k = 0; k < n; k++) {
              g.stepNeurons[at + k] = theirNeurons[from + k];
              g.stepTimes[at + k] = theirTimes[from + k];
            }
            at += n;
            cursor[th] = from + n;
          }
          g.stepCount = total;
        }
        // A recording that fails (memory) must not leave the others at the next barrier: the
        // rounds are finished, and the failure is thrown after.
        if (onStep && recordFailure === null) {
          try {
            onStep(first + w, parity);
          } catch (err) {
            recordFailure = err;
          }
        }
        sim.deliverDelayed(first + w);
      }
      for (let w = done; w < ready; w++) for (let p = 0; p < P; p++) taken += localCounts[w * P + p];
      done = ready;
      if (done >= steps || stuck) break;
      // Everyone has read this round before any region is written again.
      arrive(this.control, init.threads, init.layout.spins);
      if (Atomics.load(this.control, STOP) !== 0) return false;
    }
    this.window++;
    if (recordFailure !== null) throw recordFailure;
    return true;
  }

  private growLocal(size: number): void {
    const neurons = new Int32Array(size);
    neurons.set(this.localNeurons);
    const times = new Float64Array(size);
    times.set(this.localTimes);
    this.localNeurons = neurons;
    this.localTimes = times;
  }
}
