// A voltage clamp exported to Brian2 and run there (Debian's python3-brian at /usr/bin/python3):
// the ideal clamp holds v at the command and the gates follow as in SpikeBridge; the
// series-resistance clamp settles at the same potential, off the command by I x R_s. PyNN has no
// voltage clamp for its standard cells: the export is refused naming the stimulus's type.
import { beforeAll, describe, expect, it } from 'vitest';
import { brian2Script } from '../../src/export/brian2';
import { pynnScript } from '../../src/export/pynn';
import { openExperiment } from '../../src/scenario/scenario';
import { lastJsonLine, runPythonBatch, type PythonRun } from './pythonBatch';

const BRIAN2 = "Brian2 (Debian's python3-brian at /usr/bin/python3; npm run setup installs it)";
const VARIABLES = ['v', 'm', 'h', 'n'];

/** One HH neuron (exponential Euler, Brian2's method too) under a clamp, every variable traced. */
function clamped(clamp: Record<string, unknown>, durationMs: number): Record<string, unknown> {
  return {
    format: 'spikebridge-scenario/1',
    name: 'HH under a voltage clamp',
    durationMs,
    dtMs: 0.01,
    populations: [{ name: 'cell', model: 'hh', size: 1, method: 'exponential_euler' }],
    stimuli: [{ type: 'voltageClamp', population: 'cell', holdingMV: -65, ...clamp }],
    record: { spikes: true, traces: VARIABLES.map((variable) => ({ population: 'cell', variable, neurons: [0] })) },
  };
}

/** The exported script with a StateMonitor of every variable added: samples at 0, dt, ... (before each step). */
function monitored(scenario: unknown): string {
  const script = brian2Script(scenario).replace(/^run\(/m, `_S = StateMonitor(G_cell, ${JSON.stringify(VARIABLES)}, record=True)\nrun(`);
  return `${script}print(json.dumps({k: [float(x) for x in getattr(_S, k)[0]] for k in ${JSON.stringify(VARIABLES)}}))\n`;
}

const IDEAL = clamped({ commands: [{ startMs: 2, stopMs: 12, levelMV: 0 }] }, 14);
const SERIES = clamped({ commands: [{ startMs: 2, stopMs: 60, levelMV: -60 }], seriesResistance: 0.5 }, 30);

/** Both clamps run by Brian2 in one Python process, started before the tests. */
let runs: Promise<Record<string, PythonRun>>;
beforeAll(() => {
  runs = runPythonBatch([{ name: 'ideal', text: monitored(IDEAL) }, { name: 'series', text: monitored(SERIES) }], BRIAN2);
  runs.catch(() => undefined); // each test reports it
});

async function runBrian2(name: string): Promise<Record<string, number[]>> {
  return lastJsonLine<Record<string, number[]>>(await runs, name, BRIAN2);
}

/** Ours, sampled as Brian2's StateMonitor samples: at 0, dt, ... up to the last step's start. */
function runOurs(scenario: unknown): Record<string, Float64Array> {
  const experiment = openExperiment(scenario);
  experiment.advance();
  const frame = experiment.drain();
  return Object.fromEntries(VARIABLES.map((variable) => [variable, frame.traces.find((t) => t.variable === variable)!.values]));
}

const sodium = (v: number, m: number, h: number) => 120 * m ** 3 * h * (v - 50);

describe('a voltage clamp exported to Brian2 and run there', () => {
  it('ideal: v is the command at every sample, and the sodium current of a step to 0 mV and back is ours (1e-9 of its peak)', async () => {
    const brian = await runBrian2('ideal');
    const ours = runOurs(IDEAL);
    const n = brian.v.length;
    expect(n).toBe(1400);
    for (let j = 0; j < n; j++) expect(brian.v[j], `v at ${j * 0.01} ms`).toBe(j >= 200 && j < 1200 ? 0 : -65);
    let peak = 0;
    let worst = 0;
    for (let j = 0; j < n; j++) {
      const want = sodium(ours.v[j], ours.m[j], ours.h[j]);
      peak = Math.max(peak, Math.abs(want));
      worst = Math.max(worst, Math.abs(sodium(brian.v[j], brian.m[j], brian.h[j]) - want));
    }
    expect(peak).toBeGreaterThan(200); // the early inward current, uA/cm2
    // The same scheme on both sides (exponential Euler under the pinned v): 2e-14 of the peak here.
    expect(worst / peak).toBeLessThan(1e-9);
  });

  it('series resistance: v settles at our potential, off the command by I x R_s', async () => {
    const brian = await runBrian2('series');
    const ours = runOurs(SERIES);
    const last = brian.v.length - 1;
    // Brian2 takes the clamp's current into v's exponential step, we hold it over the step: the same steady state (4e-7 mV apart here).
    expect(Math.abs(brian.v[last] - ours.v[last])).toBeLessThan(1e-5);
    expect(-60 - brian.v[last]).toBeGreaterThan(2); // a real error of millivolts
  });
});

describe('a voltage clamp exported to PyNN', () => {
  it('is refused naming stimuli[k].type: PyNN 0.10 has no voltage clamp for its standard cells', () => {
    const scenario = {
      format: 'spikebridge-scenario/1',
      durationMs: 20,
      dtMs: 0.1,
      populations: [{ name: 'cell', model: 'lif', size: 1 }],
      stimuli: [{ type: 'step', population: 'cell', amplitude: 1, startMs: 0, stopMs: 10 }, { type: 'voltageClamp', population: 'cell', holdingMV: -70 }],
    };
    expect(() => pynnScript(scenario)).toThrow(expect.objectContaining({ field: 'stimuli[1].type', message: expect.stringMatching(/"voltageClamp" does not translate to PyNN: .*no voltage clamp.*Brian2/) }));
  });
});
