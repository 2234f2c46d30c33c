// The sweep worker's comlink adapter, in one process over a MessageChannel: points stream in as
// chunks finish and add up to the bridge's own sweep, progress rises to 1, cancel stops a sweep
// (nothing of it arrives afterwards), and bad input comes back naming the field.
import { afterEach, describe, expect, it } from 'vitest';
import { expose, proxy, wrap, type Remote } from 'comlink';
import { createSweepApi, remainingMs, type SweepApi, type SweepRequest, type SweepUpdate } from '../../workers/sweepApi';
import { currentRange, fiSweep } from '../../src/bridge/fiSweep';
import { sweepDefaults as fileDefaults } from '../../src/bridge/fiPlan';
import { builtinModel } from '../../src/core/model/builtinModels';
import { resolveParameters } from '../../src/core/model/loadModel';
import type { ModelFile } from '../../src/core/model/modelFile';
import { preset } from '../../src/scenario/presets';
import { lifRateHz } from '../../src/bridge/lifRate';

/** The default sweep models/ID.json declares, with the parameters in force. */
function sweepDefaults(id: string, parameters: Record<string, number>, noiseSigmaMV: number) {
  const model = builtinModel(id);
  return fileDefaults(model, resolveParameters(model, parameters, 'p'), noiseSigmaMV)!;
}

let channel: MessageChannel | null = null;

function connect(): Remote<SweepApi> {
  channel = new MessageChannel();
  expose(createSweepApi(), channel.port1);
  return wrap<SweepApi>(channel.port2);
}

afterEach(() => {
  channel?.port1.close();
  channel?.port2.close();
  channel = null;
});

/** Start a sweep and collect its updates until `until` holds (default: it ended). */
async function collect(api: Remote<SweepApi>, request: SweepRequest, until: (u: SweepUpdate) => boolean = (u) => u.kind === 'done' || u.kind === 'failed' || u.kind === 'cancelled') {
  const updates: SweepUpdate[] = [];
  let resolve!: () => void;
  const ended = new Promise<void>((r) => (resolve = r));
  const started = await api.start(
    request,
    proxy((u: SweepUpdate) => {
      updates.push(u);
      if (until(u)) resolve();
    }),
  );
  if (!started.ok) throw new Error(`refused: ${started.error.message}`);
  return { plan: started.plan, updates, ended };
}

describe('sweep worker adapter', () => {
  it('streams every LIF point once, progress rises to 1, and the result equals the bridge sweep, fits and theory', async () => {
    const api = connect();
    const { plan, updates, ended } = await collect(api, { model: 'lif' });
    await ended;
    const d = sweepDefaults('lif', {}, 0);
    expect(plan.currents).toEqual(currentRange(d.fromInput, d.toInput, d.step));
    expect(plan.unit).toBe('nA');

    const points = updates.filter((u) => u.kind === 'points');
    expect(points.length).toBeGreaterThanOrEqual(5); // streamed in groups, not all at the end
    const seen = new Array(plan.currents.length).fill(0);
    for (const p of points) if (p.kind === 'points') p.currents.forEach((c, k) => (seen[p.startIndex + k]++, expect(c).toBe(plan.currents[p.startIndex + k])));
    expect(seen.every((n) => n === 1)).toBe(true);

    const fractions = updates.flatMap((u) => ('fraction' in u ? [u.fraction] : []));
    for (let k = 1; k < fractions.length; k++) expect(fractions[k]).toBeGreaterThanOrEqual(fractions[k - 1]);
    const last = updates[updates.length - 1];
    expect(last.kind).toBe('done');
    if (last.kind !== 'done') return;
    expect(last.fraction).toBe(1);

    // Without noise every neuron is independent: the chunked sweep is the one-run sweep exactly.
    const whole = fiSweep({ model: 'lif', currents: plan.currents, durationMs: d.durationMs, discardMs: d.discardMs, dtMs: d.dtMs });
    expect(Array.from(last.result.ratesHz)).toEqual(Array.from(whole.ratesHz));
    // tanh and leaky ReLU are the sigmoid and the ReLU on a rate axis: not ranked apart.
    expect(last.result.fits.map((f) => f.id).sort()).toEqual(['elu', 'relu', 'sigmoid', 'softLif', 'softplus']);
    for (let k = 1; k < 5; k++) expect(last.result.fits[k].rmseHz).toBeGreaterThanOrEqual(last.result.fits[k - 1].rmseHz);
    expect(last.result.theoryHz).not.toBeNull();
    // The analytic rate matches the simulation where it is high (at 10 nA: 1/(2 + 10 ln(100/80)) ms)
    const k10 = plan.currents.indexOf(10);
    expect(last.result.theoryHz![k10]).toBeCloseTo(1000 / (2 + 10 * Math.log(100 / 80)), 6);
    expect(Math.abs(last.result.ratesHz[k10] - last.result.theoryHz![k10])).toBeLessThan(2);
    expect(last.result.explanation.kind).toBe('typeI');
  });

  it('noisy LIF: standard errors per point, the Siegert curve, and the sentence says the threshold softens', async () => {
    const api = connect();
    const { plan, updates, ended } = await collect(api, { model: 'lif', noise: { type: 'white', sigmaMV: 4 }, neuronsPerCurrent: 10 });
    await ended;
    expect(plan.neuronsPerCurrent).toBe(10);
    const last = updates[updates.length - 1];
    if (last.kind !== 'done') throw new Error(`ended with ${last.kind}`);
    expect(Math.max(...last.result.semHz)).toBeGreaterThan(0);
    // Noise lets the neuron fire below the noiseless rheobase of 2 nA.
    expect(last.result.ratesHz[plan.currents.indexOf(1.8)]).toBeGreaterThan(1);
    expect(last.result.theoryHz![plan.currents.indexOf(1.8)]).toBeGreaterThan(1);
    expect(last.result.explanation.kind).toBe('noisy');
    // The same sweep from the bridge (as `npm run sim -- fi` runs it) draws the same noise: the same numbers.
    const d = sweepDefaults('lif', {}, 4);
    const cli = fiSweep({ model: 'lif', currents: plan.currents, durationMs: d.durationMs, discardMs: d.discardMs, dtMs: d.dtMs, noiseSigmaMV: 4, neuronsPerCurrent: 10, seed: 1 });
    expect(Array.from(last.result.ratesHz)).toEqual(Array.from(cli.ratesHz));
    expect(Array.from(last.result.semHz)).toEqual(Array.from(cli.semHz));
  });

  it('OU noise on HH and a model without theory (Izhikevich) also run to the end', async () => {
    const api = connect();
    const izh = await collect(api, { model: 'izhikevich', parameters: { d: 2 } });
    await izh.ended;
    const last = izh.updates[izh.updates.length - 1];
    if (last.kind !== 'done') throw new Error(`ended with ${last.kind}`);
    expect(last.result.unit).toBe('a.u.');
    expect(last.result.theoryHz).toBeNull();
    expect(last.result.fits).toHaveLength(5);
    const ou = await collect(api, { model: 'hh', noise: { type: 'ou', sigmaMV: 2, tauMs: 5 }, range: { fromInput: 0, toInput: 20, step: 2 }, neuronsPerCurrent: 2, durationMs: 300, discardMs: 100, dtMs: 0.025 });
    await ou.ended;
    expect(ou.updates[ou.updates.length - 1].kind).toBe('done');
  });

  it('cancel stops a sweep: it ends with "cancelled" and sends nothing after, and the worker goes on to the next', async () => {
    const api = connect();
    const first = await collect(api, { model: 'hh' }, (u) => u.kind === 'progress' || u.kind === 'points');
    await first.ended;
    expect(await api.cancel()).toBe(true);
    expect(await api.cancel()).toBe(false); // nothing runs now
    const second = await collect(api, { model: 'lif' });
    await second.ended;
    expect(second.updates[second.updates.length - 1].kind).toBe('done');
    // Every update of the first sweep arrived before the second ended; its last is the cancel.
    expect(first.updates[first.updates.length - 1].kind).toBe('cancelled');
    expect(first.updates.some((u) => u.kind === 'done')).toBe(false);
    expect(first.updates.every((u) => u.sweep === first.plan.sweep)).toBe(true);
  });

  it('a new start cancels the sweep that runs', async () => {
    const api = connect();
    const first = await collect(api, { model: 'hh' }, (u) => u.kind === 'progress' || u.kind === 'points');
    await first.ended;
    const second = await collect(api, { model: 'lif' });
    await second.ended;
    expect(first.updates[first.updates.length - 1].kind).toBe('cancelled');
    expect(second.plan.sweep).toBeGreaterThan(first.plan.sweep);
  });

  it.each([
    [{ model: 'nope' }, 'model', /"nope" is not a known model/],
    [{ model: 'lif', parameters: { tau_m: -3 } }, 'parameters.tau_m', /-3 ms is outside the allowed range/],
    [{ model: 'lif', parameters: { bogus: 1 } }, 'parameters.bogus', /not a parameter of lif/],
    [{ model: 'lif', noise: { type: 'pink', sigmaMV: 2 } }, 'noise.type', /"pink" is not a noise type; choose "white" or "ou"/],
    [{ model: 'lif', noise: { type: 'white', sigmaMV: 80 } }, 'noise.sigmaMV', /80 is outside the allowed range \[0, 50\] mV/],
    [{ model: 'izhikevich', noise: { type: 'white', sigmaMV: 2 } }, 'noise.sigmaMV', /no "noise" section\), so only 0 is allowed/],
    [{ model: 'lif', range: { fromInput: 0, toInput: 10, step: 0.001 } }, 'range.step', /gives 10001 currents .* 6 to 400 are allowed/],
    [{ model: 'lif', range: { fromInput: 5, toInput: 1, step: 0.1 } }, 'range.toInput', /1 nA is below range.fromInput \(5 nA\)/],
    [{ model: 'lif', neuronsPerCurrent: 1000 }, 'neuronsPerCurrent', /1000 neurons per current must be a whole number from 1 to 198 for 101 currents/],
  ] as [SweepRequest, string, RegExp][])('refuses %j naming %s', async (request, field, message) => {
    const api = connect();
    const result = await api.start(request, proxy(() => undefined));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.field).toBe(field);
    expect(result.error.message).toMatch(message);
    expect(result.error.message.startsWith(`${field}: `)).toBe(true);
    expect(await api.cancel()).toBe(false); // nothing started
  });

  it('a model without a default sweep runs over the range given', async () => {
    const api = connect();
    const { sweep: _sweep, ...file } = (await import('../../models/lif_exp_current.json')).default;
    const custom = { ...file, id: 'my_cuba_neuron' } as unknown as ModelFile;
    const { plan, updates, ended } = await collect(api, { model: custom, range: { fromInput: 0, toInput: 5, step: 0.25 } });
    await ended;
    expect(plan.currents).toHaveLength(21);
    expect([plan.durationMs, plan.discardMs, plan.dtMs]).toEqual([1100, 100, 0.05]);
    const last = updates[updates.length - 1];
    if (last.kind !== 'done') throw new Error(`ended with ${last.kind}`);
    // CUBA's neuron rests above threshold (E_L -49 mV, V_th -50 mV): it fires at 0 nA already, faster with more.
    expect(last.result.ratesHz[0]).toBeGreaterThan(5);
    expect(last.result.ratesHz[20]).toBeGreaterThan(last.result.ratesHz[0] + 10);
  });

  it('describe() gives the model\'s input, whether noise applies, and its default sweep or why there is none', async () => {
    const api = connect();
    const lif = await api.describe('lif', { V_th: -40 }, 0);
    expect(lif.ok && [lif.unit, lif.noiseAllowed, lif.defaults?.toInput]).toEqual(['nA', true, 30]); // rheobase (-40 - -70)/10 = 3 nA, 10x
    const izh = await api.describe('izhikevich', {}, 0);
    expect(izh.ok && [izh.unit, izh.noiseAllowed]).toEqual(['a.u.', false]);
    // A copy of a model file carries its default sweep; one without a sweep has none.
    const file = (await import('../../models/lif.json')).default;
    const copy = await api.describe({ ...file, id: 'my_lif' } as unknown as ModelFile, { V_th: -40 }, 0);
    expect(copy.ok && copy.defaults?.toInput).toBe(30);
    const { sweep: _sweep, ...bare } = file;
    const none = await api.describe({ ...bare, id: 'my_lif' } as unknown as ModelFile, {}, 0);
    expect(none.ok && none.defaults).toBeNull();
    expect(none.ok && none.noDefaults).toMatch(/^range: .*no default sweep/);
    const bad = await api.describe('lif', { tau_m: 0 }, 0);
    expect(!bad.ok && bad.error.field).toBe('parameters.tau_m');
  });
});

/** Brunel A (J = 0.1 mV) at a tenth of the size and half the time, so a run takes milliseconds. */
function smallBrunel() {
  const s = preset('brunel-j0.1') as { durationMs: number; record: { rateWindowMs: [number, number] }; populations: { size: number }[]; projections: { connect: { k: number } }[] };
  s.durationMs = 600;
  // The preset's rate window (200-1200 ms) would end after the shortened run.
  s.record.rateWindowMs = [200, 600];
  s.populations[0].size = 400;
  s.populations[1].size = 100;
  for (const p of s.projections) p.connect.k /= 10;
  return s;
}

/** Start a transfer function and collect its updates until it ends. */
async function collectTransfer(api: Remote<SweepApi>, request: Parameters<SweepApi['startTransfer']>[0], until: (u: SweepUpdate) => boolean = (u) => u.kind === 'done' || u.kind === 'failed' || u.kind === 'cancelled') {
  const updates: SweepUpdate[] = [];
  let resolve!: () => void;
  const ended = new Promise<void>((r) => (resolve = r));
  const started = await api.startTransfer(request, proxy((u: SweepUpdate) => (updates.push(u), until(u) && resolve())));
  if (!started.ok) throw new Error(`refused: ${started.error.message}`);
  return { plan: started.plan, updates, ended };
}

describe('population transfer function', () => {
  it('unconnected LIF neurons driven by a current: one point per run, each the LIF rate, then fits and a sentence', async () => {
    const api = connect();
    const scenario = { format: 'spikebridge-scenario/1', name: 'Two groups', durationMs: 1100, dtMs: 0.1, populations: [{ name: 'a', model: 'lif', size: 4 }, { name: 'b', model: 'lif', size: 4, parameters: { tau_m: 20 } }], record: { rateWindowMs: [100, 1100] } };
    const { plan, updates, ended } = await collectTransfer(api, { scenario, drive: 'current' });
    await ended;
    // Default drive: the first population's neuron's default sweep (LIF: 0-20 nA), 11 runs.
    expect(plan.currents).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20]);
    expect([plan.unit, plan.modelName, plan.neuronsPerCurrent]).toEqual(['nA', 'Two groups', 8]);
    const points = updates.filter((u) => u.kind === 'points');
    expect(points).toHaveLength(11);
    for (const p of points) {
      if (p.kind !== 'points') continue;
      const current = p.currents[0];
      const a = lifRateHz(current, { E_L: -70, V_th: -50, tau_m: 10, R: 10, t_ref: 2 } as never);
      const b = lifRateHz(current, { E_L: -70, V_th: -50, tau_m: 20, R: 10, t_ref: 2 } as never);
      expect(p.populations!.map((r) => r.population)).toEqual(['a', 'b']);
      expect(Math.abs(p.populations![0].rateHz - a)).toBeLessThanOrEqual(1);
      expect(Math.abs(p.populations![1].rateHz - b)).toBeLessThanOrEqual(1);
      expect(p.ratesHz[0]).toBeCloseTo((p.populations![0].rateHz + p.populations![1].rateHz) / 2, 9);
    }
    const last = updates[updates.length - 1];
    if (last.kind !== 'done') throw new Error(`ended with ${last.kind}`);
    expect(last.result.fits).toHaveLength(5);
    expect(last.result.theoryHz).toBeNull();
    expect(last.result.explanation.text).toMatch(/^Two groups is silent up to 2 nA, then its mean rate rises to \d+ Hz at 20 nA/);
  });

  it('Brunel: the Poisson rate as the drive, from silence to twice the scenario\'s own, rising', async () => {
    const api = connect();
    const { plan, updates, ended } = await collectTransfer(api, { scenario: smallBrunel(), drive: 'poissonRateHz', range: { fromInput: 0, toInput: 50, step: 10 } });
    await ended;
    expect(plan.unit).toBe('Hz');
    const last = updates[updates.length - 1];
    if (last.kind !== 'done') throw new Error(`ended with ${last.kind}`);
    expect(last.result.ratesHz[0]).toBe(0);
    for (let k = 3; k < 6; k++) expect(last.result.ratesHz[k]).toBeGreaterThan(last.result.ratesHz[k - 1]);
    const defaults = await api.startTransfer({ scenario: smallBrunel(), drive: 'poissonRateHz' }, proxy(() => undefined));
    expect(defaults.ok && defaults.plan.currents).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]); // the preset drives at 50 Hz
    expect(await api.cancel()).toBe(true);
  });

  it('cancel between runs: it ends "cancelled" with fewer points than asked', async () => {
    const api = connect();
    const t = await collectTransfer(api, { scenario: smallBrunel(), drive: 'poissonRateHz', range: { fromInput: 0, toInput: 100, step: 5 } }, (u) => u.kind === 'points');
    await t.ended;
    expect(await api.cancel()).toBe(true);
    const next = await collect(api, { model: 'lif' });
    await next.ended;
    expect(t.updates[t.updates.length - 1].kind).toBe('cancelled');
    expect(t.updates.filter((u) => u.kind === 'points').length).toBeLessThan(21);
  });

  it.each([
    [{ scenario: { format: 'nope' }, drive: 'current' }, 'format'],
    [{ scenario: smallBrunel(), drive: 'volume' }, 'drive'],
    [{ scenario: { format: 'spikebridge-scenario/1', durationMs: 100, dtMs: 0.1, populations: [{ name: 'a', model: 'lif', size: 2 }] }, drive: 'poissonRateHz' }, 'drive'],
    [{ scenario: smallBrunel(), drive: 'poissonRateHz', range: { fromInput: 0, toInput: 100, step: 1 } }, 'range.step'],
  ] as [Parameters<SweepApi['startTransfer']>[0], string][])('refuses %#, naming %s', async (request, field) => {
    const api = connect();
    const result = await api.startTransfer(request, proxy(() => undefined));
    expect(!result.ok && result.error.field).toBe(field);
    expect(await api.cancel()).toBe(false);
  });
});

describe('time left', () => {
  it('extrapolates the time spent, and says nothing while there is too little to go on', () => {
    expect(remainingMs(500, 0.25)).toBeCloseTo(1500, 9);
    expect(remainingMs(50, 0.5)).toBeNull();
    expect(remainingMs(1000, 0.01)).toBeNull();
    expect(remainingMs(1000, 1)).toBe(0);
  });
});
