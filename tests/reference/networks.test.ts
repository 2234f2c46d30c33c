// Network statistics against Brian2 2.5.1 on the same definitions (tests/reference/data/networks.json).
// These networks are chaotic: spike trains differ with every seed and build, so the comparison is
// statistical. Tolerances come from the seed-to-seed spread measured with both simulators on this
// machine (CUBA: 0.17 Hz standard deviation of the mean rate; COBAHH: about 2.5 Hz).
import { describe, expect, it } from 'vitest';
import { buildSimulation } from '../../src/scenario/scenario';
import { preset } from '../../src/scenario/presets';
import { spikeStatistics } from '../../src/core/record/statistics';
import { readReference } from './referenceData';
import { readFileSync } from 'node:fs';

const reference = JSON.parse(readReference('networks.json'));

function run(name: string, seed: number) {
  const scenario = preset(name) as { seed: number; durationMs: number; record: { rateWindowMs?: [number, number] } };
  scenario.seed = seed;
  const sim = buildSimulation(scenario);
  sim.advance();
  const frame = sim.drain();
  const [start, stop] = scenario.record.rateWindowMs ?? [0, scenario.durationMs];
  const size = sim.populations.reduce((a, p) => a + p.size, 0);
  return {
    synapses: sim.networkInfo().synapses,
    stats: spikeStatistics(frame.spikes.timeMs, frame.spikes.neuron, 0, size, start, stop),
  };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('CUBA', () => {
  const runs = [1, 2, 3].map((seed) => run('cuba', seed));
  it('has as many synapses as p = 0.02 gives (binomial, 4 standard deviations), like Brian2', () => {
    const expected = 0.02 * 4000 * 4000;
    const sd = Math.sqrt(expected * 0.98);
    for (const r of runs) expect(Math.abs(r.synapses - expected)).toBeLessThan(4 * sd);
    expect(Math.abs(reference.cuba.n_synapses - expected)).toBeLessThan(4 * sd);
  });
  it('fires at Brian2\'s mean rate (three seeds, within 0.5 Hz)', () => {
    expect(Math.abs(mean(runs.map((r) => r.stats.meanRateHz)) - reference.cuba.mean_rate_hz)).toBeLessThan(0.5);
  });
  it('fires irregularly (ISI CV between 0.3 and 1)', () => {
    for (const r of runs) {
      expect(r.stats.isiCv).toBeGreaterThan(0.3);
      expect(r.stats.isiCv).toBeLessThan(1);
    }
  });
});

describe('Brunel 2000 model A (scaled)', () => {
  it('J = 0.1 mV: Brian2\'s rate within 2 %, regular firing', () => {
    const r = run('brunel-j0.1', 1);
    expect(r.synapses).toBe(reference.brunel_scaled.n_synapses);
    expect(Math.abs(r.stats.meanRateHz / reference.brunel_scaled['mean_rate_hz_J0.1'] - 1)).toBeLessThan(0.02);
    expect(r.stats.isiCv).toBeLessThan(0.5);
  });
  it('J = 0.25 mV: between Brian2 and mean-field theory (within 6 % of each), irregular firing', () => {
    const r = run('brunel-j0.25', 1);
    expect(Math.abs(r.stats.meanRateHz / reference.brunel_scaled['mean_rate_hz_J0.25'] - 1)).toBeLessThan(0.06);
    expect(Math.abs(r.stats.meanRateHz / reference.brunel_scaled['mean_field_rate_hz_J0.25'] - 1)).toBeLessThan(0.06);
    expect(r.stats.isiCv).toBeGreaterThan(0.6);
  });
});

describe('COBAHH', () => {
  it('fires at Brian2\'s mean rate (two seeds, within 12 %)', () => {
    const rates = [1, 2].map((seed) => run('cobahh', seed).stats.meanRateHz);
    const brian = (reference.cobahh.mean_rate_hz_cython + reference.cobahh.mean_rate_hz_standalone) / 2;
    expect(Math.abs(mean(rates) / brian - 1)).toBeLessThan(0.12);
  });
});

describe('COBA', () => {
  // Brian2 on the very same definitions, measured with tests/reference/brian2/coba.py.
  const brian = JSON.parse(readFileSync(new URL('./brian2/coba.json', import.meta.url), 'utf8')) as { runs: { rate_hz: number }[] };
  it('fires at the rate Brian2 gives the same network (three seeds against six, within 8 %)', () => {
    const ours = mean([1, 2, 3].map((seed) => run('coba', seed).stats.meanRateHz));
    const theirs = mean(brian.runs.map((r) => r.rate_hz));
    expect(Math.abs(ours / theirs - 1)).toBeLessThan(0.08);
  });
});
