// `npm run sim -- ann` (src/cli/ann.ts), in this process: what it prints (text and JSON: the ANN's
// train and test loss and accuracy, with --spiking the spiking network's accuracy per window, the
// bridge's numbers for the same options and seed), and every flag's bad input refused before any
// work, naming the flag as typed, the value and what is allowed.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { annCommand } from '../../src/cli/ann';
import { trainAnn } from '../../src/bridge/ann/network';

function output(args: string[]): string {
  let text = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    text += String(chunk);
    return true;
  });
  try {
    annCommand(args);
  } finally {
    spy.mockRestore();
  }
  return text;
}

afterEach(() => vi.restoreAllMocks());

const SMALL = ['--dataset', 'gauss', '--hidden', '4', '--epochs', '20', '--seed', '3', '--points', '80'];

describe('ann prints', () => {
  it('as JSON: the ANN the bridge trains with the same options, and with --spiking the accuracy per window', () => {
    const out = JSON.parse(output([...SMALL, '--activation', 'relu', '--spiking', '--neurons', '3', '--window', '100,20', '--format', 'json']));
    const { report } = trainAnn({ dataset: { kind: 'gauss', points: 80, seed: 3 }, hidden: [4], activation: 'relu', seed: 3 }, 20);
    expect(out.train.accuracy).toBe(report.trainAccuracy);
    expect(out.test.accuracy).toBe(report.testAccuracy);
    expect(out.test.loss).toBeCloseTo(report.testLoss, 5);
    expect(out.dataset).toMatchObject({ kind: 'gauss', train: 40, test: 40 });
    expect(out.spiking.windowsMs).toEqual([20, 100]);
    expect(out.spiking.accuracy).toHaveLength(2);
    for (const a of out.spiking.accuracy) expect(a).toBeGreaterThanOrEqual(0);
    expect(out.spiking.annAccuracy).toBe(report.testAccuracy);
    expect(out.spiking.calibration.method).toBe('fitted');
    expect(out.spiking.unitRateCorrelation).toHaveLength(1);
  });

  it('as text: losses and accuracies, dead units and gradient sizes, and a row per window', () => {
    const lines = output([...SMALL, '--activation', 'sigmoid', '--spiking', '--neurons', '2', '--window', '20,40']).trim().split('\n');
    expect(lines[0]).toBe('gauss: 40 training and 40 test points; hidden 4; sigmoid; 20 epochs; seed 3');
    expect(lines[1]).toMatch(/^train: loss [\d.e-]+, accuracy [\d.]+ %$/);
    expect(lines[2]).toMatch(/^test: loss [\d.e-]+, accuracy [\d.]+ %$/);
    expect(lines[3]).toMatch(/^dead units per hidden layer: \d; gradient RMS per weight layer: [\d.e+-]+,[\d.e+-]+$/);
    expect(lines[4]).toMatch(/^spiking: 2 LIF neurons per unit, 2 mV noise/);
    expect(lines[5]).toMatch(/^population rates follow unit activations with correlation -?[\d.]+/);
    expect(lines.slice(6)).toEqual(['window_ms,accuracy_percent,agreement_with_ann_percent', expect.stringMatching(/^20,[\d.]+,[\d.]+$/), expect.stringMatching(/^40,[\d.]+,[\d.]+$/)]);
  });
});

describe('ann refuses bad input before any work, naming the flag, the value and what is allowed', () => {
  const base = ['--dataset', 'xor', '--activation', 'relu', '--epochs', '10'];
  it.each([
    [['--activation', 'relu', '--epochs', '10'], /^--dataset: is required: one of circle, xor, gauss, spiral$/],
    [['--dataset', 'moons', '--activation', 'relu', '--epochs', '10'], /^--dataset: "moons" is not a data set; choose circle, xor, gauss, spiral$/],
    [['--dataset', 'xor', '--epochs', '10'], /^--activation: is required: one of sigmoid, tanh, relu, leakyRelu, softplus, elu, softLif, or neuron:MODEL/],
    [['--dataset', 'xor', '--activation', 'swish', '--epochs', '10'], /^--activation: "swish" is not an activation; choose one of sigmoid, tanh, relu/],
    [['--dataset', 'xor', '--activation', 'neuron:nosuch', '--epochs', '10'], /^--activation: "neuron:nosuch": "nosuch" is not a model; choose one of .*lif/],
    [['--dataset', 'xor', '--activation', 'neuron:no/such.json', '--epochs', '10'], /^--activation: cannot read the model file "no\/such\.json"/],
    // A file that is not a model file: told under the flag, with the file's name, and "model" left as written.
    [['--dataset', 'xor', '--activation', 'neuron:./README.md', '--epochs', '10'], /^--activation: \.\/README\.md: is not valid JSON/],
    [['--dataset', 'xor', '--activation', 'neuron:package.json', '--epochs', '10'], /^--activation: package\.json: format: is no value \(the field is missing\); this version reads "spikebridge-model\/1"$/],
    [['--dataset', 'xor', '--activation', 'neuron:models/scenarios/cuba.json', '--epochs', '10'], /^--activation: models\/scenarios\/cuba\.json: format: is "spikebridge-scenario\/1"; this version reads "spikebridge-model\/1"$/],
    [['--dataset', 'xor', '--activation', 'relu'], /^--epochs: is required: a whole number from 1 to 100000$/],
    [[...base.slice(0, 4), '--epochs', '0'], /^--epochs: 0 is outside the allowed range: a whole number from 1 to 100000$/],
    [[...base, '--hidden', '9'], /^--hidden: "9" is not a whole number from 1 to 8$/],
    [[...base, '--hidden', '4,4,4,4'], /^--hidden: "4,4,4,4" lists 4 values; at most 3 are allowed$/],
    [[...base, '--hidden', '8,,8'], /^--hidden: needs a number, got nothing$/],
    [[...base, '--seed', '1.5'], /^--seed: 1.5 is outside the allowed range: a whole number from 0 to 4294967295$/],
    [[...base, '--points', '10'], /^--points: 10 is outside the allowed range: a whole number from 20 to 5000$/],
    [[...base, '--data-noise', '0.6'], /^--data-noise: 0.6 is outside the allowed range: from 0 to 0.5$/],
    [[...base, '--test-fraction', '0.95'], /^--test-fraction: 0.95 is outside the allowed range: from 0.1 to 0.9$/],
    [[...base, '--learning-rate', '0'], /^--learning-rate: 0 is outside the allowed range: from 0.00001 to 10$/],
    [[...base, '--batch-size', '0'], /^--batch-size: 0 is outside the allowed range: a whole number from 1 to 1000$/],
    [[...base, '--l2', '-1'], /^--l2: -1 is outside the allowed range: from 0 to 1$/],
    [[...base, '--dropout', '1'], /^--dropout: 1 is outside the allowed range: from 0 to 0.9$/],
    [[...base, '--format', 'xml'], /^--format: "xml" is not a format; choose text, json$/],
    [[...base, '--noise-sigma', '3'], /^--noise-sigma: is the noise of a neuron:MODEL activation or of the spiking populations; ReLU has none/],
    [[...base.slice(0, 2), '--activation', 'neuron:lif', '--epochs', '10', '--noise-sigma', '60'], /^--noise-sigma: 60 is outside the allowed range: from 0 to 50$/],
    [[...base, '--spiking', '--noise-sigma', '30'], /^--noise-sigma: 30 mV is more than the spiking populations take with --spiking \(0 to 20 mV\)$/],
    [[...base, '--window', '50'], /^--window: applies to the spiking network only; add --spiking$/],
    [[...base, '--neurons', '5'], /^--neurons: applies to the spiking network only; add --spiking$/],
    [[...base, '--spiking', '--window', '5,100'], /^--window: "5" in "5,100" is not a number from 10 to 10000$/],
    [[...base, '--spiking', '--neurons', '0'], /^--neurons: 0 is outside the allowed range: a whole number from 1 to 500$/],
    [[...base, '--spiking', '--neurons', '500', '--points', '5000', '--window', '10000'], /^ann: with these options \(10 passes over 2500 training points, 22,500,000 spiking neurons for 10000 ms\) the run is estimated at about [\d.]+ hours, more than 10 minutes; add --long to run it anyway$/],
    [[...base, '--bogus', '1'], /^--bogus: unknown option; expected one of --dataset/],
  ])('%j', (args, message) => {
    const write = vi.spyOn(process.stdout, 'write');
    expect(() => annCommand(args as string[])).toThrow(message);
    expect(write).not.toHaveBeenCalled();
  });
});
