// The loader rejects a broken model file with a message that names the place.
import { describe, expect, it } from 'vitest';
import { loadModel, availableMethods, defaultParameters, parameterEvaluator, resolveParameters } from '../../src/core/model/loadModel';
import { builtinModel } from '../../src/core/model/builtinModels';
import { linearTerms } from '../../src/core/codegen/kernel';
import lif from '../../models/lif.json';
import hh from '../../models/hh.json';
import adex from '../../models/adex.json';

function broken(base: object, patch: (m: Record<string, any>) => void): () => unknown {
  const model = structuredClone(base) as Record<string, any>;
  patch(model);
  return () => loadModel(model, 'models/test.json');
}

describe('model files', () => {
  it('loads the shipped models with the methods they allow', () => {
    expect(availableMethods(builtinModel('lif'))).toEqual(['exact', 'staggered', 'exponential_euler', 'rk4', 'euler']);
    expect(availableMethods(builtinModel('hh'))).toEqual(['staggered', 'exponential_euler', 'rk4', 'euler']);
    expect(builtinModel('hh').methods.exact).toMatch(/not linear/);
  });

  it('names a syntax error with its place and column', () => {
    expect(broken(lif, (m) => (m.equations = ['dv/dt = (-(v - E_L) + R*I) / / tau_m']))).toThrow(/models\/test\.json: equations\[0\]: cannot parse/);
  });

  it('names an unknown symbol', () => {
    expect(broken(lif, (m) => (m.equations = ['dv/dt = (-(v - E_rest) + R*I) / tau_m']))).toThrow(/equations\[0\]: .*unknown symbol "E_rest"/);
  });

  it('names a missing parameter (a symbol used but not declared)', () => {
    expect(broken(lif, (m) => delete m.parameters.tau_m)).toThrow(/unknown symbol "tau_m"/);
  });

  it('names a value outside its range', () => {
    expect(broken(lif, (m) => (m.parameters.tau_m.value = -3))).toThrow(/parameters\.tau_m\.value: -3 is outside its range \[0\.5, 500\]/);
    expect(broken(lif, (m) => (m.parameters.tau_m.min = 600))).toThrow(/parameters\.tau_m: min 600 is above max 500/);
  });

  it('names a state without an equation, and an equation without a state', () => {
    expect(broken(lif, (m) => (m.state.w = { initial: '0', unit: 'nA', meaning: 'adaptation' }))).toThrow(/state\.w: the state variable "w" has no equation dw\/dt/);
    expect(broken(lif, (m) => m.equations.push('dw/dt = -w'))).toThrow(/equations\[1\]: dw\/dt: "w" is not a declared state variable/);
    expect(broken(lif, (m) => m.equations.push('dv/dt = 0'))).toThrow(/a second equation for dv\/dt/);
  });

  it('checks threshold, reset, refractoriness and constraints', () => {
    expect(broken(lif, (m) => (m.threshold.variable = 'u'))).toThrow(/threshold\.variable: "u" is not a state variable/);
    expect(broken(lif, (m) => (m.threshold.level = 'v + 1'))).toThrow(/threshold\.level: may use parameters only; "v" is a state variable/);
    // What the page calls the line: a short text, if given.
    expect(broken(lif, (m) => (m.threshold.label = 5))).toThrow(/threshold\.label: expected a string, got 5/);
    expect(broken(lif, (m) => (m.threshold.label = 'x'.repeat(41)))).toThrow(/threshold\.label: is 41 characters long; at most 40/);
    expect(hh.threshold.label).toBe('spike counted at');
    expect(broken(lif, (m) => (m.reset = { u: 'V_reset' }))).toThrow(/reset\.u: "u" is not a state variable/);
    expect(broken(lif, (m) => (m.refractory.clamp = ['q']))).toThrow(/refractory\.clamp\[0\]/);
    expect(broken(lif, (m) => (m.parameters.V_reset.value = -40))).toThrow(/V_reset must be below V_th/);
  });

  it('finds the terms of an exact model that no parameter can make nonzero (the kernels leave them out)', () => {
    const cuba = builtinModel('lif_exp_current');
    // dge/dt = -ge / tau_e has no offset: its zero-state value -0 / tau_e must read as zero.
    expect(cuba.linear!.offset.map((node) => node.toString())).toEqual(['E_L / tau_m', '0', '0']);
    expect(linearTerms(cuba)).toEqual({
      reaches: [[true, true, true], [false, true, false], [false, false, true]],
      offset: [true, false, false],
      input: [true, false, false],
    });
  });

  it('refuses circular expressions and circular initial values', () => {
    expect(broken(hh, (m) => (m.expressions = [...m.expressions, 'a = b + 1', 'b = a * 2']))).toThrow(/circular definition: a -> b -> a/);
    expect(broken(hh, (m) => (m.state.v.initial = 'm * 10'))).toThrow(/in a circle/);
  });

  it('refuses a default method the equations do not allow', () => {
    expect(broken(hh, (m) => (m.defaultMethod = 'exact'))).toThrow(/defaultMethod: "exact" cannot integrate this model: .*not linear/);
    expect(broken(lif, (m) => (m.defaultMethod = 'magic'))).toThrow(/defaultMethod: "magic" is not a method/);
  });

  it('refuses a wrong format version and wrong types', () => {
    expect(broken(lif, (m) => (m.format = 'other/2'))).toThrow(/format: is "other\/2"; this version reads "spikebridge-model\/1"/);
    expect(broken(lif, (m) => (m.parameters.R.value = '10'))).toThrow(/parameters\.R\.value: must be a finite number, got "10"/);
    expect(() => loadModel([], 'x.json')).toThrow(/must be a JSON object/);
  });

  it('derives the exponential-Euler coefficients symbolically', () => {
    const model = builtinModel('hh');
    expect(model.equations[1].selfCoefficient!.toString()).toBe('-alpha_m - beta_m');
    expect(builtinModel('lif').equations[0].selfCoefficient!.toString()).toBe('-1 / tau_m');
    // dv/dt reads I_Na, I_K, I_L: their derivatives are named values, used by name.
    expect(model.equations[0].selfCoefficient!.toString()).toBe('(-$d$I_Na$v - $d$I_K$v - g_L) / C_m');
    expect(model.derived.map((e) => `${e.name} = ${e.node.toString()}`)).toEqual(['$d$I_Na$v = g_Na * m ^ 3 * h', '$d$I_K$v = g_K * n ^ 4']);
  });
});

describe('what a model file says the page and the bridge need', () => {
  it('exposes the membrane variable, gates and currents with their labels and colours', () => {
    const model = builtinModel('hh');
    expect(model.display.membrane).toEqual({ name: 'v', index: 0, unit: 'mV' });
    expect(model.display.gates.map((g) => [g.name, g.index, g.colour])).toEqual([['m', 1, '#e69f00'], ['h', 2, '#56b4e9'], ['n', 3, '#cc79a7']]);
    expect(model.display.currents.map((c) => [c.name, c.label])).toEqual([['I_Na', 'I_Na (sodium)'], ['I_K', 'I_K (potassium)'], ['I_L', 'I_L (leak)']]);
    expect(builtinModel('lif').display).toMatchObject({ gates: [], currents: [] });
  });

  it('refuses a membrane, gate or current that is not what it says, with the field', () => {
    expect(broken(hh, (m) => (m.membrane = { variable: 'V' }))).toThrow(/models\/test\.json: membrane\.variable: "V" is not a state variable \(declared: v, m, h, n\)/);
    expect(broken(hh, (m) => (m.membrane = 'v'))).toThrow(/membrane: must be an object \{ variable \}/);
    expect(broken(hh, (m) => (m.gates.q = { label: 'q', colour: '#000000' }))).toThrow(/gates\.q: "q" is not a state variable/);
    expect(broken(hh, (m) => (m.gates.v = { label: 'v', colour: '#000000' }))).toThrow(/gates\.v: "v" is the membrane variable, not a gate/);
    expect(broken(hh, (m) => (m.gates.m.colour = 'orange'))).toThrow(/gates\.m\.colour: "orange" is not a colour of the form "#rrggbb"/);
    expect(broken(hh, (m) => (m.gates.m.colour = '#e69f0'))).toThrow(/gates\.m\.colour/);
    expect(broken(hh, (m) => (m.gates.m.label = 'x'.repeat(41)))).toThrow(/gates\.m\.label: is 41 characters long; at most 40/);
    expect(broken(hh, (m) => (m.gates.m.label = ' '))).toThrow(/gates\.m\.label: is empty/);
    expect(broken(hh, (m) => (m.currents.I_Ca = { label: 'Ca', colour: '#000000' }))).toThrow(/currents\.I_Ca: "I_Ca" is not a named expression \(named: .*I_Na/);
    expect(broken(lif, (m) => (m.currents = { v: { label: 'v', colour: '#000000' } }))).toThrow(/currents\.v: "v" is not a named expression \(the file has no "expressions"\)/);
  });

  it('parses the rheobase and the sweep as expressions of parameters (and of rheobase in the sweep)', () => {
    const model = builtinModel('adex');
    const p = defaultParameters(model);
    // With w at its steady state the fixed points vanish at v* = V_T + Delta_T ln((g_L + a) / g_L).
    const g = 30 + 4;
    const v = -50.4 + 2 * Math.log(g / 30);
    const expected = g * (v + 70.6) - 30 * 2 * Math.exp((v + 50.4) / 2);
    expect(parameterEvaluator(model, model.rheobase!)(p)).toBeCloseTo(expected, 9);
    expect(parameterEvaluator(model, model.sweep!.to)(p)).toBeCloseTo(5 * expected, 9);
    expect(model.sweep).toMatchObject({ dtMs: 0.1, durationMs: 1300, discardMs: 300, neuronsWithNoise: 20 });
    // The rheobase follows the parameters in force.
    const tonic = resolveParameters(model, { a: 0 }, 'p');
    expect(parameterEvaluator(model, model.rheobase!)(tonic)).toBeCloseTo(30 * (-50.4 + 70.6) - 30 * 2, 9);
    expect(builtinModel('hh').rheobase).toBeNull();
  });

  it('refuses a rheobase or sweep that reads anything but parameters, or numbers out of range', () => {
    expect(broken(adex, (m) => (m.rheobase = 'v - E_L'))).toThrow(/rheobase: may use parameters only; "v" is a state variable/);
    expect(broken(adex, (m) => (m.rheobase = 'import(1)'))).toThrow(/rheobase: .*import/);
    expect(broken(adex, (m) => (m.rheobase = 3))).toThrow(/rheobase: must be an expression of the parameters, got 3/);
    expect(broken(adex, (m) => (m.sweep.to = 'rheobase * w'))).toThrow(/sweep\.to: may use parameters and rheobase only; "w" is a state variable/);
    expect(broken(adex, (m) => (m.sweep.to = 'I * 2'))).toThrow(/sweep\.to: may use parameters and rheobase only; "I" is an input/);
    expect(broken(hh, (m) => (m.sweep.to = 'rheobase * 2'))).toThrow(/sweep\.to: .*unknown symbol "rheobase"/);
    expect(broken(adex, (m) => (m.sweep.step = 'evaluate("1")'))).toThrow(/sweep\.step: .*strings are not allowed/);
    expect(broken(adex, (m) => (m.sweep.dtMs = 0))).toThrow(/sweep\.dtMs: 0 is outside the allowed range \[0\.0001, 1\]/);
    expect(broken(adex, (m) => (m.sweep.durationMs = 1e6))).toThrow(/sweep\.durationMs: 1000000 is outside/);
    expect(broken(adex, (m) => (m.sweep.discardMs = 1300))).toThrow(/sweep\.discardMs: 1300 is outside the allowed range \[0, 1290\]/);
    expect(broken(adex, (m) => (m.sweep.neuronsWithNoise = 2.5))).toThrow(/sweep\.neuronsWithNoise: 2\.5 is outside the allowed range \[1, 100\] \(a whole number\)/);
    expect(broken(adex, (m) => (m.sweep.durationMs = 'long'))).toThrow(/sweep\.durationMs: must be a number, got "long"/);
    expect(broken(adex, (m) => delete m.sweep.from)).toThrow(/sweep\.from: expected a string/);
    // The range at the defaults must be one the planner takes.
    expect(broken(adex, (m) => (m.sweep.step = '1'))).toThrow(/sweep: with the default parameters gives 31\d\d currents .*6 to 400 are allowed/);
    expect(broken(adex, (m) => (m.sweep.from = 'rheobase * 100'))).toThrow(/sweep: with the default parameters gives from .*needs finite values, from < to/);
    expect(broken(adex, (m) => (m.parameters.rheobase = { value: 1, unit: 'pA', min: 0, max: 2, meaning: 'x' }))).toThrow(/rheobase: "rheobase" is also declared as parameter/);
  });
});
