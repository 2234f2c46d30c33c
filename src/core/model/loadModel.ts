// Load and validate a model file: every problem is reported with the place it was found. Besides
// the equations, a file says what the page and the bridge need to know about the model (its
// membrane variable, its gates and ionic currents with their display names and colours, its
// default f-I sweep and rheobase), so no code needs to know a model by its id; those come out
// parsed and checked on LoadedModel (display, sweep, rheobase). The largest safe step is not
// declared: timescale.ts derives it from the equations.
import type { MathNode } from 'mathjs/number';
import { ConstantNode, ParenthesisNode } from '../math.js';
import { InputError, describeValue } from '../errors.js';
import { checkIdentifier, parseExpression, symbolsOf, toClosure, type Evaluator } from '../codegen/expression.js';
import { MODEL_FORMAT, SWEEP_LIMITS, type ModelFile, type ParameterSpec } from './modelFile.js';
import { NamedValues, type NamedExpression } from './namedValues.js';
import { symbol } from './symbolic.js';

export const METHODS = ['exact', 'staggered', 'exponential_euler', 'rk4', 'euler'] as const;
export type MethodName = (typeof METHODS)[number];

export const METHOD_DESCRIPTIONS: Record<MethodName, string> = {
  exact: 'exact integration of linear equations (piecewise-constant input)',
  staggered: 'exponential Euler on a staggered grid: gates half a step apart from v (second order, as NEURON)',
  exponential_euler: 'exponential Euler, all variables at once (first order, as Brian2)',
  rk4: 'classic fourth-order Runge-Kutta',
  euler: 'forward Euler (first order; for teaching comparisons)',
};

export interface StateEquation {
  name: string;
  index: number;
  /** Its place in the model file's `equations`. */
  line: number;
  /** Right-hand side; named expressions are referenced by name. */
  rhs: MathNode;
  /** State variables the right-hand side reads (through named expressions too). */
  reads: Set<string>;
  /** d rhs / d self, or null when it has none (whyNoCoefficient says why). */
  selfCoefficient: MathNode | null;
  whyNoCoefficient: string;
}

export type { NamedExpression };

/** A state variable or current as the page draws it. */
export interface DisplayEntry {
  /** The state variable or named expression. */
  name: string;
  label: string;
  /** '#rrggbb' */
  colour: string;
}

/** The model's f-I sweep, its input expressions with `rheobase` written out: functions of parameters only. */
export interface LoadedSweep {
  from: MathNode;
  to: MathNode;
  step: MathNode;
  dtMs: number;
  durationMs: number;
  discardMs: number;
  neuronsWithNoise: number;
}

export interface LoadedModel {
  file: ModelFile;
  id: string;
  source: string;
  parameterNames: string[];
  stateNames: string[];
  inputSymbol: string;
  expressions: NamedExpression[]; // in dependency order
  /**
   * Values the loader derived from the named expressions (derivatives `$d$name$variable`, values
   * at zero state `$z$name`; see namedValues.ts), in dependency order after `expressions`. The
   * coefficients below may name them; they are evaluated like named expressions.
   */
  derived: NamedExpression[];
  equations: StateEquation[]; // in stateNames order
  initial: MathNode[]; // in stateNames order
  initialOrder: number[]; // state indices in an order where dependencies come first
  threshold: { variable: string; index: number; level: MathNode };
  reset: { index: number; value: MathNode }[];
  refractory: { period: MathNode; clamp: number[] } | null;
  noise: { resistance: MathNode; tau: MathNode } | null;
  constraints: { check: MathNode; message: string; text: string }[];
  bounds: { index: number; low: number; high: number }[];
  /** Methods this model's equations allow, and why the others are refused. */
  methods: Partial<Record<MethodName, true | string>>;
  /**
   * Staggered method with a rate table: for each listed variable x, dx/dt = a(v) x + b(v), so
   * a whole step is x <- E(v) x + B(v) with E = exp(a dt), B = b dt exprel(a dt), tabulated over v.
   */
  rateTable: { from: number; to: number; step: number; gates: { index: number; coefficient: MathNode; offset: MathNode }[] } | null;
  /** Named parameter sets (checked against ranges and constraints when the model loads). */
  regimes: Map<string, { meaning: string; parameters: Record<string, number> }>;
  /** Exact method: d rhs_k / d state_j and d rhs_k / d input, functions of parameters only (and of named values that are). */
  linear: { matrix: MathNode[][]; inputCoefficient: MathNode[]; offset: MathNode[] } | null;
  /**
   * What the page draws: the membrane potential (null when the file does not say which variable
   * it is), the gating variables and the ionic currents (named expressions, in the input's unit,
   * outward positive), in the file's order.
   */
  display: {
    membrane: { name: string; index: number; unit: string } | null;
    gates: (DisplayEntry & { index: number })[];
    currents: DisplayEntry[];
  };
  /** The default f-I sweep, or null when the file declares none. */
  sweep: LoadedSweep | null;
  /** The input at which repetitive firing starts, a function of parameters; null when the file gives no closed form. */
  rheobase: MathNode | null;
}

const ODE = /^\s*d([A-Za-z][A-Za-z0-9_]*)\s*\/\s*dt\s*=(?!=)([\s\S]*)$/;
const DEFINITION = /^\s*([A-Za-z][A-Za-z0-9_]*)\s*=(?!=)([\s\S]*)$/;

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function requireString(obj: Record<string, unknown>, key: string, field: string, maxLength = 4000): string {
  const value = obj[key];
  if (typeof value !== 'string') throw new InputError(`${field}.${key}`, `expected a string, got ${describeValue(value)}`);
  if (value.length > maxLength) throw new InputError(`${field}.${key}`, `is ${value.length} characters long; at most ${maxLength} are allowed`);
  return value;
}

function ownKeys(obj: Record<string, unknown>): string[] {
  return Object.keys(obj);
}

/**
 * Validate `raw` (parsed JSON of a model file) and prepare it for code generation.
 * `source` names the file in messages, e.g. "models/hh.json".
 */
export function loadModel(raw: unknown, source: string): LoadedModel {
  const at = (path: string) => (path ? `${source}: ${path}` : source);
  if (!isObject(raw)) throw new InputError(at(''), `a model file must be a JSON object, got ${describeValue(raw)}`);
  if (raw.format !== MODEL_FORMAT) {
    throw new InputError(at('format'), `is ${describeValue(raw.format)}; this version reads "${MODEL_FORMAT}"`);
  }
  const id = requireString(raw, 'id', at(''), 40);
  if (!/^[a-z][a-z0-9_-]*$/.test(id)) throw new InputError(at('id'), `${describeValue(id)} must be lower-case letters, digits, - or _`);
  requireString(raw, 'name', at(''), 200);
  if (raw.shortName !== undefined && requireString(raw, 'shortName', at(''), 24).trim() === '') throw new InputError(at('shortName'), 'is empty; give the name a sentence uses, or leave it out');
  requireString(raw, 'description', at(''));

  // Input
  if (!isObject(raw.input)) throw new InputError(at('input'), 'must be an object { symbol, unit, meaning }');
  const inputSymbol = requireString(raw.input, 'symbol', at('input'), 40);
  checkIdentifier(inputSymbol, at('input.symbol'));

  // Parameters
  if (!isObject(raw.parameters)) throw new InputError(at('parameters'), 'must be an object of { value, unit, min, max, meaning }');
  const parameterNames = ownKeys(raw.parameters);
  const declared = new Map<string, string>(); // name -> kind
  declared.set(inputSymbol, 'input');
  for (const name of parameterNames) {
    const field = at(`parameters.${name}`);
    checkIdentifier(name, field);
    if (declared.has(name)) throw new InputError(field, `"${name}" is already declared as ${declared.get(name)}`);
    declared.set(name, 'parameter');
    const p = raw.parameters[name];
    if (!isObject(p)) throw new InputError(field, 'must be an object { value, unit, min, max, meaning }');
    for (const key of ['value', 'min', 'max'] as const) {
      if (typeof p[key] !== 'number' || !Number.isFinite(p[key])) throw new InputError(`${field}.${key}`, `must be a finite number, got ${describeValue(p[key])}`);
    }
    requireString(p, 'unit', field, 40);
    requireString(p, 'meaning', field, 400);
    const spec = p as unknown as ParameterSpec;
    if (spec.min > spec.max) throw new InputError(field, `min ${spec.min} is above max ${spec.max}`);
    if (spec.value < spec.min || spec.value > spec.max) throw new InputError(`${field}.value`, `${spec.value} is outside its range [${spec.min}, ${spec.max}]`);
  }

  // State variables
  if (!isObject(raw.state) || ownKeys(raw.state).length === 0) throw new InputError(at('state'), 'must declare at least one state variable');
  const stateNames = ownKeys(raw.state);
  if (stateNames.length > 32) throw new InputError(at('state'), `${stateNames.length} state variables; at most 32 are allowed`);
  for (const name of stateNames) {
    const field = at(`state.${name}`);
    checkIdentifier(name, field);
    if (declared.has(name)) throw new InputError(field, `"${name}" is already declared as ${declared.get(name)}`);
    declared.set(name, 'state variable');
    const s = raw.state[name];
    if (!isObject(s)) throw new InputError(field, 'must be an object { initial, unit, meaning }');
    requireString(s, 'initial', field);
    requireString(s, 'unit', field, 40);
    requireString(s, 'meaning', field, 400);
  }

  // Named expressions: declare all names first so they may be written in any order.
  const expressionTexts = raw.expressions ?? [];
  if (!Array.isArray(expressionTexts)) throw new InputError(at('expressions'), 'must be a list of "name = expression" strings');
  if (expressionTexts.length > 200) throw new InputError(at('expressions'), 'at most 200 expressions are allowed');
  const exprDefs: { name: string; text: string; field: string; rhsOffset: number }[] = [];
  expressionTexts.forEach((text: unknown, k: number) => {
    const field = at(`expressions[${k}]`);
    if (typeof text !== 'string') throw new InputError(field, `expected a string "name = expression", got ${describeValue(text)}`);
    const m = DEFINITION.exec(text);
    if (!m) throw new InputError(field, `${describeValue(text)} is not of the form "name = expression"`);
    const name = m[1];
    checkIdentifier(name, field);
    if (declared.has(name)) throw new InputError(field, `"${name}" is already declared as ${declared.get(name)}`);
    declared.set(name, 'expression');
    exprDefs.push({ name, text: m[2], field, rhsOffset: text.length - m[2].length });
  });
  const isDeclared = (name: string) => declared.has(name);
  const parseAt = (text: string, field: string) => parseExpression(text, field, isDeclared);

  const exprNodes = new Map<string, MathNode>();
  for (const def of exprDefs) exprNodes.set(def.name, parseAt(def.text, def.field));

  // Order expressions by dependency; refuse cycles.
  const ordered: string[] = [];
  const placedExpressions = new Set<string>();
  const visiting = new Set<string>();
  const visit = (name: string, chain: string[]) => {
    if (placedExpressions.has(name)) return;
    if (visiting.has(name)) throw new InputError(at('expressions'), `circular definition: ${[...chain, name].join(' -> ')}`);
    visiting.add(name);
    for (const dep of symbolsOf(exprNodes.get(name)!)) if (exprNodes.has(dep)) visit(dep, [...chain, name]);
    visiting.delete(name);
    placedExpressions.add(name);
    ordered.push(name);
  };
  for (const def of exprDefs) visit(def.name, []);

  // Named expressions are never substituted into each other: x2 = x1 + x1, x1 = x0 + x0, ...
  // would double at each level. What the analysis needs of them (the state variables and input
  // they depend on, their derivatives, their value at zero state) is worked out once per named
  // expression from its own text and the results for the names it uses, so the work is linear
  // in the size of the model.
  const stateSet = new Set(stateNames);
  const values = new NamedValues(stateSet, inputSymbol);
  const expressions: NamedExpression[] = ordered.map((name) => {
    const node = exprNodes.get(name)!;
    values.add(name, node);
    return { name, node, reads: values.readsOf(node) };
  });

  // Differential equations
  if (!Array.isArray(raw.equations)) throw new InputError(at('equations'), 'must be a list of "dx/dt = expression" strings');
  const rhsByState = new Map<string, { node: MathNode; line: number }>();
  raw.equations.forEach((text: unknown, k: number) => {
    const field = at(`equations[${k}]`);
    if (typeof text !== 'string') throw new InputError(field, `expected a string "dx/dt = expression", got ${describeValue(text)}`);
    const m = ODE.exec(text);
    if (!m) throw new InputError(field, `${describeValue(text)} is not of the form "dx/dt = expression"`);
    const name = m[1];
    if (!stateSet.has(name)) throw new InputError(field, `d${name}/dt: "${name}" is not a declared state variable (declared: ${stateNames.join(', ')})`);
    if (rhsByState.has(name)) throw new InputError(field, `a second equation for d${name}/dt`);
    rhsByState.set(name, { node: parseAt(m[2], field), line: k });
  });
  for (const name of stateNames) {
    if (!rhsByState.has(name)) throw new InputError(at(`state.${name}`), `the state variable "${name}" has no equation d${name}/dt = ...`);
  }

  const paramSet = new Set(parameterNames);
  const requireParameters = (text: string, field: string): MathNode => {
    const node = parseAt(text, field);
    const bad = [...symbolsOf(node)].filter((s) => !paramSet.has(s));
    if (bad.length > 0) {
      const kind = declared.get(bad[0])!;
      throw new InputError(field, `may use parameters only; "${bad[0]}" is ${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind}`);
    }
    return node;
  };

  const equations: StateEquation[] = stateNames.map((name, index) => {
    const { node: rhs, line } = rhsByState.get(name)!;
    const d = values.derivative(rhs, name);
    return { name, index, line, rhs, reads: values.readsOf(rhs), selfCoefficient: d.node, whyNoCoefficient: d.why };
  });

  // Initial values: expressions of parameters, named expressions and other initial values.
  const initial = stateNames.map((name) => parseAt((raw.state as Record<string, { initial: string }>)[name].initial, at(`state.${name}.initial`)));
  const initialDeps = initial.map((node) => values.readsOf(node));
  const initialOrder: number[] = [];
  const placed = new Set<number>();
  for (let round = 0; round < stateNames.length && placed.size < stateNames.length; round++) {
    stateNames.forEach((name, k) => {
      if (placed.has(k)) return;
      if ([...initialDeps[k]].every((dep) => dep !== name && placed.has(stateNames.indexOf(dep)))) {
        initialOrder.push(k);
        placed.add(k);
      }
    });
  }
  if (placed.size < stateNames.length) {
    const stuck = stateNames.filter((_, k) => !placed.has(k));
    throw new InputError(at(`state.${stuck[0]}.initial`), `initial values depend on each other in a circle (${stuck.join(', ')})`);
  }

  // Threshold, reset, refractoriness
  if (!isObject(raw.threshold)) throw new InputError(at('threshold'), 'must be an object { variable, level }');
  const thresholdVariable = requireString(raw.threshold, 'variable', at('threshold'), 40);
  if (!stateSet.has(thresholdVariable)) throw new InputError(at('threshold.variable'), `${describeValue(thresholdVariable)} is not a state variable (declared: ${stateNames.join(', ')})`);
  const level = requireParameters(requireString(raw.threshold, 'level', at('threshold')), at('threshold.level'));
  if (raw.threshold.label !== undefined) requireString(raw.threshold, 'label', at('threshold'), 40);

  const resetRaw = raw.reset ?? {};
  if (!isObject(resetRaw)) throw new InputError(at('reset'), 'must be an object { stateVariable: expression }');
  const reset = ownKeys(resetRaw).map((name) => {
    const field = at(`reset.${name}`);
    if (!stateSet.has(name)) throw new InputError(field, `"${name}" is not a state variable`);
    const text = resetRaw[name];
    if (typeof text !== 'string') throw new InputError(field, `expected an expression string, got ${describeValue(text)}`);
    return { index: stateNames.indexOf(name), value: parseAt(text, field) };
  });

  let refractory: LoadedModel['refractory'] = null;
  if (raw.refractory !== undefined) {
    if (!isObject(raw.refractory)) throw new InputError(at('refractory'), 'must be an object { period, clamp }');
    const period = requireParameters(requireString(raw.refractory, 'period', at('refractory')), at('refractory.period'));
    const clampRaw = raw.refractory.clamp;
    if (!Array.isArray(clampRaw)) throw new InputError(at('refractory.clamp'), 'must be a list of state variables held during the refractory period');
    const clamp = clampRaw.map((name: unknown, k: number) => {
      if (typeof name !== 'string' || !stateSet.has(name)) throw new InputError(at(`refractory.clamp[${k}]`), `${describeValue(name)} is not a state variable`);
      return stateNames.indexOf(name);
    });
    refractory = { period, clamp };
  }

  let noise: LoadedModel['noise'] = null;
  if (raw.noise !== undefined) {
    if (!isObject(raw.noise)) throw new InputError(at('noise'), 'must be an object { resistance, tau }');
    noise = {
      resistance: requireParameters(requireString(raw.noise, 'resistance', at('noise')), at('noise.resistance')),
      tau: requireParameters(requireString(raw.noise, 'tau', at('noise')), at('noise.tau')),
    };
  }

  const constraintsRaw = raw.constraints ?? [];
  if (!Array.isArray(constraintsRaw)) throw new InputError(at('constraints'), 'must be a list of { check, message }');
  const constraints = constraintsRaw.map((c: unknown, k: number) => {
    const field = at(`constraints[${k}]`);
    if (!isObject(c)) throw new InputError(field, 'must be an object { check, message }');
    const text = requireString(c, 'check', field);
    const message = requireString(c, 'message', field, 400);
    // What a user reads when the check fails: a blank one printed "--set:  (V_reset < V_th fails ...)".
    if (message.trim() === '') throw new InputError(`${field}.message`, `is empty; say what "${text.slice(0, 80)}" means, as a user reads it when it fails`);
    return { check: requireParameters(text, `${field}.check`), message, text };
  });

  const boundsRaw = raw.bounds ?? {};
  if (!isObject(boundsRaw)) throw new InputError(at('bounds'), 'must be an object { stateVariable: [low, high] }');
  const bounds = ownKeys(boundsRaw).map((name) => {
    const b = boundsRaw[name];
    if (!stateSet.has(name)) throw new InputError(at(`bounds.${name}`), `"${name}" is not a state variable`);
    if (!Array.isArray(b) || b.length !== 2 || !b.every((x) => typeof x === 'number' && Number.isFinite(x)) || b[0] >= b[1]) {
      throw new InputError(at(`bounds.${name}`), `must be [low, high] with low < high, got ${describeValue(b)}`);
    }
    return { index: stateNames.indexOf(name), low: b[0] as number, high: b[1] as number };
  });

  // Which integrators the equations allow.
  const methods: LoadedModel['methods'] = { rk4: true, euler: true };
  const nonDifferentiable = equations.find((eq) => eq.selfCoefficient === null);
  methods.exponential_euler = nonDifferentiable
    ? `cannot differentiate d${nonDifferentiable.name}/dt with respect to ${nonDifferentiable.name} (${nonDifferentiable.whyNoCoefficient})`
    : true;
  const leader = thresholdVariable;
  const badFollower = equations.find((eq) => eq.name !== leader && [...eq.reads].some((s) => s !== eq.name && s !== leader));
  methods.staggered = nonDifferentiable
    ? methods.exponential_euler
    : badFollower
      ? `d${badFollower.name}/dt reads ${[...badFollower.reads].filter((s) => s !== badFollower.name && s !== leader).join(', ')}; the staggered scheme needs every variable other than ${leader} to depend only on itself and ${leader}`
      : true;

  // Exact integration: dx/dt = M x + c0 + cI I with M, c0, cI functions of parameters alone.
  // The first equation that is not stops the analysis (nothing else needs it).
  let linear: LoadedModel['linear'] = null;
  let whyNotExact = '';
  const matrix: MathNode[][] = [];
  const inputCoefficient: MathNode[] = [];
  const offset: MathNode[] = [];
  const coefficient = (eq: StateEquation, variable: string, what: string): MathNode | null => {
    const d = eq.name === variable ? { node: eq.selfCoefficient, why: eq.whyNoCoefficient } : values.derivative(eq.rhs, variable);
    if (d.node && values.onlyParameters(d.node, paramSet)) return d.node;
    whyNotExact = `d${eq.name}/dt is not linear in ${what} with a constant coefficient${d.node ? '' : ` (${d.why})`}`;
    return null;
  };
  for (const eq of equations) {
    const row: MathNode[] = [];
    for (const other of stateNames) {
      const c = coefficient(eq, other, other);
      if (!c) break;
      row.push(c);
    }
    const dInput = !whyNotExact && coefficient(eq, inputSymbol, `the input ${inputSymbol}`);
    if (whyNotExact || !dInput) break;
    matrix.push(row);
    inputCoefficient.push(dInput);
    // Folded, so a variable with no offset (dge/dt = -ge / tau_e gives -0 / tau_e) reads as 0
    // and the kernels leave its term out.
    offset.push(values.atZero(eq.rhs));
  }
  if (!whyNotExact) linear = { matrix, inputCoefficient, offset };
  methods.exact = whyNotExact ? `${whyNotExact}; exact integration needs linear equations` : true;

  let rateTable: LoadedModel['rateTable'] = null;
  if (raw.rateTable !== undefined) {
    const t = raw.rateTable;
    const field = at('rateTable');
    if (!isObject(t) || !['from', 'to', 'step'].every((k) => typeof t[k] === 'number' && Number.isFinite(t[k]))) {
      throw new InputError(field, `must be { from, to, step } with finite numbers, got ${describeValue(t)}`);
    }
    const { from, to, step } = t as { from: number; to: number; step: number };
    if (!(to > from) || !(step > 0) || (to - from) / step > 200000) {
      throw new InputError(field, `needs from < to and 0 < step, with at most 200000 points; got from ${from}, to ${to}, step ${step}`);
    }
    // Gates: variables other than the leader whose equation is linear in themselves with
    // coefficients of the leader alone, x' = a(v) x + b(v). (A gate whose named expressions read
    // the gate itself is evaluated, not tabulated: b would need them at x = 0.)
    const gates = equations
      .filter((eq) => eq.name !== leader && methods.staggered === true && eq.selfCoefficient !== null)
      .filter((eq) => [...eq.reads].every((r) => r === eq.name || r === leader) && !values.dependsOn(eq.rhs).has(inputSymbol))
      .filter((eq) => !values.readsOf(eq.selfCoefficient!).has(eq.name))
      .filter((eq) => [...symbolsOf(eq.rhs)].every((name) => !values.has(name) || !values.dependsOn(symbol(name)).has(eq.name)))
      .map((eq) => ({
        index: eq.index,
        coefficient: eq.selfCoefficient!,
        offset: eq.rhs.transform((child) =>
          child.type === 'SymbolNode' && (child as unknown as { name: string }).name === eq.name ? new ConstantNode(0) : child,
        ),
      }));
    if (gates.length > 0) rateTable = { from, to, step, gates };
  }

  const display = loadDisplay(raw, at, stateNames, new Set(exprNodes.keys()));
  let rheobase: MathNode | null = null;
  if (raw.rheobase !== undefined) {
    if (typeof raw.rheobase !== 'string') throw new InputError(at('rheobase'), `must be an expression of the parameters, got ${describeValue(raw.rheobase)}`);
    rheobase = requireParameters(raw.rheobase, at('rheobase'));
  }
  const sweep = raw.sweep === undefined ? null : loadSweep(raw.sweep, at, rheobase, parseAt, paramSet, declared);

  const defaultMethod = raw.defaultMethod;
  if (typeof defaultMethod !== 'string' || !(METHODS as readonly string[]).includes(defaultMethod)) {
    throw new InputError(at('defaultMethod'), `${describeValue(defaultMethod)} is not a method; choose one of ${METHODS.join(', ')}`);
  }
  if (methods[defaultMethod as MethodName] !== true) {
    throw new InputError(at('defaultMethod'), `"${defaultMethod}" cannot integrate this model: ${methods[defaultMethod as MethodName]}`);
  }

  const model: LoadedModel = {
    file: raw as unknown as ModelFile,
    id,
    source,
    parameterNames,
    stateNames,
    inputSymbol,
    expressions,
    derived: values.derived,
    equations,
    initial,
    initialOrder,
    threshold: { variable: thresholdVariable, index: stateNames.indexOf(thresholdVariable), level },
    reset,
    refractory,
    noise,
    constraints,
    bounds,
    methods,
    linear,
    rateTable,
    regimes: new Map(),
    display,
    sweep,
    rheobase,
  };
  // The defaults themselves must satisfy the constraints, and give a sweep the planner accepts.
  checkParameters(model, defaultParameters(model), source);
  if (sweep) checkSweepAtDefaults(model, at('sweep'));
  if (raw.regimes !== undefined) {
    if (!isObject(raw.regimes)) throw new InputError(at('regimes'), 'must be an object of { meaning, parameters }');
    const names = ownKeys(raw.regimes);
    if (names.length > 50) throw new InputError(at('regimes'), `${names.length} regimes; at most 50 are allowed`);
    for (const name of names) {
      const field = at(`regimes.${name}`);
      if (!/^[A-Za-z][A-Za-z0-9_ -]{0,39}$/.test(name)) throw new InputError(field, 'a regime name is a letter followed by up to 39 letters, digits, spaces, - or _');
      const r = raw.regimes[name];
      if (!isObject(r)) throw new InputError(field, 'must be an object { meaning, parameters }');
      const meaning = requireString(r, 'meaning', field, 400);
      if (!isObject(r.parameters)) throw new InputError(`${field}.parameters`, 'must be an object of parameter values');
      resolveParameters(model, r.parameters, `${field}.parameters`);
      model.regimes.set(name, { meaning, parameters: { ...(r.parameters as Record<string, number>) } });
    }
  }
  return model;
}

const COLOUR = /^#[0-9a-fA-F]{6}$/;
const MAX_LABEL = 40;

function displayEntry(value: unknown, field: string): { label: string; colour: string } {
  if (!isObject(value)) throw new InputError(field, `must be an object { label, colour }, got ${describeValue(value)}`);
  const label = requireString(value, 'label', field, MAX_LABEL);
  if (label.trim() === '') throw new InputError(`${field}.label`, 'is empty; give the name the page shows');
  const colour = requireString(value, 'colour', field, 7);
  if (!COLOUR.test(colour)) throw new InputError(`${field}.colour`, `${describeValue(colour)} is not a colour of the form "#rrggbb"`);
  return { label, colour };
}

/** membrane, gates and currents: which variables and expressions are what, and how they are drawn. */
function loadDisplay(raw: Record<string, unknown>, at: (path: string) => string, stateNames: string[], expressionNames: Set<string>): LoadedModel['display'] {
  const state = raw.state as Record<string, { unit: string }>;
  let membrane: LoadedModel['display']['membrane'] = null;
  if (raw.membrane !== undefined) {
    if (!isObject(raw.membrane)) throw new InputError(at('membrane'), `must be an object { variable }, got ${describeValue(raw.membrane)}`);
    const name = requireString(raw.membrane, 'variable', at('membrane'), 40);
    if (!stateNames.includes(name)) throw new InputError(at('membrane.variable'), `${describeValue(name)} is not a state variable (declared: ${stateNames.join(', ')})`);
    membrane = { name, index: stateNames.indexOf(name), unit: state[name].unit };
  }
  const gatesRaw = raw.gates ?? {};
  if (!isObject(gatesRaw)) throw new InputError(at('gates'), `must be an object { stateVariable: { label, colour } }, got ${describeValue(gatesRaw)}`);
  const gates = ownKeys(gatesRaw).map((name) => {
    const field = at(`gates.${name}`);
    if (!stateNames.includes(name)) throw new InputError(field, `"${name.slice(0, 40)}" is not a state variable (declared: ${stateNames.join(', ')})`);
    if (membrane && name === membrane.name) throw new InputError(field, `"${name}" is the membrane variable, not a gate`);
    return { name, index: stateNames.indexOf(name), ...displayEntry(gatesRaw[name], field) };
  });
  const currentsRaw = raw.currents ?? {};
  if (!isObject(currentsRaw)) throw new InputError(at('currents'), `must be an object { expressionName: { label, colour } }, got ${describeValue(currentsRaw)}`);
  const currents = ownKeys(currentsRaw).map((name) => {
    const field = at(`currents.${name}`);
    if (!expressionNames.has(name)) {
      const known = [...expressionNames];
      throw new InputError(field, `"${name.slice(0, 40)}" is not a named expression${known.length > 0 ? ` (named: ${known.join(', ')})` : ' (the file has no "expressions")'}`);
    }
    return { name, ...displayEntry(currentsRaw[name], field) };
  });
  return { membrane, gates, currents };
}

/**
 * The sweep section: its input expressions may read parameters and, when the model declares a
 * rheobase, `rheobase` (written out here, so all three are functions of parameters alone).
 */
function loadSweep(
  raw: unknown,
  at: (path: string) => string,
  rheobase: MathNode | null,
  parseAt: (text: string, field: string) => MathNode,
  parameters: Set<string>,
  declared: Map<string, string>,
): LoadedSweep {
  const field = at('sweep');
  if (!isObject(raw)) throw new InputError(field, `must be an object { from, to, step, dtMs, durationMs, discardMs, neuronsWithNoise }, got ${describeValue(raw)}`);
  if (rheobase && declared.has('rheobase')) throw new InputError(at('rheobase'), `"rheobase" is also declared as ${declared.get('rheobase')}, so the sweep's "rheobase" would be ambiguous; rename it`);
  const input = (key: 'from' | 'to' | 'step'): MathNode => {
    const f = `${field}.${key}`;
    const text = requireString(raw, key, field);
    const node = rheobase ? parseExpression(text, f, (name) => name === 'rheobase' || declared.has(name)) : parseAt(text, f);
    const bad = [...symbolsOf(node)].find((name) => name !== 'rheobase' && !parameters.has(name));
    if (bad !== undefined) {
      const kind = declared.get(bad)!;
      throw new InputError(f, `may use parameters${rheobase ? ' and rheobase' : ''} only; "${bad}" is ${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind}`);
    }
    if (!rheobase) return node;
    return node.transform((child) => (child.type === 'SymbolNode' && (child as unknown as { name: string }).name === 'rheobase' ? new ParenthesisNode(rheobase) : child));
  };
  const number = (key: 'dtMs' | 'durationMs' | 'discardMs' | 'neuronsWithNoise', low: number, high: number, whole = false): number => {
    const value = raw[key];
    const f = `${field}.${key}`;
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new InputError(f, `must be a number, got ${describeValue(value)}`);
    if (value < low || value > high || (whole && !Number.isInteger(value))) throw new InputError(f, `${value} is outside the allowed range [${low}, ${high}]${whole ? ' (a whole number)' : ''}`);
    return value;
  };
  const from = input('from');
  const to = input('to');
  const step = input('step');
  const dtMs = number('dtMs', SWEEP_LIMITS.dtMs[0], SWEEP_LIMITS.dtMs[1]);
  const durationMs = number('durationMs', SWEEP_LIMITS.durationMs[0], SWEEP_LIMITS.durationMs[1]);
  const discardMs = number('discardMs', 0, durationMs - 10);
  const neuronsWithNoise = number('neuronsWithNoise', SWEEP_LIMITS.neuronsWithNoise[0], SWEEP_LIMITS.neuronsWithNoise[1], true);
  if (dtMs > durationMs / 100) throw new InputError(`${field}.dtMs`, `${dtMs} ms leaves fewer than 100 steps in the ${durationMs} ms sweep`);
  return { from, to, step, dtMs, durationMs, discardMs, neuronsWithNoise };
}

/** The sweep's range with the default parameters: finite, rising, and a number of points the planner takes. */
function checkSweepAtDefaults(model: LoadedModel, field: string): void {
  const sweep = model.sweep!;
  const values = defaultParameters(model);
  const [from, to, step] = [sweep.from, sweep.to, sweep.step].map((node) => parameterEvaluator(model, node)(values));
  if (![from, to, step].every(Number.isFinite) || !(step > 0) || !(to > from)) {
    throw new InputError(field, `with the default parameters gives from ${from}, to ${to}, step ${step}; needs finite values, from < to and step > 0`);
  }
  const points = Math.floor((to - from) / step + 1e-9) + 1;
  if (points < SWEEP_LIMITS.points[0] || points > SWEEP_LIMITS.points[1]) {
    throw new InputError(field, `with the default parameters gives ${points} currents (from ${from} to ${to} in steps of ${step}); ${SWEEP_LIMITS.points[0]} to ${SWEEP_LIMITS.points[1]} are allowed`);
  }
}

export function defaultParameters(model: LoadedModel): Float64Array {
  return Float64Array.from(model.parameterNames.map((name) => model.file.parameters[name].value));
}

/** The model's named expressions and the values derived from them, in dependency order. */
export function namedValues(model: LoadedModel): NamedExpression[] {
  return model.derived.length === 0 ? model.expressions : [...model.expressions, ...model.derived];
}

/** The named values `nodes` read, directly or through other named values. */
export function namedValuesFor(model: LoadedModel, nodes: MathNode[]): Set<string> {
  const byName = new Map(namedValues(model).map((e) => [e.name, e]));
  const needed = new Set<string>();
  const pending = [...nodes];
  while (pending.length > 0) {
    for (const s of symbolsOf(pending.pop()!)) {
      const named = byName.get(s);
      if (named && !needed.has(s)) {
        needed.add(s);
        pending.push(named.node);
      }
    }
  }
  return needed;
}

/** The parameters `nodes` read, through the named values they use too. */
export function parametersRead(model: LoadedModel, nodes: MathNode[]): Set<string> {
  const named = namedValuesFor(model, nodes);
  const all = [...nodes, ...namedValues(model).filter((e) => named.has(e.name)).map((e) => e.node)];
  const parameters = new Set(model.parameterNames);
  const out = new Set<string>();
  for (const node of all) for (const s of symbolsOf(node)) if (parameters.has(s)) out.add(s);
  return out;
}

/**
 * `node` with its named values substituted, down to parameters, state variables and the input;
 * null when written out it would have more than `maxNodes` nodes (a name used twice is copied
 * twice, so this size can grow with each level of names: it is counted before anything is built).
 */
export function writtenOut(model: LoadedModel, node: MathNode, maxNodes = 5000): MathNode | null {
  const named = namedValues(model);
  const byName = new Map(named.map((e) => [e.name, e.node]));
  // Sizes in dependency order, each from those before it (capped, so they stay small numbers).
  const sizes = new Map<string, number>();
  const sizeOf = (n: MathNode): number => {
    let size = 0;
    n.traverse((child) => {
      const name = child.type === 'SymbolNode' ? (child as unknown as { name: string }).name : '';
      size += sizes.get(name) ?? 1;
    });
    return Math.min(size, maxNodes + 1);
  };
  const used = namedValuesFor(model, [node]);
  for (const e of named) if (used.has(e.name)) sizes.set(e.name, sizeOf(e.node));
  if (sizeOf(node) > maxNodes) return null;
  const substitute = (n: MathNode): MathNode =>
    n.transform((child) => {
      const name = child.type === 'SymbolNode' ? (child as unknown as { name: string }).name : '';
      return byName.has(name) ? new ParenthesisNode(substitute(byName.get(name)!)) : child;
    });
  return substitute(node);
}

/** Evaluate an expression of parameters (and of named values that are functions of parameters alone). */
export function parameterEvaluator(model: LoadedModel, node: MathNode): Evaluator {
  const np = model.parameterNames.length;
  const parameterSlot = (name: string) => {
    const k = model.parameterNames.indexOf(name);
    if (k < 0) throw new Error(`internal: ${name} is not a parameter`);
    return k;
  };
  const needed = namedValuesFor(model, [node]);
  if (needed.size === 0) return toClosure(node, parameterSlot);
  // Named values first, each once, into slots after the parameters.
  const steps = namedValues(model).filter((e) => needed.has(e.name));
  const slots = new Map(steps.map((e, j) => [e.name, np + j]));
  const slot = (name: string) => slots.get(name) ?? parameterSlot(name);
  const compiled = steps.map((e) => toClosure(e.node, slot));
  const evaluate = toClosure(node, slot);
  const scratch = new Float64Array(np + steps.length);
  return (parameters) => {
    for (let k = 0; k < np; k++) scratch[k] = parameters[k];
    for (let j = 0; j < compiled.length; j++) scratch[np + j] = compiled[j](scratch);
    return evaluate(scratch);
  };
}

/**
 * Parameter values with overrides applied; each override must name a parameter and lie in its
 * range, and the model's constraints must hold. `field` prefixes messages (a scenario path).
 */
export function resolveParameters(model: LoadedModel, overrides: Record<string, unknown> | undefined, field: string): Float64Array {
  const values = defaultParameters(model);
  for (const [name, value] of Object.entries(overrides ?? {})) {
    const k = model.parameterNames.indexOf(name);
    const f = `${field}.${name}`;
    if (k < 0) throw new InputError(f, `"${name}" is not a parameter of ${model.id} (its parameters: ${model.parameterNames.join(', ')})`);
    const spec = model.file.parameters[name];
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new InputError(f, `must be a finite number in ${spec.unit}, got ${describeValue(value)}`);
    if (value < spec.min || value > spec.max) throw new InputError(f, `${value} ${spec.unit} is outside the allowed range [${spec.min}, ${spec.max}] ${spec.unit}`);
    values[k] = value;
  }
  checkParameters(model, values, field);
  return values;
}

function checkParameters(model: LoadedModel, values: Float64Array, field: string): void {
  for (const c of model.constraints) {
    if (parameterEvaluator(model, c.check)(values) === 0) {
      const names = [...symbolsOf(c.check)].map((s) => `${s} = ${values[model.parameterNames.indexOf(s)]}`).join(', ');
      throw new InputError(field, `${c.message} (${c.text} fails with ${names})`);
    }
  }
}

/** The model's methods that can integrate it. */
export function availableMethods(model: LoadedModel): MethodName[] {
  return METHODS.filter((m) => model.methods[m] === true);
}
