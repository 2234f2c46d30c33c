// Two-dimensional data sets for a small classifier, as TensorFlow Playground has them (circle,
// XOR, two Gaussians, two spirals), drawn from a seed: the same options give the same points in
// the page's worker and in the CLI. Points lie in the square [-1, 1]^2 (the decision map's
// extent) before noise; labels are 0 or 1, half of each. Noise is Gaussian, its SD a fraction of
// the square's half-width; a share of the points (testFraction) is held out for testing.
import { InputError, describeValue } from '../../core/errors.js';
import { Random } from '../../core/random.js';

export const DATASETS = ['circle', 'xor', 'gauss', 'spiral'] as const;
export type DatasetKind = (typeof DATASETS)[number];

export interface DatasetOptions {
  kind: DatasetKind;
  /** Points in all (train + test), 20 to 5000. */
  points?: number;
  /** SD of the Gaussian noise on each coordinate, 0 to 0.5 (of the half-width 1). */
  noise?: number;
  /** Share held out for testing, 0.1 to 0.9. */
  testFraction?: number;
  seed?: number;
}

/** Points as rows of (x, y) in one array, with their labels. */
export interface Samples {
  x: Float64Array;
  labels: Uint8Array;
  count: number;
}

export interface Dataset {
  kind: DatasetKind;
  train: Samples;
  test: Samples;
  /** The square the points (before noise) lie in: [-extent, extent]^2. */
  extent: number;
}

export const DATASET_LIMITS = { points: [20, 5000], noise: [0, 0.5], testFraction: [0.1, 0.9] } as const;
export const DATASET_DEFAULTS = { points: 400, noise: 0.05, testFraction: 0.5, seed: 1 } as const;

function checked(field: string, value: unknown, [min, max]: readonly [number, number], integer = false): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || (integer && !Number.isInteger(value))) throw new InputError(field, `must be a ${integer ? 'whole ' : ''}number from ${min} to ${max}, got ${describeValue(value)}`);
  if (value < min || value > max) throw new InputError(field, `${value} is outside the allowed range [${min}, ${max}]`);
  return value;
}

/** One point of class `label` (before noise). */
function draw(kind: DatasetKind, label: number, random: Random): [number, number] {
  const u = () => 2 * random.uniform() - 1;
  switch (kind) {
    case 'circle': {
      // Class 1 inside radius 0.5, class 0 in the ring from 0.7 to 1.
      const angle = 2 * Math.PI * random.uniform();
      const r = label === 1 ? 0.5 * Math.sqrt(random.uniform()) : 0.7 + 0.3 * random.uniform();
      return [r * Math.cos(angle), r * Math.sin(angle)];
    }
    case 'xor': {
      // Class 1 where x and y have the same sign; a margin of 0.05 keeps the quadrants apart.
      const pad = (v: number) => Math.sign(v) * (0.05 + 0.95 * Math.abs(v));
      let x = pad(u());
      let y = pad(u());
      if ((x * y > 0 ? 1 : 0) !== label) y = -y;
      return [x, y];
    }
    case 'gauss': {
      const centre = label === 1 ? 0.5 : -0.5;
      return [centre + 0.25 * random.normal(), centre + 0.25 * random.normal()];
    }
    case 'spiral': {
      // Two arms, one and a half turns each, the second the first turned by half a turn.
      const t = random.uniform();
      const angle = 3 * Math.PI * t + (label === 1 ? Math.PI : 0);
      const r = 0.05 + 0.9 * t;
      return [r * Math.cos(angle), r * Math.sin(angle)];
    }
  }
}

export function makeDataset(options: DatasetOptions): Dataset {
  if (typeof options !== 'object' || options === null) throw new InputError('dataset', `must be an object { kind, points, noise, testFraction, seed }, got ${describeValue(options)}`);
  if (!(DATASETS as readonly string[]).includes(options.kind)) throw new InputError('dataset.kind', `${describeValue(options.kind)} is not a data set; choose one of ${DATASETS.join(', ')}`);
  const points = checked('dataset.points', options.points ?? DATASET_DEFAULTS.points, DATASET_LIMITS.points, true);
  const noise = checked('dataset.noise', options.noise ?? DATASET_DEFAULTS.noise, DATASET_LIMITS.noise);
  const testFraction = checked('dataset.testFraction', options.testFraction ?? DATASET_DEFAULTS.testFraction, DATASET_LIMITS.testFraction);
  const seed = checked('dataset.seed', options.seed ?? DATASET_DEFAULTS.seed, [0, 2 ** 32 - 1], true);
  const random = new Random(seed);
  const x = new Float64Array(2 * points);
  const labels = new Uint8Array(points);
  for (let k = 0; k < points; k++) {
    const label = k % 2;
    const [px, py] = draw(options.kind, label, random);
    x[2 * k] = px + noise * random.normal();
    x[2 * k + 1] = py + noise * random.normal();
    labels[k] = label;
  }
  // Shuffle (Fisher-Yates), then the first share is the test set.
  for (let k = points - 1; k > 0; k--) {
    const j = Math.floor(random.uniform() * (k + 1));
    [labels[k], labels[j]] = [labels[j], labels[k]];
    [x[2 * k], x[2 * j]] = [x[2 * j], x[2 * k]];
    [x[2 * k + 1], x[2 * j + 1]] = [x[2 * j + 1], x[2 * k + 1]];
  }
  const testCount = Math.max(1, Math.round(points * testFraction));
  const part = (from: number, to: number): Samples => ({ x: x.slice(2 * from, 2 * to), labels: labels.slice(from, to), count: to - from });
  return { kind: options.kind, test: part(0, testCount), train: part(testCount, points), extent: 1 };
}
