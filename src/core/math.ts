// The part of mathjs the core uses: the expression parser and its node classes. Derivatives and
// simplification are the core's own (model/symbolic.ts, model/namedValues.ts), so mathjs's
// derivative and simplify, and the arithmetic functions simplify folds constants with, are left
// out: creating them (typed-function parses every signature of every dependency) took 30-70 ms of
// every fresh CLI process and of the page's worker before the first model loaded.
// Each factory is named twice, imported and passed to create(): named imports are what lets a
// bundler leave the rest of mathjs out.
import { create, parseDependencies, ConstantNodeDependencies, SymbolNodeDependencies, ParenthesisNodeDependencies, OperatorNodeDependencies, FunctionNodeDependencies, ConditionalNodeDependencies } from 'mathjs/number';

export const math = create({
  parseDependencies,
  ConstantNodeDependencies,
  SymbolNodeDependencies,
  ParenthesisNodeDependencies,
  OperatorNodeDependencies,
  FunctionNodeDependencies,
  ConditionalNodeDependencies,
});

export const { parse, ConstantNode, SymbolNode, ParenthesisNode } = math as Required<typeof math>;
