// The panel sweeps what the page runs: model per population (an inline file kept whole), the
// loaded parameter values, and the student's accepted changes on top.
import { expect, it } from 'vitest';
import { fiPanelModels } from '../../src/ui/fiPanelModels';
import lif from '../../models/lif.json';

const summary = [
  { name: 'LIF', model: 'lif', parameters: [{ name: 'tau_m', value: 10 }, { name: 'V_th', value: -50 }] },
  { name: 'HH', model: 'hh', parameters: [{ name: 'g_Na', value: 120 }] },
];

it('one entry per population, with the values in force and accepted changes on top', () => {
  const scenario = { populations: [{ name: 'LIF', model: 'lif' }, { name: 'HH', model: 'hh' }] };
  expect(fiPanelModels(summary, scenario, { LIF: { V_th: -45 } })).toEqual([
    { population: 'LIF', model: 'lif', parameters: { tau_m: 10, V_th: -45 } },
    { population: 'HH', model: 'hh', parameters: { g_Na: 120 } },
  ]);
});

it('a model file carried inline in the scenario is passed whole, not by its id', () => {
  const custom = { ...lif, id: 'lif' };
  const [entry] = fiPanelModels([summary[0]], { populations: [{ name: 'LIF', model: custom }] });
  expect(entry.model).toBe(custom);
});

it('a scenario of an unexpected shape falls back to the model ids', () => {
  expect(fiPanelModels(summary, null).map((m) => m.model)).toEqual(['lif', 'hh']);
  expect(fiPanelModels(summary, { populations: 'x' }).map((m) => m.model)).toEqual(['lif', 'hh']);
});
