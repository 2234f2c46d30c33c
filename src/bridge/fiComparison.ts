// What the bridge makes of a finished f-I curve, for the page's sweep worker and the CLI's `fit`:
// the fits of the activation functions (ranked, and the two that are others on a rate axis), the
// computed rheobase, the theory curve where there is one, and the sentence.
// Nothing here knows a model by its id: the sentence names the model as its file does
// (`shortName`), and the LIF's analytic (Siegert) rate applies to any model whose equations are
// the LIF's (leakyIntegrateAndFire), whatever the file is called.
import { builtinModel } from '../core/model/builtinModels.js';
import { resolveParameters, type LoadedModel, type MethodName } from '../core/model/loadModel.js';
import { explainComparison, type Explanation } from './explain.js';
import { fitActivations, fitEquivalents, type FitEquivalent, type FitResult } from './fit.js';
import { sweepDefaults, type FiSweepPlan } from './fiPlan.js';
import { computeRheobase, type Rheobase } from './rheobase.js';
import type { FiCurve } from './fiSweep.js';
import { siegertRateForCurrentHz, type LifNoiseParameters } from './siegert.js';

export type { SweepDefaults } from './fiPlan.js';

export interface FiComparison {
  /** the ranked fits, best (lowest RMSE) first: the table */
  fits: FitResult[];
  /** tanh and leaky ReLU, each the ranked fit it is on a rate axis, in a line */
  equivalents: FitEquivalent[];
  /** the noiseless rheobase, computed (the file's expression, or a bisection over the curve's range) */
  rheobase: Rheobase;
  /** analytic LIF rate (no noise) or Siegert rate (white noise, corrected for dt) per current; LIF equations only, not for OU noise */
  theoryHz: Float64Array | null;
  explanation: Explanation;
}

export interface ComparisonContext {
  model: LoadedModel;
  parameters: Record<string, number>;
  noiseSigmaMV: number;
  /** correlation time of the noise (ms); 0 = white */
  noiseTauMs?: number;
  dtMs: number;
  /** the sweep's run and count window and method, for the rheobase's bisection; default: the model file's sweep */
  durationMs?: number;
  discardMs?: number;
  method?: MethodName;
}

/** The parts of a loaded model that say what its dynamics are (not what it is called or how it is shown). */
function dynamicsOf(model: LoadedModel): string {
  return JSON.stringify({
    input: model.inputSymbol,
    state: model.stateNames,
    expressions: model.expressions.map((e) => `${e.name}=${e.node.toString()}`),
    equations: model.equations.map((eq) => eq.rhs.toString()),
    initial: model.initial.map((node) => node.toString()),
    threshold: [model.threshold.variable, model.threshold.level.toString()],
    reset: model.reset.map((r) => [r.index, r.value.toString()]),
    refractory: model.refractory && [model.refractory.period.toString(), model.refractory.clamp],
    noise: model.noise && [model.noise.resistance.toString(), model.noise.tau.toString()],
  });
}

/**
 * The LIF's parameters when `model` has the LIF's equations, threshold, reset, refractoriness and
 * noise (those of models/lif.json, term for term), so its analytic and Siegert rates hold; else null.
 */
export function leakyIntegrateAndFire(model: LoadedModel, parameters: Record<string, number>): LifNoiseParameters | null {
  const lif = builtinModel('lif');
  if (model !== lif && dynamicsOf(model) !== dynamicsOf(lif)) return null;
  const values = resolveParameters(model, parameters, 'parameters');
  const get = (name: string) => values[model.parameterNames.indexOf(name)];
  if (['E_L', 'V_th', 'V_reset', 'tau_m', 'R', 't_ref'].some((name) => !model.parameterNames.includes(name))) return null;
  return { E_L: get('E_L'), V_th: get('V_th'), V_reset: get('V_reset'), tau_m: get('tau_m'), R: get('R'), t_ref: get('t_ref') };
}

/** How the sentence names the model: "The LIF neuron". */
export function neuronName(model: LoadedModel): string {
  return `The ${model.file.shortName ?? model.file.name} neuron`;
}

/** What a comparison needs to know of a planned sweep: the page's sweep worker and the CLI's fit both use this. */
export function comparisonContext(plan: FiSweepPlan): ComparisonContext {
  return { model: plan.model, parameters: plan.parameters, noiseSigmaMV: plan.noise.sigmaMV, noiseTauMs: plan.options.noiseTauMs ?? 0, dtMs: plan.dtMs, durationMs: plan.durationMs, discardMs: plan.discardMs, method: plan.method };
}

export function compareFiCurve(curve: FiCurve, context: ComparisonContext): FiComparison {
  const fits = fitActivations(curve.currents, curve.ratesHz);
  const rheobase = comparisonRheobase(curve, context);
  let theoryHz: Float64Array | null = null;
  const lif = leakyIntegrateAndFire(context.model, context.parameters);
  // The Siegert formula is for white noise; coloured noise needs its own theory (not here yet).
  if (lif && !(context.noiseSigmaMV > 0 && (context.noiseTauMs ?? 0) > 0)) {
    theoryHz = Float64Array.from(curve.currents, (current) => siegertRateForCurrentHz(current, context.noiseSigmaMV, lif, context.noiseSigmaMV > 0 ? context.dtMs : undefined));
  }
  const explanation = explainComparison({
    currents: curve.currents,
    ratesHz: curve.ratesHz,
    unit: curve.unit,
    noiseSigmaMV: context.noiseSigmaMV,
    fits,
    neuronName: neuronName(context.model),
    tRefMs: lif?.t_ref,
    rheobase,
  });
  return { fits, equivalents: fitEquivalents(fits), rheobase, theoryHz, explanation };
}

/** The rheobase over the curve's range, with the sweep's protocol (the model file's where the context does not say). */
export function comparisonRheobase(curve: FiCurve, context: ComparisonContext): Rheobase {
  const defaults = sweepDefaults(context.model, resolveParameters(context.model, context.parameters, 'parameters'), 0);
  let from = Infinity;
  let to = -Infinity;
  for (const c of curve.currents) {
    from = Math.min(from, c);
    to = Math.max(to, c);
  }
  return computeRheobase(context.model, context.parameters, {
    fromInput: from,
    toInput: to,
    durationMs: context.durationMs ?? defaults?.durationMs ?? 1100,
    discardMs: context.discardMs ?? defaults?.discardMs ?? 100,
    dtMs: context.dtMs,
    method: context.method,
  });
}
