// The panel sweeps what the page runs: model per population (any built-in id, or an inline file
// kept whole), the loaded parameter values, and the snapshot's parameters (the student's accepted
// changes written in) on top.
import { expect, it } from 'vitest';
import { fiPanelModels } from '../../src/ui/fiPanelModels';
import lif from '../../models/lif.json';

const summary = [
  { name: 'LIF', model: 'lif', parameters: [{ name: 'tau_m', value: 10 }, { name: 'V_th', value: -50 }] },
  { name: 'HH', model: 'hh', parameters: [{ name: 'g_Na', value: 120 }] },
];

it('one entry per population, with the values in force and the snapshot\'s edits on top', () => {
  const scenario = { populations: [{ name: 'LIF', model: 'lif', parameters: { V_th: -45, unknown: 3, tau_m: 'x' } }, { name: 'HH', model: 'hh' }] };
  expect(fiPanelModels(summary, scenario)).toEqual([
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

it('any built-in model by its id, with its regime\'s values as the summary gives them', () => {
  const fhn = [{ name: 'neuron', model: 'fitzhugh_nagumo', parameters: [{ name: 'a', value: 0.7 }] }];
  expect(fiPanelModels(fhn, { populations: [{ name: 'neuron', model: 'fitzhugh_nagumo', regime: 'x' }] })).toEqual([{ population: 'neuron', model: 'fitzhugh_nagumo', parameters: { a: 0.7 } }]);
});
