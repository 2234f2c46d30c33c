// Spike sources (src/core/network/spikeSource.ts): every spike emitted at its time and delivered
// at exactly its time plus the delay; regular trains and bursts as described; Poisson trains
// reproducible per neuron; bad fields refused by name.
import { describe, expect, it } from 'vitest';
import { buildSimulation, validateScenario } from '../../src/scenario/scenario';
import { InputError } from '../../src/core/errors';
import { expectRefused } from './refusal';

const DT = 0.1;

/** The source's spikes, and the arrival times read off a nearly constant current synapse (a step of w per arrival). */
function run(spikes: unknown, { size = 1, delayMs = 0, durationMs = 200 }: { size?: number; delayMs?: number; durationMs?: number } = {}) {
  const tau = 1e4;
  const sim = buildSimulation({
    format: 'spikebridge-scenario/1',
    durationMs,
    dtMs: DT,
    seed: 3,
    populations: [
      { name: 'source', size, spikes },
      { name: 'cell', model: 'lif', size: 1, parameters: { V_th: 20 } },
    ],
    projections: [{ source: 'source', target: 'cell', connect: { rule: 'list', pairs: [[0, 0]] }, synapse: { kind: 'current', shape: 'exponential', tauMs: tau }, weight: 1e-3, delayMs }],
    stimuli: [],
    record: { traces: [{ population: 'cell', variable: 'g_syn0', neurons: [0] }] },
  });
  sim.advance();
  const frame = sim.drain();
  const g = frame.traces[0].values;
  const decay = Math.exp(-DT / tau);
  const arrivals: number[] = [];
  // The sample after step s holds (g_s + arrivals) e^(-dt/tau): an arrival at the start of step s.
  for (let s = 0; s + 1 < g.length; s++) {
    const arrived = Math.round((g[s + 1] / decay - g[s]) / 1e-3);
    for (let k = 0; k < arrived; k++) arrivals.push(Number((s * DT).toFixed(6)));
  }
  const own = frame.spikes.neuron;
  const times = Array.from(frame.spikes.timeMs).filter((_, k) => own[k] < size);
  const neurons = Array.from(own).filter((i) => i < size);
  return { times, neurons, arrivals, sim };
}

describe('spike sources', () => {
  it('given times: each spike emitted at its time and delivered at exactly its time plus the delay (on the grid), or the next step boundary', () => {
    const timesMs = [0.05, 3, 10, 10.1, 57.3, 120];
    for (const delayMs of [0, 1, 2.5]) {
      const { times, arrivals } = run({ type: 'times', timesMs }, { delayMs });
      expect(times).toEqual(timesMs);
      // 0.05 + delay is off the grid: the next boundary; the others land on it exactly.
      const want = timesMs.map((t) => Number((Math.ceil((t + delayMs) / DT - 1e-9) * DT).toFixed(6)));
      expect(arrivals).toEqual(want);
      timesMs.slice(1).forEach((t, k) => expect(arrivals[k + 1]).toBeCloseTo(t + delayMs, 9));
    }
  });

  it('one train per neuron', () => {
    const { times, neurons } = run({ type: 'times', timesMs: [[5, 7], [6], []] }, { size: 3 });
    expect(times).toEqual([5, 6, 7]);
    expect(neurons).toEqual([0, 1, 0]);
  });

  it('regular trains and bursts: the times they describe, count and stopMs respected', () => {
    expect(run({ type: 'regular', startMs: 5, periodMs: 20, count: 4 }).times).toEqual([5, 25, 45, 65]);
    expect(run({ type: 'regular', startMs: 5, periodMs: 50, stopMs: 155 }).times).toEqual([5, 55, 105]);
    // Without count or stop: to the end of the run (and on, in a free run).
    expect(run({ type: 'regular', startMs: 100, periodMs: 25 }).times).toEqual([100, 125, 150, 175, 200]);
    const bursts = run({ type: 'bursts', startMs: 10, burstPeriodMs: 100, spikesPerBurst: 3, spikeIntervalMs: 4, count: 2 });
    bursts.times.forEach((t, k) => expect(t).toBeCloseTo([10, 14, 18, 110, 114, 118][k], 12));
    expect(bursts.arrivals.length).toBe(6);
  });

  it('Poisson: the rate and a coefficient of variation near 1; each neuron\'s train its own (the same whatever the size of the source or the other sources)', () => {
    const big = run({ type: 'poisson', rateHz: 20, startMs: 0 }, { size: 500, durationMs: 2000 });
    const rate = big.times.length / 500 / 2;
    expect(Math.abs(rate - 20)).toBeLessThan(20 * 0.03);
    const first = big.times.filter((_, k) => big.neurons[k] === 7);
    const intervals = first.slice(1).map((t, k) => t - first[k]);
    const all: number[] = [];
    for (let i = 0; i < 500; i++) {
      const mine = big.times.filter((_, k) => big.neurons[k] === i);
      for (let k = 1; k < mine.length; k++) all.push(mine[k] - mine[k - 1]);
    }
    const mean = all.reduce((a, b) => a + b, 0) / all.length;
    const sd = Math.sqrt(all.reduce((a, b) => a + (b - mean) ** 2, 0) / all.length);
    expect(Math.abs(sd / mean - 1)).toBeLessThan(0.05);
    const small = run({ type: 'poisson', rateHz: 20, startMs: 0 }, { size: 10, durationMs: 2000 });
    expect(small.times.filter((_, k) => small.neurons[k] === 7)).toEqual(first);
    expect(intervals.length).toBeGreaterThan(10);
    // Another seed, another train.
    const other = run({ type: 'poisson', rateHz: 20, seed: 99 }, { size: 10, durationMs: 2000 });
    expect(other.times.filter((_, k) => other.neurons[k] === 7)).not.toEqual(first);
  });

  it('advanced in chunks, a source gives the spikes it gives in one go (its cursors carry on)', () => {
    const scenario = {
      format: 'spikebridge-scenario/1',
      durationMs: 400,
      dtMs: DT,
      seed: 1,
      populations: [
        { name: 'source', size: 2, spikes: { type: 'poisson', rateHz: 50 } },
        { name: 'cell', model: 'lif', size: 1 },
      ],
      projections: [{ source: 'source', target: 'cell', connect: { rule: 'all' }, on: 'v', weight: 1 }],
      stimuli: [],
    };
    const once = buildSimulation(scenario);
    once.advance();
    const inChunks = buildSimulation(scenario);
    for (let k = 0; k < 40; k++) inChunks.advance(10);
    expect(Array.from(inChunks.drain().spikes.timeMs)).toEqual(Array.from(once.drain().spikes.timeMs));
  });
});

describe('spike source fields refused by name', () => {
  const base = (population: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    format: 'spikebridge-scenario/1',
    durationMs: 10,
    dtMs: DT,
    populations: [{ name: 'src', size: 2, ...population }, { name: 'cell', model: 'lif', size: 1 }],
    stimuli: [],
    ...extra,
  });
  const refused = expectRefused;
  it('types, times, periods, rates and limits', () => {
    refused(base({ spikes: { type: 'sometimes' } }), 'populations[0].spikes.type', /times, regular, bursts, poisson/);
    refused(base({ spikes: { type: 'times', timesMs: [5, 3] } }), 'populations[0].spikes.timesMs[1]', /not after/);
    refused(base({ spikes: { type: 'times', timesMs: [5, 5.05] } }), 'populations[0].spikes.timesMs[1]', /less than a step/);
    refused(base({ spikes: { type: 'times', timesMs: [0] } }), 'populations[0].spikes.timesMs[0]', /\(0, /);
    refused(base({ spikes: { type: 'times', timesMs: [[1], [2], [3]] } }), 'populations[0].spikes.timesMs', /3 lists but the source has 2/);
    refused(base({ spikes: { type: 'times', timesMs: Array.from({ length: 100_001 }, (_, k) => k + 1) } }), 'populations[0].spikes.timesMs', /more than 100000/);
    refused(base({ spikes: { type: 'regular', startMs: 1, periodMs: 0.5 } }), 'populations[0].spikes.periodMs', /at most 1000 Hz/);
    refused(base({ spikes: { type: 'poisson', rateHz: 5000 } }), 'populations[0].spikes.rateHz', /outside the allowed range \[0, 1000\]/);
    refused(base({ spikes: { type: 'bursts', startMs: 1, burstPeriodMs: 4.5, spikesPerBurst: 3, spikeIntervalMs: 2 } }), 'populations[0].spikes.burstPeriodMs', /shorter than a burst/);
    refused(base({ spikes: { type: 'regular', startMs: 1, periodMs: 5, rate: 3 } }), 'populations[0].spikes.rate', /not a known field/);
    refused(base({ model: 'lif', spikes: { type: 'times', timesMs: [1] } }), 'populations[0].spikes', /only a spike source/);
    refused(base({ model: 'spike_source' }), 'populations[0].spikes', /needs "spikes"/);
    refused(base({ spikes: { type: 'times', timesMs: [1] }, parameters: { R: 1 } }), 'populations[0].parameters', /a spike source has no parameters/);
    refused(base({ spikes: { type: 'times', timesMs: [1] } }, { stimuli: [{ type: 'constant', population: 'src', amplitude: 1 }] }), 'stimuli[0].population', /spike source/);
    refused(base({ spikes: { type: 'times', timesMs: [1] } }, { projections: [{ source: 'cell', target: 'src', connect: { rule: 'all' }, on: 'count', weight: 1 }] }), 'projections[0].target', /spike source/);
  });

  it('a source validated keeps its shape: model "spike_source", the spikes as given', () => {
    const valid = validateScenario(base({ spikes: { type: 'regular', startMs: 1, periodMs: 5, count: 2 } }));
    expect(valid.scenario.populations[0]).toMatchObject({ name: 'src', model: 'spike_source', size: 2, spikes: { type: 'regular', startMs: 1, periodMs: 5, count: 2 } });
    // And validates again as it is (a snapshot or a shared link).
    expect(validateScenario(JSON.parse(JSON.stringify(valid.scenario))).scenario).toEqual(valid.scenario);
  });
});

describe('the circuit canvas layout', () => {
  const circuit = (layout: unknown) => ({
    format: 'spikebridge-scenario/1',
    durationMs: 10,
    dtMs: 0.1,
    populations: [{ name: 'src', size: 1, spikes: { type: 'times', timesMs: [1] } }, { name: 'cell', model: 'lif', size: 1 }],
    stimuli: [{ type: 'constant', population: 'cell', amplitude: 1 }],
    layout,
  });
  it('is carried through validation as given (view data the core ignores)', () => {
    const layout = { nodes: [{ kind: 'spikes', name: 'src', x: 0.25, y: 0.5 }, { kind: 'neuron', name: 'cell', x: 0.75, y: 0.5 }, { kind: 'current', name: 'I', x: 0.9, y: 0.1, stimuli: [0] }] };
    expect(validateScenario(circuit(layout)).scenario.layout).toEqual(layout);
  });
  it('refuses a bad node by field', () => {
    const refused = (layout: unknown, field: string) => {
      try {
        validateScenario(circuit(layout));
      } catch (err) {
        expect((err as InputError).field).toBe(field);
        return;
      }
      throw new Error(`accepted; expected a refusal naming ${field}`);
    };
    refused({ nodes: [{ kind: 'cloud', name: 'a', x: 0, y: 0 }] }, 'layout.nodes[0].kind');
    refused({ nodes: [{ kind: 'neuron', name: 'a', x: 1.5, y: 0 }] }, 'layout.nodes[0].x');
    refused({ nodes: [{ kind: 'current', name: 'a', x: 0, y: 0, stimuli: [3] }] }, 'layout.nodes[0].stimuli[0]');
    refused({ nodes: Array.from({ length: 201 }, () => ({ kind: 'neuron', name: 'a', x: 0, y: 0 })) }, 'layout.nodes');
    refused({ nodes: [], zoom: 2 }, 'layout.zoom');
  });
});
