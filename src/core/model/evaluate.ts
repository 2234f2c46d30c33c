// Eval-free evaluation of a model's expressions for one neuron: initial values, the staggered
// half step at the start, and the oracle tests compare generated kernels with.
import type { MathNode } from 'mathjs/number';
import { toEvaluator, type Evaluator } from '../codegen/expression.js';
import { namedValues, namedValuesFor, type LoadedModel } from './loadModel.js';

/** Slot layout: parameters, then state variables, then the input, then named expressions and the values derived from them. */
export class PointEvaluator {
  readonly values: Float64Array;
  private readonly slot: (name: string) => number;
  /** Every named value, in dependency order; `active` are those the compiled nodes read. */
  private readonly expressionSteps: { name: string; index: number; node: MathNode; evaluate: Evaluator | null }[];
  private active: { index: number; evaluate: Evaluator }[] = [];
  private readonly needed = new Set<string>();
  readonly stateOffset: number;
  readonly inputSlot: number;

  constructor(private readonly model: LoadedModel) {
    const named = namedValues(model);
    const names = [...model.parameterNames, ...model.stateNames, model.inputSymbol, ...named.map((e) => e.name)];
    const index = new Map(names.map((name, k) => [name, k]));
    this.slot = (name) => {
      const k = index.get(name);
      if (k === undefined) throw new Error(`internal: no slot for ${name}`);
      return k;
    };
    this.values = new Float64Array(names.length);
    this.stateOffset = model.parameterNames.length;
    this.inputSlot = this.stateOffset + model.stateNames.length;
    // Compiled when first needed: a model may derive thousands of values nothing reads.
    this.expressionSteps = named.map((e) => ({ name: e.name, index: this.slot(e.name), node: e.node, evaluate: null }));
  }

  /**
   * An evaluator of `node` over `values`. The named values it reads are evaluated by set() and
   * refresh() from now on; those nothing compiled reads are not (a model may derive thousands).
   */
  compile(node: MathNode): Evaluator {
    const before = this.needed.size;
    for (const name of namedValuesFor(this.model, [node])) this.needed.add(name);
    if (this.needed.size !== before) {
      this.active = this.expressionSteps
        .filter((step) => this.needed.has(step.name))
        .map((step) => ({ index: step.index, evaluate: (step.evaluate ??= toEvaluator(step.node, this.slot)) }));
      this.refresh(); // current for the values last set, as if they had been evaluated then
    }
    return toEvaluator(node, this.slot);
  }

  /** Load parameters, state and input, then evaluate the named expressions in order. */
  set(parameters: ArrayLike<number>, state: ArrayLike<number>, input: number): void {
    this.values.set(parameters as ArrayLike<number>, 0);
    this.values.set(state as ArrayLike<number>, this.stateOffset);
    this.values[this.inputSlot] = input;
    this.refresh();
  }

  refresh(): void {
    for (const step of this.active) this.values[step.index] = step.evaluate(this.values);
  }

  /** Initial state for the given parameters (expressions may read earlier initial values). */
  initialState(parameters: ArrayLike<number>): Float64Array {
    const ns = this.model.stateNames.length;
    const state = new Float64Array(ns);
    const initial = this.model.initial.map((node) => this.compile(node));
    this.set(parameters, state, 0);
    for (const k of this.model.initialOrder) {
      this.values[this.stateOffset + k] = initial[k](this.values);
      this.refresh();
    }
    for (let k = 0; k < ns; k++) state[k] = this.values[this.stateOffset + k];
    return state;
  }
}
