// One thread's share of a projection: the synapses onto its slice of the target population, in
// the order the whole projection holds them, so each target neuron receives its inputs in the
// order it does on one thread (and sums them to the same bits).
import type { Csr } from '../network/connectivity.js';

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
