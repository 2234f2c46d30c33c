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
  return { engines: sim.populations.map((p) => p.engine), times, neurons, state: sim.populations.map((p) => p.state.map((x) => Array.from(x))) };
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
    expectSameRun(scenario);
  });

  it('Brunel-type LIF (arrivals on the held v, Poisson drive): same spikes and state', () => {
    const brunel = preset('brunel-j0.25') as { populations: { size: number }[] };
    expectSameRun({ ...brunel, durationMs: 150, populations: brunel.populations.map((p, k) => ({ ...p, size: k === 0 ? 402 : 101 })) });
  });

  it('instant inputs added in WebAssembly: drawn weights, a held target variable, and a projection of each kind onto one population', () => {
    const brunel = preset('brunel-j0.25') as { populations: { size: number }[]; projections: { weight: number }[] };
    const scenario = {
      ...brunel,
      durationMs: 150,
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
