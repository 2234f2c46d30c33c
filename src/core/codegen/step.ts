// One description of a kernel's step, and the back ends that turn it into something that runs.
// kernel.ts describes each integrator, the fast loop and the general path (spike times,
// refractoriness, resets, blow-ups, the rheobase rule) once, as the small language below: typed
// locals, arithmetic, array reads and writes, if, loops, break and continue, and a few
// operations of the simulator (record a spike, draw normals, the partial-step propagator).
// From that one description come
// - JS source (toSource), compiled with `new Function`: the fast path everywhere it is allowed;
// - closures (toClosures), the same operations in the same order without generating code, for a
//   page under a strict Content-Security-Policy (`new Function` throws EvalError there): chosen
//   by compileKernel when code generation is refused; correct to the bit but 30-50x slower
//   (measured: LIF with noise 2-3 M neuron updates per CPU second against 85, HH 0.5 against 25);
//   exactly integrated models keep their WebAssembly loop where the policy allows WebAssembly;
// - WebAssembly (wasmSlow.ts lowers the general path of exactly integrated models).
// The same operations in the same order give the same doubles, so every back end gives the
// same bits. As Brian2 describes each integrator once and leaves the language to its targets.
import type { MathNode } from 'mathjs/number';
import { ALLOWED_FUNCTIONS, exprel, numberLiteral } from './expression.js';

/** num: a double; int: a count or index (i32 in WebAssembly); bool; obj: an array or an object of the simulator. */
export type Type = 'num' | 'int' | 'bool' | 'obj';

export type BinaryOp = '+' | '-' | '*' | '/' | '<' | '>' | '<=' | '>=' | '===' | '!==' | '&&' | '||';
/** `-`, `+`, abs, `!` (of a boolean), finite (Number.isFinite), truthy (JS `a ? 1 : 0` of a number, as a model's `not` reads it). */
export type UnaryOp = '-' | '+' | 'abs' | '!' | 'finite' | 'notNumber';

export type Expr =
  | { e: 'num'; value: number }
  | { e: 'int'; value: number }
  | { e: 'get'; name: string }
  /** array[index] */
  | { e: 'at'; array: string; index: Expr }
  /** array.length */
  | { e: 'len'; array: string }
  | { e: 'un'; op: UnaryOp; a: Expr }
  | { e: 'bin'; op: BinaryOp; a: Expr; b: Expr }
  /** A function of ALLOWED_FUNCTIONS (exp, log, pow, exprel...) or floor. */
  | { e: 'call'; fn: string; args: Expr[] }
  | { e: 'cond'; c: Expr; t: Expr; f: Expr }
  /** The propagator for a partial step of length h (free or held): an array. */
  | { e: 'prop'; h: Expr; pinned: Expr };

export type Stmt =
  | { s: 'let'; name: string; type: Type; value: Expr; mutable: boolean; note?: string }
  | { s: 'set'; name: string; value: Expr }
  | { s: 'store'; array: string; index: Expr; value: Expr }
  | { s: 'if'; cond: Expr; then: Stmt[]; otherwise: Stmt[] }
  /** for (;;) */
  | { s: 'loop'; body: Stmt[] }
  /** for (let name = from; name < to; name++) */
  | { s: 'for'; name: string; from: Expr; to: Expr; body: Stmt[] }
  | { s: 'break' }
  | { s: 'continue' }
  | { s: 'spike'; neuron: Expr; time: Expr }
  /** The neuron fired more often than one step holds. */
  | { s: 'overflow'; neuron: Expr; time: Expr }
  /** G.fillNormal(Z, count): a block of standard normals. */
  | { s: 'fillNormal'; count: Expr }
  /** Hand one neuron to the general path (the function named `slow`), with these arguments. */
  | { s: 'callSlow'; args: Expr[] };

export interface Param {
  name: string;
  type: Type;
}

/** One function of a kernel: its parameters, the values it computes from the model's parameters alone, and its body. */
export interface StepFunction {
  name: string;
  params: Param[];
  /** Lets of values that depend only on P (parameters, threshold, hoisted subexpressions): once per call. */
  constants: (Stmt & { s: 'let' })[];
  body: Stmt[];
}

// ---- building -----------------------------------------------------------------------------

export const num = (value: number): Expr => ({ e: 'num', value });
export const int = (value: number): Expr => ({ e: 'int', value });
export const get = (name: string): Expr => ({ e: 'get', name });
export const at = (array: string, index: Expr | number): Expr => ({ e: 'at', array, index: typeof index === 'number' ? int(index) : index });
export const len = (array: string): Expr => ({ e: 'len', array });
export const un = (op: UnaryOp, a: Expr): Expr => ({ e: 'un', op, a });
export const bin = (op: BinaryOp, a: Expr, b: Expr): Expr => ({ e: 'bin', op, a, b });
export const add = (a: Expr, b: Expr) => bin('+', a, b);
export const sub = (a: Expr, b: Expr) => bin('-', a, b);
export const mul = (a: Expr, b: Expr) => bin('*', a, b);
export const div = (a: Expr, b: Expr) => bin('/', a, b);
export const call = (fn: string, ...args: Expr[]): Expr => ({ e: 'call', fn, args });
export const cond = (c: Expr, t: Expr, f: Expr): Expr => ({ e: 'cond', c, t, f });
/** a + b + c ... from the left, as JS reads `a + b + c`. */
export const sum = (terms: Expr[]): Expr => terms.reduce((a, b) => add(a, b));

/** Writes statements into nested blocks: `b.if(c, () => { ... })` puts what the callback writes inside. */
export class Builder {
  private stack: Stmt[][] = [[]];
  get out(): Stmt[] {
    return this.stack[0];
  }
  private push(stmt: Stmt): void {
    this.stack[this.stack.length - 1].push(stmt);
  }
  private inside(body: () => void): Stmt[] {
    this.stack.push([]);
    body();
    return this.stack.pop()!;
  }
  let(name: string, value: Expr, type: Type = 'num', note?: string): void {
    this.push({ s: 'let', name, type, value, mutable: false, note });
  }
  var(name: string, value: Expr, type: Type = 'num'): void {
    this.push({ s: 'let', name, type, value, mutable: true });
  }
  set(name: string, value: Expr): void {
    this.push({ s: 'set', name, value });
  }
  store(array: string, index: Expr | number, value: Expr): void {
    this.push({ s: 'store', array, index: typeof index === 'number' ? int(index) : index, value });
  }
  if(c: Expr, then: () => void, otherwise?: () => void): void {
    this.push({ s: 'if', cond: c, then: this.inside(then), otherwise: otherwise ? this.inside(otherwise) : [] });
  }
  loop(body: () => void): void {
    this.push({ s: 'loop', body: this.inside(body) });
  }
  for(name: string, from: Expr, to: Expr, body: () => void): void {
    this.push({ s: 'for', name, from, to, body: this.inside(body) });
  }
  break(): void {
    this.push({ s: 'break' });
  }
  continue(): void {
    this.push({ s: 'continue' });
  }
  spike(neuron: Expr, time: Expr): void {
    this.push({ s: 'spike', neuron, time });
  }
  overflow(neuron: Expr, time: Expr): void {
    this.push({ s: 'overflow', neuron, time });
  }
  fillNormal(count: Expr): void {
    this.push({ s: 'fillNormal', count });
  }
  callSlow(args: Expr[]): void {
    this.push({ s: 'callSlow', args });
  }
}

/**
 * A whitelisted expression (see expression.ts) as step operations, in toJs's order: the same
 * operations the JS source of toJs does, so a kernel's bits do not depend on the back end.
 * `symbol` gives the operation that reads a name.
 */
export function fromMath(node: MathNode, symbol: (name: string) => Expr): Expr {
  const n = node as MathNode & Record<string, unknown>;
  switch (node.type) {
    case 'ConstantNode':
      return num(n.value as number);
    case 'SymbolNode':
      return symbol(n.name as string);
    case 'ParenthesisNode':
      return fromMath(n.content as MathNode, symbol);
    case 'OperatorNode': {
      const fn = n.fn as string;
      const args = n.args as MathNode[];
      if (args.length === 1) {
        const a = fromMath(args[0], symbol);
        if (fn === 'unaryMinus') return un('-', a);
        if (fn === 'unaryPlus') return un('+', a);
        return un('notNumber', a);
      }
      if (fn === 'pow') {
        const [base, exponent] = args;
        const value = (exponent as MathNode & { value?: unknown }).value;
        if (exponent.type === 'ConstantNode' && base.type === 'SymbolNode' && (value === 2 || value === 3 || value === 4)) {
          const b = fromMath(base, symbol);
          return Array<Expr>(value).fill(b).reduce((x, y) => mul(x, y));
        }
        return call('pow', fromMath(base, symbol), fromMath(exponent, symbol));
      }
      const a = fromMath(args[0], symbol);
      const b = fromMath(args[1], symbol);
      const truth = (x: Expr) => bin('!==', x, num(0));
      const zeroOne = (c: Expr) => cond(c, num(1), num(0));
      switch (fn) {
        case 'add': return add(a, b);
        case 'subtract': return sub(a, b);
        case 'multiply': return mul(a, b);
        case 'divide': return div(a, b);
        case 'and': return zeroOne(bin('&&', truth(a), truth(b)));
        case 'or': return zeroOne(bin('||', truth(a), truth(b)));
        default: {
          const op = ({ smaller: '<', larger: '>', smallerEq: '<=', largerEq: '>=', equal: '===', unequal: '!==' } as const)[fn as 'smaller'];
          if (!op) throw new Error(`internal: operator ${fn} reached code generation`);
          return zeroOne(bin(op, a, b));
        }
      }
    }
    case 'ConditionalNode':
      return cond(bin('!==', fromMath(n.condition as MathNode, symbol), num(0)), fromMath(n.trueExpr as MathNode, symbol), fromMath(n.falseExpr as MathNode, symbol));
    case 'FunctionNode': {
      const name = (n.fn as unknown as { name: string }).name;
      if (!Object.prototype.hasOwnProperty.call(ALLOWED_FUNCTIONS, name)) throw new Error(`internal: function ${name} reached code generation`);
      return call(name, ...(n.args as MathNode[]).map((a) => fromMath(a, symbol)));
    }
    default:
      throw new Error(`internal: node type ${node.type} reached code generation`);
  }
}

// ---- JS source ----------------------------------------------------------------------------

const JS_FUNCTION: Record<string, string> = { ...Object.fromEntries(Object.entries(ALLOWED_FUNCTIONS).map(([name, spec]) => [name, spec.js])), floor: 'Math.floor' };

/** Helpers the generated source calls besides Math. */
export const SOURCE_PRELUDE = 'const exprel = (x) => (x === 0 ? 1 : Math.expm1(x) / x);\n';

function literal(value: number): string {
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '(-Infinity)';
  if (Number.isNaN(value)) return 'NaN';
  return numberLiteral(value);
}

export function exprSource(x: Expr): string {
  switch (x.e) {
    case 'num':
    case 'int':
      return literal(x.value);
    case 'get':
      return x.name;
    case 'at':
      return `${x.array}[${exprSource(x.index)}]`;
    case 'len':
      return `${x.array}.length`;
    case 'un': {
      const a = exprSource(x.a);
      switch (x.op) {
        case '-': return `(-${a})`;
        case '+': return `(+${a})`;
        case 'abs': return `Math.abs(${a})`;
        case '!': return `!${a}`;
        case 'finite': return `Number.isFinite(${a})`;
        case 'notNumber': return `(${a} ? 0 : 1)`;
      }
      break;
    }
    case 'bin':
      return `(${exprSource(x.a)} ${x.op} ${exprSource(x.b)})`;
    case 'call':
      return `${JS_FUNCTION[x.fn]}(${x.args.map(exprSource).join(', ')})`;
    case 'cond':
      return `(${exprSource(x.c)} ? ${exprSource(x.t)} : ${exprSource(x.f)})`;
    case 'prop':
      return `prop(${exprSource(x.h)}, ${exprSource(x.pinned)})`;
  }
  throw new Error('internal: unknown operation');
}

function stmtSource(st: Stmt, lines: string[], depth: number): void {
  const pad = '  '.repeat(depth);
  const block = (body: Stmt[], d: number) => body.forEach((s) => stmtSource(s, lines, d));
  switch (st.s) {
    case 'let':
      lines.push(`${pad}${st.mutable ? 'let' : 'const'} ${st.name} = ${exprSource(st.value)};${st.note ? ` // ${st.note}` : ''}`);
      return;
    case 'set':
      lines.push(`${pad}${st.name} = ${exprSource(st.value)};`);
      return;
    case 'store':
      lines.push(`${pad}${st.array}[${exprSource(st.index)}] = ${exprSource(st.value)};`);
      return;
    case 'if':
      lines.push(`${pad}if (${exprSource(st.cond)}) {`);
      block(st.then, depth + 1);
      if (st.otherwise.length > 0) {
        lines.push(`${pad}} else {`);
        block(st.otherwise, depth + 1);
      }
      lines.push(`${pad}}`);
      return;
    case 'loop':
      lines.push(`${pad}for (;;) {`);
      block(st.body, depth + 1);
      lines.push(`${pad}}`);
      return;
    case 'for':
      lines.push(`${pad}for (let ${st.name} = ${exprSource(st.from)}; ${st.name} < ${exprSource(st.to)}; ${st.name}++) {`);
      block(st.body, depth + 1);
      lines.push(`${pad}}`);
      return;
    case 'break':
    case 'continue':
      lines.push(`${pad}${st.s};`);
      return;
    case 'spike':
      lines.push(`${pad}sink.spike(${exprSource(st.neuron)}, ${exprSource(st.time)});`);
      return;
    case 'overflow':
      lines.push(`${pad}sink.overflow(${exprSource(st.neuron)}, ${exprSource(st.time)});`);
      return;
    case 'fillNormal':
      lines.push(`${pad}G.fillNormal(Z, ${exprSource(st.count)});`);
      return;
    case 'callSlow':
      lines.push(`${pad}slow(${st.args.map(exprSource).join(', ')});`);
      return;
  }
}

/** JS source of the functions, ending in `return { name, ... }`, for `new Function`. */
export function toSource(functions: StepFunction[]): string {
  const lines = ['"use strict";', SOURCE_PRELUDE.trimEnd()];
  for (const fn of functions) {
    lines.push(`function ${fn.name}(${fn.params.map((p) => p.name).join(', ')}) {`);
    for (const st of [...fn.constants, ...fn.body]) stmtSource(st, lines, 1);
    lines.push('}');
  }
  lines.push(`return { ${functions.map((fn) => fn.name).join(', ')} };`);
  return lines.join('\n') + '\n';
}

// ---- closures -----------------------------------------------------------------------------

/** Numbers (num, int, bool as 0/1) live in one Float64Array per call, arrays and objects beside it. */
type Frame = { f: Float64Array; o: unknown[] };
type Eval = (f: Float64Array, o: unknown[]) => any; // eslint-disable-line @typescript-eslint/no-explicit-any
type Run = (f: Float64Array, o: unknown[]) => number;
const NEXT = 0;
const BREAK = 1;
const CONTINUE = 2;

const CLOSURE_FUNCTION: Record<string, (...args: number[]) => number> = {
  ...Object.fromEntries(Object.entries(ALLOWED_FUNCTIONS).map(([name, spec]) => [name, spec.impl])),
  exprel,
  floor: Math.floor,
};

interface Slot {
  index: number;
  obj: boolean;
}

class Scope {
  private readonly names = new Map<string, Slot>();
  constructor(private readonly parent: Scope | null, private readonly counts: { f: number; o: number }) {}
  declare(name: string, type: Type): Slot {
    const obj = type === 'obj';
    const slot = { index: obj ? this.counts.o++ : this.counts.f++, obj };
    this.names.set(name, slot);
    return slot;
  }
  find(name: string): Slot {
    const slot = this.names.get(name) ?? this.parent?.find(name);
    if (!slot) throw new Error(`internal: ${name} is not declared`);
    return slot;
  }
  child(): Scope {
    return new Scope(this, this.counts);
  }
}

function closureOf(x: Expr, scope: Scope): Eval {
  switch (x.e) {
    case 'num':
    case 'int': {
      const value = x.value;
      return () => value;
    }
    case 'get': {
      const { index, obj } = scope.find(x.name);
      return obj ? (_f, o) => o[index] : (f) => f[index];
    }
    case 'at': {
      const { index: a } = scope.find(x.array);
      const i = closureOf(x.index, scope);
      if (x.index.e === 'int') {
        const k = x.index.value;
        return (_f, o) => (o[a] as Float64Array)[k];
      }
      return (f, o) => (o[a] as Float64Array)[i(f, o)];
    }
    case 'len': {
      const { index: a } = scope.find(x.array);
      return (_f, o) => (o[a] as ArrayLike<unknown>).length;
    }
    case 'un': {
      const a = closureOf(x.a, scope);
      switch (x.op) {
        case '-': return (f, o) => -a(f, o);
        case '+': return (f, o) => +a(f, o);
        case 'abs': return (f, o) => Math.abs(a(f, o));
        case '!': return (f, o) => !a(f, o);
        case 'finite': return (f, o) => Number.isFinite(a(f, o));
        case 'notNumber': return (f, o) => (a(f, o) ? 0 : 1);
      }
      break;
    }
    case 'bin': {
      const a = closureOf(x.a, scope);
      const b = closureOf(x.b, scope);
      switch (x.op) {
        case '+': return (f, o) => a(f, o) + b(f, o);
        case '-': return (f, o) => a(f, o) - b(f, o);
        case '*': return (f, o) => a(f, o) * b(f, o);
        case '/': return (f, o) => a(f, o) / b(f, o);
        case '<': return (f, o) => a(f, o) < b(f, o);
        case '>': return (f, o) => a(f, o) > b(f, o);
        case '<=': return (f, o) => a(f, o) <= b(f, o);
        case '>=': return (f, o) => a(f, o) >= b(f, o);
        case '===': return (f, o) => a(f, o) === b(f, o);
        case '!==': return (f, o) => a(f, o) !== b(f, o);
        case '&&': return (f, o) => a(f, o) && b(f, o);
        case '||': return (f, o) => a(f, o) || b(f, o);
      }
      break;
    }
    case 'call': {
      const impl = CLOSURE_FUNCTION[x.fn];
      const args = x.args.map((a) => closureOf(a, scope));
      if (args.length === 1) {
        const [a] = args;
        return (f, o) => impl(a(f, o));
      }
      if (args.length === 2) {
        const [a, b] = args;
        return (f, o) => impl(a(f, o), b(f, o));
      }
      return (f, o) => impl(...args.map((a) => a(f, o)));
    }
    case 'cond': {
      const c = closureOf(x.c, scope);
      const t = closureOf(x.t, scope);
      const e = closureOf(x.f, scope);
      return (f, o) => (c(f, o) ? t(f, o) : e(f, o));
    }
    case 'prop': {
      const { index: p } = scope.find('prop');
      const h = closureOf(x.h, scope);
      const pinned = closureOf(x.pinned, scope);
      return (f, o) => (o[p] as (h: number, pinned: boolean) => Float64Array)(h(f, o), !!pinned(f, o));
    }
  }
  throw new Error('internal: unknown operation');
}

function blockClosure(body: Stmt[], scope: Scope, slow: () => (...args: unknown[]) => void): Run {
  const runs = body.map((st) => stmtClosure(st, scope, slow));
  if (runs.length === 1) return runs[0];
  return (f, o) => {
    for (let k = 0; k < runs.length; k++) {
      const signal = runs[k](f, o);
      if (signal !== NEXT) return signal;
    }
    return NEXT;
  };
}

function stmtClosure(st: Stmt, scope: Scope, slow: () => (...args: unknown[]) => void): Run {
  switch (st.s) {
    case 'let':
    case 'set': {
      const value = closureOf(st.value, scope);
      const { index, obj } = st.s === 'let' ? scope.declare(st.name, st.type) : scope.find(st.name);
      if (obj) {
        return (f, o) => {
          o[index] = value(f, o);
          return NEXT;
        };
      }
      return (f, o) => {
        f[index] = value(f, o);
        return NEXT;
      };
    }
    case 'store': {
      const { index: a } = scope.find(st.array);
      const i = closureOf(st.index, scope);
      const value = closureOf(st.value, scope);
      return (f, o) => {
        (o[a] as Float64Array)[i(f, o)] = value(f, o);
        return NEXT;
      };
    }
    case 'if': {
      const c = closureOf(st.cond, scope);
      const then = blockClosure(st.then, scope.child(), slow);
      const otherwise = st.otherwise.length > 0 ? blockClosure(st.otherwise, scope.child(), slow) : null;
      if (!otherwise) return (f, o) => (c(f, o) ? then(f, o) : NEXT);
      return (f, o) => (c(f, o) ? then(f, o) : otherwise(f, o));
    }
    case 'loop': {
      const body = blockClosure(st.body, scope.child(), slow);
      return (f, o) => {
        for (;;) if (body(f, o) === BREAK) return NEXT;
      };
    }
    case 'for': {
      const inner = scope.child();
      const from = closureOf(st.from, scope);
      const to = closureOf(st.to, scope);
      const { index } = inner.declare(st.name, 'int');
      const body = blockClosure(st.body, inner, slow);
      return (f, o) => {
        for (f[index] = from(f, o); f[index] < to(f, o); f[index]++) if (body(f, o) === BREAK) break;
        return NEXT;
      };
    }
    case 'break':
      return () => BREAK;
    case 'continue':
      return () => CONTINUE;
    case 'spike':
    case 'overflow': {
      const { index: sink } = scope.find('sink');
      const neuron = closureOf(st.neuron, scope);
      const time = closureOf(st.time, scope);
      const method = st.s;
      return (f, o) => {
        (o[sink] as Record<typeof method, (i: number, t: number) => void>)[method](neuron(f, o), time(f, o));
        return NEXT;
      };
    }
    case 'fillNormal': {
      const { index: g } = scope.find('G');
      const { index: z } = scope.find('Z');
      const count = closureOf(st.count, scope);
      return (f, o) => {
        (o[g] as { fillNormal(z: Float64Array, count: number): void }).fillNormal(o[z] as Float64Array, count(f, o));
        return NEXT;
      };
    }
    case 'callSlow': {
      const args = st.args.map((a) => closureOf(a, scope));
      return (f, o) => {
        slow()(...args.map((a) => a(f, o)));
        return NEXT;
      };
    }
  }
}

/**
 * The functions as closures, without generating code: what toSource's `new Function` would
 * return, operation for operation. Each call takes a fresh frame (the general path is called
 * from inside the fast loop, and a caller may run two kernels at once).
 */
export function toClosures(functions: StepFunction[]): Record<string, (...args: unknown[]) => void> {
  const out: Record<string, (...args: unknown[]) => void> = {};
  const slow = () => out.slow;
  for (const fn of functions) {
    const counts = { f: 0, o: 0 };
    const scope = new Scope(null, counts);
    const params = fn.params.map((p) => scope.declare(p.name, p.type));
    const run = blockClosure([...fn.constants, ...fn.body], scope, slow);
    out[fn.name] = (...args: unknown[]) => {
      const frame: Frame = { f: new Float64Array(counts.f), o: new Array<unknown>(counts.o) };
      params.forEach((slot, k) => {
        if (slot.obj) frame.o[slot.index] = args[k];
        else frame.f[slot.index] = args[k] as number;
      });
      run(frame.f, frame.o);
    };
  }
  return out;
}

/**
 * The values of a function's constants for parameters P (as its closures compute them), in
 * order: the general path in WebAssembly reads them from memory instead of computing them.
 */
export function constantValues(fn: StepFunction, parameters: Float64Array): Float64Array {
  const counts = { f: 0, o: 0 };
  const scope = new Scope(null, counts);
  const P = scope.declare('P', 'obj');
  const runs = fn.constants.map((st) => stmtClosure(st, scope, () => () => {}));
  const f = new Float64Array(counts.f);
  const o = new Array<unknown>(counts.o);
  o[P.index] = parameters;
  runs.forEach((run) => run(f, o));
  return Float64Array.from(fn.constants, (st) => f[scope.find(st.name).index]);
}
