import { describe, expect, it } from 'vitest';
import { SpikeTrainStatistics, spikeStatistics } from '../../src/core/record/statistics';
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

  it('per neuron with n - 1, pooled with n: the figures numpy gives for hand-made trains', () => {
    // Neuron 0: intervals 10, 20, 30 (mean 20); neuron 1: 5, 5 (CV 0); neuron 2: two spikes (no CV).
    const t = Float64Array.of(0, 10, 30, 60, 0, 5, 10, 0, 50);
    const i = Int32Array.of(0, 0, 0, 0, 1, 1, 1, 2, 2);
    const s = new SpikeTrainStatistics(0, 3, 0, 100);
    s.add(t, i);
    const sample = Math.sqrt(200 / 2) / 20; // np.std([10, 20, 30], ddof=1) / 20
    const population = Math.sqrt(200 / 3) / 20; // np.std([10, 20, 30]) / 20
    expect(s.result().isiCv).toBeCloseTo((sample + 0) / 2, 12);
    expect(s.result({ variance: 'population' }).isiCv).toBeCloseTo((population + 0) / 2, 12);
    expect(s.result({ first: 0, count: 1 }).isiCv).toBeCloseTo(sample, 12);
    expect(s.result({ first: 2, count: 1 }).isiCv).toBeNaN();
    expect(s.result().activeFraction).toBe(1);
  });

  it('Fano factor over 100 ms windows, complete windows only, n - 1 or n', () => {
    // Neuron 0: counts 1, 3, 0, 2 in four windows (and one spike in the cut fifth, ignored).
    const t = Float64Array.of(50, 110, 120, 130, 350, 360, 420);
    const i = new Int32Array(t.length);
    const s = new SpikeTrainStatistics(0, 1, 0, 450);
    s.add(t, i);
    const counts = [1, 3, 0, 2];
    const mean = 1.5;
    const ss = counts.reduce((a, c) => a + (c - mean) ** 2, 0);
    expect(s.result().fano).toBeCloseTo(ss / 3 / mean, 12);
    expect(s.result({ variance: 'population' }).fano).toBeCloseTo(ss / 4 / mean, 12);
    // Cut at 250 ms (an interrupted run): two complete windows, counts 1 and 3.
    expect(s.result({ stopMs: 250 }).fano).toBeCloseTo(2 / 1 / 2, 12);
    expect(s.result({ stopMs: 250 }).meanRateHz).toBeCloseTo(7 / 0.25, 9);
  });

  it('fed in chunks, the same figures as fed at once, whatever the chunks', () => {
    const { t, i } = trains('poisson', 50, 15, 3000);
    // Chunks of time, as a run drained as it goes hands them over (time order within each neuron).
    const order = Array.from(t.keys()).sort((a, b) => t[a] - t[b]);
    const whole = new SpikeTrainStatistics(10, 50, 200, 2900);
    whole.add(t, i);
    const chunked = new SpikeTrainStatistics(10, 50, 200, 2900);
    for (let at = 0; at < order.length; at += 97) {
      const part = order.slice(at, at + 97);
      chunked.add(Float64Array.from(part, (k) => t[k]), Int32Array.from(part, (k) => i[k]));
    }
    for (const options of [{}, { variance: 'population' as const }, { first: 5, count: 20 }]) expect(chunked.result(options)).toEqual(whole.result(options));
    expect(spikeStatistics(t, i, 10, 50, 200, 2900)).toMatchObject(whole.result());
  });
});

