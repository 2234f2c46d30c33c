// The object the ANN worker exposes through comlink: an adapter over src/bridge/ann. It trains the
// bridge's small classifier (AnnTrainer, the CLI's trainer: the same options and seed give the
// CLI's numbers), "this neuron" included (neuronCurve: the page's model with the parameters in
// force), streams each turn's epochs (losses, accuracies, dead units, gradient sizes) and the
// decision map, and converts the trained network to spiking LIF populations (convertToSpiking)
// and runs them: first on the test set in one call (as `npm run sim -- ann --spiking` does, so its
// accuracy per window is the CLI's), then on a grid over the square in slices, whose decisions fill
// the spiking decision maps, then one point's spikes for the rasters.
//
// Work goes in turns of TURN_BUDGET_MS so stop() (or a new start) is heard between them, as in
// sweepApi.ts. A pushed callback: a job sends tens of messages a second at most.
import { releaseProxy } from 'comlink';
import { InputError } from '../src/core/errors.js';
import type { ModelFile } from '../src/core/model/modelFile.js';
import { builtinModel } from '../src/core/model/builtinModels.js';
import { loadModel, resolveParameters } from '../src/core/model/loadModel.js';
import { Simulation } from '../src/core/simulation.js';
import { validateScenario } from '../src/scenario/scenario.js';
import type { ActivationId } from '../src/bridge/activations.js';
import { neuronCurve, unitActivation, type ActivationChoice, type NeuronCurve } from '../src/bridge/ann/annActivation.js';
import type { DatasetKind, Samples } from '../src/bridge/ann/datasets.js';
import { AnnTrainer, type EpochReport } from '../src/bridge/ann/network.js';
import { convertToSpiking, runSpikingSteps, spikingScenario, type RateCalibration, type SpikingNetwork, type SpikingResult } from '../src/bridge/ann/spiking.js';

/** "This neuron": a population's model of the page with the parameters in force. */
export interface NeuronActivationRequest {
  population: string;
  model: string | ModelFile;
  parameters: Record<string, number>;
  noiseSigmaMV: number;
}

export interface AnnRequest {
  dataset: { kind: DatasetKind; points: number; noise: number; testFraction: number };
  hidden: number[];
  activation: ActivationId | { neuron: NeuronActivationRequest };
  learningRate: number;
  batchSize: number;
  l2: number;
  dropout: number;
  seed: number;
  epochs: number;
  /** Cells per side of the decision map (default 48). */
  mapResolution?: number;
}

export interface SpikingRequest {
  neuronsPerUnit: number;
  windowsMs: number[];
  /** Membrane noise of the populations; absent: the neuron curve's, else the bridge's 2 mV (as the CLI). */
  noiseSigmaMV?: number;
  /** Cells per side of the spiking decision maps (default 12: each slice of cells is a network run of its own, seconds each). */
  mapResolution?: number;
  /** The test point whose spikes the rasters show. */
  rasterPoint?: number;
}

export interface AnnError {
  field: string;
  message: string;
}

/** The neuron's normalised curve as the page plots it. */
export interface CurveShown {
  name: string;
  fitName: string;
  rmseHz: number;
  unit: string;
  currentAtZero: number;
  currentPerUnit: number;
  rateAtFourHz: number;
  noiseSigmaMV: number;
  z: Float64Array;
  rate: Float64Array;
  /** The activation the units use (the fit, normalised) at each z. */
  fitted: Float64Array;
}

/** The data set the network learns, for the decision map's points. */
export interface DataShown {
  train: Samples;
  test: Samples;
  extent: number;
}

export interface TrainProgress {
  /** Epoch numbers of the reports since the last message, and their losses and accuracies. */
  epochs: Int32Array;
  trainLoss: Float64Array;
  testLoss: Float64Array;
  trainAccuracy: Float64Array;
  testAccuracy: Float64Array;
  /** The last report (dead units, gradient sizes). */
  last: EpochReport;
  /** The probability of class 1 on the map's grid (rows from y = -extent up). */
  map: Float32Array;
  mapResolution: number;
  /** Epochs per second of wall time spent training so far. */
  epochsPerSecond: number;
}

export interface SpikingShown {
  calibration: RateCalibration;
  neuronsPerUnit: number;
  quantumMV: number;
  windowsMs: number[];
  /** The test set's: accuracy, agreement with the ANN (per window), the ANN's accuracy, the rate correlation. */
  accuracy: Float64Array;
  agreement: Float64Array;
  annAccuracy: number;
  rateCorrelation: number;
}

export interface RasterShown {
  point: number;
  x: number;
  y: number;
  label: number;
  durationMs: number;
  /** Populations in order (hidden layers, then the two output populations), each units x neuronsPerUnit neurons. */
  populations: { name: string; units: number; offset: number; size: number }[];
  neuronsPerUnit: number;
  timeMs: Float64Array;
  neuron: Int32Array;
}

export type AnnUpdate =
  | { job: number; kind: 'curve'; curve: CurveShown }
  | { job: number; kind: 'data'; data: DataShown; map: Float32Array; mapResolution: number; report: EpochReport }
  | ({ job: number; kind: 'epochs' } & TrainProgress)
  | { job: number; kind: 'trained'; stopped: boolean; epochs: number }
  | { job: number; kind: 'spiking-progress'; phase: 'test' | 'map'; fraction: number }
  | { job: number; kind: 'spiking-test'; result: SpikingShown }
  | { job: number; kind: 'spiking-map'; start: number; count: number; mapResolution: number; decisions: Int8Array[] }
  | { job: number; kind: 'raster'; raster: RasterShown }
  | { job: number; kind: 'spiking-done' }
  | { job: number; kind: 'cancelled' }
  | { job: number; kind: 'failed'; error: { name: string; message: string } };

export type StartResult = { ok: true; job: number } | { ok: false; error: AnnError };

export interface AnnApi {
  /** Make a fresh network and train it for request.epochs; updates arrive through onUpdate. A bad field is returned and nothing starts. */
  train(request: AnnRequest, onUpdate: (update: AnnUpdate) => void): StartResult;
  /** A fresh, untrained network (epoch 0) with these options: its map and report. */
  reset(request: AnnRequest, onUpdate: (update: AnnUpdate) => void): StartResult;
  /** Convert the network as it stands and run it as spiking neurons. */
  spiking(request: SpikingRequest, onUpdate: (update: AnnUpdate) => void): StartResult;
  /** Stop what runs (training keeps the network as it is); true if something was running. */
  stop(): boolean;
}

/** Wall time one turn of work may take before the worker lets messages (stop) in. */
const TURN_BUDGET_MS = 25;
/** Least wall time between two progress messages of training. */
const MESSAGE_EVERY_MS = 60;
/** Grid cells run as one slice of the spiking map (one simulation each). */
const MAP_SLICE = 48;

/** A refused request, as data; anything but an InputError is a fault of ours and is thrown. */
function refused(err: unknown): { ok: false; error: AnnError } {
  if (!(err instanceof InputError)) throw err;
  return { ok: false, error: { field: err.field, message: err.message } };
}

/** Only the parameters that differ from the model file's defaults: unchanged, the curve is the CLI's `neuron:MODEL`. */
export function changedParameters(model: string | ModelFile, parameters: Record<string, number>): Record<string, number> {
  const loaded = typeof model === 'string' ? builtinModel(model) : loadModel(model, 'model');
  const defaults = resolveParameters(loaded, {}, 'parameters');
  const changed: Record<string, number> = {};
  for (const [name, value] of Object.entries(parameters)) {
    const k = loaded.parameterNames.indexOf(name);
    if (k < 0 || defaults[k] !== value) changed[name] = value;
  }
  return changed;
}

/** The grid of points the decision maps are drawn from: resolution^2 cells over [-extent, extent]^2, rows from y = -extent up. */
export function gridSamples(resolution: number, extent: number): Samples {
  const x = new Float64Array(2 * resolution * resolution);
  for (let r = 0; r < resolution; r++) {
    for (let c = 0; c < resolution; c++) {
      x[2 * (r * resolution + c)] = -extent + (2 * extent * c) / (resolution - 1);
      x[2 * (r * resolution + c) + 1] = -extent + (2 * extent * r) / (resolution - 1);
    }
  }
  return { x, labels: new Uint8Array(resolution * resolution), count: resolution * resolution };
}

function slice(samples: Samples, from: number, to: number): Samples {
  return { x: samples.x.subarray(2 * from, 2 * to), labels: samples.labels.subarray(from, to), count: to - from };
}

interface Job {
  job: number;
  /** One turn of work: false when the job has finished. */
  step(): boolean;
  onUpdate: (u: AnnUpdate) => void;
  timer: ReturnType<typeof setTimeout> | null;
  /** Said when it is stopped (training keeps its network and says so). */
  onStop(): void;
}

export function createAnnApi(now: () => number = () => performance.now()): AnnApi {
  let jobs = 0;
  let running: Job | null = null;
  let trainer: AnnTrainer | null = null;
  let choice: ActivationChoice | null = null;
  /** The curve made for the last "this neuron" request, reused while the request is the same. */
  let curveCache: { key: string; curve: NeuronCurve } | null = null;

  const send = (onUpdate: (u: AnnUpdate) => void, update: AnnUpdate, last = false) => {
    Promise.resolve(onUpdate(update)).catch(() => undefined);
    if (last) Promise.resolve((onUpdate as { [releaseProxy]?: () => void })[releaseProxy]?.()).catch(() => undefined);
  };

  const stop = (): boolean => {
    if (!running) return false;
    const r = running;
    running = null;
    if (r.timer !== null) clearTimeout(r.timer);
    r.onStop();
    return true;
  };

  const turn = () => {
    const r = running;
    if (!r) return;
    r.timer = null;
    try {
      const more = r.step();
      if (running !== r) return;
      if (more) r.timer = setTimeout(turn, 0);
      else running = null;
    } catch (err) {
      if (running === r) running = null;
      const e = err as { name?: string; message?: string };
      send(r.onUpdate, { job: r.job, kind: 'failed', error: { name: e?.name ?? 'Error', message: e?.message ?? String(err) } }, true);
    }
  };

  const begin = (job: Omit<Job, 'timer'>) => {
    stop();
    running = { ...job, timer: setTimeout(turn, 0) };
  };

  /** The activation: an id as it is, or the neuron's curve (simulated once per model, parameters and noise). */
  const activationOf = (request: AnnRequest, onCurve: (curve: NeuronCurve) => void): ActivationChoice => {
    const a = request.activation;
    if (typeof a === 'string') return a;
    if (typeof a !== 'object' || a === null || typeof a.neuron !== 'object' || a.neuron === null) throw new InputError('activation', 'must be an activation id or { neuron: { population, model, parameters, noiseSigmaMV } }');
    const { model, parameters, noiseSigmaMV } = a.neuron;
    const changed = changedParameters(model, parameters ?? {});
    const key = JSON.stringify([model, changed, noiseSigmaMV, request.seed]);
    if (curveCache?.key !== key) curveCache = { key, curve: neuronCurve(model, { parameters: changed, noiseSigmaMV, seed: request.seed }) };
    onCurve(curveCache.curve);
    return { neuron: curveCache.curve };
  };

  /** Check the request and make the trainer (nothing changes when it is refused). */
  const prepare = (request: AnnRequest, job: number, onUpdate: (u: AnnUpdate) => void) => {
    if (typeof request !== 'object' || request === null) throw new InputError('request', 'must be an object');
    const resolution = request.mapResolution ?? 48;
    if (!Number.isInteger(resolution) || resolution < 2 || resolution > 200) throw new InputError('mapResolution', `must be a whole number from 2 to 200, got ${String(resolution)}`);
    if (!Number.isInteger(request.epochs) || request.epochs < 1 || request.epochs > 100000) throw new InputError('epochs', `must be a whole number from 1 to 100000, got ${String(request.epochs)}`);
    let curve: NeuronCurve | null = null;
    const activation = activationOf(request, (c) => (curve = c));
    const made = new AnnTrainer({
      dataset: { ...request.dataset, seed: request.seed },
      hidden: request.hidden,
      activation,
      learningRate: request.learningRate,
      batchSize: request.batchSize,
      l2: request.l2,
      dropout: request.dropout,
      seed: request.seed,
    });
    trainer = made;
    choice = activation;
    if (curve) {
      const c = curve as NeuronCurve;
      send(onUpdate, { job, kind: 'curve', curve: { name: `${c.modelName}${c.noiseSigmaMV > 0 ? ` with ${c.noiseSigmaMV} mV noise` : ''}`, fitName: c.fit.id, rmseHz: c.fit.rmseHz, unit: c.unit, currentAtZero: c.currentAtZero, currentPerUnit: c.currentPerUnit, rateAtFourHz: c.rateAtFourHz, noiseSigmaMV: c.noiseSigmaMV, z: c.z, rate: c.rate, fitted: Float64Array.from(c.z, unitActivation({ neuron: c }).f) } });
    }
    const { train, test, extent } = made.dataset;
    send(onUpdate, { job, kind: 'data', data: { train, test, extent }, map: made.decisionMap(resolution), mapResolution: resolution, report: made.report() });
    return { made, resolution };
  };

  return {
    train(request, onUpdate) {
      const job = ++jobs;
      stop();
      let made: AnnTrainer;
      let resolution: number;
      try {
        ({ made, resolution } = prepare(request, job, onUpdate));
      } catch (err) {
        return refused(err);
      }
      const total = request.epochs;
      let trainingMs = 0;
      let lastSent = -Infinity;
      let pending: EpochReport[] = [];
      const flush = (last: EpochReport) => {
        const take = pending;
        pending = [];
        lastSent = now();
        send(onUpdate, {
          job,
          kind: 'epochs',
          epochs: Int32Array.from(take, (r) => r.epoch),
          trainLoss: Float64Array.from(take, (r) => r.trainLoss),
          testLoss: Float64Array.from(take, (r) => r.testLoss),
          trainAccuracy: Float64Array.from(take, (r) => r.trainAccuracy),
          testAccuracy: Float64Array.from(take, (r) => r.testAccuracy),
          last,
          map: made.decisionMap(resolution),
          mapResolution: resolution,
          epochsPerSecond: made.epochs / Math.max(trainingMs / 1000, 1e-9),
        });
      };
      begin({
        job,
        onUpdate,
        onStop: () => {
          if (pending.length > 0) flush(pending[pending.length - 1]);
          send(onUpdate, { job, kind: 'trained', stopped: true, epochs: made.epochs }, true);
        },
        step: () => {
          const start = now();
          while (made.epochs < total && now() - start < TURN_BUDGET_MS) pending.push(made.epoch());
          trainingMs += now() - start;
          const done = made.epochs >= total;
          if (pending.length > 0 && (done || now() - lastSent >= MESSAGE_EVERY_MS)) flush(pending[pending.length - 1]);
          if (done) send(onUpdate, { job, kind: 'trained', stopped: false, epochs: made.epochs }, true);
          return !done;
        },
      });
      return { ok: true, job };
    },

    reset(request, onUpdate) {
      const job = ++jobs;
      stop();
      try {
        prepare(request, job, onUpdate);
      } catch (err) {
        return refused(err);
      }
      send(onUpdate, { job, kind: 'trained', stopped: true, epochs: 0 }, true);
      return { ok: true, job };
    },

    spiking(request, onUpdate) {
      const job = ++jobs;
      stop();
      const t = trainer;
      const a = choice;
      let net: SpikingNetwork;
      let grid: Samples;
      let resolution: number;
      try {
        if (!t || !a) throw new InputError('network', 'there is no network yet: train one first');
        resolution = request.mapResolution ?? 12;
        if (!Number.isInteger(resolution) || resolution < 2 || resolution > 64) throw new InputError('mapResolution', `must be a whole number from 2 to 64, got ${String(resolution)}`);
        net = convertToSpiking(t.snapshot(), a, t.dataset.train, { neuronsPerUnit: request.neuronsPerUnit, windowsMs: request.windowsMs, noiseSigmaMV: request.noiseSigmaMV, seed: t.options.seed });
        grid = gridSamples(resolution, t.dataset.extent);
      } catch (err) {
        return refused(err);
      }
      const test = t.dataset.test;
      const rasterPoint = Math.min(Math.max(0, Math.floor(request.rasterPoint ?? 0)), test.count - 1);
      let phase: 'test' | 'map' | 'raster' = 'test';
      let steps: Generator<unknown, SpikingResult, void> = runSpikingSteps(net, test);
      let mapAt = 0;
      let mapCount = 0;
      begin({
        job,
        onUpdate,
        onStop: () => send(onUpdate, { job, kind: 'cancelled' }, true),
        step: () => {
          const start = now();
          while (now() - start < TURN_BUDGET_MS) {
            if (phase === 'raster') {
              send(onUpdate, { job, kind: 'raster', raster: rasterOf(net, test, rasterPoint) });
              send(onUpdate, { job, kind: 'spiking-done' }, true);
              return false;
            }
            const next = steps.next();
            if (!next.done) {
              const fraction = phase === 'test' ? (next.value as { fraction: number }).fraction : (mapAt + (next.value as { fraction: number }).fraction * mapCount) / grid.count;
              send(onUpdate, { job, kind: 'spiking-progress', phase, fraction });
              continue;
            }
            const result = next.value;
            if (phase === 'test') {
              send(onUpdate, { job, kind: 'spiking-test', result: { calibration: net.calibration, neuronsPerUnit: net.neuronsPerUnit, quantumMV: net.quantumMV, windowsMs: result.windowsMs, accuracy: result.accuracy, agreement: result.agreement, annAccuracy: result.annAccuracy, rateCorrelation: result.rateCorrelation } });
              phase = 'map';
            } else {
              send(onUpdate, { job, kind: 'spiking-map', start: mapAt, count: mapCount, mapResolution: resolution, decisions: result.decisions });
              mapAt += mapCount;
              send(onUpdate, { job, kind: 'spiking-progress', phase, fraction: mapAt / grid.count });
            }
            if (mapAt >= grid.count) {
              phase = 'raster';
              continue;
            }
            mapCount = Math.min(MAP_SLICE, grid.count - mapAt);
            steps = runSpikingSteps(net, slice(grid, mapAt, mapAt + mapCount));
          }
          return true;
        },
      });
      return { ok: true, job };
    },

    stop,
  };
}

/** One test point's run: every population's spikes (the network of that point alone). */
function rasterOf(net: SpikingNetwork, test: Samples, point: number): RasterShown {
  const scenario = spikingScenario(net, test.x.slice(2 * point, 2 * point + 2));
  const sim = new Simulation(validateScenario(scenario));
  sim.advance();
  const frame = sim.drain();
  const { sizes } = net.weights;
  let offset = 0;
  const populations = scenario.populations.map((p, k) => {
    const entry = { name: p.name, units: k < sizes.length - 2 ? sizes[k + 1] : 1, offset, size: p.size };
    offset += p.size;
    return entry;
  });
  return { point, x: test.x[2 * point], y: test.x[2 * point + 1], label: test.labels[point], durationMs: scenario.durationMs, populations, neuronsPerUnit: net.neuronsPerUnit, timeMs: frame.spikes.timeMs.slice(), neuron: frame.spikes.neuron.slice() };
}
