// The loader rejects a broken model file with a message that names the place.
import { describe, expect, it } from 'vitest';
import { loadModel, availableMethods } from '../../src/core/model/loadModel';
import { builtinModel } from '../../src/core/model/builtinModels';
import { linearTerms } from '../../src/core/codegen/kernel';
import lif from '../../models/lif.json';
import hh from '../../models/hh.json';

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
