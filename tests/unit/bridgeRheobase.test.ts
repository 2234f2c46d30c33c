// The rheobase is computed, not read off a grid: the file's expression for the LIF, a bisection on
// noiseless runs for a model without one (HH), agreeing with a plain bisection of single runs.
import { describe, expect, it } from 'vitest';
import { computeRheobase } from '../../src/bridge/rheobase';
import { fiSweep } from '../../src/bridge/fiSweep';
import { builtinModel } from '../../src/core/model/builtinModels';

describe('computeRheobase', () => {
  it('LIF: (V_th - E_L) / R from the file, with the parameters in force', () => {
    const r = computeRheobase(builtinModel('lif'), { R: 20, V_th: -45 }, { fromInput: 0, toInput: 10, durationMs: 1100, discardMs: 100, dtMs: 0.1 });
    expect(r).toMatchObject({ input: (-45 - -70) / 20, method: 'expression', toleranceInput: 0, runs: 0, unit: 'nA' });
  });

  it('LIF: a bisection (forced) lands within its tolerance above the expression', () => {
    const r = computeRheobase(builtinModel('lif'), {}, { fromInput: 0, toInput: 5, durationMs: 1100, discardMs: 100, dtMs: 0.1, forceBisection: true, toleranceInput: 0.01 });
    expect(r.method).toBe('bisection');
    expect(r.input! - 2).toBeGreaterThan(0);
    expect(r.input! - 2).toBeLessThanOrEqual(0.01 + 1e-6); // a 1 s window: the first spike train slow enough is at 2.00... nA
  });

  it('HH: the bisection matches a plain one of single runs within 0.01 uA/cm2 (about 6.3)', () => {
    const options = { fromInput: 0, toInput: 20, durationMs: 700, discardMs: 200, dtMs: 0.01, toleranceInput: 0.005 };
    const r = computeRheobase(builtinModel('hh'), {}, options);
    expect(r.method).toBe('bisection');
    expect(r.toleranceInput).toBeLessThanOrEqual(0.005);
    // A plain bisection, one run per probe.
    let low = 5;
    let high = 8;
    const fires = (current: number) => fiSweep({ model: 'hh', currents: [current], durationMs: 700, discardMs: 200, dtMs: 0.01 }).ratesHz[0] > 0;
    expect([fires(low), fires(high)]).toEqual([false, true]);
    while (high - low > 0.005) {
      const mid = (low + high) / 2;
      if (fires(mid)) high = mid;
      else low = mid;
    }
    expect(Math.abs(r.input! - high)).toBeLessThan(0.01);
    expect(r.input!).toBeGreaterThan(6.2);
    expect(r.input!).toBeLessThan(6.4);
  });

  it('says why there is none in the range', () => {
    const silent = computeRheobase(builtinModel('hh'), {}, { fromInput: 0, toInput: 3, durationMs: 300, discardMs: 100, dtMs: 0.01 });
    expect(silent).toMatchObject({ input: null, note: 'it does not fire up to 3 uA/cm2, the end of the range' });
    expect(() => computeRheobase(builtinModel('hh'), {}, { fromInput: 3, toInput: 3, durationMs: 300, discardMs: 100, dtMs: 0.01 })).toThrow(/range.toInput: 3 uA\/cm2 must be above range.fromInput/);
  });
});
