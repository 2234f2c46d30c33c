// A run split across threads (src/core/parallel) gives the spikes of the run on one thread, to
// the bit and in the same order, for 1, 2 and 3 threads: CUBA (instant current synapses in
// WebAssembly), COBAHH (Hodgkin-Huxley in the JS kernel), a reduced Brunel network (delays,
// so several steps per exchange, and Poisson inputs drawn per block of neurons).
import { afterAll, describe, expect, it } from 'vitest';
import { validateScenario } from '../../src/scenario/scenario.js';
import { preset } from '../../src/scenario/presets.js';
import { Simulation } from '../../src/core/simulation.js';
import { createSimulation, ThreadedSimulation } from '../../src/core/parallel/threadedSimulation.js';
import { defaultThreads, planThreads } from '../../src/core/parallel/partition.js';
import { partitionProjection, sliceCsr } from '../../src/core/parallel/sliceCsr.js';
import { nodeThreadHost } from '../../src/cli/simThread.js';
import { RANDOM_BLOCK_NEURONS } from '../../src/core/random.js';
import { SimulationError } from '../../src/core/errors.js';
import lif from '../../models/lif.json';
import { Experiment } from '../../src/core/experiment.js';

const host = nodeThreadHost();
const started: Simulation[] = [];
afterAll(() => {
  for (const s of started) if (s instanceof ThreadedSimulation) s.dispose();
});

function scenario(name: string, durationMs: number, edit: (s: Record<string, any>) => void = () => {}): Record<string, any> {
  const s = structuredClone(preset(name)) as Record<string, any>;
  s.durationMs = durationMs;
  edit(s);
  return s;
}

/** Spike times and neurons of a whole run, drained in chunks of `chunkMs` (as the CLI does). */
function spikesOf(sim: Simulation, chunkMs: number): { timeMs: number[]; neuron: number[]; total: number } {
  const timeMs: number[] = [];
  const neuron: number[] = [];
  while (!sim.done) {
    sim.advance(chunkMs);
    const frame = sim.drain();
    timeMs.push(...frame.spikes.timeMs);
    neuron.push(...frame.spikes.neuron);
  }
  return { timeMs, neuron, total: sim.stats().spikeCount };
}

async function compare(raw: Record<string, any>, chunkMs: number): Promise<number> {
  const one = spikesOf(new Simulation(validateScenario(structuredClone(raw))), chunkMs);
  expect(one.total).toBeGreaterThan(0);
  for (const threads of [1, 2, 3]) {
    const { simulation, note } = await createSimulation(validateScenario(structuredClone(raw)), { threads, host });
    started.push(simulation);
    expect(note).toBeNull();
    expect(simulation instanceof ThreadedSimulation).toBe(threads > 1);
    const run = spikesOf(simulation, chunkMs);
    // Compared whole: the same times (bits) and neurons in the same order.
    expect(Float64Array.from(run.timeMs)).toEqual(Float64Array.from(one.timeMs));
    expect(Int32Array.from(run.neuron)).toEqual(Int32Array.from(one.neuron));
    expect(run.total).toBe(one.total);
    if (simulation instanceof ThreadedSimulation) {
      expect(simulation.threaded).toBe(true);
      simulation.dispose();
    }
  }
  return one.total;
}

describe('threads', () => {
  it('CUBA: the same spikes on 1, 2 and 3 threads', async () => {
    await compare(scenario('cuba', 200), 50);
  }, 120_000);

  it('COBAHH: the same spikes on 1, 2 and 3 threads', async () => {
    await compare(scenario('cobahh', 60), 25);
  }, 120_000);

  it('every kind of current stimulus, on subsets of neurons that straddle the threads with one amount per neuron: the same spikes', async () => {
    // A stimulus of the time alone is built for each thread's part; one with a random stream runs whole on each thread.
    const across = (n: number) => Array.from({ length: n }, (_, k) => (k * 37) % 3200);
    const amounts = (n: number, base: number) => Array.from({ length: n }, (_, k) => base * (0.5 + (k % 7) / 7));
    const raw = scenario('cuba', 120, (s) => {
      s.stimuli = [
        { type: 'step', population: 'E', targets: across(500), amplitude: amounts(500, 4), startMs: 10, stopMs: 60 },
        { type: 'pulses', population: 'E', targets: across(300).reverse(), amplitude: amounts(300, 6), widthMs: 2, periodMs: 15, startMs: 5 },
        { type: 'ramp', population: 'I', targets: [0, 799, 400, 10, 790], from: [0, 1, 2, 3, 4], to: 8, startMs: 0, stopMs: 100 },
        { type: 'sine', population: 'E', amplitude: amounts(3200, 2), offset: 0.5, frequencyHz: 20 },
        { type: 'ouNoise', population: 'E', targets: across(800), sigma: 3, tauMs: 5, mean: 1 },
        { type: 'poisson', population: 'I', rateHz: 200, amplitude: 2, tauMs: 3 },
        { type: 'whiteNoise', population: 'E', targets: across(200), sigma: 2, startMs: 20, stopMs: 80 },
      ];
    });
    await compare(raw, 30);
  }, 120_000);

  it('every population is cut in about equal parts, one a thread, and the threads hold about as many neurons each', () => {
    // COBAHH: cut anywhere, so each part is within a neuron or two of its share.
    for (const threads of [2, 3]) {
      const plan = planThreads(validateScenario(structuredClone(preset('cobahh'))), threads);
      for (const [p, n] of [3200, 800].entries()) {
        let next = 0;
        for (const thread of plan.slices) {
          expect(thread[p].start).toBe(next);
          expect(Math.abs(thread[p].size - n / threads)).toBeLessThan(2);
          next += thread[p].size;
        }
        expect(next).toBe(n);
      }
    }
    // Full-size Brunel: Poisson inputs, so cut at block boundaries; both threads hold a part of
    // both populations, and their totals differ by less than a block.
    const plan = planThreads(validateScenario(structuredClone(preset('brunel-full'))), 2);
    for (const thread of plan.slices) for (const slice of thread) {
      expect(slice.size).toBeGreaterThan(0);
      expect(slice.start % RANDOM_BLOCK_NEURONS).toBe(0);
    }
    const totals = plan.slices.map((thread) => thread.reduce((sum, slice) => sum + slice.size, 0));
    expect(totals[0] + totals[1]).toBe(12500);
    expect(Math.abs(totals[0] - totals[1])).toBeLessThan(RANDOM_BLOCK_NEURONS);
  });

  it('Brunel (reduced): the same spikes, with windows of steps between exchanges and Poisson inputs per block', async () => {
    const raw = scenario('brunel-j0.1', 150, (s) => (s.record.rateWindowMs = [50, 150]));
    const plan = planThreads(validateScenario(structuredClone(raw)), 2);
    expect(plan.windowSteps).toBe(14);
    // Populations with Poisson inputs are split at block boundaries only.
    for (const thread of plan.slices) for (const slice of thread) if (slice.size > 0) expect(slice.start % RANDOM_BLOCK_NEURONS).toBe(0);
    await compare(raw, 40);
  }, 120_000);

  it('changes while running (parameters, blockers, Poisson inputs, weights, stimuli, a poke, a state) are made on every thread at the same step; going on on one thread replays them: the same spikes as on one thread', async () => {
    // COBAHH: parameters and a blocker; Brunel (reduced): its Poisson input and a delayed projection's weight.
    // CUBA: its stimulus (a constant current) changed to a step, a poke on two neurons of different threads, moved, then off.
    const cases: [string, number, (sim: Simulation) => void, (sim: Simulation) => void][] = [
      [
        'cobahh',
        60,
        (sim) => {
          sim.setParameters('E', { g_Kd: 25 });
          // A state set from outside (the page's initial values applied live), on neurons of every thread.
          sim.setState('E', [[sim.populations[0].model.stateNames.indexOf('v'), -52]]);
        },
        (sim) => void sim.setModifiers('I', { blockers: { g_Na: 0.4 } }),
      ],
      ['brunel-j0.1', 120, (sim) => expect(sim.setPoissonInput(0, 9, 0.1)).toBe(true), (sim) => expect(sim.setProjectionWeight(1, 0.05)).toBe(true)],
      [
        'cuba',
        120,
        (sim) => {
          sim.inject('E', 3, [1, 2500]);
          expect(sim.setStimulus(0, { ...(sim.scenario.stimuli[0] as any), type: 'step', startMs: 50, stopMs: 70, amplitude: 2 })).toBe(true);
        },
        (sim) => {
          sim.inject('I', -2, [700]);
          sim.inject('I', 0);
        },
      ],
    ];
    for (const [name, durationMs, first, second] of cases) {
      const raw = scenario(name, durationMs, (s) => {
        delete s.record.rateWindowMs;
        if (name === 'cuba') s.stimuli = [{ type: 'constant', population: 'E', amplitude: 0.1 }];
      });
      const changed = (sim: Simulation, alone: boolean) => {
        const timeMs: number[] = [];
        const take = () => timeMs.push(...sim.drain().spikes.timeMs);
        sim.advance(durationMs / 4);
        take();
        first(sim);
        sim.advance(durationMs / 6);
        second(sim);
        sim.advance(durationMs / 4);
        take();
        if (alone) sim.toOneThread('a test');
        sim.advance();
        take();
        return timeMs;
      };
      for (const alone of [false, true]) {
        const one = changed(new Simulation(validateScenario(structuredClone(raw))), alone);
        const { simulation } = await createSimulation(validateScenario(structuredClone(raw)), { threads: 2, host });
        started.push(simulation);
        const threaded = simulation as ThreadedSimulation;
        const two = changed(threaded, alone);
        expect(threaded.threaded, `${name}${alone ? ' then on one thread' : ''}`).toBe(!alone);
        expect(threaded.notes).toEqual(alone ? ['threads: 1 (a test: the run goes on on one thread)'] : []);
        expect(Float64Array.from(two), `${name}${alone ? ' then on one thread' : ''}`).toEqual(Float64Array.from(one));
        threaded.dispose();
      }
    }
  }, 120_000);

  it('without a thread count asked for: every core where a step has work enough and the run is long enough (or has no end)', () => {
    const v = (name: string, durationMs: number) => validateScenario(scenario(name, durationMs));
    // CUBA's step (4000 LIF neurons) costs about what a barrier does: one thread, however long the run.
    expect(defaultThreads(v('cuba', 1000), 4)).toBe(1);
    expect(defaultThreads(v('cuba', 100_000), 4)).toBe(1);
    expect(defaultThreads(v('cuba', 1000), 4, true)).toBe(1);
    expect(defaultThreads(v('cobahh', 1000), 4)).toBe(4);
    expect(defaultThreads(v('brunel-full', 1200), 2)).toBe(2);
    // 20 ms of COBAHH is over before threads would pay for starting; run without end, it is not.
    expect(defaultThreads(v('cobahh', 20), 4)).toBe(1);
    expect(defaultThreads(v('cobahh', 20), 4, true)).toBe(4);
    expect(defaultThreads(v('cobahh', 1000), 1)).toBe(1);
  });

  it("each thread's part of a projection is the whole's synapses onto its range, in order, whether rows are ascending (bisected) or not", () => {
    const sources = 50;
    const targets = 30;
    for (const ascending of [true, false]) {
      const rows: number[][] = Array.from({ length: sources }, (_, i) => {
        const row = Array.from({ length: targets }, (_, j) => j).filter((j) => (i * 7 + j * 3) % 5 < 2);
        return ascending ? row : row.reverse();
      });
      const rowStart = Int32Array.from([0, ...rows.map((r, i) => rows.slice(0, i + 1).reduce((a, x) => a + x.length, 0))]);
      const all = Int32Array.from(rows.flat());
      const weight = Float32Array.from(all, (_, q) => q * 0.5);
      const ranges = [{ start: 0, size: 7 }, { start: 7, size: 0 }, { start: 7, size: 23 }];
      const parts = partitionProjection({ rowStart, targets: all, weight, delayMs: 1.5 }, sources, ranges);
      ranges.forEach((r, t) => {
        const expected = sliceCsr({ sources, rowStart, targets: all }, r.start, r.size, [weight, 1.5]);
        expect(Array.from(parts[t].rowStart)).toEqual(Array.from(expected.csr.rowStart));
        expect(Array.from(parts[t].targets)).toEqual(Array.from(expected.csr.targets));
        expect(Array.from(parts[t].weight as Float32Array)).toEqual(Array.from(expected.perSynapse[0] as Float32Array));
        expect(parts[t].delayMs).toBe(1.5);
        expect(parts[t].targets.buffer).toBeInstanceOf(SharedArrayBuffer);
      });
    }
  });

  it('what the threads cannot split yet runs on one thread, saying why', async () => {
    const raw = scenario('cuba', 20, (s) => (s.projections[0].stp = { U: 0.5, tauRecMs: 100 }));
    const { simulation, threads, note } = await createSimulation(validateScenario(raw), { threads: 2, host });
    expect(threads).toBe(1);
    expect(simulation instanceof ThreadedSimulation).toBe(false);
    expect(note).toBe('threads: 1 (short-term plasticity runs on one thread)');
  });

  it('a network whose synapses, held once more by the threads, with their spike exchange, would pass the memory limit it was admitted under stays on one thread, saying so', async () => {
    const valid = validateScenario(scenario('cuba', 20));
    const { bytes, synapseBytes } = valid.estimate;
    expect(synapseBytes).toBeGreaterThan(319_000 * 4 * 0.9); // CUBA's ~320,000 synapses, 4 bytes each
    // For each of CUBA's 4000 neurons, a spike's id and time (12 bytes): two regions of 8 a round, and 64 a thread keeps of a window.
    const exchange = 12 * (2 * 8 + 64) * 4000;
    const under = await createSimulation(validateScenario(scenario('cuba', 20)), { threads: 2, host, maxNetworkBytes: bytes + synapseBytes + exchange + 1 });
    started.push(under.simulation);
    expect(under.threads).toBe(2);
    const over = await createSimulation(valid, { threads: 2, host, maxNetworkBytes: bytes + synapseBytes + exchange - 1 });
    expect(over.threads).toBe(1);
    expect(over.note).toMatch(/^threads: 1 \(on threads the synapses would be held twice, with the spike exchange about [\d.]+ GB, past the limit of [\d.e-]+ GB\)$/);
  });
});

/** The bits of a trace's values (NaN and -0 compared as what they are). */
function bits(values: Float64Array): number[] {
  return Array.from(new Uint32Array(Float64Array.from(values).buffer));
}

/** Every frame of a run driven by `script`, as comparable plain data: spikes and each trace with its bits. */
function framesOf(sim: Simulation, script: (sim: Simulation, take: () => void) => void) {
  const frames: unknown[] = [];
  const take = () => {
    const f = sim.drain();
    frames.push({
      startMs: f.startMs,
      endMs: f.endMs,
      spikes: { timeMs: bits(f.spikes.timeMs), neuron: Array.from(f.spikes.neuron) },
      traces: f.traces.map((t) => ({ population: t.population, variable: t.variable, neuron: t.neuron, startMs: t.startMs, everyMs: t.everyMs, values: bits(t.values) })),
    });
  };
  script(sim, take);
  return frames;
}

describe('threads: traces', () => {
  // Traced neurons in every thread's range (4000 neurons: thread 1 of 2 from 2000, of 3 from about 1333),
  // the input in force of some, and a trace moved mid-run (the page's click on a raster row).
  const script = (sim: Simulation, take: () => void) => {
    sim.recordInput('E', [0, 3100]);
    sim.advance(23);
    take();
    sim.advance(17.3);
    take();
    sim.retrace('E', 2500, 'v');
    sim.retrace('I', 10, 'v');
    sim.advance(31);
    take();
    sim.retrace('I', 790, 'v');
    sim.advance();
    take();
  };

  for (const [name, durationMs, traces] of [
    ['cuba', 120, [{ population: 'E', variable: 'v', neurons: [0, 1500, 3100] }, { population: 'I', variable: 'v', neurons: [700] }]],
    ['cobahh', 40, [{ population: 'E', variable: 'v', neurons: [5, 2100] }, { population: 'E', variable: 'm', neurons: [1400] }, { population: 'I', variable: 'v', neurons: [3] }]],
    // Delays: windows of 14 steps between exchanges, samples at several steps of each.
    ['brunel-j0.1', 110, [{ population: 'E', variable: 'v', neurons: [0, 2100, 3900] }, { population: 'I', variable: 'v', neurons: [999] }]],
  ] as const) {
    it(`${name}: the same frames, traces and inputs to the bit on 1, 2 and 3 threads, with traces moved mid-run`, async () => {
      const raw = scenario(name, durationMs, (s) => (s.record = { spikes: true, traces: structuredClone(traces), traceEveryMs: 0.3 }));
      const one = framesOf(new Simulation(validateScenario(structuredClone(raw))), script);
      expect(JSON.stringify(one)).toContain('"variable":"I_input"');
      for (const threads of [2, 3]) {
        const { simulation, note } = await createSimulation(validateScenario(structuredClone(raw)), { threads, host });
        started.push(simulation);
        expect(note).toBeNull();
        const run = framesOf(simulation, script);
        const threaded = simulation as ThreadedSimulation;
        // Still on the threads: nothing made it go on on one.
        expect(threaded.notes).toEqual([]);
        expect(threaded.threaded).toBe(true);
        expect(run).toEqual(one);
        threaded.dispose();
      }
    }, 120_000);
  }

  it('windows with more spikes than one round of the exchange holds (no refractoriness, driven hard) take more rounds: the same frames and traces, and the run stays on the threads', async () => {
    // 1,500 of 2,000 LIF neurons with t_ref = 0 driven at 60-120 nA, each its own, so they fire
    // every one to three steps, in windows of 59 steps (a 6 ms delay): up to 30 spikes a neuron a
    // window where a round holds 8. The drive is on, off and on again, so windows of several rounds
    // follow windows of one and the other way round; uneven drive makes the threads' rounds end at
    // different steps, so steps one thread had copied are copied again in the next round.
    const driven = Array.from({ length: 1500 }, (_, k) => k);
    const raw: Record<string, any> = {
      format: 'spikebridge-scenario/1',
      name: 'hard-driven',
      durationMs: 31,
      dtMs: 0.1,
      seed: 5,
      populations: [
        { name: 'E', model: 'lif', size: 2000, parameters: { t_ref: 0 }, initial: { v: { uniform: [-70, -50] } } },
        { name: 'Q', model: 'lif', size: 300 },
      ],
      projections: [
        { source: 'E', target: 'E', connect: { rule: 'inDegree', k: 10 }, on: 'v', weight: 0.01, delayMs: 6 },
        { source: 'E', target: 'Q', connect: { rule: 'inDegree', k: 10 }, on: 'v', weight: 0.5, delayMs: 6 },
      ],
      stimuli: [
        { type: 'step', population: 'E', targets: driven, amplitude: driven.map((k) => 60 + (k % 13) * 5), startMs: 0, stopMs: 7 },
        { type: 'step', population: 'E', targets: driven, amplitude: driven.map((k) => 60 + (k % 13) * 5), startMs: 19, stopMs: 31 },
      ],
      record: { spikes: true, traces: [{ population: 'E', variable: 'v', neurons: [0, 999, 1000, 1499, 1999] }, { population: 'Q', variable: 'v', neurons: [0, 299] }], traceEveryMs: 0.1 },
    };
    expect(planThreads(validateScenario(structuredClone(raw)), 2).windowSteps).toBe(59);
    const script = (sim: Simulation, take: () => void) => {
      while (!sim.done) {
        sim.advance(4.4);
        take();
      }
    };
    const one = framesOf(new Simulation(validateScenario(structuredClone(raw))), script);
    for (const threads of [2, 3]) {
      const { simulation, note } = await createSimulation(validateScenario(structuredClone(raw)), { threads, host });
      started.push(simulation);
      expect(note).toBeNull();
      const threaded = simulation as ThreadedSimulation;
      const run = framesOf(simulation, script);
      expect(threaded.notes).toEqual([]);
      expect(threaded.threaded).toBe(true);
      expect(run).toEqual(one);
      // Several windows took more than one round (the quiet ones one each).
      const { windows, rounds } = threaded.exchange;
      expect(windows).toBeGreaterThan(6);
      expect(rounds).toBeGreaterThan(windows + 4);
      threaded.dispose();
    }
  }, 120_000);

  it('traces moved, then going on on one thread: the run goes on on one thread with the frames of one thread (the replay moves the traces where they were moved)', async () => {
    const raw = scenario('cuba', 90, (s) => (s.record = { spikes: true, traces: [{ population: 'E', variable: 'v', neurons: [0, 2900] }], traceEveryMs: 0.5 }));
    const withStops = (sim: Simulation, take: () => void) => {
      sim.recordInput('E', [0, 2900]);
      sim.advance(20);
      take();
      sim.retrace('E', 2500, 'v');
      // Undrained when the run leaves the threads: these samples are the replay's.
      sim.advance(15);
      sim.toOneThread('a test');
      sim.advance();
      take();
    };
    const one = framesOf(new Simulation(validateScenario(structuredClone(raw))), withStops);
    const { simulation } = await createSimulation(validateScenario(structuredClone(raw)), { threads: 2, host });
    started.push(simulation);
    const two = framesOf(simulation, withStops);
    expect((simulation as ThreadedSimulation).notes).toEqual(['threads: 1 (a test: the run goes on on one thread)']);
    expect(two).toEqual(one);
  }, 120_000);

  it("the page's experiment (one traced neuron per population and its input, a free run) gives the same frames on 2 threads, through a click on a raster row, a slider, a poke and a state set", async () => {
    const raw = scenario('cobahh', 1000, (s) => (s.record = { spikes: true, traces: [{ population: 'E', variable: 'v', neurons: [0] }, { population: 'I', variable: 'v', neurons: [0] }], traceEveryMs: 0.2 }));
    const session = (exp: Experiment) => {
      const frames: unknown[] = [];
      const take = () => {
        const f = exp.drain();
        frames.push({ spikes: bits(f.spikes.timeMs), neuron: Array.from(f.spikes.neuron), traces: f.traces.map((t) => ({ population: t.population, variable: t.variable, neuron: t.neuron, startMs: t.startMs, values: bits(t.values) })) });
      };
      expect(exp.apply({ kind: 'freeRun', on: true })).toEqual({ applies: 'live' });
      for (let k = 0; k < 3; k++) {
        exp.advance(4.3);
        take();
      }
      expect(exp.apply({ kind: 'trace', population: 'E', neuron: 3000 })).toEqual({ applies: 'live' });
      exp.advance(5);
      take();
      expect(exp.apply({ kind: 'parameters', population: 'I', values: { g_L: 0.02 } })).toEqual({ applies: 'live' });
      expect(exp.apply({ kind: 'poke', targets: [{ population: 'E', amplitude: 0.5, neurons: [3000, 12] }] })).toEqual({ applies: 'live' });
      exp.advance(6.1);
      take();
      expect(exp.apply({ kind: 'initial', population: 'I', values: { v: -55 } })).toEqual({ applies: 'live' });
      exp.advance(8);
      take();
      return frames;
    };
    const one = session(new Experiment(validateScenario(structuredClone(raw)), validateScenario, { raw: structuredClone(raw) as any }));
    // The membrane and the input in force.
    const variables = new Set((one as { traces: { variable: string }[] }[]).flatMap((f) => f.traces.map((t) => t.variable)));
    expect([...variables].sort()).toEqual(['I_input', 'v']);
    expect((one as { spikes: number[] }[]).some((f) => f.spikes.length > 0)).toBe(true);
    const { simulation } = await createSimulation(validateScenario(structuredClone(raw)), { threads: 2, host });
    started.push(simulation);
    const two = session(new Experiment(validateScenario(structuredClone(raw)), validateScenario, { raw: structuredClone(raw) as any, simulation }));
    expect((simulation as ThreadedSimulation).threaded).toBe(true);
    expect((simulation as ThreadedSimulation).notes).toEqual([]);
    expect(two).toEqual(one);
  }, 120_000);

  it('a blow-up on a thread of a traced run stops it at the same step, with the same message and records, as on one thread', async () => {
    // E and I are LIF neurons; R's, driven by E, run away once v passes about -45 mV (nothing resets them).
    const runaway = {
      ...lif,
      id: 'lif_runaway',
      equations: ['dv/dt = (-(v - E_L) + R*I) / tau_m + (v > -45 ? 2 * (v + 45) : 0)'],
      threshold: { variable: 'v', level: '1e200' },
      defaultMethod: 'rk4',
      bounds: { v: [-1000, 1000] },
    };
    const parameters = { E_L: -70, V_th: -50, V_reset: -60, tau_m: 20, t_ref: 2 };
    const raw = {
      format: 'spikebridge-scenario/1',
      durationMs: 200,
      dtMs: 0.1,
      seed: 7,
      populations: [
        { name: 'E', model: 'lif', size: 200, parameters },
        { name: 'I', model: 'lif', size: 50, parameters },
        { name: 'R', model: runaway, size: 20, parameters: { E_L: -70, tau_m: 20 } },
      ],
      projections: [
        { source: 'E', target: 'E', connect: { rule: 'inDegree', k: 20, allowSelf: false }, on: 'v', weight: 0.3, delayMs: 1.5 },
        { source: 'E', target: 'I', connect: { rule: 'inDegree', k: 20 }, on: 'v', weight: 0.3, delayMs: 0.5 },
        { source: 'E', target: 'R', connect: { rule: 'inDegree', k: 10 }, on: 'v', weight: 0.2, delayMs: 1 },
      ],
      stimuli: [
        { type: 'poissonInput', population: 'E', on: 'v', sources: 100, rateHz: 40, weight: 0.3 },
        { type: 'poissonInput', population: 'R', on: 'v', sources: 100, rateHz: 36, weight: 0.3 },
        // A stimulus with a stream of its own, wound back to the snapshot when the blow-up is located.
        { type: 'ouNoise', population: 'E', targets: [3, 150, 190, 199, 60], sigma: 4, tauMs: 5 },
      ],
      record: { spikes: true, traces: [{ population: 'E', variable: 'v', neurons: [0] }, { population: 'R', variable: 'v', neurons: [0, 7, 19] }], traceEveryMs: 0.2 },
    };
    const run = (sim: Simulation) => {
      let message = '';
      const frames = framesOf(sim, (s, take) => {
        try {
          for (;;) {
            s.advance(7.3);
            take();
          }
        } catch (err) {
          if (!(err instanceof SimulationError)) throw err;
          message = err.message;
        }
        take();
      });
      return { message, frames, timeMs: sim.timeMs };
    };
    const one = run(new Simulation(validateScenario(structuredClone(raw))));
    expect(one.message).toMatch(/^population "R" at t = [\d.]+ ms: v of neuron \d+ = [\d.]+ mV left its range \[-1000, 1000\] mV/);
    const { simulation } = await createSimulation(validateScenario(structuredClone(raw)), { threads: 2, host });
    started.push(simulation);
    expect((simulation as ThreadedSimulation).plan.slices[1][2].size).toBe(20);
    const two = run(simulation);
    expect(two.message).toBe(one.message);
    expect(two.timeMs).toBe(one.timeMs);
    expect(two.frames).toEqual(one.frames);
    expect((simulation as ThreadedSimulation).notes).toEqual(['threads: 1 (a state left its bounds: the run goes on on one thread)']);
  }, 120_000);
});
