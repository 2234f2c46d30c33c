// Izhikevich (2003) and AdEx (Naud et al. 2008) as model files: each named regime fires the way
// the papers show (adaptation, bursts, rebound), and the answer does not depend on the step.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { buildSimulation } from '../../src/scenario/scenario';
import { validateScenario } from '../../src/scenario/scenario';
import { loadModel } from '../../src/core/model/loadModel';

function spikeTimes(model: string, regime: string, stimuli: unknown[], durationMs = 500, dtMs = 0.1): number[] {
  const sim = buildSimulation({
    format: 'spikebridge-scenario/1',
    durationMs,
    dtMs,
    populations: [{ name: 'n', model, size: 1, regime }],
    stimuli: stimuli.map((s) => ({ population: 'n', ...(s as object) })),
    record: { spikes: true },
  });
  sim.advance();
  return Array.from(sim.drain().spikes.timeMs);
}
const intervals = (t: number[]) => t.slice(1).map((x, k) => x - t[k]);
const step = (amplitude: number, startMs = 10, stopMs = 500) => ({ type: 'step', amplitude, startMs, stopMs });

describe('Izhikevich regimes', () => {
  it('RS adapts: the interval at least doubles, then stays', () => {
    const isi = intervals(spikeTimes('izhikevich', 'RS', [step(10)]));
    expect(isi.length).toBeGreaterThan(8);
    expect(isi[isi.length - 1] / isi[0]).toBeGreaterThan(1.8);
    expect(Math.abs(isi[isi.length - 1] - isi[isi.length - 2])).toBeLessThan(0.1);
  });

  it('IB fires a burst, then single spikes; CH bursts again and again', () => {
    const ib = intervals(spikeTimes('izhikevich', 'IB', [step(10)]));
    expect(ib.slice(0, 2).every((x) => x < 5)).toBe(true);
    expect(ib.slice(2).every((x) => x > 20)).toBe(true);
    const ch = intervals(spikeTimes('izhikevich', 'CH', [step(10)]));
    const short = ch.filter((x) => x < 6).length;
    const long = ch.filter((x) => x > 30).length;
    expect(long).toBeGreaterThanOrEqual(5); // several bursts
    expect(short / long).toBeGreaterThan(3); // each of several spikes
  });

  it('FS fires fastest; LTS starts fast and adapts', () => {
    const rate = (regime: string) => spikeTimes('izhikevich', regime, [step(10)]).length;
    expect(rate('FS')).toBeGreaterThan(3 * rate('RS'));
    const lts = intervals(spikeTimes('izhikevich', 'LTS', [step(10)]));
    expect(lts[lts.length - 1] / lts[0]).toBeGreaterThan(3);
  });

  it('TC answers the end of a hyperpolarising step with a rebound burst; RS does not', () => {
    const tc = spikeTimes('izhikevich', 'TC', [step(-10, 10, 200)]);
    expect(tc.length).toBeGreaterThanOrEqual(2);
    expect(tc.every((t) => t > 200 && t < 260)).toBe(true);
    expect(spikeTimes('izhikevich', 'RS', [step(-10, 10, 200)])).toEqual([]);
  });

  it('RZ, let go below rest, rings back (a damped oscillation); RS relaxes without ringing', () => {
    const ring = (regime: string) => {
      const sim = buildSimulation({
        format: 'spikebridge-scenario/1',
        durationMs: 300,
        dtMs: 0.1,
        populations: [{ name: 'n', model: 'izhikevich', size: 1, regime, initial: { v: -70, u: regime === 'RZ' ? -18.2 : -14 } }],
        stimuli: [],
        record: { spikes: true, traces: [{ population: 'n', variable: 'v', neurons: [0] }] },
      });
      sim.advance();
      const v = Array.from(sim.drain().traces[0].values);
      // turning points of v after the start
      let turns = 0;
      for (let k = 2; k < v.length; k++) if ((v[k] - v[k - 1]) * (v[k - 1] - v[k - 2]) < 0) turns++;
      return turns;
    };
    expect(ring('RZ')).toBeGreaterThanOrEqual(2);
    expect(ring('RS')).toBeLessThanOrEqual(1);
  });

  it('gives the same spikes at dt 0.1 and 0.01 ms (RK4), to 0.02 ms over 300 ms of bursts', () => {
    for (const regime of ['RS', 'CH']) {
      const coarse = spikeTimes('izhikevich', regime, [step(10)], 300, 0.1);
      const fine = spikeTimes('izhikevich', regime, [step(10)], 300, 0.01);
      expect(coarse.length).toBe(fine.length);
      // (the spike time comes from a cubic through both ends of the step: with a chord, CH's
      // spikes came 0.015 ms early each and 0.3 ms early after 300 ms)
      coarse.forEach((t, k) => expect(Math.abs(t - fine[k])).toBeLessThan(0.02));
    }
  });
});

describe('AdEx regimes (Naud et al. 2008)', () => {
  it('tonic keeps its rhythm; adapting slows down several-fold', () => {
    const tonic = intervals(spikeTimes('adex', 'tonic', [step(500)]));
    expect(tonic.length).toBeGreaterThan(30);
    expect(tonic[tonic.length - 1] / tonic[0]).toBeLessThan(1.2);
    const adapting = intervals(spikeTimes('adex', 'adapting', [step(500)]));
    expect(adapting[adapting.length - 1] / adapting[0]).toBeGreaterThan(4);
  });

  it('initial burst then regular spikes; bursting repeats groups', () => {
    const initial = intervals(spikeTimes('adex', 'initial burst', [step(400)]));
    expect(initial.slice(0, 2).every((x) => x < 10)).toBe(true);
    expect(initial.slice(2).every((x) => x > 40)).toBe(true);
    const bursting = intervals(spikeTimes('adex', 'bursting', [step(210)]));
    expect(bursting.filter((x) => x > 100).length).toBeGreaterThanOrEqual(2);
    expect(bursting.filter((x) => x < 10).length).toBeGreaterThanOrEqual(3);
  });

  it('converges: dt 0.1 and 0.01 ms agree to 0.02 ms', () => {
    const coarse = spikeTimes('adex', 'bursting', [step(210)], 300, 0.1);
    const fine = spikeTimes('adex', 'bursting', [step(210)], 300, 0.01);
    expect(coarse.length).toBe(fine.length);
    coarse.forEach((t, k) => expect(Math.abs(t - fine[k])).toBeLessThan(0.02));
  });
});

describe('regimes as data', () => {
  const izhikevich = JSON.parse(readFileSync(new URL('../../models/izhikevich.json', import.meta.url), 'utf8'));
  it('a population names a regime, and its own parameters override the regime', () => {
    const valid = validateScenario({ format: 'spikebridge-scenario/1', durationMs: 10, dtMs: 0.1, populations: [{ name: 'n', model: 'izhikevich', size: 1, regime: 'CH', parameters: { d: 3 } }] });
    const names = valid.populations[0].model.parameterNames;
    const values = Object.fromEntries(names.map((n, k) => [n, valid.populations[0].parameters[k]]));
    expect(values).toMatchObject({ a: 0.02, b: 0.2, c: -50, d: 3 });
  });

  it('refuses an unknown regime naming the ones there are, and a regime out of range naming it', () => {
    expect(() => validateScenario({ format: 'spikebridge-scenario/1', durationMs: 10, dtMs: 0.1, populations: [{ name: 'n', model: 'izhikevich', size: 1, regime: 'XX' }] })).toThrow(
      /^populations\[0\]\.regime: "XX" is not a regime of izhikevich \(its regimes: RS, IB, CH, FS, LTS, TC, RZ\)/,
    );
    expect(() => validateScenario({ format: 'spikebridge-scenario/1', durationMs: 10, dtMs: 0.1, populations: [{ name: 'n', model: 'lif', size: 1, regime: 'RS' }] })).toThrow(/it has none/);
    const bad = { ...izhikevich, regimes: { ...izhikevich.regimes, RS: { meaning: 'x', parameters: { a: 5 } } } };
    expect(() => loadModel(bad, 'izhikevich.json')).toThrow(/^izhikevich\.json: regimes\.RS\.parameters\.a: 5 1\/ms is outside the allowed range \[0\.001, 1\]/);
    const hostile = { ...izhikevich, regimes: { 'constructor()': { meaning: 'x', parameters: {} } } };
    expect(() => loadModel(hostile, 'izhikevich.json')).toThrow(/regimes\.constructor\(\): a regime name is/);
  });
});
