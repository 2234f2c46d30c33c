// The sentence beside the plot is picked from the data: LIF, noisy LIF, HH, and silence. It ranks as
// the table does and its numbers are the table's (or the computed rheobase's).
import { describe, expect, it } from 'vitest';
import { explainComparison, round } from '../../src/bridge/explain';
import { fitActivations } from '../../src/bridge/fit';
import { currentRange, fiSweep, type FiSweepOptions } from '../../src/bridge/fiSweep';
import { computeRheobase } from '../../src/bridge/rheobase';
import { builtinModel } from '../../src/core/model/builtinModels';

function explain(options: FiSweepOptions, extra: { neuronName?: string; tRefMs?: number } = {}) {
  const curve = fiSweep(options);
  const fits = fitActivations(curve.currents, curve.ratesHz);
  const model = builtinModel(options.model as string);
  const rheobase = computeRheobase(model, {}, { fromInput: options.currents[0], toInput: options.currents[options.currents.length - 1], durationMs: options.durationMs, discardMs: options.discardMs, dtMs: options.dtMs });
  return { fits, rheobase, ...explainComparison({ currents: curve.currents, ratesHz: curve.ratesHz, unit: curve.unit, noiseSigmaMV: options.noiseSigmaMV ?? 0, fits, rheobase, ...extra }) };
}

/** Every number in a text. */
const numbers = (text: string) => (text.match(/-?\d+(\.\d+)?(e-?\d+)?/g) ?? []).map(Number);

describe('explainComparison', () => {
  it('noiseless LIF: starts at its computed rheobase, a logarithmic bend, the table\'s first fit named with its numbers', () => {
    for (const [from, to, step] of [[0, 20, 0.25], [1, 3, 0.05]]) {
      const e = explain({ model: 'lif', currents: currentRange(from, to, step), durationMs: 1100, discardMs: 100, dtMs: 0.1 }, { neuronName: 'The LIF neuron', tRefMs: 2 });
      expect(e.kind).toBe('typeI');
      expect(e.text).toMatch(/^The LIF neuron starts firing at its rheobase, 2 nA \(from its file's \(V_th - E_L\) \/ R\), like a ReLU .*logarithmic bend.*saturates towards 1\/t_ref = 500 Hz\. Of the table, soft-LIF \(RMSE [\d.]+ Hz, R\^2 (0\.99\d\d|1\.0000)\) fits best; ReLU's kink sits at 2(\.\d+)? nA with a gain of [\d.]+ Hz per nA \(RMSE [\d.]+ Hz\)\.$/);
      // The sentence's function is the table's first, and its numbers are the table's.
      expect(e.fits[0].id).toBe('softLif');
      const relu = e.fits.find((f) => f.id === 'relu')!;
      const allowed = new Set([2, 1, 500, 0, round(e.fits[0].rmseHz), Number(e.fits[0].rSquared.toFixed(4)), round(relu.parameters.inShift), round(relu.parameters.outScale), round(relu.rmseHz), 2]);
      for (const x of numbers(e.text.replace(/V_th - E_L|1\/t_ref|R\^2|type I/g, ''))) expect(allowed, `${x} in ${e.text}`).toContain(x);
    }
  });

  it('noisy LIF: the threshold softens; the table\'s first fit is named, the best smooth fit\'s slope bump is placed against the neuron\'s', () => {
    const e = explain({ model: 'lif', currents: currentRange(0, 6, 0.1), durationMs: 1100, discardMs: 100, dtMs: 0.1, noiseSigmaMV: 5, neuronsPerCurrent: 20 });
    expect(e.kind).toBe('noisy');
    expect(e.text).toMatch(/^With 5 mV of membrane noise the hard threshold softens: .* below its noiseless rheobase of 2 nA .*\. Of the table, (\S+) \(RMSE [\d.]+ Hz, R\^2 [\d.]+\) fits best\./);
    expect(e.text).toContain(`Of the table, ${e.fits[0].name} (RMSE ${round(e.fits[0].rmseHz)} Hz`);
    const smooth = e.fits.find((f) => ['sigmoid', 'softplus', 'softLif'].includes(f.id))!;
    if (smooth.slopeBump) {
      expect(e.text).toContain(`The best smooth fit, ${smooth.name}, has its slope's bump at ${round(smooth.steepestInput)} nA; the neuron's slope peaks near ${round(e.neuronSteepestInput!)} nA.`);
      // The bump is where the neuron's slope peaks, within an eighth of the range (the neuron's
      // peak is read off noisy points, five at a time).
      expect(Math.abs(smooth.steepestInput - e.neuronSteepestInput!)).toBeLessThan(0.75);
    } else expect(e.text).toMatch(/has no bump in its slope/);
  });

  it('HH: jumps from silence to about 50 Hz at its rheobase found by bisection, a type II onset', () => {
    const e = explain({ model: 'hh', currents: currentRange(0, 30, 0.5), durationMs: 700, discardMs: 200, dtMs: 0.01 }, { neuronName: 'The HH neuron' });
    expect(e.kind).toBe('typeII');
    expect(e.text).toMatch(/^The HH neuron jumps from silence to about (5\d|6\d) Hz at its rheobase, 6\.2\d uA\/cm2 \(found by bisection to 0\.00\d uA\/cm2\): a type II onset/);
    expect(e.text).toContain(`Of the table, ${e.fits[0].name} (RMSE ${round(e.fits[0].rmseHz)} Hz`);
  });

  it('says so when the neuron never fires', () => {
    const curve = fiSweep({ model: 'lif', currents: currentRange(0, 1.5, 0.1), durationMs: 300, discardMs: 100, dtMs: 0.1 });
    const e = explainComparison({ currents: curve.currents, ratesHz: curve.ratesHz, unit: 'nA', noiseSigmaMV: 0, fits: fitActivations(curve.currents, curve.ratesHz) });
    expect(e).toEqual({ kind: 'silent', neuronSteepestInput: null, text: 'The neuron stays silent from 0 to 1.5 nA; raise the current range to see it fire.' });
  });
});
