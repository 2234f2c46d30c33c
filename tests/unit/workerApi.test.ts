// The worker's comlink adapter, in one process over a MessageChannel (as comlink tests itself):
// plain data in and out, refused scenarios as data naming the field, blow-ups as errors that keep
// their name, and frames whose buffers are transferred (the sender's copies end up detached).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { expose, wrap, type Remote } from 'comlink';
import { Simulation, type Frame } from '../../src/core/simulation';
import { preset } from '../../src/scenario/presets';
import { createSimulationApi, type SimulationApi } from '../../workers/simulationApi';

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
  vi.restoreAllMocks();
});

describe('simulation worker adapter', () => {
  it('loads the default preset and describes what the page needs to draw it', async () => {
    const api = connect();
    const result = await api.load(preset('single-lif'));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.summary.durationMs).toBe(500);
    expect(result.summary.traces).toEqual([
      { population: 'neuron', variable: 'v', neuron: 0, unit: 'mV', meaning: 'membrane potential', threshold: { name: 'V_th', level: -50 } },
    ]);
  });

  it('returns a refused scenario as data naming the field', async () => {
    const api = connect();
    const raw = preset('single-lif') as Record<string, unknown>;
    raw.dtMs = 5;
    const result = await api.load(raw);
    expect(result).toEqual({ ok: false, error: { kind: 'input', field: 'dtMs', message: expect.stringMatching(/^dtMs: 5 is outside/) } });
  });

  it('transfers frame buffers instead of copying them', async () => {
    const drained: Frame[] = [];
    const drain = Simulation.prototype.drain;
    vi.spyOn(Simulation.prototype, 'drain').mockImplementation(function (this: Simulation) {
      const frame = drain.call(this);
      drained.push(frame);
      return frame;
    });
    const api = connect();
    await api.load(preset('single-lif'));
    const frame = await api.advance(200);
    expect(frame.done).toBe(false);
    expect(frame.endMs).toBeCloseTo(200, 9);
    expect(frame.traces[0].values.length).toBeGreaterThan(1000);
    expect(frame.spikes.timeMs.length).toBeGreaterThan(0);
    const sent = drained[0];
    expect(sent.traces[0].values.buffer.byteLength).toBe(0);
    expect(sent.spikes.timeMs.buffer.byteLength).toBe(0);
    expect(sent.spikes.neuron.buffer.byteLength).toBe(0);

    const rest = await api.advance(1000);
    expect(rest.done).toBe(true);
    expect(rest.endMs).toBeCloseTo(500, 9);
    const stats = await api.stats();
    expect(stats.spikeCount).toBe(frame.spikes.timeMs.length + rest.spikes.timeMs.length);
  });

  it('passes a numerical blow-up on as a SimulationError', async () => {
    const api = connect();
    const raw = preset('single-lif') as { populations: { parameters?: object }[]; stimuli: { amplitude: number }[] };
    raw.populations[0].parameters = { t_ref: 0 };
    raw.stimuli[0].amplitude = 1e5;
    await api.load(raw);
    await expect(api.advance(100)).rejects.toMatchObject({ name: 'SimulationError', message: expect.stringMatching(/population "neuron"/) });
  });

  it('refuses a bad chunk length and an advance before any load', async () => {
    const api = connect();
    await expect(api.advance(10)).rejects.toThrow(/no scenario is loaded/);
    await api.load(preset('single-lif'));
    await expect(api.advance(Number.NaN)).rejects.toThrow(/finite number of milliseconds/);
  });
});

describe('live changes through the worker adapter', () => {
  it('keeps the loaded scenario when a new one is refused', async () => {
    const api = connect();
    await api.load(preset('single-lif'));
    await api.advance(100);
    const bad = preset('single-lif') as Record<string, unknown>;
    bad.durationMs = -1;
    expect((await api.load(bad)).ok).toBe(false);
    const frame = await api.advance(400); // the first scenario goes on where it was
    expect(frame.startMs).toBeCloseTo(100, 9);
    expect(frame.done).toBe(true);
  });

  it('applies a valid parameter change and refuses a bad one as data, changing nothing', async () => {
    const api = connect();
    await api.load(preset('single-lif'));
    expect(await api.setParameters('neuron', { tau_m: 0.1 })).toEqual({
      ok: false,
      error: { kind: 'input', field: 'populations[0].parameters.tau_m', message: expect.stringMatching(/0\.1 ms is outside the allowed range \[0\.5, 500\] ms/) },
    });
    expect(await api.setParameters('neuron', { V_th: -55 })).toEqual({ ok: true });
    await api.advance(500);
    // A lower threshold fires faster than the 55 Hz of the preset: 1000 / (2 + 10 ln(25 / 10)) = 92 Hz.
    expect((await api.stats()).window?.meanRateHz).toBeGreaterThan(85);
  });

  it('injects a current ("poke") and refuses a bad one as data', async () => {
    const api = connect();
    await api.load(preset('single-lif'));
    expect((await api.inject('neuron', Number.POSITIVE_INFINITY)).ok).toBe(false);
    expect(await api.inject('neuron', 3)).toEqual({ ok: true });
    const frame = await api.advance(45); // before the preset's step starts at 50 ms
    expect(frame.spikes.timeMs.length).toBeGreaterThan(1);
  });
});
