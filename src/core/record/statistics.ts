// Summaries of spike trains: rates, irregularity (ISI CV) and count variability (Fano factor).

export interface SpikeStatistics {
  /** Mean firing rate over the window, Hz. */
  meanRateHz: number;
  /** Mean over neurons with at least 3 spikes of std(ISI) / mean(ISI); NaN if none has. */
  isiCv: number;
  /** Mean over neurons that fired of var / mean of their spike counts in `fanoWindowMs` windows. */
  fano: number;
  /** Neurons with at least one spike in the window. */
  activeFraction: number;
  /** Population rate in bins of binMs, Hz per neuron. */
  populationRateHz: Float64Array;
}

/**
 * Statistics of the neurons [offset, offset + size) from spikes (global neuron indices) within
 * [startMs, stopMs).
 */
export function spikeStatistics(
  timeMs: Float64Array,
  neuron: Int32Array,
  offset: number,
  size: number,
  startMs: number,
  stopMs: number,
  binMs = 1,
  fanoWindowMs = 100,
): SpikeStatistics {
  const span = stopMs - startMs;
  const bins = new Float64Array(Math.max(1, Math.ceil(span / binMs)));
  const windows = Math.max(1, Math.floor(span / fanoWindowMs));
  const counts = new Int32Array(size);
  const windowCounts = new Int32Array(size * windows);
  const last = new Float64Array(size).fill(NaN);
  const isiSum = new Float64Array(size);
  const isiSumSq = new Float64Array(size);
  const isiN = new Int32Array(size);
  for (let k = 0; k < timeMs.length; k++) {
    const i = neuron[k] - offset;
    const t = timeMs[k];
    if (i < 0 || i >= size || t < startMs || t >= stopMs) continue;
    counts[i]++;
    bins[Math.min(bins.length - 1, Math.floor((t - startMs) / binMs))]++;
    const w = Math.floor((t - startMs) / fanoWindowMs);
    if (w < windows) windowCounts[i * windows + w]++;
    if (!Number.isNaN(last[i])) {
      const isi = t - last[i];
      isiSum[i] += isi;
      isiSumSq[i] += isi * isi;
      isiN[i]++;
    }
    last[i] = t;
  }
  let total = 0;
  let active = 0;
  let cvSum = 0;
  let cvN = 0;
  let fanoSum = 0;
  let fanoN = 0;
  for (let i = 0; i < size; i++) {
    total += counts[i];
    if (counts[i] > 0) active++;
    if (isiN[i] >= 2) {
      const mean = isiSum[i] / isiN[i];
      const variance = Math.max(0, isiSumSq[i] / isiN[i] - mean * mean) * (isiN[i] / (isiN[i] - 1));
      cvSum += Math.sqrt(variance) / mean;
      cvN++;
    }
    if (windows >= 2 && counts[i] > 0) {
      let s = 0;
      let ss = 0;
      for (let w = 0; w < windows; w++) {
        const c = windowCounts[i * windows + w];
        s += c;
        ss += c * c;
      }
      const mean = s / windows;
      if (mean > 0) {
        fanoSum += (ss / windows - mean * mean) * (windows / (windows - 1)) / mean;
        fanoN++;
      }
    }
  }
  for (let b = 0; b < bins.length; b++) bins[b] = (bins[b] / size) * (1000 / binMs);
  return {
    meanRateHz: (total / size) * (1000 / span),
    isiCv: cvN > 0 ? cvSum / cvN : NaN,
    fano: fanoN > 0 ? fanoSum / fanoN : NaN,
    activeFraction: active / size,
    populationRateHz: bins,
  };
}
