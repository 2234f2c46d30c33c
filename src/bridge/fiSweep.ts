// f-I curves: one neuron per input current, all integrated together in one population, so a
// sweep costs one simulation. Rates count the spikes after the discard window.
import { InputError } from '../core/errors.js';
import { builtinModel } from '../core/model/builtinModels.js';
import { loadModel, parameterEvaluator, resolveParameters, type LoadedModel, type MethodName } from '../core/model/loadModel.js';
import { Simulation } from '../core/simulation.js';
import { SCENARIO_FORMAT, validateScenario, type Scenario } from '../scenario/scenario.js';
import type { ModelFile } from '../core/model/modelFile.js';

export interface FiSweepOptions {
  model: string | ModelFile;
  currents: number[];
  durationMs: number;
  discardMs: number;
  dtMs: number;
  method?: MethodName;
  parameters?: Record<string, number>;
  /** Standard deviation (mV) of the free membrane potential the input noise causes; 0 = none. */
  noiseSigmaMV?: number;
  seed?: number;
}

export interface FiCurve {
  currents: Float64Array;
  ratesHz: Float64Array;
  unit: string;
}

/** Every current from `from` to `to` (inclusive) in steps of `step`, free of float drift. */
export function currentRange(from: number, to: number, step: number): number[] {
  if (!(step > 0)) throw new InputError('--step', `must be a positive number, got ${step}`);
  if (to < from) throw new InputError('--to', `${to} is below --from (${from})`);
  const count = Math.floor((to - from) / step + 1e-9) + 1;
  if (count > 100000) throw new InputError('--step', `${step} gives ${count} currents; at most 100000 are allowed`);
  return Array.from({ length: count }, (_, k) => Number((from + k * step).toPrecision(12)));
}

/** Input-current white noise (sigma as in the whiteNoise stimulus) that gives sigma_V mV. */
export function noiseCurrentSigma(model: LoadedModel, parameters: Float64Array, sigmaVmV: number): number {
  if (sigmaVmV === 0) return 0;
  if (!model.noise) throw new InputError('--noise-sigma', `model ${model.id} does not say how voltage noise enters it (no "noise" section)`);
  const resistance = parameterEvaluator(model, model.noise.resistance)(parameters);
  const tau = parameterEvaluator(model, model.noise.tau)(parameters);
  // R * sigma_I * sqrt(1 ms) * xi drives v; its stationary standard deviation is
  // R * sigma_I * sqrt(1 ms / (2 tau)).
  return (sigmaVmV * Math.sqrt((2 * tau) / 1)) / resistance;
}

export function fiScenario(options: FiSweepOptions): Scenario {
  const { currents, durationMs, discardMs, dtMs } = options;
  if (currents.length === 0) throw new InputError('currents', 'the sweep needs at least one current');
  if (!(discardMs >= 0) || discardMs >= durationMs) {
    throw new InputError('--discard', `${discardMs} ms must be at least 0 and below --duration (${durationMs} ms)`);
  }
  const model = typeof options.model === 'string' ? builtinModel(options.model, '--model') : loadModel(options.model, '--model');
  // Check overrides here so a message names the command-line option, not the generated scenario.
  const parameters = resolveParameters(model, options.parameters, '--set');
  const sigmaV = options.noiseSigmaMV ?? 0;
  if (!(sigmaV >= 0) || sigmaV > 1000) throw new InputError('--noise-sigma', `${sigmaV} mV must be in [0, 1000] mV`);
  const stimuli: Scenario['stimuli'] = [{ type: 'constant', population: 'sweep', amplitude: currents }];
  if (sigmaV > 0) stimuli.push({ type: 'whiteNoise', population: 'sweep', sigma: noiseCurrentSigma(model, parameters, sigmaV) });
  return {
    format: SCENARIO_FORMAT,
    name: `f-I sweep of ${model.id}`,
    durationMs,
    dtMs,
    seed: options.seed ?? 1,
    populations: [{ name: 'sweep', model: options.model, size: currents.length, ...(options.parameters ? { parameters: options.parameters } : {}), ...(options.method ? { method: options.method } : {}) }],
    stimuli,
    record: { spikes: false, rateWindowMs: [discardMs, durationMs] },
  };
}

export function fiSweep(options: FiSweepOptions): FiCurve {
  const valid = validateScenario(fiScenario(options));
  const sim = new Simulation(valid);
  sim.advance();
  const counts = sim.windowCounts()[0].counts;
  const seconds = (options.durationMs - options.discardMs) / 1000;
  return {
    currents: Float64Array.from(options.currents),
    ratesHz: Float64Array.from(counts, (c) => c / seconds),
    unit: valid.populations[0].model.file.input.unit,
  };
}
