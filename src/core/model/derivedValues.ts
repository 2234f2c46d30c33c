// Values a model file derives from its parameters, checked finite before anything runs. Each of
// these, not finite, gives a quiet wrong answer rather than a blow-up: a threshold level of NaN
// is never reached (0 Hz, exit 0), a noise mapping of NaN or 0 turns --noise-sigma into NaN or
// Infinity (and the message then blamed the flag), an initial value of NaN was reported as the
// exact method's equation being NaN "at v = NaN", a reset of NaN surfaced only at the first spike.
import type { MathNode } from 'mathjs/number';
import { InputError } from '../errors.js';
import { PointEvaluator } from './evaluate.js';
import { defaultParameters, parametersRead, type LoadedModel } from './loadModel.js';

interface Derived {
  /** Where in the model file (threshold.level, state.v.initial, ...). */
  path: string;
  /** The model file's text for it. */
  text: string;
  value: number;
  /** What the value must be. */
  rule: string;
  nodes: MathNode[];
}

function shown(x: number): string {
  return Number.isNaN(x) ? 'NaN' : Number.isFinite(x) ? String(Number(x.toPrecision(6))) : x > 0 ? 'Infinity' : '-Infinity';
}

/** The first derived value that is not as it must be, for these parameters; null when all are. */
function firstBad(model: LoadedModel, parameters: Float64Array): Derived | null {
  const point = new PointEvaluator(model);
  const initial = point.initialState(parameters);
  for (const k of model.initialOrder) {
    if (!Number.isFinite(initial[k])) {
      const name = model.stateNames[k];
      return { path: `state.${name}.initial`, text: model.file.state[name].initial, value: initial[k], rule: 'a finite number', nodes: [model.initial[k]] };
    }
  }
  // Evaluated at the initial state: a threshold or a reset may read state variables (AdEx's w + b).
  point.set(parameters, initial, 0);
  const at = (node: MathNode) => point.compile(node)(point.values);
  const level = at(model.threshold.level);
  if (!Number.isFinite(level)) return { path: 'threshold.level', text: model.file.threshold.level, value: level, rule: 'a finite number', nodes: [model.threshold.level] };
  for (const r of model.reset) {
    const name = model.stateNames[r.index];
    const value = at(r.value);
    if (!Number.isFinite(value)) return { path: `reset.${name}`, text: String(model.file.reset?.[name] ?? r.value.toString()), value, rule: 'a finite number', nodes: [r.value] };
  }
  if (model.noise) {
    for (const key of ['resistance', 'tau'] as const) {
      const value = at(model.noise[key]);
      if (!(Number.isFinite(value) && value > 0)) {
        const text = (model.file as { noise?: Record<string, string> }).noise?.[key] ?? model.noise[key].toString();
        return { path: `noise.${key}`, text, value, rule: 'a finite number above 0 (it scales --noise-sigma into a current)', nodes: [model.noise[key]] };
      }
    }
  }
  return null;
}

/**
 * Refuse parameters for which a value the model derives from them is not finite (or, for the
 * noise mapping, not positive). `field` is the population's place ("populations[0]"): a value bad
 * with the model's own defaults is the model file's fault (`field.model: threshold.level`); one
 * that the given parameters made bad names the first of them it reads (`field.parameters.NAME`).
 */
export function checkDerivedValues(model: LoadedModel, parameters: Float64Array, field: string, given: Record<string, unknown> = {}): void {
  const bad = firstBad(model, parameters);
  if (!bad) return;
  const read = [...parametersRead(model, bad.nodes)];
  const values = read.map((name) => `${name} = ${shown(parameters[model.parameterNames.indexOf(name)])}`).join(', ');
  const what = `"${bad.text}" of model ${model.id} is ${shown(bad.value)}${values ? ` with ${values}` : ''}; it must be ${bad.rule}`;
  const fromDefaults = firstBad(model, defaultParameters(model)) !== null;
  const changed = read.find((name) => Object.prototype.hasOwnProperty.call(given, name));
  if (fromDefaults || changed === undefined) throw new InputError(`${field}.model: ${bad.path}`, `${what}. Correct the model file.`);
  throw new InputError(`${field}.parameters.${changed}`, `${what}; choose another value`);
}
