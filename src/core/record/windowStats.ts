// Statistics of the last window of a run, per population, as a live display needs them: the mean
// rate, the ISI CV and the Fano factor (SpikeTrainStatistics of statistics.ts, the CLI's
// definitions, over [now - window, now)), and a histogram of the interspike intervals that fall
// inside the window. Spikes are fed frame by frame; only the last window's are kept, so memory is
// bounded by the window whatever the run's length.
import { SpikeTrainStatistics, type SpikeStatistics } from './statistics.js';

export interface WindowPopulation {
  name: string;
  offset: number;
  size: number;
}

export interface PopulationWindowStats extends SpikeStatistics {
  name: string;
  /** Counts of interspike intervals (both spikes in the window) in bins of binMs from 0; the last bin holds the longer ones. */
  isiHistogram: { binMs: number; counts: number[] };
}

export interface WindowStats {
  startMs: number;
  stopMs: number;
  populations: PopulationWindowStats[];
}

/** ISI histogram bins. */
const BINS = 20;

export class WindowStatistics {
  private times: Float64Array[] = [];
  private neurons: Int32Array[] = [];
  private nowMs = 0;

  constructor(
    private readonly populations: WindowPopulation[],
    /** Simulated ms the statistics cover, up to now; a wider one set later fills as the run goes on. */
    public windowMs: number,
    /** Fano factor counting windows (the CLI's default). */
    private readonly fanoWindowMs = 100,
  ) {}

  /** Add a frame's spikes (global neuron indices, time order) up to `endMs`. */
  add(timeMs: Float64Array, neuron: Int32Array, endMs: number): void {
    if (timeMs.length > 0) {
      this.times.push(timeMs.slice());
      this.neurons.push(neuron.slice());
    }
    this.nowMs = Math.max(this.nowMs, endMs);
    // Drop chunks wholly before the window.
    const from = this.nowMs - this.windowMs;
    while (this.times.length > 0) {
      const t = this.times[0];
      if (t.length > 0 && t[t.length - 1] >= from) break;
      this.times.shift();
      this.neurons.shift();
    }
  }

  /** The statistics of [max(0, now - window), now). */
  result(): WindowStats {
    const stopMs = this.nowMs;
    const startMs = Math.max(0, stopMs - this.windowMs);
    const populations = this.populations.map((p) => {
      const stats = new SpikeTrainStatistics(p.offset, p.size, startMs, stopMs, this.fanoWindowMs);
      for (let c = 0; c < this.times.length; c++) stats.add(this.times[c], this.neurons[c]);
      return { name: p.name, ...stats.result({ stopMs }), isiHistogram: this.histogram(p, startMs, stopMs) };
    });
    return { startMs, stopMs, populations };
  }

  private histogram(p: WindowPopulation, startMs: number, stopMs: number): { binMs: number; counts: number[] } {
    const last = new Float64Array(p.size).fill(Number.NaN);
    const isis: number[] = [];
    for (let c = 0; c < this.times.length; c++) {
      const times = this.times[c];
      const neurons = this.neurons[c];
      for (let k = 0; k < times.length; k++) {
        const i = neurons[k] - p.offset;
        const t = times[k];
        if (i < 0 || i >= p.size || t < startMs || t >= stopMs) continue;
        if (!Number.isNaN(last[i])) isis.push(t - last[i]);
        last[i] = t;
      }
    }
    // Bins of a round width covering the intervals up to the 95th percentile.
    isis.sort((a, b) => a - b);
    const top = isis.length > 0 ? isis[Math.min(isis.length - 1, Math.floor(0.95 * isis.length))] : 100;
    const raw = Math.max(top, 1) / BINS;
    const power = 10 ** Math.floor(Math.log10(raw));
    const binMs = [1, 2, 5, 10].map((m) => m * power).find((w) => w >= raw) ?? 10 * power;
    const counts = new Array<number>(BINS).fill(0);
    for (const isi of isis) counts[Math.min(BINS - 1, Math.floor(isi / binMs))]++;
    return { binMs, counts };
  }
}
