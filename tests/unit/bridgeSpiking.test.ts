// The trained network run as spiking LIF populations (src/bridge/ann/spiking.ts): a validated
// scenario the core runs; for circle and XOR, trained with the noisy LIF's own curve, the spiking
// network's test accuracy at a 500 ms window is within 3 points of the ANN's, grows with the
// window, and the populations' rates follow the units' activations. Small on purpose (5 neurons
// per unit, 100 test points) so the file runs in seconds.
import { beforeAll, describe, expect, it } from 'vitest';
import { neuronCurve, type NeuronCurve } from '../../src/bridge/ann/annActivation';
import { trainAnn } from '../../src/bridge/ann/network';
import { convertToSpiking, runSpiking, spikingScenario } from '../../src/bridge/ann/spiking';
import { validateScenario } from '../../src/scenario/scenario';

let noisyLif: NeuronCurve;
beforeAll(() => {
  noisyLif = neuronCurve('lif', { noiseSigmaMV: 5 });
});

describe('a trained network as spiking LIF populations', () => {
  it.each(['circle', 'xor'] as const)('%s, trained with neuron:lif at 5 mV: spiking accuracy within 3 points of the ANN at 500 ms, growing with the window; rates follow activations', (kind) => {
    const { trainer, report } = trainAnn({ dataset: { kind, points: 300, testFraction: 1 / 3 }, hidden: [8, 8], activation: { neuron: noisyLif }, seed: 1 }, 100);
    expect(report.testAccuracy).toBeGreaterThanOrEqual(0.95);
    const net = convertToSpiking(trainer.snapshot(), { neuron: noisyLif }, trainer.dataset.train, { neuronsPerUnit: 5, windowsMs: [10, 50, 200, 500] });
    // The neuron's own curve: its rheobase is z = 0, its rate at z = 4 the scale; the spiking LIF has its noise.
    expect(net.calibration).toMatchObject({ method: 'neuron curve', currentAtZero: 2, currentPerUnit: 4.5, noiseSigmaMV: 5 });
    const result = runSpiking(net, trainer.dataset.test);
    expect(result.annAccuracy).toBe(report.testAccuracy);
    const last = result.accuracy.length - 1;
    expect(Math.abs(result.accuracy[last] - result.annAccuracy)).toBeLessThanOrEqual(0.03);
    // Accuracy grows with the window: at 10 ms a few spikes (or none: a tie) decide.
    expect(result.accuracy[0]).toBeLessThan(result.accuracy[last]);
    for (let w = 1; w <= last; w++) expect(result.accuracy[w]).toBeGreaterThanOrEqual(result.accuracy[w - 1] - 0.01);
    expect(result.rateCorrelation).toBeGreaterThan(0.95);
    expect(result.layerRatesHz).toHaveLength(2);
    expect(result.layerRatesHz[0]).toHaveLength(100 * 8);
  });

  it('is a scenario the scenario layer validates: a population per layer, two for the output, synapses as listed pairs', () => {
    const { trainer } = trainAnn({ dataset: { kind: 'gauss', points: 60 }, hidden: [3, 2], activation: 'relu', seed: 2 }, 20);
    const net = convertToSpiking(trainer.snapshot(), 'relu', trainer.dataset.train, { neuronsPerUnit: 4, windowsMs: [100] });
    expect(net.calibration.method).toBe('fitted');
    const scenario = spikingScenario(net, Float64Array.of(0.5, 0.5, -0.5, -0.5));
    const valid = validateScenario(scenario);
    expect(valid.scenario.populations.map((p) => [p.name, p.size])).toEqual([['hidden 1', 2 * 3 * 4], ['hidden 2', 2 * 2 * 4], ['class 1', 8], ['class 0', 8]]);
    expect(valid.scenario.durationMs).toBe(100);
    // Each weight as a count of synapses of one size: the counts times the size give the weights' currents back.
    for (const p of valid.scenario.projections ?? []) expect(Math.abs(p.weight as number)).toBe(net.quantumMV);
    expect(net.quantumMV).toBeLessThanOrEqual(1);
  });

  it('refuses bad options, naming the field', () => {
    const { trainer } = trainAnn({ dataset: { kind: 'gauss', points: 40 }, hidden: [2], activation: 'relu', seed: 2 }, 2);
    expect(() => convertToSpiking(trainer.snapshot(), 'relu', trainer.dataset.train, { neuronsPerUnit: 0 })).toThrow(/neuronsPerUnit: 0 is outside the allowed range \[1, 500\]/);
    expect(() => convertToSpiking(trainer.snapshot(), 'relu', trainer.dataset.train, { windowsMs: [5] })).toThrow(/windowsMs\[0\]: 5 is outside the allowed range \[10, 10000\]/);
  });
});
