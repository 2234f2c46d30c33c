// A refractory period that is negative, NaN or infinite (from a model file or a parameter value)
// is refused when the population is built or changed, naming the field, the value and what is
// allowed: the kernels would otherwise read a negative or NaN period as none at all.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildSimulation } from '../../src/scenario/scenario';
import { InputError } from '../../src/core/errors';
import { createSimulationApi } from '../../workers/simulationApi';
import lif from '../../models/lif.json';

const FORMAT = 'spikebridge-scenario/1';

/** The shipped LIF with another refractory period expression, and t_ref allowed down to -10 ms. */
function lifWith(period: string) {
  return {
    ...lif,
    id: 'lif_custom',
    parameters: { ...lif.parameters, t_ref: { ...lif.parameters.t_ref, min: -10 } },
    refractory: { ...lif.refractory, period },
  };
}

function scenario(model: unknown, parameters: Record<string, number> = {}) {
  return { format: FORMAT, durationMs: 100, dtMs: 0.1, populations: [{ name: 'n', model, size: 2, parameters }], stimuli: [{ type: 'constant', population: 'n', amplitude: 5 }] };
}

function refusal(build: () => unknown): InputError {
  try {
    build();
  } catch (err) {
    if (err instanceof InputError) return err;
    throw err;
  }
  throw new Error('expected an InputError');
}

describe('the refractory period', () => {
  it('a negative parameter value is refused at build, naming the parameter, its value and what is allowed', () => {
    const err = refusal(() => buildSimulation(scenario(lifWith('t_ref'), { t_ref: -1 })));
    expect(err.field).toBe('populations[0].parameters.t_ref');
    expect(err.message).toBe('populations[0].parameters.t_ref: the refractory period t_ref is -1 ms; it must be a finite number of ms, 0 or more');
  });

  it('a model whose period expression comes out negative, NaN or infinite is refused, with the expression and the parameters in it', () => {
    const negative = refusal(() => buildSimulation(scenario(lifWith('t_ref - 5'))));
    expect(negative.field).toBe('populations[0]: refractory.period');
    expect(negative.message).toContain('the refractory period "t_ref - 5" of model lif_custom (with t_ref = 2) is -3 ms; it must be a finite number of ms, 0 or more');
    expect(refusal(() => buildSimulation(scenario(lifWith('sqrt(t_ref - 5)')))).message).toContain('is NaN ms; it must be a finite number of ms, 0 or more');
    expect(refusal(() => buildSimulation(scenario(lifWith('t_ref / 0')))).message).toContain('is Infinity ms; it must be a finite number of ms, 0 or more');
    // 0 is allowed (no refractoriness), and so is the shipped period.
    expect(() => buildSimulation(scenario(lifWith('t_ref'), { t_ref: 0 }))).not.toThrow();
    expect(() => buildSimulation(scenario('lif'))).not.toThrow();
  });

  it('a change while running to a negative period is refused and changes nothing', () => {
    const sim = buildSimulation(scenario(lifWith('t_ref')));
    sim.advance(50);
    const before = Array.from(sim.populations[0].parameters);
    const err = refusal(() => sim.setParameters('n', { t_ref: -2 }));
    expect(err.message).toBe('populations[0].parameters.t_ref: the refractory period t_ref is -2 ms; it must be a finite number of ms, 0 or more');
    expect(Array.from(sim.populations[0].parameters)).toEqual(before);
    sim.advance();
    // 5 nA with t_ref = 2 ms: 1 / (2 + 10 ln(50 / 30)) ms = 141 Hz; with no refractoriness it would be 196 Hz.
    expect(sim.stats().meanRateHz).toBeGreaterThan(125);
    expect(sim.stats().meanRateHz).toBeLessThan(160);
  });

  it('the page gets the refusal as data naming the field; the CLI exits 2 with one line', async () => {
    const api = createSimulationApi();
    const result = await api.load(scenario(lifWith('t_ref'), { t_ref: -1 }));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.field).toBe('populations[0].parameters.t_ref');
    const dir = mkdtempSync(join(tmpdir(), 'sb-tref-'));
    const file = join(dir, 'negative.json');
    writeFileSync(file, JSON.stringify(scenario(lifWith('t_ref - 5'))));
    const run = spawnSync(process.execPath, ['src/cli/run.mjs', 'run', file], { cwd: resolve(__dirname, '../..'), encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^error: populations\[0\]: refractory\.period: the refractory period "t_ref - 5" of model lif_custom \(with t_ref = 2\) is -3 ms; it must be a finite number of ms, 0 or more\n$/);
  });
});
