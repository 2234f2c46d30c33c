// The Experiment (src/core/experiment.ts): a change applies live, on reset, or is refused naming
// the field with nothing changed; a step amplitude changed mid-run gives, to the bit, the run of a
// scenario whose stimulus has that amplitude from then on; a snapshot loads into the same run;
// the derived ionic currents are the model file's expressions at the traced samples, with the
// parameters each sample ran with; the poke is on exactly while held.
import { describe, expect, it } from 'vitest';
import { evaluate } from 'mathjs';
import { openExperiment } from '../../src/scenario/scenario';
import type { Experiment } from '../../src/core/experiment';
import type { Frame } from '../../src/core/simulation';
import hh from '../../models/hh.json';
import lifModel from '../../models/lif.json';

const FORMAT = 'spikebridge-scenario/1';

/** One LIF neuron at a binary-exact step (0.125 ms), so step edges fall on the grid exactly. */
function lif(stimuli: Record<string, unknown>[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    format: FORMAT,
    durationMs: 400,
    dtMs: 0.125,
    seed: 7,
    populations: [{ name: 'cell', model: 'lif', size: 3 }],
    stimuli,
    record: { spikes: true, traces: [{ population: 'cell', variable: 'v', neurons: [0, 2] }] },
    ...extra,
  };
}

function hhScenario(): Record<string, unknown> {
  return {
    format: FORMAT,
    durationMs: 60,
    dtMs: 0.015625,
    populations: [{ name: 'axon', model: 'hh', size: 1 }],
    stimuli: [{ type: 'step', population: 'axon', amplitude: 10, startMs: 5, stopMs: 55 }],
    record: { spikes: true, traces: ['v', 'm', 'h', 'n'].map((variable) => ({ population: 'axon', variable, neurons: [0] })) },
  };
}

/** Run to the end in slices of `sliceMs`, calling `at(t)` before each, and return everything drained. */
function runAll(exp: Experiment, sliceMs: number, at: (t: number) => void = () => {}): Frame[] {
  const frames: Frame[] = [];
  while (!exp.done) {
    at(exp.timeMs);
    exp.advance(sliceMs);
    frames.push(exp.drain());
  }
  return frames;
}

/** Spikes and traces of several frames, concatenated, as plain arrays (compared to the bit by toEqual). */
function joined(frames: Frame[]): { t: number[]; i: number[]; traces: Record<string, number[]> } {
  const traces: Record<string, number[]> = {};
  for (const f of frames) for (const tr of f.traces) (traces[`${tr.population}.${tr.variable}[${tr.neuron}]`] ??= []).push(...tr.values);
  return { t: frames.flatMap((f) => [...f.spikes.timeMs]), i: frames.flatMap((f) => [...f.spikes.neuron]), traces };
}

describe('apply: live, on reset, or refused with nothing changed', () => {
  it('parameters: live when the dynamics read them, on reset when only initial values do', () => {
    const exp = openExperiment(hhScenario());
    expect(exp.apply({ kind: 'parameters', population: 'axon', values: { g_K: 30 } })).toEqual({ applies: 'live' });
    expect(exp.apply({ kind: 'parameters', population: 'axon', values: { V_0: -70 } })).toEqual({ applies: 'reset' });
    expect(exp.apply({ kind: 'parameters', population: 'axon', values: { g_Na: 100, V_0: -71 } })).toEqual({ applies: 'reset' });
    const row = (name: string) => exp.summary.populations[0].parameters.find((r) => r.name === name)!;
    expect(row('g_K')).toMatchObject({ value: 30, applies: 'live' });
    expect(row('V_0')).toMatchObject({ value: -71, applies: 'reset' });
    expect((exp.snapshot().populations as { parameters: object }[])[0].parameters).toEqual({ g_K: 30, V_0: -71, g_Na: 100 });
  });

  it('a refused parameter names its field and changes nothing, not even the valid values beside it', () => {
    const exp = openExperiment(lif([{ type: 'step', population: 'cell', amplitude: 2.5, startMs: 50, stopMs: 350 }]));
    const before = exp.snapshot();
    const result = exp.apply({ kind: 'parameters', population: 'cell', values: { V_th: -55, tau_m: -1 } });
    expect(result).toEqual({ refused: { field: 'populations[0].parameters.tau_m', message: expect.stringMatching(/^populations\[0\]\.parameters\.tau_m: -1 ms is outside/) } });
    expect(exp.summary.populations[0].parameters.find((r) => r.name === 'V_th')!.value).toBe(-50);
    expect(exp.snapshot()).toEqual(before);
    expect(exp.apply({ kind: 'parameters', population: 'nobody', values: { V_th: -55 } })).toEqual({ refused: { field: 'population', message: expect.stringContaining('"nobody" is not a population of this scenario') } });
  });

  it('a value a live change would make not finite (a threshold of log(0)) is refused as at load, naming the parameter, and nothing changes', () => {
    const model = { ...lifModel, id: 'lif_log', threshold: { ...lifModel.threshold, level: 'V_th + log(t_ref / 2)' } };
    const exp = openExperiment({ ...lif([{ type: 'step', population: 'cell', amplitude: 2.5, startMs: 50, stopMs: 350 }]), populations: [{ name: 'cell', model, size: 3 }] });
    const before = exp.snapshot();
    expect(exp.apply({ kind: 'parameters', population: 'cell', values: { t_ref: 0 } })).toEqual({
      refused: { field: 'populations[0].parameters.t_ref', message: expect.stringMatching(/threshold\.level|"V_th \+ log\(t_ref \/ 2\)" of model lif_log is -Infinity with .*t_ref = 0/) },
    });
    expect(exp.snapshot()).toEqual(before);
    expect(exp.apply({ kind: 'parameters', population: 'cell', values: { t_ref: 4 } })).toEqual({ applies: expect.any(String) });
  });

  it('population size: checked now against the whole scenario, applied on reset', () => {
    const exp = openExperiment(lif([{ type: 'step', population: 'cell', amplitude: 2.5, startMs: 50, stopMs: 350, targets: [2] }]));
    // The step targets neuron 2: a size of 2 would leave it pointing past the end.
    expect(exp.apply({ kind: 'populationSize', population: 'cell', size: 2 })).toEqual({ refused: { field: 'stimuli[0].targets[0]', message: expect.any(String) } });
    expect(exp.apply({ kind: 'populationSize', population: 'cell', size: 0 })).toEqual({ refused: { field: 'populations[0].size', message: expect.any(String) } });
    expect(exp.apply({ kind: 'populationSize', population: 'cell', size: 5 })).toEqual({ applies: 'reset' });
    expect(exp.summary.populations[0].size).toBe(3); // the running one until the reset
    expect((exp.snapshot().populations as { size: number }[])[0].size).toBe(5);
    exp.reset();
    expect(exp.summary.populations[0].size).toBe(5);
    expect(exp.simulation.populations[0].size).toBe(5);
  });

  it('stimulus fields: validated whole, live for stimuli of the time alone, on reset for noise', () => {
    const exp = openExperiment(
      lif([
        { type: 'step', population: 'cell', amplitude: 2.5, startMs: 50, stopMs: 350 },
        { type: 'ouNoise', population: 'cell', sigma: 0.1, tauMs: 5 },
      ]),
    );
    expect(exp.apply({ kind: 'stimulus', index: 0, values: { amplitude: Number.NaN } })).toEqual({ refused: { field: 'stimuli[0].amplitude', message: expect.any(String) } });
    expect(exp.apply({ kind: 'stimulus', index: 0, values: { stopMs: 10 } })).toEqual({ refused: { field: 'stimuli[0].stopMs', message: expect.stringContaining('must be after startMs') } });
    expect(exp.apply({ kind: 'stimulus', index: 0, values: { widthMs: 3 } })).toEqual({ refused: { field: 'stimuli[0].widthMs', message: expect.stringContaining('is not a known field') } });
    expect(exp.apply({ kind: 'stimulus', index: 0, values: { type: 1 } as never })).toEqual({ refused: { field: 'stimuli[0].type', message: expect.any(String) } });
    expect(exp.apply({ kind: 'stimulus', index: 5, values: { amplitude: 1 } })).toEqual({ refused: { field: 'stimulus', message: expect.any(String) } });
    expect((exp.snapshot().stimuli as { amplitude: number; stopMs: number }[])[0]).toMatchObject({ amplitude: 2.5, stopMs: 350 });
    expect(exp.apply({ kind: 'stimulus', index: 0, values: { amplitude: 3, stopMs: 300 } })).toEqual({ applies: 'live' });
    expect(exp.summary.steps).toEqual([{ index: 0, type: 'step', population: 'cell', startMs: 50, stopMs: 300, amplitude: 3, widthMs: null, gapMs: null, count: null, neurons: null }]);
    expect(exp.apply({ kind: 'stimulus', index: 1, values: { sigma: 0.2 } })).toEqual({ applies: 'reset' });
    expect((exp.snapshot().stimuli as { sigma?: number }[])[1].sigma).toBe(0.2);
  });

  it('an unknown change and a bad poke are refused by field', () => {
    const exp = openExperiment(lif([]));
    expect(exp.apply({ kind: 'speed' } as never)).toEqual({ refused: { field: 'change.kind', message: expect.any(String) } });
    expect(exp.apply({ kind: 'poke', targets: [{ population: 'nobody', amplitude: 1 }] })).toEqual({ refused: { field: 'poke[0].population', message: expect.any(String) } });
    expect(exp.apply({ kind: 'poke', targets: [{ population: 'cell', amplitude: 1 }, { population: 'cell', amplitude: Infinity }] })).toEqual({ refused: { field: 'poke[1].amplitude', message: expect.stringContaining('nA') } });
    expect(exp.apply({ kind: 'poke', targets: [{ population: 'cell', amplitude: 1, neurons: [3] }] })).toEqual({ refused: { field: 'poke[0].neurons[0]', message: expect.any(String) } });
    // Nothing of the refused pokes is on: the neuron stays at rest.
    exp.advance(100);
    expect(exp.drain().spikes.timeMs.length).toBe(0);
    expect(exp.simulation.populations[0].state[0][0]).toBe(exp.summary.populations[0].parameters.find((r) => r.name === 'E_L')!.value);
  });
});

describe('a changed stimulus is the stimulus of a scenario with that value', () => {
  for (const model of ['lif', 'hh'] as const) {
    it(`${model}: a step amplitude changed at t = 150 ms gives, to the bit, the run of a scenario whose step has that amplitude from 150 ms`, () => {
      const base = model === 'lif' ? lif([]) : { ...hhScenario(), durationMs: 200, dtMs: 0.03125 };
      const population = model === 'lif' ? 'cell' : 'axon';
      const [low, high] = model === 'lif' ? [2.5, 3.7] : [6.5, 11.3];
      const step = { type: 'step', population, amplitude: low, startMs: 50, stopMs: 180 };
      const exp = openExperiment({ ...base, stimuli: [step] });
      const changed = joined(runAll(exp, 10, (t) => t === 150 && expect(exp.apply({ kind: 'stimulus', index: 0, values: { amplitude: high } })).toEqual({ applies: 'live' })));
      // The same input as two steps: the first until 150 ms, the second from there.
      const reference = openExperiment({ ...base, stimuli: [{ ...step, stopMs: 150 }, { ...step, amplitude: high, startMs: 150 }] });
      const expected = joined(runAll(reference, 10));
      expect(changed.t.length).toBeGreaterThan(5);
      expect(changed).toEqual(expected);
      // And it differs from the run without the change (the test could fail).
      const unchanged = joined(runAll(openExperiment({ ...base, stimuli: [step] }), 10));
      expect(unchanged.t).not.toEqual(expected.t);
    });
  }

  it('a constant (static) input changed mid-run is that scenario too', () => {
    const base = lif([]);
    const exp = openExperiment({ ...base, stimuli: [{ type: 'constant', population: 'cell', amplitude: 1.5 }] });
    const changed = joined(runAll(exp, 25, (t) => t === 100 && exp.apply({ kind: 'stimulus', index: 0, values: { amplitude: 2.75 } })));
    const reference = openExperiment({ ...base, stimuli: [{ type: 'step', population: 'cell', amplitude: 1.5, startMs: -1, stopMs: 100 }, { type: 'step', population: 'cell', amplitude: 2.75, startMs: 100, stopMs: 1e6 }] });
    expect(changed).toEqual(joined(runAll(reference, 25)));
  });
});

describe('snapshot', () => {
  it('is the scenario with every accepted change written in: loading it gives the same run, to the bit', () => {
    const exp = openExperiment(lif([{ type: 'step', population: 'cell', amplitude: 2.5, startMs: 50, stopMs: 350 }], { name: 'edited' }));
    exp.apply({ kind: 'parameters', population: 'cell', values: { tau_m: 12.5 } });
    exp.apply({ kind: 'stimulus', index: 0, values: { amplitude: 3.25 } });
    exp.apply({ kind: 'populationSize', population: 'cell', size: 4 });
    exp.apply({ kind: 'poke', targets: [{ population: 'cell', amplitude: 1 }] }); // held, not part of the scenario
    exp.advance(120);
    const snapshot = exp.snapshot();
    expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);
    expect(snapshot).toMatchObject({ name: 'edited', populations: [{ name: 'cell', size: 4, parameters: { tau_m: 12.5 } }], stimuli: [{ amplitude: 3.25 }] });
    exp.apply({ kind: 'poke', targets: [] });
    exp.reset();
    const again = joined(runAll(exp, 40));
    const loaded = joined(runAll(openExperiment(snapshot), 40));
    expect(again.t.length).toBeGreaterThan(10);
    expect(again).toEqual(loaded);
    // The snapshot is a copy: editing it does not reach the experiment.
    (snapshot.populations as { size: number }[])[0].size = 9;
    expect((exp.snapshot().populations as { size: number }[])[0].size).toBe(4);
  });
});

describe('derived traces', () => {
  const expressions = new Map(hh.expressions.map((e) => [e.split('=')[0].trim(), e.slice(e.indexOf('=') + 1).trim()]));

  it('the ionic currents are the model file expressions at the traced samples, with the parameters each sample ran with', () => {
    const exp = openExperiment(hhScenario());
    const summary = exp.summary;
    const currents = summary.traces.filter((t) => t.kind === 'current');
    expect(currents.map((t) => [t.variable, t.role, t.label, t.unit])).toEqual([
      ['I_Na', 'current', 'I_Na (sodium)', 'uA/cm2'],
      ['I_K', 'current', 'I_K (potassium)', 'uA/cm2'],
      ['I_L', 'current', 'I_L (leak)', 'uA/cm2'],
    ].map(([v, r, l]) => [v, r, l, summary.populations[0].input.unit]));
    const parameters = () => Object.fromEntries(exp.summary.populations[0].parameters.map((r) => [r.name, r.value]));
    const before = parameters();
    exp.advance(20);
    // g_Na changes at 20 ms: samples up to there were computed with the old value.
    expect(exp.apply({ kind: 'parameters', population: 'axon', values: { g_Na: 90 } })).toEqual({ applies: 'live' });
    const after = parameters();
    exp.advance(20);
    const frame = exp.drain();
    const trace = (name: string) => frame.traces.find((t) => t.variable === name)!;
    expect(frame.traces.map((t) => t.variable)).toEqual(['v', 'm', 'h', 'n', 'I_input', 'I_Na', 'I_K', 'I_L']);
    const v = trace('v');
    const samples = v.values.length;
    expect(samples).toBe(40 / 0.015625 + 1);
    let checked = 0;
    for (const name of ['I_Na', 'I_K', 'I_L']) {
      expect(trace(name).values.length).toBe(samples);
      for (let k = 0; k < samples; k += 97) {
        const t = v.startMs + k * v.everyMs;
        const scope = { ...(t <= 20 ? before : after), v: v.values[k], m: trace('m').values[k], h: trace('h').values[k], n: trace('n').values[k] };
        const want = evaluate(expressions.get(name)!, scope) as number;
        expect(Math.abs(trace(name).values[k] - want)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(want)));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(50);
    expect(before.g_Na).toBe(120);
    expect(after.g_Na).toBe(90);
  });

  it('are left out when asked (the CLI writes the recorded state only)', () => {
    const exp = openExperiment(hhScenario(), { derivedTraces: false });
    exp.advance(1);
    expect(exp.drain().traces.map((t) => t.variable)).toEqual(['v', 'm', 'h', 'n']);
    expect(exp.summary.traces.some((t) => t.kind === 'current')).toBe(false);
  });
});

describe('poke', () => {
  it('is an extra current while held: the run of a scenario with that current as a step while it was held', () => {
    const base = lif([{ type: 'step', population: 'cell', amplitude: 1.25, startMs: 0, stopMs: 400 }]);
    const exp = openExperiment(base);
    const frames = runAll(exp, 50, (t) => {
      if (t === 100) expect(exp.apply({ kind: 'poke', targets: [{ population: 'cell', amplitude: 1.875, neurons: [1, 2] }] })).toEqual({ applies: 'live' });
      if (t === 250) expect(exp.apply({ kind: 'poke', targets: [] })).toEqual({ applies: 'live' });
    });
    const poked = joined(frames);
    // Below rheobase alone (1.25 nA); 3.125 nA while poked, only in neurons 1 and 2.
    expect(poked.t.length).toBeGreaterThan(4);
    expect(poked.t.every((t) => t >= 100 && t < 250 + 2)).toBe(true);
    expect(new Set(poked.i)).toEqual(new Set([1, 2]));
    const reference = openExperiment({ ...base, stimuli: [...(base.stimuli as object[]), { type: 'step', population: 'cell', amplitude: 1.875, startMs: 100, stopMs: 250, targets: [1, 2] }] });
    expect(poked).toEqual(joined(runAll(reference, 50)));
    expect(exp.snapshot()).toEqual(base);
  });

  it('stays held across a reset', () => {
    const exp = openExperiment(lif([]));
    exp.apply({ kind: 'poke', targets: [{ population: 'cell', amplitude: 3 }] });
    exp.reset();
    exp.advance(100);
    expect(exp.drain().spikes.timeMs.length).toBeGreaterThan(0);
  });
});

describe('initial: the state set mid-run (the phase plane\'s click), and the run goes on from it', () => {
  /** One neuron with a constant input, traced in every variable at a binary-exact step. */
  function single(model: string, amplitude: number, variables: string[], initial?: Record<string, number>): Record<string, unknown> {
    return {
      format: FORMAT,
      durationMs: 100,
      dtMs: 0.03125,
      populations: [{ name: 'cell', model, size: 1, ...(initial ? { initial } : {}) }],
      stimuli: [{ type: 'constant', population: 'cell', amplitude }],
      record: { spikes: true, traces: variables.map((variable) => ({ population: 'cell', variable, neurons: [0] })) },
    };
  }

  const cases: { model: string; amplitude: number; state: Record<string, number>; variables: string[] }[] = [
    { model: 'fitzhugh_nagumo', amplitude: 0.5, state: { v: -1.5, w: 0.8 }, variables: ['v', 'w'] }, // rk4
    { model: 'hh', amplitude: 10, state: { v: -20, m: 0.3, h: 0.5, n: 0.4 }, variables: ['v', 'm', 'h', 'n'] }, // staggered: gates half a step ahead
  ];
  for (const c of cases) {
    it(`${c.model}: set at t = 60 ms, the run from there is the run of a scenario starting in that state (to 1e-12)`, () => {
      const exp = openExperiment(single(c.model, c.amplitude, c.variables));
      exp.advance(60);
      const before = exp.drain();
      expect(exp.apply({ kind: 'initial', population: 'cell', values: c.state })).toEqual({ applies: 'live' });
      expect(exp.timeMs).toBe(60);
      exp.advance(40);
      const after = exp.drain();
      const fresh = openExperiment({ ...single(c.model, c.amplitude, c.variables, c.state), durationMs: 40 });
      fresh.advance();
      const reference = fresh.drain();
      for (const variable of c.variables) {
        const got = after.traces.find((t) => t.variable === variable)!.values;
        const want = reference.traces.find((t) => t.variable === variable)!.values.subarray(1); // the fresh run's t = 0 sample is the state set
        expect(got.length, variable).toBe(want.length);
        let worst = 0;
        got.forEach((x, j) => (worst = Math.max(worst, Math.abs(x - want[j]))));
        expect(worst, variable).toBeLessThan(1e-12);
      }
      expect(after.spikes.timeMs.length).toBe(reference.spikes.timeMs.length);
      after.spikes.timeMs.forEach((t, j) => expect(t - 60).toBeCloseTo(reference.spikes.timeMs[j], 9));
      // The frame before the change is kept whole, and the scenario says where a reset starts.
      expect(before.traces[0].values.length).toBe(60 / 0.03125 + 1);
      expect(exp.snapshot()).toMatchObject({ populations: [{ initial: c.state }] });
    });
  }

  it('is refused naming the field for an unknown population or variable, a non-finite value or one outside the bounds, with nothing set', () => {
    const exp = openExperiment(single('fitzhugh_nagumo', 0.5, ['v', 'w']));
    exp.advance(10);
    const state = () => [...exp.simulation.populations[0].state.map((x) => x[0])];
    const was = state();
    const snapshot = exp.snapshot();
    const refusal = (change: unknown) => {
      const result = exp.apply(change as Parameters<Experiment['apply']>[0]);
      return 'refused' in result ? result.refused : null;
    };
    expect(refusal({ kind: 'initial', population: 'soma', values: { v: 0 } })).toMatchObject({ field: 'population', message: expect.stringMatching(/"soma" is not a population.*cell/) });
    // v is valid but w is not: v is not set either.
    expect(refusal({ kind: 'initial', population: 'cell', values: { v: 0, q: 1 } })).toMatchObject({ field: 'populations[0].initial.q', message: expect.stringMatching(/not a state variable of fitzhugh_nagumo \(its state: v, w\)/) });
    expect(refusal({ kind: 'initial', population: 'cell', values: { v: 0, w: Number.NaN } })).toMatchObject({ field: 'populations[0].initial.w', message: expect.stringMatching(/must be a finite number, got NaN$/) });
    expect(refusal({ kind: 'initial', population: 'cell', values: { v: Infinity } })).toMatchObject({ field: 'populations[0].initial.v' });
    expect(refusal({ kind: 'initial', population: 'cell', values: { v: '1' } })).toMatchObject({ field: 'populations[0].initial.v', message: expect.stringMatching(/must be a finite number, got string$/) });
    expect(refusal({ kind: 'initial', population: 'cell', values: {} })).toMatchObject({ field: 'populations[0].initial' });
    expect(state()).toEqual(was);
    expect(exp.snapshot()).toEqual(snapshot);
    const hh = openExperiment(single('hh', 0, ['v']));
    expect('refused' in hh.apply({ kind: 'initial', population: 'cell', values: { m: 1.5 } }) && hh.apply({ kind: 'initial', population: 'cell', values: { m: 1.5 } })).toMatchObject({ refused: { field: 'populations[0].initial.m', message: expect.stringMatching(/outside the model's bounds for m/) } });
  });
});
