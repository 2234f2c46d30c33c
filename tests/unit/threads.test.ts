// A run split across threads (src/core/parallel) gives the spikes of the run on one thread, to
// the bit and in the same order, for 1, 2 and 3 threads: CUBA (instant current synapses in
// WebAssembly), COBAHH (Hodgkin-Huxley in the JS kernel), a reduced Brunel network (delays,
// so several steps per exchange, and Poisson inputs drawn per block of neurons).
import { afterAll, describe, expect, it } from 'vitest';
import { validateScenario } from '../../src/scenario/scenario.js';
import { preset } from '../../src/scenario/presets.js';
import { Simulation } from '../../src/core/simulation.js';
import { createSimulation, ThreadedSimulation } from '../../src/core/parallel/threadedSimulation.js';
import { planThreads } from '../../src/core/parallel/partition.js';
import { nodeThreadHost } from '../../src/cli/simThread.js';
import { RANDOM_BLOCK_NEURONS } from '../../src/core/random.js';

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

  it('Brunel (reduced): the same spikes, with windows of steps between exchanges and Poisson inputs per block', async () => {
    const raw = scenario('brunel-j0.1', 150, (s) => (s.record.rateWindowMs = [50, 150]));
    const plan = planThreads(validateScenario(structuredClone(raw)), 2);
    expect(plan.windowSteps).toBe(14);
    // Populations with Poisson inputs are split at block boundaries only.
    for (const thread of plan.slices) for (const slice of thread) if (slice.size > 0) expect(slice.start % RANDOM_BLOCK_NEURONS).toBe(0);
    await compare(raw, 40);
  }, 120_000);

  it('a change while running goes on on one thread, from the state the threads reached: the run is the run changed on one thread', async () => {
    const raw = scenario('cuba', 120);
    const changed = (sim: Simulation) => {
      const timeMs: number[] = [];
      sim.advance(45);
      timeMs.push(...sim.drain().spikes.timeMs);
      sim.advance(30);
      sim.setParameters('E', { E_L: -52 });
      sim.advance();
      timeMs.push(...sim.drain().spikes.timeMs);
      return timeMs;
    };
    const one = changed(new Simulation(validateScenario(structuredClone(raw))));
    const { simulation } = await createSimulation(validateScenario(structuredClone(raw)), { threads: 2, host });
    started.push(simulation);
    const threaded = simulation as ThreadedSimulation;
    const two = changed(threaded);
    expect(threaded.threaded).toBe(false);
    expect(threaded.notes).toEqual(['threads: 1 (parameters changed while running: the run goes on on one thread)']);
    expect(Float64Array.from(two)).toEqual(Float64Array.from(one));
  }, 120_000);

  it('what the threads cannot split yet runs on one thread, saying why', async () => {
    const raw = scenario('cuba', 20, (s) => (s.record.traces = [{ population: 'E', variable: 'v', neurons: [0] }]));
    const { simulation, threads, note } = await createSimulation(validateScenario(raw), { threads: 2, host });
    expect(threads).toBe(1);
    expect(simulation instanceof ThreadedSimulation).toBe(false);
    expect(note).toBe('threads: 1 (recorded traces run on one thread)');
  });
});
