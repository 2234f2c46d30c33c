// Laws the integrators must obey: exact LIF trajectories and intervals, convergence orders,
// exact refractoriness, seeded reproducibility, and blow-ups reported instead of drawn.
import { describe, expect, it } from 'vitest';
import { buildSimulation } from '../../src/scenario/scenario';
import { SimulationError, InputError } from '../../src/core/errors';
import lif from '../../models/lif.json';

const tau = 10;
const R = 10;
const EL = -70;

function lifRun(opts: { current: number; dtMs: number; durationMs: number; method?: string; parameters?: Record<string, number>; traceEveryMs?: number; model?: unknown }) {
  const sim = buildSimulation({
    format: 'spikebridge-scenario/1',
    durationMs: opts.durationMs,
    dtMs: opts.dtMs,
    populations: [{ name: 'n', model: opts.model ?? 'lif', size: 1, ...(opts.method ? { method: opts.method } : {}), ...(opts.parameters ? { parameters: opts.parameters } : {}) }],
    stimuli: [{ type: 'constant', population: 'n', amplitude: opts.current }],
    record: { spikes: true, traces: [{ population: 'n', variable: 'v', neurons: [0] }], ...(opts.traceEveryMs ? { traceEveryMs: opts.traceEveryMs } : {}) },
  });
  sim.advance();
  return sim.drain();
}

describe('LIF, exact method', () => {
  it('follows v(t) = E_L + R I (1 - exp(-t/tau)) below threshold to rounding error', () => {
    const frame = lifRun({ current: 1.5, dtMs: 0.1, durationMs: 50 });
    const v = frame.traces[0].values;
    v.forEach((x, k) => {
      const t = k * 0.1;
      expect(Math.abs(x - (EL + R * 1.5 * (1 - Math.exp(-t / tau))))).toBeLessThan(1e-9);
    });
    expect(frame.spikes.timeMs.length).toBe(0);
  });

  it.each([0.1, 0.37, 1.0])('gives interspike intervals t_ref + tau ln(RI/(RI - 20 mV)) exactly at dt = %s ms', (dtMs) => {
    const current = 3.3;
    const isi = 2 + tau * Math.log((R * current) / (R * current - 20));
    const times = lifRun({ current, dtMs, durationMs: 500 }).spikes.timeMs;
    expect(times.length).toBeGreaterThan(20);
    expect(Math.abs(times[0] - tau * Math.log((R * current) / (R * current - 20)))).toBeLessThan(1e-9);
    for (let k = 1; k < times.length; k++) expect(Math.abs(times[k] - times[k - 1] - isi)).toBeLessThan(1e-9);
  });

  it('has no refractoriness when t_ref = 0 (several spikes may fall in one step)', () => {
    const current = 30; // ISI = 10 ln(300/280) = 0.69 ms, so a 1 ms step holds one or two spikes
    const isi = tau * Math.log(300 / 280);
    const times = lifRun({ current, dtMs: 1, durationMs: 100, parameters: { t_ref: 0 } }).spikes.timeMs;
    expect(times.length).toBe(Math.floor(100 / isi));
    for (let k = 1; k < times.length; k++) expect(Math.abs(times[k] - times[k - 1] - isi)).toBeLessThan(1e-9);
  });

  it('holds v at V_reset during t_ref and restarts from it', () => {
    const frame = lifRun({ current: 5, dtMs: 0.01, durationMs: 20, parameters: { t_ref: 4 } });
    const first = frame.spikes.timeMs[0];
    const v = frame.traces[0].values;
    for (let k = Math.ceil(first / 0.01) + 1; k * 0.01 < first + 4 - 1e-9; k++) expect(v[k]).toBe(-70);
    const after = Math.ceil((first + 4) / 0.01) + 5;
    expect(v[after]).toBeGreaterThan(-70);
  });
});

describe('convergence order on the subthreshold LIF', () => {
  const errorAt = (method: string, dtMs: number) => {
    const v = lifRun({ current: 1.5, dtMs, durationMs: 20, method, traceEveryMs: 20 }).traces[0].values;
    return Math.abs(v[v.length - 1] - (EL + R * 1.5 * (1 - Math.exp(-20 / tau))));
  };
  it('forward Euler is first order', () => {
    const ratio = errorAt('euler', 0.2) / errorAt('euler', 0.1);
    expect(ratio).toBeGreaterThan(1.8);
    expect(ratio).toBeLessThan(2.2);
  });
  it('RK4 is fourth order', () => {
    const ratio = errorAt('rk4', 1) / errorAt('rk4', 0.5);
    expect(ratio).toBeGreaterThan(14);
    expect(ratio).toBeLessThan(18);
  });
  it('exponential Euler and the staggered scheme are exact for a linear equation with constant input', () => {
    expect(errorAt('exponential_euler', 1)).toBeLessThan(1e-10);
    expect(errorAt('staggered', 1)).toBeLessThan(1e-10);
  });
});

describe('noise and seeds', () => {
  const noisy = (seed: number) => {
    const sim = buildSimulation({
      format: 'spikebridge-scenario/1',
      durationMs: 1000,
      dtMs: 0.1,
      seed,
      populations: [{ name: 'n', model: 'lif', size: 20 }],
      stimuli: [{ type: 'constant', population: 'n', amplitude: 1.8 }, { type: 'whiteNoise', population: 'n', sigma: 3 }],
    });
    sim.advance();
    return sim.drain().spikes;
  };
  it('gives the same spikes for the same seed and different ones for another', () => {
    const a = noisy(7);
    const b = noisy(7);
    const c = noisy(8);
    expect(a.timeMs.length).toBeGreaterThan(50);
    expect(Array.from(b.timeMs)).toEqual(Array.from(a.timeMs));
    expect(Array.from(b.neuron)).toEqual(Array.from(a.neuron));
    expect(Array.from(c.timeMs)).not.toEqual(Array.from(a.timeMs));
  });
});

describe('blow-ups are reported, not drawn', () => {
  it('stops forward Euler on HH at a step too large for it, naming population and time', () => {
    const sim = buildSimulation({
      format: 'spikebridge-scenario/1',
      durationMs: 200,
      dtMs: 0.5,
      populations: [{ name: 'axon', model: 'hh', size: 1, method: 'euler' }],
      stimuli: [{ type: 'constant', population: 'axon', amplitude: 10 }],
    });
    expect(() => sim.advance()).toThrow(SimulationError);
    try {
      sim.advance();
    } catch (err) {
      expect((err as Error).message).toMatch(/population "axon" at t = [\d.]+ ms: [a-z]+ of neuron 0 (is NaN|is -?Infinity|= .* left its range)/);
    }
  });

  it('hands no garbage to the display: traced samples stop before the blow-up', () => {
    const sim = buildSimulation({
      format: 'spikebridge-scenario/1',
      durationMs: 200,
      dtMs: 0.5,
      populations: [{ name: 'axon', model: 'hh', size: 1, method: 'euler' }],
      stimuli: [{ type: 'constant', population: 'axon', amplitude: 10 }],
      record: { traces: [{ population: 'axon', variable: 'v', neurons: [0] }] },
    });
    expect(() => sim.advance()).toThrow(SimulationError);
    const v = sim.drain().traces[0].values;
    expect(v.length).toBeGreaterThan(0);
    expect(v.every((x) => Number.isFinite(x))).toBe(true);
  });

  it('stops a model whose reset does not bring it below threshold', () => {
    const model = structuredClone(lif) as Record<string, any>;
    model.constraints = [];
    model.parameters.V_reset.value = -50;
    model.parameters.t_ref.value = 0;
    const sim = buildSimulation({
      format: 'spikebridge-scenario/1',
      durationMs: 30,
      dtMs: 0.1,
      populations: [{ name: 'n', model, size: 1 }],
      stimuli: [{ type: 'constant', population: 'n', amplitude: 3 }],
    });
    expect(() => sim.advance()).toThrow(/fired more than 16 times within one step/);
  });

  it('refuses a live parameter change out of range and keeps running as before', () => {
    const sim = buildSimulation({
      format: 'spikebridge-scenario/1',
      durationMs: 100,
      dtMs: 0.1,
      populations: [{ name: 'n', model: 'lif', size: 1 }],
      stimuli: [{ type: 'constant', population: 'n', amplitude: 3 }],
    });
    sim.advance(50);
    expect(() => sim.setParameters('n', { tau_m: -1 })).toThrow(InputError);
    expect(() => sim.setParameters('n', { tau_m: -1 })).toThrow(/populations\[0\]\.parameters\.tau_m: -1 ms is outside the allowed range \[0\.5, 500\] ms/);
    sim.advance(50);
    const reference = lifRun({ current: 3, dtMs: 0.1, durationMs: 100 });
    expect(Array.from(sim.drain().spikes.timeMs)).toEqual(Array.from(reference.spikes.timeMs));
  });

  it('rebuilds the HH rate table when a live change touches the gates (temperature)', () => {
    const run = (changeAt: number | null) => {
      const sim = buildSimulation({
        format: 'spikebridge-scenario/1',
        durationMs: 300,
        dtMs: 0.01,
        populations: [{ name: 'axon', model: 'hh', size: 1 }],
        stimuli: [{ type: 'constant', population: 'axon', amplitude: 10 }],
      });
      sim.advance(100);
      if (changeAt !== null) sim.setParameters('axon', { celsius: changeAt });
      sim.drain();
      sim.advance(200);
      return sim.drain().spikes.timeMs.length;
    };
    const warm = buildSimulation({
      format: 'spikebridge-scenario/1',
      durationMs: 200,
      dtMs: 0.01,
      populations: [{ name: 'axon', model: 'hh', size: 1, parameters: { celsius: 12 } }],
      stimuli: [{ type: 'constant', population: 'axon', amplitude: 10 }],
    });
    warm.advance();
    // Faster gates (q10 = 3 per 10 degC) fire faster; the changed run must follow the warm neuron's rate.
    expect(run(12)).toBeGreaterThan(run(null) + 3);
    expect(Math.abs(run(12) - warm.drain().spikes.timeMs.length)).toBeLessThanOrEqual(1);
  });

  it('applies a valid live change (a longer tau_m slows firing)', () => {
    const sim = buildSimulation({
      format: 'spikebridge-scenario/1',
      durationMs: 1000,
      dtMs: 0.1,
      populations: [{ name: 'n', model: 'lif', size: 1 }],
      stimuli: [{ type: 'constant', population: 'n', amplitude: 3 }],
    });
    sim.advance(500);
    const before = sim.drain().spikes.timeMs.length;
    sim.setParameters('n', { tau_m: 20 });
    sim.advance(500);
    const after = sim.drain().spikes.timeMs.length;
    expect(after).toBeLessThan(before * 0.7);
  });
});

describe('injection ("poke the neuron")', () => {
  const quiet = () =>
    buildSimulation({
      format: 'spikebridge-scenario/1',
      durationMs: 300,
      dtMs: 0.1,
      populations: [{ name: 'n', model: 'lif', size: 2 }],
      stimuli: [{ type: 'step', population: 'n', amplitude: 1, startMs: 0, stopMs: 300 }],
      record: { spikes: true },
    });
  it('adds a current to chosen neurons while it is on, on top of the stimuli', () => {
    const sim = quiet();
    sim.advance(100); // 1 nA alone is below rheobase
    sim.inject('n', 2, [1]); // 3 nA in all: fires at 1000 / (2 + 10 ln 3) = 77 Hz
    sim.advance(100);
    sim.inject('n', 0);
    sim.advance(100);
    const { timeMs, neuron } = sim.drain().spikes;
    expect(Array.from(neuron).every((i) => i === 1)).toBe(true);
    expect(Array.from(timeMs).every((t) => t >= 100 && t < 200)).toBe(true);
    // From v - E_L = 10 (1 - e^-10) mV at 100 ms, 3 nA (30 mV) reaches 20 mV after tau ln((30 - v0) / 10).
    const v0 = 10 * (1 - Math.exp(-10));
    const first = 100 + tau * Math.log((30 - v0) / 10);
    const isi = 2 + tau * Math.log(3);
    expect(Math.abs(timeMs[0] - first)).toBeLessThan(1e-6);
    expect(timeMs.length).toBe(Math.floor((200 - first) / isi) + 1);
  });
  it('refuses a bad injection with its field and leaves the run as it was', () => {
    const sim = quiet();
    expect(() => sim.inject('m', 1)).toThrow(/^population: "m" is not a population of this scenario/);
    expect(() => sim.inject('n', Number.NaN)).toThrow(/^amplitude: must be a number in \[-1e6, 1e6\] nA/);
    expect(() => sim.inject('n', 1, [5])).toThrow(/^neurons\[0\]: 5 is not a neuron of n \(0\.\.1\)/);
    sim.advance();
    expect(sim.drain().spikes.timeMs.length).toBe(0);
  });
});
