// The fastest time constant of a model, read from its own equations, and the step sizes it allows.
// A step much longer than the fastest relaxation in the model gives wrong answers without any
// blow-up: HH at dt 1 ms fires at 0 Hz where the true rate is 100 Hz. The bound comes from the
// equations and parameters (rate functions, conductances, temperature), never from a model's name.
import { PointEvaluator } from './evaluate.js';
import { loadModel, parameterEvaluator, resolveParameters, type LoadedModel, type MethodName } from './loadModel.js';
import { builtinModel } from './builtinModels.js';
import type { ModelFile } from './modelFile.js';
import type { ValidScenario } from '../scenarioSpec.js';

/**
 * Steps above this many fastest time constants lose accuracy: a warning. Chosen from f-I curves
 * against dt 0.005 ms: HH (staggered) is within 2.5 % up to 0.85 time constants (dt 0.2 ms) and
 * 10 % low at 2.1 (dt 0.5 ms); Traub-Miles with exponential Euler, as in the COBAHH benchmark at
 * dt 0.1 ms (1.1 time constants), is 8 % low and 35 % low at 5.3 (dt 0.5 ms).
 */
export const STEP_WARN_FACTOR = 1.5;
/**
 * Steps above this many fastest time constants give wrong results, refused unless forced: for the
 * exponential methods from the same curves (HH at dt 1 ms, 4.2 of them, fires at 0 Hz instead of
 * 109 Hz); for explicit methods the edge of their stability on a decaying mode (|lambda dt| of
 * 2 for Euler, 2.785 for RK4), beyond which a step amplifies what it should damp.
 */
export const STEP_REFUSE_FACTOR: Record<MethodName, number> = { exact: Infinity, staggered: 4, exponential_euler: 4, rk4: 2.785, euler: 2 };
/** Points of the threshold variable's range where the time constants are evaluated. */
const GRID_POINTS = 201;

export interface Timescale {
  /** The fastest relaxation time (ms) among the variables that limit the method; Infinity if none relaxes. */
  fastestMs: number;
  /** The variable that relaxes fastest, and the value of the threshold variable where it does. */
  variable: string;
  leader: string;
  leaderValue: number;
  leaderUnit: string;
  /** The range of the threshold variable searched: from rest (initial value, reset) to the threshold. */
  leaderRange: [number, number];
}

export interface StepSizeLimits {
  timescale: Timescale;
  method: MethodName;
  /** Above this step (ms), a warning; above refuseAboveMs, a refusal unless forced. */
  warnAboveMs: number;
  refuseAboveMs: number;
  /** A round step at or below warnAboveMs to suggest. */
  suggestedMs: number;
}

export interface StepSizeWarning {
  /** The scenario field (a command line names its own flag instead). */
  field: string;
  severity: 'warning' | 'refusal';
  dtMs: number;
  /** Populations it concerns (empty for a sweep). */
  populations: string[];
  limits: StepSizeLimits;
  /** What is wrong and what to do, without the field. */
  message: string;
}

/**
 * The fastest time constant of `model` with `parameters` as `method` meets it, or null when the
 * method has no step error to bound (exact integration of a linear model).
 *
 * For each value v of the threshold variable on a grid from rest to the threshold, the other
 * variables are put at their quasi-steady state there (x with dx/dt = 0, by Newton steps on the
 * variable's own equation: for a gate, alpha(v) / (alpha(v) + beta(v))), and each variable's
 * relaxation rate is -d(dx/dt)/dx (for a gate, alpha + beta). The largest rate is the fastest
 * time constant's inverse. Explicit methods (rk4, euler) must resolve every variable; the
 * exponential methods (staggered, exponential Euler) integrate the threshold variable's own
 * relaxation exactly, so for them it is the variables it reads (gates, synapses) that limit dt.
 */
export function fastestTimescale(model: LoadedModel, parameters: Float64Array, method: MethodName): Timescale | null {
  if (method === 'exact') return null;
  const leader = model.threshold.index;
  const ns = model.stateNames.length;
  const evaluator = new PointEvaluator(model);
  const initial = evaluator.initialState(parameters);
  const rhs = model.equations.map((eq) => evaluator.compile(eq.rhs));
  const slope = model.equations.map((eq) => (eq.selfCoefficient ? evaluator.compile(eq.selfCoefficient) : null));
  const bounds = model.stateNames.map((_, k) => model.bounds.find((b) => b.index === k));

  // Rest and reset on one side, the threshold on the other.
  const level = parameterEvaluator(model, model.threshold.level)(parameters);
  const ends = [initial[leader], level];
  evaluator.set(parameters, initial, 0);
  for (const r of model.reset) if (r.index === leader) ends.push(evaluator.compile(r.value)(evaluator.values));
  const finiteEnds = ends.filter((x) => Number.isFinite(x));
  if (finiteEnds.length === 0) return null;
  const low = Math.min(...finiteEnds);
  const high = Math.max(...finiteEnds);

  const limiting = model.stateNames.map((_, k) => k !== leader || method === 'rk4' || method === 'euler');
  let fastestRate = 0;
  let variable = model.stateNames[leader];
  let leaderValue = low;
  const x = new Float64Array(ns);
  const points = high > low ? GRID_POINTS : 1;
  for (let g = 0; g < points; g++) {
    const v = points === 1 ? low : low + ((high - low) * g) / (points - 1);
    x.set(initial);
    x[leader] = v;
    // Quasi-steady state of the others at this v (one Newton step is exact for a gate; a few
    // rounds settle variables that read each other).
    for (let round = 0; round < 4; round++) {
      for (let k = 0; k < ns; k++) {
        if (k === leader || !slope[k]) continue;
        evaluator.set(parameters, x, 0);
        const a = slope[k]!(evaluator.values);
        const f = rhs[k](evaluator.values);
        if (!(a < 0)) continue; // no stable rest for this variable here: keep its value
        let next = x[k] - f / a;
        const b = bounds[k];
        if (b) next = Math.min(b.high, Math.max(b.low, next));
        if (Number.isFinite(next)) x[k] = next;
      }
    }
    evaluator.set(parameters, x, 0);
    for (let k = 0; k < ns; k++) {
      if (!limiting[k] || !slope[k]) continue;
      const rate = -slope[k]!(evaluator.values);
      if (rate > fastestRate && Number.isFinite(rate)) {
        fastestRate = rate;
        variable = model.stateNames[k];
        leaderValue = v;
      }
    }
  }
  const leaderName = model.stateNames[leader];
  return {
    fastestMs: fastestRate > 0 ? 1 / fastestRate : Infinity,
    variable,
    leader: leaderName,
    leaderValue,
    leaderUnit: model.file.state[leaderName]?.unit ?? '',
    leaderRange: [low, high],
  };
}

/** Limits already worked out, per model, method and parameters: the page's worker checks every scenario it builds again. */
const limitsCache = new WeakMap<LoadedModel, Map<string, StepSizeLimits | null>>();

/** The step sizes `model` allows with `method`, or null when nothing bounds them. */
export function stepSizeLimits(model: LoadedModel, parameters: Float64Array, method: MethodName): StepSizeLimits | null {
  let byKey = limitsCache.get(model);
  if (!byKey) limitsCache.set(model, (byKey = new Map()));
  const key = `${method}|${Array.from(parameters, (x) => (Object.is(x, -0) ? '-0' : String(x))).join(',')}`;
  if (byKey.has(key)) return byKey.get(key)!;
  const limits = computeStepSizeLimits(model, parameters, method);
  if (byKey.size > 64) byKey.clear(); // a slider dragged through many values
  byKey.set(key, limits);
  return limits;
}

function computeStepSizeLimits(model: LoadedModel, parameters: Float64Array, method: MethodName): StepSizeLimits | null {
  const timescale = fastestTimescale(model, parameters, method);
  if (!timescale || !Number.isFinite(timescale.fastestMs)) return null;
  const warnAboveMs = STEP_WARN_FACTOR * timescale.fastestMs;
  return { timescale, method, warnAboveMs, refuseAboveMs: Math.max(warnAboveMs, STEP_REFUSE_FACTOR[method] * timescale.fastestMs), suggestedMs: roundDown(warnAboveMs) };
}

/** Two significant digits, rounded down: 0.356 -> 0.35. */
function roundDown(x: number): number {
  const scale = 10 ** (Math.floor(Math.log10(x)) - 1);
  return Number((Math.floor(x / scale + 1e-9) * scale).toPrecision(2));
}

function ms(x: number): string {
  return `${Number(x.toPrecision(3))} ms`;
}

/** A warning or a refusal for a step of `dtMs`, or null if the step is fine for the model. */
export function stepSizeCheck(model: LoadedModel, parameters: Float64Array, method: MethodName, dtMs: number, populations: string[] = [], field = 'dtMs'): StepSizeWarning | null {
  if (!(dtMs > 0)) return null;
  const limits = stepSizeLimits(model, parameters, method);
  if (!limits || dtMs <= limits.warnAboveMs) return null;
  const severity = dtMs > limits.refuseAboveMs ? 'refusal' : 'warning';
  const t = limits.timescale;
  const unit = t.leaderUnit && t.leaderUnit !== '1' ? ` ${t.leaderUnit}` : '';
  const who = populations.length > 0 ? `population${populations.length > 1 ? 's' : ''} ${populations.map((p) => JSON.stringify(p)).join(', ')}, ` : '';
  const why =
    `its fastest time constant is ${ms(t.fastestMs)} (${t.variable} at ${t.leader} = ${Number(t.leaderValue.toPrecision(4))}${unit}, ` +
    `searched from ${Number(t.leaderRange[0].toPrecision(4))} to ${Number(t.leaderRange[1].toPrecision(4))}${unit})`;
  const consequence =
    severity === 'refusal'
      ? `above ${ms(limits.refuseAboveMs)} (${STEP_REFUSE_FACTOR[limits.method]} times that) results are wrong, not just less accurate (rates can read 0 Hz)`
      : `above ${ms(limits.warnAboveMs)} (${STEP_WARN_FACTOR} times that) rates and spike times lose accuracy`;
  const message = `a step of ${ms(dtMs)} is too coarse for model ${model.id} (${who}method ${method}): ${why}; ${consequence}. Use a step of at most ${limits.suggestedMs} ms`;
  return { field, severity, dtMs, populations, limits, message };
}

/** Step size warnings for a validated scenario: one per model, method and parameter set, naming its populations. */
export function stepSizeWarnings(valid: ValidScenario): StepSizeWarning[] {
  const groups = new Map<LoadedModel, Map<string, { parameters: Float64Array; method: MethodName; names: string[] }>>();
  for (const p of valid.populations) {
    const byModel = groups.get(p.model) ?? new Map();
    groups.set(p.model, byModel);
    const key = `${p.method}|${Array.from(p.parameters).join(',')}`;
    const group = byModel.get(key) ?? { parameters: p.parameters, method: p.method, names: [] };
    byModel.set(key, group);
    group.names.push(p.spec.name);
  }
  const out: StepSizeWarning[] = [];
  for (const [model, byModel] of groups) {
    for (const g of byModel.values()) {
      const warning = stepSizeCheck(model, g.parameters, g.method, valid.scenario.dtMs, g.names);
      if (warning) out.push(warning);
    }
  }
  return out;
}

/**
 * The same check for an f-I sweep, before anything is built: the model by id or file, parameter
 * overrides and method as a sweep takes them. Problems with those inputs are left to the sweep
 * (null here), which reports them with their fields; `field` is what the caller calls dt.
 */
export function sweepStepSizeCheck(options: { model: string | ModelFile | LoadedModel; parameters?: Record<string, number>; method?: MethodName; dtMs: number }, field = 'dtMs'): StepSizeWarning | null {
  let model: LoadedModel;
  let parameters: Float64Array;
  try {
    const m = options.model;
    model = typeof m === 'string' ? builtinModel(m) : 'stateNames' in m ? (m as LoadedModel) : loadModel(m, 'model');
    parameters = resolveParameters(model, options.parameters, 'parameters');
  } catch {
    return null;
  }
  const method = options.method ?? (model.file.defaultMethod as MethodName);
  if (model.methods[method] !== true) return null;
  return stepSizeCheck(model, parameters, method, options.dtMs, [], field);
}
