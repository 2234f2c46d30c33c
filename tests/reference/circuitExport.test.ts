// Circuits of spike sources and synapse kinetics, exported and run: every circuit preset and a few
// made to reach each kind of synapse, in Brian2 (Debian's python3-brian at /usr/bin/python3), give
// the same spike counts per population as SpikeBridge (their sources are deterministic); the PyNN
// scripts of those that translate build and run on PyNN's mock backend. All scripts run in one
// Python process (importing Brian2 costs seconds of CPU).
import { beforeAll, describe, expect, it } from 'vitest';
import { brian2Script } from '../../src/export/brian2';
import { pynnScript } from '../../src/export/pynn';
import { preset } from '../../src/scenario/presets';
import { buildSimulation } from '../../src/scenario/scenario';
import { InputError } from '../../src/core/errors';
import { lastJsonLine, runPythonBatch, type PythonRun } from './pythonBatch';

const WHAT = "Brian2 and PyNN's mock backend (Debian's python3-brian and python3-pynn at /usr/bin/python3; npm run setup installs them)";

const CIRCUITS = ['epsp', 'ipsp', 'temporal-summation', 'spatial-summation', 'shunting-inhibition', 'feedforward-inhibition', 'half-centre-oscillator', 'winner-take-all', 'paired-pulse-depression', 'paired-pulse-facilitation'];

/** A regular train through each synapse shape and kind onto LIF neurons that fire, with plasticity on one. */
const shapes = {
  format: 'spikebridge-scenario/1',
  name: 'Every synapse shape',
  durationMs: 400,
  dtMs: 0.1,
  seed: 1,
  populations: [
    { name: 'train', size: 2, spikes: { type: 'bursts', startMs: 10, burstPeriodMs: 50, spikesPerBurst: 3, spikeIntervalMs: 2 } },
    { name: 'alpha', model: 'lif', size: 1 },
    { name: 'biexp', model: 'lif', size: 1 },
    { name: 'conductance alpha', model: 'lif', size: 1 },
  ],
  projections: [
    { source: 'train', target: 'alpha', connect: { rule: 'all' }, synapse: { kind: 'current', shape: 'alpha', tauMs: 3 }, weight: 4, delayMs: 1.5, stp: { U: 0.4, tauRecMs: 100, tauFacilMs: 50 } },
    { source: 'train', target: 'biexp', connect: { rule: 'oneToOne' }, synapse: { kind: 'current', shape: 'biexponential', tauRiseMs: 1, tauDecayMs: 8 }, weight: 4 },
    { source: 'train', target: 'conductance alpha', connect: { rule: 'all' }, synapse: { kind: 'conductance', shape: 'alpha', tauMs: 2, reversalMV: 0 }, weight: 0.06, delayMs: 2 },
  ],
  stimuli: [{ type: 'constant', population: 'biexp', amplitude: 1 }],
  record: { spikes: true },
};

interface Result {
  populations: { name: string; spikeCount: number }[];
}

function ours(scenario: unknown): Record<string, number> {
  const sim = buildSimulation(scenario);
  sim.advance();
  return Object.fromEntries(sim.stats().populations.map((p) => [p.name, p.spikeCount]));
}

// (winner-take-all drives each neuron with its own current, which PyNN's current sources do not take.)
const PYNN_CIRCUITS = ['epsp', 'ipsp', 'temporal-summation', 'spatial-summation', 'shunting-inhibition', 'paired-pulse-depression', 'paired-pulse-facilitation'];

let runs: Promise<Record<string, PythonRun>>;
beforeAll(() => {
  runs = runPythonBatch(
    [
      ...CIRCUITS.map((name) => ({ name: `brian2-${name}`, text: brian2Script(preset(name)) })),
      { name: 'brian2-shapes', text: brian2Script(shapes) },
      ...PYNN_CIRCUITS.map((name) => ({ name: `pynn-${name}`, text: pynnScript(preset(name)), args: ['mock'] })),
    ],
    WHAT,
  );
  runs.catch(() => undefined); // each test reports it
});

describe('circuits exported to Brian2 and run there', () => {
  it.each([...CIRCUITS, 'shapes'])('%s: the same spike counts per population', async (name) => {
    const scenario = name === 'shapes' ? shapes : preset(name);
    const brian = lastJsonLine<Result>(await runs, `brian2-${name}`, WHAT);
    const mine = ours(scenario);
    const theirs = Object.fromEntries(brian.populations.map((p) => [p.name, p.spikeCount]));
    expect(theirs).toEqual(mine);
    // Something happens in each circuit: a source fires and, but for the EPSP, IPSP and depression, a neuron does.
    expect(Object.values(mine).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    console.log(`${name}: ${JSON.stringify(mine)}`);
  }, 300_000);

  it('a Poisson source exports as a PoissonGroup of its rate, and a run there fires at that rate', async () => {
    const scenario = {
      format: 'spikebridge-scenario/1',
      durationMs: 100,
      dtMs: 0.1,
      populations: [{ name: 'noise', size: 3, spikes: { type: 'poisson', rateHz: 40, startMs: 10, stopMs: 90 } }],
      stimuli: [],
    };
    const script = brian2Script(scenario);
    expect(script).toContain("G_noise = PoissonGroup(3, rates='40.0 * Hz * int(t >= 10.0 * ms) * int(t < 90.0 * ms)')");
  });
});

describe('circuits exported to PyNN', () => {
  it.each(PYNN_CIRCUITS)('%s: PyNN builds and runs the script (mock backend)', async (name) => {
    const out = lastJsonLine<{ populations: { name: string; size: number }[] }>(await runs, `pynn-${name}`, WHAT);
    const scenario = preset(name) as { populations: { name: string; size: number }[] };
    expect(out.populations.map((p) => [p.name, p.size])).toEqual(scenario.populations.map((p) => [p.name, p.size]));
  }, 300_000);

  it('sources, cells and plasticity as PyNN names them', () => {
    const epsp = pynnScript(preset('epsp'));
    expect(epsp).toContain('sim.SpikeSourceArray(spike_times=[Sequence([20.0])])');
    expect(epsp).toContain('sim.IF_curr_exp(cm=1.0, tau_m=10.0, v_rest=-70.0, v_thresh=-50.0, v_reset=-70.0, tau_refrac=2.0, tau_syn_E=5.0)');
    const shunting = pynnScript(preset('shunting-inhibition'));
    expect(shunting).toContain('tau_syn_E=5.0, tau_syn_I=10.0, e_rev_E=0.0, e_rev_I=-70.0');
    expect(shunting).toMatch(/StaticSynapse\(weight=0\.5, delay=1\.0\), receptor_type='inhibitory'/);
    expect(pynnScript(preset('paired-pulse-facilitation'))).toContain('sim.TsodyksMarkramSynapse(U=0.1, tau_rec=50.0, tau_facil=500.0, weight=10.0, delay=1.0)');
  });

  it('refuses what has no standard cell, naming the field', () => {
    const refused = (raw: unknown, field: string, words: RegExp) => {
      try {
        pynnScript(raw);
      } catch (err) {
        expect(err).toBeInstanceOf(InputError);
        expect((err as InputError).field).toBe(field);
        expect((err as Error).message).toMatch(words);
        return;
      }
      throw new Error(`exported; expected a refusal naming ${field}`);
    };
    refused(shapes, 'projections[1].synapse.shape', /difference-of-exponential/);
    refused(preset('feedforward-inhibition'), 'projections[2].synapse', /one kind and shape/);
    // The first population with synapses (left) receives projections[1].
    refused(preset('half-centre-oscillator'), 'projections[1].synapse', /onto "lif" populations only/);
  });
});
