// Summaries of spike trains: rates, irregularity (ISI CV) and count variability (Fano factor).
// Two conventions give different numbers for the same spikes, so both are offered and named:
// - ours, per population: each neuron's CV or Fano factor with the sample variance (n - 1), then
//   the mean over the population's neurons that have one;
// - pooled, as Brian2's usual analysis (np.std(isi) / np.mean(isi) per neuron): the variance with
//   n, and the mean over all neurons of all populations together.
// CUBA, the same spikes: 0.57-0.64 per population against 0.51-0.55 pooled (5 Hz for 1 s leaves a
// neuron about 4 intervals, where n - 1 against n is a factor 1.15 on the standard deviation).
// Pooling the intervals themselves (one std over every neuron's intervals) is a third convention
// and mixes in how rates differ between neurons (CUBA: 0.95); it is not what either reports.
// SpikeTrainStatistics takes spikes chunk by chunk (a run drained as it goes); its memory is a few
// numbers per neuron, whatever the number of spikes or the length of the run.

export interface SpikeStatistics {
  /** Mean firing rate over the window, Hz. */
  meanRateHz: number;
  /** Mean over neurons with at least 3 spikes of std(ISI) / mean(ISI); NaN if none has. */
  isiCv: number;
  /**
   * Mean over neurons that fired of var / mean of their spike counts in complete `fanoWindowMs`
   * windows; NaN with fewer than two windows.
   */
  fano: number;
  /** Neurons with at least one spike in the window. */
  activeFraction: number;
}

/** Sample variance (divide by n - 1, ours) or population variance (divide by n, Brian2's analyses). */
export type VarianceConvention = 'sample' | 'population';

/** How each statistic is computed, in words: printed beside the figures (`run` JSON output). */
export const STATISTICS_DEFINITIONS = {
  window: 'spikes with startMs <= t < stopMs of the rate window (record.rateWindowMs, or the whole run)',
  meanRateHz: 'spikes / neurons / window length in s',
  isiCv: 'stats.populations[k].isiCv: for each neuron of the population with at least 3 spikes, std / mean of its interspike intervals with the sample std (divide by n - 1); the mean over those neurons',
  fano: 'stats.populations[k].fano: for each neuron of the population that fired, var / mean of its spike counts in consecutive 100 ms windows from the window start (complete windows only) with the sample variance (n - 1); the mean over those neurons',
  activeFraction: 'neurons with at least one spike / neurons',
  pooled: 'stats.pooled: the same per-neuron figures with the population variance (divide by n, as np.std and np.var do), averaged over all neurons of all populations together: the convention of Brian2\'s usual analysis',
} as const;

/**
 * Statistics of neurons [offset, offset + size) within [startMs, stopMs), fed spikes (global
 * neuron indices, any order between neurons, time order within a neuron) by add().
 */
export class SpikeTrainStatistics {
  private readonly counts: Int32Array;
  private readonly last: Float64Array;
  private readonly isiSum: Float64Array;
  private readonly isiSumSq: Float64Array;
  private readonly isiN: Int32Array;
  /** Fano: the window each neuron's count is running in, that count, and the sum of squared counts of windows done. */
  private readonly window: Int32Array;
  private readonly windowCount: Int32Array;
  private readonly countsInWindows: Float64Array;
  private readonly countSumSq: Float64Array;
  private readonly windows: number;

  constructor(
    readonly offset: number,
    readonly size: number,
    readonly startMs: number,
    readonly stopMs: number,
    readonly fanoWindowMs = 100,
  ) {
    this.counts = new Int32Array(size);
    this.last = new Float64Array(size).fill(NaN);
    this.isiSum = new Float64Array(size);
    this.isiSumSq = new Float64Array(size);
    this.isiN = new Int32Array(size);
    this.window = new Int32Array(size).fill(-1);
    this.windowCount = new Int32Array(size);
    this.countsInWindows = new Float64Array(size);
    this.countSumSq = new Float64Array(size);
    this.windows = Math.max(1, Math.floor((stopMs - startMs) / fanoWindowMs));
  }

  add(timeMs: Float64Array, neuron: Int32Array): void {
    const { offset, size, startMs, stopMs, fanoWindowMs, windows } = this;
    for (let k = 0; k < timeMs.length; k++) {
      const i = neuron[k] - offset;
      const t = timeMs[k];
      if (i < 0 || i >= size || t < startMs || t >= stopMs) continue;
      this.counts[i]++;
      const w = Math.floor((t - startMs) / fanoWindowMs);
      if (w < windows) {
        if (w !== this.window[i]) {
          this.countSumSq[i] += this.windowCount[i] * this.windowCount[i];
          this.window[i] = w;
          this.windowCount[i] = 0;
        }
        this.windowCount[i]++;
        this.countsInWindows[i]++;
      }
      if (!Number.isNaN(this.last[i])) {
        const isi = t - this.last[i];
        this.isiSum[i] += isi;
        this.isiSumSq[i] += isi * isi;
        this.isiN[i]++;
      }
      this.last[i] = t;
    }
  }

  /**
   * The statistics of what was added, for neurons [first, first + count) of those held (all by
   * default), in a variance convention; `stopMs` cuts the window short (a run stopped early).
   */
  result(options: { first?: number; count?: number; variance?: VarianceConvention; stopMs?: number } = {}): SpikeStatistics {
    const first = options.first ?? 0;
    const count = options.count ?? this.size - first;
    const sample = (options.variance ?? 'sample') === 'sample';
    const span = Math.min(options.stopMs ?? this.stopMs, this.stopMs) - this.startMs;
    // Only windows that ended before the run did are complete.
    const windows = Math.min(this.windows, Math.max(0, Math.floor(span / this.fanoWindowMs)));
    let total = 0;
    let active = 0;
    let cvSum = 0;
    let cvN = 0;
    let fanoSum = 0;
    let fanoN = 0;
    for (let i = first; i < first + count; i++) {
      total += this.counts[i];
      if (this.counts[i] > 0) active++;
      const n = this.isiN[i];
      if (n >= 2) {
        const mean = this.isiSum[i] / n;
        const variance = Math.max(0, this.isiSumSq[i] / n - mean * mean) * (sample ? n / (n - 1) : 1);
        cvSum += Math.sqrt(variance) / mean;
        cvN++;
      }
      // The window still running counts if it is complete (a run stopped early cuts the last one).
      let s = this.countsInWindows[i];
      let ss = this.countSumSq[i];
      if (this.window[i] < windows) ss += this.windowCount[i] * this.windowCount[i];
      else s -= this.windowCount[i];
      if (windows >= 2 && this.counts[i] > 0) {
        const mean = s / windows;
        if (mean > 0) {
          fanoSum += ((ss / windows - mean * mean) * (sample ? windows / (windows - 1) : 1)) / mean;
          fanoN++;
        }
      }
    }
    return {
      meanRateHz: span > 0 && count > 0 ? (total / count) * (1000 / span) : NaN,
      isiCv: cvN > 0 ? cvSum / cvN : NaN,
      fano: fanoN > 0 ? fanoSum / fanoN : NaN,
      activeFraction: count > 0 ? active / count : NaN,
    };
  }
}

/**
 * Statistics of the neurons [offset, offset + size) from spikes (global neuron indices) within
 * [startMs, stopMs), with the population rate in bins of binMs (Hz per neuron).
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
): SpikeStatistics & { populationRateHz: Float64Array } {
  const statistics = new SpikeTrainStatistics(offset, size, startMs, stopMs, fanoWindowMs);
  statistics.add(timeMs, neuron);
  const bins = new Float64Array(Math.max(1, Math.ceil((stopMs - startMs) / binMs)));
  for (let k = 0; k < timeMs.length; k++) {
    const i = neuron[k] - offset;
    const t = timeMs[k];
    if (i < 0 || i >= size || t < startMs || t >= stopMs) continue;
    bins[Math.min(bins.length - 1, Math.floor((t - startMs) / binMs))]++;
  }
  for (let b = 0; b < bins.length; b++) bins[b] = (bins[b] / size) * (1000 / binMs);
  return { ...statistics.result(), populationRateHz: bins };
}
