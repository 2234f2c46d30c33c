// Small operations on typed arrays that the core, the worker, the page and the CLI all need.

type Typed = Float64Array | Int32Array | Uint8Array;

/** The parts one after another in one new array (`make(n)` makes an empty one of length n). */
export function concatArrays<T extends Typed>(parts: readonly T[], make: (length: number) => T): T {
  const out = make(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * The spikes of the neurons `indexOf` keeps (indexOf[neuron] >= 0), renumbered to those indices:
 * a sample's spikes for its raster rows or its statistics.
 */
export function spikesOfSubset(timeMs: Float64Array, neuron: Int32Array, indexOf: Int32Array): { timeMs: Float64Array; neuron: Int32Array } {
  let n = 0;
  for (let i = 0; i < neuron.length; i++) if (indexOf[neuron[i]] >= 0) n++;
  const times = new Float64Array(n);
  const indices = new Int32Array(n);
  for (let i = 0, j = 0; i < neuron.length; i++) {
    const k = indexOf[neuron[i]];
    if (k < 0) continue;
    times[j] = timeMs[i];
    indices[j++] = k;
  }
  return { timeMs: times, neuron: indices };
}
