// One neuron of any model file as a scenario, so the page can offer every file in models/ with no
// code per model: its membrane variable and gates traced (as the file declares them), a step of
// input about twice its rheobase (or, without a positive closed-form rheobase, the top of its
// default sweep, which the sweep reaches to show firing: the middle of Morris-Lecar's sweep is
// below its type II onset), and the step size of its default sweep. The scenario is validated before it is
// returned, so what comes back runs.
import { InputError, describeValue } from '../core/errors.js';
import { builtinModel } from '../core/model/builtinModels.js';
import { parameterEvaluator, resolveParameters, type LoadedModel } from '../core/model/loadModel.js';
import { stepSizeLimits } from '../core/model/timescale.js';
import { SCENARIO_FORMAT, validateScenario, type Scenario } from './scenario.js';

export interface SingleNeuronOptions {
  /** A named parameter set of the model (its `regimes`); `parameters` override it. */
  regime?: string;
  parameters?: Record<string, number>;
  /** The step's amplitude in the model's input unit; default: about twice the rheobase, or the top of the default sweep. */
  amplitude?: number;
  /** Length of the run (ms); the step runs from 10 % to 90 % of it. Default 500 ms. */
  durationMs?: number;
}

const DEFAULT_DURATION_MS = 500;
/** A step size when the model file declares no sweep: at most this, and within the model's fastest time constant. */
const FALLBACK_DT_MS = 0.1;

/** Two significant digits, free of float noise. */
function round2(x: number): number {
  return x === 0 ? 0 : Number(x.toPrecision(2));
}

/** The default amplitude: twice a positive rheobase, else the top of the default sweep. */
function defaultAmplitude(model: LoadedModel, values: Float64Array): number {
  const rheobase = model.rheobase ? parameterEvaluator(model, model.rheobase)(values) : NaN;
  if (rheobase > 0 && Number.isFinite(rheobase)) return round2(2 * rheobase);
  if (model.sweep) return round2(parameterEvaluator(model, model.sweep.to)(values));
  throw new InputError('amplitude', `${model.file.name} declares neither a rheobase nor a default sweep; give the step's amplitude in ${model.file.input.unit}`);
}

/** The step size: the default sweep's, or one within the model's fastest time constant. */
function stepSize(model: LoadedModel, values: Float64Array): number {
  if (model.sweep) return model.sweep.dtMs;
  const method = model.file.defaultMethod as Parameters<typeof stepSizeLimits>[2];
  const limits = stepSizeLimits(model, values, method);
  return limits ? Math.min(FALLBACK_DT_MS, limits.suggestedMs) : FALLBACK_DT_MS;
}

/**
 * A scenario of one neuron of the built-in model `modelId`. Errors name the option (`regime`,
 * `parameters.NAME`, `amplitude`, `durationMs`) or, for the model, `model`.
 */
export function singleNeuronScenario(modelId: string, options: SingleNeuronOptions = {}): Scenario {
  const model = builtinModel(modelId, 'model');
  let regimeValues: Record<string, number> = {};
  if (options.regime !== undefined) {
    const regime = model.regimes.get(options.regime);
    if (!regime) {
      const known = [...model.regimes.keys()];
      throw new InputError('regime', `${describeValue(options.regime)} is not a regime of ${model.id} (${known.length > 0 ? `its regimes: ${known.join(', ')}` : 'it has none'})`);
    }
    regimeValues = regime.parameters;
  }
  const overrides = options.parameters ?? {};
  // Each override by its own name first, then the set as a whole (the constraints).
  resolveParameters(model, overrides, 'parameters');
  const values = resolveParameters(model, { ...regimeValues, ...overrides }, 'parameters');
  const durationMs = options.durationMs ?? DEFAULT_DURATION_MS;
  if (typeof durationMs !== 'number' || !(durationMs >= 10) || durationMs > 1e5) throw new InputError('durationMs', `${describeValue(durationMs)} must be a number of ms from 10 to 100000`);
  const amplitude = options.amplitude ?? defaultAmplitude(model, values);
  if (typeof amplitude !== 'number' || !Number.isFinite(amplitude)) throw new InputError('amplitude', `must be a number in ${model.file.input.unit}, got ${describeValue(amplitude)}`);
  const dtMs = stepSize(model, values);
  const traced = [model.display.membrane?.name ?? model.threshold.variable, ...model.display.gates.map((g) => g.name)];
  const startMs = round2(0.1 * durationMs);
  const stopMs = round2(0.9 * durationMs);
  const scenario: Scenario = {
    format: SCENARIO_FORMAT,
    name: `Single ${model.file.shortName ?? model.file.name} neuron`,
    description: `${model.file.name}${options.regime ? `, regime ${options.regime}` : ''}: a step of ${amplitude} ${model.file.input.unit} from ${startMs} to ${stopMs} ms.`,
    durationMs,
    dtMs,
    seed: 1,
    populations: [
      {
        name: 'neuron',
        model: model.id,
        size: 1,
        ...(options.regime !== undefined ? { regime: options.regime } : {}),
        ...(Object.keys(overrides).length > 0 ? { parameters: { ...overrides } } : {}),
      },
    ],
    stimuli: [{ type: 'step', population: 'neuron', amplitude, startMs, stopMs }],
    record: {
      spikes: true,
      traceEveryMs: Math.max(dtMs, 0.1),
      traces: traced.map((variable) => ({ population: 'neuron', variable, neurons: [0] })),
    },
  };
  validateScenario(scenario);
  return scenario;
}
