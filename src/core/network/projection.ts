// A projection: synapses from one population to a state variable of another. At a spike each
// synapse adds its weight to a ring buffer slot `delay` steps ahead; the target population adds
// the slot to the variable when that step begins. Delays are therefore exact to the step.
//
// The target population sees a projection only through ArrivalRing and InstantInput
// (arrivalRing.ts), so population.ts does not import this file: the dependency runs one way.
import type { Csr } from './connectivity.js';
import type { Population } from '../population.js';
import type { ArrivalRing, InstantInput } from './arrivalRing.js';
import type { StpSpec } from '../scenarioSpec.js';

/**
 * Tsodyks-Markram short-term plasticity held per source neuron (every synapse of one source sees
 * the same spikes, so u and x are the same on all of them), advanced exactly from spike to spike.
 */
export class ShortTermPlasticity {
  readonly u: Float64Array;
  readonly x: Float64Array;
  readonly lastMs: Float64Array;
  constructor(readonly spec: StpSpec, sources: number) {
    this.u = new Float64Array(sources);
    this.x = new Float64Array(sources).fill(1);
    this.lastMs = new Float64Array(sources).fill(-Infinity);
  }

  /** The fraction u x of the weight that source i's spike at t delivers; updates u and x. */
  release(i: number, t: number): number {
    const { U, tauRecMs } = this.spec;
    const tauFacilMs = this.spec.tauFacilMs ?? 0;
    const gap = t - this.lastMs[i];
    let u = tauFacilMs > 0 ? this.u[i] * Math.exp(-gap / tauFacilMs) : 0;
    const x = 1 - (1 - this.x[i]) * Math.exp(-gap / tauRecMs);
    u += U * (1 - u);
    const r = u * x;
    this.u[i] = u;
    this.x[i] = x - r;
    this.lastMs[i] = t;
    return r;
  }

  save(): Float64Array[] {
    return [Float64Array.from(this.u), Float64Array.from(this.x), Float64Array.from(this.lastMs)];
  }

  restore(saved: Float64Array[]): void {
    this.u.set(saved[0]);
    this.x.set(saved[1]);
    this.lastMs.set(saved[2]);
  }
}

/**
 * What a projection reads of its source: the whole source population's size and the spikes it
 * fired in the last step (population indices). A Population is one; on one thread of a run split
 * across threads it is the spikes every thread fired, gathered (parallel/exchange.ts).
 */
export interface SpikeSourceView {
  readonly size: number;
  readonly spikes: { readonly stepNeurons: Int32Array; readonly stepTimes: Float64Array; readonly stepCount: number };
}

export class Projection implements InstantInput {
  constructor(
    readonly name: string,
    readonly source: SpikeSourceView,
    readonly target: Population,
    readonly csr: Csr,
    /** One weight for all synapses, or one per synapse (in CSR order). */
    public weight: number | Float32Array,
    /** One delay (ms) for all synapses, or one per synapse. */
    readonly delayMs: number | Float32Array,
    /** The target's state variable each spike increments. */
    readonly variable: number,
    /** Where delayed spikes wait; null for a projection without delay, applied by `arriveNow`. */
    readonly ring: ArrivalRing | null,
    /** Short-term plasticity (only with a ring: the weight of each spike is worked out as it is delivered). */
    readonly stp: ShortTermPlasticity | null = null,
  ) {
    this.heldInRefractory = target.model.refractory?.clamp.includes(variable) ?? false;
  }

  private readonly heldInRefractory: boolean;
  /** Set when the target runs in WebAssembly and holds this projection's synapses: adds the events there, returns how many. */
  private wasmArrive: ((count: number, t: number) => number) | null = null;
  /** Where wasmArrive reads the firing source neurons. */
  private wasmFired: Int32Array = new Int32Array(0);

  /**
   * The target has copied the synapses into its WebAssembly memory and adds the events itself
   * (half the JS loop's cost). The projection reads them there from now on: one copy.
   */
  movedToWasm(synapses: { rowStart: Int32Array; targets: Int32Array; weights: Float32Array | null; arrive: (count: number, t: number) => number }, fired: Int32Array): void {
    this.csr.rowStart = synapses.rowStart;
    this.csr.targets = synapses.targets;
    if (synapses.weights) this.weight = synapses.weights;
    this.wasmArrive = synapses.arrive;
    this.wasmFired = fired;
  }

  /** Whether setWeight applies (the weights are read at each spike, not compiled into a WebAssembly loop). */
  get canSetWeight(): boolean {
    return this.wasmArrive === null;
  }

  /**
   * One weight for every synapse from the next spike on; false where the weight is a constant of
   * the target's WebAssembly loop (a projection without delay it delivers itself).
   */
  setWeight(weight: number): boolean {
    if (!this.canSetWeight) return false;
    this.weight = weight * this.weightScale;
    return true;
  }

  /** The factor between a weight as given and the increment (synapse kinetics: the waveform peaks at the weight). */
  weightScale = 1;

  /** Synaptic events delivered so far (spikes times out-degree). */
  events = 0;

  get synapses(): number {
    return this.csr.targets.length;
  }

  /** Bytes held per synapse: target index, and weight and delay where they vary. */
  get bytesPerSynapse(): number {
    return 4 + (typeof this.weight === 'number' ? 0 : 4) + (typeof this.delayMs === 'number' ? 0 : 4);
  }

  /**
   * Schedule the arrivals of the spikes the source fired in step `step`: a spike at t_sp
   * arrives at the first step boundary at or after t_sp + delay (and never in its own step).
   */
  deliver(step: number, dt: number): void {
    if (!this.ring) return;
    const fired = this.source.spikes.stepNeurons;
    const times = this.source.spikes.stepTimes;
    const count = this.source.spikes.stepCount;
    if (count === 0) return;
    const { rowStart, targets } = this.csr;
    const data = this.ring.data;
    const size = this.ring.size;
    const slots = this.ring.slots;
    const weight = this.weight;
    const delay = this.delayMs;
    const stp = this.stp;
    for (let s = 0; s < count; s++) {
      const i = fired[s];
      const t = times[s];
      this.events += rowStart[i + 1] - rowStart[i];
      if (stp) {
        const f = stp.release(i, t);
        for (let q = rowStart[i], end = rowStart[i + 1]; q < end; q++) {
          const arrival = Math.max(step + 1, Math.ceil((t + (typeof delay === 'number' ? delay : delay[q])) / dt - 1e-9));
          data[(arrival % slots) * size + targets[q]] += f * (typeof weight === 'number' ? weight : weight[q]);
        }
      } else if (typeof delay === 'number') {
        const base = ((Math.max(step + 1, Math.ceil((t + delay) / dt - 1e-9)) % slots) * size) | 0;
        if (typeof weight === 'number') {
          for (let q = rowStart[i], end = rowStart[i + 1]; q < end; q++) data[base + targets[q]] += weight;
        } else {
          for (let q = rowStart[i], end = rowStart[i + 1]; q < end; q++) data[base + targets[q]] += weight[q];
        }
      } else {
        for (let q = rowStart[i], end = rowStart[i + 1]; q < end; q++) {
          const arrival = Math.max(step + 1, Math.ceil((t + delay[q]) / dt - 1e-9));
          data[(arrival % slots) * size + targets[q]] += typeof weight === 'number' ? weight : weight[q];
        }
      }
    }
  }

  /**
   * For a projection without delay: add the spikes the source fired in the last step to the
   * target's state at the start of this step (time t), before any population moves. That is where
   * a ring would put them; a variable held during refractoriness ignores them, as in the kernel.
   */
  arriveNow(t: number): void {
    if (this.ring) return;
    const count = this.source.spikes.stepCount;
    if (count === 0) return;
    const fired = this.source.spikes.stepNeurons;
    if (this.wasmArrive) {
      const into = this.wasmFired;
      for (let s = 0; s < count; s++) into[s] = fired[s];
      this.events += this.wasmArrive(count, t);
      return;
    }
    const { rowStart, targets } = this.csr;
    const x = this.target.state[this.variable];
    const R = this.target.refractoryUntil;
    const held = this.heldInRefractory;
    const weight = this.weight;
    for (let s = 0; s < count; s++) {
      const i = fired[s];
      const start = rowStart[i];
      const end = rowStart[i + 1];
      this.events += end - start;
      for (let q = start; q < end; q++) {
        const j = targets[q];
        if (held && R[j] > t) continue;
        x[j] += typeof weight === 'number' ? weight : weight[q];
      }
    }
  }
}
