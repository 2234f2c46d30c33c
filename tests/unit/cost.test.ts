// The run-time estimate the CLI (--long) and the page (a confirmation) share.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { LONG_RUN_SECONDS, describeRunCost, estimateRunCost, formatDuration } from '../../src/core/cost';
import { PRESETS, preset } from '../../src/scenario/presets';
import { validateScenario } from '../../src/scenario/scenario';
import { confirmLongRun } from '../../src/ui/longRun';

const lif = (size: number, durationMs: number, extra: Record<string, unknown> = {}) => ({ format: 'spikebridge-scenario/1', durationMs, dtMs: 0.1, populations: [{ name: 'n', model: 'lif', size, ...extra }] });

describe('estimateRunCost', () => {
  it('2 million LIF neurons for 1e7 ms take hours: over the threshold, said in words', () => {
    const cost = estimateRunCost(lif(2_000_000, 1e7))!;
    expect(cost.neuronSteps).toBe(2e14);
    expect(cost.seconds).toBeGreaterThan(3600);
    expect(describeRunCost(cost)).toMatch(/^about [\d.]+ (hours|days) of computation \(2,000,000 neurons x 1\.00e8 steps\)$/);
  });

  it('no shipped preset needs --long, and validated or not the estimate is the same', () => {
    for (const name of Object.keys(PRESETS)) {
      const raw = preset(name);
      const cost = estimateRunCost(raw)!;
      expect(cost.seconds, name).toBeLessThan(LONG_RUN_SECONDS / 10);
      expect(estimateRunCost(validateScenario(raw).scenario)!.seconds, name).toBeCloseTo(cost.seconds, 9);
    }
  });

  it('grows with neurons, steps, state variables, costlier methods, noise and synapses', () => {
    const s = (raw: unknown) => estimateRunCost(raw)!.seconds;
    expect(s(lif(2000, 1000))).toBeCloseTo(2 * s(lif(1000, 1000)), 12);
    expect(s({ ...lif(1000, 1000), dtMs: 0.01 })).toBeCloseTo(10 * s(lif(1000, 1000)), 12);
    expect(s(lif(1000, 1000, { model: 'hh' }))).toBeGreaterThan(10 * s(lif(1000, 1000)));
    expect(s(lif(1000, 1000, { model: 'hh', method: 'rk4' }))).toBeGreaterThan(s(lif(1000, 1000, { model: 'hh' })));
    expect(s({ ...lif(1000, 1000), stimuli: [{ type: 'whiteNoise', population: 'n', sigma: 1 }] })).toBeGreaterThan(3 * s(lif(1000, 1000)));
    const network = { ...lif(1000, 1000), projections: [{ source: 'n', target: 'n', connect: { rule: 'probability', p: 0.1 }, on: 'v', weight: 0.1 }] };
    expect(estimateRunCost(network)!.synapses).toBe(100_000);
    expect(s(network)).toBeGreaterThan(s(lif(1000, 1000)));
  });

  it('reads anything without throwing: null, or a finite estimate (property)', () => {
    fc.assert(
      fc.property(fc.anything({ maxDepth: 4 }), fc.record({ durationMs: fc.anything(), dtMs: fc.anything(), populations: fc.array(fc.anything({ maxDepth: 3 })), stimuli: fc.anything(), projections: fc.anything() }), (any, shaped) => {
        for (const raw of [any, shaped]) {
          const cost = estimateRunCost(raw);
          if (cost !== null && !(cost.seconds >= 0 && Number.isFinite(cost.seconds))) return false;
        }
        return true;
      }),
    );
  });

  it('formats durations from seconds to years', () => {
    expect(formatDuration(4.2)).toBe('4.2 s');
    expect(formatDuration(600)).toBe('10 minutes');
    expect(formatDuration(3 * 3600)).toBe('3.0 hours');
    expect(formatDuration(3 * 86400)).toBe('3.0 days');
  });
});

describe('the page asks before a long run', () => {
  it('asks only above the threshold, with the estimate, and starts only if the student agrees', () => {
    const asked: string[] = [];
    const answer = (yes: boolean) => (message: string) => {
      asked.push(message);
      return yes;
    };
    expect(confirmLongRun(preset('cuba'), answer(false))).toBe(true);
    expect(asked).toEqual([]);
    expect(confirmLongRun(lif(2_000_000, 1e7), answer(false))).toBe(false);
    expect(confirmLongRun(lif(2_000_000, 1e7), answer(true))).toBe(true);
    expect(asked[0]).toMatch(/^This scenario needs about [\d.]+ (hours|days) of computation \(2,000,000 neurons x 1\.00e8 steps\) to run to its end, more than 10 minutes/);
    expect(confirmLongRun('not a scenario', answer(false))).toBe(true); // validation says what is wrong with it
  });
});
