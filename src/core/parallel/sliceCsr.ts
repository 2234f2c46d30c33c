// One thread's share of a projection: the synapses onto its slice of the target population, in
// the order the whole projection holds them, so each target neuron receives its inputs in the
// order it does on one thread (and sums them to the same bits).
import type { Csr } from '../network/connectivity.js';

/**
 * A projection's synapses as a run on one thread draws them: the CSR (rows per source neuron,
 * targets of the whole target population), and the weight and delay, one for all or one per
 * synapse (weights already scaled by the synapse kinetics). A run split across threads draws it
 * once, on the coordinating thread, which hands each thread its targets' part (sliceCsr below).
 */
export interface SharedProjection {
  rowStart: Int32Array;
  targets: Int32Array;
  weight: number | Float32Array;
  delayMs: number | Float32Array;
}

/**
 * Keep the synapses of `csr` whose target lies in [start, start + size), as targets local to that
 * range (row per source as before). `perSynapse` values (a number for all, or one per synapse in
 * CSR order) are kept alongside.
 */
export function sliceCsr(csr: Csr, start: number, size: number, perSynapse: (number | Float32Array)[]): { csr: Csr; perSynapse: (number | Float32Array)[] } {
  const { rowStart, targets } = csr;
  const end = start + size;
  let kept = 0;
  for (let q = 0; q < targets.length; q++) if (targets[q] >= start && targets[q] < end) kept++;
  const outRows = new Int32Array(csr.sources + 1);
  const outTargets = new Int32Array(kept);
  const varying = perSynapse.map((v) => (typeof v === 'number' ? null : new Float32Array(kept)));
  let w = 0;
  for (let i = 0; i < csr.sources; i++) {
    outRows[i] = w;
    for (let q = rowStart[i], stop = rowStart[i + 1]; q < stop; q++) {
      const j = targets[q];
      if (j < start || j >= end) continue;
      outTargets[w] = j - start;
      for (let k = 0; k < perSynapse.length; k++) {
        const out = varying[k];
        if (out) out[w] = (perSynapse[k] as Float32Array)[q];
      }
      w++;
    }
  }
  outRows[csr.sources] = w;
  return { csr: { sources: csr.sources, rowStart: outRows, targets: outTargets }, perSynapse: perSynapse.map((v, k) => varying[k] ?? v) };
}

/** A typed array of `n` elements in shared memory (handed to a thread without a copy). */
function shared<T extends Int32Array | Float32Array>(n: number, make: (buffer: SharedArrayBuffer) => T): T {
  return make(new SharedArrayBuffer(Math.max(1, n) * 4));
}

/** The first q in [from, to) with targets[q] >= value (targets ascending there), else to. */
function lowerBound(targets: Int32Array, from: number, to: number, value: number): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (targets[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Each thread's part of a projection drawn whole (`ranges[thread]`: its neurons of the target
 * population), in shared memory: the synapses onto its range in the order the whole holds them,
 * targets made local, with their weights and delays. Where every row lists its targets in
 * ascending order (as the connectivity rules draw them; checked, since a list of pairs need not),
 * a thread's part of a row is one run found by bisection and copied whole; otherwise each synapse
 * is tested.
 */
export function partitionProjection(whole: SharedProjection, sources: number, ranges: { start: number; size: number }[]): SharedProjection[] {
  const { rowStart, targets } = whole;
  let ascending = true;
  for (let i = 0; i < sources && ascending; i++) {
    for (let q = rowStart[i] + 1, end = rowStart[i + 1]; q < end; q++) {
      if (targets[q] < targets[q - 1]) {
        ascending = false;
        break;
      }
    }
  }
  return ranges.map(({ start, size }) => {
    if (!ascending) {
      const kept = sliceCsr({ sources, rowStart, targets }, start, size, [whole.weight, whole.delayMs]);
      const copy = <T extends Int32Array | Float32Array>(a: T, make: (b: SharedArrayBuffer) => T): T => {
        const out = shared(a.length, make);
        out.set(a);
        return out.length === a.length ? out : (out.subarray(0, a.length) as T);
      };
      const perSynapse = (v: number | Float32Array) => (typeof v === 'number' ? v : copy(v, (b) => new Float32Array(b)));
      return { rowStart: copy(kept.csr.rowStart, (b) => new Int32Array(b)), targets: copy(kept.csr.targets, (b) => new Int32Array(b)), weight: perSynapse(kept.perSynapse[0]), delayMs: perSynapse(kept.perSynapse[1]) };
    }
    const end = start + size;
    const from = new Int32Array(sources);
    const to = new Int32Array(sources);
    let kept = 0;
    for (let i = 0; i < sources; i++) {
      const a = rowStart[i];
      const b = rowStart[i + 1];
      from[i] = lowerBound(targets, a, b, start);
      to[i] = lowerBound(targets, from[i], b, end);
      kept += to[i] - from[i];
    }
    const outRows = shared(sources + 1, (b) => new Int32Array(b, 0, sources + 1));
    const outTargets = shared(kept, (b) => new Int32Array(b, 0, kept));
    const weight = typeof whole.weight === 'number' ? whole.weight : shared(kept, (b) => new Float32Array(b, 0, kept));
    const delayMs = typeof whole.delayMs === 'number' ? whole.delayMs : shared(kept, (b) => new Float32Array(b, 0, kept));
    let w = 0;
    for (let i = 0; i < sources; i++) {
      outRows[i] = w;
      const a = from[i];
      const n = to[i] - a;
      for (let q = 0; q < n; q++) outTargets[w + q] = targets[a + q] - start;
      if (typeof weight !== 'number') weight.set((whole.weight as Float32Array).subarray(a, a + n), w);
      if (typeof delayMs !== 'number') delayMs.set((whole.delayMs as Float32Array).subarray(a, a + n), w);
      w += n;
    }
    outRows[sources] = w;
    return { rowStart: outRows, targets: outTargets, weight, delayMs };
  });
}
