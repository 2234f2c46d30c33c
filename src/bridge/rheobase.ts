// The rheobase: the least constant current at which a neuron fires repetitively, computed rather
// than read off a sweep's grid. Where the model file declares it (its `rheobase` expression, e.g.
// the LIF's (V_th - E_L) / R) that expression is evaluated with the parameters in force; for any
// other model it is found by bisection on noiseless runs of the sweep's own protocol (constant
// current from t = 0, spikes counted after the discard window: a neuron "fires" when it spikes
// there at least once), so the number is the onset the f-I curve shows.
//
// The bisection probes several currents per round as independent neurons of one run (without
// noise a neuron does not depend on its neighbours, so this is the run of each probe on its own),
// each round narrowing the bracket by (PROBES + 1), until it is narrower than the tolerance; the
// rheobase is the bracket's upper end (a current that fired), within `toleranceInput` of the onset.
import { InputError } from '../core/errors.js';
import { parameterEvaluator, resolveParameters, type LoadedModel, type MethodName } from '../core/model/loadModel.js';
import { fiSweep } from './fiSweep.js';

export interface Rheobase {
  /** The rheobase in the model's input unit; null when the model fires at none of the range, or at all of it. */
  input: number | null;
  unit: string;
  method: 'expression' | 'bisection';
  /** The file's expression, for `expression`. */
  expression?: string;
  /** Width of the final bracket (bisection), 0 for an expression. */
  toleranceInput: number;
  /** Runs of the model the bisection took (rounds), 0 for an expression. */
  runs: number;
  /** Why input is null, said for a student. */
  note?: string;
}

export interface RheobaseOptions {
  /** Bracket: the neuron must be silent at fromInput and fire at toInput. */
  fromInput: number;
  toInput: number;
  /** Default: (toInput - fromInput) / 4096. */
  toleranceInput?: number;
  durationMs: number;
  discardMs: number;
  dtMs: number;
  method?: MethodName;
  /** Bisect even when the file declares an expression (to check it). */
  forceBisection?: boolean;
}

/** Currents probed together per round of the bisection. */
export const RHEOBASE_PROBES = 8;

export function computeRheobase(model: LoadedModel, parameters: Record<string, number>, options: RheobaseOptions): Rheobase {
  const unit = model.file.input.unit;
  const values = resolveParameters(model, parameters, 'parameters');
  if (model.rheobase && !options.forceBisection) {
    const input = parameterEvaluator(model, model.rheobase)(values);
    return { input: Number.isFinite(input) ? input : null, unit, method: 'expression', expression: model.rheobase.toString(), toleranceInput: 0, runs: 0 };
  }
  const { fromInput, toInput } = options;
  if (!(toInput > fromInput)) throw new InputError('range.toInput', `${toInput} ${unit} must be above range.fromInput (${fromInput} ${unit}) to bracket the rheobase`);
  const tolerance = options.toleranceInput ?? (toInput - fromInput) / 4096;
  if (!(tolerance > 0)) throw new InputError('toleranceInput', `${tolerance} must be a positive current`);
  const fires = (currents: number[]): boolean[] => {
    const curve = fiSweep({ model: model.file, currents, durationMs: options.durationMs, discardMs: options.discardMs, dtMs: options.dtMs, method: options.method, parameters, seed: 1 });
    return Array.from(curve.ratesHz, (r) => r > 0);
  };
  let runs = 1;
  const [silentAtStart, firesAtEnd] = fires([fromInput, toInput]);
  const base = { unit, method: 'bisection' as const, toleranceInput: tolerance };
  if (silentAtStart === true) return { ...base, input: null, runs, note: `it already fires at ${fromInput} ${unit}, the start of the range` };
  if (!firesAtEnd) return { ...base, input: null, runs, note: `it does not fire up to ${toInput} ${unit}, the end of the range` };
  let low = fromInput;
  let high = toInput;
  while (high - low > tolerance) {
    const probes = Array.from({ length: RHEOBASE_PROBES }, (_, k) => low + ((high - low) * (k + 1)) / (RHEOBASE_PROBES + 1));
    const fired = fires(probes);
    runs++;
    const first = fired.indexOf(true);
    if (first < 0) low = probes[RHEOBASE_PROBES - 1];
    else {
      high = probes[first];
      if (first > 0) low = probes[first - 1];
    }
  }
  return { ...base, input: high, toleranceInput: high - low, runs };
}
