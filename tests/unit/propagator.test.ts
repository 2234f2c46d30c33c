// Partial-step propagators (a spike or a refractory end inside a step) against the matrix
// exponential they approximate, and the written-out Horner evaluator against the loop it replaces.
import { describe, expect, it } from 'vitest';
import { hornerEvaluator, linearPropagator, PropagatorSeries } from '../../src/core/integrate/propagator';

// CUBA's neuron: v' = (ge + gi - (v - E_L)) / tau_m + R I / tau_m, ge' = -ge / tau_e, gi' = -gi / tau_i.
const tauM = 20;
const cuba = {
  matrix: Float64Array.of(-1 / tauM, 1 / tauM, 1 / tauM, 0, -1 / 5, 0, 0, 0, -1 / 10),
  offset: Float64Array.of(-49 / tauM, 0, 0),
  input: Float64Array.of(1 / tauM, 0, 0),
};
// AdEx-like linear pair: v and an adaptation w that feeds back.
const coupled = {
  matrix: Float64Array.of(-1 / 9.4, -1 / 281, 4 / 144, -1 / 144),
  offset: Float64Array.of(-70.6 / 9.4, 4 * 70.6 / 144),
  input: Float64Array.of(1 / 281, 0),
};

describe('PropagatorSeries', () => {
  for (const [name, sys, n] of [['CUBA', cuba, 3], ['coupled v, w', coupled, 2]] as const) {
    for (const held of [[], [0]]) {
      it(`${name}${held.length ? ' (v held)' : ''}: at(h) equals the matrix exponential for h in (0, dt]`, () => {
        const dt = 0.1;
        const series = new PropagatorSeries(sys.matrix, sys.offset, sys.input, n, dt, held);
        for (const h of [1e-6, 0.013, 0.05, 0.0999, 0.1]) {
          const exact = linearPropagator(sys.matrix, sys.offset, sys.input, n, h, held);
          const got = series.at(h);
          for (let k = 0; k < exact.length; k++) expect(Math.abs(got[k] - exact[k])).toBeLessThanOrEqual(1e-15 * Math.max(1, Math.abs(exact[k])));
        }
      });
    }
  }
});

describe('hornerEvaluator', () => {
  it('gives the loop\'s bits: acc = acc * h + p[k] from the highest term down, into the live entries only', () => {
    const live = Int32Array.of(0, 2, 5, 9);
    const order = 7;
    const polynomials = Float64Array.from({ length: live.length * order }, (_, k) => Math.sin(k + 1) * 10 ** ((k % 5) - 2));
    const evaluate = hornerEvaluator(live, order)!;
    expect(evaluate).not.toBeNull();
    for (const h of [0, 0.017, 0.1, -0.3]) {
      const out = new Float64Array(12).fill(-1);
      evaluate(polynomials, out, h);
      const expected = new Float64Array(12).fill(-1);
      live.forEach((entry, j) => {
        let acc = 0;
        for (let k = order - 1; k >= 0; k--) acc = acc * h + polynomials[j * order + k];
        expected[entry] = acc;
      });
      expect(Array.from(out)).toEqual(Array.from(expected));
    }
  });
});
