// Noisy f-I sweeps: averaged over neurons, reported step by step, cancellable, and matching the
// Siegert rate of the noisy LIF.
import { describe, expect, it } from 'vitest';
import { fiScenario, fiSweep, fiSweepSteps, type FiSweepEvent, type FiSweepOptions } from '../../src/bridge/fiSweep';
import { Simulation } from '../../src/core/simulation';
import { validateScenario } from '../../src/scenario/scenario';
import { siegertRateForCurrentHz } from '../../src/bridge/siegert';
import { lifRateHz } from '../../src/bridge/lifRate';

const lif = { tau_m: 10, t_ref: 2, V_th: -50, V_reset: -70, E_L: -70, R: 10 };

describe('Siegert vs simulation: LIF defaults, sigma_V = 5 mV, dt 0.1 ms', () => {
  it('within 5 % wherever the rate is above 2 Hz', () => {
    // 0.75 nA is the lowest of these currents with a rate above 2 Hz (Siegert: 2.98 Hz).
    const currents = [0.75, 1, 1.5, 2, 3, 4, 5];
    const curve = fiSweep({ model: 'lif', currents, durationMs: 10100, discardMs: 100, dtMs: 0.1, noiseSigmaMV: 5, neuronsPerCurrent: 300, seed: 11 });
    for (let k = 0; k < currents.length; k++) {
      // The theory for this grid: threshold and reset shifted by the discrete-time correction of
      // siegert.ts (0.41 mV here). Without it the rate is over-predicted by 11 % at 1 nA.
      const theory = siegertRateForCurrentHz(currents[k], 5, lif, 0.1);
      expect(theory).toBeGreaterThan(2);
      // Tolerance: 5 % is what the issue asks. The correction leaves ~1 % (O(dt) terms, measured
      // over 0.5-5 nA); the rest must be far beyond chance, so every point's standard error
      // (across its 300 independent neurons, 3000 neuron-seconds) must be below 1.25 %: then a
      // 5 % miss is over 3 standard errors beyond the ~1 % bias, and a correct sweep fails with
      // probability < 1e-3 per point.
      expect(curve.semHz[k] / curve.ratesHz[k]).toBeLessThan(0.0125);
      expect(Math.abs(curve.ratesHz[k] / theory - 1)).toBeLessThan(0.05);
    }
    // The correction is doing work: the uncorrected Siegert rate misses the lowest point by > 5 %.
    expect(curve.ratesHz[1] / siegertRateForCurrentHz(1, 5, lif) - 1).toBeLessThan(-0.05);
  });
});

describe('sweeps averaged over neurons', () => {
  const noisy: FiSweepOptions = { model: 'lif', currents: [1, 2, 3], durationMs: 1100, discardMs: 100, dtMs: 0.1, noiseSigmaMV: 5, neuronsPerCurrent: 50, seed: 4 };

  it('report the mean over each current\'s neurons with its standard error', () => {
    const curve = fiSweep(noisy);
    expect(curve.ratesHz.length).toBe(3);
    for (let k = 0; k < 3; k++) {
      expect(curve.semHz[k]).toBeGreaterThan(0);
      expect(Math.abs(curve.ratesHz[k] - siegertRateForCurrentHz(noisy.currents[k], 5, lif, 0.1))).toBeLessThan(5 * curve.semHz[k] + 1);
    }
    // Averaging over more neurons shrinks the spread as 1/sqrt(n).
    const more = fiSweep({ ...noisy, neuronsPerCurrent: 800 });
    expect(more.semHz[1]).toBeLessThan(curve.semHz[1] * 0.45); // 0.25 expected
  });

  it('are reproducible from the seed and differ between seeds', () => {
    expect(Array.from(fiSweep(noisy).ratesHz)).toEqual(Array.from(fiSweep(noisy).ratesHz));
    expect(Array.from(fiSweep({ ...noisy, seed: 5 }).ratesHz)).not.toEqual(Array.from(fiSweep(noisy).ratesHz));
  });

  it('without noise every neuron of a current fires alike', () => {
    const curve = fiSweep({ ...noisy, noiseSigmaMV: 0, neuronsPerCurrent: 3 });
    expect(Array.from(curve.semHz)).toEqual([0, 0, 0]);
    expect(Math.abs(curve.ratesHz[2] - lifRateHz(3, lif))).toBeLessThan(1.01);
  });

  it('refuses a neuron count that is not a whole number, naming it', () => {
    expect(() => fiSweep({ ...noisy, neuronsPerCurrent: 2.5 })).toThrow(/neuronsPerCurrent: 2\.5 neurons per current must be a whole number/);
  });
});

describe('noise level means the same for white and OU noise', () => {
  it.each([0, 2, 10])('the passive membrane has SD sigma_V (noise correlation time %s ms)', (noiseTauMs) => {
    // Threshold out of reach, so v is the free membrane; 1000 independent neurons sampled at 300,
    // 600 and 900 ms (30 membrane and noise time constants apart: independent samples of the
    // stationary state). The SD of 3000 normals is within 6 % of the truth with probability
    // 1 - 1e-5 (4.6 standard errors).
    const scenario = fiScenario({ model: 'lif', currents: [0], durationMs: 900, discardMs: 0, dtMs: 0.1, noiseSigmaMV: 5, noiseTauMs, neuronsPerCurrent: 1000, parameters: { V_th: 20 } });
    scenario.record = { spikes: false, traces: [{ population: 'sweep', variable: 'v', neurons: Array.from({ length: 1000 }, (_, k) => k) }], traceEveryMs: 300 };
    const sim = new Simulation(validateScenario(scenario));
    sim.advance();
    const v = sim.drain().traces.flatMap((t) => Array.from(t.values.slice(1)));
    expect(v.length).toBe(3000);
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1));
    expect(Math.abs(mean + 70)).toBeLessThan(4.5 * (5 / Math.sqrt(3000)));
    expect(Math.abs(sd / 5 - 1)).toBeLessThan(0.06);
  });
});

describe('fiSweepSteps: progress, points as chunks finish, cancel', () => {
  const options: FiSweepOptions = { model: 'lif', currents: Array.from({ length: 10 }, (_, k) => 2 + 0.5 * k), durationMs: 500, discardMs: 0, dtMs: 0.1 };

  it('streams every point once, with progress rising to 1, and returns the same curve as one run', () => {
    const steps = fiSweepSteps(options, { pointsPerChunk: 4, sliceMs: 100 });
    const events: FiSweepEvent[] = [];
    let next = steps.next();
    while (!next.done) {
      events.push(next.value);
      next = steps.next();
    }
    const fractions = events.map((e) => e.fraction);
    for (let k = 1; k < fractions.length; k++) expect(fractions[k]).toBeGreaterThanOrEqual(fractions[k - 1]);
    expect(fractions.at(-1)).toBe(1);
    const points = events.filter((e) => e.kind === 'points');
    expect(points.map((e) => e.startIndex)).toEqual([0, 4, 8]);
    expect(points.map((e) => e.currents.length)).toEqual([4, 4, 2]);
    expect(events.filter((e) => e.kind === 'progress').length).toBe(3 * 4);
    const whole = fiSweep(options);
    expect(Array.from(next.value.ratesHz)).toEqual(Array.from(whole.ratesHz));
    expect(Array.from(points.flatMap((e) => Array.from(e.ratesHz)))).toEqual(Array.from(whole.ratesHz));
  });

  it('stops when the caller stops: no further points after return()', () => {
    const steps = fiSweepSteps(options, { pointsPerChunk: 2 });
    const first = steps.next();
    expect(first.done).toBe(false);
    expect(first.value).toMatchObject({ kind: 'points', startIndex: 0 });
    expect(steps.return(undefined as never).done).toBe(true);
    expect(steps.next().done).toBe(true);
  });

  it('checks every chunk before the first runs', () => {
    expect(() => fiSweepSteps({ ...options, parameters: { tau_m: -1 } }, { pointsPerChunk: 2 }).next()).toThrow(/parameters\.tau_m: -1 ms is outside/);
    expect(() => fiSweepSteps(options, { pointsPerChunk: 0 }).next()).toThrow(/pointsPerChunk: 0 must be a whole number/);
  });
});
