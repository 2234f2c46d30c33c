// Channel blockers: a fraction blocked of a named conductance parameter, g -> g (1 - fraction).
// A model file may declare its blockers by name,
//   "blockers": { "TTX": { "parameter": "g_Na", "meaning": "tetrodotoxin: blocks the sodium channels" } }
// and a population blocks by a declared name (TTX) or by the conductance itself (g_Na): any
// parameter a declared blocker names, or a conductance (unit ending in S or S/cm2) whose range
// starts at 0. The loader passes the file's extra keys through untouched (model.file); this module
// reads and checks them, so a bad declaration is refused when a scenario uses the model.
import { InputError, describeValue } from '../errors.js';
import type { LoadedModel } from './loadModel.js';

export interface BlockerDeclaration {
  name: string;
  parameter: string;
  meaning: string;
}

/** A blockable parameter: its index, and the declared blocker names that reach it. */
export interface Blockable {
  parameter: string;
  index: number;
  blockers: string[];
}

const cache = new WeakMap<LoadedModel, { declared: BlockerDeclaration[]; blockable: Blockable[] }>();

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** A conductance by its unit (mS/cm2, nS, uS, S...) whose range lets it reach 0. */
function isConductance(model: LoadedModel, name: string): boolean {
  const spec = model.file.parameters[name];
  return /^[munpk]?S(\/cm2)?$/.test(spec.unit) && spec.min <= 0;
}

/** The model's declared blockers and the parameters a population may block; refuses a bad declaration naming its place. */
export function modelBlockers(model: LoadedModel): { declared: BlockerDeclaration[]; blockable: Blockable[] } {
  const known = cache.get(model);
  if (known) return known;
  const raw = (model.file as unknown as { blockers?: unknown }).blockers;
  const at = (path: string) => `${model.source}: blockers${path}`;
  const declared: BlockerDeclaration[] = [];
  if (raw !== undefined) {
    if (!isObject(raw)) throw new InputError(at(''), `must be an object { NAME: { parameter, meaning } }, got ${describeValue(raw)}`);
    for (const [name, spec] of Object.entries(raw)) {
      if (!/^[A-Za-z][A-Za-z0-9_-]{0,23}$/.test(name)) throw new InputError(at(`.${name}`), 'a blocker name has at most 24 letters, digits, - or _, starting with a letter');
      if (!isObject(spec)) throw new InputError(at(`.${name}`), `must be an object { parameter, meaning }, got ${describeValue(spec)}`);
      const parameter = spec.parameter;
      if (typeof parameter !== 'string' || !model.parameterNames.includes(parameter)) {
        throw new InputError(at(`.${name}.parameter`), `${describeValue(parameter)} is not a parameter of ${model.id} (its parameters: ${model.parameterNames.join(', ')})`);
      }
      if (model.file.parameters[parameter].min > 0) throw new InputError(at(`.${name}.parameter`), `${parameter}'s range starts at ${model.file.parameters[parameter].min}, so it cannot be blocked to 0; its min must be 0`);
      if (typeof spec.meaning !== 'string' || spec.meaning.trim() === '' || spec.meaning.length > 400) throw new InputError(at(`.${name}.meaning`), 'must say in at most 400 characters what the blocker is and blocks');
      declared.push({ name, parameter, meaning: spec.meaning });
    }
  }
  const names = new Set([...declared.map((d) => d.parameter), ...model.parameterNames.filter((p) => isConductance(model, p))]);
  const blockable = model.parameterNames
    .filter((p) => names.has(p))
    .map((parameter) => ({ parameter, index: model.parameterNames.indexOf(parameter), blockers: declared.filter((d) => d.parameter === parameter).map((d) => d.name) }));
  const out = { declared, blockable };
  cache.set(model, out);
  return out;
}

/**
 * A population's `blockers` ({ TTX: 1, g_K: 0.5 }) checked and keyed by parameter: each fraction in
 * [0, 1]; two names for one conductance (TTX and g_Na) are refused. `field` is the scenario path.
 */
export function resolveBlockers(model: LoadedModel, raw: unknown, field: string): Record<string, number> {
  if (raw === undefined) return {};
  if (!isObject(raw)) throw new InputError(field, `must be an object { blocker or conductance: fraction blocked }, got ${describeValue(raw)}`);
  const { declared, blockable } = modelBlockers(model);
  const allowed = [...declared.map((d) => d.name), ...blockable.map((b) => b.parameter)];
  const out: Record<string, number> = {};
  const by: Record<string, string> = {};
  for (const [name, fraction] of Object.entries(raw)) {
    const f = `${field}.${name}`;
    const parameter = declared.find((d) => d.name === name)?.parameter ?? blockable.find((b) => b.parameter === name)?.parameter;
    if (!parameter) throw new InputError(f, `${JSON.stringify(name.slice(0, 40))} is not a blocker or blockable conductance of ${model.id} (${allowed.length > 0 ? `allowed: ${allowed.join(', ')}` : 'it has none'})`);
    if (typeof fraction !== 'number' || !Number.isFinite(fraction) || fraction < 0 || fraction > 1) throw new InputError(f, `must be the fraction blocked, a number in [0, 1], got ${describeValue(fraction)}`);
    if (by[parameter] !== undefined) throw new InputError(f, `blocks ${parameter}, which ${by[parameter]} blocks already; give one of them`);
    by[parameter] = name;
    out[parameter] = fraction;
  }
  return out;
}

/** `parameters` with each blocked conductance scaled by (1 - fraction), in place. A fraction of 1 gives exactly 0. */
export function applyBlockers(model: LoadedModel, parameters: Float64Array, blocked: Record<string, number>): Float64Array {
  for (const [parameter, fraction] of Object.entries(blocked)) {
    const k = model.parameterNames.indexOf(parameter);
    parameters[k] = fraction === 1 ? 0 : parameters[k] * (1 - fraction);
  }
  return parameters;
}
