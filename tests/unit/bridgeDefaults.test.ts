// Default sweeps as the model files declare them (sweep, rheobase): each starts in silence,
// crosses the rheobase its formula predicts, and ends well into firing, so the panel shows the
// whole onset. The formulas are typed out here, independently of the files' expressions.
import { describe, expect, it } from 'vitest';
import { compareFiCurve } from '../../src/bridge/fiComparison';
import { planFiSweep, sweepDefaults } from '../../src/bridge/fiPlan';
import { fiSweep } from '../../src/bridge/fiSweep';
import { builtinModel } from '../../src/core/model/builtinModels';
import { parameterEvaluator, resolveParameters } from '../../src/core/model/loadModel';
import lif from '../../models/lif.json';

/**
 * Izhikevich (2003): with u at its steady state b v, dv/dt = 0.04 v^2 + (5 - b) v + 140 + I has a
 * fixed point until I = (5 - b)^2 / 0.16 - 140 (saddle-node): 4 for RS (b = 0.2), 1 for b = 0.25.
 */
function izhikevichRheobase(get: (name: string) => number): number {
  return (5 - get('b')) ** 2 / 0.16 - 140;
}

/**
 * AdEx with w at its steady state a (v - E_L): I(v) = (g_L + a)(v - E_L) - g_L Delta_T
 * exp((v - V_T) / Delta_T) peaks at v* = V_T + Delta_T ln((g_L + a) / g_L), where the fixed
 * points vanish: ~627 pA with the model file's defaults.
 */
function adexRheobasePA(get: (name: string) => number): number {
  const g = get('g_L') + get('a');
  if (!(g > 0)) return 0;
  const v = get('V_T') + get('Delta_T') * Math.log(g / get('g_L'));
  return g * (v - get('E_L')) - get('g_L') * get('Delta_T') * Math.exp((v - get('V_T')) / get('Delta_T'));
}

function defaultsOf(modelId: string, parameters: Record<string, number>) {
  const model = builtinModel(modelId);
  return sweepDefaults(model, resolveParameters(model, parameters, 'p'), 0)!;
}

function defaultCurve(modelId: string, parameters: Record<string, number>) {
  const plan = planFiSweep({ model: modelId, parameters });
  const curve = fiSweep(plan.options);
  return { d: defaultsOf(modelId, parameters), curve };
}

describe('the model files\' rheobase expressions', () => {
  it.each([
    ['izhikevich', {}, izhikevichRheobase((n) => ({ b: 0.2 })[n]!)],
    ['izhikevich', { b: 0.25 }, 1.015625],
    ['adex', {}, adexRheobasePA((n) => ({ g_L: 30, a: 4, V_T: -50.4, E_L: -70.6, Delta_T: 2 })[n]!)],
    ['adex', { a: 0 }, 30 * (20.2 - 2)],
    ['adex', { a: -30 }, 0],
    ['lif', { V_th: -40 }, 3],
  ] as [string, Record<string, number>, number][])('%s %j: %d', (modelId, parameters, expected) => {
    const model = builtinModel(modelId);
    expect(parameterEvaluator(model, model.rheobase!)(resolveParameters(model, parameters, 'p'))).toBeCloseTo(expected, 9);
  });

  it('the defaults the hand-coded rules gave, now from the files (two significant digits)', () => {
    const d = (id: string, p: Record<string, number> = {}) => {
      const x = defaultsOf(id, p);
      return [x.fromInput, x.toInput, x.step, x.dtMs, x.durationMs, x.discardMs];
    };
    expect(d('lif')).toEqual([0, 20, 0.2, 0.1, 1100, 100]);
    expect(d('lif', { R: 7 })).toEqual([0, 29, 0.29, 0.1, 1100, 100]);
    expect(d('hh')).toEqual([0, 40, 0.5, 0.01, 700, 200]);
    expect(d('lif_exp_current')).toEqual([-1.1, 8.9, 0.1, 0.1, 1100, 100]);
    expect(d('lif_exp_conductance')).toEqual([0, 1, 0.01, 0.1, 1100, 100]);
    expect(d('traub_miles')).toEqual([-100, 1000, 10, 0.01, 700, 200]);
    expect(d('izhikevich')).toEqual([0, 40, 0.4, 0.1, 1300, 300]);
    expect(d('adex')).toEqual([0, 3100, 31, 0.1, 1300, 300]);
    const hh = builtinModel('hh');
    expect(sweepDefaults(hh, resolveParameters(hh, {}, 'p'), 2)!.neuronsPerCurrent).toBe(10);
  });
});

/** First current whose rate exceeds 1 Hz. */
function onsetOf(curve: { currents: Float64Array; ratesHz: Float64Array }): number {
  const k = curve.ratesHz.findIndex((r) => r > 1);
  return k < 0 ? NaN : curve.currents[k];
}

describe.each([
  ['izhikevich', {}, izhikevichRheobase((n) => ({ b: 0.2 })[n]!)],
  ['izhikevich', { a: 0.1, b: 0.2, c: -65, d: 2 }, 4], // FS regime
  ['adex', {}, adexRheobasePA((n) => ({ g_L: 30, a: 4, V_T: -50.4, E_L: -70.6, Delta_T: 2 })[n]!)],
  ['adex', { C: 200, g_L: 10, E_L: -70, V_T: -50, Delta_T: 2, a: 2, tau_w: 30, b: 0, V_r: -58 }, adexRheobasePA((n) => ({ g_L: 10, a: 2, V_T: -50, E_L: -70, Delta_T: 2 })[n]!)], // tonic
])('default sweep of %s %j', (modelId, parameters, rheobase) => {
  it('is silent at the start, starts firing within 15 % of the rheobase, and fires > 40 Hz at the end', () => {
    const { d, curve } = defaultCurve(modelId, parameters);
    expect(curve.currents.length).toBeGreaterThanOrEqual(90);
    expect(curve.currents.length).toBeLessThanOrEqual(110);
    expect(d.toInput).toBeGreaterThan(2 * rheobase);
    expect(curve.ratesHz[0]).toBe(0);
    expect(Math.abs(onsetOf(curve) - rheobase) / rheobase).toBeLessThan(0.15);
    expect(curve.ratesHz[curve.ratesHz.length - 1]).toBeGreaterThan(40);
  });
  it('gives five ranked fits, the two equivalents, and a sentence naming the model', () => {
    const { d, curve } = defaultCurve(modelId, parameters);
    const result = compareFiCurve(curve, { model: builtinModel(modelId), parameters, noiseSigmaMV: 0, dtMs: d.dtMs });
    expect(result.fits).toHaveLength(5);
    expect(result.equivalents.map((e) => e.id)).toEqual(['tanh', 'leakyRelu']);
    expect(result.theoryHz).toBeNull();
    expect(result.explanation.text).toMatch(modelId === 'adex' ? /AdEx/ : /Izhikevich/);
  });
});

describe.each([
  ['lif_exp_current', -0.1], // CUBA's neuron: E_L -49 mV above V_th -50 mV, R 10 MOhm
  ['lif_exp_conductance', 0.1], // COBA's: (-50 - -60) / 100 MOhm
  ['traub_miles', -40], // COBAHH's: fires at 14 Hz at 0 pA (measured: silent at -50, 6 Hz at -25)
])('default sweep of the network neuron %s', (modelId, rheobase) => {
  it('starts in silence, crosses its rheobase inside the range, and ends firing > 100 Hz', () => {
    const { d, curve } = defaultCurve(modelId, {});
    expect(curve.currents.length).toBeGreaterThanOrEqual(90);
    expect(curve.currents.length).toBeLessThanOrEqual(120);
    expect(curve.ratesHz[0]).toBe(0);
    const onset = onsetOf(curve);
    expect(onset).toBeGreaterThan(d.fromInput);
    expect(Math.abs(onset - rheobase)).toBeLessThanOrEqual(modelId === 'traub_miles' ? 25 : 2 * d.step);
    expect(curve.ratesHz[curve.ratesHz.length - 1]).toBeGreaterThan(100);
  });
});

it('a model file without a sweep has no defaults; the planner asks for the range by its fields', () => {
  const { sweep: _sweep, ...file } = structuredClone(lif);
  expect(() => planFiSweep({ model: { ...file, id: 'bare' } as never })).toThrow(/^range: Leaky integrate-and-fire \(LIF\) \(bare\) has no default sweep; give range\.fromInput, range\.toInput and range\.step in nA$/);
  const plan = planFiSweep({ model: { ...file, id: 'bare' } as never, range: { fromInput: 0, toInput: 5, step: 1 } });
  expect([plan.currents.length, plan.durationMs, plan.dtMs]).toEqual([6, 1100, 0.05]);
});
