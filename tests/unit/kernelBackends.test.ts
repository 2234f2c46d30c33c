// One description of the step, several back ends: the JS source (new Function), the closures
// that run where code generation is refused (a page under a strict Content-Security-Policy), and
// the WebAssembly general path. Each must give the same spikes and state to the last bit, and
// the run must choose the closures by itself when `new Function` throws.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { Simulation } from '../../src/core/simulation';
import { validateScenario } from '../../src/scenario/scenario';
import { availableMethods, loadModel } from '../../src/core/model/loadModel';
import { compileKernel, describeKernel } from '../../src/core/codegen/kernel';
import { hornerEvaluator, PropagatorSeries } from '../../src/core/integrate/propagator';
import { functionFromSource } from '../../src/core/codegen/generateCode';
import { preset } from '../../src/scenario/presets';

const modelFile = (id: string) => JSON.parse(readFileSync(new URL(`../../models/${id}.json`, import.meta.url), 'utf8'));
const MODELS = ['lif', 'hh', 'lif_exp_current', 'lif_exp_conductance', 'traub_miles', 'izhikevich', 'adex'];

const RealFunction = globalThis.Function;
const RealModule = WebAssembly.Module;
let refusals = 0;
/** What a strict CSP does: `new Function` throws EvalError (and, without 'wasm-unsafe-eval', so does compiling WebAssembly). */
function refuseCodeGeneration(wasmToo = false): void {
  refusals = 0;
  globalThis.Function = function refused() {
    refusals++;
    throw new EvalError('Code generation from strings disallowed for this context');
  } as unknown as FunctionConstructor;
  if (wasmToo) {
    (WebAssembly as { Module: unknown }).Module = function refused() {
      throw new WebAssembly.CompileError("WebAssembly.Module(): Refused to compile or instantiate WebAssembly module because 'unsafe-eval' is not an allowed source");
    };
  }
}
function allowCodeGeneration(): void {
  globalThis.Function = RealFunction;
  (WebAssembly as { Module: unknown }).Module = RealModule;
}
afterEach(allowCodeGeneration);

/**
 * Build (where kernels are compiled) with code generation refused or not, then run with it
 * allowed again: the kernel chosen at build is the one that runs. Models are given inline, so
 * each build compiles its own kernel (kernels are cached per loaded model).
 */
function run(scenario: object, opts: { refuse: boolean; wasm?: boolean; wasmToo?: boolean }) {
  const valid = validateScenario(JSON.parse(JSON.stringify(scenario)));
  if (opts.refuse) refuseCodeGeneration(opts.wasmToo);
  let sim: Simulation;
  try {
    sim = new Simulation(valid, { wasm: opts.wasm ?? false });
  } finally {
    allowCodeGeneration();
  }
  sim.advance();
  const frame = sim.drain();
  return {
    engines: sim.populations.map((p) => `${p.engine}/${p.generalPath}`),
    neurons: Array.from(frame.spikes.neuron),
    times: Array.from(frame.spikes.timeMs),
    state: sim.populations.map((p) => p.state.map((x) => Array.from(x))),
  };
}

function smallNetwork(id: string, method: string) {
  const model = modelFile(id);
  const conductance = ['hh', 'traub_miles'].includes(id);
  const scale = conductance || id === 'izhikevich' ? 20 : id === 'adex' ? 1000 : 5; // (AdEx's input is in pA)
  const size = 12;
  const loaded = loadModel(model, `${id}.json`);
  return {
    format: 'spikebridge-scenario/1',
    durationMs: conductance ? 25 : 120,
    dtMs: conductance ? 0.02 : 0.1,
    seed: 7,
    populations: [
      { name: 'p', model, size, method },
      { name: 'q', model, size: 5, method },
    ],
    // delayed arrivals on the membrane variable (held during refractoriness where the model holds it)
    projections: [{ source: 'p', target: 'q', connect: { rule: 'probability', p: 0.5 }, on: loaded.stateNames[loaded.threshold.index], weight: conductance ? 2 : 1, delayMs: 1 }],
    stimuli: [
      { type: 'constant', population: 'p', amplitude: Array.from({ length: size }, (_, k) => scale * (0.4 + (1.4 * k) / size)) },
      { type: 'whiteNoise', population: 'p', sigma: scale * 0.3 },
      { type: 'constant', population: 'q', amplitude: scale * 0.8 },
    ],
    record: { spikes: true },
  };
}

describe('kernels without code generation', () => {
  for (const id of MODELS) {
    const methods = availableMethods(loadModel(modelFile(id), `${id}.json`));
    it(`${id} (${methods.join(', ')}): with new Function refused, the closures give the generated kernel's spikes and state to the bit`, () => {
      for (const method of methods) {
        const scenario = smallNetwork(id, method);
        const generated = run(scenario, { refuse: false });
        const closures = run(scenario, { refuse: true });
        expect(refusals, method).toBeGreaterThan(0); // code generation was tried and refused, and the run went on
        expect(generated.times.length, method).toBeGreaterThan(5);
        expect(closures.neurons, method).toEqual(generated.neurons);
        expect(closures.times, method).toEqual(generated.times);
        expect(closures.state, method).toEqual(generated.state);
      }
    });
  }

  it('CUBA under a CSP that refuses WebAssembly too: the closures give the WebAssembly run to the bit', () => {
    const cuba = preset('cuba') as { populations: { size: number }[] };
    const scenario = { ...cuba, durationMs: 100, populations: cuba.populations.map((p, k) => ({ ...p, size: k === 0 ? 160 : 40 })) };
    const wasm = run(scenario, { refuse: false, wasm: true });
    const strict = run(scenario, { refuse: true, wasm: true, wasmToo: true });
    expect(wasm.engines).toEqual(['wasm-simd/wasm', 'wasm-simd/wasm']);
    expect(strict.engines).toEqual(['js/js', 'js/js']);
    expect(wasm.times.length).toBeGreaterThan(100);
    expect(strict.neurons).toEqual(wasm.neurons);
    expect(strict.times).toEqual(wasm.times);
    expect(strict.state).toEqual(wasm.state);
  });

  it('compileKernel says which back end it chose, and functionFromSource refuses only by EvalError', () => {
    const lif = loadModel(modelFile('lif'), 'lif.json');
    expect(compileKernel(lif, 'exact').backend).toBe('source');
    refuseCodeGeneration();
    expect(compileKernel(lif, 'exact').backend).toBe('closures');
    expect(() => compileKernel(lif, 'exact', {}, 'source')).toThrow(EvalError);
    allowCodeGeneration();
    expect(compileKernel(lif, 'exact', {}, 'closures').backend).toBe('closures');
    expect(() => functionFromSource([], 'return (')).toThrow(SyntaxError); // a bug in generated source is not hidden
  });

  it("the partial-step propagator keeps its Horner loop when code generation is refused: the same coefficients", () => {
    const matrix = Float64Array.of(-1 / 20, 1 / 20, 1 / 20, 0, -1 / 5.5, 0, 0, 0, -1 / 10.5);
    const offset = Float64Array.of(-49 / 20, 0, 0);
    const input = Float64Array.of(1 / 20, 0, 0);
    const generated = new PropagatorSeries(matrix, offset, input, 3, 0.1);
    const poly = generated.polynomial!;
    // a pattern no other test asked for, so the cache does not answer
    const live = Int32Array.from([...poly.live, 99]);
    refuseCodeGeneration();
    expect(hornerEvaluator(live, poly.order + 1)).toBeNull();
    const refused = new PropagatorSeries(matrix, offset, input, 3, 0.1, []);
    allowCodeGeneration();
    for (const h of [1e-6, 0.031, 0.0999]) expect(Array.from(refused.at(h))).toEqual(Array.from(generated.at(h)));
  });

  it('the description is data: the general path and the fast loop of each model are two functions with their parameter-only values apart', () => {
    const functions = describeKernel(loadModel(modelFile('lif_exp_current'), 'lif_exp_current.json'), 'exact');
    expect(functions.map((f) => f.name)).toEqual(['slow', 'step']);
    expect(functions[0].constants.map((c) => c.name)).toEqual(expect.arrayContaining(['lvl', 'tref', 'p$tau_m']));
  });
});
