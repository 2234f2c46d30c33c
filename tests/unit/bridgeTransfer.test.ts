// Population transfer function: mean rate against external drive, one run per drive value.
import { describe, expect, it } from 'vitest';
import { populationTransfer, populationTransferSteps } from '../../src/bridge/populationTransfer';
import { lifRateHz } from '../../src/bridge/lifRate';
import { preset } from '../../src/scenario/presets';

/** Brunel A (J = 0.1 mV) at a tenth of the size, so a run takes milliseconds. */
function smallBrunel() {
  const s = preset('brunel-j0.1') as { durationMs: number; record: { rateWindowMs: [number, number] }; populations: { size: number }[]; projections: { connect: { k: number } }[]; stimuli: { sources: number }[] };
  s.durationMs = 600;
  // The preset's rate window (200-1200 ms) would end after the shortened run.
  s.record.rateWindowMs = [200, 600];
  s.populations[0].size = 400;
  s.populations[1].size = 100;
  for (const p of s.projections) p.connect.k /= 10;
  return s;
}

describe('populationTransfer', () => {
  it('unconnected LIF neurons driven by a current: the transfer function is the single-neuron f-I curve', () => {
    const scenario = { format: 'spikebridge-scenario/1', durationMs: 1100, dtMs: 0.1, populations: [{ name: 'a', model: 'lif', size: 5 }, { name: 'b', model: 'lif', size: 3, parameters: { tau_m: 20 } }] };
    const points = populationTransfer({ scenario, drive: 'current', values: [1, 3, 5], discardMs: 100 });
    for (const p of points) {
      expect(Math.abs(p.ratesHz[0].rateHz - lifRateHz(p.drive, { E_L: -70, V_th: -50, tau_m: 10, R: 10, t_ref: 2 }))).toBeLessThanOrEqual(1);
      expect(Math.abs(p.ratesHz[1].rateHz - lifRateHz(p.drive, { E_L: -70, V_th: -50, tau_m: 20, R: 10, t_ref: 2 }))).toBeLessThanOrEqual(1);
      expect(p.meanRateHz).toBeCloseTo((5 * p.ratesHz[0].rateHz + 3 * p.ratesHz[1].rateHz) / 8, 9);
    }
  });

  it('Brunel network: silent without input, rising with the Poisson drive', () => {
    const points = populationTransfer({ scenario: smallBrunel(), drive: 'poissonRateHz', values: [0, 30, 40, 50] }); // threshold drive is 25 Hz (20 mV / (0.1 mV x 400 x 20 ms))
    expect(points.map((p) => p.ratesHz.map((r) => r.population))).toEqual(Array(4).fill(['E', 'I']));
    expect(points[0].meanRateHz).toBe(0);
    for (let k = 1; k < points.length; k++) expect(points[k].meanRateHz).toBeGreaterThan(points[k - 1].meanRateHz);
    expect(points[3].meanRateHz).toBeGreaterThan(5);
  });

  it('streams one point per run and refuses a drive the scenario does not have', () => {
    const steps = populationTransferSteps({ scenario: smallBrunel(), drive: 'poissonRateHz', values: [10, 40] });
    const first = steps.next();
    expect(first.value).toMatchObject({ index: 0, fraction: 0.5, point: { drive: 10 } });
    expect(steps.return(undefined as never).done).toBe(true);
    const noPoisson = { format: 'spikebridge-scenario/1', durationMs: 100, dtMs: 0.1, populations: [{ name: 'a', model: 'lif', size: 2 }] };
    expect(() => populationTransfer({ scenario: noPoisson, drive: 'poissonRateHz', values: [5] })).toThrow(/drive: scenario .* has no Poisson input/);
  });
});
