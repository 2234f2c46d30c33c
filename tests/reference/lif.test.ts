// LIF f-I against the analytic rate and Brian2 (tests/reference/data/lif_fi.csv).
import { describe, expect, it } from 'vitest';
import { currentRange, fiSweep } from '../../src/bridge/fiSweep';
import { lifRateHz } from '../../src/bridge/lifRate';
import { readCsv } from './referenceData';

const P = { E_L: -70, V_th: -50, tau_m: 10, R: 10, t_ref: 2 };

describe('LIF f-I at dt = 0.1 ms (exact method, interpolated spike times)', () => {
  // 20 s after a 100 ms discard: count quantisation is 0.05 Hz, below 0.5 % of the lowest rate (30.8 Hz).
  const currents = currentRange(0, 5, 0.1);
  const curve = fiSweep({ model: 'lif', currents, durationMs: 20100, discardMs: 100, dtMs: 0.1 });

  it('is within 0.5 % of the analytic rate from 2.1 to 5 nA', () => {
    let worst = 0;
    currents.forEach((current, k) => {
      if (current < 2.1 - 1e-9) return;
      const analytic = lifRateHz(current, P);
      const error = Math.abs(curve.ratesHz[k] - analytic) / analytic;
      worst = Math.max(worst, error);
      expect(error, `I = ${current} nA: simulated ${curve.ratesHz[k]} Hz, analytic ${analytic} Hz`).toBeLessThan(0.005);
    });
    expect(worst).toBeGreaterThanOrEqual(0);
  });

  it('is silent at and below the 2 nA rheobase', () => {
    currents.forEach((current, k) => {
      if (current <= 2 + 1e-9) expect(curve.ratesHz[k], `I = ${current} nA`).toBe(0);
    });
  });

  it('agrees with the analytic column of the reference file, and does better than Brian2 on the grid', () => {
    const ref = readCsv('lif_fi.csv');
    const brian = ref['rate_count_exact_dt0.1_Hz'];
    let ourError = 0;
    let brianError = 0;
    ref.I_nA.forEach((current, k) => {
      const analytic = ref.rate_analytic_Hz[k];
      expect(lifRateHz(current, P)).toBeCloseTo(analytic, 4);
      const j = currents.findIndex((c) => Math.abs(c - current) < 1e-9);
      expect(j).toBeGreaterThanOrEqual(0);
      ourError += Math.abs(curve.ratesHz[j] - analytic);
      brianError += Math.abs(brian[k] - analytic);
    });
    expect(ourError).toBeLessThan(brianError);
  });
});
