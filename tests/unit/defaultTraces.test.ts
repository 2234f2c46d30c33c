// A scenario that records no traces gets each population's first neuron traced, in the variable its
// model file declares as the membrane potential; one that records traces is left as it is.
import { expect, it } from 'vitest';
import { membraneVariable, withMembraneTraces } from '../../src/ui/defaultTraces';
import { preset } from '../../src/scenario/presets';
import lif from '../../models/lif.json';

it('a network preset gets its populations\' membranes traced, by the variable each model file declares', () => {
  const cuba = withMembraneTraces(preset('cuba')) as { populations: { name: string }[]; record: { traces: unknown[] } };
  expect(cuba.record.traces).toEqual(cuba.populations.map((p) => ({ population: p.name, variable: 'v', neurons: [0] })));
});

it('the variable is the model file\'s, whatever its name, for an inline file and a built-in id alike', () => {
  const renamed = { ...lif, membrane: { variable: 'u' } };
  expect(membraneVariable(renamed)).toBe('u');
  expect(membraneVariable('hh')).toBe('v');
  expect(membraneVariable('x', () => ({ membrane: { variable: 'V_m' } }))).toBe('V_m');
  const raw = { populations: [{ name: 'a', model: renamed }, { name: 'b', model: 'no-such-model' }] };
  expect((withMembraneTraces(raw) as { record: { traces: unknown[] } }).record.traces).toEqual([{ population: 'a', variable: 'u', neurons: [0] }]);
});

it('leaves alone a scenario that records traces, or that is not a scenario', () => {
  const single = preset('single-lif') as { record: { traces: unknown[] } };
  const traces = structuredClone(single.record.traces);
  expect((withMembraneTraces(single) as typeof single).record.traces).toEqual(traces);
  expect(withMembraneTraces(null)).toBeNull();
  expect(withMembraneTraces({ populations: 'x' })).toEqual({ populations: 'x' });
  const noMembrane = { populations: [{ name: 'a', model: { ...lif, membrane: undefined } }] };
  expect(withMembraneTraces(noMembrane)).toEqual(noMembrane);
});
