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
}

/** Samples of one state variable of chosen neurons. */
export class TraceRecorder {
  readonly columns: Column<Float64Array>[];
  constructor(
    readonly population: string,
    readonly variable: string,
    readonly variableIndex: number,
    readonly neurons: number[],
    private readonly low = -Infinity,
    private readonly high = Infinity,
  ) {
    this.columns = neurons.map(() => new Column((n) => new Float64Array(n)));
  }
  /** Record one sample per neuron; if any is NaN or outside the model's bounds, record nothing and return false. */
  sample(state: Float64Array[]): boolean {
    const values = state[this.variableIndex];
    for (let k = 0; k < this.neurons.length; k++) {
      const x = values[this.neurons[k]];
      if (!(x >= this.low && x <= this.high)) return false; // NaN fails too
    }
    for (let k = 0; k < this.neurons.length; k++) this.columns[k].push(values[this.neurons[k]]);
    return true;
  }
}
