// Kernel numerics that used to be silently wrong:
// - an equation that is NaN (dv/dt = 0/0 and its kin) kept v still under the exact method, whose
//   simplified coefficients dropped the NaN, while every other method stopped with a blow-up;
// - an infinite state (dv/dt = exp(1000)) crossed the threshold, was reset, and fired every
//   refractory period;
// - a LIF driven exactly at its rheobase fired when rounding let v reach V_th, which the exact
//   solution only approaches (3.4 Hz at dt 0.01 ms, none at 0.1).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Simulation } from '../../src/core/simulation';
import { buildSimulation } from '../../src/scenario/scenario';
import { validateScenario } from '../../src/scenario/scenario';
import { InputError, SimulationError } from '../../src/core/errors';
import { METHODS, type MethodName } from '../../src/core/model/loadModel';

const lif = JSON.parse(readFileSync(new URL('../../models/lif.json', import.meta.url), 'utf8'));
const withEquation = (equation: string) => ({ ...structuredClone(lif), equations: [equation] });

function scenario(model: unknown, method: MethodName | undefined, current: number | number[], opts: { dtMs?: number; durationMs?: number; size?: number } = {}) {
  return {
    format: 'spikebridge-scenario/1',
    durationMs: opts.durationMs ?? 50,
    dtMs: opts.dtMs ?? 0.1,
    populations: [{ name: 'n', model, size: opts.size ?? 1, ...(method ? { method } : {}) }],
    stimuli: [{ type: 'constant', population: 'n', amplitude: current }],
    record: { spikes: true },
  };
}

/** What a run ends in: the error it stops with, or its spikes. */
function outcome(s: unknown, wasm = true): { error: Error | null; spikes: number[] } {
  let sim: Simulation;
  try {
    sim = new Simulation(validateScenario(s), { wasm });
  } catch (err) {
    return { error: err as Error, spikes: [] };
  }
  try {
    sim.advance();
    return { error: null, spikes: Array.from(sim.drain().spikes.timeMs) };
  } catch (err) {
    return { error: err as Error, spikes: Array.from(sim.drain().spikes.timeMs) };
  }
}

describe('an equation that is not finite', () => {
  it.each([
    ['dv/dt = 0/0', /its constant term is NaN/],
    ['dv/dt = 0/0 * v + (-(v - E_L) + R*I) / tau_m', /its coefficient of v is NaN/],
    ['dv/dt = 0 * exp(1000) + (-(v - E_L) + R*I) / tau_m', /at v = 0, I = 0 is NaN/],
    ['dv/dt = 0 * log(v - E_L) + (-(v - E_L) + R*I) / tau_m', /at v = -70, I = 0 is NaN/],
    ['dv/dt = log(-1) + (-(v - E_L) + R*I) / tau_m', /its constant term is NaN/],
    ['dv/dt = sqrt(-1) * I + (-(v - E_L)) / tau_m', /its coefficient of the input I is NaN/],
    ['dv/dt = exp(1000)', /its constant term is Infinity/],
    ['dv/dt = (-(v - E_L) + R*I) / (tau_m - 10)', /its coefficient of v is -Infinity with E_L = -70, R = 10, tau_m = 10/],
  ])('%s: refused at build under the exact method, naming the equation; a blow-up with the others', (equation, what) => {
    const model = withEquation(equation);
    const exact = outcome(scenario(model, 'exact', 2.5));
    expect(exact.error).toBeInstanceOf(InputError);
    expect(exact.error!.message).toMatch(/^populations\[0\]\.model: equations\[0\]: /);
    expect(exact.error!.message).toContain(`"${equation}"`);
    expect(exact.error!.message).toMatch(what);
    for (const method of METHODS.filter((m) => m !== 'exact')) {
      const other = outcome(scenario(model, method, 2.5));
      expect(other.error, method).toBeInstanceOf(SimulationError);
      expect(other.error!.message, method).toMatch(/v of neuron 0 is (NaN|-?Infinity)/);
    }
  });

  it('a live parameter change that makes it NaN is refused and leaves the run as it was', () => {
    const model = withEquation('dv/dt = (-(v - E_L) + R*I) / (tau_m - 10)');
    const run = (change: boolean) => {
      const sim = buildSimulation({ ...scenario(model, 'exact', 3, { durationMs: 200 }), populations: [{ name: 'n', model, size: 1, parameters: { tau_m: 20 } }] } as never);
      sim.advance(100);
      if (change) expect(() => sim.setParameters('n', { tau_m: 10 })).toThrow(/equations\[0\]: .*its coefficient of v is -Infinity/);
      sim.advance(100);
      return { spikes: Array.from(sim.drain().spikes.timeMs), v: sim.populations[0].state[0][0], tau: sim.populations[0].parameters[3] };
    };
    const refused = run(true);
    expect(refused).toEqual(run(false));
    expect(refused.spikes.length).toBeGreaterThan(2);
    expect(refused.tau).toBe(20);
  });
});

describe('an infinite state is a blow-up, even where the threshold would reset it', () => {
  it.each(METHODS.filter((m) => m !== 'exact'))('dv/dt = exp(1000) with %s: stopped at the first step, no spike', (method) => {
    const result = outcome(scenario(withEquation('dv/dt = exp(1000)'), method, 0));
    expect(result.error).toBeInstanceOf(SimulationError);
    expect(result.error!.message).toMatch(/v of neuron 0 is Infinity/);
    expect(result.spikes).toEqual([]);
  });

  it('an exact model whose step overflows: the WebAssembly general path keeps it as the JS one does (same error, same state)', () => {
    // v is driven through a coefficient of 1e303 per nA: one step at 1e6 nA overflows to Infinity,
    // above V_th. (v also reads w, so its spikes are solved on the WebAssembly general path.)
    const model = {
      ...structuredClone(lif),
      parameters: { ...lif.parameters, R: { ...lif.parameters.R, value: 1e304, max: 1e305 }, tau_w: { value: 10, unit: 'ms', min: 1, max: 100, meaning: 'decay of w' } },
      state: { v: lif.state.v, w: { initial: '0', unit: 'mV/ms', meaning: 'drive' } },
      equations: ['dv/dt = (-(v - E_L) + R*I) / tau_m + w', 'dw/dt = -w / tau_w'],
      bounds: {},
    };
    const s = scenario(model, 'exact', 1e6, { size: 33, dtMs: 0.5 });
    const runs = [true, false].map((wasm) => {
      const sim = new Simulation(validateScenario(s), { wasm });
      let error: Error | null = null;
      try {
        sim.advance();
      } catch (err) {
        error = err as Error;
      }
      return { engine: sim.populations[0].engine, path: sim.populations[0].generalPath, error: error?.message, spikes: Array.from(sim.drain().spikes.timeMs), state: sim.populations[0].state.map((x) => Array.from(x)) };
    });
    expect(runs.map((r) => [r.engine, r.path])).toEqual([['wasm-simd', 'wasm'], ['js', 'js']]);
    expect(runs[0].error).toMatch(/v of neuron 0 is Infinity/);
    expect(runs[0].spikes).toEqual([]);
    expect(runs[0].state[0].every((v) => v === Infinity)).toBe(true);
    expect(runs[0]).toEqual({ ...runs[1], engine: 'wasm-simd', path: 'wasm' });
  });
});

describe.each([
  ['a LIF', 'lif', {}],
  // CUBA's neuron: v also reads two synaptic currents (at 0 here), so its spikes are solved on the
  // WebAssembly general path, not in closed form
  ['a LIF with synaptic currents', 'lif_exp_current', { E_L: -70, V_reset: -70, tau_m: 10, t_ref: 2 }],
])('%s at its rheobase', (_, model, parameters) => {
  const rheobase = 2; // (V_th - E_L) / R = 20 mV / 10 MOhm
  const runAt = (current: number, dtMs: number, wasm: boolean, durationMs = 1000) => {
    const s = scenario(model, undefined, current, { dtMs, durationMs, size: 32 });
    const sim = new Simulation(validateScenario({ ...s, populations: [{ ...s.populations[0], parameters }] }), { wasm });
    sim.advance();
    const frame = sim.drain();
    const pop = sim.populations[0];
    return { engine: `${pop.engine} ${pop.generalPath}`, times: Array.from(frame.spikes.timeMs), neurons: Array.from(frame.spikes.neuron), v: Array.from(pop.state[0]) };
  };
  const engines = model === 'lif' ? ['wasm-simd js', 'js js'] : ['wasm-simd wasm', 'js js'];

  it.each([0.001, 0.01, 0.05, 0.1, 0.37, 1])('does not fire at dt = %s ms (v approaches V_th from below), in JS and WebAssembly alike', (dtMs) => {
    const wasm = runAt(rheobase, dtMs, true);
    const js = runAt(rheobase, dtMs, false);
    expect([wasm.engine, js.engine]).toEqual(engines);
    expect(wasm.times).toEqual([]);
    expect(wasm.v.every((v) => v < -50 && v > -50.000001)).toBe(true);
    expect(wasm).toEqual({ ...js, engine: engines[0] });
  });

  it.each([0.001, 0.01, 0.1, 1])('fires at rheobase * (1 + 1e-6) with the analytic intervals at dt = %s ms', (dtMs) => {
    const current = rheobase * (1 + 1e-6);
    const wasm = runAt(current, dtMs, true);
    expect(wasm).toEqual({ ...runAt(current, dtMs, false), engine: engines[0] });
    const rise = 10 * Math.log((10 * current) / (10 * current - 20));
    const times = wasm.times.filter((_, k) => wasm.neurons[k] === 0);
    expect(times.length).toBe(Math.floor((1000 - rise) / (2 + rise)) + 1);
    // This close to rheobase the interval is ill-conditioned (dT/dv = tau / (v_inf - V_th) = 5e5
    // ms/mV): a rounding of 1e-11 mV in v moves a spike by 5e-6 ms. Relative 1e-6 leaves room.
    expect(Math.abs(times[0] - rise) / rise).toBeLessThan(1e-6);
    for (let k = 1; k < times.length; k++) expect(Math.abs(times[k] - times[k - 1] - (2 + rise)) / (2 + rise)).toBeLessThan(1e-6);
  });
});
