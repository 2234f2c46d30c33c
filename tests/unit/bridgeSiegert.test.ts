// The Siegert rate against mpmath at 40 digits (tests/reference/siegert/siegert_mpmath.py), and
// its noiseless limit against the analytic LIF rate.
import { describe, expect, it } from 'vitest';
import reference from '../reference/siegert/siegert_mpmath.json';
import { discreteTimeShiftMV, erfcx, siegertRateForCurrentHz, siegertRateHz } from '../../src/bridge/siegert';
import { lifRateHz } from '../../src/bridge/lifRate';

const relative = (x: number, ref: number) => Math.abs(x - ref) / Math.abs(ref);
const lif = { tau_m: 10, t_ref: 2, V_th: -50, V_reset: -70, E_L: -70, R: 10 };

describe('erfcx', () => {
  it.each(reference.erfcx)('erfcx($x) matches mpmath to 1e-13', ({ x, erfcx: ref }) => {
    expect(relative(erfcx(x), Number(ref))).toBeLessThan(1e-13);
  });
  it('overflows to Infinity only where exp(x^2) does', () => {
    expect(erfcx(-27)).toBe(Infinity);
    expect(Number.isFinite(erfcx(-26.5))).toBe(true);
  });
});

describe('Siegert rate', () => {
  const representable = reference.siegert.filter((c) => Number(c.rateHz) > 1e-300);
  it('covers cases from 1e-36 Hz to over 300 Hz', () => {
    expect(representable.length).toBeGreaterThan(40);
  });
  it.each(representable)('mu $meanMV mV, sd $sdMV mV, tau $tauMs ms: mpmath to 1e-10', (c) => {
    const rate = siegertRateHz(c.meanMV, c.sdMV, { tau_m: c.tauMs, t_ref: c.tRefMs, V_th: c.vThMV, V_reset: c.vResetMV });
    expect(relative(rate, Number(c.rateHz))).toBeLessThan(1e-10);
  });
  it('is 0 (not NaN) where the true rate underflows double precision', () => {
    for (const c of reference.siegert.filter((r) => Number(r.rateHz) <= 1e-300)) {
      expect(siegertRateHz(c.meanMV, c.sdMV, { tau_m: c.tauMs, t_ref: c.tRefMs, V_th: c.vThMV, V_reset: c.vResetMV })).toBe(0);
    }
  });

  it('tends to the analytic LIF rate as the noise vanishes', () => {
    for (const currentNA of [2.05, 2.5, 3, 5, 20]) {
      const analytic = lifRateHz(currentNA, lif);
      expect(relative(siegertRateForCurrentHz(currentNA, 1e-4, lif), analytic)).toBeLessThan(1e-4);
      expect(siegertRateForCurrentHz(currentNA, 0, lif)).toBeCloseTo(analytic, 10);
    }
    expect(siegertRateForCurrentHz(1.9, 1e-3, lif)).toBe(0);
  });

  it('noise raises the rate below rheobase and smooths the onset', () => {
    const below = siegertRateForCurrentHz(1.8, 5, lif);
    expect(below).toBeGreaterThan(5);
    expect(siegertRateForCurrentHz(1.8, 5, lif)).toBeGreaterThan(siegertRateForCurrentHz(1.8, 2, lif));
  });

  it('the discrete-time shift is |zeta(1/2)|/sqrt(pi) sd sqrt(dt/tau) and lowers the rate', () => {
    expect(discreteTimeShiftMV(5, 0.1, 10)).toBeCloseTo((1.4603545 / Math.sqrt(Math.PI)) * 5 * 0.1, 6);
    expect(siegertRateHz(-52, 5, lif, 0.1)).toBeLessThan(siegertRateHz(-52, 5, lif));
  });

  it('refuses parameters that make no sense, naming them', () => {
    expect(() => siegertRateHz(-50, -1, lif)).toThrow(/sdMV: -1/);
    expect(() => siegertRateHz(-50, 1, { ...lif, V_reset: -40 })).toThrow(/V_reset: -40 mV must be below V_th/);
  });
});
