import { describe, expect, it } from 'vitest';
import { spikeStatistics } from '../../src/core/record/statistics';
import { Random } from '../../src/core/random';

function trains(kind: 'regular' | 'poisson', neurons: number, rateHz: number, ms: number) {
  const r = new Random(5);
  const t: number[] = [];
  const i: number[] = [];
  for (let n = 0; n < neurons; n++) {
    let time = kind === 'regular' ? r.uniform() * (1000 / rateHz) : 0;
    for (;;) {
      time += kind === 'regular' ? 1000 / rateHz : (-Math.log(r.uniform()) * 1000) / rateHz;
      if (time >= ms) break;
      t.push(time);
      i.push(n + 10);
    }
  }
  return { t: Float64Array.from(t), i: Int32Array.from(i) };
}

describe('spike statistics', () => {
  it('a Poisson process has ISI CV 1 and Fano factor 1', () => {
    const { t, i } = trains('poisson', 200, 20, 20000);
    const s = spikeStatistics(t, i, 10, 200, 0, 20000);
    expect(s.meanRateHz).toBeCloseTo(20, 0);
    expect(Math.abs(s.isiCv - 1)).toBeLessThan(0.03);
    expect(Math.abs(s.fano - 1)).toBeLessThan(0.05);
  });
  it('a clock has ISI CV 0 and a Fano factor near 0', () => {
    const { t, i } = trains('regular', 50, 20, 10000); // exactly 2 spikes in every 100 ms window
    const s = spikeStatistics(t, i, 10, 50, 0, 10000);
    expect(s.isiCv).toBeLessThan(1e-9);
    expect(s.fano).toBeLessThan(0.02);
    expect(s.activeFraction).toBe(1);
  });
  it('bins the population rate in Hz per neuron and ignores other neurons and times', () => {
    const s = spikeStatistics(Float64Array.of(0.5, 0.7, 1.5, 5, 0.2), Int32Array.of(0, 1, 0, 0, 7), 0, 2, 0, 2, 1);
    expect(Array.from(s.populationRateHz)).toEqual([1000, 500]);
  });
});
