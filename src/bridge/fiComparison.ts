// The bridge in one call, shared by the CLI's `fit` and (later) the page's panel: a sensible
// default sweep per model, then fits, the theory curve where there is one, and the sentence.
import { InputError } from '../core/errors.js';
import { builtinModel } from '../core/model/builtinModels.js';
import { resolveParameters } from '../core/model/loadModel.js';
import { explainComparison, type Explanation } from './explain.js';
import { fitActivations, type FitResult } from './fit.js';
import type { FiCurve } from './fiSweep.js';
import { siegertRateForCurrentHz, type LifNoiseParameters } from './siegert.js';

export interface SweepDefaults {
  fromInput: number;
  toInput: number;
  step: number;
  durationMs: number;
  discardMs: number;
  dtMs: number;
  neuronsPerCurrent: number;
}

function lifParameters(overrides: Record<string, number>, field: string): LifNoiseParameters {
  const model = builtinModel('lif');
  const values = resolveParameters(model, overrides, field);
  const get = (name: string) => values[model.parameterNames.indexOf(name)];
  return { E_L: get('E_L'), V_th: get('V_th'), V_reset: get('V_reset'), tau_m: get('tau_m'), R: get('R'), t_ref: get('t_ref') };
}

/**
 * Defaults that show a model from silence through rheobase to well into its rising branch, about
 * 100 points. LIF: 0 to 10x the rheobase (V_th - E_L)/R of the parameters in force, where the rate
 * is ~2/3 of 1/t_ref with the defaults. HH: 0-40 uA/cm2 (rheobase ~6.3, ~110 Hz at 40), dt 0.01 ms
 * as its accuracy tests use. With noise, 20 neurons per current smooth the curve.
 */
export function sweepDefaults(modelId: string, parameters: Record<string, number>, noiseSigmaMV: number): SweepDefaults {
  const neuronsPerCurrent = noiseSigmaMV > 0 ? 20 : 1;
  if (modelId === 'lif') {
    const p = lifParameters(parameters, '--set');
    const rheobase = (p.V_th - p.E_L) / p.R;
    const to = Number((10 * Math.max(rheobase, 0.1)).toPrecision(2));
    return { fromInput: 0, toInput: to, step: Number((to / 100).toPrecision(2)), durationMs: 1100, discardMs: 100, dtMs: 0.1, neuronsPerCurrent };
  }
  if (modelId === 'hh') return { fromInput: 0, toInput: 40, step: 0.5, durationMs: 700, discardMs: 200, dtMs: 0.01, neuronsPerCurrent: noiseSigmaMV > 0 ? 10 : 1 };
  throw new InputError('--model', `${JSON.stringify(modelId)} has no default sweep; give --from, --to and --step`);
}

export interface FiComparison {
  fits: FitResult[];
  /** analytic LIF rate (no noise) or Siegert rate (white noise, corrected for dt) per current; LIF only, not for OU noise */
  theoryHz: Float64Array | null;
  explanation: Explanation;
}

export interface ComparisonContext {
  modelId: string;
  parameters: Record<string, number>;
  noiseSigmaMV: number;
  /** correlation time of the noise (ms); 0 = white */
  noiseTauMs?: number;
  dtMs: number;
}

const NEURON_NAMES: Record<string, string> = { lif: 'The LIF neuron', hh: 'The HH neuron' };

export function compareFiCurve(curve: FiCurve, context: ComparisonContext): FiComparison {
  const fits = fitActivations(curve.currents, curve.ratesHz);
  let theoryHz: Float64Array | null = null;
  let tRefMs: number | undefined;
  if (context.modelId === 'lif') {
    const p = lifParameters(context.parameters, '--set');
    tRefMs = p.t_ref;
    // The Siegert formula is for white noise; coloured noise needs its own theory (not here yet).
    if (!(context.noiseSigmaMV > 0 && (context.noiseTauMs ?? 0) > 0)) theoryHz = Float64Array.from(curve.currents, (current) => siegertRateForCurrentHz(current, context.noiseSigmaMV, p, context.noiseSigmaMV > 0 ? context.dtMs : undefined));
  }
  const explanation = explainComparison({
    currents: curve.currents,
    ratesHz: curve.ratesHz,
    unit: curve.unit,
    noiseSigmaMV: context.noiseSigmaMV,
    fits,
    neuronName: NEURON_NAMES[context.modelId],
    tRefMs,
  });
  return { fits, theoryHz, explanation };
}
