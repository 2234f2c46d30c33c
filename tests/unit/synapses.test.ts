// Synapse kinetics as data (src/core/network/synapseKinetics.ts): the postsynaptic potential of
// one spike onto a LIF neuron against its closed form for each shape, the conductance synapse's
// reversal, and Tsodyks-Markram short-term plasticity against its steady state.
import { describe, expect, it } from 'vitest';
import { buildSimulation, validateScenario } from '../../src/scenario/scenario';
import { expectRefused } from './refusal';

const DT = 0.1;
// lif defaults: E_L = -70 mV, R = 10 MOhm, tau_m = 10 ms.
const R = 10;
const TAU_M = 10;
const SPIKE_MS = 10;
const DELAY_MS = 1;
const ARRIVAL_MS = SPIKE_MS + DELAY_MS;

function psp(synapse: unknown, weight: number, method?: string) {
  const sim = buildSimulation({
    format: 'spikebridge-scenario/1',
    durationMs: 120,
    dtMs: DT,
    seed: 1,
    populations: [
      { name: 'input', size: 1, spikes: { type: 'times', timesMs: [SPIKE_MS] } },
      { name: 'cell', model: 'lif', size: 1, ...(method ? { method } : {}) },
    ],
    projections: [{ source: 'input', target: 'cell', connect: { rule: 'all' }, synapse, weight, delayMs: DELAY_MS }],
    stimuli: [],
    record: { traces: [{ population: 'cell', variable: 'v', neurons: [0] }, { population: 'cell', variable: 'g_syn0', neurons: [0] }] },
  });
  sim.advance();
  const frame = sim.drain();
  return { v: frame.traces[0].values, g: frame.traces[1].values, method: sim.populations[1].method };
}

/** The peak of sampled values: the largest sample refined by the parabola through it and its neighbours. */
function sampledPeak(values: Float64Array, baseline: number): { timeMs: number; value: number } {
  let k = 0;
  for (let i = 1; i < values.length; i++) if (Math.abs(values[i] - baseline) > Math.abs(values[k] - baseline)) k = i;
  const [a, b, c] = [values[k - 1], values[k], values[k + 1]];
  const shift = (0.5 * (a - c)) / (a - 2 * b + c);
  return { timeMs: (k + shift) * DT, value: b - 0.25 * (a - c) * shift - baseline };
}

/** The peak of a closed form f(s) (s: time since arrival), by a fine scan refined with golden sections. */
function closedPeak(f: (s: number) => number): { timeMs: number; value: number } {
  let best = 0;
  for (let s = 0; s < 100; s += 0.01) if (Math.abs(f(s)) > Math.abs(f(best))) best = s;
  let lo = Math.max(0, best - 0.01);
  let hi = best + 0.01;
  for (let k = 0; k < 100; k++) {
    const m1 = lo + (hi - lo) * 0.382;
    const m2 = lo + (hi - lo) * 0.618;
    if (Math.abs(f(m1)) > Math.abs(f(m2))) hi = m2;
    else lo = m1;
  }
  return { timeMs: (lo + hi) / 2, value: f((lo + hi) / 2) };
}

/** v - E_L after a current g(s) = c (e^(-s/tau) ...) filtered by the membrane: R tau/(tau_m - tau) (e^(-s/tau_m) - e^(-s/tau)) per unit exponential. */
const filtered = (tau: number) => (s: number) => ((R * tau) / (TAU_M - tau)) * (Math.exp(-s / TAU_M) - Math.exp(-s / tau));

function expectPsp(name: string, v: Float64Array, f: (s: number) => number): { valueError: number; timeError: number } {
  const E_L = -70;
  // The synapse is a state variable integrated exactly with v: the samples are the closed form itself.
  for (const s of [1, 3.3, 7, 20, 50]) expect(v[Math.round((ARRIVAL_MS + s) / DT)] - E_L, `${name} at ${s} ms`).toBeCloseTo(f(s), 9);
  const ours = sampledPeak(v, E_L);
  const want = closedPeak(f);
  const valueError = Math.abs(ours.value - want.value) / Math.abs(want.value);
  const timeError = Math.abs(ours.timeMs - ARRIVAL_MS - want.timeMs) / want.timeMs;
  expect(valueError, `${name}: peak value`).toBeLessThan(1e-3);
  expect(timeError, `${name}: peak time`).toBeLessThan(1e-3);
  return { valueError, timeError };
}

describe('synapse kinetics onto a LIF neuron (exact integration, dt 0.1 ms)', () => {
  it('current-based exponential: v - E_L = R w tau_s/(tau_m - tau_s) (e^(-t/tau_m) - e^(-t/tau_s)), peak value and time within 0.1 %', () => {
    const w = 0.8; // nA
    const tauS = 5;
    const { v, g, method } = psp({ kind: 'current', shape: 'exponential', tauMs: tauS }, w);
    expect(method).toBe('exact');
    // g jumps by the weight at the arrival (the sample after it has decayed one step).
    expect(g[Math.round(ARRIVAL_MS / DT)]).toBe(0);
    expect(g[Math.round(ARRIVAL_MS / DT) + 1]).toBeCloseTo(w * Math.exp(-DT / tauS), 12);
    const errors = expectPsp('exponential', v, (s) => w * filtered(tauS)(s));
    // The textbook peak: at tau_m tau_s/(tau_m - tau_s) ln(tau_m/tau_s) = 6.93 ms, R w / 4 = 2 mV.
    expect(sampledPeak(v, -70).value).toBeCloseTo((R * w) / 4, 5);
    console.log(`exponential PSP: peak value error ${errors.valueError.toExponential(2)}, peak time error ${errors.timeError.toExponential(2)}`);
  });

  it('current-based alpha: g = w (t/tau) e^(1 - t/tau) peaks at w at tau; the PSP is its closed form', () => {
    const w = 0.5;
    const tau = 2;
    const { v, g } = psp({ kind: 'current', shape: 'alpha', tauMs: tau }, w);
    const at = Math.round((ARRIVAL_MS + tau) / DT);
    expect(g[at]).toBeCloseTo(w, 12);
    const a = 1 / tau - 1 / TAU_M;
    const f = (s: number) => ((R * w * Math.E) / (TAU_M * tau)) * Math.exp(-s / TAU_M) * ((1 - Math.exp(-a * s) * (1 + a * s)) / (a * a));
    const errors = expectPsp('alpha', v, f);
    console.log(`alpha PSP: peak value error ${errors.valueError.toExponential(2)}, peak time error ${errors.timeError.toExponential(2)}`);
  });

  it('current-based difference of exponentials: g peaks at w at tau_r tau_d/(tau_d - tau_r) ln(tau_d/tau_r); the PSP is its closed form', () => {
    const w = 0.5;
    const [tauR, tauD] = [1, 6];
    const { v, g } = psp({ kind: 'current', shape: 'biexponential', tauRiseMs: tauR, tauDecayMs: tauD }, w);
    const tp = ((tauR * tauD) / (tauD - tauR)) * Math.log(tauD / tauR);
    const shape = (s: number) => Math.exp(-s / tauD) - Math.exp(-s / tauR);
    const c = w / shape(tp);
    const gPeak = sampledPeak(g, 0);
    expect(Math.abs(gPeak.value - w) / w).toBeLessThan(1e-4);
    expect(g[Math.round((ARRIVAL_MS + 3) / DT)]).toBeCloseTo(c * shape(3), 12);
    const f = (s: number) => c * (filtered(tauD)(s) - filtered(tauR)(s));
    const errors = expectPsp('biexponential', v, f);
    console.log(`biexponential PSP: peak value error ${errors.valueError.toExponential(2)}, peak time error ${errors.timeError.toExponential(2)}`);
  });

  it('a conductance synapse moves a LIF on its default exact method to exponential Euler (g (E - v) is not linear); a method asked for is kept', () => {
    expect(psp({ kind: 'conductance', shape: 'exponential', tauMs: 5, reversalMV: 0 }, 0.01).method).toBe('exponential_euler');
    expect(psp({ kind: 'conductance', shape: 'exponential', tauMs: 5, reversalMV: 0 }, 0.01, 'rk4').method).toBe('rk4');
  });

  it('the conductance IPSP reverses at its reversal potential E_i, within 0.1 mV', () => {
    const E_i = -75;
    // Eleven neurons held from -80 to -70 mV by constant currents, one inhibitory spike onto all.
    const levels = Array.from({ length: 11 }, (_, k) => -80 + k);
    const sim = buildSimulation({
      format: 'spikebridge-scenario/1',
      durationMs: 300,
      dtMs: DT,
      seed: 1,
      populations: [
        { name: 'input', size: 1, spikes: { type: 'times', timesMs: [200] } },
        { name: 'cells', model: 'lif', size: levels.length },
      ],
      projections: [{ source: 'input', target: 'cells', connect: { rule: 'all' }, synapse: { kind: 'conductance', shape: 'exponential', tauMs: 5, reversalMV: E_i }, weight: 0.05 }],
      stimuli: [{ type: 'constant', population: 'cells', amplitude: levels.map((v) => (v + 70) / R) }],
      record: { traces: [{ population: 'cells', variable: 'v', neurons: levels.map((_, k) => k) }] },
    });
    sim.advance();
    const traces = sim.drain().traces;
    const peaks = traces.map((tr, k) => {
      const after = tr.values.subarray(Math.round(200 / DT));
      const base = after[0];
      expect(base).toBeCloseTo(levels[k], 3);
      let extreme = 0;
      for (const x of after) if (Math.abs(x - base) > Math.abs(extreme)) extreme = x - base;
      return { base, extreme };
    });
    // Hyperpolarising above E_i, depolarising below it: the sign changes once, at E_i.
    const k = peaks.findIndex((p, j) => j > 0 && Math.sign(p.extreme) !== Math.sign(peaks[j - 1].extreme) && p.extreme !== 0);
    const [a, b] = [peaks[k - 1], peaks[k]];
    const reversal = a.base - (a.extreme * (b.base - a.base)) / (b.extreme - a.extreme);
    expect(peaks[0].extreme).toBeGreaterThan(0);
    expect(peaks[peaks.length - 1].extreme).toBeLessThan(0);
    expect(Math.abs(reversal - E_i)).toBeLessThan(0.1);
    console.log(`conductance IPSP reversal: ${reversal.toFixed(5)} mV (E_i ${E_i} mV), error ${Math.abs(reversal - E_i).toExponential(2)} mV`);
  });

  it('shunting inhibition: a conductance with its reversal at rest stops a spike without moving v at rest', () => {
    const scenario = (inhibit: boolean) => ({
      format: 'spikebridge-scenario/1',
      durationMs: 60,
      dtMs: DT,
      seed: 1,
      populations: [
        { name: 'exc', size: 1, spikes: { type: 'times', timesMs: [20] } },
        { name: 'inh', size: 1, spikes: { type: 'times', timesMs: [19] } },
        { name: 'cell', model: 'lif', size: 1 },
      ],
      projections: [
        { source: 'exc', target: 'cell', connect: { rule: 'all' }, synapse: { kind: 'conductance', shape: 'exponential', tauMs: 5, reversalMV: 0 }, weight: 0.2 },
        { source: 'inh', target: 'cell', connect: { rule: 'all' }, synapse: { kind: 'conductance', shape: 'exponential', tauMs: 10, reversalMV: -70 }, weight: inhibit ? 0.5 : 0 },
      ],
      stimuli: [],
      record: { traces: [{ population: 'cell', variable: 'v', neurons: [0] }] },
    });
    const run = (inhibit: boolean) => {
      const sim = buildSimulation(scenario(inhibit));
      sim.advance();
      const frame = sim.drain();
      return { spikes: sim.stats().populations[2].spikeCount, v: frame.traces[0].values };
    };
    expect(run(false).spikes).toBe(1);
    const shunted = run(true);
    expect(shunted.spikes).toBe(0);
    // Before the excitatory spike arrives, the shunt alone leaves v at rest (-70 mV) to the bit.
    expect(shunted.v[Math.round(20 / DT)]).toBe(-70);
  });

  it('two projections with the same kinetics share one receptor; different kinetics get their own state variables', () => {
    const valid = validateScenario({
      format: 'spikebridge-scenario/1',
      durationMs: 10,
      dtMs: DT,
      populations: [
        { name: 'a', size: 1, spikes: { type: 'regular', startMs: 1, periodMs: 5 } },
        { name: 'cell', model: 'lif', size: 1 },
      ],
      projections: [
        { source: 'a', target: 'cell', connect: { rule: 'all' }, synapse: { kind: 'current', shape: 'exponential', tauMs: 5 }, weight: 1 },
        { source: 'a', target: 'cell', connect: { rule: 'all' }, synapse: { kind: 'current', shape: 'exponential', tauMs: 5 }, weight: -1 },
        { source: 'a', target: 'cell', connect: { rule: 'all' }, synapse: { kind: 'current', shape: 'alpha', tauMs: 2 }, weight: 1 },
      ],
      stimuli: [],
    });
    expect(valid.populations[1].model.stateNames).toEqual(['v', 'g_syn0', 'g_syn1', 'h_syn1']);
    expect(valid.synapses!.map((s) => s.variable)).toEqual(['g_syn0', 'g_syn0', 'h_syn1']);
    // The scenario keeps what was written: no generated `on`.
    expect(valid.scenario.projections![0].on).toBeUndefined();
  });
});

describe('Tsodyks-Markram short-term plasticity', () => {
  /** The jump of g at each arrival of a regular train (an exponential current synapse of long decay). */
  function jumps(stp: unknown, periodMs: number, count: number): number[] {
    const tau = 1000;
    const sim = buildSimulation({
      format: 'spikebridge-scenario/1',
      durationMs: periodMs * count + 10,
      dtMs: DT,
      seed: 1,
      populations: [
        { name: 'train', size: 1, spikes: { type: 'regular', startMs: 5, periodMs, count } },
        { name: 'cell', model: 'lif', size: 1 },
      ],
      projections: [{ source: 'train', target: 'cell', connect: { rule: 'all' }, synapse: { kind: 'current', shape: 'exponential', tauMs: tau }, weight: 1, delayMs: 1, stp }],
      stimuli: [],
      record: { traces: [{ population: 'cell', variable: 'g_syn0', neurons: [0] }] },
    });
    sim.advance();
    const g = sim.drain().traces[0].values;
    return Array.from({ length: count }, (_, n) => {
      const s = Math.round((5 + n * periodMs + 1) / DT);
      return g[s + 1] * Math.exp(DT / tau) - g[s];
    });
  }

  /** Steady state of u+ and x- for a regular train of interval T (the update rules in ShortTermPlasticity). */
  function steady(U: number, tauRec: number, tauFacil: number, T: number): number {
    const uPlus = tauFacil > 0 ? U / (1 - (1 - U) * Math.exp(-T / tauFacil)) : U;
    const xMinus = (1 - Math.exp(-T / tauRec)) / (1 - (1 - uPlus) * Math.exp(-T / tauRec));
    return uPlus * xMinus;
  }

  it('depression: the first spike delivers w U, the train settles at w u x of the closed form', () => {
    const [U, tauRec, T] = [0.5, 300, 50];
    const j = jumps({ U, tauRecMs: tauRec }, T, 30);
    expect(j[0]).toBeCloseTo(U, 9);
    expect(j[1]).toBeLessThan(j[0]);
    const want = steady(U, tauRec, 0, T);
    const error = Math.abs(j[29] - want) / want;
    expect(error).toBeLessThan(1e-6);
    console.log(`TM depression steady state: ${j[29].toFixed(6)} vs ${want.toFixed(6)}, relative error ${error.toExponential(2)}`);
  });

  it('facilitation: the second spike delivers more than the first; the train settles at the closed form', () => {
    const [U, tauRec, tauFacil, T] = [0.1, 50, 500, 40];
    // u settles by a factor (1 - U) e^(-T/tauFacil) = 0.83 per spike: 150 spikes leave 1e-12.
    const j = jumps({ U, tauRecMs: tauRec, tauFacilMs: tauFacil }, T, 150);
    expect(j[1]).toBeGreaterThan(j[0] * 1.3);
    const want = steady(U, tauRec, tauFacil, T);
    const error = Math.abs(j[149] - want) / want;
    expect(error).toBeLessThan(1e-6);
    console.log(`TM facilitation steady state: ${j[149].toFixed(6)} vs ${want.toFixed(6)}, relative error ${error.toExponential(2)}`);
  });
});

describe('synapse and plasticity fields refused by name', () => {
  const base = (projection: Record<string, unknown>, cell: Record<string, unknown> = { name: 'cell', model: 'lif', size: 1 }) => ({
    format: 'spikebridge-scenario/1',
    durationMs: 10,
    dtMs: DT,
    populations: [{ name: 'a', size: 1, spikes: { type: 'times', timesMs: [1] } }, cell],
    projections: [{ source: 'a', target: 'cell', connect: { rule: 'all' }, weight: 1, ...projection }],
    stimuli: [],
  });
  const refused = expectRefused;
  it('each bad field is named with what is allowed', () => {
    refused(base({ synapse: { kind: 'chemical', shape: 'exponential', tauMs: 5 } }), 'projections[0].synapse.kind', /current, conductance/);
    refused(base({ synapse: { kind: 'current', shape: 'square', tauMs: 5 } }), 'projections[0].synapse.shape', /exponential, alpha, biexponential/);
    refused(base({ synapse: { kind: 'current', shape: 'exponential', tauMs: 0.01 } }), 'projections[0].synapse.tauMs', /at least dtMs/);
    refused(base({ synapse: { kind: 'current', shape: 'biexponential', tauRiseMs: 5, tauDecayMs: 2 } }), 'projections[0].synapse.tauDecayMs', /longer than tauRiseMs/);
    refused(base({ synapse: { kind: 'conductance', shape: 'exponential', tauMs: 5 } }), 'projections[0].synapse.reversalMV', /must be a number/);
    refused(base({ synapse: { kind: 'current', shape: 'exponential', tauMs: 5, reversalMV: 0 } }), 'projections[0].synapse.reversalMV', /not a known field/);
    refused(base({ synapse: { kind: 'conductance', shape: 'exponential', tauMs: 5, reversalMV: 0 }, weight: -1 }), 'projections[0].weight', /outside the allowed range \[0,/);
    refused(base({ synapse: { kind: 'current', shape: 'exponential', tauMs: 5 }, on: 'v' }), 'projections[0].on', /either "on"/);
    refused(base({}), 'projections[0].on', /or give "synapse"/);
    refused(base({ on: 'v', stp: { U: 1.5, tauRecMs: 100 } }), 'projections[0].stp.U', /outside the allowed range \(0, 1\]/);
    refused(base({ on: 'v', stp: { U: 0.5 } }), 'projections[0].stp.tauRecMs', /must be a number/);
    // The alpha shape's g reads h: the staggered scheme (each variable on itself and v alone) cannot integrate it.
    refused(base({ synapse: { kind: 'current', shape: 'alpha', tauMs: 5 } }, { name: 'cell', model: 'lif', size: 1, method: 'staggered' }), 'populations[1].method', /"staggered" cannot integrate lif/);
  });
});

describe('NMDA with its magnesium block, as a model file (models/lif_nmda.json)', () => {
  /** The largest depolarisation one NMDA spike gives a neuron held at `holdMV` (threshold out of reach), with Mg in mM. */
  function nmdaPsp(holdMV: number, Mg: number): number {
    const sim = buildSimulation({
      format: 'spikebridge-scenario/1',
      durationMs: 300,
      dtMs: DT,
      seed: 1,
      populations: [
        { name: 'input', size: 1, spikes: { type: 'times', timesMs: [100] } },
        { name: 'cell', model: 'lif_nmda', size: 1, parameters: { V_th: 20, Mg }, initial: { v: holdMV } },
      ],
      projections: [{ source: 'input', target: 'cell', connect: { rule: 'all' }, on: 'x_nmda', weight: 0.02 }],
      stimuli: [{ type: 'constant', population: 'cell', amplitude: (holdMV + 70) / R }],
      record: { traces: [{ population: 'cell', variable: 'v', neurons: [0] }] },
    });
    sim.advance();
    const v = sim.drain().traces[0].values;
    const base = v[Math.round(100 / DT)];
    return Math.max(...Array.from(v.subarray(Math.round(100 / DT)), (x) => x - base));
  }

  it('blocks the NMDA current at rest and lets it through at depolarised potentials; without Mg there is no block', () => {
    // B(v) = 1 / (1 + Mg/3.57 e^(-0.062 v)): 0.047 at -70 mV, 0.39 at -30 mV with 1 mM.
    const atRest = nmdaPsp(-70, 1) / nmdaPsp(-70, 0);
    const depolarised = nmdaPsp(-30, 1) / nmdaPsp(-30, 0);
    expect(atRest).toBeLessThan(0.1);
    expect(depolarised).toBeGreaterThan(0.3);
    expect(nmdaPsp(-70, 0)).toBeGreaterThan(1);
  });
});

describe('a synapse weight changed while the run goes', () => {
  it('is the new peak, as in a run built with it (the alpha factor applied to the new weight too)', async () => {
    const { openExperiment } = await import('../../src/scenario/scenario');
    const scenario = (weight: number) => ({
      format: 'spikebridge-scenario/1',
      durationMs: 60,
      dtMs: DT,
      seed: 1,
      populations: [
        { name: 'input', size: 1, spikes: { type: 'times', timesMs: [30] } },
        { name: 'cell', model: 'lif', size: 1 },
      ],
      projections: [{ source: 'input', target: 'cell', connect: { rule: 'all' }, synapse: { kind: 'current', shape: 'alpha', tauMs: 2 }, weight, delayMs: 1 }],
      stimuli: [],
      record: { traces: [{ population: 'cell', variable: 'g_syn0', neurons: [0] }] },
    });
    const changed = openExperiment(scenario(0.5));
    changed.advance(10);
    expect(changed.apply({ kind: 'projection', index: 0, values: { weight: 1.5 } })).toEqual({ applies: 'live' });
    changed.advance(50);
    const built = openExperiment(scenario(1.5));
    built.advance(60);
    const g = (e: typeof built) => Array.from(e.drain().traces[0].values);
    const [a, b] = [g(changed), g(built)];
    expect(a.slice(-400)).toEqual(b.slice(-400));
    expect(Math.max(...b)).toBeCloseTo(1.5, 4);
  });
});
