// Default sweeps for the Izhikevich and AdEx model files: each starts in silence, crosses the
// rheobase its formula predicts, and ends well into firing, so the panel shows the whole onset.
import { describe, expect, it } from 'vitest';
import { adexRheobasePA, compareFiCurve, izhikevichRheobase, sweepDefaults } from '../../src/bridge/fiComparison';
import { currentRange, fiSweep } from '../../src/bridge/fiSweep';

function defaultCurve(modelId: string, parameters: Record<string, number>) {
  const d = sweepDefaults(modelId, parameters, 0);
  const currents = currentRange(d.fromInput, d.toInput, d.step);
  const curve = fiSweep({ model: modelId, currents, durationMs: d.durationMs, discardMs: d.discardMs, dtMs: d.dtMs, parameters });
  return { d, curve };
}

/** First current whose rate exceeds 1 Hz. */
function onsetOf(curve: { currents: Float64Array; ratesHz: Float64Array }): number {
  const k = curve.ratesHz.findIndex((r) => r > 1);
  return k < 0 ? NaN : curve.currents[k];
}

describe('rheobase formulas', () => {
  it('Izhikevich: 4 for b = 0.2, 1 for b = 0.25', () => {
    expect(izhikevichRheobase((n) => ({ b: 0.2 })[n]!)).toBeCloseTo(4, 10);
    expect(izhikevichRheobase((n) => ({ b: 0.25 })[n]!)).toBeCloseTo(1.015625, 10);
  });
  it('AdEx without adaptation (a = 0): g_L (V_T - E_L - Delta_T)', () => {
    const p: Record<string, number> = { g_L: 30, a: 0, V_T: -50.4, E_L: -70.6, Delta_T: 2 };
    expect(adexRheobasePA((n) => p[n])).toBeCloseTo(30 * (20.2 - 2), 9);
  });
});

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
  it('gives seven fits and a sentence naming the model', () => {
    const { d, curve } = defaultCurve(modelId, parameters);
    const result = compareFiCurve(curve, { modelId, parameters, noiseSigmaMV: 0, dtMs: d.dtMs });
    expect(result.fits).toHaveLength(7);
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

it('a model without defaults is refused, naming it', () => {
  expect(() => sweepDefaults('nope', {}, 0)).toThrow(/"nope" has no default sweep/);
});
