// The numbers of an exactly integrated model, dx/dt = M x + c0 + cI I, for given parameters.
import { InputError } from '../errors.js';
import { parameterEvaluator, parametersRead, type LoadedModel } from '../model/loadModel.js';
import { PointEvaluator } from '../model/evaluate.js';

export interface LinearSystem {
  /** M, row-major (n x n). */
  matrix: Float64Array<ArrayBuffer>;
  /** c0 */
  offset: Float64Array<ArrayBuffer>;
  /** cI */
  input: Float64Array<ArrayBuffer>;
}

/**
 * M, c0 and cI for these parameters, refused (InputError naming the equation) where the exact
 * method would silently compute something else than the equation says. The coefficients are
 * simplified forms, and simplification takes 0 * x as 0: `dv/dt = 0/0` has coefficients 0, so the
 * exact method would hold v still where every other method, evaluating the equation itself, gets
 * NaN. So besides the coefficients themselves, each equation is evaluated as written at x = 0,
 * I = 0, at each state variable it reads set to 1 and -1, at I = 1 and -1, and at the model's
 * initial state: a linear equation is finite everywhere.
 */
export function linearSystem(model: LoadedModel, parameters: Float64Array, field = ''): LinearSystem {
  const linear = model.linear;
  if (!linear) throw new Error(`internal: ${model.id} is not linear`);
  const ns = model.stateNames.length;
  const evaluate = (node: Parameters<typeof parameterEvaluator>[1]) => parameterEvaluator(model, node)(parameters);
  const system = {
    matrix: Float64Array.from(linear.matrix.flatMap((row) => row.map(evaluate))),
    offset: Float64Array.from(linear.offset.map(evaluate)),
    input: Float64Array.from(linear.inputCoefficient.map(evaluate)),
  };
  const point = new PointEvaluator(model);
  const start = point.initialState(parameters);
  const initial = Object.fromEntries(model.stateNames.map((name, k) => [name, start[k]]));
  const state = new Float64Array(ns);
  for (const eq of model.equations) {
    const rhs = point.compile(eq.rhs);
    const at = (values: Record<string, number>): number => {
      state.fill(0);
      let input = 0;
      for (const [name, value] of Object.entries(values)) {
        if (name === model.inputSymbol) input = value;
        else state[model.stateNames.indexOf(name)] = value;
      }
      point.set(parameters, state, input);
      return rhs(point.values);
    };
    const k = eq.index;
    const coefficients: [string, number][] = [
      ...model.stateNames.map((name, j): [string, number] => [`its coefficient of ${name}`, system.matrix[k * ns + j]]),
      ['its constant term', system.offset[k]],
      [`its coefficient of the input ${model.inputSymbol}`, system.input[k]],
    ];
    const points: Record<string, number>[] = [
      {},
      ...[...eq.reads].flatMap((name) => [{ [name]: 1 }, { [name]: -1 }]),
      { [model.inputSymbol]: 1 },
      { [model.inputSymbol]: -1 },
      initial,
    ];
    let bad: { what: string; value: number } | null = null;
    for (const [what, value] of coefficients) if (!Number.isFinite(value)) bad ??= { what, value };
    for (const values of points) {
      if (bad) break;
      const value = at(values);
      if (!Number.isFinite(value)) {
        const where = [...model.stateNames, model.inputSymbol].map((name) => `${name} = ${values[name] ?? 0}`).join(', ');
        bad = { what: `it at ${where}`, value };
      }
    }
    if (!bad) continue;
    const used = [...parametersRead(model, [eq.rhs])].map((name) => `${name} = ${parameters[model.parameterNames.indexOf(name)]}`);
    const text = model.file.equations[eq.line];
    throw new InputError(
      `${field || model.source}: equations[${eq.line}]`,
      `"${text}": ${bad.what} is ${bad.value}${used.length > 0 ? ` with ${used.join(', ')}` : ''}; the exact method needs a linear equation that is finite everywhere (the other methods would stop at the first step with a blow-up). Correct the equation or its parameters.`,
    );
  }
  return system;
}
