// Activation functions and their fits: derivatives, recovery of known parameters from noisy
// synthetic data, and which function wins on real f-I curves where the answer is clear-cut.
import { describe, expect, it } from 'vitest';
import { ACTIVATIONS, ACTIVATION_IDS, activationGain, activationValue, softplus, type ActivationId, type ActivationParameters } from '../../src/bridge/activations';
import { fitActivation, fitActivationFromStart, fitActivations, fitEquivalents, RANKED_ACTIVATION_IDS } from '../../src/bridge/fit';
import { computeRheobase } from '../../src/bridge/rheobase';
import { builtinModel } from '../../src/core/model/builtinModels';
import { currentRange, fiSweep } from '../../src/bridge/fiSweep';
import { Random } from '../../src/core/random';

describe('activation functions', () => {
  const p: ActivationParameters = { inScale: 0.7, inShift: 1.5, outScale: 40, outShift: 3, shape: [] };
  it.each(ACTIVATION_IDS)('%s: the gain is the derivative of the value', (id) => {
    const params = { ...p, shape: ACTIVATIONS[id].shape.map((s) => s.value) };
    for (const x of [-3, 0, 1.2, 1.9, 2.6, 6, 15]) {
      const h = 1e-6;
      const numeric = (activationValue(id, params, x + h) - activationValue(id, params, x - h)) / (2 * h);
      expect(activationGain(id, params, x)).toBeCloseTo(numeric, 5);
    }
  });
  it('soft-LIF with gamma -> 0 is the noiseless LIF rate', () => {
    // LIF defaults: z = (R I - theta)/theta with theta = 20 mV, rate = (1/tau) / (t_ref/tau + ln(1 + 1/z)).
    const params = { inScale: 10 / 20, inShift: 2, outScale: 1000 / 10, outShift: 0, shape: [0.2, 1e-6] };
    for (const current of [2.5, 3, 5, 20]) {
      expect(activationValue('softLif', params, current)).toBeCloseTo(1000 / (2 + 10 * Math.log((10 * current) / (10 * current - 20))), 6);
    }
    expect(activationValue('softLif', params, 1.5)).toBe(0);
  });
  it('softplus keeps its digits at both ends', () => {
    expect(softplus(-800)).toBe(0);
    expect(softplus(-40)).toBeCloseTo(Math.exp(-40), 50);
    expect(softplus(800)).toBe(800);
  });
});

/**
 * Parameters and inputs for the recovery test. Noise is 0.2 % of the output range: at 1 % the
 * least-squares optimum already wanders 10-20 % from the truth for softplus and ELU (their scale
 * and shift trade off), and soft-LIF's six parameters are sloppier still (outScale, tRef and
 * inScale compensate each other), so its data reach far into saturation with 0.05 % noise and its
 * parameters are held to 10 %.
 */
const TRUE: Record<(typeof RANKED_ACTIVATION_IDS)[number], { p: ActivationParameters; from: number; to: number; noise?: number; tolerance?: number }> = {
  sigmoid: { p: { inScale: 1.2, inShift: 3, outScale: 80, outShift: 0, shape: [] }, from: -2, to: 8 },
  relu: { p: { inScale: 1, inShift: 2, outScale: 30, outShift: 0, shape: [] }, from: 0, to: 6 },
  softplus: { p: { inScale: 2, inShift: 2, outScale: 15, outShift: 0, shape: [] }, from: 0.5, to: 5 },
  elu: { p: { inScale: 1.5, inShift: 2, outScale: 20, outShift: 20, shape: [] }, from: -1, to: 5 },
  softLif: { p: { inScale: 0.5, inShift: 2, outScale: 100, outShift: 0, shape: [0.2, 0.3] }, from: 0, to: 40, noise: 0.0005, tolerance: 0.1 },
};

describe('each fit recovers the parameters that made its noisy data (100 points, three seeds)', () => {
  it.each(RANKED_ACTIVATION_IDS.flatMap((id) => [7, 8, 9].map((seed) => [id, seed] as const)))('%s, seed %i', (id, seed) => {
    const { p, from, to, noise = 0.002, tolerance = 0.05 } = TRUE[id];
    const random = new Random(seed);
    const x = Array.from({ length: 100 }, (_, k) => from + ((to - from) * k) / 99);
    const clean = x.map((xi) => activationValue(id, p, xi));
    const range = Math.max(...clean) - Math.min(...clean);
    // Rates are never negative: noise where the truth is 0 would be a negative rate.
    const y = clean.map((yi) => Math.max(0, yi + noise * range * random.normal()));
    const fit = fitActivation(id, x, y);
    // The optimum is about as good as the truth (the fit found the least-squares minimum, or near
    // it; the points clipped to 0 count as silence, which weighs more, so a little worse is
    // allowed), and cannot be much better than the noise.
    const truthRmse = Math.sqrt(clean.reduce((sum, c, i) => sum + (c - y[i]) ** 2, 0) / x.length);
    expect(fit.rmseHz).toBeLessThan(truthRmse * 1.1);
    expect(fit.rmseHz).toBeGreaterThan(truthRmse * 0.8);
    const got = fit.parameters;
    expect(Math.abs(got.inScale / p.inScale - 1)).toBeLessThan(tolerance);
    expect(Math.abs(got.outScale / p.outScale - 1)).toBeLessThan(tolerance);
    expect(Math.abs(got.inShift - p.inShift)).toBeLessThan(0.01 * (to - from));
    expect(got.outShift).toBeCloseTo(-got.outScale * ACTIVATIONS[id].floor, 9);
    got.shape.forEach((v, k) => expect(Math.abs(v / p.shape[k] - 1)).toBeLessThan(tolerance));
  });

  it('a silent range fits exactly and has no R^2 (nothing varies to explain)', () => {
    const fit = fitActivation('sigmoid', [0, 0.2, 0.4, 0.6, 0.8, 1], [0, 0, 0, 0, 0, 0]);
    expect(fit.rmseHz).toBe(0);
    expect(fit.rSquared).toBeNaN();
  });

  it('refuses data it cannot fit, naming the field', () => {
    expect(() => fitActivation('relu', [1, 2, 3], [0, 1, 2])).toThrow(/currents: 3 points are too few/);
    expect(() => fitActivation('relu', [1, 1, 1, 1, 1, 1], [0, 1, 2, 3, 4, 5])).toThrow(/currents: all 6 currents are 1/);
    expect(() => fitActivation('relu', [1, 2, 3, 4, 5, 6], [0, 1, NaN, 3, 4, 5])).toThrow(/point 2: \(3, NaN\)/);
    expect(() => fitActivation('relu', [1, 2, 3, 4, 5, 6], [0, 1, -2, 3, 4, 5])).toThrow(/point 2: a rate of -2 Hz is negative/);
    expect(() => fitActivation('swish' as ActivationId, [1, 2, 3, 4, 5, 6], [0, 1, 2, 3, 4, 5])).toThrow(/activation: "swish" is not an activation/);
  });
});

const rmse = (fits: ReturnType<typeof fitActivations>, id: ActivationId) => fits.find((f) => f.id === id)!.rmseHz;
const RELU_LIKE: ActivationId[] = ['relu', 'softplus', 'elu'];
const lifCurve = fiSweep({ model: 'lif', currents: currentRange(0, 20, 0.2), durationMs: 1100, discardMs: 100, dtMs: 0.1 });
const lifFits = fitActivations(lifCurve.currents, lifCurve.ratesHz);

describe('fits that tell the truth about rates', () => {
  it('noiseless LIF: no fit predicts a negative rate, nor more than 1 Hz below 0.9x the rheobase', () => {
    const rheobase = computeRheobase(builtinModel('lif'), {}, { fromInput: 0, toInput: 20, durationMs: 1100, discardMs: 100, dtMs: 0.1 }).input!;
    expect(rheobase).toBe(2);
    expect(lifFits.map((f) => f.id).sort()).toEqual([...RANKED_ACTIVATION_IDS].sort());
    for (const f of lifFits) {
      for (let x = 0; x <= 20; x += 0.01) {
        const rate = activationValue(f.id, f.parameters, x);
        expect(rate).toBeGreaterThanOrEqual(0);
        if (x < 0.9 * rheobase) expect(rate, `${f.id} at ${x} nA`).toBeLessThanOrEqual(1);
      }
    }
    // ReLU's kink is a threshold (at the last silent current or above), its slope a gain.
    const relu = lifFits.find((f) => f.id === 'relu')!;
    expect(relu.parameters.inShift).toBeGreaterThanOrEqual(2);
    expect(relu.parameters.inShift).toBeLessThan(2.2);
    expect(relu.parameters.outShift).toBe(0);
  });

  it('tanh and leaky ReLU are not ranked: each is said as the fit it is on a rate axis, with its curve', () => {
    expect(lifFits.some((f) => f.id === 'tanh' || f.id === 'leakyRelu')).toBe(false);
    const [tanh, leaky] = fitEquivalents(lifFits);
    expect([tanh.id, tanh.sameAs, leaky.id, leaky.sameAs]).toEqual(['tanh', 'sigmoid', 'leakyRelu', 'relu']);
    const sigmoid = lifFits.find((f) => f.id === 'sigmoid')!;
    for (const x of [0, 3, 6, 12]) expect(activationValue('tanh', tanh.parameters, x)).toBeCloseTo(activationValue('sigmoid', sigmoid.parameters, x), 8);
    expect(tanh.text).toMatch(/^tanh is the sigmoid rescaled .* RMSE [\d.]+ Hz, so it is not ranked apart\.$/);
    expect(tanh.rmseHz).toBe(sigmoid.rmseHz);
    // Fitted on its own, tanh gives the sigmoid's curve and RMSE too.
    expect(fitActivation('tanh', lifCurve.currents, lifCurve.ratesHz).rmseHz).toBe(sigmoid.rmseHz);
  });

  it('each fit knows its slope from its own formula, and where it is steepest', () => {
    for (const f of lifFits) {
      const h = 1e-5;
      const x = f.steepestInput + 0.3;
      expect(activationGain(f.id, f.parameters, x)).toBeCloseTo((activationValue(f.id, f.parameters, x + h) - activationValue(f.id, f.parameters, x - h)) / (2 * h), 3);
      expect(f.steepestGain).toBeCloseTo(activationGain(f.id, f.parameters, f.steepestInput), 9);
    }
  });
});

describe('which activation matches which neuron', () => {
  it('noiseless LIF from silence to near saturation: soft-LIF exactly, ReLU-like far behind', () => {
    expect(lifFits[0].id).toBe('softLif');
    expect(lifFits[0].rSquared).toBeGreaterThan(0.9999);
    for (const id of RELU_LIKE) expect(rmse(lifFits, id)).toBeGreaterThan(30 * rmse(lifFits, 'softLif'));
  });

  it('noiseless LIF near rheobase: the ReLU kink sits at the rheobase, the LIF shape fits better still', () => {
    const c = fiSweep({ model: 'lif', currents: currentRange(1, 3, 0.05), durationMs: 2100, discardMs: 100, dtMs: 0.1 });
    const fits = fitActivations(c.currents, c.ratesHz);
    expect(fits[0].id).toBe('softLif');
    const relu = fits.find((f) => f.id === 'relu')!;
    expect(relu.parameters.inShift).toBeGreaterThanOrEqual(2);
    expect(relu.parameters.inShift).toBeLessThan(2.05);
  });

  it('noisy LIF (5 mV) around its onset: the smooth softplus beats ReLU', () => {
    const c = fiSweep({ model: 'lif', currents: currentRange(0, 3, 0.05), durationMs: 2100, discardMs: 100, dtMs: 0.1, noiseSigmaMV: 5, neuronsPerCurrent: 20, seed: 2 });
    const fits = fitActivations(c.currents, c.ratesHz);
    expect(fits[0].id).toBe('softLif');
    expect(rmse(fits, 'softplus')).toBeLessThan(0.6 * rmse(fits, 'relu'));
  });

  it('noisy LIF (5 mV, 0-4 nA, the CLI example): every fit converges beyond its start and the sigmoid is a real fit', () => {
    // The sweep `sim -- fit --model lif --noise-sigma 5 --from 0 --to 4 --step 0.25 --duration 600
    // --discard 100 --neurons 10` prints. A sigmoid once stayed at its start here (RMSE 13.5 Hz,
    // R^2 0.88): the optimiser traded false firing at 0 nA for the rest, which the ends' judge then
    // refused. Held to silence at 0 nA, the sigmoid's best is about 5.7-5.9 Hz (a brute-force grid
    // over gain and midpoint gives 5.86 Hz with the silence exact): it must bend up at the onset
    // and be straight above 2 nA, which its one inflection can do only roughly.
    const c = fiSweep({ model: 'lif', currents: currentRange(0, 4, 0.25), durationMs: 600, discardMs: 100, dtMs: 0.1, noiseSigmaMV: 5, neuronsPerCurrent: 10, seed: 1 });
    const results = RANKED_ACTIVATION_IDS.map((id) => fitActivationFromStart(id, c.currents, c.ratesHz));
    for (const { fit, startRmseHz } of results) {
      expect(fit.rmseHz, `${fit.id} from its start`).toBeLessThan(0.98 * startRmseHz);
      expect(fit.rSquared, fit.id).toBeGreaterThan(0.97);
    }
    const fits = results.map((r) => r.fit);
    const bestSmooth = Math.min(...fits.filter((f) => f.id !== 'relu').map((f) => f.rmseHz));
    const sigmoid = fits.find((f) => f.id === 'sigmoid')!;
    expect(sigmoid.rmseHz).toBeLessThan(8 * bestSmooth);
    expect(sigmoid.rmseHz).toBeLessThan(7);
    // Its midpoint is where the curve turns straight, not the start's 2 nA with gain 6 per nA.
    expect(sigmoid.parameters.inScale).toBeLessThan(4);
  });

  it('HH: the type II jump is fitted by functions that can jump steeply, no ReLU-like one', () => {
    const c = fiSweep({ model: 'hh', currents: currentRange(0, 30, 0.5), durationMs: 700, discardMs: 200, dtMs: 0.01 });
    const fits = fitActivations(c.currents, c.ratesHz);
    expect(fits.slice(0, 2).map((f) => f.id).sort()).toEqual(['sigmoid', 'softLif']);
    for (const id of RELU_LIKE) expect(rmse(fits, id)).toBeGreaterThan(1.5 * rmse(fits, 'sigmoid'));
  });
});
