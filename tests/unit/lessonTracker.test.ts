// The lessons panel's window and stored progress. The window is fed as the page feeds it (frames
// of a run in chunks) and judged by the shipped lessons' own checks.
import { describe, expect, it } from 'vitest';
import { RecentWindow, WINDOW_FILL, WINDOW_MS, populationsInForce, protocolCovers, progressKey, readProgress, writeProgress, type PopulationInForce } from '../../src/ui/lessonTracker';
import { LESSONS } from '../../src/lessons/lessons';
import { loadLesson } from '../../src/lessons/lesson';
import { buildSimulation } from '../../src/scenario/scenario';

const threshold = loadLesson(LESSONS[0]);
const LIF = { E_L: -70, V_reset: -70, V_th: -50, tau_m: 10, R: 10, t_ref: 2 };

/** Single LIF with the step held at `amplitude`, run in 10 ms frames into the window. */
function runInto(window: RecentWindow, amplitude: number | ((t: number) => number), untilMs: number) {
  const scenario = structuredClone(threshold.scenario.scenario) as unknown as { durationMs: number; stimuli: { amplitude: number }[] };
  const at = typeof amplitude === 'number' ? () => amplitude : amplitude;
  scenario.stimuli[0].amplitude = at(0);
  const sim = buildSimulation(scenario);
  const inForce = (input: number): PopulationInForce[] => [{ name: 'neuron', size: 1, offset: 0, input, parameters: LIF }];
  window.startRun(scenario.durationMs, inForce(at(0)));
  const seen: boolean[] = [];
  for (let t = 0; t < untilMs; t += 10) {
    const input = at(t);
    if (input !== at(t - 10)) sim.inject('neuron', input - at(0)); // the student's change applies live
    sim.advance(10);
    const frame = sim.drain();
    window.frame(frame.spikes.timeMs, frame.spikes.neuron, frame.endMs, inForce(input));
    seen.push(threshold.checks[0](window.observe(inForce(input), undefined)));
  }
  return seen;
}

describe('RecentWindow', () => {
  it('lesson 1, step 1: passes with 1.8 nA once most of the run is seen, never before', () => {
    const window = new RecentWindow();
    const passes = runInto(window, 1.8, 500);
    const first = passes.indexOf(true);
    expect(first).toBeGreaterThan(0);
    // 10 ms frames: the first frame ending at or after WINDOW_FILL of the run.
    expect((first + 1) * 10).toBe(Math.ceil((WINDOW_FILL * Math.min(WINDOW_MS, 500)) / 10) * 10);
    expect(passes.slice(first).every(Boolean)).toBe(true);
  });

  it('does not pass with the preset\'s 2.5 nA (it fires), even in the silent first 50 ms', () => {
    expect(runInto(new RecentWindow(), 2.5, 500).some(Boolean)).toBe(false);
  });

  it('a change mid-run restarts the window: spikes from before it do not count, and it needs time again', () => {
    const window = new RecentWindow();
    const passes = runInto(window, (t) => (t < 200 ? 2.5 : 1.8), 500);
    expect(passes.some(Boolean)).toBe(false); // 300 ms since the change is less than 450
    expect(window.progress().observedMs).toBeCloseTo(290, 6);
    expect(window.full()).toBe(false);
  });

  it('observes rates over the window of a longer run', () => {
    const window = new RecentWindow();
    const inForce: PopulationInForce[] = [{ name: 'a', size: 2, offset: 0, input: 0, parameters: {} }, { name: 'b', size: 1, offset: 2, input: 0, parameters: {} }];
    window.startRun(2000, inForce);
    // 2 spikes of a per 100 ms (neurons 0 and 1), one of b per 100 ms.
    for (let t = 0; t < 1000; t += 100) window.frame([t + 10, t + 20, t + 30], [0, 1, 2], t + 100, inForce);
    const o = window.observe(inForce, undefined);
    expect(o.populations.map((p) => [p.name, p.recentSpikes, p.recentRateHz])).toEqual([['a', 10, 10], ['b', 5, 10]]);
  });

  it('a fit is passed on even before the window fills', () => {
    const window = new RecentWindow();
    window.startRun(500, []);
    const fit = { population: 'neuron', noiseSigmaMV: 0, ranking: ['soft-LIF'] };
    expect(window.observe([], fit)).toEqual({ populations: [], fit });
  });
});

describe('a window is judged where the input protocol was on for most of it', () => {
  // Single LIF as the page loads it: a 2.5 nA step from 50 to 450 ms of a 500 ms run.
  const neuron = (protocolMs?: [number, number]): PopulationInForce => ({ name: 'neuron', size: 1, offset: 0, input: 2.5, parameters: {}, ...(protocolMs ? { protocolMs } : {}) });

  it('a free run past the step: the neuron, silent at any amplitude, is not judged, so "silent with 1.5 nA or more" cannot pass by waiting', () => {
    const window = new RecentWindow();
    const inForce = [neuron([50, 450])];
    window.startRun(500, inForce);
    // Regular spikes while the step is on, none after it.
    for (let t = 0; t < 1500; t += 10) window.frame(t >= 50 && t < 450 ? [t + 5] : [], t >= 50 && t < 450 ? [0] : [], t + 10, inForce);
    expect(window.observe(inForce, undefined).populations).toEqual([]);
    expect(window.protocolOff(inForce)).toEqual(['neuron']);
  });

  it('the whole finished run, which holds the step, is judged', () => {
    const window = new RecentWindow();
    const inForce = [neuron([50, 450])];
    window.startRun(500, inForce);
    for (let t = 0; t < 500; t += 10) window.frame([], [], t + 10, inForce);
    expect(window.observe(inForce, undefined).populations.map((p) => [p.name, p.recentSpikes])).toEqual([['neuron', 0]]);
    expect(window.protocolOff(inForce)).toEqual([]);
  });

  it('started again in a free run: judged once the step has been on for most of the window, not at its onset', () => {
    expect(protocolCovers(neuron([1220, 1620]), 800, 1240)).toBe(false); // 20 ms on: a slow first spike would not have come yet
    expect(protocolCovers(neuron([1220, 1620]), 1080, 1580)).toBe(true);
    expect(protocolCovers(neuron([20, 60]), 0, 150)).toBe(true); // a short step and what follows it (anode break)
    expect(protocolCovers(neuron([0, Infinity]), 5000, 5500)).toBe(true); // held
    expect(protocolCovers(neuron(), 5000, 5500)).toBe(true); // no protocol: always judged
  });
});

describe('populationsInForce', () => {
  const summary = { populations: [{ name: 'neuron', size: 1, offset: 0, parameters: [{ name: 'R', value: 10 }, { name: 't_ref', value: 2 }] }] };

  it('the student\'s parameters and input, plus a held poke', () => {
    const scenario = { populations: [{ name: 'neuron', parameters: { t_ref: 5, bogus: 3 } }], stimuli: [{ type: 'step', population: 'neuron', amplitude: 1.8 }] };
    expect(populationsInForce(summary, scenario, { neuron: 0.5 })).toEqual([{ name: 'neuron', size: 1, offset: 0, input: 2.3, parameters: { R: 10, t_ref: 5 }, protocolMs: [0, Infinity] }]);
  });

  it('when the input protocol is on: a step, a held input, a pulse pair to the end of its last pulse, a ramp (its end value the input)', () => {
    const on = (stimulus: Record<string, unknown>) => {
      const [p] = populationsInForce(summary, { stimuli: [{ population: 'neuron', ...stimulus }] }, {});
      return [p.input, p.protocolMs];
    };
    expect(on({ type: 'step', amplitude: 2.5, startMs: 50, stopMs: 450 })).toEqual([2.5, [50, 450]]);
    expect(on({ type: 'constant', amplitude: 1 })).toEqual([1, [0, Infinity]]);
    expect(on({ type: 'pulses', amplitude: 15, widthMs: 1, periodMs: 10, count: 2, startMs: 20 })).toEqual([15, [20, 31]]);
    expect(on({ type: 'ramp', from: 0, to: 4, startMs: 100, stopMs: 500 })).toEqual([4, [100, 500]]);
  });

  it('no stimulus with an amplitude: input 0', () => {
    expect(populationsInForce(summary, { populations: [], stimuli: [{ type: 'poissonInput', population: 'neuron' }] }, {})[0].input).toBe(0);
  });
});

describe('stored progress', () => {
  it('round-trips', () => {
    expect(readProgress(writeProgress([true, false]), 2)).toEqual({ passed: [true, false], problem: null });
    expect(readProgress(null, 3)).toEqual({ passed: [false, false, false], problem: null });
    expect(progressKey('threshold')).toBe('spikebridge.lesson-progress.threshold');
  });

  it('sets aside anything else, with the reason', () => {
    for (const [text, reason] of [
      ['not json', /not JSON/],
      ['[true, true]', /not an object/],
      ['{"format": "other", "passed": [true, true]}', /format "other"/],
      ['{"format": "spikebridge-lesson-progress/1", "passed": [true]}', /2 true\/false values/],
      ['{"format": "spikebridge-lesson-progress/1", "passed": [true, "yes"]}', /2 true\/false values/],
      ['{"format": "spikebridge-lesson-progress/1", "passed": {"length": 2}}', /2 true\/false values/],
    ] as const) {
      const read = readProgress(text, 2);
      expect(read.passed).toEqual([false, false]);
      expect(read.problem).toMatch(reason);
    }
  });
});
