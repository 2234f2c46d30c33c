// The f-I panel's numbers, without a browser: axes (raw and the fits' normalisation), gains by
// differences and from the bridge's derivatives, the hover values, the y range, ticks, the fit
// table and the progress line.
import { describe, expect, it } from 'vitest';
import { activationValue, type ActivationParameters } from '../../src/bridge/activations';
import { fitActivations } from '../../src/bridge/fit';
import { lifRateHz } from '../../src/bridge/lifRate';
import { axisMap, buildSeries, CURVE_STYLES, curveStyle, differenceGain, normalisation, valuesAt, yRange, type CurveId, type SweepData } from '../../src/ui/fiPlotData';
import { niceTicks } from '../../src/ui/plotStyle';
import { fitTableRows, formatNumber, formatRemaining, progressText, rheobaseText, type FitLike } from '../../src/ui/fiFormat';

const ALL = new Set<CurveId>(CURVE_STYLES.map((s) => s.id));
const relu: ActivationParameters = { inScale: 1, inShift: 2, outScale: 10, outShift: 0, shape: [] };
const sigmoid: ActivationParameters = { inScale: 2, inShift: 5, outScale: 100, outShift: 0, shape: [] };

/** A small sweep: a ReLU-like curve 0..10 nA with a kink at 2, standard errors of 1 Hz. */
function data(): SweepData {
  const currents = Array.from({ length: 11 }, (_, k) => k);
  return {
    currents,
    ratesHz: currents.map((c) => Math.max(0, 10 * (c - 2))),
    semHz: currents.map(() => 1),
    theoryHz: currents.map((c) => Math.max(0, 10 * (c - 2)) + 0.5),
    fits: [
      { id: 'relu', parameters: relu },
      { id: 'sigmoid', parameters: sigmoid },
    ],
  };
}

describe('axes', () => {
  it('normalised axes are the fits\' own: input to [-1, 1], simulated rate to [0, 1]', () => {
    const n = normalisation(data());
    expect(n).toEqual({ xCentre: 5, xHalfSpan: 5, yLow: 0, ySpan: 80 });
    const map = axisMap('normalised', n);
    expect([map.x(0), map.x(10), map.rate(0), map.rate(80)]).toEqual([-1, 1, 0, 1]);
    expect(map.input(map.x(3.7))).toBeCloseTo(3.7, 12);
    expect(map.gain(10)).toBeCloseTo((10 * 5) / 80, 12); // dY/dX = dy/dx * halfSpan / span
  });

  it('missing points (NaN, not yet simulated) are left out of the normalisation', () => {
    const d = data();
    (d.ratesHz as number[])[10] = NaN;
    expect(normalisation(d).ySpan).toBe(70);
  });
});

describe('gains', () => {
  it('differences: exact for a line, central inside, one-sided at the ends, NaN gaps skipped', () => {
    expect(Array.from(differenceGain([0, 1, 2, 3], [1, 4, 7, 10]))).toEqual([3, 3, 3, 3]);
    expect(differenceGain([1, 2, 3], [1, 4, 9])[1]).toBe(4); // x^2 at 2
    const gappy = differenceGain([0, 1, 2, 3], [0, NaN, 2, 3]);
    expect(Number.isNaN(gappy[1])).toBe(true);
    expect(gappy[0]).toBeNaN(); // no finite neighbour on either side
    expect(gappy[2]).toBe(1);
  });

  it('a fitted curve\'s gain (the bridge\'s derivative) is the slope of its rate curve, on both axes', () => {
    for (const axes of ['raw', 'normalised'] as const) {
      const [rate] = buildSeries(data(), axes, 'rate', new Set<CurveId>(['sigmoid']));
      const [gain] = buildSeries(data(), axes, 'gain', new Set<CurveId>(['sigmoid']));
      const slope = differenceGain(rate.x, rate.y);
      for (let k = 1; k < rate.x.length - 1; k += 37) expect(gain.y[k]).toBeCloseTo(slope[k], axes === 'raw' ? 1 : 3);
    }
  });
});

describe('series', () => {
  it('draws only the visible curves, fits sampled across the sweep, theory only when there is one', () => {
    const visible = new Set<CurveId>(['simulated', 'relu']);
    const series = buildSeries(data(), 'raw', 'rate', visible);
    expect(series.map((s) => s.id)).toEqual(['simulated', 'relu']);
    const fit = series[1];
    expect(fit.x[0]).toBe(0);
    expect(fit.x[fit.x.length - 1]).toBe(10);
    expect(fit.y[fit.y.length - 1]).toBe(activationValue('relu', relu, 10));
    expect(series[0].error![3]).toBe(1);
    expect(buildSeries({ ...data(), theoryHz: null }, 'raw', 'rate', ALL).some((s) => s.id === 'theory')).toBe(false);
  });

  it('error bars are scaled with the rate on normalised axes', () => {
    const [sim] = buildSeries(data(), 'normalised', 'rate', new Set<CurveId>(['simulated']));
    expect(sim.error![0]).toBeCloseTo(1 / 80, 12);
    expect(sim.y[10]).toBe(1);
  });
});

describe('hover', () => {
  it('gives every visible curve\'s value: the nearest simulated point, the theory interpolated, each fit exactly', () => {
    const values = valuesAt(data(), 'raw', 'rate', ALL, 4.4);
    const by = Object.fromEntries(values.map((v) => [v.id, v]));
    expect(Object.keys(by)).toEqual(['simulated', 'theory', 'relu', 'sigmoid']);
    expect(by.simulated).toEqual({ id: 'simulated', value: 20, atInput: 4, error: 1 });
    expect(by.theory.value).toBeCloseTo(24.5, 12);
    expect(by.relu.value).toBeCloseTo(24, 12);
    expect(by.sigmoid.value).toBeCloseTo(100 / (1 + Math.exp(-2 * (4.4 - 5))), 12);
  });

  it('in the gain view on normalised axes', () => {
    const by = Object.fromEntries(valuesAt(data(), 'normalised', 'gain', ALL, 6).map((v) => [v.id, v.value]));
    expect(by.simulated).toBeCloseTo((10 * 5) / 80, 12);
    expect(by.relu).toBeCloseTo((10 * 5) / 80, 12);
  });
});

describe('y range', () => {
  it('covers the data, its error bars and zero', () => {
    const [lo, hi] = yRange(buildSeries(data(), 'raw', 'rate', ALL), 'rate');
    expect(lo).toBe(0);
    expect(hi).toBeGreaterThanOrEqual(81);
    expect(hi).toBeLessThan(90);
  });

  it('a gain that is infinite at the LIF rheobase does not flatten the rest', () => {
    const currents = Array.from({ length: 101 }, (_, k) => k * 0.2);
    const rates = currents.map((c) => lifRateHz(c, { E_L: -70, V_th: -50, V_reset: -70, tau_m: 10, R: 10, t_ref: 2 }));
    const d: SweepData = { currents, ratesHz: rates, semHz: rates.map(() => 0), theoryHz: null, fits: fitActivations(currents, rates) };
    const series = buildSeries(d, 'raw', 'gain', ALL);
    const [, hi] = yRange(series, 'gain');
    const steepest = Math.max(...series.flatMap((s) => Array.from(s.y).filter(Number.isFinite)));
    expect(hi).toBeLessThan(steepest);
    expect(hi).toBeGreaterThan(20); // still shows the rising branch (~15 Hz/nA at 20 nA)
  });
});

it('nice ticks', () => {
  expect(niceTicks(0, 327, 6)).toEqual({ lo: 0, hi: 400, step: 100, values: [0, 100, 200, 300, 400] });
  expect(niceTicks(0, 327, 8).values).toEqual([0, 50, 100, 150, 200, 250, 300, 350]);
  expect(formatNumber(2e-5)).toBe('2.00e−5');
  expect(niceTicks(-1, 1, 4).values).toEqual([-1, -0.5, 0, 0.5, 1]);
});

describe('text', () => {
  it('the fit table: best first, units per parameter, shape parameters, R^2 undefined shows as a dash', () => {
    const rows = fitTableRows(
      [
        { id: 'softLif', name: 'soft-LIF', parameters: { inScale: 0.48, inShift: 2.016, outScale: 103.7, outShift: -0.03, shape: [0.207, 0.0001] }, rmseHz: 0.43, rSquared: 0.99998 },
        { id: 'relu', name: 'ReLU', parameters: { inScale: 1, inShift: -4.48, outScale: 16.86, outShift: -38.4, shape: [] }, rmseHz: 29.5, rSquared: NaN },
      ].reverse() as FitLike[],
      'nA',
    );
    expect(rows.map((r) => [r.rank, r.id])).toEqual([[1, 'softLif'], [2, 'relu']]);
    expect(rows[0].parameters).toBe('in scale 0.48 per nA, shift 2.02 nA, out scale 104 Hz, out shift −0.03 Hz, tRef 0.207, gamma 0.0001');
    expect(rows[1].parameters).toBe('shift −4.48 nA, out scale 16.9 Hz per nA, out shift −38.4 Hz');
    expect(rows[0].rSquared).toBe('1.0000');
    expect(rows[1].rSquared).toBe('–');
    expect(rows[1].rmse).toBe('29.5 Hz');
  });

  it('numbers, time left and progress', () => {
    expect(formatNumber(0)).toBe('0');
    expect(formatNumber(12345678)).toBe('1.23e+7');
    expect(formatRemaining(null)).toBe('');
    expect(formatRemaining(400)).toBe('under a second left');
    expect(formatRemaining(2600)).toBe('about 3 s left');
    expect(formatRemaining(70_000)).toBe('about 1 min 10 s left');
    expect(progressText(0.423, 2600, 'simulating')).toBe('42 % · about 3 s left');
    expect(progressText(1, 0, 'done')).toBe('100 % · done');
    expect(progressText(1, 0, 'done', 312)).toBe('100 % · done in 0.31 s');
    expect(progressText(0.5, null, 'cancelled')).toBe('cancelled at 50 %');
    expect(progressText(1, null, 'fitting')).toBe('100 % · fitting the activations…');
  });

  it('the computed rheobase: its value and how it was found', () => {
    expect(rheobaseText({ input: 2, unit: 'nA', method: 'expression', expression: '(V_th - E_L) / R', toleranceInput: 0 })).toBe("Rheobase (computed, not read off the grid): 2 nA, from the model file's (V_th − E_L) / R.");
    expect(rheobaseText({ input: 6.241432, unit: 'uA/cm2', method: 'bisection', toleranceInput: 0.000762 })).toBe("Rheobase (computed, not read off the grid): 6.241 uA/cm2, by bisection on noiseless runs of this sweep's protocol, to within 0.00076 uA/cm2.");
    expect(rheobaseText({ input: null, unit: 'nA', method: 'bisection', toleranceInput: 0.01, note: 'it does not fire up to 1 nA, the end of the range' })).toBe('Rheobase: not in this range (it does not fire up to 1 nA, the end of the range).');
  });
});

it('only the ranked fits have curves and toggles: tanh and leaky ReLU draw as the sigmoid and the ReLU', () => {
  expect(CURVE_STYLES.map((s) => s.id)).toEqual(['simulated', 'theory', 'sigmoid', 'relu', 'softplus', 'elu', 'softLif']);
  expect(curveStyle('tanh')).toBe(curveStyle('sigmoid'));
  expect(curveStyle('leakyRelu')).toBe(curveStyle('relu'));
});
