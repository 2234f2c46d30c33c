// Adding a model is adding a file: every models/*.json is a built-in model, loads, says what the
// page and the bridge need, and runs as one neuron on the page's terms (singleNeuronScenario) and
// as a default f-I sweep plan, with no code that knows it by name.
import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { BUILTIN_MODEL_IDS, builtinModel, builtinModelInfo } from '../../src/core/model/builtinModels';
import { defaultParameters, type MethodName } from '../../src/core/model/loadModel';
import { stepSizeCheck } from '../../src/core/model/timescale';
import { Simulation } from '../../src/core/simulation';
import { validateScenario } from '../../src/scenario/scenario';
import { singleNeuronScenario } from '../../src/scenario/singleNeuron';
import { planFiSweep } from '../../src/bridge/fiPlan';

const files = readdirSync(resolve(__dirname, '../../models')).filter((name) => name.endsWith('.json')).map((name) => name.replace(/\.json$/, '')).sort();

it('the built-in models are exactly the files in models/, each with its name and description', () => {
  expect([...BUILTIN_MODEL_IDS]).toEqual(files);
  const info = builtinModelInfo();
  expect(info.map((m) => m.id)).toEqual(files);
  for (const m of info) {
    expect(m.name.length).toBeGreaterThan(3);
    expect(m.description.length).toBeGreaterThan(20);
    // The page lists the files as data (no parser on its first screen): what it lists is what loads.
    const loaded = builtinModel(m.id);
    expect(m.name).toBe(loaded.file.name);
    expect(m.description).toBe(loaded.file.description);
    expect(m.regimes).toEqual([...loaded.regimes].map(([name, r]) => ({ name, meaning: r.meaning })));
  }
  expect(info.find((m) => m.id === 'izhikevich')!.regimes.map((r) => r.name)).toContain('FS');
});

it('an unknown id is refused with the field and the list of what there is', () => {
  expect(() => builtinModel('nope', 'populations[0].model')).toThrow(/^populations\[0\]\.model: "nope" is not a known model; choose one of adex, /);
  expect(() => singleNeuronScenario('nope')).toThrow(/^model: "nope" is not a known model/);
});

describe.each(files)('models/%s.json', (id) => {
  const model = builtinModel(id);

  it('declares its membrane variable and a default sweep whose step its own time constants allow', () => {
    expect(model.display.membrane).not.toBeNull();
    expect(model.sweep).not.toBeNull();
    const method = model.file.defaultMethod as MethodName;
    expect(stepSizeCheck(model, defaultParameters(model), method, model.sweep!.dtMs)).toBeNull();
    const plan = planFiSweep({ model: id });
    expect(plan.currents.length).toBeGreaterThanOrEqual(50);
    expect(plan.currents.length).toBeLessThanOrEqual(150);
  });

  it('runs as one neuron: the membrane and gates traced, and it fires during the step', () => {
    const scenario = singleNeuronScenario(id, { durationMs: 300 });
    const valid = validateScenario(scenario);
    const traced = valid.scenario.record.traces!.map((t) => t.variable);
    expect(traced).toEqual([model.display.membrane!.name, ...model.display.gates.map((g) => g.name)]);
    const sim = new Simulation(valid);
    sim.advance();
    const frame = sim.drain();
    const inStep = Array.from(frame.spikes.timeMs).filter((t) => t > 30 && t < 270);
    expect(inStep.length).toBeGreaterThanOrEqual(2);
    expect(frame.traces[0].values.every(Number.isFinite)).toBe(true);
  });
});

describe('singleNeuronScenario', () => {
  it('takes a step around twice the rheobase, or the top of the default sweep', () => {
    expect(singleNeuronScenario('lif').stimuli![0]).toEqual({ type: 'step', population: 'neuron', amplitude: 4, startMs: 50, stopMs: 450 });
    expect(singleNeuronScenario('lif', { parameters: { R: 20 } }).stimuli![0]).toMatchObject({ amplitude: 2 });
    expect(singleNeuronScenario('hh').stimuli![0]).toMatchObject({ amplitude: 40 });
    expect(singleNeuronScenario('hh', { amplitude: 7 }).stimuli![0]).toMatchObject({ amplitude: 7 });
    expect(singleNeuronScenario('hh').dtMs).toBe(0.01);
  });

  it('names the option that is wrong', () => {
    expect(() => singleNeuronScenario('lif', { regime: 'RS' })).toThrow(/^regime: "RS" is not a regime of lif \(it has none\)/);
    expect(() => singleNeuronScenario('izhikevich', { regime: 'XX' })).toThrow(/^regime: "XX" is not a regime of izhikevich \(its regimes: RS, /);
    expect(() => singleNeuronScenario('lif', { parameters: { tau_m: -1 } })).toThrow(/^parameters\.tau_m: -1 ms is outside/);
    expect(() => singleNeuronScenario('lif', { amplitude: Number.NaN })).toThrow(/^amplitude: must be a number in nA/);
    expect(() => singleNeuronScenario('lif', { durationMs: 1 })).toThrow(/^durationMs: 1 must be a number of ms from 10/);
  });

  it('a regime is passed on to the scenario, with the parameters on top', () => {
    const s = singleNeuronScenario('izhikevich', { regime: 'FS', parameters: { d: 3 } });
    expect(s.populations[0]).toMatchObject({ model: 'izhikevich', regime: 'FS', parameters: { d: 3 } });
  });
});
