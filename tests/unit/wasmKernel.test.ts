// The WebAssembly SIMD loop must be the JS kernel's fast loop in other clothes: the same spikes and
// the same state to the last bit, across the paths it takes (refractory held or free rows, arrivals
// on held and free variables, an odd last neuron, an odd last pair, pairs left over after the unrolled blocks, no refractoriness at all).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { Simulation } from '../../src/core/simulation';
import { validateScenario } from '../../src/scenario/scenario';
import { preset } from '../../src/scenario/presets';
import { moduleBytes, Code, I32 } from '../../src/core/codegen/wasm';

const lif = JSON.parse(readFileSync(new URL('../../models/lif.json', import.meta.url), 'utf8'));

function run(scenario: unknown, wasm: boolean) {
  const sim = new Simulation(validateScenario(scenario), { wasm });
  const times: number[] = [];
  const neurons: number[] = [];
  while (!sim.done) {
    sim.advance(20);
    const frame = sim.drain();
    times.push(...frame.spikes.timeMs);
    neurons.push(...frame.spikes.neuron);
  }
  return {
    engines: sim.populations.map((p) => p.engine),
    generalPaths: sim.populations.map((p) => p.generalPath),
    times,
    neurons,
    state: sim.populations.map((p) => p.state.map((x) => Array.from(x))),
  };
}

function expectSameRun(scenario: unknown) {
  const js = run(scenario, false);
  const wasm = run(scenario, true);
  expect(js.engines.every((e) => e === 'js')).toBe(true);
  expect(wasm.engines.every((e) => e === 'wasm-simd')).toBe(true);
  expect(js.times.length).toBeGreaterThan(20); // the comparison means something only if neurons fire
  expect(wasm.neurons).toEqual(js.neurons);
  expect(wasm.times).toEqual(js.times);
  expect(wasm.state).toEqual(js.state);
  return js;
}

describe('WebAssembly SIMD kernel', () => {
  it('CUBA (free synaptic variables, v held): same spikes and state as the JS kernel, odd sizes and two delays', () => {
    const cuba = preset('cuba') as { populations: { size: number }[]; projections: { delayMs?: number; connect: unknown }[] };
    const scenario = {
      ...cuba,
      durationMs: 200,
      populations: cuba.populations.map((p, k) => ({ ...p, size: k === 0 ? 321 : 93 })),
      projections: cuba.projections.map((pr, k) => ({ ...pr, connect: { rule: 'probability', p: 0.1 }, delayMs: k === 1 ? 2 : 0 })),
    };
    const js = expectSameRun(scenario);
    // spikes and refractory ends solved by the WebAssembly general path in one run, by the JS one in the other
    expect(run(scenario, true).generalPaths).toEqual(['wasm', 'wasm']);
    expect(js.generalPaths).toEqual(['js', 'js']);
  });

  it('Brunel-type LIF (arrivals on the held v, Poisson drive): same spikes and state', () => {
    const brunel = preset('brunel-j0.25') as { populations: { size: number }[]; record: object };
    // (the preset's rate window lies beyond this shorter run)
    expectSameRun({ ...brunel, durationMs: 150, record: { ...brunel.record, rateWindowMs: [50, 150] }, populations: brunel.populations.map((p, k) => ({ ...p, size: k === 0 ? 402 : 101 })) });
  });

  it('instant inputs added in WebAssembly: drawn weights, a held target variable, and a projection of each kind onto one population', () => {
    const brunel = preset('brunel-j0.25') as { populations: { size: number }[]; projections: { weight: number }[]; record: object };
    const scenario = {
      ...brunel,
      durationMs: 150,
      record: { ...brunel.record, rateWindowMs: [50, 150] },
      populations: brunel.populations.map((p, k) => ({ ...p, size: k === 0 ? 402 : 101 })),
      // E -> * without delay and weights drawn per synapse (float32); I -> * keeps its delay (ring).
      projections: brunel.projections.map((pr, k) => (k < 2 ? { ...pr, delayMs: 0, weight: { normal: [pr.weight, 0.05] } } : pr)),
    };
    const js = expectSameRun(scenario);
    const sim = new Simulation(validateScenario(scenario));
    sim.advance(150);
    const events = sim.projections.map((p) => p.events);
    const jsSim = new Simulation(validateScenario(scenario), { wasm: false });
    jsSim.advance(150);
    expect(events).toEqual(jsSim.projections.map((p) => p.events));
    expect(events[0]).toBeGreaterThan(1000);
    expect(js.times.length).toBeGreaterThan(200);
  });

  it('a blow-up in a WebAssembly population names the population, the time and the first bad neuron', () => {
    const cuba = preset('cuba') as { populations: { size: number }[] };
    const sim = new Simulation(validateScenario({ ...cuba, populations: cuba.populations.map((p, k) => ({ ...p, size: k === 0 ? 101 : 40 })) }));
    sim.advance(5);
    expect(sim.populations[0].engine).toBe('wasm-simd');
    sim.populations[0].state[0][77] = NaN;
    sim.populations[0].state[0][90] = Infinity;
    expect(() => sim.advance(20)).toThrow(/population "E" at t = [\d.]+ ms: v of neuron 77 is NaN/);
    const again = new Simulation(validateScenario({ ...cuba, populations: cuba.populations.map((p, k) => ({ ...p, size: k === 0 ? 101 : 40 })) }));
    again.advance(5);
    again.populations[1].state[0][39] = -Infinity; // the odd last neuron is checked too
    expect(() => again.advance(20)).toThrow(/population "I" at t = [\d.]+ ms: v of neuron 39 (is -Infinity|= .* left its range)/);
  });

  it('after a live parameter change both paths still agree (constants and propagator polynomials are renewed)', () => {
    const cuba = preset('cuba') as { populations: { size: number }[] };
    const scenario = { ...cuba, durationMs: 300, populations: cuba.populations.map((p, k) => ({ ...p, size: k === 0 ? 160 : 40 })) };
    const after = (wasm: boolean) => {
      const sim = new Simulation(validateScenario(scenario), { wasm });
      sim.advance(100);
      sim.setParameters('E', { tau_i: 3, t_ref: 2.5, V_th: -51 });
      sim.advance(200);
      return { spikes: sim.drain().spikes, state: sim.populations.map((p) => p.state.map((x) => Array.from(x))), paths: sim.populations.map((p) => p.generalPath) };
    };
    const js = after(false);
    const wasm = after(true);
    expect(wasm.paths).toEqual(['wasm', 'wasm']);
    expect(js.spikes.timeMs.length).toBeGreaterThan(100);
    expect(Array.from(wasm.spikes.neuron)).toEqual(Array.from(js.spikes.neuron));
    expect(Array.from(wasm.spikes.timeMs)).toEqual(Array.from(js.spikes.timeMs));
    expect(wasm.state).toEqual(js.state);
  });

  it('a neuron that fires more than the step can hold stops the run with the same message from either general path', () => {
    const scenario = {
      format: 'spikebridge-scenario/1',
      durationMs: 5,
      dtMs: 0.1,
      seed: 1,
      populations: [{ name: 'driven', model: 'lif_exp_current', size: 40, parameters: { t_ref: 0, V_reset: -50.5, R: 100 } }],
      stimuli: [{ type: 'constant', population: 'driven', amplitude: 1000 }],
      record: { spikes: true },
    };
    const message = (wasm: boolean) => {
      const sim = new Simulation(validateScenario(scenario), { wasm });
      expect(sim.populations[0].generalPath).toBe(wasm ? 'wasm' : 'js');
      try {
        sim.advance();
      } catch (err) {
        return (err as Error).message;
      }
      return 'no error';
    };
    const js = message(false);
    expect(js).toMatch(/population "driven" at t = [\d.]+ ms: neuron 0 fired more than 16 times within one step/);
    expect(message(true)).toBe(js);
  });

  it('adaptive LIF (a free variable that depends on the held one) and a LIF without refractoriness', () => {
    const adaptive = {
      ...lif,
      id: 'lif_adaptive',
      parameters: { ...lif.parameters, a: { value: 0.02, unit: 'uS', min: 0, max: 1, meaning: 'subthreshold adaptation' }, tau_w: { value: 100, unit: 'ms', min: 1, max: 1000, meaning: 'adaptation time constant' }, b: { value: 0.5, unit: 'mV', min: 0, max: 10, meaning: 'spike-triggered adaptation' } },
      state: { ...lif.state, w: { initial: '0', unit: 'mV', meaning: 'adaptation' } },
      equations: [lif.equations[0].replace('/ tau_m', '- w / tau_m').replace(') - w / tau_m', ' - w) / tau_m'), 'dw/dt = (a * (v - E_L) - w) / tau_w'],
      reset: { ...lif.reset, w: 'w + b' },
      bounds: { ...(lif.bounds ?? {}), w: [-1000, 1000] },
    };
    const free = { ...lif, id: 'lif_no_refractory' };
    delete free.refractory;
    const scenario = {
      format: 'spikebridge-scenario/1',
      durationMs: 300,
      dtMs: 0.1,
      seed: 3,
      populations: [
        { name: 'A', model: adaptive, size: 65, initial: { v: { uniform: [-70, -50] } } },
        { name: 'F', model: free, size: 34, initial: { v: { uniform: [-70, -50] } } },
      ],
      projections: [{ source: 'A', target: 'F', connect: { rule: 'probability', p: 0.3 }, on: 'v', weight: 0.5, delayMs: 1 }],
      stimuli: [
        { type: 'ramp', population: 'A', from: 0, to: 6, startMs: 0, stopMs: 300 },
        { type: 'constant', population: 'F', amplitude: 2.3 },
      ],
      record: { spikes: true },
    };
    expect(adaptive.equations[0]).toContain('- w) / tau_m');
    const js = expectSameRun(scenario);
    expect(new Set(js.neurons.filter((i) => i >= 65)).size).toBeGreaterThan(10);
    // the adaptive LIF's reset (w + b) runs in the WebAssembly general path; the one-variable LIF keeps the JS one (its closed-form spike time)
    expect(run(scenario, true).generalPaths).toEqual(['wasm', 'js']);
  });

  it('writes a module WebAssembly accepts, and refuses nothing it should take', () => {
    const code = new Code(0);
    code.i32(-129).i32(70000).i32Add();
    const bytes = moduleBytes(1, [{ name: 'f', params: [], results: [I32], code }]);
    expect(WebAssembly.validate(bytes)).toBe(true);
    const memory = new WebAssembly.Memory({ initial: 1 });
    const f = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports.f as () => number;
    expect(f()).toBe(70000 - 129); // signed LEB128 of negative and multi-byte constants
  });
});
