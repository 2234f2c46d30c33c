// Networks: connectivity rules, exact delays, refractory arrivals, memory budget.
import { describe, expect, it } from 'vitest';
import { connect, probabilityCapacity } from '../../src/core/network/connectivity';
import { buildSimulation } from '../../src/scenario/scenario';
import { validateScenario } from '../../src/scenario/scenario';

const rowLengths = (csr: ReturnType<typeof connect>) => Array.from({ length: csr.sources }, (_, i) => csr.rowStart[i + 1] - csr.rowStart[i]);

describe('connectivity rules', () => {
  it('fixed probability: the count is binomial and the same seed gives the same synapses', () => {
    const a = connect({ rule: 'probability', p: 0.02 }, 4000, 4000, true, 7);
    const b = connect({ rule: 'probability', p: 0.02 }, 4000, 4000, true, 7);
    const expected = 0.02 * 4000 * 4000;
    const sd = Math.sqrt(expected * 0.98);
    expect(Math.abs(a.targets.length - expected)).toBeLessThan(4 * sd);
    expect(Array.from(b.targets)).toEqual(Array.from(a.targets));
    // targets within each row are increasing (no duplicates)
    for (let i = 0; i < 100; i++) for (let q = a.rowStart[i] + 1; q < a.rowStart[i + 1]; q++) expect(a.targets[q]).toBeGreaterThan(a.targets[q - 1]);
  });

  it('fixed probability without self-connections has none', () => {
    const c = connect({ rule: 'probability', p: 0.5, allowSelf: false }, 200, 200, true, 1);
    for (let i = 0; i < 200; i++) for (let q = c.rowStart[i]; q < c.rowStart[i + 1]; q++) expect(c.targets[q]).not.toBe(i);
  });

  it('fixed in-degree gives every target exactly k distinct sources', () => {
    const c = connect({ rule: 'inDegree', k: 40, allowSelf: false }, 500, 500, true, 3);
    const inDegree = new Int32Array(500);
    const pairs = new Set<number>();
    for (let i = 0; i < 500; i++) {
      for (let q = c.rowStart[i]; q < c.rowStart[i + 1]; q++) {
        const j = c.targets[q];
        expect(j).not.toBe(i);
        inDegree[j]++;
        pairs.add(i * 500 + j);
      }
    }
    expect(Array.from(inDegree).every((d) => d === 40)).toBe(true);
    expect(pairs.size).toBe(500 * 40);
  });

  it('all-to-all, one-to-one and an explicit list', () => {
    expect(rowLengths(connect({ rule: 'all', allowSelf: false }, 5, 5, true, 1))).toEqual([4, 4, 4, 4, 4]);
    expect(Array.from(connect({ rule: 'oneToOne' }, 3, 3, false, 1).targets)).toEqual([0, 1, 2]);
    const list = connect({ rule: 'list', pairs: [[2, 0], [0, 1], [2, 2]] }, 3, 3, false, 1);
    expect(rowLengths(list)).toEqual([1, 0, 2]);
    expect(Array.from(list.targets)).toEqual([1, 0, 2]);
  });
});

/** One driven LIF neuron projecting onto a silent one through a delta synapse on v. */
function chain(delayMs: number, dtMs: number, extra: Record<string, unknown> = {}) {
  const sim = buildSimulation({
    format: 'spikebridge-scenario/1',
    durationMs: 60,
    dtMs,
    populations: [
      { name: 'pre', model: 'lif', size: 1 },
      { name: 'post', model: 'lif', size: 1, ...extra },
    ],
    projections: [{ source: 'pre', target: 'post', connect: { rule: 'all' }, on: 'v', weight: 5, delayMs }],
    stimuli: [{ type: 'constant', population: 'pre', amplitude: 3 }],
    record: { spikes: true, traces: [{ population: 'post', variable: 'v', neurons: [0] }] },
  });
  sim.advance();
  return sim.drain();
}

describe('synaptic delays and arrivals', () => {
  it.each([[0.1, 1.5], [0.1, 0.0], [0.25, 2.0]])('dt %s ms, delay %s ms: the jump lands at the first step boundary after spike + delay', (dtMs, delayMs) => {
    const frame = chain(delayMs, dtMs);
    const spike = frame.spikes.timeMs[0];
    const v = frame.traces[0].values;
    const jump = v.findIndex((x, k) => k > 0 && x - v[k - 1] > 4);
    // The trace sample at index k is the state at the end of step k-1; the jump is applied at
    // the start of step a = ceil((t_sp + d)/dt) and shows in sample a + 1.
    const arrival = Math.max(Math.floor(spike / dtMs) + 1, Math.ceil((spike + delayMs) / dtMs - 1e-9));
    expect(jump).toBe(arrival + 1);
    expect(arrival * dtMs - spike).toBeGreaterThanOrEqual(delayMs - 1e-9);
    expect(arrival * dtMs - spike).toBeLessThan(delayMs + dtMs + 1e-9);
  });

  it('ignores what arrives on a held variable during refractoriness', () => {
    // post fires at about 2.3 ms from a strong pulse; pre's first spike (about 11 ms) arrives
    // 1.5 ms later. With t_ref = 50 ms the arrival finds post held at V_reset and is lost.
    const run = (tRef: number) => {
      const sim = buildSimulation({
        format: 'spikebridge-scenario/1',
        durationMs: 30,
        dtMs: 0.1,
        populations: [
          { name: 'pre', model: 'lif', size: 1 },
          { name: 'post', model: 'lif', size: 1, parameters: { t_ref: tRef } },
        ],
        projections: [{ source: 'pre', target: 'post', connect: { rule: 'all' }, on: 'v', weight: 5, delayMs: 1.5 }],
        stimuli: [
          { type: 'constant', population: 'pre', amplitude: 3 },
          { type: 'step', population: 'post', amplitude: 20, startMs: 0, stopMs: 2.5 },
        ],
        record: { spikes: true, traces: [{ population: 'post', variable: 'v', neurons: [0] }] },
      });
      sim.advance();
      return sim.drain().traces[0].values;
    };
    const held = run(50);
    expect(held.slice(30).every((x) => x === -70)).toBe(true);
    const free = run(2);
    expect(Math.max(...free.slice(100))).toBeGreaterThan(-70 + 4); // the same arrival, 5 mV, counts
  });

  it('two projections onto one variable with different delays both arrive (the ring grows under the first)', () => {
    const sim = buildSimulation({
      format: 'spikebridge-scenario/1',
      durationMs: 30,
      dtMs: 0.1,
      populations: [
        { name: 'pre', model: 'lif', size: 1 },
        { name: 'post', model: 'lif', size: 1 },
      ],
      projections: [
        { source: 'pre', target: 'post', connect: { rule: 'all' }, on: 'v', weight: 2, delayMs: 1 },
        { source: 'pre', target: 'post', connect: { rule: 'all' }, on: 'v', weight: 3, delayMs: 6 },
      ],
      stimuli: [{ type: 'step', population: 'pre', amplitude: 20, startMs: 0, stopMs: 2 }],
      record: { spikes: true, traces: [{ population: 'post', variable: 'v', neurons: [0] }] },
    });
    sim.advance();
    const frame = sim.drain();
    expect(frame.spikes.neuron.length).toBe(1);
    const v = frame.traces[0].values;
    const jumps = Array.from(v.slice(1), (x, k) => x - v[k]).filter((d) => d > 1);
    // (each jump is seen one sample later, after a step of leak: 2% less)
    expect(jumps.length).toBe(2);
    expect(jumps[0]).toBeCloseTo(2, 1);
    expect(jumps[1]).toBeCloseTo(3, 1);
  });

  it('refuses a network beyond the memory budget before building it, with the estimate', () => {
    expect(() =>
      validateScenario({
        format: 'spikebridge-scenario/1',
        durationMs: 10,
        dtMs: 0.1,
        populations: [{ name: 'big', model: 'lif', size: 1000000 }],
        projections: [{ source: 'big', target: 'big', connect: { rule: 'probability', p: 0.01 }, on: 'v', weight: 0.1 }],
      }),
    ).toThrow(/^projections: the network would need about \d+\.\d\d GB at its peak \(1\.00e\+10 synapses.*the largest, projections\[0\], \d+\.\d\d GB\); at most 3 GB are allowed/);
  });

  it('counts neurons, rings and the copy of instant synapses into WebAssembly in the estimate', () => {
    const estimate = (projection: Record<string, unknown>, size = 100000) =>
      validateScenario({
        format: 'spikebridge-scenario/1',
        durationMs: 10,
        dtMs: 0.1,
        populations: [{ name: 'p', model: 'lif', size }],
        projections: [{ source: 'p', target: 'p', on: 'v', weight: 0.1, connect: { rule: 'inDegree', k: 100 }, ...projection }],
      }).estimate.bytes;
    const synapses = 100000 * 100;
    // Without delay the synapses are copied into the population's WebAssembly memory: twice.
    const instant = estimate({});
    const delayed = estimate({ delayMs: 1 });
    const rings = 2 * 8 * 100000 * (Math.ceil(1 / 0.1) + 2); // the ring and its copy in the snapshot
    expect(instant - delayed).toBe(4 * synapses + 4 * 100001 - rings);
    // A drawn weight adds 4 bytes a synapse (and its copy), a drawn delay 4 more.
    expect(estimate({ weight: { normal: [0.1, 0.01] } }) - instant).toBe(2 * 4 * synapses);
    expect(estimate({ delayMs: { uniform: [0, 1] } }) - delayed).toBe(4 * synapses);
  });
});

describe('connectivity builds exactly sized arrays', () => {
  it('fixed probability: the targets fill an array sized for the binomial bound, seen through a view of the exact length', () => {
    const c = connect({ rule: 'probability', p: 0.1 }, 3000, 3000, false, 5);
    expect(c.targets.length).toBe(c.rowStart[3000]);
    expect(c.targets.buffer.byteLength).toBe(4 * probabilityCapacity(0.1, 3000, 3000, false));
    expect(c.targets.length).toBeLessThanOrEqual(probabilityCapacity(0.1, 3000, 3000, false));
  });
  it('fixed probability 1 without self-connections: every other pair, in an array of exactly that size', () => {
    const all = connect({ rule: 'probability', p: 1, allowSelf: false }, 40, 40, true, 1);
    expect(all.targets.length).toBe(40 * 39);
    expect(all.targets.buffer.byteLength).toBe(4 * 40 * 39);
  });
  it('fixed in-degree: each row lists its targets in increasing order, as a sort of the drawn pairs would', () => {
    const c = connect({ rule: 'inDegree', k: 30 }, 200, 300, false, 9);
    expect(c.targets.length).toBe(30 * 300);
    for (let i = 0; i < 200; i++) for (let q = c.rowStart[i] + 1; q < c.rowStart[i + 1]; q++) expect(c.targets[q]).toBeGreaterThan(c.targets[q - 1]);
  });
});

describe('bounded recording', () => {
  it('holds at most record.maxSpikes undrained, counts the rest, and keeps rates complete', () => {
    const sim = buildSimulation({
      format: 'spikebridge-scenario/1',
      durationMs: 1000,
      dtMs: 0.1,
      populations: [{ name: 'n', model: 'lif', size: 10 }],
      stimuli: [{ type: 'constant', population: 'n', amplitude: 3 }],
      record: { spikes: true, maxSpikes: 50, rateWindowMs: [0, 1000] },
    });
    sim.advance(500);
    expect(sim.drain().spikes.timeMs.length).toBe(50); // draining frees the budget again
    sim.advance(500);
    const kept = sim.drain().spikes.timeMs.length;
    expect(kept).toBe(50);
    const stats = sim.stats();
    expect(stats.spikeCount).toBe(770); // 77 Hz x 10 neurons x 1 s, all counted
    expect(stats.spikesNotKept).toBe(770 - 100);
    expect(sim.windowCounts()[0].counts.reduce((a, b) => a + b, 0)).toBe(770);
  });
});
