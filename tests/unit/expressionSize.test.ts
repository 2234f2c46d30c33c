// Loading a model is linear in its text: named expressions that each use the previous one twice
// (x_k = x_(k-1) + x_(k-1), so written out x_18 is 2^18 copies of x_0) load, compile with every
// method and run, by the loader, the equation editor's check and a share link alike. The work is
// asserted through what it produces (derived values, generated source), never through a timing;
// the times are printed.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { availableMethods, defaultParameters, loadModel, METHODS, type MethodName } from '../../src/core/model/loadModel';
import { PointEvaluator } from '../../src/core/model/evaluate';
import { parse } from '../../src/core/math';
import { generateKernelSource } from '../../src/core/codegen/kernel';
import { Simulation } from '../../src/core/simulation';
import { buildSimulation } from '../../src/scenario/scenario';
import { validateScenario } from '../../src/scenario/scenario';
import { InputError } from '../../src/core/errors';
import { checkModelText } from '../../src/ui/modelText';
import { scenarioFromHash, scenarioToHash } from '../../src/scenario/share';
import { MAX_WRITTEN_NODES } from '../../src/core/model/namedValues';

const lif = JSON.parse(readFileSync(new URL('../../models/lif.json', import.meta.url), 'utf8'));
const izhikevich = JSON.parse(readFileSync(new URL('../../models/izhikevich.json', import.meta.url), 'utf8'));

/** x0 = first, x_k = rhs(x_(k-1)) for k = 1..depth (or y0, y_k, ...). */
const chain = (depth: number, first: string, rhs: (previous: string) => string, x = 'x') => [
  `${x}0 = ${first}`,
  ...Array.from({ length: depth }, (_, k) => `${x}${k + 1} = ${rhs(`${x}${k}`)}`),
];

/** The LIF, with -(v - E_L) written as -x_depth / 2^depth through the doubling chain (the same number, to the bit). */
function doubling(depth: number, extra: Record<string, unknown> = {}) {
  return { ...structuredClone(lif), id: 'doubling', expressions: chain(depth, 'v - E_L', (x) => `${x} + ${x}`), equations: [`dv/dt = (-x${depth} / ${2 ** depth} + R*I) / tau_m`], ...extra };
}

function spikes(model: unknown, method: MethodName, size = 40, durationMs = 100) {
  const sim = buildSimulation({
    format: 'spikebridge-scenario/1',
    durationMs,
    dtMs: 0.1,
    populations: [{ name: 'p', model, size, method }],
    stimuli: [{ type: 'constant', population: 'p', amplitude: Array.from({ length: size }, (_, i) => 1.5 + (4 * i) / size) }],
    record: { spikes: true },
  } as never);
  sim.advance();
  const frame = sim.drain();
  return { times: Array.from(frame.spikes.timeMs), neurons: Array.from(frame.spikes.neuron), v: Array.from(sim.populations[0].state[0]) };
}

function timed<T>(label: string, f: () => T): T {
  const start = performance.now();
  const out = f();
  console.log(`${label}: ${(performance.now() - start).toFixed(1)} ms`);
  return out;
}

describe('named expressions that use each other are analysed once each', () => {
  it('the 18-deep doubling model (2.5 KB) loads, compiles every method and runs: the same spikes as the LIF it rewrites', () => {
    const model = doubling(18);
    expect(JSON.stringify(model, null, 1).length).toBeGreaterThan(2000);
    const loaded = timed('load, 18 deep', () => loadModel(model, 'doubling.json'));
    expect(availableMethods(loaded)).toEqual([...METHODS]);
    // What was derived: one value per named expression and purpose (here its value at v = 0), not 2^18.
    expect(loaded.derived.length).toBeLessThanOrEqual(2 * loaded.expressions.length);
    for (const method of METHODS) {
      const source = generateKernelSource(loaded, method);
      expect(source.length, method).toBeLessThan(20 * JSON.stringify(model).length);
      const ours = timed(`build and 100 ms of 40 neurons, ${method}`, () => spikes(model, method));
      const plain = spikes(lif, method);
      expect(ours.times.length, method).toBeGreaterThan(40);
      expect(ours).toEqual(plain);
    }
  });

  it.each([
    ['deeper: 190 levels', 190, 2],
    ['wider: each level uses the previous one 12 times, 60 levels', 60, 12],
  ])('%s', (_, depth, width) => {
    const model = {
      ...structuredClone(lif),
      id: 'chain',
      expressions: chain(depth, 'v - E_L', (x) => Array(width).fill(x).join(' + ')),
      // -x_depth / width^depth is -(v - E_L) up to rounding
      equations: [`dv/dt = (-x${depth} / ${width}^${depth} + R*I) / tau_m`],
    };
    const loaded = timed(`load, ${depth} deep, ${width} wide`, () => loadModel(model, 'chain.json'));
    expect(availableMethods(loaded)).toEqual([...METHODS]);
    expect(loaded.derived.length).toBeLessThanOrEqual(2 * loaded.expressions.length);
    for (const method of METHODS) {
      expect(generateKernelSource(loaded, method).length).toBeLessThan(20 * JSON.stringify(model).length);
      const ours = timed(`run ${method}`, () => spikes(model, method, 8, 60));
      expect(ours.times.length, method).toBeGreaterThan(4);
    }
  });

  it('a chain whose derivatives are not constant (products, exp) keeps one derived value per level and variable', () => {
    const model = {
      ...structuredClone(izhikevich),
      id: 'chain',
      expressions: chain(80, 'v / 100', (x) => `${x} * ${x} / (1 + ${x} * ${x}) + exp(${x} / 100) - 1`),
      equations: ['dv/dt = 0.04 * v^2 + 5 * v + 140 - u + I + x80 / 1e6', izhikevich.equations[1]],
    };
    const loaded = timed('load, 80 deep, nonlinear', () => loadModel(model, 'chain.json'));
    expect(availableMethods(loaded)).toEqual(['staggered', 'exponential_euler', 'rk4', 'euler']);
    expect(loaded.derived.map((e) => e.name)).toContain('$d$x80$v');
    expect(loaded.derived.length).toBeLessThanOrEqual(2 * loaded.expressions.length);
    for (const method of availableMethods(loaded)) {
      expect(generateKernelSource(loaded, method).length).toBeLessThan(20 * JSON.stringify(model).length);
      expect(spikes(model, method, 4, 50).times.length, method).toBeGreaterThan(0);
    }
  });

  it('a chain of 200 whose every link is nested 40 deep: no stack overflow (the work goes one expression deep, not the chain)', () => {
    const nest = (inner: string) => '(1 * '.repeat(40) + inner + ')'.repeat(40);
    for (const [first, link, equation, methods] of [
      // parameter-only derivatives all the way: exact too, its coefficients derived values
      ['(v - E_L) / tau_m', (x: string) => nest(`${x} * (tau_m / tau_m)`), 'dv/dt = -x199 + R*I / tau_m', METHODS],
      ['(v - E_L) / 100', (x: string) => nest(`sin(${x})`), 'dv/dt = (-(v - E_L) + x199 + R*I) / tau_m', ['staggered', 'exponential_euler', 'rk4', 'euler']],
    ] as const) {
      const model = { ...structuredClone(lif), id: 'nested', expressions: chain(199, first, link), equations: [equation], defaultMethod: 'rk4' };
      const loaded = timed(`load, 200 nested 40 deep (${JSON.stringify(model).length} characters)`, () => loadModel(model, 'nested.json'));
      expect(availableMethods(loaded)).toEqual([...methods]);
      for (const method of methods) expect(spikes(model, method, 2, 12).times.length, method).toBeGreaterThan(0);
    }
  });

  it('named expressions in reset and initial values are evaluated at the right state; threshold and refractory period refuse them by name', () => {
    const withReset = doubling(18, {
      expressions: [...chain(18, 'v - E_L', (x) => `${x} + ${x}`), ...chain(18, 'V_th - E_L', (y) => `${y} + ${y}`, 'y')],
      // (x18 - y18) / 2^18 is (v - E_L) - (V_th - E_L) to the bit, read at the spike
      reset: { v: `V_reset + (x18 - y18) / ${2 ** 18}` },
      state: { v: { ...lif.state.v, initial: `E_L + y18 * 0` } },
    });
    const plain = { ...structuredClone(lif), reset: { v: 'V_reset + ((v - E_L) - (V_th - E_L))' } };
    for (const method of METHODS) {
      const ours = spikes(withReset, method);
      expect(ours.times.length).toBeGreaterThan(40);
      expect(ours, method).toEqual(spikes(plain, method));
    }
    // In a two-variable exact model (v, then a synaptic current) the WebAssembly general path
    // resets with named expressions too, to the bit as the JS one.
    const current = JSON.parse(readFileSync(new URL('../../models/lif_exp_current.json', import.meta.url), 'utf8'));
    const withCurrent = { ...current, expressions: chain(18, 'v - V_th + ge', (x) => `${x} + ${x}`), reset: { v: `V_reset + x18 / ${2 ** 18}` } };
    const scenario = {
      format: 'spikebridge-scenario/1',
      durationMs: 100,
      dtMs: 0.1,
      populations: [{ name: 'p', model: withCurrent, size: 40 }],
      stimuli: [
        { type: 'constant', population: 'p', amplitude: Array.from({ length: 40 }, (_, i) => 1 + i / 10) },
        { type: 'poissonInput', population: 'p', on: 'ge', sources: 20, rateHz: 100, weight: 0.5 },
      ],
      record: { spikes: true },
    };
    const engines = [true, false].map((wasm) => {
      const sim = new Simulation(validateScenario(scenario), { wasm });
      sim.advance();
      return { paths: sim.populations[0].generalPath, spikes: sim.drain().spikes, state: sim.populations[0].state.map((x) => Array.from(x)) };
    });
    expect(engines.map((e) => e.paths)).toEqual(['wasm', 'js']);
    expect(engines[0].spikes.timeMs.length).toBeGreaterThan(20);
    expect(engines[0]).toEqual({ ...engines[1], paths: 'wasm' });
    expect(() => loadModel(doubling(18, { threshold: { variable: 'v', level: 'V_th + 0 * x3' } }), 'm.json')).toThrow(/threshold\.level: may use parameters only; "x3" is an expression/);
    expect(() => loadModel(doubling(18, { refractory: { period: 'x2', clamp: ['v'] } }), 'm.json')).toThrow(/refractory\.period: may use parameters only; "x2" is an expression/);
  });

  it('a point evaluator (initial values, rate tables, the staggered start) evaluates only the named values its nodes read', () => {
    // An exact model: the loader derives a derivative per level and variable and a value at zero state.
    const loaded = loadModel(doubling(150), 'doubling.json');
    expect(loaded.derived.length).toBeGreaterThan(100);
    const point = new PointEvaluator(loaded);
    const x3 = point.compile(parse('x3'));
    point.set(defaultParameters(loaded), [-60], 0);
    expect(x3(point.values)).toBe(80); // (v - E_L) * 2^3
    const slots = [...loaded.expressions, ...loaded.derived].map((e, k) => [e.name, point.values[point.inputSlot + 1 + k]] as const);
    expect(slots.filter(([, value]) => value !== 0).map(([name]) => name)).toEqual(['x0', 'x1', 'x2', 'x3']);
  });

  it('the equation editor and a share link take the doubling model through the same loader', async () => {
    for (const method of METHODS) {
      const check = timed(`editor check, ${method}`, () => checkModelText(JSON.stringify(doubling(18)), method));
      expect(check.ok, method).toBe(true);
    }
    const scenario = { format: 'spikebridge-scenario/1', durationMs: 50, dtMs: 0.1, populations: [{ name: 'p', model: doubling(18), size: 1 }], stimuli: [], record: { spikes: true } };
    const hash = await scenarioToHash(scenario);
    const shared = await scenarioFromHash(hash);
    expect(shared.ok).toBe(true);
  });

  it('a derivative too large to write out is refused with its size, and the methods that need it say so', () => {
    // d(v * v * ... * v)/dv by the product rule over 180 factors: 180 terms of 179 factors
    const product = Array(180).fill('v').join(' * ');
    const model = { ...structuredClone(izhikevich), equations: [`dv/dt = 0.04 * v^2 + 5 * v + 140 - u + I + 1e-300 * ${product}`, izhikevich.equations[1]] };
    const loaded = loadModel(model, 'big.json');
    expect(loaded.methods.exponential_euler).toMatch(new RegExp(`cannot differentiate dv/dt with respect to v \\(written out it would have \\d+ nodes; at most ${MAX_WRITTEN_NODES}`));
    expect(availableMethods(loaded)).toEqual(['rk4', 'euler']);
    expect(() => loadModel({ ...model, defaultMethod: 'staggered' }, 'big.json')).toThrow(InputError);
  });
});
