// Load and validate a model file: every problem is reported with the place it was found.
import type { MathNode } from 'mathjs/number';
import { derivative, simplify, ConstantNode, ParenthesisNode } from '../math.js';
import { InputError, describeValue } from '../errors.js';
import { checkIdentifier, parseExpression, symbolsOf, toClosure, type Evaluator } from '../codegen/expression.js';
import { MODEL_FORMAT, type ModelFile, type ParameterSpec } from './modelFile.js';

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
  /** Right-hand side with named expressions still referenced (for code generation). */
  rhs: MathNode;
  /** Right-hand side with named expressions substituted (for derivatives and analysis). */
  inlined: MathNode;
  /** State variables the right-hand side reads. */
  reads: Set<string>;
  /** d rhs / d self, or null when mathjs cannot differentiate it. */
  selfCoefficient: MathNode | null;
}

export interface NamedExpression {
  name: string;
  node: MathNode;
  inlined: MathNode;
  reads: Set<string>;
}

export interface LoadedModel {
  file: ModelFile;
  id: string;
  source: string;
  parameterNames: string[];
  stateNames: string[];
  inputSymbol: string;
  expressions: NamedExpression[]; // in dependency order
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
  /** Exact method: d rhs_k / d state_j and d rhs_k / d input, functions of parameters only. */
  linear: { matrix: MathNode[][]; inputCoefficient: MathNode[]; offset: MathNode[] } | null;
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
  const visiting = new Set<string>();
  const visit = (name: string, chain: string[]) => {
    if (ordered.includes(name)) return;
    if (visiting.has(name)) throw new InputError(at('expressions'), `circular definition: ${[...chain, name].join(' -> ')}`);
    visiting.add(name);
    for (const dep of symbolsOf(exprNodes.get(name)!)) if (exprNodes.has(dep)) visit(dep, [...chain, name]);
    visiting.delete(name);
    ordered.push(name);
  };
  for (const def of exprDefs) visit(def.name, []);

  const inlinedExpr = new Map<string, MathNode>();
  /** Substitute named expressions (all, or only those `which` picks). */
  const inline = (node: MathNode, which: (name: string) => boolean = () => true): MathNode =>
    node.transform((child) => {
      if (child.type === 'SymbolNode') {
        const name = (child as unknown as { name: string }).name;
        const sub = inlinedExpr.get(name);
        if (sub && which(name)) return new ParenthesisNode(sub);
      }
      return child;
    });
  const stateSet = new Set(stateNames);
  const readsOf = (node: MathNode) => new Set([...symbolsOf(node)].filter((s) => stateSet.has(s)));
  const expressions: NamedExpression[] = ordered.map((name) => {
    const node = exprNodes.get(name)!;
    const inlined = inline(node);
    inlinedExpr.set(name, inlined);
    return { name, node, inlined, reads: readsOf(inlined) };
  });

  // Differential equations
  if (!Array.isArray(raw.equations)) throw new InputError(at('equations'), 'must be a list of "dx/dt = expression" strings');
  const rhsByState = new Map<string, MathNode>();
  raw.equations.forEach((text: unknown, k: number) => {
    const field = at(`equations[${k}]`);
    if (typeof text !== 'string') throw new InputError(field, `expected a string "dx/dt = expression", got ${describeValue(text)}`);
    const m = ODE.exec(text);
    if (!m) throw new InputError(field, `${describeValue(text)} is not of the form "dx/dt = expression"`);
    const name = m[1];
    if (!stateSet.has(name)) throw new InputError(field, `d${name}/dt: "${name}" is not a declared state variable (declared: ${stateNames.join(', ')})`);
    if (rhsByState.has(name)) throw new InputError(field, `a second equation for d${name}/dt`);
    rhsByState.set(name, parseAt(m[2], field));
  });
  for (const name of stateNames) {
    if (!rhsByState.has(name)) throw new InputError(at(`state.${name}`), `the state variable "${name}" has no equation d${name}/dt = ...`);
  }

  const paramSet = new Set(parameterNames);
  const onlyParameters = (node: MathNode) => [...symbolsOf(node)].every((s) => paramSet.has(s));
  const requireParameters = (text: string, field: string): MathNode => {
    const node = parseAt(text, field);
    const bad = [...symbolsOf(node)].filter((s) => !paramSet.has(s));
    if (bad.length > 0) throw new InputError(field, `may use parameters only; "${bad[0]}" is a ${declared.get(bad[0])}`);
    return node;
  };

  const tryDerivative = (node: MathNode, variable: string): MathNode | null => {
    try {
      return derivative(node, variable, { simplify: false });
    } catch {
      return null;
    }
  };
  const tidy = (node: MathNode): MathNode => {
    try {
      return simplify(node);
    } catch {
      return node;
    }
  };

  const equations: StateEquation[] = stateNames.map((name, index) => {
    const rhs = rhsByState.get(name)!;
    const inlined = inline(rhs);
    // Differentiate with the named expressions that do not depend on this variable kept as
    // names, so the coefficient reuses them (-(alpha_m + beta_m)) instead of recomputing them.
    const readsSelf = (e: string) => expressions.find((x) => x.name === e)!.reads.has(name);
    const d = tryDerivative(inline(rhs, readsSelf), name);
    return { name, index, rhs, inlined, reads: readsOf(inlined), selfCoefficient: d ? tidy(d) : null };
  });

  // Initial values: expressions of parameters, named expressions and other initial values.
  const initial = stateNames.map((name) => parseAt((raw.state as Record<string, { initial: string }>)[name].initial, at(`state.${name}.initial`)));
  const initialDeps = initial.map((node) => readsOf(inline(node)));
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
    return { check: requireParameters(text, `${field}.check`), message: requireString(c, 'message', field, 400), text };
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
    ? `mathjs cannot differentiate d${nonDifferentiable.name}/dt with respect to ${nonDifferentiable.name}`
    : true;
  const leader = thresholdVariable;
  const badFollower = equations.find((eq) => eq.name !== leader && [...eq.reads].some((s) => s !== eq.name && s !== leader));
  methods.staggered = nonDifferentiable
    ? methods.exponential_euler
    : badFollower
      ? `d${badFollower.name}/dt reads ${[...badFollower.reads].filter((s) => s !== badFollower.name && s !== leader).join(', ')}; the staggered scheme needs every variable other than ${leader} to depend only on itself and ${leader}`
      : true;

  let linear: LoadedModel['linear'] = null;
  const matrix: MathNode[][] = [];
  const inputCoefficient: MathNode[] = [];
  const offset: MathNode[] = [];
  let whyNotExact = '';
  const zeroScope = (node: MathNode) =>
    node.transform((child) =>
      child.type === 'SymbolNode' && (stateSet.has((child as unknown as { name: string }).name) || (child as unknown as { name: string }).name === inputSymbol)
        ? new ConstantNode(0)
        : child,
    );
  for (const eq of equations) {
    const row: MathNode[] = [];
    for (const other of stateNames) {
      const d = tryDerivative(eq.inlined, other);
      if (!d || !onlyParameters(tidy(d))) {
        whyNotExact ||= `d${eq.name}/dt is not linear in ${other} with a constant coefficient`;
      }
      row.push(d ? tidy(d) : eq.inlined);
    }
    const dInput = tryDerivative(eq.inlined, inputSymbol);
    if (!dInput || !onlyParameters(tidy(dInput))) whyNotExact ||= `d${eq.name}/dt is not linear in the input ${inputSymbol}`;
    matrix.push(row);
    inputCoefficient.push(dInput ? tidy(dInput) : eq.inlined);
    // Simplified, so a variable with no offset (dge/dt = -ge / tau_e gives -0 / tau_e) reads as 0
    // and the kernels leave its term out.
    offset.push(tidy(zeroScope(eq.inlined)));
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
    // coefficients of the leader alone.
    const gates = equations
      .filter((eq) => eq.name !== leader && methods.staggered === true && eq.selfCoefficient !== null)
      .filter((eq) => [...eq.reads].every((r) => r === eq.name || r === leader) && !symbolsOf(eq.inlined).has(inputSymbol))
      .filter((eq) => !readsOf(inline(eq.selfCoefficient!)).has(eq.name))
      .map((eq) => ({
        index: eq.index,
        coefficient: eq.selfCoefficient!,
        offset: inline(eq.rhs, (e) => expressions.find((x) => x.name === e)!.reads.has(eq.name)).transform((child) =>
          child.type === 'SymbolNode' && (child as unknown as { name: string }).name === eq.name ? new ConstantNode(0) : child,
        ),
      }));
    if (gates.length > 0) rateTable = { from, to, step, gates };
  }

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
  };
  // The defaults themselves must satisfy the constraints.
  checkParameters(model, defaultParameters(model), source);
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

export function defaultParameters(model: LoadedModel): Float64Array {
  return Float64Array.from(model.parameterNames.map((name) => model.file.parameters[name].value));
}

/** Evaluate a parameter-only expression. */
export function parameterEvaluator(model: LoadedModel, node: MathNode): Evaluator {
  return toClosure(node, (name) => {
    const k = model.parameterNames.indexOf(name);
    if (k < 0) throw new Error(`internal: ${name} is not a parameter`);
    return k;
  });
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
