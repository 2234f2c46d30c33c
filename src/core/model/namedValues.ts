// A model's named expressions, and the values the loader derives from them, each worked out once.
//
// Why: substituting named expressions into each other copies them, and a model whose expression
// x_k uses x_(k-1) twice, 18 deep, would become 2^18 copies of x_0 (mathjs's derivative and
// simplify then never finish). Here a named expression stays a name. What the analysis needs of it
// is computed from its own text and the results already computed for the names it uses:
// - which state variables and inputs it depends on (a set per name);
// - its derivative with respect to a variable: the chain rule over its text, where a name it uses
//   contributes that name's own derivative, itself a named value `$d$name$variable` (or the
//   constant or symbol it folds to);
// - its value with every state variable and the input at 0, the named value `$z$name`.
// Each named value is visited a bounded number of times per variable (at most 33: 32 states and
// the input), and each visit walks its own text once, so the work and the size of what is
// derived grow linearly with the model's text. A single derivative written out may still be
// larger than its expression (a product of k factors has k terms of k - 1 factors): past
// MAX_WRITTEN_NODES it is refused with its size (the methods that need it are then unavailable).
// Derived names contain `$`, which a model's names cannot (checkIdentifier), so they meet none.
import type { MathNode } from 'mathjs/number';
import { symbolsOf } from '../codegen/expression.js';
import { differentiate, fold, NoDerivative, num, symbol, writtenSize } from './symbolic.js';

class NamedNoDerivative extends NoDerivative {}

export interface NamedExpression {
  name: string;
  node: MathNode;
  /** State variables it depends on, directly or through other named values. */
  reads: Set<string>;
}

/** The most nodes a derived expression may have written out. */
export const MAX_WRITTEN_NODES = 20000;

export class NamedValues {
  private readonly nodes = new Map<string, MathNode>();
  /** Every named value (the model's, then derived ones as they are made), in dependency order. */
  private readonly order: string[] = [];
  private readonly declared = new Set<string>();
  /** State variables and the input each named value depends on. */
  private readonly deps = new Map<string, Set<string>>();
  private readonly parameterOnly = new Map<string, boolean>();
  private readonly derivatives = new Map<string, MathNode | NoDerivative>();
  private readonly zeros = new Map<string, MathNode | null>();
  /** Values derived here, in the order they were made (each after those it uses). */
  readonly derived: NamedExpression[] = [];

  constructor(
    private readonly states: Set<string>,
    private readonly input: string,
  ) {}

  /** A named expression of the model; those it uses must have been added before it. */
  add(name: string, node: MathNode): void {
    this.declared.add(name);
    this.register(name, node);
  }

  has(name: string): boolean {
    return this.nodes.has(name);
  }

  /** The state variables and the input `node` depends on, through named values too. */
  dependsOn(node: MathNode): Set<string> {
    const out = new Set<string>();
    for (const name of symbolsOf(node)) {
      if (this.states.has(name) || name === this.input) out.add(name);
      else for (const dep of this.deps.get(name) ?? []) out.add(dep);
    }
    return out;
  }

  /** The state variables `node` depends on. */
  readsOf(node: MathNode): Set<string> {
    const deps = this.dependsOn(node);
    deps.delete(this.input);
    return deps;
  }

  /** Whether `node` is a function of parameters alone (named values included). */
  onlyParameters(node: MathNode, parameters: Set<string>): boolean {
    const known = (name: string): boolean => {
      let only = this.parameterOnly.get(name);
      if (only === undefined) {
        only = [...symbolsOf(this.nodes.get(name)!)].every((s) => parameters.has(s) || (this.nodes.has(s) && known(s)));
        this.parameterOnly.set(name, only);
      }
      return only;
    };
    // Named values in dependency order first, so `known` never recurses far.
    for (const name of this.inOrder(node)) known(name);
    return [...symbolsOf(node)].every((s) => parameters.has(s) || (this.nodes.has(s) && known(s)));
  }

  /** d node / d variable, or why there is none. */
  derivative(node: MathNode, variable: string): { node: MathNode | null; why: string } {
    const lookup = (name: string): MathNode | null => {
      if (!this.nodes.has(name)) return null; // a parameter, another state variable or the input: constant
      if (!this.deps.get(name)!.has(variable)) return num(0);
      const known = this.derivatives.get(`$d$${name}$${variable}`)!;
      if (known instanceof NoDerivative) throw known;
      return known;
    };
    // The named expressions `node` uses, each differentiated once, after those it uses (so no
    // derivative waits on another: the depth of the work is that of one expression).
    for (const name of this.inOrder(node)) {
      const key = `$d$${name}$${variable}`;
      if (!this.declared.has(name) || !this.deps.get(name)!.has(variable) || this.derivatives.has(key)) continue;
      let known: MathNode | NoDerivative;
      try {
        known = this.named(key, this.checked(differentiate(this.nodes.get(name)!, variable, lookup)));
      } catch (err) {
        if (!(err instanceof NoDerivative)) throw err;
        // Said once, for the named expression where it happens.
        known = err instanceof NamedNoDerivative ? err : new NamedNoDerivative(`${name}: ${err.message}`);
      }
      this.derivatives.set(key, known);
    }
    try {
      return { node: this.checked(differentiate(node, variable, lookup)), why: '' };
    } catch (err) {
      if (err instanceof NoDerivative) return { node: null, why: err.message };
      throw err;
    }
  }

  /** `node` with every state variable and the input set to 0, folded. */
  atZero(node: MathNode): MathNode {
    const leaf = (name: string) => (this.states.has(name) || name === this.input ? num(0) : (this.zeros.get(name) ?? null));
    for (const name of this.inOrder(node)) {
      if (!this.declared.has(name) || this.zeros.has(name)) continue;
      // A name without state or input in it stays itself (null).
      this.zeros.set(name, this.deps.get(name)!.size === 0 ? null : this.named(`$z$${name}`, fold(this.nodes.get(name)!, leaf)));
    }
    return fold(node, leaf);
  }

  /** The named values `node` uses, directly or not, in dependency order. */
  private inOrder(node: MathNode): string[] {
    const used = new Set<string>();
    const pending = [node];
    while (pending.length > 0) {
      for (const name of symbolsOf(pending.pop()!)) {
        if (this.nodes.has(name) && !used.has(name)) {
          used.add(name);
          pending.push(this.nodes.get(name)!);
        }
      }
    }
    return this.order.filter((name) => used.has(name));
  }

  private checked(node: MathNode): MathNode {
    const size = writtenSize(node);
    if (size > MAX_WRITTEN_NODES) throw new NoDerivative(`written out it would have ${size} nodes; at most ${MAX_WRITTEN_NODES} are allowed`);
    return node;
  }

  private register(name: string, node: MathNode): void {
    this.order.push(name);
    this.nodes.set(name, node);
    this.deps.set(name, this.dependsOn(node));
  }

  /** A constant or a single symbol is used as it is; anything larger becomes a derived named value. */
  private named(name: string, node: MathNode): MathNode {
    if (node.type === 'ConstantNode' || node.type === 'SymbolNode') return node;
    this.register(name, node);
    this.derived.push({ name, node, reads: this.readsOf(node) });
    return symbol(name);
  }
}
