// Derivatives and light simplification of whitelisted expression trees, in one pass over each
// tree. mathjs's `simplify` tries its rules over every arrangement of sums and products (0.5 s
// for a 34-node derivative of the AdEx equation, minutes for a few hundred nodes) and its
// `derivative` prints every subtree to tag constants, so both grow much faster than the text. Here
// each node is visited once, and a named expression is never copied into another: its derivative
// is a named value of its own, referred to by name (the loader keeps these; see loadModel.ts).
import type { MathNode } from 'mathjs/number';
import { math } from '../math.js';

type Node = MathNode & Record<string, unknown>;
const { OperatorNode, FunctionNode, ConditionalNode, ConstantNode, SymbolNode } = math as Required<typeof math>;

const OPERATOR_SYMBOL: Record<string, string> = {
  add: '+', subtract: '-', multiply: '*', divide: '/', pow: '^',
  smaller: '<', larger: '>', smallerEq: '<=', largerEq: '>=', equal: '==', unequal: '!=', and: 'and', or: 'or',
};

/** The same arithmetic the kernels do (toJs / toClosure), so a folded constant has the bits the step would compute. */
const BINARY: Record<string, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  subtract: (a, b) => a - b,
  multiply: (a, b) => a * b,
  divide: (a, b) => a / b,
  pow: (a, b) => Math.pow(a, b),
  smaller: (a, b) => +(a < b),
  larger: (a, b) => +(a > b),
  smallerEq: (a, b) => +(a <= b),
  largerEq: (a, b) => +(a >= b),
  equal: (a, b) => +(a === b),
  unequal: (a, b) => +(a !== b),
  and: (a, b) => +(a !== 0 && b !== 0),
  or: (a, b) => +(a !== 0 || b !== 0),
};

const FUNCTIONS: Record<string, (...x: number[]) => number> = {
  exp: Math.exp, expm1: Math.expm1, log: Math.log, log1p: Math.log1p, sqrt: Math.sqrt, abs: Math.abs, sign: Math.sign,
  floor: Math.floor, ceil: Math.ceil, tanh: Math.tanh, sinh: Math.sinh, cosh: Math.cosh, sin: Math.sin, cos: Math.cos,
  pow: Math.pow, min: Math.min, max: Math.max,
  exprel: (x) => (x === 0 ? 1 : Math.expm1(x) / x),
};

export const num = (value: number): MathNode => new ConstantNode(value);
export const symbol = (name: string): MathNode => new SymbolNode(name);
const constant = (n: MathNode): number | null => (n.type === 'ConstantNode' && typeof (n as Node).value === 'number' ? ((n as Node).value as number) : null);
const isValue = (n: MathNode, v: number) => constant(n) === v; // 0 matches -0 too
const op = (fn: string, args: MathNode[]): MathNode => new OperatorNode(OPERATOR_SYMBOL[fn] as never, fn as never, args);
const isNegation = (n: MathNode) => n.type === 'OperatorNode' && (n as Node).fn === 'unaryMinus';
const negated = (n: MathNode) => ((n as Node).args as MathNode[])[0];

/**
 * A constant folded only where the result is finite: 0 / 0 stays 0 / 0, so it is still NaN when
 * evaluated, as the equation says.
 */
function folded(value: number): MathNode | null {
  return Number.isFinite(value) ? num(value) : null;
}

// Builders that simplify as they build: constants fold, and 0 and 1 drop out of sums and products.
// `0 * x` is 0 even where x is infinite, as in mathjs: equations are checked for finite values
// separately (linearCoefficients in loadModel.ts).
export function add(a: MathNode, b: MathNode): MathNode {
  const x = constant(a);
  const y = constant(b);
  if (x !== null && y !== null) return folded(x + y) ?? op('add', [a, b]);
  if (x === 0) return b;
  if (y === 0) return a;
  if (isNegation(b)) return op('subtract', [a, negated(b)]); // a + (-c) is a - c, to the bit
  return op('add', [a, b]);
}

export function subtract(a: MathNode, b: MathNode): MathNode {
  const x = constant(a);
  const y = constant(b);
  if (x !== null && y !== null) return folded(x - y) ?? op('subtract', [a, b]);
  if (y === 0) return a;
  if (x === 0) return negate(b);
  if (isNegation(b)) return op('add', [a, negated(b)]);
  return op('subtract', [a, b]);
}

export function multiply(a: MathNode, b: MathNode): MathNode {
  const x = constant(a);
  const y = constant(b);
  if (x !== null && y !== null) return folded(x * y) ?? op('multiply', [a, b]);
  if (x === 0 || y === 0) return num(0);
  if (x === 1) return b;
  if (y === 1) return a;
  if (x === -1) return negate(b);
  if (y === -1) return negate(a);
  return op('multiply', [a, b]);
}

export function divide(a: MathNode, b: MathNode): MathNode {
  const x = constant(a);
  const y = constant(b);
  if (x !== null && y !== null) return folded(x / y) ?? op('divide', [a, b]);
  if (x === 0) return num(0);
  if (y === 1) return a;
  return op('divide', [a, b]);
}

export function power(a: MathNode, b: MathNode): MathNode {
  const x = constant(a);
  const y = constant(b);
  if (x !== null && y !== null) return folded(Math.pow(x, y)) ?? op('pow', [a, b]);
  if (y === 1) return a;
  if (y === 0) return num(1);
  return op('pow', [a, b]);
}

export function negate(a: MathNode): MathNode {
  const x = constant(a);
  if (x !== null) return num(-x);
  if (isNegation(a)) return negated(a);
  return new OperatorNode('-', 'unaryMinus', [a]);
}

export function call(name: string, args: MathNode[]): MathNode {
  const values = args.map(constant);
  if (values.every((v) => v !== null)) {
    const result = folded(FUNCTIONS[name](...(values as number[])));
    if (result) return result;
  }
  return new FunctionNode(new SymbolNode(name), args);
}

/**
 * The tree rebuilt with the builders above (parentheses dropped: the tree holds the grouping).
 * Shared subtrees are folded once. `leaf` may replace a symbol (substitution) or return null.
 */
export function fold(node: MathNode, leaf: (name: string) => MathNode | null = () => null): MathNode {
  const done = new Map<MathNode, MathNode>();
  const visit = (n: MathNode): MathNode => {
    let out = done.get(n);
    if (out) return out;
    const x = n as Node;
    switch (n.type) {
      case 'ConstantNode':
        out = n;
        break;
      case 'SymbolNode':
        out = leaf(x.name as string) ?? n;
        break;
      case 'ParenthesisNode':
        out = visit(x.content as MathNode);
        break;
      case 'OperatorNode': {
        const fn = x.fn as string;
        const args = (x.args as MathNode[]).map(visit);
        if (args.length === 1) {
          if (fn === 'unaryMinus') out = negate(args[0]);
          else if (fn === 'unaryPlus') out = args[0];
          else out = constant(args[0]) !== null ? num(constant(args[0]) !== 0 ? 0 : 1) : new OperatorNode('not', 'not', args);
        } else if (fn === 'add') out = add(args[0], args[1]);
        else if (fn === 'subtract') out = subtract(args[0], args[1]);
        else if (fn === 'multiply') out = multiply(args[0], args[1]);
        else if (fn === 'divide') out = divide(args[0], args[1]);
        else if (fn === 'pow') out = power(args[0], args[1]);
        else {
          const a = constant(args[0]);
          const b = constant(args[1]);
          out = a !== null && b !== null ? num(BINARY[fn](a, b)) : op(fn, args);
        }
        break;
      }
      case 'ConditionalNode': {
        const condition = visit(x.condition as MathNode);
        const c = constant(condition);
        if (c !== null) out = visit((c !== 0 ? x.trueExpr : x.falseExpr) as MathNode);
        else out = new ConditionalNode(condition, visit(x.trueExpr as MathNode), visit(x.falseExpr as MathNode));
        break;
      }
      case 'FunctionNode':
        out = call((x.fn as unknown as { name: string }).name, (x.args as MathNode[]).map(visit));
        break;
      default:
        throw new Error(`internal: node type ${n.type} reached fold`);
    }
    done.set(n, out);
    return out;
  };
  return visit(node);
}

/** Why a derivative could not be formed (a function or operator without one here). */
export class NoDerivative extends Error {}

/**
 * d node / d variable, simplified as built. A symbol other than the variable is a constant unless
 * `named` gives its derivative (a named expression: a symbol naming its derivative, or a constant).
 * The functions and operators mathjs differentiates are differentiated (plus expm1 and log1p);
 * comparisons, conditionals, exprel, min, max, sign, floor and ceil throw NoDerivative.
 */
export function differentiate(node: MathNode, variable: string, named: (name: string) => MathNode | null): MathNode {
  const done = new Map<MathNode, MathNode>();
  const d = (n: MathNode): MathNode => {
    let out = done.get(n);
    if (out) return out;
    out = rule(n);
    done.set(n, out);
    return out;
  };
  const rule = (n: MathNode): MathNode => {
    const x = n as Node;
    switch (n.type) {
      case 'ConstantNode':
        return num(0);
      case 'SymbolNode': {
        const name = x.name as string;
        if (name === variable) return num(1);
        return named(name) ?? num(0);
      }
      case 'ParenthesisNode':
        return d(x.content as MathNode);
      case 'OperatorNode': {
        const fn = x.fn as string;
        const args = x.args as MathNode[];
        if (fn === 'unaryMinus') return negate(d(args[0]));
        if (fn === 'unaryPlus') return d(args[0]);
        const [a, b] = args;
        switch (fn) {
          case 'add':
            return add(d(a), d(b));
          case 'subtract':
            return subtract(d(a), d(b));
          case 'multiply':
            return add(multiply(d(a), b), multiply(a, d(b)));
          case 'divide': {
            const da = d(a);
            const db = d(b);
            // A quotient that does not depend on the variable has derivative 0, even 0 / 0.
            if (isValue(db, 0)) return isValue(da, 0) ? num(0) : divide(da, b);
            return divide(subtract(multiply(da, b), multiply(a, db)), power(b, num(2)));
          }
          case 'pow':
            return powerRule(a, b);
          default:
            throw new NoDerivative(`the operator ${String(x.op)} has no derivative`);
        }
      }
      case 'FunctionNode': {
        const name = (x.fn as unknown as { name: string }).name;
        const args = x.args as MathNode[];
        const a = args[0];
        const chain = (outer: MathNode) => multiply(outer, d(a));
        switch (name) {
          case 'exp':
            return chain(call('exp', [a]));
          case 'expm1':
            return chain(call('exp', [a]));
          case 'log':
            return divide(d(a), a);
          case 'log1p':
            return divide(d(a), add(num(1), a));
          case 'sqrt':
            return divide(d(a), multiply(num(2), call('sqrt', [a])));
          case 'abs':
            return chain(call('sign', [a]));
          case 'tanh':
            return chain(subtract(num(1), power(call('tanh', [a]), num(2))));
          case 'sinh':
            return chain(call('cosh', [a]));
          case 'cosh':
            return chain(call('sinh', [a]));
          case 'sin':
            return chain(call('cos', [a]));
          case 'cos':
            return chain(negate(call('sin', [a])));
          case 'pow':
            return powerRule(args[0], args[1]);
          default:
            throw new NoDerivative(`${name} has no derivative here`);
        }
      }
      default:
        throw new NoDerivative(`${n.type === 'ConditionalNode' ? 'a conditional' : n.type} has no derivative`);
    }
  };
  const powerRule = (a: MathNode, b: MathNode): MathNode => {
    const da = d(a);
    const db = d(b);
    if (isValue(db, 0)) return multiply(multiply(b, power(a, subtract(b, num(1)))), da);
    if (isValue(da, 0)) return multiply(multiply(power(a, b), call('log', [a])), db);
    return multiply(power(a, b), add(multiply(db, call('log', [a])), divide(multiply(b, da), a)));
  };
  return d(node);
}

/**
 * How many nodes the tree has when written out (a shared subtree counts each time it is used):
 * what printing, compiling or evaluating it costs. Counted once per distinct node.
 */
export function writtenSize(node: MathNode): number {
  const sizes = new Map<MathNode, number>();
  const size = (n: MathNode): number => {
    let s = sizes.get(n);
    if (s !== undefined) return s;
    s = 1;
    const x = n as Node;
    if (n.type === 'ParenthesisNode') s += size(x.content as MathNode);
    else if (n.type === 'OperatorNode' || n.type === 'FunctionNode') for (const a of x.args as MathNode[]) s += size(a);
    else if (n.type === 'ConditionalNode') s += size(x.condition as MathNode) + size(x.trueExpr as MathNode) + size(x.falseExpr as MathNode);
    sizes.set(n, s);
    return s;
  };
  return size(node);
}
