// Morris-Lecar (models/morris_lecar.json) against an independent solution: the equations of
// Rinzel and Ermentrout (1998), as tabulated by Tsumoto et al. (2006), typed out here and
// integrated by classic RK4 at dt 0.001 ms (a fiftieth of the model file's step; halving it again
// moves spike times by 5e-8 ms). The project runs
// the file with its default method (RK4) and step (0.05 ms), in both regimes the file declares:
// type I (SNIC: firing starts at an arbitrarily low rate) and type II (Hopf: it starts at a finite
// rate). Compared: v(t) and spike times of a scenario, spike counts of the bridge's f-I sweep, and
// the two onsets.
import { describe, expect, it } from 'vitest';
import { Simulation } from '../../src/core/simulation';
import { builtinModel } from '../../src/core/model/builtinModels';
import { validateScenario, type Scenario } from '../../src/scenario/scenario';
import { singleNeuronScenario } from '../../src/scenario/singleNeuron';
import { planFiSweep } from '../../src/bridge/fiPlan';
import { fiSweep } from '../../src/bridge/fiSweep';
import { rk4Plane } from './rk4Plane';

interface Set {
  gCa: number;
  V3: number;
  V4: number;
  phi: number;
}
/** Rinzel and Ermentrout's (1998) class I (SNLC) and class II (Hopf) sets; the rest is shared. */
const TYPE_I: Set = { gCa: 4, V3: 12, V4: 17.4, phi: 0.066667 };
const TYPE_II: Set = { gCa: 4.4, V3: 2, V4: 30, phi: 0.04 };
const C = 20;
const G_L = 2;
const G_K = 8;
const E_L = -60;
const E_CA = 120;
const E_K = -84;
const V1 = -1.2;
const V2 = 18;
const REF_DT = 0.001;

/** RK4 of the typed-out equations from v = E_L, w = w_inf(E_L): v sampled every `everyMs`, and upward crossings of 0 mV. */
function reference(p: Set, current: (t: number) => number, durationMs: number, everyMs: number) {
  const f = (t: number, v: number, w: number): [number, number] => {
    const mInf = 0.5 * (1 + Math.tanh((v - V1) / V2));
    const wInf = 0.5 * (1 + Math.tanh((v - p.V3) / p.V4));
    const tauW = 1 / Math.cosh((v - p.V3) / (2 * p.V4));
    const dv = (current(t) - G_L * (v - E_L) - p.gCa * mInf * (v - E_CA) - G_K * w * (v - E_K)) / C;
    return [dv, (p.phi * (wInf - w)) / tauW];
  };
  return rk4Plane(f, [E_L, 0.5 * (1 + Math.tanh((E_L - p.V3) / p.V4))], 0, REF_DT, durationMs, everyMs);
}

const regime = (name: string) => builtinModel('morris_lecar').regimes.get(name)!.parameters;

/** The project's run of one neuron in a regime under a constant input, v traced every `everyMs`. */
function simulate(regimeName: string, amplitude: number, durationMs: number, everyMs: number) {
  const scenario: Scenario = {
    format: 'spikebridge-scenario/1',
    durationMs,
    dtMs: 0.05,
    seed: 1,
    populations: [{ name: 'n', model: 'morris_lecar', size: 1, regime: regimeName }],
    stimuli: [{ type: 'constant', population: 'n', amplitude }],
    record: { spikes: true, traces: [{ population: 'n', variable: 'v', neurons: [0] }], traceEveryMs: everyMs },
  };
  const sim = new Simulation(validateScenario(scenario));
  sim.advance();
  return sim.drain();
}

/** Spike counts in [discard, duration) of the bridge's sweep and of the reference, per current. */
function counts(set: Set, parameters: Record<string, number>, currents: number[], durationMs: number, discardMs: number) {
  const plan = planFiSweep({ model: 'morris_lecar', parameters, range: { fromInput: currents[0], toInput: currents[0] + 5, step: 1 }, durationMs, discardMs }, { minPoints: 1, maxPoints: 1000, maxNeurons: 1e4, maxDurationMs: 1e5 });
  const curve = fiSweep({ ...plan.options, currents });
  const window = (durationMs - discardMs) / 1000;
  return currents.map((current, k) => ({
    current,
    project: Math.round(curve.ratesHz[k] * window),
    reference: reference(set, () => current, durationMs, durationMs).spikes.filter((t) => t >= discardMs && t < durationMs).length,
  }));
}

describe('Morris-Lecar against RK4 at dt 0.001 ms', () => {
  it.each([
    ['typeI', TYPE_I, 60],
    ['typeII', TYPE_II, 100],
  ] as [string, Set, number][])('%s: v(t) and spike times over 1000 ms at %s uA/cm2', (name, set, amplitude) => {
    const ref = reference(set, () => amplitude, 1000, 0.1);
    const frame = simulate(name, amplitude, 1000, 0.1);
    const trace = frame.traces[0].values;
    expect(trace.length).toBe(ref.samples.length);
    let worstV = 0;
    for (let k = 0; k < trace.length; k++) worstV = Math.max(worstV, Math.abs(trace[k] - ref.samples[k]));
    const spikes = Array.from(frame.spikes.timeMs);
    expect(spikes.length).toBe(ref.spikes.length);
    expect(spikes.length).toBeGreaterThanOrEqual(8);
    let worstT = 0;
    for (let k = 0; k < spikes.length; k++) worstT = Math.max(worstT, Math.abs(spikes[k] - ref.spikes[k]));
    // Measured 9.6e-7 mV and 1.2e-4 ms in both regimes.
    expect(worstV).toBeLessThan(1e-5);
    expect(worstT).toBeLessThan(5e-4);
  });

  it('the file\'s regimes are the published sets', () => {
    expect(regime('typeI')).toEqual({ g_Ca: TYPE_I.gCa, V3: TYPE_I.V3, V4: TYPE_I.V4, phi: TYPE_I.phi });
    expect(regime('typeII')).toEqual({ g_Ca: TYPE_II.gCa, V3: TYPE_II.V3, V4: TYPE_II.V4, phi: TYPE_II.phi });
  });

  it('f-I sweep: the same spike counts in both regimes', () => {
    const typeI = counts(TYPE_I, regime('typeI'), [35, 41, 50, 80, 110], 2200, 200);
    const typeII = counts(TYPE_II, regime('typeII'), [85, 92, 100, 110], 2200, 200);
    for (const row of [...typeI, ...typeII]) expect(row.project).toBe(row.reference);
    expect(typeI.map((r) => r.reference)).toEqual([0, 10, 26, 43, 50]);
    expect(typeII.map((r) => r.reference)).toEqual([0, 21, 23, 25]);
  });

  it('type I starts firing at an arbitrarily low rate at its SNIC (about 40 uA/cm2); type II jumps to about 9 Hz at once', () => {
    const fine = (from: number, to: number, step: number) => Array.from({ length: Math.round((to - from) / step) + 1 }, (_, k) => Number((from + k * step).toFixed(3)));
    // 5 s counted, so a rate resolves to 0.2 Hz.
    const typeI = fiSweep({ ...planFiSweep({ model: 'morris_lecar', parameters: regime('typeI'), durationMs: 6000, discardMs: 1000 }).options, currents: fine(39.8, 40.6, 0.1) });
    const rates = Array.from(typeI.ratesHz);
    expect(rates.slice(0, 2)).toEqual([0, 0]);
    const first = rates.findIndex((r) => r > 0);
    expect(rates[first]).toBeGreaterThan(0);
    expect(rates[first]).toBeLessThanOrEqual(1.2); // measured 1 Hz at 40.0 uA/cm2
    for (let k = first + 1; k < rates.length; k++) expect(rates[k]).toBeGreaterThanOrEqual(rates[k - 1]);
    expect(rates.at(-1)).toBeLessThan(5);
    // The same counts as the reference just above the onset, where the period is most sensitive to error.
    for (const current of [typeI.currents[first], 40.3]) {
      const ref = reference(TYPE_I, () => current, 6000, 6000).spikes.filter((t) => t >= 1000).length;
      expect(rates[typeI.currents.indexOf(current)] * 5).toBe(ref);
    }

    const typeII = fiSweep({ ...planFiSweep({ model: 'morris_lecar', parameters: regime('typeII'), durationMs: 3000, discardMs: 1000 }).options, currents: fine(86, 100, 0.5) });
    const ratesII = Array.from(typeII.ratesHz);
    expect(ratesII[0]).toBe(0);
    const firing = ratesII.filter((r) => r > 0);
    expect(firing.length).toBeGreaterThan(20);
    expect(Math.min(...firing)).toBeGreaterThanOrEqual(8.5); // measured 9 Hz at its first current, 88.5 uA/cm2
  });

  it('singleNeuronScenario in either regime: a step to the top of the default sweep (110 uA/cm2), the reference\'s spikes', () => {
    for (const [name, set] of [['typeI', TYPE_I], ['typeII', TYPE_II]] as [string, Set][]) {
      const scenario = singleNeuronScenario('morris_lecar', { regime: name, durationMs: 1000 });
      const step = scenario.stimuli![0] as { amplitude: number; startMs: number; stopMs: number };
      expect(step).toMatchObject({ amplitude: 110, startMs: 100, stopMs: 900 });
      const ref = reference(set, (t) => (t >= step.startMs && t < step.stopMs ? step.amplitude : 0), 1000, 1000).spikes;
      const sim = new Simulation(validateScenario(scenario));
      sim.advance();
      const spikes = Array.from(sim.drain().spikes.timeMs);
      expect(spikes.length).toBe(ref.length);
      expect(spikes.length).toBeGreaterThanOrEqual(10); // 11 or more in the 800 ms step
      for (let k = 0; k < spikes.length; k++) expect(Math.abs(spikes[k] - ref[k])).toBeLessThan(5e-4);
    }
  });
});
