// Current inputs. Each stimulus adds, for every step, its mean over the step to the input
// array of the neurons it targets, so edges between grid points keep the right charge.
import { Random } from '../random.js';
import { InputError } from '../errors.js';
import type { VoltageClampSpec } from './clamp.js';

export type Amount = number | number[];

interface Window {
  startMs?: number;
  stopMs?: number;
}

export type StimulusSpec = ((
  | ({ type: 'constant'; amplitude: Amount } & Window)
  | { type: 'step'; amplitude: Amount; startMs: number; stopMs: number }
  | ({ type: 'pulses'; amplitude: Amount; widthMs: number; periodMs: number; count?: number } & Window)
  | { type: 'ramp'; from: Amount; to: Amount; startMs: number; stopMs: number }
  | ({ type: 'sine'; amplitude: Amount; frequencyHz: number; phaseDeg?: number; offset?: Amount } & Window)
  | ({ type: 'whiteNoise'; mean?: Amount; sigma: Amount } & Window)
  | ({ type: 'ouNoise'; mean?: Amount; sigma: Amount; tauMs: number } & Window)
  | ({ type: 'poisson'; rateHz: Amount; amplitude: Amount; tauMs: number } & Window)
  /** Spikes from `sources` independent Poisson neurons, each adding `weight` to variable `on` (Brian2's PoissonInput). */
  | { type: 'poissonInput'; on: string; sources: number; rateHz: number; weight: number }
) & { population: string; targets?: 'all' | number[] }) | VoltageClampSpec;

/** A stimulus that adds a current (every type but the Poisson input and the voltage clamp). */
export type CurrentStimulusSpec = Exclude<StimulusSpec, { type: 'poissonInput' | 'voltageClamp' }>;

export const STIMULUS_TYPES = ['constant', 'step', 'pulses', 'ramp', 'sine', 'whiteNoise', 'ouNoise', 'poisson', 'poissonInput', 'voltageClamp'] as const;

/** A stimulus ready to run on one population. */
export interface Stimulus {
  /** Contributes the same values every step: added once to the static part of the input. */
  readonly isStatic: boolean;
  /** Add the mean input over [t, t + dt] to `input` (indexed by neuron). */
  add(input: Float64Array, t: number, dt: number): void;
  /**
   * Set for white noise that is always on: the population may draw it inside its kernel
   * (mean and sigma per target, as in the spec) instead of calling add() each step.
   */
  readonly whiteNoise?: { targets: Int32Array; mean: Float64Array; sigma: Float64Array; seed: number };
}

function overlap(a0: number, a1: number, b0: number, b1: number): number {
  const lo = a0 > b0 ? a0 : b0;
  const hi = a1 < b1 ? a1 : b1;
  return hi > lo ? hi - lo : 0;
}

/**
 * Time within [a, b] covered by the pulses [first + k period, first + k period + width), k = 0 ..
 * count - 1, in constant time whatever the number of pulses inside: the pulses at either end are
 * measured exactly, each whole one between them adds its width. (A loop over the pulses made a
 * microsecond period at dt = 1 ms a thousand iterations per step, and a period too small to move
 * k * period never ended.)
 */
export function pulseCover(a: number, b: number, first: number, width: number, period: number, count: number): number {
  if (!(b > a)) return 0;
  // From a pulse that ends at or before a (or the first) to the last that starts before b.
  const k0 = Math.max(0, Math.floor((a - first - width) / period));
  const k1 = Math.min(count - 1, Math.floor((b - first) / period) + 1);
  if (k1 < k0) return 0;
  const cover = (k: number) => {
    const p0 = first + k * period;
    return overlap(a, b, p0, p0 + width);
  };
  if (!(k1 - k0 <= 2 ** 52)) {
    // Beyond what a double counts exactly (a period below 1e-16 of the time): the duty cycle.
    return overlap(a, b, first, Number.isFinite(count) ? first + count * period : Infinity) * (width / period);
  }
  let covered = 0;
  if (k1 - k0 < 6) {
    for (let m = 0; m <= k1 - k0; m++) covered += cover(k0 + m); // at most six, whatever k0 is
    return covered;
  }
  // Two pulses at each end may be cut by a or b (the floors above can be off by one); the
  // k1 - k0 - 3 between them lie wholly inside.
  covered = cover(k0) + cover(k0 + 1) + cover(k1 - 1) + cover(k1) + (k1 - k0 - 3) * width;
  return Math.min(b - a, covered);
}

function expand(value: Amount | undefined, count: number, fallback: number): Float64Array {
  if (value === undefined) return new Float64Array(count).fill(fallback);
  if (typeof value === 'number') return new Float64Array(count).fill(value);
  return Float64Array.from(value);
}

/**
 * Build the runtime form of a validated stimulus. `targets` are neuron indices in the
 * population; `seed` seeds the stimulus's own random stream.
 */
export function createStimulus(spec: CurrentStimulusSpec, targets: Int32Array, seed: number): Stimulus {
  // A clamp holds v rather than adding a current (stimulus/clamp.ts): refused where a current is expected.
  if ((spec as { type: string }).type === 'voltageClamp') throw new InputError('stimuli', 'a voltage clamp sets the membrane potential; it is not a current stimulus and does not translate to one');
  const n = targets.length;
  const start = 'startMs' in spec && spec.startMs !== undefined ? spec.startMs : -Infinity;
  const stop = 'stopMs' in spec && spec.stopMs !== undefined ? spec.stopMs : Infinity;
  const windowed = start !== -Infinity || stop !== Infinity;
  const addScaled = (input: Float64Array, amounts: Float64Array, scale: number) => {
    if (scale === 0) return;
    for (let k = 0; k < n; k++) input[targets[k]] += amounts[k] * scale;
  };
  switch (spec.type) {
    case 'constant':
    case 'step': {
      const amplitude = expand(spec.amplitude, n, 0);
      return {
        isStatic: !windowed,
        add: (input, t, dt) => addScaled(input, amplitude, windowed ? overlap(t, t + dt, start, stop) / dt : 1),
      };
    }
    case 'pulses': {
      const amplitude = expand(spec.amplitude, n, 0);
      const first = Number.isFinite(start) ? start : 0;
      const count = spec.count ?? Infinity;
      const { widthMs, periodMs } = spec;
      return {
        isStatic: false,
        add: (input, t, dt) => addScaled(input, amplitude, pulseCover(t, Math.min(t + dt, stop), first, widthMs, periodMs, count) / dt),
      };
    }
    case 'ramp': {
      const from = expand(spec.from, n, 0);
      const to = expand(spec.to, n, 0);
      return {
        isStatic: false,
        add: (input, t, dt) => {
          const covered = overlap(t, t + dt, start, stop);
          if (covered === 0) return;
          // The ramp is linear, so its mean over the covered part is its value at the middle.
          const mid = Math.max(t, start) + covered / 2;
          const x = (mid - start) / (stop - start);
          const w = covered / dt;
          for (let k = 0; k < n; k++) input[targets[k]] += (from[k] + (to[k] - from[k]) * x) * w;
        },
      };
    }
    case 'sine': {
      const amplitude = expand(spec.amplitude, n, 0);
      const offset = expand(spec.offset, n, 0);
      const omega = (2 * Math.PI * spec.frequencyHz) / 1000; // rad per ms
      const phase = ((spec.phaseDeg ?? 0) * Math.PI) / 180;
      return {
        isStatic: false,
        add: (input, t, dt) => {
          const covered = overlap(t, t + dt, start, stop);
          if (covered === 0) return;
          const a = Math.max(t, start);
          const b = a + covered;
          // Exact mean of sin over [a, b].
          const s = omega === 0 ? Math.sin(phase) * covered : (Math.cos(omega * a + phase) - Math.cos(omega * b + phase)) / omega;
          const w = covered / dt;
          for (let k = 0; k < n; k++) input[targets[k]] += offset[k] * w + (amplitude[k] * s) / dt;
        },
      };
    }
    case 'whiteNoise': {
      // sigma is the standard deviation of the current averaged over 1 ms, so the noise is
      // white (independent of dt): a step of dt ms draws sigma * sqrt(1 ms / dt).
      const mean = expand(spec.mean, n, 0);
      const sigma = expand(spec.sigma, n, 0);
      const random = new Random(seed);
      const draws = new Float64Array(n);
      return {
        isStatic: false,
        ...(windowed ? {} : { whiteNoise: { targets, mean, sigma, seed } }),
        add: (input, t, dt) => {
          const mid = t + dt / 2;
          if (mid < start || mid >= stop) return;
          const scale = Math.sqrt(1 / dt);
          random.fillNormal(draws, n);
          for (let k = 0; k < n; k++) input[targets[k]] += mean[k] + sigma[k] * scale * draws[k];
        },
      };
    }
    case 'ouNoise': {
      const mean = expand(spec.mean, n, 0);
      const sigma = expand(spec.sigma, n, 0);
      const random = new Random(seed);
      const current = new Float64Array(n);
      for (let k = 0; k < n; k++) current[k] = mean[k] + sigma[k] * random.normal(); // stationary start
      let lastDt = NaN;
      let decay = 0;
      let kick = 0;
      return {
        isStatic: false,
        add: (input, t, dt) => {
          if (dt !== lastDt) {
            lastDt = dt;
            decay = Math.exp(-dt / spec.tauMs);
            kick = Math.sqrt(1 - decay * decay);
          }
          const mid = t + dt / 2;
          const active = mid >= start && mid < stop;
          for (let k = 0; k < n; k++) {
            if (active) input[targets[k]] += current[k];
            current[k] = mean[k] + (current[k] - mean[k]) * decay + sigma[k] * kick * random.normal();
          }
        },
      };
    }
    case 'poisson': {
      // Each event adds `amplitude` to a current that decays with tauMs (an exponential synapse).
      const rate = expand(spec.rateHz, n, 0);
      const amplitude = expand(spec.amplitude, n, 0);
      const random = new Random(seed);
      const current = new Float64Array(n);
      return {
        isStatic: false,
        add: (input, t, dt) => {
          const decay = Math.exp(-dt / spec.tauMs);
          const mean = (spec.tauMs * (1 - decay)) / dt; // mean of e^{-s/tau} over the step
          const mid = t + dt / 2;
          const active = mid >= start && mid < stop;
          for (let k = 0; k < n; k++) {
            if (active) {
              const events = random.poisson(rate[k] * dt * 1e-3);
              if (events > 0) current[k] += amplitude[k] * events;
            }
            input[targets[k]] += current[k] * mean;
            current[k] *= decay;
          }
        },
      };
    }
  }
}
