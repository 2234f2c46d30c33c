// Property: a model's names are only names. Renaming every parameter, state variable, named
// expression and the input of a shipped model to any name the loader accepts gives the same
// spikes and the same final state, to the bit, with every method the model allows (JS kernels,
// and the WebAssembly loop and general path where the exact method uses them). The names tried
// include the generator's own locals, JS globals, mathjs constants, other names of the same model
// (a permutation) and prefixes and suffixes of them (a beside a_g).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildSimulation } from '../../src/scenario/scenario';
import { availableMethods, loadModel, type MethodName } from '../../src/core/model/loadModel';
import { checkIdentifier } from '../../src/core/codegen/expression';
import { InputError } from '../../src/core/errors';
import type { ModelFile } from '../../src/core/model/modelFile';

const modelsDir = join(__dirname, '../../models');
const shipped = readdirSync(modelsDir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(join(modelsDir, f), 'utf8')) as ModelFile);

/** Names the kernel generator uses or used for its own locals, and what surrounds them. */
const GENERATOR_NAMES = [
  'k0', 'k1', 'k2', 'k10', 's0', 's1', 'n0', 'n1', 'f0', 'f1', 'f0_g', 'f0_1', 'a0', 'a1', 'a0_g', 'a0_t', 'y0', 'y1', 'y0_2', 'y1_3',
  'x0', 'x1', 'x0_g', 'x0_r', 'x_a', 'x_a_g', 'x_v', 'p_R', 'p_tau_m', 'r0', 'r1', 'arr0', 'S', 'S0', 'S1', 'I', 'P', 'R', 'K', 'KP',
  'K_0', 'K_1', 'KP_0', 'A', 'A0', 'W', 'G', 'Z', 'C', 'h', 'u', 'u2', 'u3', 'p', 'dp', 'd0', 'd1', 'q', 'b', 'r', 'n', 's', 'k', 'x',
  'y', 'f', 'a', 'fr', 'cell', 'it', 'next', 'slot', 'sink', 'prop', 'step', 'slow', 'lvl', 'tref', 'tEnd', 'tFrom', 'tTo', 'redoTo',
  'guard', 'pinned', 'free', 'block', 'blockEnd', 'oneW', 'w0', 'inp', 'decay', 'vinf', 'frac', 'tSpike', 'spike', 'overflow',
];
/** JS globals and words a generated function might meet (the truly reserved ones are refused, below). */
const JS_NAMES = [
  'Float64Array', 'Int32Array', 'Object', 'Array', 'Number', 'String', 'Symbol', 'JSON', 'Reflect', 'Proxy', 'Promise', 'process',
  'require', 'module', 'exports', 'document', 'console', 'WebAssembly', 'isNaN', 'isFinite', 'parseFloat', 'Date', 'Error', 'Map',
  'Set', 'BigInt', 'Boolean', 'Atomics', 'exp_', 'Math_', 'use', 'strict', 'get', 'set', 'from', 'as', 'target', 'meta',
];
/** mathjs constants and words: parsed as plain symbols, they must stay plain symbols. */
const MATHJS_NAMES = ['E', 'PI', 'LN2', 'LN10', 'LOG2E', 'LOG10E', 'SQRT2', 'SQRT1_2', 'tau', 'phi', 'version', 'end', 'cube', 'number', 'uninitialized', 'unit', 'cm', 'deg'];
/** Names a model must not declare: refused with a message naming the field, never half-compiled. */
const REFUSED = ['Math', 'exprel', 'exp', 'undefined', 'NaN', 'Infinity', 'arguments', 'eval', 'new', 'let', 'this', 'class', 'globalThis', 'not', 'and', 'mod', 'to', 'e', 'pi', 't', 'dt', 'constructor', '__proto__', 'a$b', 'x.y', '1a', '_a'];

const accepted = (name: string) => {
  try {
    checkIdentifier(name, 'name');
    return true;
  } catch {
    return false;
  }
};

function declaredNames(file: ModelFile): string[] {
  const expressionNames = (file.expressions ?? []).map((text) => /^\s*([A-Za-z][A-Za-z0-9_]*)\s*=/.exec(text)![1]);
  return [file.input.symbol, ...Object.keys(file.parameters), ...Object.keys(file.state), ...expressionNames];
}

/** Rename whole identifiers in equation text (numbers such as 1e-3 are left alone). */
function renameText(text: string, map: Map<string, string>): string {
  return text.replace(/(\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|([A-Za-z_][A-Za-z0-9_]*)/g, (m, number: string | undefined, name: string | undefined) =>
    number !== undefined ? m : (map.get(name!) ?? name!),
  );
}

const renameKeys = <T>(obj: Record<string, T>, map: Map<string, string>, value: (v: T) => T = (v) => v): Record<string, T> =>
  Object.fromEntries(Object.entries(obj).map(([k, v]) => [map.get(k) ?? k, value(v)]));

function renameModel(file: ModelFile, map: Map<string, string>): ModelFile {
  const r = (text: string) => renameText(text, map);
  const n = (name: string) => map.get(name) ?? name;
  const out = structuredClone(file) as ModelFile;
  out.input = { ...file.input, symbol: n(file.input.symbol) };
  out.parameters = renameKeys(file.parameters, map);
  out.state = renameKeys(file.state, map, (s) => ({ ...s, initial: r(s.initial) }));
  if (file.expressions) out.expressions = file.expressions.map(r);
  out.equations = file.equations.map((text) => text.replace(/^\s*d([A-Za-z][A-Za-z0-9_]*)\s*\/\s*dt\s*=([\s\S]*)$/, (_, name: string, rhs: string) => `d${n(name)}/dt =${r(rhs)}`));
  out.threshold = { variable: n(file.threshold.variable), level: r(file.threshold.level) };
  if (file.reset) out.reset = renameKeys(file.reset, map, r);
  if (file.refractory) out.refractory = { period: r(file.refractory.period), clamp: file.refractory.clamp.map(n) };
  if (file.noise) out.noise = { resistance: r(file.noise.resistance), tau: r(file.noise.tau) };
  if (file.constraints) out.constraints = file.constraints.map((c) => ({ ...c, check: r(c.check) }));
  if (file.bounds) out.bounds = renameKeys(file.bounds, map);
  if (file.regimes) out.regimes = renameKeys(file.regimes, new Map(), (g) => ({ ...g, parameters: renameKeys(g.parameters, map) }));
  // What the file says for the page, the bridge and the bench names variables, expressions and parameters too.
  if (file.membrane) out.membrane = { variable: n(file.membrane.variable) };
  if (file.gates) out.gates = renameKeys(file.gates, map);
  if (file.currents) out.currents = renameKeys(file.currents, map);
  if (file.rheobase) out.rheobase = r(file.rheobase);
  if (file.sweep) out.sweep = { ...file.sweep, from: r(file.sweep.from), to: r(file.sweep.to), step: r(file.sweep.step) };
  const bench = file as ModelFile & {
    blockers?: Record<string, { parameter: string }>;
    ions?: { temperature?: string; species: Record<string, { reversal?: string }> };
    phasePlane?: { x: string; y: string; steady?: string[]; tied?: Record<string, string>; ranges?: Record<string, [number, number]> };
  };
  const renamed = out as typeof bench;
  if (bench.blockers) renamed.blockers = renameKeys(bench.blockers, new Map(), (b) => ({ ...b, parameter: n(b.parameter) }));
  if (bench.ions) {
    renamed.ions = {
      ...bench.ions,
      ...(bench.ions.temperature ? { temperature: n(bench.ions.temperature) } : {}),
      species: renameKeys(bench.ions.species, new Map(), (sp) => (sp.reversal ? { ...sp, reversal: n(sp.reversal) } : sp)),
    };
  }
  if (bench.phasePlane) {
    const plane = bench.phasePlane;
    renamed.phasePlane = {
      ...plane,
      x: n(plane.x),
      y: n(plane.y),
      ...(plane.steady ? { steady: plane.steady.map(n) } : {}),
      ...(plane.tied ? { tied: renameKeys(plane.tied, map, r) } : {}),
      ...(plane.ranges ? { ranges: renameKeys(plane.ranges, map) } : {}),
    };
  }
  return out;
}

/** A short run of 32 neurons (enough for the WebAssembly loop) with currents spread over a firing range. */
interface Drive {
  dtMs: number;
  durationMs: number;
  from: number;
  to: number;
  /** Poisson spike input onto these state variables (original names), so synaptic variables move. */
  kicks?: { on: string; weight: number }[];
}
const DRIVES: Record<string, Drive> = {
  lif: { dtMs: 0.1, durationMs: 60, from: 1.8, to: 8 },
  lif_exp_current: { dtMs: 0.1, durationMs: 60, from: 1.5, to: 5, kicks: [{ on: 'ge', weight: 0.3 }, { on: 'gi', weight: -0.2 }] },
  lif_exp_conductance: { dtMs: 0.1, durationMs: 60, from: 1.5, to: 5, kicks: [{ on: 'ge', weight: 0.02 }, { on: 'gi', weight: 0.01 }] },
  hh: { dtMs: 0.01, durationMs: 20, from: 5, to: 40 },
  traub_miles: { dtMs: 0.01, durationMs: 15, from: 500, to: 5000, kicks: [{ on: 'ge', weight: 2 }, { on: 'gi', weight: 1 }] },
  izhikevich: { dtMs: 0.1, durationMs: 60, from: 2, to: 20 },
  adex: { dtMs: 0.1, durationMs: 80, from: 400, to: 1500 },
  // Type I (the file's defaults) fires from about 40 uA/cm2 and stops in depolarisation block above 115.
  morris_lecar: { dtMs: 0.05, durationMs: 300, from: 45, to: 110 },
  fitzhugh_nagumo: { dtMs: 0.05, durationMs: 300, from: 0.35, to: 1.2 },
};
const SIZE = 32;

function run(file: ModelFile, method: MethodName, map: Map<string, string>) {
  const drive = DRIVES[file.id] ?? { dtMs: 0.01, durationMs: 50, from: 0, to: 10 };
  const name = (original: string) => map.get(original) ?? original;
  const sim = buildSimulation({
    format: 'spikebridge-scenario/1',
    durationMs: drive.durationMs,
    dtMs: drive.dtMs,
    seed: 3,
    populations: [{ name: 'p', model: renameModel(file, map), size: SIZE, method }],
    stimuli: [
      { type: 'constant', population: 'p', amplitude: Array.from({ length: SIZE }, (_, i) => drive.from + ((drive.to - drive.from) * i) / (SIZE - 1)) },
      ...(drive.kicks ?? []).map((k) => ({ type: 'poissonInput', population: 'p', on: name(k.on), sources: 20, rateHz: 100, weight: k.weight })),
    ],
    record: { spikes: true },
  } as never);
  sim.advance();
  const frame = sim.drain();
  return { times: Array.from(frame.spikes.timeMs), neurons: Array.from(frame.spikes.neuron), state: sim.populations[0].state.map((x) => Array.from(x)) };
}

/** A renaming: each declared name gets the first acceptable, unused candidate (else a fresh one). */
function renamingArb(file: ModelFile): fc.Arbitrary<Map<string, string>> {
  const names = declaredNames(file);
  const variants = names.flatMap((n) => [n, `${n}_g`, `${n}_1`, `${n}_t`, `${n}_r`, `x_${n}`, `p_${n}`, `${n}0`, n.slice(0, -1), `${n}${n}`]);
  const candidate = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...GENERATOR_NAMES) },
    { weight: 2, arbitrary: fc.constantFrom(...variants) },
    { weight: 1, arbitrary: fc.constantFrom(...JS_NAMES, ...MATHJS_NAMES) },
    { weight: 2, arbitrary: fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,10}$/) },
    // short stems with the suffixes the generator once added to its locals, so a beside a_g is likely
    { weight: 3, arbitrary: fc.tuple(fc.constantFrom('a', 'b', 'f', 'k', 'n', 's', 'x', 'y'), fc.constantFrom('', '_g', '_t', '_r', '_a', '_b', '_1', '_2', '0', '1')).map(([stem, suffix]) => stem + suffix) },
  );
  return fc.array(candidate, { minLength: 2 * names.length, maxLength: 2 * names.length }).map((pool) => {
    const used = new Set<string>();
    const map = new Map<string, string>();
    const take = (name: string) => {
      used.add(name);
      return name;
    };
    names.forEach((original, k) => {
      const pick = [pool[2 * k], pool[2 * k + 1]].find((c) => c.length <= 40 && accepted(c) && !used.has(c));
      map.set(original, take(pick ?? `fresh${k}`));
    });
    return map;
  });
}

const RUNS = 6;

describe('renaming a model changes nothing but its names', () => {
  it('the candidate names are accepted by the loader (the generator keeps its own namespace instead of refusing them)', () => {
    for (const name of [...GENERATOR_NAMES, ...JS_NAMES, ...MATHJS_NAMES]) expect(accepted(name), name).toBe(true);
  });

  it.each(shipped.map((f) => [f.id, f] as const))('%s: random renamings give the same spikes and final state with every method', (_, file) => {
    const methods = availableMethods(loadModel(file, file.id));
    const baseline = new Map(methods.map((m) => [m, run(file, m, new Map())]));
    // A run that fires nothing would compare nothing.
    for (const [m, b] of baseline) expect(b.times.length, `${file.id} ${m} fires in the baseline run`).toBeGreaterThan(SIZE / 4);
    fc.assert(
      fc.property(renamingArb(file), (map) => {
        for (const method of methods) {
          const renamed = run(file, method, map);
          const base = baseline.get(method)!;
          expect(renamed.neurons, `${method} with ${JSON.stringify([...map])}`).toEqual(base.neurons);
          expect(renamed.times.every((t, k) => Object.is(t, base.times[k])), `${method}: spike times to the bit with ${JSON.stringify([...map])}`).toBe(true);
          expect(renamed.state.every((x, k) => x.every((v, i) => Object.is(v, base.state[k][i]))), `${method}: final state to the bit`).toBe(true);
        }
      }),
      { seed: 20240611, numRuns: RUNS, endOnFailure: true },
    );
  }, 120_000);

  it.each([
    ['lif', [['R', 'k0']]],
    ['lif', [['v', 'k0']]],
    ['lif', [['tau_m', 'k0'], ['E_L', 'k1'], ['v', 'x0']]],
    ['lif_exp_current', [['ge', 'k0'], ['tau_e', 'k1']]],
    ['hh', [['alpha_m', 'a'], ['I_Na', 'a_g']]],
    ['hh', [['celsius', 'k0'], ['q10', 'x_a'], ['m', 'k1']]],
  ])('%s renamed %j: the same run with every method (names the generator itself used)', (id, pairs) => {
    const file = shipped.find((f) => f.id === id)!;
    const map = new Map(pairs as [string, string][]);
    for (const method of availableMethods(loadModel(file, file.id))) {
      const base = run(file, method, new Map());
      const renamed = run(file, method, map);
      expect(renamed.times, method).toEqual(base.times);
      expect(renamed.state.every((x, k) => x.every((v, i) => Object.is(v, base.state[k][i]))), method).toBe(true);
    }
  }, 60_000);

  it('swapping names within a model (a permutation) changes nothing either', () => {
    const file = shipped.find((f) => f.id === 'hh')!;
    // alpha_m <-> beta_m, m <-> h, C_m <-> g_L: every name stays declared, each now meaning another thing.
    const map = new Map([['alpha_m', 'beta_m'], ['beta_m', 'alpha_m'], ['m', 'h'], ['h', 'm'], ['C_m', 'g_L'], ['g_L', 'C_m']]);
    for (const method of availableMethods(loadModel(file, file.id))) {
      const base = run(file, method, new Map());
      const renamed = run(file, method, map);
      expect(renamed.times).toEqual(base.times);
      expect(renamed.state.every((x, k) => x.every((v, i) => Object.is(v, base.state[k][i])))).toBe(true);
    }
  }, 60_000);

  it('a name the loader cannot take is refused with a message naming the field and the name', () => {
    const lif = shipped.find((f) => f.id === 'lif')!;
    for (const bad of REFUSED) {
      for (const original of ['R', 'v']) {
        const map = new Map([[original, bad]]);
        let error: unknown;
        try {
          loadModel(renameModel(lif, map), 'lif.json');
        } catch (err) {
          error = err;
        }
        expect(error, `${bad} as ${original}`).toBeInstanceOf(InputError);
        expect((error as Error).message, bad).toMatch(original === 'R' ? /^lif\.json: parameters\./ : /^lif\.json: state\./);
        expect((error as Error).message).toContain(bad.slice(0, 40));
      }
    }
  });
});
