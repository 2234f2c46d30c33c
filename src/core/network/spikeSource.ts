// Spike sources (NEST's spike_generator and poisson_generator): a population whose neurons emit
// the spikes they are told to: given times, a regular train, bursts, or a Poisson train. It is a
// population like any other to the projections (they read its spikes of each step), so a source
// drives any synapse. Trains are produced as the run goes, a cursor per neuron, never held whole:
// a long or free run costs no memory. A Poisson neuron's k-th interval is drawn from a hash of
// (seed, population name, neuron, k), so its train does not depend on any other neuron or source.
//
// Timing: the step from t0 to t0 + dt emits the spikes in (t0, t0 + dt] (the first step [0, dt]),
// so a spike at t reaches its targets at the step boundary at or after t + delay: exactly at
// t + delay when that lies on the step grid.
import { loadModel, type LoadedModel } from '../model/loadModel.js';
import type { ModelFile } from '../model/modelFile.js';
import type { SpikeRecorder } from '../record/recorders.js';
import type { SpikeSourceSpec } from '../scenarioSpec.js';
import { splitmix32 } from '../random.js';

export const SPIKE_SOURCE_MODEL = 'spike_source';

/**
 * The model a spike source population carries, so every part that reads a population's model
 * (traces, summaries, the page) works unchanged: one state variable, the spikes emitted so far.
 */
const FILE: ModelFile = {
  format: 'spikebridge-model/1',
  id: SPIKE_SOURCE_MODEL,
  name: 'Spike source',
  shortName: 'spike source',
  description: 'Emits the spikes it is given (times, a regular train, bursts or a Poisson train) and nothing else: it has no membrane, and input does not reach it. Use it as the presynaptic side of a projection.',
  input: { symbol: 'I', unit: 'nA', meaning: 'not used: a spike source ignores input' },
  parameters: {},
  state: { count: { initial: '0', unit: '1', meaning: 'spikes emitted so far' } },
  equations: ['dcount/dt = 0'],
  threshold: { variable: 'count', level: '1e300' },
  defaultMethod: 'exact',
} as unknown as ModelFile;

let loaded: LoadedModel | null = null;

export function spikeSourceModel(): LoadedModel {
  return (loaded ??= loadModel(FILE, `models/${SPIKE_SOURCE_MODEL}.json`));
}

/** A stable 32-bit hash of a population name (Poisson streams follow the name, not the order of populations). */
export function nameHash(name: string): number {
  let h = 0x811c9dc5;
  for (let k = 0; k < name.length; k++) h = Math.imul(h ^ name.charCodeAt(k), 0x01000193);
  return h >>> 0;
}

/** A uniform number in (0, 1) from (key, neuron, k): the k-th draw of a neuron's own stream. */
function uniformAt(key: number, neuron: number, k: number): number {
  const mix = splitmix32((key ^ Math.imul(neuron + 1, 0x9e3779b1) ^ Math.imul(k + 1, 0x85ebca77)) >>> 0);
  mix();
  return (mix() + 0.5) / 4294967296;
}

/** The times a `times` spec gives neuron i. */
function timesOf(spec: Extract<SpikeSourceSpec, { type: 'times' }>, i: number): number[] {
  const t = spec.timesMs;
  return t.length > 0 && Array.isArray(t[0]) ? (t as number[][])[i] : (t as number[]);
}

export class SpikeGenerator {
  /** Per neuron: the index of its next spike in its train. */
  readonly next: Float64Array;
  /** Per neuron: the time of its next spike (Infinity when the train has ended). */
  readonly nextTime: Float64Array;
  private readonly key: number;

  constructor(
    readonly spec: SpikeSourceSpec,
    readonly size: number,
    seed: number,
    populationName: string,
    /** The first neuron of the population this generator emits for (one thread's slice; 0 for the whole). */
    readonly first = 0,
  ) {
    this.next = new Float64Array(size);
    this.nextTime = new Float64Array(size);
    this.key = (((spec.type === 'poisson' && spec.seed !== undefined ? spec.seed : seed) >>> 0) ^ nameHash(populationName)) >>> 0;
    for (let i = 0; i < size; i++) this.nextTime[i] = this.timeOf(i + first, 0, 0);
  }

  /** Neuron i's k-th spike time, given its (k-1)-th at `previous` (Poisson draws from it); Infinity after the last. */
  private timeOf(i: number, k: number, previous: number): number {
    const s = this.spec;
    switch (s.type) {
      case 'times': {
        const list = timesOf(s, i);
        return k < list.length ? list[k] : Infinity;
      }
      case 'regular': {
        if (s.count !== undefined && k >= s.count) return Infinity;
        const t = s.startMs + k * s.periodMs;
        return s.stopMs !== undefined && t >= s.stopMs ? Infinity : t;
      }
      case 'bursts': {
        const burst = Math.floor(k / s.spikesPerBurst);
        if (s.count !== undefined && burst >= s.count) return Infinity;
        const t = s.startMs + burst * s.burstPeriodMs + (k - burst * s.spikesPerBurst) * s.spikeIntervalMs;
        return s.stopMs !== undefined && t >= s.stopMs ? Infinity : t;
      }
      case 'poisson': {
        if (!(s.rateHz > 0)) return Infinity;
        const start = s.startMs ?? 0;
        const from = k === 0 ? start : previous;
        const t = from - Math.log(uniformAt(this.key, i, k)) * (1000 / s.rateHz);
        return s.stopMs !== undefined && t >= s.stopMs ? Infinity : t;
      }
    }
  }

  /** Emit the spikes of the step from t to t + dt (those in (t, t + dt], the first step from 0 inclusive) into `spikes`, counting them in `count`. */
  step(step: number, t: number, dt: number, spikes: SpikeRecorder, count: Float64Array): void {
    spikes.stepCount = 0;
    const end = t + dt + 1e-9 * dt;
    const nextTime = this.nextTime;
    for (let i = 0; i < this.size; i++) {
      let at = nextTime[i];
      while (at <= end) {
        spikes.spike(i, at);
        count[i]++;
        const k = ++this.next[i];
        at = this.timeOf(i + this.first, k, at);
      }
      nextTime[i] = at;
    }
    void step;
  }

  save(): Float64Array[] {
    return [Float64Array.from(this.next), Float64Array.from(this.nextTime)];
  }

  restore(saved: Float64Array[]): void {
    this.next.set(saved[0]);
    this.nextTime.set(saved[1]);
  }
}
