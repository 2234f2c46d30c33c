// Recording into growable typed arrays that are handed over whole when drained.

/** A growable column of numbers. */
export class Column<T extends Float64Array | Int32Array> {
  private data: T;
  length = 0;
  constructor(private readonly make: (n: number) => T, capacity = 1024) {
    this.data = make(capacity);
  }
  push(x: number): void {
    if (this.length === this.data.length) {
      const bigger = this.make(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = x;
  }
  /** Forget the values pushed after the first `length` (a stretch of steps run again). */
  truncate(length: number): void {
    if (length < this.length) this.length = length;
  }
  /** Hold what `other` holds (a run taken over from another simulation). */
  copyFrom(other: Column<T>): void {
    this.data = other.data.slice() as T;
    this.length = other.length;
  }
  /** The recorded values as an array of their own (its buffer can be transferred), then empty. */
  take(): T {
    const out = this.data.slice(0, this.length) as T;
    this.length = 0;
    return out;
  }
}

/** Spikes of one population, stored with global neuron indices. */
export class SpikeRecorder {
  readonly times = new Column((n) => new Float64Array(n));
  readonly neurons = new Column((n) => new Int32Array(n));
  /** Spikes counted per neuron in the rate window (if one was asked for). */
  readonly windowCounts: Int32Array;
  total = 0;
  /** Spikes not kept because `keepAtMost` were already held undrained (memory stays bounded). */
  notKept = 0;
  overflowAt: { neuron: number; timeMs: number } | null = null;

  constructor(
    private readonly offset: number,
    size: number,
    /** How many spikes to hold until the next drain; 0 keeps none (counts and rates still run). */
    private readonly keepAtMost: number,
    private readonly windowStartMs = Infinity,
    private readonly windowStopMs = -Infinity,
  ) {
    this.windowCounts = new Int32Array(Number.isFinite(windowStartMs) ? size : 0);
  }

  /** Neurons (local indices) that fired in the current step, for delivery to projections. */
  stepNeurons = new Int32Array(64);
  stepTimes = new Float64Array(64);
  stepCount = 0;

  spike(neuron: number, timeMs: number): void {
    this.total++;
    if (this.stepCount === this.stepNeurons.length) {
      const neurons = new Int32Array(this.stepNeurons.length * 2);
      neurons.set(this.stepNeurons);
      this.stepNeurons = neurons;
      const times = new Float64Array(neurons.length);
      times.set(this.stepTimes);
      this.stepTimes = times;
    }
    this.stepTimes[this.stepCount] = timeMs;
    this.stepNeurons[this.stepCount++] = neuron;
    if (this.times.length < this.keepAtMost) {
      this.times.push(timeMs);
      this.neurons.push(neuron + this.offset);
    } else if (this.keepAtMost > 0) this.notKept++;
    if (timeMs >= this.windowStartMs && timeMs < this.windowStopMs) this.windowCounts[neuron]++;
  }

  overflow(neuron: number, timeMs: number): void {
    if (!this.overflowAt) this.overflowAt = { neuron, timeMs };
  }

  /** What the steps change here, so they can be run again from this point (see Simulation). */
  save(into: SpikeRecorderSnapshot | null): SpikeRecorderSnapshot {
    const s = into ?? { kept: 0, total: 0, notKept: 0, windowCounts: new Int32Array(this.windowCounts.length), stepCount: 0, stepNeurons: new Int32Array(0), stepTimes: new Float64Array(0) };
    s.kept = this.times.length;
    s.total = this.total;
    s.notKept = this.notKept;
    s.windowCounts.set(this.windowCounts);
    // The last step's spikes reach projections without delay at the start of the next step.
    s.stepCount = this.stepCount;
    if (s.stepNeurons.length < this.stepCount) {
      s.stepNeurons = new Int32Array(this.stepNeurons.length);
      s.stepTimes = new Float64Array(this.stepNeurons.length);
    }
    s.stepNeurons.set(this.stepNeurons.subarray(0, this.stepCount));
    s.stepTimes.set(this.stepTimes.subarray(0, this.stepCount));
    return s;
  }

  /** Hold what `other` (the same population in another simulation of the same scenario) holds. */
  adopt(other: SpikeRecorder): void {
    this.times.copyFrom(other.times);
    this.neurons.copyFrom(other.neurons);
    this.total = other.total;
    this.notKept = other.notKept;
    this.windowCounts.set(other.windowCounts);
    this.stepNeurons = other.stepNeurons.slice();
    this.stepTimes = other.stepTimes.slice();
    this.stepCount = other.stepCount;
    this.overflowAt = other.overflowAt;
  }

  restore(s: SpikeRecorderSnapshot): void {
    this.times.truncate(s.kept);
    this.neurons.truncate(s.kept);
    this.total = s.total;
    this.notKept = s.notKept;
    this.windowCounts.set(s.windowCounts);
    this.stepCount = s.stepCount;
    this.stepNeurons.set(s.stepNeurons.subarray(0, s.stepCount));
    this.stepTimes.set(s.stepTimes.subarray(0, s.stepCount));
    this.overflowAt = null;
  }
}

export interface SpikeRecorderSnapshot {
  kept: number;
  total: number;
  notKept: number;
  windowCounts: Int32Array;
  stepCount: number;
  stepNeurons: Int32Array;
  stepTimes: Float64Array;
}

/**
 * Samples of one state variable of chosen neurons. Every sample is kept, so all traces of a run
 * have the same samples (t = 0 included); whether a value is still inside the model's bounds is
 * the simulation's question (within()), asked before any trace of the step is sampled.
 */
export class TraceRecorder {
  readonly columns: Column<Float64Array>[];
  constructor(
    readonly population: string,
    readonly variable: string,
    readonly variableIndex: number,
    readonly neurons: number[],
    readonly low = -Infinity,
    readonly high = Infinity,
  ) {
    this.columns = neurons.map(() => new Column((n) => new Float64Array(n)));
  }
  /** Whether every traced value is inside the model's bounds (NaN is not). */
  within(state: Float64Array[]): boolean {
    const values = state[this.variableIndex];
    for (let k = 0; k < this.neurons.length; k++) {
      const x = values[this.neurons[k]];
      if (!(x >= this.low && x <= this.high)) return false;
    }
    return true;
  }
  /** Hold the samples `other` holds. */
  adopt(other: TraceRecorder): void {
    this.columns.forEach((c, k) => c.copyFrom(other.columns[k]));
  }
  /** Record one sample per neuron. */
  sample(state: Float64Array[]): void {
    const values = state[this.variableIndex];
    for (let k = 0; k < this.neurons.length; k++) this.columns[k].push(values[this.neurons[k]]);
  }
  /** How many samples each column holds (all hold the same number). */
  get length(): number {
    return this.columns.length > 0 ? this.columns[0].length : 0;
  }
  truncate(length: number): void {
    for (const column of this.columns) column.truncate(length);
  }
}
