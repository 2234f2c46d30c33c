// `npm run sim -- ann`: train the bridge's small classifier (src/bridge/ann) on a 2-D data set
// with any activation, the f-I curve of a model ("neuron:lif") included, and print its train and
// test loss and accuracy; with --spiking, convert it to LIF populations and print the spiking
// network's accuracy per count window. The same options and seed give the page's numbers. Flags
// are checked here and named as typed, with the value and what is allowed; the bridge's own
// checks name its fields, said here as the flags they came from.
import { InputError } from '../core/errors.js';
import { LONG_RUN_SECONDS, formatDuration } from '../core/cost.js';
import { BUILTIN_MODEL_IDS } from '../core/model/builtinModels.js';
import { ACTIVATIONS, ACTIVATION_IDS, type ActivationId } from '../bridge/activations.js';
import { neuronCurve, type ActivationChoice } from '../bridge/ann/annActivation.js';
import { DATASETS, DATASET_DEFAULTS, DATASET_LIMITS, type DatasetKind } from '../bridge/ann/datasets.js';
import { ANN_DEFAULTS, ANN_LIMITS, trainAnn } from '../bridge/ann/network.js';
import { SPIKING_LIMITS, convertToSpiking, runSpiking } from '../bridge/ann/spiking.js';
import { choiceFlag, fieldToFlag, numberFlag, parseArgs, parseNumberText, wordsToFlags } from './flags.js';
import { modelFileArgument } from './readInput.js';

export const ANN_USAGE = `  npm run sim -- ann --dataset circle|xor|gauss|spiral --hidden 8,8 --activation NAME|neuron:MODEL [--noise-sigma MV]
                    --epochs N --seed S [--points N --data-noise SD --test-fraction F --learning-rate R --batch-size N
                    --l2 L --dropout P] [--spiking --window 50,100,200,500 --neurons N] [--format text|json] [--long]
  NAME is one of ${ACTIVATION_IDS.join(', ')}; neuron:MODEL uses a model's f-I curve (a model id or a model file's path)`;

const FLAGS = ['dataset', 'hidden', 'activation', 'noise-sigma', 'epochs', 'seed', 'points', 'data-noise', 'test-fraction', 'learning-rate', 'batch-size', 'l2', 'dropout', 'window', 'neurons', 'format'];

/** The bridge's fields as the flags they came from. */
const FIELDS: Record<string, string> = {
  'dataset.kind': '--dataset',
  'dataset.points': '--points',
  'dataset.noise': '--data-noise',
  'dataset.testFraction': '--test-fraction',
  'dataset.seed': '--seed',
  hidden: '--hidden',
  activation: '--activation',
  learningRate: '--learning-rate',
  batchSize: '--batch-size',
  l2: '--l2',
  dropout: '--dropout',
  seed: '--seed',
  epochs: '--epochs',
  'noise.sigmaMV': '--noise-sigma',
  noiseSigmaMV: '--noise-sigma',
  neuronsPerUnit: '--neurons',
  windowsMs: '--window',
  model: '--activation',
  parameters: '--activation',
};
/** The field names a message's words are spoken as flags from: not "model" and "parameters", which messages also use as words ("spikebridge-model/1"). */
const WORDS = Object.fromEntries(Object.entries(FIELDS).filter(([field]) => field !== 'model' && field !== 'parameters'));

/** A comma-separated list of numbers, each checked as typed. */
function listFlag(flags: Map<string, string[]>, name: string, fallback: number[], [min, max]: readonly [number, number], integer: boolean, most: number): number[] {
  const text = flags.get(name)?.[0];
  if (text === undefined) return fallback;
  const parts = text.split(',');
  if (parts.length > most) throw new InputError(`--${name}`, `${JSON.stringify(text.slice(0, 60))} lists ${parts.length} values; at most ${most} are allowed`);
  return parts.map((part) => {
    const value = parseNumberText(part, `--${name}`);
    if ((integer && !Number.isInteger(value)) || value < min || value > max) {
      throw new InputError(`--${name}`, `${JSON.stringify(part.trim())}${parts.length > 1 ? ` in ${JSON.stringify(text.slice(0, 60))}` : ''} is not ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}`);
    }
    return value;
  });
}

/** A number flag within [min, max] (whole when `integer`), named as typed. */
function rangedFlag(flags: Map<string, string[]>, name: string, fallback: number | undefined, [min, max]: readonly [number, number], integer = false): number | undefined {
  if (!flags.has(name)) return fallback;
  const value = numberFlag(flags, name);
  if ((integer && !Number.isInteger(value)) || value < min || value > max) throw new InputError(`--${name}`, `${value} is outside the allowed range: ${integer ? 'a whole number ' : ''}from ${min} to ${max}`);
  return value;
}

function activationFlag(flags: Map<string, string[]>, noiseSigmaMV: number | undefined, seed: number): { choice: ActivationChoice; name: string } {
  const text = flags.get('activation')?.[0];
  if (text === undefined) throw new InputError('--activation', `is required: one of ${ACTIVATION_IDS.join(', ')}, or neuron:MODEL (MODEL one of ${BUILTIN_MODEL_IDS.join(', ')}, or a model file's path)`);
  if (text.startsWith('neuron:')) {
    const model = text.slice('neuron:'.length);
    if (!(BUILTIN_MODEL_IDS as readonly string[]).includes(model) && !/\.json$|[/\\]/.test(model)) {
      throw new InputError('--activation', `${JSON.stringify(text.slice(0, 60))}: "${model.slice(0, 40)}" is not a model; choose one of ${BUILTIN_MODEL_IDS.join(', ')}, or give a model file's path`);
    }
    const source = modelFileArgument(model, '--activation');
    const curve = neuronCurve(source, { noiseSigmaMV: noiseSigmaMV ?? 0, seed });
    return { choice: { neuron: curve }, name: `neuron:${curve.model}${curve.noiseSigmaMV > 0 ? ` (${curve.noiseSigmaMV} mV noise)` : ''}` };
  }
  if (!(ACTIVATION_IDS as readonly string[]).includes(text)) throw new InputError('--activation', `${JSON.stringify(text.slice(0, 40))} is not an activation; choose one of ${ACTIVATION_IDS.join(', ')}, or neuron:MODEL`);
  return { choice: text as ActivationId, name: ACTIVATIONS[text as ActivationId].name };
}

/** Nanoseconds per training point and parameter in an epoch (its pass with backpropagation and the report's passes; bench: about 30). */
const NS_PER_POINT_PARAMETER = 60;
/** Nanoseconds per LIF neuron and step of the spiking run, noise and synaptic events included (bench: about 15 at 20 neurons per unit). */
const NS_PER_SPIKING_NEURON_STEP = 25;

/** Training and the spiking run estimated ahead (as `run` does for a scenario): over LONG_RUN_SECONDS they need --long. */
function checkCost(points: number, testFraction: number, hidden: number[], epochs: number, spiking: { neuronsPerUnit: number; durationMs: number } | null, long: boolean): void {
  const sizes = [2, ...hidden, 1];
  let parameters = 0;
  for (let l = 0; l + 1 < sizes.length; l++) parameters += (sizes[l] + 1) * sizes[l + 1];
  const training = epochs * points * parameters * NS_PER_POINT_PARAMETER * 1e-9;
  const testPoints = Math.max(1, Math.round(points * testFraction));
  const neurons = spiking ? testPoints * (hidden.reduce((a, b) => a + b, 0) + 2) * spiking.neuronsPerUnit : 0;
  const steps = spiking ? Math.round(spiking.durationMs / 0.1) : 0;
  const seconds = training + neurons * steps * NS_PER_SPIKING_NEURON_STEP * 1e-9;
  if (seconds > LONG_RUN_SECONDS && !long) {
    // (Words of the bridge's fields would be said as flags: the text avoids them.)
    const parts = [`${epochs.toLocaleString('en-US')} passes over ${points - testPoints} training points`, ...(spiking ? [`${neurons.toLocaleString('en-US')} spiking neurons for ${spiking.durationMs} ms`] : [])];
    throw new InputError('ann', `with these options (${parts.join(', ')}) the run is estimated at about ${formatDuration(seconds)}, more than ${LONG_RUN_SECONDS / 60} minutes; add --long to run it anyway`);
  }
}

const percent = (x: number) => Number((100 * x).toFixed(2));
const sig = (x: number) => Number(x.toPrecision(6));

function run(args: string[]): void {
  const { flags, switches } = parseArgs(args, FLAGS, ['spiking', 'long']);
  const format = choiceFlag(flags, 'format', ['text', 'json'] as const, 'text', 'format');
  const dataset = choiceFlag(flags, 'dataset', DATASETS, 'circle', 'data set') as DatasetKind;
  if (!flags.has('dataset')) throw new InputError('--dataset', `is required: one of ${DATASETS.join(', ')}`);
  const hidden = listFlag(flags, 'hidden', [8, 8], ANN_LIMITS.units, true, ANN_LIMITS.layers[1]);
  const epochs = rangedFlag(flags, 'epochs', undefined, [1, 100000], true);
  if (epochs === undefined) throw new InputError('--epochs', 'is required: a whole number from 1 to 100000');
  const seed = rangedFlag(flags, 'seed', ANN_DEFAULTS.seed, [0, 2 ** 32 - 1], true)!;
  const noiseSigmaMV = rangedFlag(flags, 'noise-sigma', undefined, [0, 50]);
  const spiking = switches.has('spiking');
  for (const name of ['window', 'neurons']) if (flags.has(name) && !spiking) throw new InputError(`--${name}`, 'applies to the spiking network only; add --spiking');
  if (spiking && noiseSigmaMV !== undefined && noiseSigmaMV > SPIKING_LIMITS.noiseSigmaMV[1]) {
    throw new InputError('--noise-sigma', `${noiseSigmaMV} mV is more than the spiking populations take with --spiking (${SPIKING_LIMITS.noiseSigmaMV[0]} to ${SPIKING_LIMITS.noiseSigmaMV[1]} mV)`);
  }
  const activation = activationFlag(flags, noiseSigmaMV, seed);
  if (noiseSigmaMV !== undefined && typeof activation.choice === 'string' && !spiking) {
    throw new InputError('--noise-sigma', `is the noise of a neuron:MODEL activation or of the spiking populations; ${activation.name} has none (add --spiking, or use neuron:MODEL)`);
  }
  const options = {
    dataset: {
      kind: dataset,
      points: rangedFlag(flags, 'points', DATASET_DEFAULTS.points, DATASET_LIMITS.points, true),
      noise: rangedFlag(flags, 'data-noise', DATASET_DEFAULTS.noise, DATASET_LIMITS.noise),
      testFraction: rangedFlag(flags, 'test-fraction', DATASET_DEFAULTS.testFraction, DATASET_LIMITS.testFraction),
      seed,
    },
    hidden,
    activation: activation.choice,
    learningRate: rangedFlag(flags, 'learning-rate', ANN_DEFAULTS.learningRate, ANN_LIMITS.learningRate),
    batchSize: rangedFlag(flags, 'batch-size', ANN_DEFAULTS.batchSize, ANN_LIMITS.batchSize, true),
    l2: rangedFlag(flags, 'l2', ANN_DEFAULTS.l2, ANN_LIMITS.l2),
    dropout: rangedFlag(flags, 'dropout', ANN_DEFAULTS.dropout, ANN_LIMITS.dropout),
    seed,
  };
  const windowsMs = listFlag(flags, 'window', [50, 100, 200, 500], SPIKING_LIMITS.windowMs, false, 20);
  const neuronsPerUnit = rangedFlag(flags, 'neurons', 20, SPIKING_LIMITS.neuronsPerUnit, true)!;
  checkCost(options.dataset.points!, options.dataset.testFraction!, hidden, epochs, spiking ? { neuronsPerUnit, durationMs: Math.max(...windowsMs) } : null, switches.has('long'));
  const started = performance.now();
  const { trainer, report } = trainAnn(options, epochs);
  const trainSeconds = (performance.now() - started) / 1000;
  const spikingResult = spiking
    ? (() => {
        const net = convertToSpiking(trainer.snapshot(), activation.choice, trainer.dataset.train, { neuronsPerUnit, windowsMs, noiseSigmaMV: typeof activation.choice === 'string' ? noiseSigmaMV : undefined, seed });
        return { net, result: runSpiking(net, trainer.dataset.test) };
      })()
    : null;
  const d = trainer.dataset;
  const dead = report.deadUnits.map((layer) => layer.reduce((a, b) => a + b, 0));
  if (format === 'json') {
    const out = {
      dataset: { kind: dataset, points: options.dataset.points, noise: options.dataset.noise, train: d.train.count, test: d.test.count },
      hidden,
      activation: activation.name,
      epochs,
      seed,
      epochsPerSecond: sig(epochs / Math.max(trainSeconds, 1e-9)),
      train: { loss: sig(report.trainLoss), accuracy: report.trainAccuracy },
      test: { loss: sig(report.testLoss), accuracy: report.testAccuracy },
      deadUnits: dead,
      gradientRms: Array.from(report.gradientRms, sig),
      ...(spikingResult
        ? {
            spiking: {
              neuronsPerUnit,
              noiseSigmaMV: spikingResult.net.calibration.noiseSigmaMV,
              calibration: { ...spikingResult.net.calibration, currentAtZero: sig(spikingResult.net.calibration.currentAtZero), currentPerUnit: sig(spikingResult.net.calibration.currentPerUnit), rateScaleHz: sig(spikingResult.net.calibration.rateScaleHz), rmsError: sig(spikingResult.net.calibration.rmsError) },
              synapseMV: sig(spikingResult.net.quantumMV),
              synapseMVPerLayer: spikingResult.net.quantaMV.slice(1).map(sig),
              windowsMs: spikingResult.result.windowsMs,
              accuracy: Array.from(spikingResult.result.accuracy),
              agreementWithAnn: Array.from(spikingResult.result.agreement),
              annAccuracy: spikingResult.result.annAccuracy,
              rateCorrelation: sig(spikingResult.result.rateCorrelation),
              unitRateCorrelation: (spikingResult.result.unitCorrelation ?? []).map((layer) => Array.from(layer, (c) => (Number.isFinite(c) ? sig(c) : null))),
            },
          }
        : {}),
    };
    process.stdout.write(`${JSON.stringify(out)}\n`);
    return;
  }
  const lines = [
    `${dataset}: ${d.train.count} training and ${d.test.count} test points; hidden ${hidden.join(',')}; ${activation.name}; ${epochs} epochs; seed ${seed}`,
    `train: loss ${sig(report.trainLoss)}, accuracy ${percent(report.trainAccuracy)} %`,
    `test: loss ${sig(report.testLoss)}, accuracy ${percent(report.testAccuracy)} %`,
    `dead units per hidden layer: ${dead.join(',')}; gradient RMS per weight layer: ${Array.from(report.gradientRms, (g) => g.toExponential(2)).join(',')}`,
  ];
  if (spikingResult) {
    const { net, result } = spikingResult;
    const perUnit = (result.unitCorrelation ?? []).flatMap((layer) => Array.from(layer)).filter(Number.isFinite).sort((a, b) => a - b);
    const perUnitText = perUnit.length > 0 ? ` (per population: lowest ${perUnit[0].toFixed(3)}, median ${perUnit[Math.floor((perUnit.length - 1) / 2)].toFixed(3)})` : '';
    const noisiest = Math.max(...net.encoding.flatMap((e) => Array.from(e.noiseSigmaMV)));
    lines.push(
      `spiking: ${net.neuronsPerUnit} LIF neurons per unit, ${net.calibration.noiseSigmaMV} mV noise${noisiest > net.calibration.noiseSigmaMV ? ` (up to ${noisiest} mV where the synapses' own noise is larger)` : ''}, ${net.calibration.method === 'neuron curve' ? "each unit the neuron's own curve" : 'each unit encoded by a fitted current'}, synapses of ${net.quantaMV.slice(1).map(sig).join(', ')} mV per layer`,
      `population rates follow unit activations with correlation ${result.rateCorrelation.toFixed(4)}${perUnitText}`,
      'window_ms,accuracy_percent,agreement_with_ann_percent',
      ...result.windowsMs.map((w, k) => `${w},${percent(result.accuracy[k])},${percent(result.agreement[k])}`),
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** The `ann` command: the arguments after `ann`. Errors are InputErrors naming the flag as typed. */
export function annCommand(args: string[]): void {
  try {
    run(args);
  } catch (err) {
    if (err instanceof InputError && !err.field.startsWith('--')) {
      const body = err.field && err.message.startsWith(`${err.field}: `) ? err.message.slice(err.field.length + 2) : err.message;
      throw new InputError(fieldToFlag(err.field, FIELDS), wordsToFlags(body, WORDS));
    }
    throw err;
  }
}
