// The small network: backpropagation against finite differences for every activation (the
// neuron's own f-I curve included), the accuracy it reaches on circle and XOR, seeded runs, dead
// units and per-layer gradients, and refusals naming the field.
import { beforeAll, describe, expect, it } from 'vitest';
import { ACTIVATION_IDS } from '../../src/bridge/activations';
import { neuronCurve, unitActivation, type ActivationChoice, type NeuronCurve } from '../../src/bridge/ann/annActivation';
import { makeDataset } from '../../src/bridge/ann/datasets';
import { AnnTrainer, lossAndGradient, trainAnn } from '../../src/bridge/ann/network';

let noisyLif: NeuronCurve;
let lif: NeuronCurve;
let hh: NeuronCurve;
beforeAll(() => {
  noisyLif = neuronCurve('lif', { noiseSigmaMV: 5 });
  lif = neuronCurve('lif');
  hh = neuronCurve('hh');
});

describe('the neuron as an activation', () => {
  it('is the LIF f-I curve: silent below its rheobase (z < 0) without noise, normalised to 1 at z = 4, soft-LIF fitted', () => {
    expect([lif.currentAtZero, lif.currentPerUnit, lif.unit, lif.fit.id]).toEqual([2, 4.5, 'nA', 'softLif']);
    const f = unitActivation({ neuron: lif });
    expect(f.f(-0.2)).toBe(0);
    expect(f.f(4)).toBeCloseTo(1, 12);
    // At z = 1 (6.5 nA) the LIF fires 1000 / (2 + 10 ln(65 / 45)) Hz.
    expect(f.f(1) * lif.rateAtFourHz).toBeCloseTo(1000 / (2 + 10 * Math.log(65 / 45)), 0);
    // With noise it fires below the rheobase.
    expect(unitActivation({ neuron: noisyLif }).f(-0.2)).toBeGreaterThan(0.01);
  });
});

describe('backpropagation matches finite differences', () => {
  // The neuron's curves exist once beforeAll has run: chosen by name inside the test.
  const curves = (): Record<string, NeuronCurve> => ({ 'neuron:lif': lif, 'neuron:lif 5 mV': noisyLif, 'neuron:hh': hh });
  const choice = (name: string): ActivationChoice => (name.startsWith('neuron:') ? { neuron: curves()[name] } : (name as ActivationChoice));
  it.each([...ACTIVATION_IDS, 'neuron:lif', 'neuron:lif 5 mV', 'neuron:hh'])('%s', (name) => {
    const activation = choice(name);
    const trainer = new AnnTrainer({ dataset: { kind: 'circle', points: 40 }, hidden: [5, 4, 3], activation, l2: 0.01, seed: 3 });
    // Move off the initial weights so units sit on every part of their curves.
    for (let e = 0; e < 3; e++) trainer.epoch();
    const w = trainer.snapshot();
    const unit = unitActivation(activation);
    const samples = trainer.dataset.train;
    const grads = { weights: w.weights.map((x) => new Float64Array(x.length)), biases: w.biases.map((x) => new Float64Array(x.length)) };
    lossAndGradient(w, unit, samples, 0.01, grads);
    let checked = 0;
    for (const [params, analytic] of [[w.weights, grads.weights], [w.biases, grads.biases]] as const) {
      params.forEach((layer, l) => {
        for (let q = 0; q < layer.length; q++) {
          const keep = layer[q];
          const h = 1e-6;
          layer[q] = keep + h;
          const up = lossAndGradient(w, unit, samples, 0.01, null);
          layer[q] = keep - h;
          const down = lossAndGradient(w, unit, samples, 0.01, null);
          layer[q] = keep;
          const numeric = (up - down) / (2 * h);
          expect(Math.abs(analytic[l][q] - numeric), `${name}: layer ${l}, parameter ${q}`).toBeLessThan(1e-6 + 1e-4 * Math.abs(numeric));
          checked++;
        }
      });
    }
    expect(checked).toBe(2 * 5 + 5 + 5 * 4 + 4 + 4 * 3 + 3 + 3 + 1);
  });
});

describe('training', () => {
  it.each([
    ['circle', 'relu'],
    ['xor', 'relu'],
    ['circle', 'neuron:lif 5 mV'],
    ['xor', 'neuron:lif 5 mV'],
  ] as const)('%s with %s: test accuracy at least 95 % after 100 epochs (seeded)', (kind, name) => {
    const activation: ActivationChoice = name === 'relu' ? 'relu' : { neuron: noisyLif };
    const { report } = trainAnn({ dataset: { kind, points: 400, noise: 0.05 }, hidden: [8, 8], activation, seed: 1 }, 100);
    expect(report.testAccuracy).toBeGreaterThanOrEqual(0.95);
    expect(report.trainLoss).toBeLessThan(0.2);
  });

  it('the same options give the same numbers; another seed other ones', () => {
    const options = { dataset: { kind: 'xor' as const, points: 100 }, hidden: [4], activation: 'tanh' as const, dropout: 0.2, seed: 5 };
    const a = trainAnn(options, 5).report;
    expect(trainAnn(options, 5).report).toEqual(a);
    expect(trainAnn({ ...options, seed: 6 }, 5).report.trainLoss).not.toBe(a.trainLoss);
  });

  it('shows dead units (ReLU units silent on every input) and per-layer gradient sizes', () => {
    const trainer = new AnnTrainer({ dataset: { kind: 'circle', points: 100 }, hidden: [4, 4], activation: 'relu', seed: 2 });
    // Kill the first hidden unit: a bias far below what its inputs can reach.
    trainer.weights.biases[0][0] = -100;
    const report = trainer.epoch();
    expect(report.deadUnits[0][0]).toBe(1);
    expect(Array.from(report.deadUnits[0]).slice(1)).toEqual([0, 0, 0]);
    expect(report.gradientRms).toHaveLength(3);
    for (const g of report.gradientRms) expect(g).toBeGreaterThan(0);
    // A sigmoid's floor is 0 too, but no finite input reaches it: none dead.
    expect(new AnnTrainer({ dataset: { kind: 'circle', points: 100 }, hidden: [4], activation: 'sigmoid' }).report().deadUnits[0]).toEqual(new Uint8Array(4));
  });

  it('a decision map is the probability of class 1 on a grid, rows from the bottom', () => {
    const { trainer } = trainAnn({ dataset: { kind: 'circle', points: 200 }, hidden: [8], activation: 'relu', seed: 1 }, 60);
    const map = trainer.decisionMap(21);
    expect(map).toHaveLength(441);
    expect(map[10 * 21 + 10]).toBeGreaterThan(0.9); // the centre: inside the circle
    expect(map[0]).toBeLessThan(0.1); // the corner
  });

  it('data sets are seeded, split as asked, and half of each class', () => {
    const d = makeDataset({ kind: 'spiral', points: 100, testFraction: 0.3, seed: 4 });
    expect([d.train.count, d.test.count]).toEqual([70, 30]);
    expect([...d.train.labels, ...d.test.labels].filter((l) => l === 1)).toHaveLength(50);
    expect(makeDataset({ kind: 'spiral', points: 100, testFraction: 0.3, seed: 4 })).toEqual(d);
  });

  it('refuses bad options, naming the field, the value and what is allowed', () => {
    const base = { dataset: { kind: 'circle' as const }, hidden: [4], activation: 'relu' as const };
    expect(() => new AnnTrainer({ ...base, hidden: [4, 4, 4, 4] })).toThrow(/hidden: must list 1 to 3 hidden layers/);
    expect(() => new AnnTrainer({ ...base, hidden: [9] })).toThrow(/hidden\[0\]: 9 is outside the allowed range \[1, 8\]/);
    expect(() => new AnnTrainer({ ...base, activation: 'swish' as never })).toThrow(/activation: "swish" is not an activation/);
    expect(() => new AnnTrainer({ ...base, dropout: 1 })).toThrow(/dropout: 1 is outside the allowed range \[0, 0.9\]/);
    expect(() => new AnnTrainer({ ...base, dataset: { kind: 'moons' as never } })).toThrow(/dataset.kind: "moons" is not a data set; choose one of circle, xor, gauss, spiral/);
    expect(() => new AnnTrainer({ ...base, dataset: { kind: 'circle', noise: 2 } })).toThrow(/dataset.noise: 2 is outside the allowed range \[0, 0.5\]/);
  });
});
