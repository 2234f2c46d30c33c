// The page as a live bench, in the core: a run without end goes past its duration and stops again
// when asked; the input in force is traced under the membrane (the stimuli and the poke, NaN at
// t = 0); another protocol (a step becomes a ramp) applies from the next step, as in a scenario
// built with it; a projection's weight and an external drive change live where the loop reads
// them, its connection rule on reset, and bad values are refused naming the field; another neuron
// is traced from now on; the last window's statistics are the CLI's statistics of those spikes.
import { describe, expect, it } from 'vitest';
import { openExperiment } from '../../src/scenario/scenario';
import { preset } from '../../src/scenario/presets';
import { spikeStatistics } from '../../src/core/record/statistics';
import { WindowStatistics } from '../../src/core/record/windowStats';
import type { Frame } from '../../src/core/simulation';

const FORMAT = 'spikebridge-scenario/1';

function lif(stimuli: Record<string, unknown>[], durationMs = 200): Record<string, unknown> {
  return {
    format: FORMAT,
    durationMs,
    dtMs: 0.125,
    seed: 3,
    populations: [{ name: 'cell', model: 'lif', size: 1 }],
    stimuli,
    record: { spikes: true, traces: [{ population: 'cell', variable: 'v', neurons: [0] }] },
  };
}

function input(frame: Frame): Float64Array {
  return frame.traces.find((t) => t.variable === 'I_input')!.values;
}

describe('a run without end', () => {
  it('goes past its duration while free, and is done again when it stops being free', () => {
    const exp = openExperiment(lif([{ type: 'constant', population: 'cell', amplitude: 3 }], 100));
    expect(exp.apply({ kind: 'freeRun', on: true })).toEqual({ applies: 'live' });
    exp.advance(250);
    expect(exp.timeMs).toBe(250);
    expect(exp.done).toBe(false);
    expect(exp.summary.freeRun).toBe(true);
    exp.drain();
    exp.apply({ kind: 'freeRun', on: false });
    expect(exp.done).toBe(true);
    // A reset keeps the mode the page chose.
    exp.apply({ kind: 'freeRun', on: true });
    exp.reset();
    exp.advance(150);
    expect(exp.timeMs).toBe(150);
    expect(exp.apply({ kind: 'freeRun', on: 'yes' as unknown as boolean })).toEqual({ refused: { field: 'freeRun.on', message: expect.stringMatching(/true or false/) } });
  });
});

describe('the input in force', () => {
  it('is traced under the membrane: the step and the poke, as each step used them', () => {
    const exp = openExperiment(lif([{ type: 'step', population: 'cell', amplitude: 2.5, startMs: 10, stopMs: 20 }]));
    const traced = exp.summary.traces.find((t) => t.role === 'input')!;
    expect(traced).toMatchObject({ variable: 'I_input', kind: 'input', unit: 'nA', label: 'I', neuron: 0 });
    exp.advance(30);
    exp.apply({ kind: 'poke', targets: [{ population: 'cell', amplitude: 1 }] });
    exp.advance(10);
    const values = input(exp.drain());
    const at = (ms: number) => values[Math.round(ms / 0.125)];
    expect(Number.isNaN(values[0])).toBe(true);
    expect(at(5)).toBe(0);
    expect(at(15)).toBe(2.5);
    expect(at(25)).toBe(0);
    expect(at(35)).toBe(1); // the poke
  });
});

describe('another protocol', () => {
  it('a step replaced by a ramp mid-run is the run of a scenario that switches there, to the bit', () => {
    const step = { type: 'step', population: 'cell', amplitude: 2.5, startMs: 0, stopMs: 1000 };
    const ramp = { type: 'ramp', population: 'cell', from: 1, to: 4, startMs: 100, stopMs: 200 };
    const exp = openExperiment(lif([step]));
    exp.advance(100);
    const first = exp.drain();
    expect(exp.apply({ kind: 'protocol', index: 0, spec: ramp })).toEqual({ applies: 'live' });
    exp.advance(100);
    const second = exp.drain();
    const reference = openExperiment(lif([{ ...step, stopMs: 100 }, ramp]));
    reference.advance(200);
    const whole = reference.drain();
    expect([...first.spikes.timeMs, ...second.spikes.timeMs]).toEqual([...whole.spikes.timeMs]);
    const v = (f: Frame) => [...f.traces.find((t) => t.variable === 'v')!.values];
    expect([...v(first), ...v(second)]).toEqual(v(whole));
    expect(exp.snapshot().stimuli).toEqual([ramp]);
    const refused = exp.apply({ kind: 'protocol', index: 0, spec: { ...ramp, population: 'other' } });
    expect(refused).toEqual({ refused: { field: 'stimuli[0].population', message: expect.stringMatching(/stays "cell"/) } });
  });
});

describe('a network you can probe', () => {
  it('Brunel: weights live (delayed projections), the external rate live, the in-degree on reset, bad values refused', () => {
    const exp = openExperiment(preset('brunel-j0.25'));
    const summary = exp.summary;
    expect(summary.projections.map((p) => [p.source, p.target, p.weight, p.delayMs, p.inDegree])).toEqual([
      ['E', 'E', 0.25, 1.5, 400],
      ['E', 'I', 0.25, 1.5, 400],
      ['I', 'E', -1.25, 1.5, 100],
      ['I', 'I', -1.25, 1.5, 100],
    ]);
    expect(summary.drives.length).toBeGreaterThan(0);
    exp.advance(5);
    expect(exp.apply({ kind: 'projection', index: 0, values: { weight: 0.1 } })).toEqual({ applies: 'live' });
    expect(exp.summary.projections[0].weight).toBe(0.1);
    const drive = summary.drives[0];
    expect(exp.apply({ kind: 'stimulus', index: drive.index, values: { rateHz: drive.rateHz * 2 } })).toEqual({ applies: 'live' });
    expect(exp.summary.drives[0].rateHz).toBe(drive.rateHz * 2);
    expect(exp.apply({ kind: 'projection', index: 0, values: { inDegree: 300 } })).toEqual({ applies: 'reset' });
    expect(exp.apply({ kind: 'projection', index: 0, values: { delayMs: 2 } })).toEqual({ applies: 'reset' });
    expect(exp.apply({ kind: 'projection', index: 0, values: { probability: 0.1 } })).toEqual({ refused: { field: 'projections[0].connect.p', message: expect.stringMatching(/not by probability/) } });
    expect('refused' in exp.apply({ kind: 'projection', index: 9, values: { weight: 1 } })).toBe(true);
    const snapshot = exp.snapshot() as { projections: { weight: number; delayMs: number; connect: { k: number } }[] };
    expect(snapshot.projections[0]).toMatchObject({ weight: 0.1, delayMs: 2, connect: { k: 300 } });
    exp.advance(5); // the run goes on with the live changes
    expect(exp.timeMs).toBeCloseTo(10, 9);
  });

  it('traces another neuron from now on, and says which in its summary', () => {
    const exp = openExperiment(preset('cuba'));
    exp.advance(5);
    const before = exp.summary.traces.filter((t) => t.population === 'E').map((t) => t.neuron);
    expect(before.every((n) => n === 0)).toBe(true);
    expect(exp.apply({ kind: 'trace', population: 'E', neuron: 17 })).toEqual({ applies: 'live' });
    expect(exp.summary.traces.filter((t) => t.population === 'E').every((t) => t.neuron === 17)).toBe(true);
    exp.advance(5);
    const frame = exp.drain();
    const e = frame.traces.filter((t) => t.population === 'E');
    expect(e.length).toBeGreaterThan(0);
    expect(e.every((t) => t.neuron === 17 && t.values.length > 0)).toBe(true);
    expect((exp.snapshot().record as { traces: { population: string; neurons: number[] }[] }).traces.find((t) => t.population === 'E')!.neurons).toEqual([17]);
    expect(exp.apply({ kind: 'trace', population: 'E', neuron: 1e6 })).toEqual({ refused: { field: 'trace.neuron', message: expect.stringMatching(/not a neuron of E/) } });
  });
});

describe('the last window', () => {
  it('has the statistics the CLI computes for the same spikes, and keeps only the window', () => {
    const exp = openExperiment(preset('cuba'));
    const pops = exp.simulation.populations.map((p) => ({ name: p.name, offset: p.offset, size: p.size }));
    const window = new WindowStatistics(pops, 400);
    const all: Frame[] = [];
    while (!exp.done) {
      exp.advance(50);
      const f = exp.drain();
      all.push(f);
      window.add(f.spikes.timeMs, f.spikes.neuron, f.endMs);
    }
    const result = window.result();
    const end = exp.timeMs;
    expect(result.startMs).toBeCloseTo(end - 400, 9);
    const times = Float64Array.from(all.flatMap((f) => [...f.spikes.timeMs]));
    const neurons = Int32Array.from(all.flatMap((f) => [...f.spikes.neuron]));
    for (const [k, p] of pops.entries()) {
      const cli = spikeStatistics(times, neurons, p.offset, p.size, end - 400, end);
      const shown = result.populations[k];
      expect(shown.meanRateHz).toBeCloseTo(cli.meanRateHz, 9);
      expect(shown.isiCv).toBeCloseTo(cli.isiCv, 9);
      expect(shown.fano).toBeCloseTo(cli.fano, 9);
      expect(shown.meanRateHz).toBeGreaterThan(1);
      const intervals = shown.isiHistogram.counts.reduce((a, b) => a + b, 0);
      expect(intervals).toBeGreaterThan(0);
    }
  });
});
