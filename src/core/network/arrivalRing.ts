// What a target population holds of the projections onto it: the ring where delayed spikes wait
// (one per target variable), and, for a projection without delay, the synapses it may move into
// its WebAssembly memory. Kept apart from projection.ts so the population does not import the
// projection that imports it.
import type { Csr } from './connectivity.js';

/** Arrivals for one state variable of one population: `slots` steps of N values. */
export class ArrivalRing {
  /** Replaced when the ring grows or moves into a WebAssembly memory: read it where it is used. */
  data: Float64Array;
  constructor(
    readonly variable: number,
    readonly size: number,
    public slots: number,
  ) {
    this.data = new Float64Array(size * slots);
  }

  /** Grow to `slots` (while building, before anything has arrived), keeping this object so every projection onto it stays attached. */
  grow(slots: number): void {
    if (slots <= this.slots) return;
    this.slots = slots;
    this.data = new Float64Array(this.size * slots);
  }
}

/** A projection without delay, as its target population sees it (the Projection class implements it). */
export interface InstantInput {
  readonly source: { readonly size: number };
  readonly csr: Csr;
  readonly weight: number | Float32Array;
  readonly variable: number;
  readonly synapses: number;
  /** The target copied the synapses into its WebAssembly memory and adds the events there from now on. */
  movedToWasm(synapses: { rowStart: Int32Array; targets: Int32Array; weights: Float32Array | null; arrive: (count: number, t: number) => number }, fired: Int32Array): void;
}
