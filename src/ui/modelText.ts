// The equation editor's checks, without a DOM: a model file typed as JSON goes through the same
// loader (loadModel: whitelisted expressions, units, ranges, constraints) and the same code
// generator (generateKernelSource: source text only, never run here) as the shipped models, then
// into the scenario in place of a population's model and through validateScenario. The text is
// data from the student or from a link: nothing in it is evaluated as code.
import { InputError, describeValue } from '../core/errors.js';
import { loadModel, type LoadedModel, type MethodName } from '../core/model/loadModel.js';
import { generateKernelSource } from '../core/codegen/kernel.js';
import { builtinModel } from '../core/model/builtinModels.js';
import type { ModelFile } from '../core/model/modelFile.js';
import { validateScenario, type Scenario } from '../scenario/scenario.js';

/** Longest model text checked as one types (a model file is a few kB). */
export const MAX_MODEL_TEXT = 200_000;

export type ModelCheck =
  | { ok: true; model: ModelFile; loaded: LoadedModel; method: MethodName }
  | { ok: false; field: string; message: string; line: number | null };

/** Line (1-based) of a character offset. */
function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let k = 0; k < offset && k < text.length; k++) if (text.charCodeAt(k) === 10) line++;
  return line;
}

/**
 * Where JSON.parse stopped. V8 says "at position N" for most errors, but for an unexpected token
 * it quotes the text around it instead (`Unexpected token '{', ..."context"... is not valid JSON`):
 * then the quoted context is found in the text and the token nearest its middle taken.
 */
function jsonErrorOffset(text: string, detail: string): number | null {
  const position = /position (\d+)/.exec(detail);
  if (position) return Number(position[1]);
  const quoted = /^Unexpected token '([\s\S])', (?:\.\.\.)?"([\s\S]*?)"(?:\.\.\.)? is not valid JSON$/.exec(detail);
  if (!quoted) return null;
  const [, token, context] = quoted;
  const start = text.indexOf(context);
  if (start < 0 || text.indexOf(context, start + 1) >= 0) return null; // not found, or not unique
  let best = -1;
  for (let k = context.indexOf(token); k >= 0; k = context.indexOf(token, k + 1)) {
    if (best < 0 || Math.abs(k - context.length / 2) < Math.abs(best - context.length / 2)) best = k;
  }
  return best < 0 ? null : start + best;
}

/** The line of the JSON text where a field's string value sits (e.g. an equation), if it can be found. */
function lineOfValue(text: string, value: unknown): number | null {
  if (typeof value !== 'string' || value.length === 0) return null;
  const at = text.indexOf(JSON.stringify(value));
  return at < 0 ? null : lineOf(text, at);
}

/** Follow a message's field path ("model: equations[0]") into the parsed file, for its line. */
function valueAt(raw: unknown, field: string): unknown {
  const path = field.replace(/^[^:]*:\s*/, '');
  let at: unknown = raw;
  for (const part of path.match(/[^.[\]]+/g) ?? []) {
    if (typeof at !== 'object' || at === null) return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  return at;
}

/**
 * Check a model file's text as one types: JSON, then the loader, then the code generator for the
 * method the population will use (the model's default unless `method` names another).
 */
export function checkModelText(text: string, method?: MethodName, source = 'model'): ModelCheck {
  if (text.length > MAX_MODEL_TEXT) return { ok: false, field: source, message: `${source}: is ${text.length} characters long; at most ${MAX_MODEL_TEXT} are checked`, line: null };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    const detail = err instanceof Error ? err.message : 'parse error';
    const offset = jsonErrorOffset(text, detail);
    const line = offset === null ? null : lineOf(text, offset);
    return { ok: false, field: source, message: `${source}: is not valid JSON${line ? ` (line ${line})` : ''}: ${detail.slice(0, 160)}`, line };
  }
  let loaded: LoadedModel;
  try {
    loaded = loadModel(raw, source);
  } catch (err) {
    if (!(err instanceof InputError)) return { ok: false, field: source, message: `${source}: cannot be read (${err instanceof Error ? err.message.slice(0, 160) : describeValue(err)})`, line: null };
    return { ok: false, field: err.field, message: err.message, line: lineOfValue(text, valueAt(raw, err.field)) };
  }
  const use = method ?? (loaded.file.defaultMethod as MethodName);
  if (loaded.methods[use] !== true) {
    return { ok: false, field: `${source}: method`, message: `${source}: the population's method "${use}" cannot integrate these equations: ${String(loaded.methods[use] ?? 'not available')}`, line: null };
  }
  try {
    generateKernelSource(loaded, use);
  } catch (err) {
    if (!(err instanceof InputError)) return { ok: false, field: source, message: `${source}: the code generator refused it (${err instanceof Error ? err.message.slice(0, 160) : describeValue(err)})`, line: null };
    return { ok: false, field: err.field, message: err.message, line: null };
  }
  return { ok: true, model: raw as ModelFile, loaded, method: use };
}

/** Keys shown first: what a student edits most sits at the top of the text. */
const KEY_ORDER = ['format', 'id', 'name', 'description', 'input', 'equations', 'expressions', 'threshold', 'reset', 'refractory', 'parameters', 'state'];

/**
 * A model file as text to edit: the equations near the top, one line per parameter and state
 * variable, lists of strings one item a line. JSON.parse of it gives the same file back.
 */
export function formatModelFile(file: ModelFile): string {
  const raw = file as unknown as Record<string, unknown>;
  const keys = [...KEY_ORDER.filter((k) => k in raw), ...Object.keys(raw).filter((k) => !KEY_ORDER.includes(k))];
  const parts = keys.map((key) => {
    const value = raw[key];
    let text: string;
    if (typeof value === 'object' && value !== null && !Array.isArray(value) && ['parameters', 'state', 'regimes'].includes(key)) {
      const rows = Object.entries(value).map(([name, spec]) => `  ${JSON.stringify(name)}: ${JSON.stringify(spec)}`);
      text = rows.length === 0 ? '{}' : `{\n${rows.join(',\n')}\n }`;
    } else if (Array.isArray(value) && value.length > 0 && value.every((x) => typeof x === 'string')) {
      text = `[\n${value.map((x) => `  ${JSON.stringify(x)}`).join(',\n')}\n ]`;
    } else text = JSON.stringify(value);
    return ` ${JSON.stringify(key)}: ${text}`;
  });
  return `{\n${parts.join(',\n')}\n}\n`;
}

interface PopulationShape {
  name: string;
  model: string | ModelFile;
  parameters?: Record<string, number>;
  regime?: string;
  initial?: Record<string, unknown>;
  method?: MethodName;
}

/** The model file a population of a scenario runs (a shipped one by id, or its inline file). */
export function modelFileOf(scenario: unknown, population: string): ModelFile | null {
  const pop = (scenario as { populations?: PopulationShape[] } | null)?.populations?.find((p) => p.name === population);
  if (!pop) return null;
  if (typeof pop.model === 'string') {
    try {
      return structuredClone(builtinModel(pop.model).file);
    } catch {
      return null;
    }
  }
  return structuredClone(pop.model);
}

/**
 * The scenario with a population's model replaced by an edited file. The student's parameter
 * values stay where the new model still has that parameter (and its range allows them); a
 * regime or initial value the new model lacks is dropped. Then the whole passes validateScenario.
 */
export function scenarioWithModel(scenario: unknown, population: string, model: ModelFile): { ok: true; scenario: Scenario } | { ok: false; field: string; message: string } {
  const copy = structuredClone(scenario) as { populations?: PopulationShape[] };
  const pop = copy.populations?.find((p) => p.name === population);
  if (!pop) return { ok: false, field: 'population', message: `population: ${describeValue(population)} is not in the scenario` };
  pop.model = model;
  if (pop.parameters) {
    const kept: Record<string, number> = {};
    for (const [name, value] of Object.entries(pop.parameters)) {
      const spec = Object.prototype.hasOwnProperty.call(model.parameters, name) ? model.parameters[name] : undefined;
      if (spec && value >= spec.min && value <= spec.max) kept[name] = value;
    }
    pop.parameters = kept;
  }
  if (pop.regime !== undefined && !(model.regimes && Object.prototype.hasOwnProperty.call(model.regimes, pop.regime))) delete pop.regime;
  if (pop.initial) {
    for (const name of Object.keys(pop.initial)) if (!Object.prototype.hasOwnProperty.call(model.state, name)) delete pop.initial[name];
  }
  try {
    return { ok: true, scenario: validateScenario(copy).scenario };
  } catch (err) {
    if (err instanceof InputError) return { ok: false, field: err.field, message: err.message };
    return { ok: false, field: 'scenario', message: `scenario: cannot be built (${err instanceof Error ? err.message.slice(0, 160) : describeValue(err)})` };
  }
}
