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

function parameterValues(modelId: string, overrides: Record<string, number>): (name: string) => number {
  const model = builtinModel(modelId);
  const values = resolveParameters(model, overrides, '--set');
  return (name) => values[model.parameterNames.indexOf(name)];
}

/**
 * Izhikevich (2003): with u at its steady state b v, dv/dt = 0.04 v^2 + (5 - b) v + 140 + I has a
 * fixed point until I = (5 - b)^2 / 0.16 - 140 (saddle-node): 4 for RS (b = 0.2), 1 for b = 0.25.
 */
export function izhikevichRheobase(get: (name: string) => number): number {
  return (5 - get('b')) ** 2 / 0.16 - 140;
}

/**
 * AdEx with w at its steady state a (v - E_L): I(v) = (g_L + a)(v - E_L) - g_L Delta_T
 * exp((v - V_T) / Delta_T) peaks at v* = V_T + Delta_T ln((g_L + a) / g_L), where the fixed
 * points vanish: ~627 pA with the model file's defaults (the sweep shows 0 Hz at 500, 11 Hz at 750).
 */
export function adexRheobasePA(get: (name: string) => number): number {
  const g = get('g_L') + get('a');
  if (!(g > 0)) return 0; // no resting state to lose: fires (or runs away) from any input
  const v = get('V_T') + get('Delta_T') * Math.log(g / get('g_L'));
  return g * (v - get('E_L')) - get('g_L') * get('Delta_T') * Math.exp((v - get('V_T')) / get('Delta_T'));
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
  if (modelId === 'lif_exp_current' || modelId === 'lif_exp_conductance') {
    // The network presets' LIF neurons (CUBA's rests above its threshold: rheobase -0.1 nA). From
    // one reset gap (V_th - V_reset)/R below the rheobase (or 0) over ten gaps: silence, onset and
    // the rising branch, as for the LIF (whose default is the same span from 0).
    const get = parameterValues(modelId, parameters);
    const rheobase = (get('V_th') - get('E_L')) / get('R');
    const gap = Math.max((get('V_th') - get('V_reset')) / get('R'), 1e-3);
    const from = Number(Math.min(0, rheobase - gap).toPrecision(2));
    const step = Number(((10 * gap) / 100).toPrecision(2));
    return { fromInput: from, toInput: Number((from + 100 * step).toPrecision(6)), step, durationMs: 1100, discardMs: 100, dtMs: 0.1, neuronsPerCurrent };
  }
  if (modelId === 'traub_miles') {
    // COBAHH's neuron fires on its own (14 Hz at 0 pA, silent below about -40 pA): -100 to
    // 1000 pA (~130 Hz), dt 0.01 ms as for HH.
    return { fromInput: -100, toInput: 1000, step: 10, durationMs: 700, discardMs: 200, dtMs: 0.01, neuronsPerCurrent: noiseSigmaMV > 0 ? 10 : 1 };
  }
  if (modelId === 'izhikevich' || modelId === 'adex') {
    // Both adapt (u, w), so a longer discard lets the rate settle before it is counted. Their
    // range follows the saddle-node rheobase of the parameters in force (izhikevichRheobase,
    // adexRheobase); dt 0.1 ms with their RK4 gives the same whole-Hz rates as 0.01 ms.
    const values = parameterValues(modelId, parameters);
    const [rheobase, multiple, floor] = modelId === 'izhikevich' ? [izhikevichRheobase(values), 10, 10] : [adexRheobasePA(values), 5, 100];
    const to = Number(Math.max(multiple * rheobase, floor).toPrecision(2));
    return { fromInput: 0, toInput: to, step: Number((to / 100).toPrecision(2)), durationMs: 1300, discardMs: 300, dtMs: 0.1, neuronsPerCurrent };
  }
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

const NEURON_NAMES: Record<string, string> = { lif: 'The LIF neuron', hh: 'The HH neuron', izhikevich: 'The Izhikevich neuron', adex: 'The AdEx neuron', lif_exp_current: 'The CUBA LIF neuron', lif_exp_conductance: 'The COBA LIF neuron', traub_miles: 'The Traub-Miles neuron' };

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
