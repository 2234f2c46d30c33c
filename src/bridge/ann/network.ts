// A small fully connected classifier trained by backpropagation, in plain TypeScript over typed
// arrays, seeded (the page's worker and the CLI give the same numbers for the same options), as
// TensorFlow Playground teaches it: two inputs (the point), one to three hidden layers of one to
// eight units with one activation (activation.ts, the neuron's own f-I curve included), one
// logistic output (the probability of class 1), binary cross-entropy, L2 on the weights, inverted
// dropout on the hidden units, and Adam (Kingma & Ba 2015) as the optimiser (plain SGD stalls for
// some activations within the epochs a page can show).
//
// Training steps by epochs (AnnTrainer.epoch), so a worker can report each and stop between them.
// Each epoch reports train and test loss and accuracy, the dead units (units whose activation sits
// at its floor, rate 0, on every training input: a dead ReLU never learns again) and each weight
// layer's gradient size (root mean square over the epoch: vanishing gradients show as the first
// layers' falling far below the last's).
import { InputError, describeValue } from '../../core/errors.js';
import { Random } from '../../core/random.js';
import { makeDataset, type Dataset, type DatasetOptions, type Samples } from './datasets.js';
import { unitActivation, type ActivationChoice, type UnitActivation } from './annActivation.js';

export interface AnnOptions {
  dataset: DatasetOptions;
  /** Units per hidden layer: one to three layers of one to eight. */
  hidden: number[];
  activation: ActivationChoice;
  learningRate?: number;
  batchSize?: number;
  /** L2 penalty: lambda / 2 times the sum of squared weights (not biases). */
  l2?: number;
  /** Probability of dropping a hidden unit in training, 0 to 0.9. */
  dropout?: number;
  seed?: number;
}

export const ANN_LIMITS = { layers: [1, 3], units: [1, 8], learningRate: [1e-5, 10], batchSize: [1, 1000], l2: [0, 1], dropout: [0, 0.9] } as const;
export const ANN_DEFAULTS = { learningRate: 0.03, batchSize: 10, l2: 0, dropout: 0, seed: 1 } as const;

/** Weights as plain data: layer l maps sizes[l] inputs to sizes[l + 1] outputs, row-major [out][in]. */
export interface AnnWeights {
  sizes: number[];
  weights: Float64Array[];
  biases: Float64Array[];
}

export interface EpochReport {
  epoch: number;
  trainLoss: number;
  testLoss: number;
  trainAccuracy: number;
  testAccuracy: number;
  /** Per hidden layer, 1 where the unit is dead (at its floor on every training input). */
  deadUnits: Uint8Array[];
  /** Per weight layer (input side first), the RMS of the loss gradient over the epoch's batches. */
  gradientRms: Float64Array;
}

function checked(field: string, value: unknown, [min, max]: readonly [number, number], integer = false): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || (integer && !Number.isInteger(value))) throw new InputError(field, `must be a ${integer ? 'whole ' : ''}number from ${min} to ${max}, got ${describeValue(value)}`);
  if (value < min || value > max) throw new InputError(field, `${value} is outside the allowed range [${min}, ${max}]`);
  return value;
}

function logistic(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/** -log p(label) for the logit z, without overflow: softplus(z) - label z. */
function crossEntropy(z: number, label: number): number {
  const sp = z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
  return sp - label * z;
}

/** Room for one pass: pre-activations and activations per layer. */
interface Pass {
  pre: Float64Array[];
  act: Float64Array[];
  /** Dropout scale per hidden unit (0 or 1 / keep), or null. */
  masks: (Float64Array | null)[];
}

function newPass(sizes: number[]): Pass {
  return { pre: sizes.map((n) => new Float64Array(n)), act: sizes.map((n) => new Float64Array(n)), masks: sizes.map(() => null) };
}

/** Forward pass of one point; returns the output logit. The last layer is linear (the logit). */
function forward(w: AnnWeights, unit: UnitActivation, x0: number, x1: number, pass: Pass): number {
  const { sizes, weights, biases } = w;
  pass.act[0][0] = x0;
  pass.act[0][1] = x1;
  const last = sizes.length - 1;
  for (let l = 0; l < last; l++) {
    const input = pass.act[l];
    const nIn = sizes[l];
    const W = weights[l];
    const b = biases[l];
    const pre = pass.pre[l + 1];
    const act = pass.act[l + 1];
    const mask = pass.masks[l + 1];
    for (let j = 0; j < sizes[l + 1]; j++) {
      let s = b[j];
      for (let i = 0; i < nIn; i++) s += W[j * nIn + i] * input[i];
      pre[j] = s;
      act[j] = l + 1 === last ? s : unit.f(s) * (mask ? mask[j] : 1);
    }
  }
  return pass.pre[last][0];
}

/**
 * Loss (mean cross-entropy + L2) of `samples` (all, or the listed indices) and its gradient,
 * added into `grads` (same shapes as the weights: weights then biases per layer). Without masks
 * it is deterministic: the gradient check compares it with finite differences.
 */
export function lossAndGradient(w: AnnWeights, unit: UnitActivation, samples: Samples, l2: number, grads: { weights: Float64Array[]; biases: Float64Array[] } | null, indices?: ArrayLike<number>, drop?: { rate: number; random: Random }): number {
  const { sizes, weights } = w;
  const last = sizes.length - 1;
  const pass = newPass(sizes);
  const delta = sizes.map((n) => new Float64Array(n));
  const count = indices ? indices.length : samples.count;
  let loss = 0;
  for (let k = 0; k < count; k++) {
    const s = indices ? indices[k] : k;
    if (drop && drop.rate > 0) {
      for (let l = 1; l < last; l++) {
        const mask = pass.masks[l] ?? (pass.masks[l] = new Float64Array(sizes[l]));
        for (let j = 0; j < sizes[l]; j++) mask[j] = drop.random.uniform() < drop.rate ? 0 : 1 / (1 - drop.rate);
      }
    }
    const z = forward(w, unit, samples.x[2 * s], samples.x[2 * s + 1], pass);
    const label = samples.labels[s];
    loss += crossEntropy(z, label);
    if (!grads) continue;
    delta[last][0] = (logistic(z) - label) / count;
    for (let l = last - 1; l >= 0; l--) {
      const nIn = sizes[l];
      const W = weights[l];
      const gW = grads.weights[l];
      const gb = grads.biases[l];
      const input = pass.act[l];
      for (let j = 0; j < sizes[l + 1]; j++) {
        const d = delta[l + 1][j];
        gb[j] += d;
        for (let i = 0; i < nIn; i++) gW[j * nIn + i] += d * input[i];
      }
      if (l === 0) break;
      const mask = pass.masks[l];
      for (let i = 0; i < nIn; i++) {
        let back = 0;
        for (let j = 0; j < sizes[l + 1]; j++) back += W[j * nIn + i] * delta[l + 1][j];
        delta[l][i] = back * unit.df(pass.pre[l][i]) * (mask ? mask[i] : 1);
      }
    }
  }
  loss /= count;
  if (l2 > 0) {
    for (let l = 0; l < weights.length; l++) {
      const W = weights[l];
      for (let q = 0; q < W.length; q++) {
        loss += 0.5 * l2 * W[q] * W[q];
        if (grads) grads.weights[l][q] += l2 * W[q];
      }
    }
  }
  return loss;
}

/** The probability of class 1 at each point. */
export function predict(w: AnnWeights, unit: UnitActivation, samples: Samples): Float64Array {
  const pass = newPass(w.sizes);
  return Float64Array.from({ length: samples.count }, (_, k) => logistic(forward(w, unit, samples.x[2 * k], samples.x[2 * k + 1], pass)));
}

/** Every hidden unit's pre-activation at each point: [layer][point * units + unit]. */
export function hiddenPreActivations(w: AnnWeights, unit: UnitActivation, samples: Samples): Float64Array[] {
  const pass = newPass(w.sizes);
  const out = w.sizes.slice(1, -1).map((n) => new Float64Array(n * samples.count));
  for (let k = 0; k < samples.count; k++) {
    forward(w, unit, samples.x[2 * k], samples.x[2 * k + 1], pass);
    out.forEach((layer, l) => layer.set(pass.pre[l + 1], k * w.sizes[l + 1]));
  }
  return out;
}

function accuracy(p: Float64Array, labels: Uint8Array): number {
  let right = 0;
  for (let k = 0; k < p.length; k++) if ((p[k] > 0.5 ? 1 : 0) === labels[k]) right++;
  return right / p.length;
}

export class AnnTrainer {
  readonly options: Required<Omit<AnnOptions, 'dataset'>> & { dataset: DatasetOptions };
  readonly dataset: Dataset;
  readonly unit: UnitActivation;
  readonly weights: AnnWeights;
  epochs = 0;
  private readonly random: Random;
  private readonly adam: { m: Float64Array[]; v: Float64Array[]; t: number };

  constructor(options: AnnOptions) {
    if (typeof options !== 'object' || options === null) throw new InputError('options', `must be an object, got ${describeValue(options)}`);
    const hidden = options.hidden;
    if (!Array.isArray(hidden) || hidden.length < ANN_LIMITS.layers[0] || hidden.length > ANN_LIMITS.layers[1]) {
      throw new InputError('hidden', `must list ${ANN_LIMITS.layers[0]} to ${ANN_LIMITS.layers[1]} hidden layers, got ${describeValue(hidden)}`);
    }
    hidden.forEach((n, l) => checked(`hidden[${l}]`, n, ANN_LIMITS.units, true));
    this.unit = unitActivation(options.activation);
    this.options = {
      dataset: options.dataset,
      hidden: [...hidden],
      activation: options.activation,
      learningRate: checked('learningRate', options.learningRate ?? ANN_DEFAULTS.learningRate, ANN_LIMITS.learningRate),
      batchSize: checked('batchSize', options.batchSize ?? ANN_DEFAULTS.batchSize, ANN_LIMITS.batchSize, true),
      l2: checked('l2', options.l2 ?? ANN_DEFAULTS.l2, ANN_LIMITS.l2),
      dropout: checked('dropout', options.dropout ?? ANN_DEFAULTS.dropout, ANN_LIMITS.dropout),
      seed: checked('seed', options.seed ?? ANN_DEFAULTS.seed, [0, 2 ** 32 - 1], true),
    };
    this.dataset = makeDataset({ seed: this.options.seed, ...options.dataset });
    this.random = new Random(this.options.seed ^ 0x6a09e667);
    const sizes = [2, ...hidden, 1];
    // He initialisation for the functions with a kink at 0 and a floor, Glorot for the others.
    const heLike = typeof options.activation === 'string' && ['relu', 'leakyRelu', 'elu'].includes(options.activation);
    this.weights = {
      sizes,
      weights: sizes.slice(0, -1).map((nIn, l) => {
        const sd = heLike ? Math.sqrt(2 / nIn) : Math.sqrt(2 / (nIn + sizes[l + 1]));
        return Float64Array.from({ length: nIn * sizes[l + 1] }, () => sd * this.random.normal());
      }),
      // A small positive bias keeps units of a function with a floor off it at the start.
      biases: sizes.slice(1).map((n) => new Float64Array(n).fill(heLike ? 0.1 : 0)),
    };
    this.adam = { m: this.parameters().map((p) => new Float64Array(p.length)), v: this.parameters().map((p) => new Float64Array(p.length)), t: 0 };
  }

  private parameters(): Float64Array[] {
    return [...this.weights.weights, ...this.weights.biases];
  }

  /** One pass over the training set in shuffled batches, then the epoch's report. */
  epoch(): EpochReport {
    const { train } = this.dataset;
    const { batchSize, learningRate, l2, dropout } = this.options;
    const order = Int32Array.from({ length: train.count }, (_, k) => k);
    for (let k = order.length - 1; k > 0; k--) {
      const j = Math.floor(this.random.uniform() * (k + 1));
      [order[k], order[j]] = [order[j], order[k]];
    }
    const squares = new Float64Array(this.weights.weights.length);
    let batches = 0;
    const [beta1, beta2, eps] = [0.9, 0.999, 1e-8];
    for (let start = 0; start < order.length; start += batchSize) {
      const indices = order.subarray(start, Math.min(order.length, start + batchSize));
      const grads = { weights: this.weights.weights.map((w) => new Float64Array(w.length)), biases: this.weights.biases.map((b) => new Float64Array(b.length)) };
      lossAndGradient(this.weights, this.unit, train, l2, grads, indices, { rate: dropout, random: this.random });
      grads.weights.forEach((g, l) => (squares[l] += g.reduce((s, x) => s + x * x, 0) / g.length));
      batches++;
      const all = [...grads.weights, ...grads.biases];
      const params = this.parameters();
      const t = ++this.adam.t;
      const c1 = 1 - beta1 ** t;
      const c2 = 1 - beta2 ** t;
      for (let p = 0; p < params.length; p++) {
        const [theta, g, m, v] = [params[p], all[p], this.adam.m[p], this.adam.v[p]];
        for (let q = 0; q < theta.length; q++) {
          m[q] = beta1 * m[q] + (1 - beta1) * g[q];
          v[q] = beta2 * v[q] + (1 - beta2) * g[q] * g[q];
          theta[q] -= (learningRate * (m[q] / c1)) / (Math.sqrt(v[q] / c2) + eps);
        }
      }
    }
    this.epochs++;
    return this.report(Float64Array.from(squares, (s) => Math.sqrt(s / Math.max(batches, 1))));
  }

  /** Losses, accuracies and dead units now (no dropout); gradient sizes as given. */
  report(gradientRms = new Float64Array(this.weights.weights.length)): EpochReport {
    const { train, test } = this.dataset;
    const pTrain = predict(this.weights, this.unit, train);
    const pTest = predict(this.weights, this.unit, test);
    const pre = hiddenPreActivations(this.weights, this.unit, train);
    const deadUnits = pre.map((layer, l) => {
      const n = this.weights.sizes[l + 1];
      const dead = new Uint8Array(n).fill(this.unit.floor === 0 ? 1 : 0);
      if (this.unit.floor !== 0) return dead; // only a function with a floor at 0 can sit dead on it
      for (let q = 0; q < layer.length; q++) if (this.unit.f(layer[q]) > 0) dead[q % n] = 0;
      return dead;
    });
    return {
      epoch: this.epochs,
      trainLoss: lossAndGradient(this.weights, this.unit, train, this.options.l2, null),
      testLoss: lossAndGradient(this.weights, this.unit, test, this.options.l2, null),
      trainAccuracy: accuracy(pTrain, train.labels),
      testAccuracy: accuracy(pTest, test.labels),
      deadUnits,
      gradientRms,
    };
  }

  /** The probability of class 1 on a resolution x resolution grid over [-extent, extent]^2, rows from y = -extent up. */
  decisionMap(resolution = 50): Float32Array {
    checked('resolution', resolution, [2, 1000], true);
    const e = this.dataset.extent;
    const x = new Float64Array(2 * resolution * resolution);
    for (let r = 0; r < resolution; r++) {
      for (let c = 0; c < resolution; c++) {
        x[2 * (r * resolution + c)] = -e + (2 * e * c) / (resolution - 1);
        x[2 * (r * resolution + c) + 1] = -e + (2 * e * r) / (resolution - 1);
      }
    }
    return Float32Array.from(predict(this.weights, this.unit, { x, labels: new Uint8Array(resolution * resolution), count: resolution * resolution }));
  }

  /** A copy of the weights (plain data, for a worker to send or the conversion to read). */
  snapshot(): AnnWeights {
    return { sizes: [...this.weights.sizes], weights: this.weights.weights.map((w) => w.slice()), biases: this.weights.biases.map((b) => b.slice()) };
  }
}

/** Train for `epochs` and return the last report with the trainer (what the CLI and tests do). */
export function trainAnn(options: AnnOptions, epochs: number): { trainer: AnnTrainer; report: EpochReport } {
  checked('epochs', epochs, [1, 100000], true);
  const trainer = new AnnTrainer(options);
  let report = trainer.report();
  for (let k = 0; k < epochs; k++) report = trainer.epoch();
  return { trainer, report };
}
