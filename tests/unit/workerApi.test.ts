// The worker's comlink adapter, in one process over a MessageChannel (as comlink tests itself):
// plain data in and out, refused scenarios as data naming the field, blow-ups reported in the
// batch by name, frames whose buffers are transferred (the sender's copies end up detached), a
// run loop paced by speed that stops when the page does not take, and parameter tables from
// the loaded model; changes through apply(), and the scenario as it stands through snapshot().
import { afterEach, describe, expect, it, vi } from 'vitest';
import { expose, wrap, type Remote } from 'comlink';
import { Simulation, type Frame } from '../../src/core/simulation';
import { preset } from '../../src/scenario/presets';
import { createSimulationApi, type Batch, type SimulationApi } from '../../workers/simulationApi';

let channel: MessageChannel | null = null;

function connect(): Remote<SimulationApi> {
  channel = new MessageChannel();
  expose(createSimulationApi(), channel.port1);
  return wrap<SimulationApi>(channel.port2);
}

afterEach(async () => {
  channel?.port1.close();
  channel?.port2.close();
  channel = null;
  vi.restoreAllMocks();
});

/** Take until `until` holds for the accumulated spikes / batch, or the run stops. */
async function takeUntil(api: Remote<SimulationApi>, until: (b: Batch) => boolean): Promise<{ last: Batch; spikes: number; frames: Frame[] }> {
  const frames: Frame[] = [];
  let spikes = 0;
  for (;;) {
    const b = await api.take();
    if (b.frame) {
      frames.push(b.frame);
      spikes += b.frame.spikes.timeMs.length;
    }
    if (until(b) || b.state === 'failed' || b.state === 'finished' || b.state === 'paused') return { last: b, spikes, frames };
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('simulation worker adapter', () => {
  it('loads the default preset and describes what the page needs to draw it, parameter table included', async () => {
    const api = connect();
    const result = await api.load(preset('single-lif'));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const { summary } = result;
    expect(summary.durationMs).toBe(500);
    expect(summary.traces).toEqual([
      { population: 'neuron', variable: 'v', neuron: 0, kind: 'state', role: 'membrane', label: 'v', colour: null, unit: 'mV', meaning: 'membrane potential', threshold: { name: 'V_th', level: -50, label: 'threshold' } },
      // The input in force into the traced neuron, drawn under its membrane potential.
      { population: 'neuron', variable: 'I_input', neuron: 0, kind: 'input', role: 'input', label: 'I', colour: null, unit: 'nA', meaning: expect.any(String), threshold: null },
    ]);
    expect(summary.steps).toEqual([{ index: 0, type: 'step', population: 'neuron', startMs: 50, stopMs: 450, amplitude: 2.5, widthMs: null, gapMs: null, count: null, neurons: null }]);
    const [pop] = summary.populations;
    expect(pop).toMatchObject({ name: 'neuron', size: 1, offset: 0, model: 'lif', role: null, input: { symbol: 'I', unit: 'nA' } });
    expect(pop.parameters.find((p) => p.name === 'tau_m')).toEqual({ name: 'tau_m', unit: 'ms', min: 0.5, max: 500, value: 10, meaning: expect.any(String), applies: 'live', given: 10, setBy: null });
  });

  it('marks a parameter only initial values read as applying on reset (HH V_0), the others live', async () => {
    const api = connect();
    const result = await api.load(preset('single-hh'));
    if (!result.ok) throw new Error(result.error.message);
    const rows = result.summary.populations[0].parameters;
    expect(rows.filter((r) => r.applies === 'reset').map((r) => r.name)).toEqual(['V_0']);
    expect(await api.apply({ kind: 'parameters', population: 'neuron', values: { V_0: -70 } })).toEqual({ ok: true, applies: 'reset', atMs: 0 });
    expect(await api.apply({ kind: 'parameters', population: 'neuron', values: { g_K: 30 } })).toEqual({ ok: true, applies: 'live', atMs: 0 });
    // A reset builds the scenario again with both changes in it.
    const again = await api.reset();
    if (!again.ok) throw new Error(again.error.message);
    const table = again.summary.populations[0].parameters;
    expect(table.find((r) => r.name === 'V_0')!.value).toBe(-70);
    expect(table.find((r) => r.name === 'g_K')!.value).toBe(30);
    await api.step(1);
    const batch = await api.take();
    const v = batch.frame!.traces.find((t) => t.variable === 'v')!;
    expect(v.values[0]).toBeCloseTo(-70, 1);
  });

  it('takes loads, resets and changes in the order they came: a change sent while a load builds acts on the run it loaded', async () => {
    const api = createSimulationApi(); // called directly: nothing between the calls lets the load finish first
    expect((await api.load(preset('single-lif'))).ok).toBe(true);
    const loading = api.load(preset('single-hh'));
    const changed = api.apply({ kind: 'parameters', population: 'neuron', values: { g_K: 30 } }); // HH's, not the LIF's
    expect((await loading).ok).toBe(true);
    expect(await changed).toEqual({ ok: true, applies: 'live', atMs: 0 });
    const again = await api.reset();
    if (!again.ok) throw new Error(again.error.message);
    expect(again.summary.populations[0].parameters.find((r) => r.name === 'g_K')!.value).toBe(30);
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
    await api.step(200);
    const batch = await api.take();
    expect(batch.state).toBe('paused');
    const frame = batch.frame!;
    expect(frame.endMs).toBeCloseTo(200, 9);
    expect(frame.traces[0].values.length).toBeGreaterThan(1000);
    expect(frame.spikes.timeMs.length).toBeGreaterThan(0);
    // The drained frame's own buffers are what was sent.
    expect(drained.length).toBeGreaterThan(0);
    const sent = drained[drained.length - 1];
    expect(sent.traces[0].values.buffer.byteLength).toBe(0);
    expect(sent.spikes.timeMs.buffer.byteLength).toBe(0);

    await api.step(1000);
    const rest = await api.take();
    expect(rest.state).toBe('finished');
    expect(rest.timeMs).toBeCloseTo(500, 9);
    expect(rest.stats!.spikeCount).toBe(frame.spikes.timeMs.length + rest.frame!.spikes.timeMs.length);
  });

  it('reports a numerical blow-up in the batch as a SimulationError, frames before it kept', async () => {
    const api = connect();
    const raw = preset('single-lif') as { populations: { parameters?: object }[]; stimuli: { amplitude: number }[] };
    raw.populations[0].parameters = { t_ref: 0 };
    raw.stimuli[0].amplitude = 1e5;
    await api.load(raw);
    await api.step(100);
    const batch = await api.take();
    expect(batch.state).toBe('failed');
    expect(batch.error).toEqual({ name: 'SimulationError', message: expect.stringMatching(/population "neuron" at t = 50\./) });
    expect(batch.frame!.endMs).toBeGreaterThanOrEqual(50);
  });

  it('refuses a bad step length, and a step before any load', async () => {
    const api = connect();
    await expect(api.step(10)).resolves.toBeUndefined(); // nothing loaded: nothing to do
    await api.load(preset('single-lif'));
    await expect(api.step(Number.NaN)).rejects.toThrow(/a step must be a number of milliseconds/);
    await expect(api.setSpeed(-1)).rejects.toThrow(/speed: must be null/);
  });
});

describe('the run loop', () => {
  it('plays, pauses (time then stands still), and plays on from there', async () => {
    const api = connect();
    const raw = preset('single-lif') as Record<string, unknown>;
    raw.durationMs = 100_000;
    await api.load(raw);
    await api.setSpeed(null);
    await api.play();
    const { last } = await takeUntil(api, (b) => b.timeMs > 100);
    expect(last.state).toBe('running');
    await api.pause();
    const held = (await api.take()).timeMs;
    await new Promise((r) => setTimeout(r, 50));
    const after = await api.take();
    expect(after.state).toBe('paused');
    expect(after.timeMs).toBe(held);
    expect(after.frame).toBeNull();
    await api.play();
    const { last: resumed, frames } = await takeUntil(api, (b) => b.timeMs > held + 10);
    expect(resumed.state).toBe('running');
    expect(frames[0].startMs).toBeCloseTo(held, 9);
    await api.pause();
  });

  it('runs to the end at full speed with every spike handed over exactly once', async () => {
    const api = connect();
    await api.load(preset('single-lif'));
    await api.setSpeed(null);
    await api.play();
    const { last, spikes, frames } = await takeUntil(api, () => false);
    expect(last.state).toBe('finished');
    expect(spikes).toBe(last.stats!.spikeCount);
    // Frames follow on without gaps or overlaps.
    for (let k = 1; k < frames.length; k++) expect(frames[k].startMs).toBeCloseTo(frames[k - 1].endMs, 9);
  });

  it('stops after a bounded queue of chunks when nobody takes, and goes on when the page takes again', async () => {
    let drains = 0;
    const drain = Simulation.prototype.drain;
    vi.spyOn(Simulation.prototype, 'drain').mockImplementation(function (this: Simulation) {
      drains++;
      return drain.call(this);
    });
    const api = connect();
    const raw = preset('single-lif') as Record<string, unknown>;
    raw.durationMs = 1e6;
    expect((await api.load(raw)).ok).toBe(true);
    await api.setSpeed(null);
    await api.play();
    await new Promise((r) => setTimeout(r, 300));
    // One drain per chunk: with nothing taken the worker made at most its queue's worth (6), then waited.
    const waiting = drains;
    expect(waiting).toBeGreaterThan(0);
    expect(waiting).toBeLessThanOrEqual(6);
    const first = await api.take();
    expect(first.state).toBe('running');
    await new Promise((r) => setTimeout(r, 100));
    expect(drains).toBeGreaterThan(waiting); // taking let it go on
    const second = await api.take();
    expect(second.frame!.startMs).toBeCloseTo(first.timeMs, 9);
    await api.pause();
  });
});

describe('live changes through the worker adapter', () => {
  it('keeps the loaded scenario when a new one is refused', async () => {
    const api = connect();
    await api.load(preset('single-lif'));
    await api.step(100);
    await api.take();
    const bad = preset('single-lif') as Record<string, unknown>;
    bad.durationMs = -1;
    expect((await api.load(bad)).ok).toBe(false);
    await api.step(400); // the first scenario goes on where it was
    const batch = await api.take();
    expect(batch.frame!.startMs).toBeCloseTo(100, 9);
    expect(batch.state).toBe('finished');
  });

  it('applies a valid parameter change and refuses a bad one as data, changing nothing', async () => {
    const api = connect();
    await api.load(preset('single-lif'));
    expect(await api.apply({ kind: 'parameters', population: 'neuron', values: { tau_m: 0.1 } })).toEqual({
      ok: false,
      error: { kind: 'input', field: 'populations[0].parameters.tau_m', message: expect.stringMatching(/0\.1 ms is outside the allowed range \[0\.5, 500\] ms/) },
    });
    expect(await api.apply({ kind: 'parameters', population: 'neuron', values: { V_th: -55 } })).toEqual({ ok: true, applies: 'live', atMs: 0 });
    await api.step(500);
    // A lower threshold fires faster than the 55 Hz of the preset: 1000 / (2 + 10 ln(25 / 10)) = 92 Hz.
    expect((await api.stats()).window?.meanRateHz).toBeGreaterThan(85);
  });

  it('says at what simulated time a change took hold (a panel restarts a trajectory from there)', async () => {
    const api = connect();
    await api.load(preset('single-lif'));
    await api.step(37);
    expect(await api.apply({ kind: 'poke', targets: [{ population: 'neuron', amplitude: 1 }] })).toEqual({ ok: true, applies: 'live', atMs: 37 });
    expect(await api.apply({ kind: 'initial', population: 'neuron', values: { v: -60 } })).toEqual({ ok: true, applies: 'live', atMs: 37 });
  });

  it('a changed step amplitude is on exactly while the step is, and is in the scenario after a reset', async () => {
    const api = connect();
    await api.load(preset('single-lif'));
    expect(await api.apply({ kind: 'stimulus', index: 0, values: { amplitude: 5 } })).toEqual({ ok: true, applies: 'live', atMs: 0 });
    expect((await api.apply({ kind: 'stimulus', index: 0, values: { amplitude: Number.NaN } })).ok).toBe(false);
    await api.step(50);
    expect((await api.take()).frame!.spikes.timeMs.length).toBe(0); // before the step: nothing extra
    await api.step(450);
    const during = (await api.stats()).window!.meanRateHz;
    const analytic5nA = 1000 / (2 + 10 * Math.log(50 / 30));
    expect(Math.abs(during - analytic5nA)).toBeLessThan(2.5);
    await api.reset();
    await api.step(500);
    expect(Math.abs((await api.stats()).window!.meanRateHz - analytic5nA)).toBeLessThan(2.5);
  });

  it('pokes a current and refuses a bad one as data', async () => {
    const api = connect();
    await api.load(preset('single-lif'));
    expect((await api.apply({ kind: 'poke', targets: [{ population: 'neuron', amplitude: Number.POSITIVE_INFINITY }] })).ok).toBe(false);
    expect((await api.apply({ kind: 'poke', targets: [{ population: 'nobody', amplitude: 3 }] })).ok).toBe(false);
    expect(await api.apply({ kind: 'poke', targets: [{ population: 'neuron', amplitude: 3 }] })).toEqual({ ok: true, applies: 'live', atMs: 0 });
    await api.step(45); // before the preset's step starts at 50 ms
    expect((await api.take()).frame!.spikes.timeMs.length).toBeGreaterThan(1);
    await api.apply({ kind: 'poke', targets: [] });
    await api.step(4);
    await api.take();
    await api.step(1); // 49-50 ms: at rest again after the poke is let go
    const quiet = await api.take();
    expect(quiet.frame!.spikes.timeMs.length).toBe(0);
  });
});

describe('ionic currents of a traced HH neuron', () => {
  it('computes I_Na, I_K and I_L from the traced v, m, h, n with the parameters in use', async () => {
    const api = connect();
    const result = await api.load(preset('single-hh'));
    if (!result.ok) throw new Error(result.error.message);
    const currents = result.summary.traces.filter((t) => t.kind === 'current');
    expect(currents.map((t) => t.variable)).toEqual(['I_Na', 'I_K', 'I_L']);
    expect(currents.every((t) => t.unit === 'uA/cm2')).toBe(true);
    await api.step(30);
    const frame = (await api.take()).frame!;
    const named = (name: string) => frame.traces.find((t) => t.variable === name)!.values;
    const [v, m, h, n, iNa, iK, iL] = ['v', 'm', 'h', 'n', 'I_Na', 'I_K', 'I_L'].map(named);
    expect(iNa.length).toBe(v.length);
    for (const k of [0, 100, 200, v.length - 1]) {
      expect(iNa[k]).toBeCloseTo(120 * m[k] ** 3 * h[k] * (v[k] - 50), 9);
      expect(iK[k]).toBeCloseTo(36 * n[k] ** 4 * (v[k] + 77), 9);
      expect(iL[k]).toBeCloseTo(0.3 * (v[k] + 54.387), 9);
    }
    // At rest (before the step at 10 ms) the three currents balance: no net current.
    expect(iNa[0] + iK[0] + iL[0]).toBeCloseTo(0, 2);
  });
});

describe('network size', () => {
  it('asks for a reset, refuses a size the scenario cannot take (naming the field), and applies on reset', async () => {
    const api = connect();
    await api.load(preset('lif-vs-hh'));
    // Its traces name neuron 0 of each population, so a size of 0 is refused by the scenario's own rules.
    const bad = await api.apply({ kind: 'populationSize', population: 'LIF', size: 0 });
    expect(bad).toEqual({ ok: false, error: { kind: 'input', field: 'populations[0].size', message: expect.stringMatching(/populations\[0\]\.size/) } });
    expect(await api.apply({ kind: 'populationSize', population: 'LIF', size: 3 })).toEqual({ ok: true, applies: 'reset', atMs: 0 });
    const before = (await api.stats()).populations[0].size;
    expect(before).toBe(1);
    const again = await api.reset();
    if (!again.ok) throw new Error(again.error.message);
    expect(again.summary.populations.map((p) => [p.name, p.size, p.offset])).toEqual([['LIF', 3, 0], ['HH', 1, 3]]);
  });
});

describe('snapshot', () => {
  it('hands over the scenario as it stands, accepted changes written in and refused ones not', async () => {
    const api = connect();
    await api.load(preset('single-lif'));
    await api.apply({ kind: 'stimulus', index: 0, values: { amplitude: 3 } });
    await api.apply({ kind: 'parameters', population: 'neuron', values: { tau_m: 15 } });
    expect((await api.apply({ kind: 'stimulus', index: 0, values: { startMs: 500 } })).ok).toBe(false);
    const snapshot = await api.snapshot();
    expect(snapshot).toEqual({ ...(preset('single-lif') as object), populations: [{ name: 'neuron', model: 'lif', size: 1, parameters: { tau_m: 15 } }], stimuli: [{ type: 'step', population: 'neuron', amplitude: 3, startMs: 50, stopMs: 450 }] });
    // Loaded elsewhere, it describes the same experiment.
    const loaded = await createSimulationApi().load(snapshot);
    if (!loaded.ok) throw new Error(loaded.error.message);
    expect(loaded.summary.steps[0].amplitude).toBe(3);
  });
});
