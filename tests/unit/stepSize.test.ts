// A time step too coarse for a model's fastest time constant gives a warning, or a refusal
// without --force where results would be wrong (HH at dt 1 ms reads 0 Hz where the rate is
// about 100 Hz). The bound comes from the model's equations and parameters, never its name.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { builtinModel } from '../../src/core/model/builtinModels';
import { defaultParameters, loadModel, resolveParameters } from '../../src/core/model/loadModel';
import { fastestTimescale, stepSizeCheck, stepSizeLimits, stepSizeWarnings, sweepStepSizeCheck } from '../../src/core/model/timescale';
import { buildSimulation } from '../../src/scenario/scenario';
import { fiSweep } from '../../src/bridge/fiSweep';
import { validateScenario } from '../../src/scenario/scenario';
import { preset, PRESETS } from '../../src/scenario/presets';
import { LESSONS } from '../../src/lessons/lessons';
import { SimulationError } from '../../src/core/errors';
import { createSimulationApi } from '../../workers/simulationApi';
import hh from '../../models/hh.json';

const root = resolve(__dirname, '../..');
const FORMAT = 'spikebridge-scenario/1';

/** Hodgkin and Huxley's rate functions (1/ms at v in mV, 6.3 degC), written out here independently of the model file. */
const hhRates = {
  m: (v: number) => 0.1 * (v + 40) / (1 - Math.exp(-(v + 40) / 10)) + 4 * Math.exp(-(v + 65) / 18),
  h: (v: number) => 0.07 * Math.exp(-(v + 65) / 20) + 1 / (Math.exp(-(v + 35) / 10) + 1),
  n: (v: number) => 0.01 * (v + 55) / (1 - Math.exp(-(v + 55) / 10)) + 0.125 * Math.exp(-(v + 65) / 80),
};

function hhScenario(dtMs: number, extra: Record<string, unknown> = {}) {
  return { format: FORMAT, durationMs: 50, dtMs, populations: [{ name: 'axon', model: 'hh', size: 1, ...extra }], stimuli: [{ type: 'constant', population: 'axon', amplitude: 10 }] };
}

describe('the fastest time constant, from the equations', () => {
  it('HH: the m gate, 1 / (alpha_m + beta_m) at its least between rest (-65 mV) and threshold (0 mV)', () => {
    let tau = Infinity;
    for (let v = -65; v <= 0; v += 0.005) tau = Math.min(tau, 1 / hhRates.m(v), 1 / hhRates.h(v), 1 / hhRates.n(v));
    const model = builtinModel('hh');
    const t = fastestTimescale(model, defaultParameters(model), 'staggered')!;
    expect(t.variable).toBe('m');
    expect(t.leaderRange).toEqual([-65, 0]);
    expect(t.fastestMs).toBeCloseTo(tau, 4);
    expect(t.fastestMs).toBeCloseTo(0.2370, 3);
  });

  it('follows the parameters that set the rates (temperature: tau / 3^((celsius - 6.3) / 10)), not the model\'s name', () => {
    const model = builtinModel('hh');
    const at = (celsius: number) => fastestTimescale(model, resolveParameters(model, { celsius }, 'parameters'), 'staggered')!.fastestMs;
    expect(at(26.3) / at(6.3)).toBeCloseTo(1 / 9, 6);
    const renamed = loadModel({ ...hh, id: 'squid', name: 'A membrane' }, 'squid.json');
    expect(fastestTimescale(renamed, defaultParameters(renamed), 'staggered')!.fastestMs).toBe(at(6.3));
    // Twice as fast a sodium activation (rates scaled in the equations themselves) halves it.
    const fast = loadModel({ ...hh, id: 'fast', expressions: hh.expressions.map((e) => e.replace(/^(alpha_m|beta_m) = /, '$1 = 2 * ')) }, 'fast.json');
    expect(fastestTimescale(fast, defaultParameters(fast), 'staggered')!.fastestMs).toBeCloseTo(at(6.3) / 2, 9);
  });

  it('explicit methods must also resolve the membrane itself; exact integration has no bound', () => {
    const model = builtinModel('hh');
    const rk4 = fastestTimescale(model, defaultParameters(model), 'rk4')!;
    expect(rk4.variable).toBe('v');
    expect(rk4.fastestMs).toBeLessThan(0.05);
    const lif = builtinModel('lif');
    expect(fastestTimescale(lif, defaultParameters(lif), 'exact')).toBeNull();
    expect(stepSizeCheck(lif, defaultParameters(lif), 'exact', 50)).toBeNull();
    // LIF with rk4: its membrane time constant tau_m.
    expect(fastestTimescale(lif, defaultParameters(lif), 'rk4')!.fastestMs).toBeCloseTo(10, 9);
  });
});

describe('HH f-I at coarse steps', () => {
  it('dt 1 ms reads (nearly) nothing where dt 0.01 ms fires at about 100 Hz: refused; dt 0.5 warned; 0.01 to 0.05 fine', () => {
    const rate = (dtMs: number) => fiSweep({ model: 'hh', currents: [40], durationMs: 1000, discardMs: 200, dtMs }).ratesHz[0];
    const fine = rate(0.01);
    expect(fine).toBeGreaterThan(100);
    expect(rate(1)).toBeLessThan(fine / 2);
    expect(sweepStepSizeCheck({ model: 'hh', dtMs: 1 })?.severity).toBe('refusal');
    expect(sweepStepSizeCheck({ model: 'hh', dtMs: 0.5 })?.severity).toBe('warning');
    for (const dtMs of [0.01, 0.025, 0.05, 0.1, 0.2]) expect(sweepStepSizeCheck({ model: 'hh', dtMs }), `dt ${dtMs}`).toBeNull();
    // The same with exponential Euler, and warmer (faster gates): 0.05 ms is coarse at 30 degC.
    expect(sweepStepSizeCheck({ model: 'hh', dtMs: 1, method: 'exponential_euler' })?.severity).toBe('refusal');
    expect(sweepStepSizeCheck({ model: 'hh', dtMs: 0.05, parameters: { celsius: 30 } })?.severity).toBe('warning');
  });

  it('RK4 on HH: warned at 0.1 ms, where it then blows up (reported, never silent); fine at 0.025 ms', () => {
    expect(sweepStepSizeCheck({ model: 'hh', dtMs: 0.1, method: 'rk4' })?.severity).toBe('warning');
    expect(sweepStepSizeCheck({ model: 'hh', dtMs: 0.025, method: 'rk4' })).toBeNull();
    expect(() => fiSweep({ model: 'hh', currents: [10], durationMs: 100, discardMs: 0, dtMs: 0.1, method: 'rk4' })).toThrow(SimulationError);
  });

  it('Traub-Miles (COBAHH\'s neuron): fine at the benchmark\'s 0.1 ms, warned at 0.2, refused at 0.5 ms', () => {
    for (const method of ['staggered', 'exponential_euler'] as const) {
      expect(sweepStepSizeCheck({ model: 'traub_miles', dtMs: 0.1, method }), method).toBeNull();
      expect(sweepStepSizeCheck({ model: 'traub_miles', dtMs: 0.2, method })?.severity).toBe('warning');
      expect(sweepStepSizeCheck({ model: 'traub_miles', dtMs: 0.5, method })?.severity).toBe('refusal');
    }
  });

  it('Izhikevich with RK4 is fine at dt 1 ms, and its rates there match dt 0.05 ms', () => {
    expect(sweepStepSizeCheck({ model: 'izhikevich', dtMs: 1 })).toBeNull();
    const rates = (dtMs: number) => Array.from(fiSweep({ model: 'izhikevich', currents: [5, 10, 20, 40], durationMs: 1000, discardMs: 200, dtMs }).ratesHz);
    const coarse = rates(1);
    rates(0.05).forEach((r, k) => expect(Math.abs(coarse[k] - r)).toBeLessThanOrEqual(0.05 * r + 1.25));
  });
});

describe('shipped scenarios and lessons', () => {
  it('none of them is warned at its own time step', () => {
    for (const name of Object.keys(PRESETS)) expect(stepSizeWarnings(validateScenario(preset(name))), name).toEqual([]);
    for (const lesson of LESSONS) {
      const raw = (lesson as { scenario: unknown }).scenario;
      const scenario = typeof raw === 'string' ? preset(raw) : raw;
      expect(stepSizeWarnings(validateScenario(scenario)), (lesson as { id: string }).id).toEqual([]);
    }
    // The closest is COBAHH: Traub-Miles's m gate at 0.094 ms, its step 0.1 ms.
    const cobahh = validateScenario(preset('cobahh'));
    const limits = stepSizeLimits(cobahh.populations[0].model, cobahh.populations[0].parameters, cobahh.populations[0].method)!;
    expect(limits.timescale.fastestMs).toBeGreaterThan(0.09);
    expect(limits.warnAboveMs).toBeGreaterThan(0.1);
  });
});

describe('where the warning shows', () => {
  it('Simulation.warnings: one per model and parameter set, naming its populations and the field dtMs', () => {
    const sim = buildSimulation({ ...hhScenario(0.5), populations: [{ name: 'a', model: 'hh', size: 1 }, { name: 'b', model: 'hh', size: 2 }, { name: 'lif', model: 'lif', size: 1 }], stimuli: [] });
    expect(sim.warnings).toHaveLength(1);
    const [w] = sim.warnings;
    expect(w).toMatchObject({ field: 'dtMs', severity: 'warning', dtMs: 0.5, populations: ['a', 'b'] });
    expect(w.message).toBe('a step of 0.5 ms is too coarse for model hh (populations "a", "b", method staggered): its fastest time constant is 0.237 ms (m at v = -65 mV, searched from -65 to 0 mV); above 0.355 ms (1.5 times that) rates and spike times lose accuracy. Use a step of at most 0.35 ms');
    expect(buildSimulation(hhScenario(0.01)).warnings).toEqual([]);
  });

  it('the worker hands the warnings over with the loaded scenario', async () => {
    const api = createSimulationApi();
    const warned = await api.load(hhScenario(1));
    expect(warned.ok && warned.summary.warnings.map((w) => [w.field, w.severity])).toEqual([['dtMs', 'refusal']]);
    const fine = await api.load(hhScenario(0.01));
    expect(fine.ok && fine.summary.warnings).toEqual([]);
  });

  it('a scenario\'s own parameters count: HH at 36 degC is warned at 0.05 ms', () => {
    const sim = buildSimulation(hhScenario(0.05, { parameters: { celsius: 36 } }));
    expect(sim.warnings.map((w) => w.severity)).toEqual(['refusal']);
  });
});

describe('the CLI', () => {
  const cli = (args: string[]) => {
    const result = spawnSync(process.execPath, ['src/cli/run.mjs', ...args], { cwd: root, encoding: 'utf8' });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  };
  const fi = ['fi', '--model', 'hh', '--from', '40', '--to', '40', '--step', '1', '--duration', '200', '--discard', '0'];

  it('fi refuses HH at --dt 1 naming --dt, the bound and --force; runs it with --force and a warning; warns at --dt 0.5', () => {
    const refused = cli([...fi, '--dt', '1']);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/^error: --dt: a step of 1 ms is too coarse for model hh \(method staggered\): its fastest time constant is 0\.237 ms .*above 0\.947 ms \(4 times that\) results are wrong.*Use a step of at most 0\.35 ms; add --force to run it anyway\n$/);
    const forced = cli([...fi, '--dt', '1', '--force']);
    expect(forced.code).toBe(0);
    expect(forced.stderr).toMatch(/^warning: --dt: a step of 1 ms is too coarse for model hh/);
    expect(forced.stdout.split('\n')[0]).toBe('current,rate_hz');
    const warned = cli([...fi, '--dt', '0.5']);
    expect(warned.code).toBe(0);
    expect(warned.stderr).toMatch(/^warning: --dt: a step of 0\.5 ms is too coarse for model hh .*Use a step of at most 0\.35 ms\n$/);
    const fine = cli([...fi, '--dt', '0.05']);
    expect([fine.code, fine.stderr]).toEqual([0, '']);
  });

  it('fit refuses HH at --dt 1 before sweeping; run warns for a scenario file at dtMs 0.5 and refuses 1 without --force', () => {
    const fit = cli(['fit', '--model', 'hh', '--dt', '1']);
    expect(fit.code).toBe(2);
    expect(fit.stderr).toMatch(/^error: --dt: a step of 1 ms is too coarse for model hh.*add --force/);
    const dir = mkdtempSync(join(tmpdir(), 'sb-dt-'));
    const file = (dtMs: number) => {
      const path = join(dir, `hh-${dtMs}.json`);
      writeFileSync(path, JSON.stringify({ ...hhScenario(dtMs), durationMs: 20 }));
      return path;
    };
    const warned = cli(['run', file(0.5)]);
    expect(warned.code).toBe(0);
    expect(warned.stderr).toMatch(/^warning: dtMs: a step of 0\.5 ms is too coarse for model hh \(population "axon", method staggered\)/);
    expect(JSON.parse(warned.stdout).stats).toBeDefined();
    const refused = cli(['run', file(1)]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^error: dtMs: a step of 1 ms is too coarse .*add --force to run it anyway\n$/);
    expect(cli(['run', file(1), '--force']).code).toBe(0);
  });
});
