// Ion concentrations and blockers (core/model/ions.ts, blockers.ts, modifiers.ts) through scenarios
// and the Experiment: E_K from the Nernst equation, the rest potential following a change of [K]o
// live, the GHK potential from the declared permeabilities, TTX and TEA by name.
import { describe, expect, it } from 'vitest';
import { openExperiment, validateScenario } from '../../src/scenario/scenario';
import { nernstMV } from '../../src/core/model/ions';
import { fixedPoints, phasePlane } from '../../src/core/analysis/phasePlane';
import { steadyStateAt } from '../../src/core/stimulus/clamp';

const R = 8.314462618;
const F = 96485.33212;

function hh(extra: Record<string, unknown> = {}, durationMs = 300): Record<string, unknown> {
  return {
    format: 'spikebridge-scenario/1',
    durationMs,
    dtMs: 0.01,
    populations: [{ name: 'axon', model: 'hh', size: 1, ...extra }],
    record: { spikes: true, traces: [{ population: 'axon', variable: 'v', neurons: [0] }] },
  };
}

/** The full HH model's resting potential with these parameters: v where dv/dt = 0 with every gate at its steady state. */
function restOf(valid: ReturnType<typeof validateScenario>['populations'][number]): number {
  const { model, parameters } = valid;
  let lo = -90;
  let hi = -40;
  const rate = (v: number) => {
    const point = Float64Array.of(v, 0.05, 0.6, 0.3);
    const steady = steadyStateAt(model, parameters, point, [1, 2, 3], 0)!;
    const gNa = parameters[1];
    const gK = parameters[2];
    const gL = parameters[3];
    const [ENa, EK, EL] = [parameters[4], parameters[5], parameters[6]];
    return -(gNa * steady[1] ** 3 * steady[2] * (v - ENa) + gK * steady[3] ** 4 * (v - EK) + gL * (v - EL));
  };
  for (let k = 0; k < 80; k++) {
    const mid = (lo + hi) / 2;
    if (rate(mid) > 0) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

describe('Nernst reversal potentials', () => {
  it('gives E_K for [K]o/[K]i = 20/400 mM at 6.3 C within 0.01 mV of the formula', () => {
    const formula = ((R * (6.3 + 273.15)) / F) * 1000 * Math.log(20 / 400);
    expect(nernstMV(1, 400, 20, 6.3)).toBeCloseTo(formula, 10);
    const valid = validateScenario(hh({ ions: { K: { outsideMM: 20, insideMM: 400 } } })).populations[0];
    const EK = valid.parameters[valid.model.parameterNames.indexOf('E_K')];
    expect(Math.abs(EK - formula)).toBeLessThan(0.01);
    expect(EK).toBeCloseTo(-72.14, 2);
    // Sodium is not listed: its reversal stays the parameter's.
    expect(valid.parameters[valid.model.parameterNames.indexOf('E_Na')]).toBe(50);
    // Temperature is the model's own parameter: at 20 C the same ratio gives a larger potential.
    const warm = validateScenario(hh({ parameters: { celsius: 20 }, ions: { K: {} } })).populations[0];
    expect(warm.parameters[warm.model.parameterNames.indexOf('E_K')]).toBeCloseTo(((R * 293.15) / F) * 1000 * Math.log(20 / 400), 10);
  });

  it('leaves a scenario without ions as its parameters say', () => {
    const valid = validateScenario(hh()).populations[0];
    expect(valid.parameters[valid.model.parameterNames.indexOf('E_K')]).toBe(-77);
    expect(Array.from(valid.parameters)).toEqual(Array.from(valid.given));
  });

  it('moves the rest potential with [K]o, live (20 -> 10 mM): the simulated rest is the model fixed point with the new E_K', () => {
    const experiment = openExperiment(hh({ ions: { K: { outsideMM: 20 } } }, 400));
    experiment.advance(200);
    const before = validateScenario(hh({ ions: { K: { outsideMM: 20 } } })).populations[0];
    expect(experiment.apply({ kind: 'ions', population: 'axon', values: { K: { outsideMM: 10 } } })).toEqual({ applies: 'live' });
    experiment.advance();
    const v = experiment.drain().traces[0].values;
    const after = validateScenario(hh({ ions: { K: { outsideMM: 10 } } })).populations[0];
    const restBefore = restOf(before);
    const restAfter = restOf(after);
    expect(v[Math.round(200 / 0.01)]).toBeCloseTo(restBefore, 3);
    expect(v[v.length - 1]).toBeCloseTo(restAfter, 3);
    expect(Math.abs(v[v.length - 1] - v[v.length - 2001])).toBeLessThan(1e-4); // settled, not firing
    expect(restBefore - restAfter).toBeGreaterThan(2); // hyperpolarised by millivolts
    const summary = experiment.summary.populations[0];
    const K = summary.ions!.species.find((s) => s.ion === 'K')!;
    expect(K).toMatchObject({ insideMM: 400, outsideMM: 10, setsReversal: true, reversal: 'E_K' });
    expect(K.nernstMV).toBeCloseTo(nernstMV(1, 400, 10, 6.3), 12);
    const row = summary.parameters.find((p) => p.name === 'E_K')!;
    expect(row).toMatchObject({ given: -77, setBy: 'ions' });
    expect(row.value).toBeCloseTo(K.nernstMV, 12);
    expect(experiment.snapshot()).toMatchObject({ populations: [{ ions: { K: { outsideMM: 10 } } }] });
  });

  it('gives the GHK resting potential from the declared permeabilities (an extra, not the model rest)', () => {
    const experiment = openExperiment(hh({ ions: { K: { outsideMM: 20 } } }, 1));
    const { ghk, temperatureC } = experiment.summary.populations[0].ions!;
    expect(temperatureC).toBe(6.3);
    const factor = ((R * (6.3 + 273.15)) / F) * 1000;
    const want = factor * Math.log((1 * 20 + 0.04 * 440 + 0.45 * 52) / (1 * 400 + 0.04 * 50 + 0.45 * 560));
    expect(ghk.restMV).toBeCloseTo(want, 10);
    expect(ghk).toMatchObject({ ions: ['K', 'Na', 'Cl'] });
  });

  it('refuses bad concentrations by field, naming the value and what is allowed', () => {
    const refusal = (ions: unknown) => {
      try {
        validateScenario(hh({ ions }));
      } catch (err) {
        return (err as Error).message;
      }
      return 'accepted';
    };
    expect(refusal({ K: { outsideMM: 0 } })).toMatch(/^populations\[0\]\.ions\.K\.outsideMM: must be a concentration in \[0.000001, 10000\] mM, got 0/);
    expect(refusal({ Ca: {} })).toMatch(/^populations\[0\]\.ions\.Ca: "Ca" is not an ion of hh \(its ions: K, Na, Cl\)/);
    expect(refusal({ K: { outsideMM: 400 } })).toMatch(/^populations\[0\]\.ions\.K\.outsideMM: \[K\] 400 mM inside and 400 mM outside give E_K = 0.00 mV, outside its range \[-150, -30\] mV/);
    expect(refusal({ K: { out: 3 } })).toMatch(/^populations\[0\]\.ions\.K\.out: is not a known field/);
    expect(() => validateScenario({ ...hh(), populations: [{ name: 'a', model: 'lif', size: 1, ions: { K: {} } }] })).toThrow(/^populations\[0\]\.ions: model lif declares no ions/);
    const experiment = openExperiment(hh({}, 10));
    expect(experiment.apply({ kind: 'ions', population: 'axon', values: { K: { outsideMM: -1 } } })).toEqual({ refused: { field: 'populations[0].ions.K.outsideMM', message: expect.stringMatching(/must be a concentration/) } });
  });
});

describe('blockers', () => {
  it('TTX and TEA by name set g_Na and g_K to 0, live; the summary says what is blocked', () => {
    const experiment = openExperiment({ ...hh({ blockers: { TTX: 1 } }, 50), stimuli: [{ type: 'step', population: 'axon', amplitude: 20, startMs: 5, stopMs: 50 }] });
    experiment.advance(25);
    expect(experiment.stats().spikeCount).toBe(0); // no sodium current, no spike
    const summary = experiment.summary.populations[0];
    expect(summary.blockers.map((b) => [b.name, b.parameter, b.fraction])).toEqual([
      ['TTX', 'g_Na', 1],
      ['TEA', 'g_K', 0],
    ]);
    expect(summary.parameters.find((p) => p.name === 'g_Na')).toMatchObject({ value: 0, given: 120, setBy: 'blocker' });
    expect(experiment.apply({ kind: 'blockers', population: 'axon', values: { g_Na: 0 } })).toEqual({ applies: 'live' });
    experiment.advance();
    expect(experiment.stats().spikeCount).toBeGreaterThan(0);
    // One key per conductance in the scenario: g_Na replaced TTX.
    expect(experiment.snapshot()).toMatchObject({ populations: [{ blockers: { g_Na: 0 } }] });
    expect((experiment.snapshot() as { populations: { blockers: object }[] }).populations[0].blockers).not.toHaveProperty('TTX');
    // A parameter change keeps the block: given values and the block apply afresh.
    expect(experiment.apply({ kind: 'blockers', population: 'axon', values: { TEA: 0.5 } })).toEqual({ applies: 'live' });
    experiment.apply({ kind: 'parameters', population: 'axon', values: { g_K: 40 } });
    expect(experiment.summary.populations[0].parameters.find((p) => p.name === 'g_K')).toMatchObject({ value: 20, given: 40 });
  });

  it('refuses a blocker the model does not have, and two names for one conductance', () => {
    const refusal = (blockers: unknown) => {
      try {
        validateScenario(hh({ blockers }));
      } catch (err) {
        return (err as Error).message;
      }
      return 'accepted';
    };
    expect(refusal({ TTX: 1.5 })).toMatch(/^populations\[0\]\.blockers\.TTX: must be the fraction blocked, a number in \[0, 1\], got 1.5/);
    expect(refusal({ ouabain: 1 })).toMatch(/^populations\[0\]\.blockers\.ouabain: "ouabain" is not a blocker or blockable conductance of hh \(allowed: TTX, TEA, g_Na, g_K\)/);
    expect(refusal({ TTX: 1, g_Na: 0.5 })).toMatch(/^populations\[0\]\.blockers\.g_Na: blocks g_Na, which TTX blocks already/);
  });

  it('the reduced plane sees the block too (a parameter like any other)', () => {
    const valid = validateScenario(hh({ blockers: { TEA: 1 } })).populations[0];
    const plane = phasePlane(valid.model, valid.parameters, 0);
    expect(fixedPoints(plane, valid.model).length).toBeGreaterThan(0);
  });
});
