// A network larger than the page can show whole, through the worker's comlink adapter in one
// process: the raster's sample (chosen evenly per population, the traced neurons' spikes sent too,
// every other spike kept in the worker), the statistics over a larger sample in the worker, and the page's
// memory limit: a network over it refused naming the field and the figure, the loaded one running on.
import { afterEach, describe, expect, it } from 'vitest';
import { expose, wrap, type Remote } from 'comlink';
import { createSimulationApi, rasterSample, RASTER_SAMPLE, STATISTICS_SAMPLE, type Batch, type SimulationApi } from '../../workers/simulationApi';
import { validateScenario } from '../../src/scenario/scenario';
import { PAGE_LIMITS } from '../../src/scenario/pageLimits';
import { preset } from '../../src/scenario/presets';

let channel: MessageChannel | null = null;

function connect(): Remote<SimulationApi> {
  channel = new MessageChannel();
  expose(createSimulationApi(), channel.port1);
  return wrap<SimulationApi>(channel.port2);
}

afterEach(() => {
  channel?.port1.close();
  channel?.port2.close();
  channel = null;
});

/** Two populations of LIF neurons driven above threshold (every neuron fires within a few ms), no synapses. */
function wide(excitatory: number, inhibitory: number): { populations: unknown[]; [key: string]: unknown } {
  const lif = (name: string, size: number, role: string) => ({ name, model: 'lif', size, role, parameters: { E_L: -49 } });
  return {
    format: 'spikebridge-scenario/1', durationMs: 100, dtMs: 0.1, seed: 3,
    populations: [lif('E', excitatory, 'excitatory'), lif('I', inhibitory, 'inhibitory')],
    stimuli: [], record: { spikes: true, traces: [{ population: 'I', variable: 'v', neurons: [7] }] },
  };
}

describe('the raster sample of a large network', () => {
  it('is chosen evenly within each population, in proportion to its size, from its first neuron', () => {
    expect(rasterSample([{ offset: 0, size: 5000 }])).toBeNull(); // small enough to show whole
    const sample = rasterSample([{ offset: 0, size: 80_000 }, { offset: 80_000, size: 20_000 }])!;
    expect(sample).toHaveLength(RASTER_SAMPLE.neurons);
    expect(sample.slice(0, 3)).toEqual([0, 100, 200]);
    expect(sample.filter((n) => n < 80_000)).toHaveLength(800);
    expect(sample[800]).toBe(80_000);
    expect(sample[999]).toBe(99_900);
    // A population too small for its share keeps one neuron; none is listed twice.
    const tiny = rasterSample([{ offset: 0, size: 30_000 }, { offset: 30_000, size: 1 }])!;
    expect(tiny[tiny.length - 1]).toBe(30_000);
    expect(new Set(tiny).size).toBe(tiny.length);
  });

  it('only the sample and the traced neurons cross to the page; the statistics count the spikes of their own larger sample', async () => {
    const api = connect();
    const result = await api.load(wide(24_000, 6_000), { speed: null, play: false });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const scale = result.summary.scale!;
    expect(scale).toMatchObject({ neurons: 30_000, synapses: 0, limitBytes: PAGE_LIMITS.maxNetworkBytes, threads: { used: 1 } });
    expect(scale.estimatedBytes).toBe(validateScenario(wide(24_000, 6_000)).estimate.bytes);
    expect(scale.rasterSample).toHaveLength(1000);
    expect(scale.statisticsNeurons).toBe(STATISTICS_SAMPLE.neurons);
    await api.step(30);
    const batch: Batch = await api.take();
    const crossed = new Set(batch.frame!.spikes.neuron);
    const allowed = new Set([...scale.rasterSample!, 24_000 + 7]);
    expect([...crossed].every((n) => allowed.has(n))).toBe(true);
    expect(crossed.has(24_007)).toBe(true); // the traced neuron of I, not one of the sample
    expect(crossed.size).toBe(allowed.size); // every neuron fired: each of these was sent
    // The worker's statistics count the spikes it keeps: E's rate is that of its 800 sampled
    // neurons (they all fire alike), not 800 / 24,000 of it as it would be from the spikes sent.
    const stats = await api.windowStats();
    const e = stats!.populations.find((p) => p.name === 'E')!;
    const sentOfE = batch.frame!.spikes.neuron.filter((n) => n < 24_000).length;
    const sampleRateHz = sentOfE / 800 / ((stats!.stopMs - stats!.startMs) / 1000);
    expect(e.meanRateHz).toBeCloseTo(sampleRateHz, 6);
  });

  it('a network of 20,000 neurons or fewer is sent whole (no sample)', async () => {
    const api = connect();
    const result = await api.load(wide(100, 100), { speed: null, play: false });
    expect(result.ok && result.summary.scale).toMatchObject({ rasterSample: null, neurons: 200, statisticsNeurons: 200 });
  });
});

describe('the page memory limit', () => {
  it('refuses a network over the page limit naming the field and the figure; the CLI limit is larger', () => {
    const raw = preset('brunel-100k') as { projections: { connect: { k: number } }[] };
    raw.projections[0].connect.k = 3000; // 240 million synapses: about 2 GB, under the core's 3 GB
    expect(() => validateScenario(structuredClone(raw))).not.toThrow();
    expect(() => validateScenario(structuredClone(raw), PAGE_LIMITS)).toThrow(/^projections: the network would need about \d\.\d\d GB at its peak .* at most 1 GB are allowed.*\(the page's limit; the command line allows 3 GB\)$/);
  });

  it('the worker refuses such a network and a change that would make one, and the loaded run goes on', async () => {
    const api = connect();
    const small = { ...wide(100, 100), projections: [{ source: 'E', target: 'E', connect: { rule: 'inDegree', k: 50 }, on: 'v', weight: 0.1, delayMs: 1.5 }] };
    const loaded = await api.load(small, { speed: null, play: false });
    expect(loaded.ok).toBe(true);
    const big = preset('brunel-100k') as { projections: { connect: { k: number } }[] };
    big.projections[0].connect.k = 3000;
    const refusedLoad = await api.load(big);
    expect(refusedLoad.ok).toBe(false);
    if (!refusedLoad.ok) expect(refusedLoad.error).toMatchObject({ kind: 'input', field: 'projections', message: expect.stringMatching(/\d\.\d\d GB .*the page's limit/) });
    // 1.9 million neurons of E, 50 synapses each: over the page's 1 GB, under the core's 3 GB.
    const refusedChange = await api.apply({ kind: 'populationSize', population: 'E', size: 1_900_000 });
    expect(refusedChange).toMatchObject({ ok: false, error: { field: 'projections', message: expect.stringMatching(/\d\.\d\d GB .*the page's limit/) } });
    await api.step(5);
    const batch = await api.take();
    expect(batch.timeMs).toBeCloseTo(5, 9); // the scenario loaded first still runs
    expect((await api.snapshot()).populations).toEqual(small.populations);
  });
});

describe('the thread choice', () => {
  it('offers the threads the page may use (one without shared memory and workers, as here), and refuses more, naming the field', async () => {
    const api = connect();
    const loaded = await api.load(wide(100, 100), { speed: null, play: false });
    expect(loaded.ok && loaded.summary.scale!.threads).toEqual({ used: 1, wanted: 1, auto: true, available: 1, note: null });
    expect(await api.apply({ kind: 'threads', threads: 2 })).toMatchObject({ ok: false, error: { field: 'threads', message: expect.stringMatching(/"auto" or a whole number from 1 to 1 .*got 2$/) } });
    expect(await api.apply({ kind: 'threads', threads: 1 })).toMatchObject({ ok: true, applies: 'reset' });
    expect(await api.apply({ kind: 'threads', threads: 'auto' })).toMatchObject({ ok: true, applies: 'reset' });
  });
});
