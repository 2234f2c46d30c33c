// The ANN playground's arithmetic, without a DOM: the form's fields read into a worker request
// (each checked, a bad one named with its value and what is allowed, nothing sent), the colours
// of the decision maps (probability or spike-count decision per cell, as RGBA rows top first),
// and the text alternatives a screen reader reads (the map as a coarse grid of classes, the share
// of the square each class holds, the losses, the spiking accuracy per window), and what the
// lessons observe.
import { ACTIVATIONS, ACTIVATION_IDS, type ActivationId } from '../bridge/activations.js';
import { DATASETS, DATASET_LIMITS, type DatasetKind } from '../bridge/ann/datasets.js';
import { ANN_LIMITS } from '../bridge/ann/network.js';
import { SPIKING_LIMITS } from '../bridge/ann/spiking.js';
import type { AnnRequest, SpikingRequest } from '../../workers/annApi.js';
import type { FiPanelModel } from './fiPanelModels.js';
import type { AnnObservation } from '../lessons/lesson.js';

/** The activation select's choices: the ANN functions, then the page's neuron. */
export const ACTIVATION_CHOICES: { value: string; label: string }[] = [
  ...ACTIVATION_IDS.map((id) => ({ value: id, label: ACTIVATIONS[id].name })),
  { value: 'neuron', label: 'this neuron (its f-I curve)' },
];

export const DATASET_LABELS: Record<DatasetKind, string> = { circle: 'circle', xor: 'XOR', gauss: 'two Gaussians', spiral: 'spiral' };

/** The form as text, field by field (what the inputs hold). */
export interface AnnForm {
  dataset: string;
  points: string;
  dataNoise: string;
  testPercent: string;
  seed: string;
  layers: string;
  units: string[];
  activation: string;
  neuronNoiseMV: string;
  learningRate: string;
  batchSize: string;
  l2: string;
  dropout: string;
  epochs: string;
}

export type Read<T> = { ok: true; value: T } | { ok: false; field: string; message: string };

class FieldError extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
  }
}

function numberField(field: string, text: string, [min, max]: readonly [number, number], integer = false): number {
  const trimmed = text.trim();
  const value = trimmed === '' ? NaN : Number(trimmed);
  if (!Number.isFinite(value) || (integer && !Number.isInteger(value))) throw new FieldError(field, `${JSON.stringify(text.slice(0, 20))} is not ${integer ? 'a whole number' : 'a number'}; allowed ${min} to ${max}`);
  if (value < min || value > max) throw new FieldError(field, `${value} is outside ${min} to ${max}`);
  return value;
}

/** The form read into the worker's request; `model` is the page's population for "this neuron". */
export function readAnnForm(form: AnnForm, model: FiPanelModel | null): Read<AnnRequest> {
  try {
    if (!(DATASETS as readonly string[]).includes(form.dataset)) throw new FieldError('dataset', `${JSON.stringify(form.dataset)} is not a data set (${DATASETS.join(', ')})`);
    const layers = numberField('layers', form.layers, ANN_LIMITS.layers, true);
    const hidden = form.units.slice(0, layers).map((u, k) => numberField(`units ${k + 1}`, u, ANN_LIMITS.units, true));
    if (hidden.length !== layers) throw new FieldError('layers', `${layers} layers need ${layers} unit counts`);
    let activation: AnnRequest['activation'];
    if (form.activation === 'neuron') {
      if (!model) throw new FieldError('activation', 'this page shows no neuron model to take the f-I curve of');
      const noiseSigmaMV = numberField('neuron noise', form.neuronNoiseMV, [0, 20]);
      activation = { neuron: { population: model.population, model: model.model, parameters: model.parameters, noiseSigmaMV } };
    } else if ((ACTIVATION_IDS as readonly string[]).includes(form.activation)) activation = form.activation as ActivationId;
    else throw new FieldError('activation', `${JSON.stringify(form.activation)} is not an activation`);
    return {
      ok: true,
      value: {
        dataset: {
          kind: form.dataset as DatasetKind,
          points: numberField('points', form.points, DATASET_LIMITS.points, true),
          noise: numberField('data noise', form.dataNoise, DATASET_LIMITS.noise),
          testFraction: numberField('test %', form.testPercent, [100 * DATASET_LIMITS.testFraction[0], 100 * DATASET_LIMITS.testFraction[1]]) / 100,
        },
        hidden,
        activation,
        learningRate: numberField('learning rate', form.learningRate, ANN_LIMITS.learningRate),
        batchSize: numberField('batch size', form.batchSize, ANN_LIMITS.batchSize, true),
        l2: numberField('L2', form.l2, ANN_LIMITS.l2),
        dropout: numberField('dropout', form.dropout, ANN_LIMITS.dropout),
        seed: numberField('seed', form.seed, [0, 2 ** 32 - 1], true),
        epochs: numberField('epochs', form.epochs, [1, 100000], true),
      },
    };
  } catch (err) {
    if (err instanceof FieldError) return { ok: false, field: err.field, message: err.message };
    throw err;
  }
}

/** Cells per side of the spiking decision maps (each cell is a copy of the network run for the longest window). */
export const SPIKE_MAP_RESOLUTION = 12;

/** The spiking controls read into the worker's request. */
export function readSpikingForm(form: { neuronsPerUnit: string; windows: string; rasterPoint: string }, testCount: number): Read<SpikingRequest> {
  try {
    const neuronsPerUnit = numberField('neurons per unit', form.neuronsPerUnit, SPIKING_LIMITS.neuronsPerUnit, true);
    const parts = form.windows.split(',').filter((p) => p.trim() !== '');
    if (parts.length === 0 || parts.length > 8) throw new FieldError('windows', `list 1 to 8 windows in ms, comma-separated, got ${JSON.stringify(form.windows.slice(0, 40))}`);
    const windowsMs = parts.map((p) => numberField('windows', p, SPIKING_LIMITS.windowMs)).sort((a, b) => a - b);
    const rasterPoint = numberField('raster point', form.rasterPoint, [1, Math.max(1, testCount)], true) - 1;
    return { ok: true, value: { neuronsPerUnit, windowsMs, rasterPoint, mapResolution: SPIKE_MAP_RESOLUTION } };
  } catch (err) {
    if (err instanceof FieldError) return { ok: false, field: err.field, message: err.message };
    throw err;
  }
}

/** Okabe-Ito: class 1 blue, class 0 orange (apart for the common colour-vision deficiencies). */
export const CLASS_COLOURS = { one: [0x00, 0x72, 0xb2], zero: [0xe6, 0x9f, 0x00], tie: [0xb0, 0xb0, 0xb0], pending: [0xf2, 0xf2, 0xf2] } as const;

/** A probability of class 1 as a colour: orange at 0, white at 0.5, blue at 1 (pale, so points on it stay visible). */
export function probabilityColour(p: number): [number, number, number] {
  const q = Math.min(1, Math.max(0, Number.isFinite(p) ? p : 0.5));
  const [towards, amount] = q >= 0.5 ? [CLASS_COLOURS.one, (q - 0.5) * 2] : [CLASS_COLOURS.zero, (0.5 - q) * 2];
  const strength = 0.65 * amount;
  return [0, 1, 2].map((c) => Math.round(255 + (towards[c] - 255) * strength)) as [number, number, number];
}

/** The map's cells as RGBA, top row (y = +extent) first, from rows stored y = -extent first. */
export function mapPixels(values: ArrayLike<number>, resolution: number, colour: (v: number) => readonly number[]): Uint8ClampedArray {
  const out = new Uint8ClampedArray(4 * resolution * resolution);
  for (let r = 0; r < resolution; r++) {
    for (let c = 0; c < resolution; c++) {
      const rgb = colour(values[r * resolution + c]);
      const at = 4 * ((resolution - 1 - r) * resolution + c);
      out[at] = rgb[0];
      out[at + 1] = rgb[1];
      out[at + 2] = rgb[2];
      out[at + 3] = 255;
    }
  }
  return out;
}

/** A spiking decision's colour: 1 blue, 0 orange, -1 (a tie) grey, 2 (not run yet) pale. */
export function decisionColour(d: number): readonly number[] {
  return d === 1 ? CLASS_COLOURS.one : d === 0 ? CLASS_COLOURS.zero : d === -1 ? CLASS_COLOURS.tie : CLASS_COLOURS.pending;
}

/** Not yet run, in a spiking map's decisions. */
export const PENDING = 2;

/**
 * The map as a coarse grid of classes for a screen reader: `cells` x `cells` blocks, each "1",
 * "0" (the class most of its cells say), "?" (ties or not yet run), top row first.
 */
export function mapAsText(values: ArrayLike<number>, resolution: number, cells: number, classOf: (v: number) => 0 | 1 | null): string[] {
  const rows: string[] = [];
  for (let br = cells - 1; br >= 0; br--) {
    const row: string[] = [];
    for (let bc = 0; bc < cells; bc++) {
      let one = 0;
      let zero = 0;
      for (let r = Math.floor((br * resolution) / cells); r < Math.floor(((br + 1) * resolution) / cells); r++) {
        for (let c = Math.floor((bc * resolution) / cells); c < Math.floor(((bc + 1) * resolution) / cells); c++) {
          const k = classOf(values[r * resolution + c]);
          if (k === 1) one++;
          else if (k === 0) zero++;
        }
      }
      row.push(one > zero ? '1' : zero > one ? '0' : '?');
    }
    rows.push(row.join(' '));
  }
  return rows;
}

export const probabilityClass = (p: number): 0 | 1 | null => (p > 0.5 ? 1 : p < 0.5 ? 0 : null);
export const decisionClass = (d: number): 0 | 1 | null => (d === 1 ? 1 : d === 0 ? 0 : null);

/** Shares of the cells each class holds (ties and cells not run yet apart). */
export function classShares(values: ArrayLike<number>, classOf: (v: number) => 0 | 1 | null): { one: number; zero: number; other: number } {
  let one = 0;
  let zero = 0;
  for (let k = 0; k < values.length; k++) {
    const c = classOf(values[k]);
    if (c === 1) one++;
    else if (c === 0) zero++;
  }
  const n = Math.max(values.length, 1);
  return { one: one / n, zero: zero / n, other: (values.length - one - zero) / n };
}

export const percent = (x: number, digits = 1) => `${(100 * x).toFixed(digits)} %`;

/** A gradient size as a bar's share of its track: log scale from 1e-8 (empty) to 1 (full). */
export function gradientBar(rms: number): number {
  if (!(rms > 0)) return 0;
  return Math.min(1, Math.max(0, (Math.log10(rms) + 8) / 8));
}

/** The sentence under the gradient sizes: vanishing when the first layer's is far below the last's. */
export function gradientSentence(rms: ArrayLike<number>): string {
  if (rms.length < 2 || !(rms[rms.length - 1] > 0)) return '';
  const ratio = rms[0] / rms[rms.length - 1];
  if (ratio < 0.01) return `Vanishing gradients: the first layer's weights get ${ratio.toExponential(1)} of the last layer's gradient, so they barely learn.`;
  if (ratio < 0.1) return `The first layer's gradient is ${ratio.toFixed(3)} of the last's: gradients shrink on the way back.`;
  return '';
}

/** What the lessons observe of the playground (lesson.ts BenchObservation.ann). */
export type AnnShown = AnnObservation;

/** The observation of a trained network, from its request and last report. */
export function annShown(request: AnnRequest, report: { epoch: number; trainAccuracy: number; testAccuracy: number; deadUnits: ArrayLike<number>[] }): AnnShown {
  const neuron = typeof request.activation === 'string' ? null : request.activation.neuron;
  let dead = 0;
  for (const layer of report.deadUnits) for (let k = 0; k < layer.length; k++) dead += layer[k];
  return {
    population: neuron ? neuron.population : null,
    activation: neuron ? 'neuron' : (request.activation as string),
    noiseSigmaMV: neuron ? neuron.noiseSigmaMV : 0,
    dataset: request.dataset.kind,
    epochs: report.epoch,
    trainAccuracy: report.trainAccuracy,
    testAccuracy: report.testAccuracy,
    deadUnits: dead,
    dropout: request.dropout,
    spiking: null,
  };
}

/** The CLI line that gives the same numbers (shown under the controls, so a student can check). */
export function cliLine(request: AnnRequest, spiking?: SpikingRequest): string {
  const a = request.activation;
  const activation = typeof a === 'string' ? a : `neuron:${typeof a.neuron.model === 'string' ? a.neuron.model : 'MODEL.json'}${a.neuron.noiseSigmaMV > 0 ? ` --noise-sigma ${a.neuron.noiseSigmaMV}` : ''}`;
  const d = request.dataset;
  const parts = [`npm run sim -- ann --dataset ${d.kind} --hidden ${request.hidden.join(',')} --activation ${activation} --epochs ${request.epochs} --seed ${request.seed}`];
  parts.push(`--points ${d.points} --data-noise ${d.noise} --test-fraction ${d.testFraction} --learning-rate ${request.learningRate} --batch-size ${request.batchSize} --l2 ${request.l2} --dropout ${request.dropout}`);
  if (spiking) parts.push(`--spiking --window ${spiking.windowsMs.join(',')} --neurons ${spiking.neuronsPerUnit}`);
  return parts.join(' ');
}
