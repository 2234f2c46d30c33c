// The activation a small network's hidden units use: one of the ANN functions (activations.ts, in
// their usual form: g(z) with unit slope and origin, soft-LIF with t_ref / tau = 0.2 and
// gamma = 0.05), or "this neuron": a model's f-I curve, with or without input noise, normalised.
//
// The neuron's curve is normalised so a network can use it like any activation: the input z = 0
// is the neuron's (noiseless) rheobase and z = 1 is a fixed step of current above it (a quarter of
// the way from the rheobase to the top of the model file's default sweep), and the output is the
// rate over the rate at z = 4 (the sweep's top): I = currentAtZero + currentPerUnit z,
// h(z) = rate(I) / rateAtFourHz. The curve is simulated (the f-I sweep of fiSweep.ts, seeded) and
// its best ranked fit (fit.ts: soft-LIF for the LIF, the sigmoid or soft-LIF for others) is the
// smooth curve the network uses, so backpropagation takes the fit's own derivative
// (activationGain). The simulated points travel with it, for a plot of how well it follows them.
import { InputError, describeValue } from '../../core/errors.js';
import { ACTIVATIONS, ACTIVATION_IDS, activationGain, activationValue, type ActivationId, type ActivationParameters } from '../activations.js';
import { fitActivations } from '../fit.js';
import { fiSweep } from '../fiSweep.js';
import { planFiSweep } from '../fiPlan.js';
import { computeRheobase } from '../rheobase.js';
import type { ModelFile } from '../../core/model/modelFile.js';

/** The neuron's normalised f-I curve as plain data (structured-clone safe, for a worker). */
export interface NeuronCurve {
  model: string;
  modelName: string;
  unit: string;
  noiseSigmaMV: number;
  parameters: Record<string, number>;
  /** Current at z = 0 (the noiseless rheobase) and per unit of z, in the model's input unit. */
  currentAtZero: number;
  currentPerUnit: number;
  /** The rate the output is divided by: the fitted rate at z = 4. */
  rateAtFourHz: number;
  /** The fitted curve (rate in Hz against current). */
  fit: { id: ActivationId; parameters: ActivationParameters; rmseHz: number };
  /** The simulated points (z and normalised rate). */
  z: Float64Array;
  rate: Float64Array;
}

/** A hidden unit's activation: a function's id, or a neuron's curve. */
export type ActivationChoice = ActivationId | { neuron: NeuronCurve };

export interface UnitActivation {
  name: string;
  f(z: number): number;
  df(z: number): number;
  /** inf f: what a rate of 0 stands for (-Infinity: unbounded below, leaky ReLU). */
  floor: number;
}

const STANDARD_SHAPES: Partial<Record<ActivationId, number[]>> = { softLif: [0.2, 0.05] };

export function unitActivation(choice: ActivationChoice): UnitActivation {
  if (typeof choice === 'string') {
    const def = ACTIVATIONS[choice];
    if (!def) throw new InputError('activation', `${describeValue(choice)} is not an activation; choose one of ${ACTIVATION_IDS.join(', ')}, or a neuron`);
    const shape = STANDARD_SHAPES[choice] ?? def.shape.map((s) => s.value);
    return { name: def.name, f: (z) => def.g(z, shape), df: (z) => def.dg(z, shape), floor: def.floor };
  }
  const curve = choice?.neuron;
  if (!curve || !curve.fit) throw new InputError('activation', `must be an activation id or { neuron: curve } (neuronCurve), got ${describeValue(choice)}`);
  const { id, parameters } = curve.fit;
  const scale = 1 / curve.rateAtFourHz;
  return {
    name: `${curve.modelName}${curve.noiseSigmaMV > 0 ? ` with ${curve.noiseSigmaMV} mV noise` : ''}`,
    f: (z) => scale * activationValue(id, parameters, curve.currentAtZero + curve.currentPerUnit * z),
    df: (z) => scale * curve.currentPerUnit * activationGain(id, parameters, curve.currentAtZero + curve.currentPerUnit * z),
    floor: 0,
  };
}

export interface NeuronCurveOptions {
  parameters?: Record<string, number>;
  noiseSigmaMV?: number;
  seed?: number;
  /** Neurons per current with noise (default 20). */
  neuronsPerCurrent?: number;
}

/** Simulate the model's f-I curve over z from -2 to 4 (61 points) and fit it: the neuron as an activation. */
export function neuronCurve(model: string | ModelFile, options: NeuronCurveOptions = {}): NeuronCurve {
  const noiseSigmaMV = options.noiseSigmaMV ?? 0;
  // The planner checks the model, parameters and noise, and gives the file's sweep.
  const plan = planFiSweep({ model, parameters: options.parameters, noise: { type: 'white', sigmaMV: noiseSigmaMV }, seed: options.seed ?? 1 });
  const top = plan.currents[plan.currents.length - 1];
  const rheobase = computeRheobase(plan.model, plan.parameters, { fromInput: plan.currents[0], toInput: top, durationMs: plan.durationMs, discardMs: plan.discardMs, dtMs: plan.dtMs, method: plan.method });
  if (rheobase.input === null) throw new InputError('activation', `${plan.modelName}: no rheobase in its default sweep (${rheobase.note}), so its f-I curve cannot be an activation`);
  const currentAtZero = rheobase.input;
  const currentPerUnit = (top - currentAtZero) / 4;
  if (!(currentPerUnit > 0)) throw new InputError('activation', `${plan.modelName}: its rheobase ${currentAtZero} ${plan.unit} is at the top of its default sweep`);
  const z = Float64Array.from({ length: 61 }, (_, k) => -2 + k * 0.1);
  const currents = Array.from(z, (v) => Number((currentAtZero + currentPerUnit * v).toPrecision(12)));
  const curve = fiSweep({ ...plan.options, currents, neuronsPerCurrent: noiseSigmaMV > 0 ? (options.neuronsPerCurrent ?? 20) : 1 });
  const best = fitActivations(curve.currents, curve.ratesHz)[0];
  const rateAtFourHz = activationValue(best.id, best.parameters, currentAtZero + 4 * currentPerUnit);
  if (!(rateAtFourHz > 0)) throw new InputError('activation', `${plan.modelName} does not fire at the top of its default sweep`);
  return {
    model: plan.modelId,
    modelName: plan.model.file.shortName ?? plan.modelName,
    unit: plan.unit,
    noiseSigmaMV,
    parameters: plan.parameters,
    currentAtZero,
    currentPerUnit,
    rateAtFourHz,
    fit: { id: best.id, parameters: best.parameters, rmseHz: best.rmseHz },
    z,
    rate: Float64Array.from(curve.ratesHz, (r) => r / rateAtFourHz),
  };
}
