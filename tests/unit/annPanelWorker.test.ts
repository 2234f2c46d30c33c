// The ANN worker's adapter (workers/annApi.ts) in one process: what it streams to the page is what
// the CLI computes (trainAnn, convertToSpiking + runSpiking) for the same options and seed; a bad
// field is refused naming it; stop halts training and keeps the network.
import { describe, expect, it } from 'vitest';
import { createAnnApi, changedParameters, gridSamples, type AnnRequest, type AnnUpdate } from '../../workers/annApi';
import { trainAnn } from '../../src/bridge/ann/network';
import { convertToSpiking, runSpiking } from '../../src/bridge/ann/spiking';

const REQUEST: AnnRequest = {
  dataset: { kind: 'circle', points: 80, noise: 0.05, testFraction: 0.5 },
  hidden: [4],
  activation: 'relu',
  learningRate: 0.03,
  batchSize: 10,
  l2: 0,
  dropout: 0,
  seed: 3,
  epochs: 30,
  mapResolution: 8,
};

/** Run a job of the api to its last word, collecting its updates. */
function collect(start: (onUpdate: (u: AnnUpdate) => void) => { ok: boolean }, last: AnnUpdate['kind'][]): Promise<AnnUpdate[]> {
  return new Promise((done, fail) => {
    const updates: AnnUpdate[] = [];
    const started = start((u) => {
      updates.push(u);
      if (u.kind === 'failed') fail(new Error(u.error.message));
      if (last.includes(u.kind)) done(updates);
    });
    if (!started.ok) fail(new Error(JSON.stringify(started)));
  });
}

describe('the ANN worker api', () => {
  it('trains to the numbers of trainAnn (the CLI) and runs the spiking network to the numbers of runSpiking', async () => {
    const api = createAnnApi();
    const updates = await collect((u) => api.train(REQUEST, u), ['trained']);
    const epochs = updates.filter((u) => u.kind === 'epochs');
    const last = epochs[epochs.length - 1];
    if (last.kind !== 'epochs') throw new Error('no epochs');
    const { trainer, report } = trainAnn({ dataset: { ...REQUEST.dataset, seed: REQUEST.seed }, hidden: REQUEST.hidden, activation: 'relu', learningRate: 0.03, batchSize: 10, l2: 0, dropout: 0, seed: REQUEST.seed }, REQUEST.epochs);
    expect(last.last.epoch).toBe(30);
    expect(last.last.testAccuracy).toBe(report.testAccuracy);
    expect(last.last.testLoss).toBe(report.testLoss);
    expect(Array.from(last.map)).toEqual(Array.from(trainer.decisionMap(8)));
    // every epoch's losses arrive once, in order
    expect(epochs.flatMap((u) => (u.kind === 'epochs' ? Array.from(u.epochs) : []))).toEqual(Array.from({ length: 30 }, (_, k) => k + 1));

    const spiking = await collect((u) => api.spiking({ neuronsPerUnit: 5, windowsMs: [50, 200], mapResolution: 4, rasterPoint: 2 }, u), ['spiking-done']);
    const net = convertToSpiking(trainer.snapshot(), 'relu', trainer.dataset.train, { neuronsPerUnit: 5, windowsMs: [50, 200], seed: REQUEST.seed });
    const expected = runSpiking(net, trainer.dataset.test);
    const test = spiking.find((u) => u.kind === 'spiking-test');
    if (test?.kind !== 'spiking-test') throw new Error('no spiking-test');
    expect(Array.from(test.result.accuracy)).toEqual(Array.from(expected.accuracy));
    expect(test.result.annAccuracy).toBe(expected.annAccuracy);
    // the map: 16 cells in one slice, each the decision of that cell's run
    const maps = spiking.filter((u) => u.kind === 'spiking-map');
    expect(maps.reduce((n, u) => n + (u.kind === 'spiking-map' ? u.count : 0), 0)).toBe(16);
    const gridRun = runSpiking(net, gridSamples(4, 1));
    if (maps[0].kind !== 'spiking-map') throw new Error('no map');
    expect(Array.from(maps[0].decisions[1])).toEqual(Array.from(gridRun.decisions[1]));
    const raster = spiking.find((u) => u.kind === 'raster');
    if (raster?.kind !== 'raster') throw new Error('no raster');
    expect(raster.raster.point).toBe(2);
    expect(raster.raster.populations.map((p) => p.name)).toEqual(['hidden 1', 'class 1', 'class 0']);
    expect(raster.raster.neuron.length).toBeGreaterThan(0);
  }, 60_000);

  it('refuses a bad field naming it, and a spiking run before any network', () => {
    const api = createAnnApi();
    expect(api.spiking({ neuronsPerUnit: 5, windowsMs: [50] }, () => {})).toMatchObject({ ok: false, error: { field: 'network' } });
    expect(api.train({ ...REQUEST, hidden: [9] }, () => {})).toMatchObject({ ok: false, error: { field: 'hidden[0]' } });
    expect(api.train({ ...REQUEST, learningRate: -1 }, () => {})).toMatchObject({ ok: false, error: { field: 'learningRate' } });
  });

  it('stops training between turns and keeps the network', async () => {
    const api = createAnnApi();
    const updates = await collect((u) => {
      const r = api.train({ ...REQUEST, epochs: 100000 }, u);
      setTimeout(() => api.stop(), 50);
      return r;
    }, ['trained']);
    const trained = updates[updates.length - 1];
    expect(trained).toMatchObject({ kind: 'trained', stopped: true });
    expect(trained.kind === 'trained' && trained.epochs).toBeLessThan(100000);
  });

  it('names only the parameters that differ from the model file (the CLI passes none)', () => {
    expect(changedParameters('lif', { tau_m: 10, R: 10, E_L: -70 })).toEqual({});
    expect(changedParameters('lif', { tau_m: 20 })).toEqual({ tau_m: 20 });
  });
});
