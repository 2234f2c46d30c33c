// The shared memory of a run split across threads: a control block (barrier, commands) and one
// region per thread where it writes the spikes it fired in each step of a window, twice over (the
// window being read and the next one being written). No DOM, no Node: plain SharedArrayBuffers
// and Atomics, so the same code runs in worker_threads and in Web Workers.

/** Indices in the control block (Int32). */
export const BAR_COUNT = 0;
export const BAR_GEN = 1;
export const COMMAND = 2;
export const TARGET_STEP = 3;
export const STOP = 4;
/** Changes made while running (parameters, weights ...) for the threads to apply: a version and the bytes of their JSON. */
export const CHANGE_VERSION = 5;
export const CHANGE_BYTES = 6;
export const CONTROL_INTS = 8;
/** Room for the changes made between two commands (they are small: a few names and numbers each). */
export const CHANGE_CAPACITY = 1 << 16;

/** Region header (Int32): the step after which this thread's check failed (-1: none), and whether one step's spikes overflowed the region. */
export const FAILED_AT = 0;
export const OVERFLOW = 1;
/** Set where a change made while running could not be applied on this thread (the run then goes on on one). */
export const CHANGE_FAILED = 2;
/** Per parity (WRITTEN_TO + parity): the steps of the window the region holds spikes up to, this round of the exchange. */
export const WRITTEN_TO = 3;
const HEADER_INTS = 6;

export interface RegionLayout {
  windowSteps: number;
  populations: number;
  /** Spikes one round of the exchange holds (a region, per parity). */
  capacity: number;
  /** Spikes a thread keeps of one window, for all its rounds (more: the run goes on on one thread). */
  windowCapacity: number;
  /** Traced columns the trace buffers hold. */
  traceCapacity: number;
  /** Loads a thread spins at a barrier before it sleeps (arrive). */
  spins: number;
}

export interface Region {
  header: Int32Array;
  /** Per parity: spikes per (step of the window, population), then the spikes in that order. */
  counts: [Int32Array, Int32Array];
  neurons: [Int32Array, Int32Array];
  times: [Float64Array, Float64Array];
}

export function regionBytes(layout: RegionLayout): number {
  const ints = HEADER_INTS + 2 * layout.windowSteps * layout.populations + 2 * layout.capacity;
  return Math.ceil((4 * ints) / 8) * 8 + 16 * layout.capacity;
}

export function regionOf(buffer: SharedArrayBuffer, layout: RegionLayout): Region {
  const { windowSteps, populations, capacity } = layout;
  const cells = windowSteps * populations;
  let at = 0;
  const ints = (n: number) => {
    const view = new Int32Array(buffer, at, n);
    at += 4 * n;
    return view;
  };
  const header = ints(HEADER_INTS);
  const counts: [Int32Array, Int32Array] = [ints(cells), ints(cells)];
  const neurons: [Int32Array, Int32Array] = [ints(capacity), ints(capacity)];
  at = Math.ceil(at / 8) * 8;
  const times: [Float64Array, Float64Array] = [new Float64Array(buffer, at, capacity), new Float64Array(buffer, at + 8 * capacity, capacity)];
  return { header, counts, neurons, times };
}

/**
 * Wait until all `parties` have arrived (a generation counter). A thread that arrives early spins
 * on the counter first, up to `spins` loads (about 5 ns each: 20,000 are 0.1 ms here), since its
 * partners are usually a few microseconds behind and a wake-up from Atomics.wait costs tens of
 * microseconds; then it sleeps, so a partner the system has descheduled does not cost a core.
 * Two threads meet in about 0.5 us when both are running.
 */
export function arrive(control: Int32Array, parties: number, spins: number): void {
  const generation = Atomics.load(control, BAR_GEN);
  if (Atomics.add(control, BAR_COUNT, 1) === parties - 1) {
    Atomics.store(control, BAR_COUNT, 0);
    Atomics.add(control, BAR_GEN, 1);
    Atomics.notify(control, BAR_GEN);
    return;
  }
  for (let k = 0; k < spins; k++) if (Atomics.load(control, BAR_GEN) !== generation) return;
  while (Atomics.load(control, BAR_GEN) === generation) Atomics.wait(control, BAR_GEN, generation);
}

/**
 * Traces sampled on the threads: a table the coordinator writes between commands (a version,
 * the number of columns, then per column its population, state variable (-1: the input in force)
 * and neuron), and the samples of a window, per parity: [step of the window][column], each column
 * written by the thread holding its neuron at the steps a trace is sampled.
 */
export const TRACE_VERSION = 0;
export const TRACE_COUNT = 1;
export const TRACE_HEADER_INTS = 2;

export function traceTableBytes(capacity: number): number {
  return 4 * (TRACE_HEADER_INTS + 3 * capacity);
}

export function traceValuesBytes(windowSteps: number, capacity: number): number {
  return 8 * 2 * windowSteps * Math.max(1, capacity);
}
