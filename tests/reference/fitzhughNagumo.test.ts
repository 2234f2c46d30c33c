// FitzHugh-Nagumo (models/fitzhugh_nagumo.json) against an independent solution: the classic
// equations typed out here, dv/dt = v - v^3/3 - w + I, dw/dt = (v + a - b w) / tau with a = 0.7,
// b = 0.8, tau = 12.5 (time unit 1 ms), integrated by classic RK4 at dt 0.0005 ms (a hundredth of
// the model file's step; halving it again moves spike times by 4e-9 ms). The project
// runs the file with its default method (RK4) and step (0.05 ms): through a scenario (v(t) and spike
// times), through singleNeuronScenario, and through the bridge's f-I sweep (rates and the type II onset).
import { describe, expect, it } from 'vitest';
import { Simulation } from '../../src/core/simulation';
import { validateScenario, type Scenario } from '../../src/scenario/scenario';
import { singleNeuronScenario } from '../../src/scenario/singleNeuron';
import { planFiSweep } from '../../src/bridge/fiPlan';
import { fiSweep } from '../../src/bridge/fiSweep';
import { rk4Plane } from './rk4Plane';

const A = 0.7;
const B = 0.8;
const TAU = 12.5;
const V0 = -1.19941;
const W0 = -0.62426;
const REF_DT = 0.0005;

/** RK4 of the typed-out equations under a constant input I from t = 0: v sampled every `everyMs`, and upward crossings of v = 1 (linearly interpolated). */
function reference(current: (t: number) => number, durationMs: number, everyMs: number) {
  const f = (t: number, v: number, w: number): [number, number] => [v - (v * v * v) / 3 - w + current(t), (v + A - B * w) / TAU];
  return rk4Plane(f, [V0, W0], 1, REF_DT, durationMs, everyMs);
}

/** The project's run of one neuron under a constant input, v traced every `everyMs`. */
function simulate(amplitude: number, durationMs: number, everyMs: number) {
  const scenario: Scenario = {
    format: 'spikebridge-scenario/1',
    durationMs,
    dtMs: 0.05,
    seed: 1,
    populations: [{ name: 'n', model: 'fitzhugh_nagumo', size: 1 }],
    stimuli: [{ type: 'constant', population: 'n', amplitude }],
    record: { spikes: true, traces: [{ population: 'n', variable: 'v', neurons: [0] }], traceEveryMs: everyMs },
  };
  const sim = new Simulation(validateScenario(scenario));
  sim.advance();
  return sim.drain();
}

describe('FitzHugh-Nagumo against RK4 at dt 0.0005 ms', () => {
  it('v(t) and spike times at I = 0.5 over 500 ms', () => {
    const ref = reference(() => 0.5, 500, 0.1);
    const frame = simulate(0.5, 500, 0.1);
    const trace = frame.traces[0].values;
    expect(frame.traces[0].startMs).toBe(0);
    expect(trace.length).toBe(ref.samples.length);
    let worstV = 0;
    for (let k = 0; k < trace.length; k++) worstV = Math.max(worstV, Math.abs(trace[k] - ref.samples[k]));
    // Measured 4.7e-6 (RK4 at 0.05 ms).
    expect(worstV).toBeLessThan(2e-5);
    const spikes = Array.from(frame.spikes.timeMs);
    expect(ref.spikes.length).toBe(13);
    expect(spikes.length).toBe(ref.spikes.length);
    // Measured 3.6e-5 ms here, 1.1e-4 ms under the step below: spike times are interpolated
    // linearly inside a 0.05 ms step, where v is curved.
    for (let k = 0; k < spikes.length; k++) expect(Math.abs(spikes[k] - ref.spikes[k])).toBeLessThan(3e-4);
  });

  it('singleNeuronScenario: a step of twice the Hopf current from 10 % to 90 % of the run, the same spikes', () => {
    const scenario = singleNeuronScenario('fitzhugh_nagumo', { durationMs: 400 });
    const step = scenario.stimuli![0] as { amplitude: number; startMs: number; stopMs: number };
    expect(step).toMatchObject({ type: 'step', amplitude: 0.66, startMs: 40, stopMs: 360 });
    const ref = reference((t) => (t >= step.startMs && t < step.stopMs ? step.amplitude : 0), 400, 0.1);
    const sim = new Simulation(validateScenario(scenario));
    sim.advance();
    const spikes = Array.from(sim.drain().spikes.timeMs);
    expect(spikes.length).toBe(ref.spikes.length);
    expect(spikes.length).toBeGreaterThanOrEqual(8);
    for (let k = 0; k < spikes.length; k++) expect(Math.abs(spikes[k] - ref.spikes[k])).toBeLessThan(3e-4);
  });

  it('the default f-I sweep: the same spike counts, silence below the Hopf current and a finite rate at once above it', () => {
    const plan = planFiSweep({ model: 'fitzhugh_nagumo' });
    expect([plan.currents[0], plan.currents.at(-1), plan.currents.length, plan.dtMs]).toEqual([0, 1.3, 101, 0.05]);
    const picked = [0.2, 0.325, 0.338, 0.5, 0.806, 1.3];
    const curve = fiSweep({ ...plan.options, currents: picked });
    const window = (plan.durationMs - plan.discardMs) / 1000;
    picked.forEach((current, k) => {
      const ref = reference(() => current, plan.durationMs, plan.durationMs);
      const counted = ref.spikes.filter((t) => t >= plan.discardMs && t < plan.durationMs).length;
      expect(curve.ratesHz[k] * window).toBe(counted);
    });
    // Type II: nothing below the Hopf current I_H = sqrt(1 - b/tau) - (1 - b/tau)^1.5 / 3 + (a - sqrt(1 - b/tau)) / b = 0.3313,
    // then about 20 Hz at once (a period of about 50 ms).
    const iH = Math.sqrt(1 - B / TAU) - (1 - B / TAU) ** 1.5 / 3 + (A - Math.sqrt(1 - B / TAU)) / B;
    expect(iH).toBeCloseTo(0.3313, 4);
    const onset = fiSweep({ ...plan.options, currents: [0.31, 0.32, 0.33, 0.34, 0.35] });
    expect(Array.from(onset.ratesHz.slice(0, 2))).toEqual([0, 0]);
    const firing = Array.from(onset.ratesHz).filter((r) => r > 0);
    expect(firing.length).toBeGreaterThanOrEqual(2);
    expect(Math.min(...firing)).toBeGreaterThan(15);
  });
});
