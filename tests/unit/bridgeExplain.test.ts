// The sentence beside the plot is picked from the data: LIF, noisy LIF, HH, and silence.
import { describe, expect, it } from 'vitest';
import { explainComparison } from '../../src/bridge/explain';
import { fitActivations } from '../../src/bridge/fit';
import { currentRange, fiSweep, type FiSweepOptions } from '../../src/bridge/fiSweep';

function explain(options: FiSweepOptions, extra: { neuronName?: string; tRefMs?: number } = {}) {
  const curve = fiSweep(options);
  const fits = fitActivations(curve.currents, curve.ratesHz);
  return explainComparison({ currents: curve.currents, ratesHz: curve.ratesHz, unit: curve.unit, noiseSigmaMV: options.noiseSigmaMV ?? 0, fits, ...extra });
}

describe('explainComparison', () => {
  it('noiseless LIF: a ReLU-like start with a logarithmic bend, saturating towards 1/t_ref', () => {
    for (const [from, to, step] of [[0, 20, 0.25], [0, 5, 0.1], [1, 3, 0.05]]) {
      const e = explain({ model: 'lif', currents: currentRange(from, to, step), durationMs: 1100, discardMs: 100, dtMs: 0.1 }, { neuronName: 'The LIF neuron', tRefMs: 2 });
      expect(e.kind).toBe('typeI');
      expect(e.text).toMatch(/^The LIF neuron starts firing at 2\.\d+ nA like a ReLU .*logarithmic bend.*saturates towards 1\/t_ref = 500 Hz\. soft-LIF fits best \(RMSE [\d.]+ Hz, R\^2 (0\.99\d\d|1\.0000)\)\.$/);
    }
  });

  it('noisy LIF: the threshold softens and the closest ANN function is a smooth one', () => {
    const e = explain({ model: 'lif', currents: currentRange(0, 3, 0.1), durationMs: 1100, discardMs: 100, dtMs: 0.1, noiseSigmaMV: 5, neuronsPerCurrent: 20 });
    expect(e.kind).toBe('noisy');
    expect(e.text).toMatch(/^With 5 mV of membrane noise the hard threshold softens: .* closest to (softplus|sigmoid|tanh|ELU) \(RMSE [\d.]+ Hz\), not the kink of a ReLU \(RMSE [\d.]+ Hz\)\.$/);
  });

  it('HH: jumps from silence to about 50 Hz, a type II onset', () => {
    const e = explain({ model: 'hh', currents: currentRange(0, 30, 0.5), durationMs: 700, discardMs: 200, dtMs: 0.01 }, { neuronName: 'The HH neuron' });
    expect(e.kind).toBe('typeII');
    expect(e.text).toMatch(/^The HH neuron jumps from silence to about (5\d|6\d) Hz at 6\.5 uA\/cm2: a type II onset, which no ReLU-like function has/);
  });

  it('says so when the neuron never fires', () => {
    const e = explain({ model: 'lif', currents: currentRange(0, 1.5, 0.1), durationMs: 300, discardMs: 100, dtMs: 0.1 });
    expect(e).toEqual({ kind: 'silent', text: 'The neuron stays silent from 0 to 1.5 nA; raise the current range to see it fire.' });
  });
});
