// A family of voltage-clamp steps, as Hodgkin and Huxley ran them: from a holding level, one run
// per command level, each stepping to its level for durationMs; the declared ionic currents of the
// model during each step, their peaks (largest magnitude) and their values at the step's end. The
// CLI's `clamp` prints the table; a page panel draws the same runs (the currents against time, and
// the I-V curves of peak and end against the command).
//
// A ramp (protocol 'ramp') is one run of the same shape: held, then the command jumps to fromMV and
// moves linearly to toMV over durationMs. Its currents are read against the command at each sample:
// a slow ramp traces the steady-state I-V curve in one sweep (gates keep up), a fast one the early
// currents, and the clamp current carries the capacitive current C dV/dt on top of the ionic ones.
//
// Each run holds for HOLD_BEFORE_MS first (the variables other than v start at their steady state
// at the holding level), then steps. The currents of a step are evaluated at the command level
// with the traced state: the gates of the sample before the step's start (still the holding
// level's: the value just after the jump) through the last sample before its end. With the
// staggered method the gates stored at a sample are half a step ahead, so these samples are the
// exact solution at 0, dt, ..., durationMs after the jump; with the other methods at 0, 0, dt, ...,
// durationMs - dt. Either way, under an ideal clamp each HH gate relaxes exponentially and the
// currents are the closed form's at the samples.
import { InputError } from '../errors.js';
import { Experiment, type Validator } from '../experiment.js';
import { PointEvaluator } from '../model/evaluate.js';
import type { LoadedModel, MethodName } from '../model/loadModel.js';
import type { ModelFile } from '../model/modelFile.js';
import type { Evaluator } from '../codegen/expression.js';
import type { IonSettings } from '../model/ions.js';
import { CLAMP_CURRENT, type VoltageClampSpec } from './clamp.js';
import { LIMITS } from '../scenarioSpec.js';

/** Time held at the holding level before each step. */
export const HOLD_BEFORE_MS = 2;

export type ClampProtocol = 'steps' | 'ramp';

export interface ClampFamilyRequest {
  model: string | ModelFile;
  holdingMV: number;
  /** A family of steps (default) or one ramp from fromMV to toMV over durationMs (stepMV is not used). */
  protocol?: ClampProtocol;
  /** The command levels: from, to (inclusive, where the steps land on it) and step, in mV. */
  fromMV: number;
  toMV: number;
  stepMV: number;
  durationMs: number;
  /** Default: the model file's sweep step (its safe step for this model), else 0.01 ms. */
  dtMs?: number;
  method?: MethodName;
  parameters?: Record<string, number>;
  regime?: string;
  /** Fraction blocked by blocker or conductance (TTX: 1, g_K: 0.5). */
  blockers?: Record<string, number>;
  ions?: IonSettings;
  /** Series resistance (0 or absent: an ideal clamp). */
  seriesResistance?: number;
  /** Trace every this many ms (default dtMs): what a page draws; peaks and ends are found at this sampling. */
  traceEveryMs?: number;
}

/** One step of the family. Arrays are per sample of the step, time from the jump. */
export interface ClampStep {
  /** A step's command level; a ramp's end level (toMV). */
  levelMV: number;
  /** Time since the jump that each sample's gates stand for (ms): see the header. */
  timeMs: Float64Array;
  /** The command at each sample (a step's level throughout; along a ramp, where it had got to). */
  commandMV: Float64Array;
  /** Each declared current at the command level, in the model's current order; `total` is their sum. */
  currents: Float64Array[];
  total: Float64Array;
  /** The clamp current (the input the clamp supplies), and v (which a series-resistance clamp lets lag). */
  clampCurrent: Float64Array;
  v: Float64Array;
  /** The state variables other than v (gates), by name. */
  state: Record<string, Float64Array>;
  /** Largest magnitude during the step and the value at its end, per current, then the total. */
  peak: Float64Array;
  end: Float64Array;
}

export interface ClampFamily {
  model: string;
  protocol: ClampProtocol;
  /** The ramp's start and end (for steps, the lowest and highest level). */
  fromMV: number;
  toMV: number;
  /** Declared currents: name, label and colour from the model file. */
  currents: { name: string; label: string; colour: string }[];
  /** Unit of the currents and of the clamp current (the model's input unit), and of v. */
  currentUnit: string;
  voltageUnit: string;
  holdingMV: number;
  durationMs: number;
  dtMs: number;
  method: MethodName;
  /** The blockers in force, keyed by parameter. */
  blockers: Record<string, number>;
  steps: ClampStep[];
}

/** The command levels from, from + step, ... up to to (within a millionth of a step). */
export function clampLevels(fromMV: number, toMV: number, stepMV: number): number[] {
  if (!(stepMV > 0)) throw new InputError('stepMV', `must be above 0 mV, got ${stepMV}`);
  if (!(toMV >= fromMV)) throw new InputError('toMV', `${toMV} mV is below fromMV (${fromMV} mV)`);
  const count = Math.floor((toMV - fromMV) / stepMV + 1e-6) + 1;
  if (count > 1000) throw new InputError('stepMV', `${count} levels from ${fromMV} to ${toMV} mV in steps of ${stepMV} mV; at most 1000`);
  return Array.from({ length: count }, (_, k) => Number((fromMV + k * stepMV).toPrecision(12)));
}

/** The levels a request runs: each step's, or for a ramp one run (named by its end level). */
export function requestLevels(request: ClampFamilyRequest): number[] {
  const protocol = request.protocol ?? 'steps';
  if (protocol === 'steps') return clampLevels(request.fromMV, request.toMV, request.stepMV);
  if (protocol !== 'ramp') throw new InputError('protocol', `${JSON.stringify(String(protocol).slice(0, 40))} is not a clamp protocol: steps or ramp`);
  for (const field of ['fromMV', 'toMV'] as const) {
    if (typeof request[field] !== 'number' || !Number.isFinite(request[field])) throw new InputError(field, `a ramp's ${field === 'fromMV' ? 'start' : 'end'} must be a finite number of mV, got ${String(request[field])}`);
  }
  if (request.fromMV === request.toMV) throw new InputError('toMV', `a ramp must move: toMV equals fromMV (${request.fromMV} mV); for a flat command use the steps protocol`);
  return [request.toMV];
}

/** The scenario of one step of the family (or of the ramp): one neuron, clamped, every state variable and the clamp current traced. */
export function clampStepScenario(request: ClampFamilyRequest, levelMV: number, model: LoadedModel): Record<string, unknown> {
  const dtMs = request.dtMs ?? model.file.sweep?.dtMs ?? 0.01;
  const window = { startMs: HOLD_BEFORE_MS, stopMs: HOLD_BEFORE_MS + request.durationMs };
  const clamp: VoltageClampSpec = {
    type: 'voltageClamp',
    population: 'cell',
    holdingMV: request.holdingMV,
    commands: [request.protocol === 'ramp' ? { ...window, fromMV: request.fromMV, toMV: request.toMV } : { ...window, levelMV }],
    ...(request.seriesResistance ? { seriesResistance: request.seriesResistance } : {}),
  };
  return {
    format: 'spikebridge-scenario/1',
    name: request.protocol === 'ramp' ? `voltage clamp ramp from ${request.fromMV} to ${request.toMV} mV` : `voltage clamp to ${levelMV} mV`,
    durationMs: HOLD_BEFORE_MS + request.durationMs,
    dtMs,
    populations: [
      {
        name: 'cell',
        model: request.model,
        size: 1,
        ...(request.parameters && Object.keys(request.parameters).length > 0 ? { parameters: request.parameters } : {}),
        ...(request.regime ? { regime: request.regime } : {}),
        ...(request.method ? { method: request.method } : {}),
        ...(request.blockers && Object.keys(request.blockers).length > 0 ? { blockers: request.blockers } : {}),
        ...(request.ions && Object.keys(request.ions).length > 0 ? { ions: request.ions } : {}),
      },
    ],
    stimuli: [clamp],
    record: {
      spikes: false,
      traces: [...model.stateNames, CLAMP_CURRENT].map((variable) => ({ population: 'cell', variable, neurons: [0] })),
      ...(request.traceEveryMs !== undefined ? { traceEveryMs: request.traceEveryMs } : {}),
    },
  };
}

/** Each declared current of a model as an evaluator over a PointEvaluator's slots (named values evaluated by set()). */
export function currentEvaluators(model: LoadedModel): { evaluator: PointEvaluator; currents: { name: string; label: string; colour: string; evaluate: Evaluator }[] } {
  const evaluator = new PointEvaluator(model);
  const currents = model.display.currents.map((c) => {
    const expression = model.expressions.find((e) => e.name === c.name);
    if (!expression) throw new Error(`internal: current ${c.name} is not a named expression`);
    return { name: c.name, label: c.label, colour: c.colour, evaluate: evaluator.compile(expression.node) };
  });
  return { evaluator, currents };
}

/**
 * Run the family: one Experiment per level (validated by `validate`, the scenario layer's
 * validator), the first run's refusal thrown as an InputError naming the scenario field.
 */
export function runClampFamily(request: ClampFamilyRequest, validate: Validator, levels = requestLevels(request)): ClampFamily {
  let family: ClampFamily | null = null;
  const loaded = probeModel(request, validate);
  // The family keeps every level's traces and currents: bound them all together, as a scenario's
  // traces are bounded, before any level runs (161 levels of 10 s at 0.01 ms would be 13 GB).
  const first = clampStepScenario(request, levels[0], loaded) as { durationMs: number; dtMs: number; record: { traceEveryMs?: number } };
  const arrays = loaded.stateNames.length + 2 + loaded.display.currents.length; // state, clamp current, v; the currents and their total
  const kept = levels.length * arrays * (first.durationMs / (first.record.traceEveryMs ?? first.dtMs));
  if (kept > LIMITS.maxTraceSamples) {
    throw new InputError('durationMs', `${levels.length} levels of ${first.durationMs} ms at dt ${first.dtMs} ms would keep ${kept.toExponential(2)} samples of ${arrays} traces; at most ${LIMITS.maxTraceSamples.toExponential(0)} are allowed: use fewer levels, a shorter step or a larger dt`);
  }
  for (const levelMV of levels) {
    const experiment = Experiment.open(clampStepScenario(request, levelMV, loaded), validate, { derivedTraces: false });
    const valid = experiment.valid;
    const pop = valid.populations[0];
    const model = pop.model;
    if (model.display.currents.length === 0) throw new InputError('model', `model ${model.id} declares no ionic currents (its file's "currents"), so a clamp has none to show`);
    if (!family) {
      family = {
        model: model.id,
        protocol: request.protocol ?? 'steps',
        fromMV: request.protocol === 'ramp' ? request.fromMV : levels[0],
        toMV: request.protocol === 'ramp' ? request.toMV : levels[levels.length - 1],
        currents: model.display.currents.map((c) => ({ name: c.name, label: c.label, colour: c.colour })),
        currentUnit: model.file.input.unit,
        voltageUnit: model.display.membrane?.unit ?? '',
        holdingMV: request.holdingMV,
        durationMs: request.durationMs,
        dtMs: valid.scenario.dtMs,
        method: pop.method,
        blockers: { ...pop.blockers },
        steps: [],
      };
    }
    experiment.advance();
    const frame = experiment.drain();
    const ideal = !(request.seriesResistance && request.seriesResistance > 0);
    // The command at a time from the jump: a step's level, or where the ramp has got to.
    const command = request.protocol === 'ramp' ? (t: number) => request.fromMV + ((request.toMV - request.fromMV) * Math.min(t, request.durationMs)) / request.durationMs : () => levelMV;
    family.steps.push(stepResult(model, pop.parameters, frame.traces.map((t) => t.values), frame.traces[0].everyMs, levelMV, command, request.durationMs, ideal, pop.method === 'staggered' ? valid.scenario.dtMs : 0));
  }
  if (!family) throw new InputError('fromMV', 'no command levels');
  return family;
}

/** The model a request names, loaded through the validator with a scenario of one neuron. */
function probeModel(request: ClampFamilyRequest, validate: Validator): LoadedModel {
  return validate({ format: 'spikebridge-scenario/1', durationMs: 1, dtMs: 0.01, populations: [{ name: 'cell', model: request.model, size: 1 }] }).populations[0].model;
}

/**
 * The currents of one step from the traced state (state variables in model order, then the clamp
 * current): at the command under an ideal clamp, at the traced v under a series resistance.
 */
function stepResult(model: LoadedModel, parameters: Float64Array, traces: Float64Array[], everyMs: number, levelMV: number, command: (t: number) => number, durationMs: number, ideal: boolean, leadMs: number): ClampStep {
  const ns = model.stateNames.length;
  const membrane = model.display.membrane!.index;
  // Samples from the one before the jump to the last before the end (see the header).
  const first = Math.max(0, Math.round(HOLD_BEFORE_MS / everyMs) - 1);
  const last = Math.ceil((HOLD_BEFORE_MS + durationMs) / everyMs - 1e-9) - 1;
  const n = last - first + 1;
  const { evaluator, currents } = currentEvaluators(model);
  const values = currents.map(() => new Float64Array(n));
  const total = new Float64Array(n);
  const point = new Float64Array(ns);
  // The sample before the jump holds the holding level's gates (the instant after the jump); the
  // next ones are everyMs apart from the jump, the staggered gates a step (leadMs) ahead.
  const timeMs = Float64Array.from({ length: n }, (_, j) => (j === 0 ? 0 : (j - 1) * everyMs + leadMs));
  const commandMV = Float64Array.from(timeMs, command);
  for (let j = 0; j < n; j++) {
    for (let k = 0; k < ns; k++) point[k] = traces[k][first + j];
    if (ideal) point[membrane] = commandMV[j];
    evaluator.set(parameters, point, 0);
    let sum = 0;
    currents.forEach((c, q) => {
      const x = c.evaluate(evaluator.values);
      values[q][j] = x;
      sum += x;
    });
    total[j] = sum;
  }
  const peakOf = (x: Float64Array) => x.reduce((best, y) => (Math.abs(y) > Math.abs(best) ? y : best), 0);
  const state: Record<string, Float64Array> = {};
  model.stateNames.forEach((name, k) => {
    if (k !== membrane) state[name] = traces[k].slice(first, last + 1);
  });
  return {
    levelMV,
    timeMs,
    commandMV,
    currents: values,
    total,
    clampCurrent: traces[ns].slice(first, last + 1),
    v: traces[membrane].slice(first, last + 1),
    state,
    peak: Float64Array.from([...values.map(peakOf), peakOf(total)]),
    end: Float64Array.from([...values.map((x) => x[n - 1]), total[n - 1]]),
  };
}
