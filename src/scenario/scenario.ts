// The Scenario: one JSON shape for the page, the URL, the CLI and lessons. Everything a user can
// set is a field here, and validateScenario() is the one gate every scenario passes through:
// a bad field is refused with its path, its value and what is allowed, and nothing half-applies.
// The shape itself and the limits the core enforces are the core's (src/core/scenarioSpec.ts,
// re-exported here); this layer reads JSON into them, and hands its validator to what builds
// (openExperiment, buildSimulation), since the core imports nothing above it.
import { InputError, describeValue, numberProblem } from '../core/errors.js';
import { checkDepth } from './json.js';
import { Simulation } from '../core/simulation.js';
import type { PopulationOptions } from '../core/population.js';
import { Experiment, type ExperimentOptions } from '../core/experiment.js';
import { LIMITS, VIEW_LIMITS, type InitialValue, type PopulationSpec, type ProjectionSpec, type Scenario, type ValidScenario, type ViewSpec } from '../core/scenarioSpec.js';
import { builtinModel } from '../core/model/builtinModels.js';
import { availableMethods, loadModel, resolveParameters, METHODS, type LoadedModel, type MethodName } from '../core/model/loadModel.js';
import type { ModelFile } from '../core/model/modelFile.js';
import { STIMULUS_TYPES, type StimulusSpec } from '../core/stimulus/stimuli.js';
import { expectedSynapses, type ConnectRule } from '../core/network/connectivity.js';
import { checkNetworkMemory, networkMemoryEstimate } from '../core/network/memory.js';
import { CLAMP_CURRENT, minimumSeriesResistance, resistanceUnit } from '../core/stimulus/clamp.js';
import { resolveBlockers } from '../core/model/blockers.js';
import { resolveIons } from '../core/model/ions.js';
import { effectiveParameters } from '../core/model/modifiers.js';
import { checkDerivedValues } from '../core/model/derivedValues.js';
import { SPIKE_SOURCE_MODEL, spikeSourceModel } from '../core/network/spikeSource.js';
import { SYNAPSE_KINDS, SYNAPSE_SHAPES, receptorKey, withReceptors } from '../core/network/synapseKinetics.js';
import type { CircuitLayout, SpikeSourceSpec, StpSpec, SynapseSpec } from '../core/scenarioSpec.js';

export const SCENARIO_FORMAT = 'spikebridge-scenario/1';


export type { PopulationSpec, InitialValue, ProjectionSpec, TraceSpec, RecordSpec, ViewSpec, Scenario, ValidScenario, CircuitLayout, SpikeSourceSpec, SynapseSpec, StpSpec } from '../core/scenarioSpec.js';
export { LIMITS, VIEW_LIMITS } from '../core/scenarioSpec.js';

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function number(obj: Record<string, unknown>, key: string, field: string, min: number, max: number, unit: string, opts: { optional?: boolean; integer?: boolean; openMin?: boolean } = {}): number | undefined {
  const value = obj[key];
  const f = `${field}${field ? '.' : ''}${key}`;
  const range = `${opts.openMin ? '(' : '['}${min}, ${max}]${unit ? ` ${unit}` : ''}`;
  if (value === undefined && opts.optional) return undefined;
  if (typeof value === 'number' && !Number.isFinite(value)) throw new InputError(f, `${numberProblem(value)}; the allowed range is ${range}`);
  if (typeof value !== 'number') throw new InputError(f, `must be a number in ${range}, got ${describeValue(value)}`);
  if (opts.integer && !Number.isInteger(value)) throw new InputError(f, `must be a whole number in ${range}, got ${value}`);
  if (value < min || value > max || (opts.openMin && value === min)) throw new InputError(f, `${value} is outside the allowed range ${range}`);
  return value;
}

function checkKeys(obj: Record<string, unknown>, allowed: string[], field: string): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) {
      throw new InputError(`${field}${field ? '.' : ''}${key}`, `is not a known field (allowed: ${allowed.join(', ')})`);
    }
  }
}

/** A number or a list of numbers, one per target neuron. */
function amount(obj: Record<string, unknown>, key: string, field: string, targets: number, opts: { optional?: boolean; min?: number; max?: number } = {}): void {
  const value = obj[key];
  const f = `${field}.${key}`;
  const min = opts.min ?? -1e6;
  const max = opts.max ?? 1e6;
  if (value === undefined && opts.optional) return;
  const check = (x: unknown, where: string) => {
    if (typeof x === 'number' && !Number.isFinite(x)) throw new InputError(where, `${numberProblem(x)}; the allowed range is [${min}, ${max}]`);
    if (typeof x !== 'number') throw new InputError(where, `must be a number in [${min}, ${max}], got ${describeValue(x)}`);
    if (x < min || x > max) throw new InputError(where, `${x} is outside the allowed range [${min}, ${max}]`);
  };
  if (Array.isArray(value)) {
    if (value.length !== targets) throw new InputError(f, `has ${value.length} values but the stimulus targets ${targets} neurons; give one number, or one per target`);
    value.forEach((x, k) => check(x, `${f}[${k}]`));
  } else check(value, f);
}

/** A number, or { uniform: [low, high] } / { normal: [mean, sd] } where `kinds` allows. */
function distribution(value: unknown, field: string, kinds: ('uniform' | 'normal')[], min = -1e9, max = 1e9): number | Record<string, [number, number]> {
  const allowed = `a number${kinds.map((k) => ` or { ${k}: ${k === 'uniform' ? '[low, high]' : '[mean, sd]'} }`).join('')}`;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new InputError(field, `${numberProblem(value)}; the allowed range is [${min}, ${max}]`);
    if (value < min || value > max) throw new InputError(field, `${value} is outside the allowed range [${min}, ${max}]`);
    return value;
  }
  if (!isObject(value) || Object.keys(value).length !== 1) throw new InputError(field, `must be ${allowed}, got ${describeValue(value)}`);
  const kind = Object.keys(value)[0] as 'uniform' | 'normal';
  const pair = value[kind];
  if (Array.isArray(pair)) {
    pair.forEach((x, k) => {
      if (typeof x === 'number' && !Number.isFinite(x)) throw new InputError(`${field}.${kind}[${k}]`, `${numberProblem(x)}; the allowed range is [${min}, ${max}]`);
    });
  }
  if (!kinds.includes(kind) || !Array.isArray(pair) || pair.length !== 2 || !pair.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw new InputError(field, `must be ${allowed}, got ${describeValue(value)}`);
  }
  if (kind === 'uniform' && !(pair[0] <= pair[1])) throw new InputError(field, `uniform [${pair[0]}, ${pair[1]}] needs low <= high`);
  if (kind === 'normal' && !(pair[1] >= 0)) throw new InputError(field, `normal [${pair[0]}, ${pair[1]}] needs sd >= 0`);
  const lo = kind === 'uniform' ? pair[0] : pair[0] - 10 * pair[1];
  const hi = kind === 'uniform' ? pair[1] : pair[0] + 10 * pair[1];
  if (lo < min || hi > max) throw new InputError(field, `${describeValue(value)} reaches outside the allowed range [${min}, ${max}]`);
  return { [kind]: [pair[0], pair[1]] };
}

/**
 * A constraint's message is what a user reads when the constraint fails ("V_reset must be below
 * V_th"): a model whose message is blank would print an empty reason, so it is refused as it loads.
 */
function blankConstraintMessages(model: Record<string, unknown>, field: string): void {
  if (!Array.isArray(model.constraints)) return;
  model.constraints.forEach((c: unknown, k: number) => {
    if (isObject(c) && typeof c.message === 'string' && c.message.trim() === '') {
      throw new InputError(`${field}.constraints[${k}].message`, `is empty; say what ${describeValue(c.check)} means, as a user reads it when it fails`);
    }
  });
}

/**
 * Limits a host puts below the core's own: the page's worker runs in a browser tab, where a network
 * the command line builds may not fit (src/scenario/pageLimits.ts).
 */
export interface HostLimits {
  /** Peak bytes of a network (the same estimate as LIMITS.maxNetworkBytes). */
  maxNetworkBytes?: number;
  /** Who sets the limit, in the message ("the page"). */
  host?: string;
}

/** The core's refusal of a network over the host's limit, saying whose limit it is and the command line's. */
function checkHostMemory(memory: ReturnType<typeof networkMemoryEstimate>, host: HostLimits): void {
  try {
    checkNetworkMemory(memory, host.maxNetworkBytes!);
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    const said = err.message.slice(err.field.length + 2);
    throw new InputError(err.field, `${said} (${host.host ?? 'this host'}'s limit; the command line allows ${LIMITS.maxNetworkBytes / 1e9} GB)`);
  }
}

/**
 * Validate a scenario (parsed JSON). Returns it with defaults filled in, its models loaded and
 * parameters resolved; throws InputError naming the first bad field.
 */
export function validateScenario(raw: unknown, host: HostLimits = {}): ValidScenario {
  // Data from the page or a worker did not pass through parseJson: bound its nesting here too.
  checkDepth(raw);
  if (!isObject(raw)) throw new InputError('scenario', `must be a JSON object, got ${describeValue(raw)}`);
  checkKeys(raw, ['format', 'name', 'description', 'durationMs', 'dtMs', 'seed', 'populations', 'projections', 'stimuli', 'record', 'view', 'layout'], '');
  if (raw.format !== SCENARIO_FORMAT) throw new InputError('format', `is ${describeValue(raw.format)}; this version reads "${SCENARIO_FORMAT}"`);
  for (const key of ['name', 'description'] as const) {
    if (raw[key] !== undefined && (typeof raw[key] !== 'string' || (raw[key] as string).length > 2000)) {
      throw new InputError(key, `must be a string of at most 2000 characters, got ${describeValue(raw[key])}`);
    }
  }
  const durationMs = number(raw, 'durationMs', '', 0, LIMITS.maxDurationMs, 'ms', { openMin: true })!;
  const dtMs = number(raw, 'dtMs', '', LIMITS.minDtMs, LIMITS.maxDtMs, 'ms')!;
  const seed = number(raw, 'seed', '', 0, 2 ** 32 - 1, '', { integer: true, optional: true }) ?? 1;
  if (durationMs / dtMs > LIMITS.maxSteps) {
    throw new InputError('durationMs', `${durationMs} ms at dtMs = ${dtMs} is ${Math.round(durationMs / dtMs)} steps; at most ${LIMITS.maxSteps} are allowed`);
  }

  if (!Array.isArray(raw.populations) || raw.populations.length === 0) {
    throw new InputError('populations', `must be a non-empty list of populations, got ${describeValue(raw.populations)}`);
  }
  if (raw.populations.length > LIMITS.maxPopulations) throw new InputError('populations', `${raw.populations.length} populations; at most ${LIMITS.maxPopulations} are allowed`);
  const names = new Set<string>();
  let totalNeurons = 0;
  /** Spike times listed by the sources so far (LIMITS.maxSourceTimes in all). */
  const sourceTimes = { count: 0 };
  const populations = raw.populations.map((p: unknown, k: number) => {
    const field = `populations[${k}]`;
    if (!isObject(p)) throw new InputError(field, `must be an object { name, model, size, ... }, got ${describeValue(p)}`);
    checkKeys(p, ['name', 'model', 'size', 'parameters', 'regime', 'initial', 'method', 'role', 'blockers', 'ions', 'spikes'], field);
    if (p.role !== undefined && p.role !== 'excitatory' && p.role !== 'inhibitory') {
      throw new InputError(`${field}.role`, `${describeValue(p.role)} must be "excitatory" or "inhibitory"`);
    }
    if (typeof p.name !== 'string' || !/^[A-Za-z][A-Za-z0-9_ -]{0,39}$/.test(p.name)) {
      throw new InputError(`${field}.name`, `${describeValue(p.name)} must start with a letter and have at most 40 letters, digits, spaces, - or _`);
    }
    if (names.has(p.name)) throw new InputError(`${field}.name`, `"${p.name}" is used by two populations`);
    names.add(p.name);
    if (p.spikes !== undefined || p.model === SPIKE_SOURCE_MODEL) {
      if (p.model !== undefined && p.model !== SPIKE_SOURCE_MODEL) throw new InputError(`${field}.spikes`, `only a spike source (model "${SPIKE_SOURCE_MODEL}", or no model) emits given spikes; ${describeValue(p.model)} is a neuron model: drive it through a projection from a spike source`);
      if (p.spikes === undefined) throw new InputError(`${field}.spikes`, `a population of model "${SPIKE_SOURCE_MODEL}" needs "spikes": { type: "times" | "regular" | "bursts" | "poisson", ... }`);
      for (const key of ['parameters', 'regime', 'initial', 'method', 'blockers', 'ions']) {
        if (p[key] !== undefined) throw new InputError(`${field}.${key}`, `a spike source has no ${key}: it emits the spikes its "spikes" field gives and integrates nothing`);
      }
      const size = number(p, 'size', field, 1, LIMITS.maxPopulationSize, 'neurons', { integer: true })!;
      totalNeurons += size;
      const spikes = validateSpikeSource(p.spikes, `${field}.spikes`, size, dtMs, sourceTimes);
      const model = spikeSourceModel();
      const parameters = new Float64Array(0);
      return { spec: { ...(p as unknown as PopulationSpec), model: SPIKE_SOURCE_MODEL, spikes }, model, parameters, given: parameters, blockers: {}, ions: {}, method: 'exact' as MethodName, initial: {} };
    }
    let model: LoadedModel;
    if (typeof p.model === 'string') model = builtinModel(p.model, `${field}.model`);
    else if (isObject(p.model)) {
      blankConstraintMessages(p.model, `${field}.model`);
      model = loadModel(p.model, `${field}.model`);
    }
    else throw new InputError(`${field}.model`, `must be a model id such as "lif" or a model object, got ${describeValue(p.model)}`);
    const size = number(p, 'size', field, 1, LIMITS.maxPopulationSize, 'neurons', { integer: true })!;
    totalNeurons += size;
    if (p.parameters !== undefined && !isObject(p.parameters)) throw new InputError(`${field}.parameters`, 'must be an object { name: value }');
    let regimeValues: Record<string, number> = {};
    if (p.regime !== undefined) {
      const regime = typeof p.regime === 'string' ? model.regimes.get(p.regime) : undefined;
      if (!regime) {
        const known = [...model.regimes.keys()];
        throw new InputError(`${field}.regime`, `${describeValue(p.regime)} is not a regime of ${model.id} (${known.length > 0 ? `its regimes: ${known.join(', ')}` : 'it has none'})`);
      }
      regimeValues = regime.parameters;
    }
    const given = resolveParameters(model, { ...regimeValues, ...(p.parameters as Record<string, unknown> | undefined) }, `${field}.parameters`);
    const blockers = resolveBlockers(model, p.blockers, `${field}.blockers`);
    const ions = resolveIons(model, p.ions, `${field}.ions`);
    const parameters = effectiveParameters(model, given, { blockers, ions }, `${field}.ions`);
    checkDerivedValues(model, parameters, field, { ...regimeValues, ...(p.parameters as Record<string, unknown> | undefined) });
    let method = model.file.defaultMethod as MethodName;
    if (p.method !== undefined) {
      if (typeof p.method !== 'string' || !(METHODS as readonly string[]).includes(p.method)) {
        throw new InputError(`${field}.method`, `${describeValue(p.method)} is not a method; choose one of ${METHODS.join(', ')}`);
      }
      const why = model.methods[p.method as MethodName];
      if (why !== true) throw new InputError(`${field}.method`, `"${p.method}" cannot integrate ${model.id}: ${why}`);
      method = p.method as MethodName;
    }
    const initial: Record<string, InitialValue> = {};
    if (p.initial !== undefined) {
      if (!isObject(p.initial)) throw new InputError(`${field}.initial`, 'must be an object { stateVariable: value }');
      for (const [name, value] of Object.entries(p.initial)) {
        if (!model.stateNames.includes(name)) throw new InputError(`${field}.initial.${name}`, `"${name}" is not a state variable of ${model.id} (its state: ${model.stateNames.join(', ')})`);
        initial[name] = distribution(value, `${field}.initial.${name}`, ['uniform', 'normal']) as InitialValue;
        // A uniform draw reaching past the variable's bounds would stop the run at t = 0 for some
        // seeds and sizes and not others: refused whatever is drawn (a single value out of bounds
        // is the blow-up at t = 0 it always is).
        const bound = model.bounds.find((b) => b.index === model.stateNames.indexOf(name));
        const drawn = initial[name];
        if (bound && typeof drawn === 'object' && 'uniform' in drawn && (drawn.uniform[0] < bound.low || drawn.uniform[1] > bound.high)) {
          throw new InputError(`${field}.initial.${name}`, `uniform [${drawn.uniform[0]}, ${drawn.uniform[1]}] reaches outside ${name}'s range [${bound.low}, ${bound.high}] in model ${model.id}; draw within it`);
        }
      }
    }
    return { spec: { ...(p as unknown as PopulationSpec), method }, model, parameters, given, blockers, ions, method, initial };
  });
  if (totalNeurons > LIMITS.maxPopulationSize) throw new InputError('populations', `${totalNeurons} neurons in all; at most ${LIMITS.maxPopulationSize} are allowed`);
  const byName = new Map(populations.map((p) => [p.spec.name, p]));
  const population = (value: unknown, field: string) => {
    if (typeof value !== 'string' || !byName.has(value)) {
      throw new InputError(field, `${describeValue(value)} is not a population of this scenario (populations: ${[...byName.keys()].join(', ')})`);
    }
    return byName.get(value)!;
  };
  const neuronList = (value: unknown, field: string, size: number, max: number): number[] => {
    if (!Array.isArray(value) || value.length === 0) throw new InputError(field, `must be a non-empty list of neuron indices, got ${describeValue(value)}`);
    if (value.length > max) throw new InputError(field, `lists ${value.length} neurons; at most ${max} are allowed`);
    value.forEach((x, k) => {
      if (typeof x !== 'number' || !Number.isInteger(x) || x < 0 || x >= size) throw new InputError(`${field}[${k}]`, `${describeValue(x)} is not a neuron index in [0, ${size - 1}]`);
    });
    return value as number[];
  };

  const projectionsRaw = raw.projections ?? [];
  if (!Array.isArray(projectionsRaw)) throw new InputError('projections', 'must be a list of projections');
  if (projectionsRaw.length > LIMITS.maxProjections) throw new InputError('projections', `${projectionsRaw.length} projections; at most ${LIMITS.maxProjections} are allowed`);
  let synapses = 0;
  let bytes = 0;
  let synapseBytes = 0;
  const projections = projectionsRaw.map((pr: unknown, k: number): ProjectionSpec => {
    const field = `projections[${k}]`;
    if (!isObject(pr)) throw new InputError(field, `must be an object { source, target, connect, on, weight, delayMs }, got ${describeValue(pr)}`);
    checkKeys(pr, ['name', 'source', 'target', 'connect', 'on', 'synapse', 'stp', 'weight', 'delayMs'], field);
    if (pr.name !== undefined && (typeof pr.name !== 'string' || pr.name.length > 40)) throw new InputError(`${field}.name`, 'must be a string of at most 40 characters');
    const source = population(pr.source, `${field}.source`);
    const target = population(pr.target, `${field}.target`);
    if (target.spec.spikes) throw new InputError(`${field}.target`, `"${target.spec.name}" is a spike source: it takes no input; a projection's target is a population of neurons`);
    if (pr.synapse !== undefined && pr.on !== undefined) throw new InputError(`${field}.on`, 'give either "on" (a state variable each spike increments) or "synapse" (kinetics added to the target), not both');
    if (pr.synapse === undefined && (typeof pr.on !== 'string' || !target.model.stateNames.includes(pr.on))) {
      throw new InputError(`${field}.on`, `${describeValue(pr.on)} is not a state variable of ${target.model.id} (its state: ${target.model.stateNames.join(', ')}); or give "synapse": { kind, shape, tauMs, ... }`);
    }
    const synapse = pr.synapse === undefined ? undefined : validateSynapse(pr.synapse, `${field}.synapse`, target.model, dtMs);
    const stp = pr.stp === undefined ? undefined : validateStp(pr.stp, `${field}.stp`);
    const c = pr.connect;
    const cf = `${field}.connect`;
    if (!isObject(c)) throw new InputError(cf, 'must be an object { rule, ... }');
    const rules = ['all', 'probability', 'inDegree', 'oneToOne', 'list'];
    if (typeof c.rule !== 'string' || !rules.includes(c.rule)) throw new InputError(`${cf}.rule`, `${describeValue(c.rule)} is not a rule; choose one of ${rules.join(', ')}`);
    const same = source === target;
    if (c.allowSelf !== undefined && typeof c.allowSelf !== 'boolean') throw new InputError(`${cf}.allowSelf`, `must be true or false, got ${describeValue(c.allowSelf)}`);
    switch (c.rule) {
      case 'all':
        checkKeys(c, ['rule', 'allowSelf'], cf);
        break;
      case 'probability':
        checkKeys(c, ['rule', 'p', 'allowSelf'], cf);
        number(c, 'p', cf, 0, 1, '');
        break;
      case 'inDegree': {
        checkKeys(c, ['rule', 'k', 'allowSelf'], cf);
        const pool = same && c.allowSelf === false ? source.spec.size - 1 : source.spec.size;
        number(c, 'k', cf, 0, pool, 'sources', { integer: true });
        break;
      }
      case 'oneToOne':
        checkKeys(c, ['rule'], cf);
        break;
      case 'list':
        checkKeys(c, ['rule', 'pairs'], cf);
        if (!Array.isArray(c.pairs) || c.pairs.length > 1e7) throw new InputError(`${cf}.pairs`, 'must be a list of [source, target] index pairs (at most 10^7)');
        c.pairs.forEach((pair: unknown, q: number) => {
          if (!Array.isArray(pair) || pair.length !== 2) throw new InputError(`${cf}.pairs[${q}]`, `must be [source, target], got ${describeValue(pair)}`);
          const [i, j] = pair;
          if (!Number.isInteger(i) || i < 0 || i >= source.spec.size) throw new InputError(`${cf}.pairs[${q}][0]`, `${describeValue(i)} is not a neuron of ${source.spec.name} (0..${source.spec.size - 1})`);
          if (!Number.isInteger(j) || j < 0 || j >= target.spec.size) throw new InputError(`${cf}.pairs[${q}][1]`, `${describeValue(j)} is not a neuron of ${target.spec.name} (0..${target.spec.size - 1})`);
        });
        break;
    }
    const rule = c as unknown as ConnectRule;
    // A conductance is never negative: inhibition comes from its reversal potential.
    const weight = distribution(pr.weight, `${field}.weight`, synapse?.kind === 'conductance' ? ['uniform'] : ['normal', 'uniform'], synapse?.kind === 'conductance' ? 0 : -1e9);
    const delay = pr.delayMs === undefined ? 0 : distribution(pr.delayMs, `${field}.delayMs`, ['uniform'], 0, LIMITS.maxDelayMs);
    synapses += expectedSynapses(rule, source.spec.size, target.spec.size, source === target);
    return { ...(pr as unknown as ProjectionSpec), connect: rule, weight: weight as ProjectionSpec['weight'], delayMs: delay as ProjectionSpec['delayMs'], ...(synapse ? { synapse } : {}), ...(stp ? { stp } : {}) };
  });
  const synapseTargets = addReceptors(populations, projections, raw.populations as Record<string, unknown>[]);
  const memory = networkMemoryEstimate(dtMs, populations.map((p) => ({ name: p.spec.name, size: p.spec.size, model: p.model, method: p.method })), projections.map((pr, k) => ({ ...pr, on: synapseTargets[k].variable, ...(pr.stp && !pr.delayMs ? { delayMs: 1e-9 } : {}) })));
  bytes = memory.bytes;
  synapseBytes = memory.projectionBytes.reduce((a, b) => a + b, 0);
  checkNetworkMemory(memory, LIMITS.maxNetworkBytes);
  if (host.maxNetworkBytes !== undefined) checkHostMemory(memory, host);

  const stimuliRaw = raw.stimuli ?? [];
  if (!Array.isArray(stimuliRaw)) throw new InputError('stimuli', 'must be a list of stimuli');
  if (stimuliRaw.length > LIMITS.maxStimuli) throw new InputError('stimuli', `${stimuliRaw.length} stimuli; at most ${LIMITS.maxStimuli} are allowed`);
  /** Neurons each population's clamps hold so far: one clamp per neuron. */
  const clamped = new Map<string, Set<number>>();
  const stimuli = stimuliRaw.map((s: unknown, k: number) => {
    const field = `stimuli[${k}]`;
    if (!isObject(s)) throw new InputError(field, `must be an object { type, population, ... }, got ${describeValue(s)}`);
    if (typeof s.type !== 'string' || !(STIMULUS_TYPES as readonly string[]).includes(s.type)) {
      throw new InputError(`${field}.type`, `${describeValue(s.type)} is not a stimulus type; choose one of ${STIMULUS_TYPES.join(', ')}`);
    }
    const pop = population(s.population, `${field}.population`);
    if (pop.spec.spikes) throw new InputError(`${field}.population`, `"${pop.spec.name}" is a spike source: it takes no input; stimulate a population of neurons, or drive it through a projection from the source`);
    const size = pop.spec.size;
    const targets = s.targets === undefined || s.targets === 'all' ? size : neuronList(s.targets, `${field}.targets`, size, size).length;
    const common = ['type', 'population', 'targets', 'startMs', 'stopMs'];
    const t = (key: string, optional = true) => number(s, key, field, -LIMITS.maxDurationMs, LIMITS.maxDurationMs, 'ms', { optional });
    switch (s.type) {
      case 'constant':
        checkKeys(s, [...common, 'amplitude'], field);
        amount(s, 'amplitude', field, targets);
        break;
      case 'step':
        checkKeys(s, [...common, 'amplitude'], field);
        amount(s, 'amplitude', field, targets);
        t('startMs', false);
        t('stopMs', false);
        break;
      case 'pulses':
        checkKeys(s, [...common, 'amplitude', 'widthMs', 'periodMs', 'count'], field);
        amount(s, 'amplitude', field, targets);
        number(s, 'widthMs', field, 0, LIMITS.maxDurationMs, 'ms', { openMin: true });
        number(s, 'periodMs', field, 0, LIMITS.maxDurationMs, 'ms', { openMin: true });
        number(s, 'count', field, 1, 1e9, '', { optional: true, integer: true });
        if ((s.widthMs as number) > (s.periodMs as number)) throw new InputError(`${field}.widthMs`, `${s.widthMs} ms is longer than periodMs (${s.periodMs} ms)`);
        break;
      case 'ramp':
        checkKeys(s, [...common, 'from', 'to'], field);
        amount(s, 'from', field, targets);
        amount(s, 'to', field, targets);
        t('startMs', false);
        t('stopMs', false);
        break;
      case 'sine':
        checkKeys(s, [...common, 'amplitude', 'frequencyHz', 'phaseDeg', 'offset'], field);
        amount(s, 'amplitude', field, targets);
        amount(s, 'offset', field, targets, { optional: true });
        number(s, 'frequencyHz', field, 0, 1e5, 'Hz');
        number(s, 'phaseDeg', field, -360, 360, 'deg', { optional: true });
        break;
      case 'whiteNoise':
        checkKeys(s, [...common, 'mean', 'sigma'], field);
        amount(s, 'mean', field, targets, { optional: true });
        amount(s, 'sigma', field, targets, { min: 0 });
        break;
      case 'ouNoise':
        checkKeys(s, [...common, 'mean', 'sigma', 'tauMs'], field);
        amount(s, 'mean', field, targets, { optional: true });
        amount(s, 'sigma', field, targets, { min: 0 });
        number(s, 'tauMs', field, 0, 1e5, 'ms', { openMin: true });
        // Noise faster than the step is not resolved: the rates it gives drift from the white-noise limit.
        if ((s.tauMs as number) < dtMs) throw new InputError(`${field}.tauMs`, `${s.tauMs} ms is shorter than dtMs (${dtMs} ms), which cannot resolve it; use tauMs >= dtMs, or whiteNoise`);
        break;
      case 'poissonInput':
        checkKeys(s, ['type', 'population', 'targets', 'on', 'sources', 'rateHz', 'weight'], field);
        if (typeof s.on !== 'string' || !pop.model.stateNames.includes(s.on)) {
          throw new InputError(`${field}.on`, `${describeValue(s.on)} is not a state variable of ${pop.model.id} (its state: ${pop.model.stateNames.join(', ')})`);
        }
        number(s, 'sources', field, 1, 1e6, '', { integer: true });
        number(s, 'rateHz', field, 0, 1e5, 'Hz');
        number(s, 'weight', field, -1e6, 1e6, '');
        break;
      case 'voltageClamp':
        checkKeys(s, ['type', 'population', 'targets', 'holdingMV', 'commands', 'seriesResistance', 'settle'], field);
        validateClamp(s, field, pop, dtMs, clamped);
        break;
      case 'poisson':
        checkKeys(s, [...common, 'rateHz', 'amplitude', 'tauMs'], field);
        amount(s, 'rateHz', field, targets, { min: 0, max: 1e6 });
        amount(s, 'amplitude', field, targets);
        number(s, 'tauMs', field, 0, 1e5, 'ms', { openMin: true });
        break;
    }
    t('startMs');
    t('stopMs');
    if (typeof s.startMs === 'number' && typeof s.stopMs === 'number' && s.stopMs <= s.startMs) {
      throw new InputError(`${field}.stopMs`, `${s.stopMs} ms must be after startMs (${s.startMs} ms)`);
    }
    return s as unknown as StimulusSpec;
  });

  const recordRaw = raw.record ?? { spikes: true };
  if (!isObject(recordRaw)) throw new InputError('record', 'must be an object { spikes, traces, traceEveryMs, rateWindowMs }');
  checkKeys(recordRaw, ['spikes', 'traces', 'traceEveryMs', 'rateWindowMs', 'maxSpikes'], 'record');
  const maxSpikes = number(recordRaw, 'maxSpikes', 'record', 1, 1e8, 'spikes', { integer: true, optional: true });
  if (recordRaw.spikes !== undefined && typeof recordRaw.spikes !== 'boolean') throw new InputError('record.spikes', `must be true or false, got ${describeValue(recordRaw.spikes)}`);
  const traceEveryMs = number(recordRaw, 'traceEveryMs', 'record', dtMs, LIMITS.maxDurationMs, 'ms', { optional: true }) ?? dtMs;
  const tracesRaw = recordRaw.traces ?? [];
  if (!Array.isArray(tracesRaw)) throw new InputError('record.traces', 'must be a list of { population, variable, neurons }');
  let traced = 0;
  const traces = tracesRaw.map((tr: unknown, k: number) => {
    const field = `record.traces[${k}]`;
    if (!isObject(tr)) throw new InputError(field, 'must be an object { population, variable, neurons }');
    checkKeys(tr, ['population', 'variable', 'neurons'], field);
    const pop = population(tr.population, `${field}.population`);
    const clampedHere = clamped.get(pop.spec.name);
    // The clamp current is traced like a state variable, for neurons a clamp holds.
    const clampTrace = tr.variable === CLAMP_CURRENT && clampedHere !== undefined && !pop.model.stateNames.includes(CLAMP_CURRENT);
    if (typeof tr.variable !== 'string' || (!pop.model.stateNames.includes(tr.variable) && !clampTrace)) {
      throw new InputError(`${field}.variable`, `${describeValue(tr.variable)} is not a state variable of ${pop.model.id} (its state: ${pop.model.stateNames.join(', ')}${clampedHere ? `, and ${CLAMP_CURRENT} for the clamped neurons` : ''})`);
    }
    const neurons = neuronList(tr.neurons, `${field}.neurons`, pop.spec.size, LIMITS.maxTracedNeurons);
    if (clampTrace) {
      neurons.forEach((i, j) => {
        if (!clampedHere.has(i)) throw new InputError(`${field}.neurons[${j}]`, `neuron ${i} of ${pop.spec.name} is not voltage-clamped, so it has no ${CLAMP_CURRENT}`);
      });
    }
    traced += neurons.length;
    return { population: tr.population as string, variable: tr.variable, neurons };
  });
  if (traced > LIMITS.maxTracedNeurons) throw new InputError('record.traces', `${traced} traced neurons in all; at most ${LIMITS.maxTracedNeurons} are allowed`);
  const samples = traced * (durationMs / traceEveryMs);
  if (samples > LIMITS.maxTraceSamples) {
    throw new InputError('record.traceEveryMs', `${traced} traces over ${durationMs} ms every ${traceEveryMs} ms would keep ${samples.toExponential(2)} samples; at most ${LIMITS.maxTraceSamples.toExponential(0)} are allowed: sample less often or record fewer neurons`);
  }
  let rateWindowMs: [number, number] | undefined;
  if (recordRaw.rateWindowMs !== undefined) {
    const w = recordRaw.rateWindowMs;
    if (Array.isArray(w)) {
      w.forEach((x, k) => {
        if (typeof x === 'number' && !Number.isFinite(x)) throw new InputError(`record.rateWindowMs[${k}]`, `${numberProblem(x)}; the window must lie within the run, [0, ${durationMs}] ms`);
      });
    }
    if (!Array.isArray(w) || w.length !== 2 || !w.every((x) => typeof x === 'number' && Number.isFinite(x)) || w[0] < 0 || w[1] <= w[0]) {
      throw new InputError('record.rateWindowMs', `must be [startMs, stopMs] with 0 <= start < stop, got ${describeValue(w)}`);
    }
    // Rates over a window that runs past the end would be divided by time never simulated.
    if (w[1] > durationMs) {
      throw new InputError('record.rateWindowMs', `[${w[0]}, ${w[1]}] ms ends after the run, which lasts durationMs = ${durationMs} ms; the window must lie within [0, ${durationMs}] ms`);
    }
    rateWindowMs = [w[0], w[1]];
  }

  const view = validateView(raw.view);
  const layout = validateLayout(raw.layout, stimuli.length);

  const scenario: Scenario = {
    format: SCENARIO_FORMAT,
    ...(raw.name !== undefined ? { name: raw.name as string } : {}),
    ...(raw.description !== undefined ? { description: raw.description as string } : {}),
    durationMs,
    dtMs,
    seed,
    populations: populations.map((p) => p.spec),
    ...(projections.length > 0 ? { projections } : {}),
    stimuli,
    record: { spikes: recordRaw.spikes !== false, traces, traceEveryMs, ...(rateWindowMs ? { rateWindowMs } : {}), ...(maxSpikes !== undefined ? { maxSpikes } : {}) },
    ...(view ? { view } : {}),
    ...(layout ? { layout } : {}),
  };
  return { scenario, populations, estimate: { synapses, bytes, synapseBytes }, synapses: synapseTargets };
}

/**
 * A voltage clamp's fields: the holding level and each step or ramp within the membrane
 * variable's bounds, the commands in time order without overlap, the series resistance at least
 * what a step of dtMs can follow, and at most one clamp on a neuron.
 */
function validateClamp(s: Record<string, unknown>, field: string, pop: { spec: PopulationSpec; model: LoadedModel; parameters: Float64Array }, dtMs: number, clamped: Map<string, Set<number>>): void {
  const { model } = pop;
  const membrane = model.display.membrane;
  if (!membrane) throw new InputError(`${field}.population`, `${pop.spec.name} runs model ${model.id}, which declares no membrane variable (its file's "membrane"), so it cannot be voltage-clamped`);
  const bound = model.bounds.find((b) => b.index === membrane.index);
  const low = bound ? bound.low : -1e6;
  const high = bound ? bound.high : 1e6;
  const unit = membrane.unit;
  number(s, 'holdingMV', field, low, high, unit);
  if (s.commands !== undefined) {
    if (!Array.isArray(s.commands) || s.commands.length > 1000) throw new InputError(`${field}.commands`, `must be a list of at most 1000 steps { startMs, stopMs, levelMV } and ramps { startMs, stopMs, fromMV, toMV }, got ${describeValue(s.commands)}`);
    let lastStop = -Infinity;
    s.commands.forEach((c: unknown, j: number) => {
      const f = `${field}.commands[${j}]`;
      if (!isObject(c)) throw new InputError(f, `must be a step { startMs, stopMs, levelMV } or a ramp { startMs, stopMs, fromMV, toMV }, got ${describeValue(c)}`);
      const ramp = c.levelMV === undefined;
      checkKeys(c, ramp ? ['startMs', 'stopMs', 'fromMV', 'toMV'] : ['startMs', 'stopMs', 'levelMV'], f);
      const start = number(c, 'startMs', f, 0, LIMITS.maxDurationMs, 'ms')!;
      const stop = number(c, 'stopMs', f, 0, LIMITS.maxDurationMs, 'ms')!;
      if (!(stop > start)) throw new InputError(`${f}.stopMs`, `${stop} ms must be after startMs (${start} ms)`);
      if (start < lastStop) throw new InputError(`${f}.startMs`, `${start} ms is before the end of the command before it (${lastStop} ms); commands are in time order and do not overlap`);
      lastStop = stop;
      if (ramp) {
        number(c, 'fromMV', f, low, high, unit);
        number(c, 'toMV', f, low, high, unit);
      } else number(c, 'levelMV', f, low, high, unit);
    });
  }
  const R = number(s, 'seriesResistance', field, 0, 1e9, resistanceUnit(model), { optional: true });
  if (R !== undefined && R > 0) {
    const least = minimumSeriesResistance(model, pop.parameters, dtMs);
    if (!Number.isFinite(least) || least === 0) throw new InputError(`${field}.seriesResistance`, `the input of ${model.id} does not enter its dv/dt, so no clamp current can act`);
    if (R < least) throw new InputError(`${field}.seriesResistance`, `${R} ${resistanceUnit(model)} is below ${Number(least.toPrecision(3))} ${resistanceUnit(model)}, the least a step of dtMs = ${dtMs} ms can follow (the clamp's time constant must be at least 2 steps); give 0 for an ideal clamp, or a smaller dtMs`);
  } else if (!(minimumSeriesResistance(model, pop.parameters, dtMs) > 0)) {
    throw new InputError(`${field}.population`, `the input of ${model.id} does not enter its dv/dt, so no clamp current can hold its membrane potential`);
  }
  if (s.settle !== undefined && typeof s.settle !== 'boolean') throw new InputError(`${field}.settle`, `must be true or false, got ${describeValue(s.settle)}`);
  const targets = s.targets === undefined || s.targets === 'all' ? Array.from({ length: pop.spec.size }, (_, i) => i) : (s.targets as number[]);
  const held = clamped.get(pop.spec.name) ?? new Set<number>();
  for (const i of targets) {
    if (held.has(i)) throw new InputError(`${field}.targets`, `neuron ${i} of ${pop.spec.name} is held by another voltage clamp already; one clamp per neuron`);
    held.add(i);
  }
  clamped.set(pop.spec.name, held);
}

function validateView(raw: unknown): ViewSpec | undefined {
  if (raw === undefined) return undefined;
  if (!isObject(raw)) throw new InputError('view', `must be an object { rasterWindowMs, speed, showGates, showCurrents, freeRun }, got ${describeValue(raw)}`);
  checkKeys(raw, ['rasterWindowMs', 'speed', 'showGates', 'showCurrents', 'freeRun'], 'view');
  const view: ViewSpec = {};
  const rasterWindowMs = number(raw, 'rasterWindowMs', 'view', VIEW_LIMITS.rasterWindowMs[0], VIEW_LIMITS.rasterWindowMs[1], 'ms', { optional: true });
  if (rasterWindowMs !== undefined) view.rasterWindowMs = rasterWindowMs;
  const speed = number(raw, 'speed', 'view', VIEW_LIMITS.speed[0], VIEW_LIMITS.speed[1], 'simulated ms per second (0: as fast as it goes)', { optional: true });
  if (speed !== undefined) view.speed = speed;
  for (const key of ['showGates', 'showCurrents', 'freeRun'] as const) {
    if (raw[key] === undefined) continue;
    if (typeof raw[key] !== 'boolean') throw new InputError(`view.${key}`, `must be true or false, got ${describeValue(raw[key])}`);
    view[key] = raw[key] as boolean;
  }
  return view;
}

/** A spike source's `spikes`: its type's fields, times rising and at least a step apart, within the limits. */
function validateSpikeSource(raw: unknown, field: string, size: number, dtMs: number, listed: { count: number }): SpikeSourceSpec {
  const types = ['times', 'regular', 'bursts', 'poisson'];
  if (!isObject(raw)) throw new InputError(field, `must be an object { type: ${types.map((t) => `"${t}"`).join(' | ')}, ... }, got ${describeValue(raw)}`);
  if (typeof raw.type !== 'string' || !types.includes(raw.type)) throw new InputError(`${field}.type`, `${describeValue(raw.type)} is not a spike source type; choose one of ${types.join(', ')}`);
  const T = LIMITS.maxDurationMs;
  const minPeriod = Math.max(dtMs, 1000 / LIMITS.maxSourceRateHz);
  switch (raw.type) {
    case 'times': {
      checkKeys(raw, ['type', 'timesMs'], field);
      const t = raw.timesMs;
      const f = `${field}.timesMs`;
      if (!Array.isArray(t)) throw new InputError(f, `must be a list of spike times in ms (one train for every neuron) or a list of ${size} lists (one per neuron), got ${describeValue(t)}`);
      const perNeuron = t.length > 0 && t.every((x) => Array.isArray(x));
      if (perNeuron && t.length !== size) throw new InputError(f, `has ${t.length} lists but the source has ${size} neurons; give one list for all, or one per neuron`);
      const trains = (perNeuron ? t : [t]) as unknown[][];
      trains.forEach((train, n) => {
        const where = perNeuron ? `${f}[${n}]` : f;
        if (!Array.isArray(train)) throw new InputError(where, `must be a list of spike times in ms, got ${describeValue(train)}`);
        listed.count += train.length;
        if (listed.count > LIMITS.maxSourceTimes) throw new InputError(where, `the spike sources list more than ${LIMITS.maxSourceTimes} spike times in all; use a regular, bursts or poisson source for long trains`);
        let last = -Infinity;
        train.forEach((x, k) => {
          if (typeof x !== 'number' || !Number.isFinite(x) || x <= 0 || x > T) throw new InputError(`${where}[${k}]`, `${describeValue(x)} is not a spike time in (0, ${T}] ms`);
          if (x - last < dtMs * (1 - 1e-9)) throw new InputError(`${where}[${k}]`, `${x} ms is ${x <= last ? 'not after' : 'less than a step (dtMs = ' + dtMs + ' ms) after'} the spike before it (${last} ms); a neuron's spike times rise, at least a step apart`);
          last = x;
        });
      });
      return { type: 'times', timesMs: perNeuron ? (t as number[][]).map((x) => [...x]) : [...(t as number[])] };
    }
    case 'regular': {
      checkKeys(raw, ['type', 'startMs', 'periodMs', 'count', 'stopMs'], field);
      const startMs = number(raw, 'startMs', field, 0, T, 'ms', { openMin: true })!;
      const periodMs = number(raw, 'periodMs', field, minPeriod, T, `ms (at least a step, and at most ${LIMITS.maxSourceRateHz} Hz)`)!;
      const count = number(raw, 'count', field, 1, 1e9, 'spikes', { integer: true, optional: true });
      const stopMs = number(raw, 'stopMs', field, startMs, T, 'ms', { optional: true, openMin: true });
      return { type: 'regular', startMs, periodMs, ...(count !== undefined ? { count } : {}), ...(stopMs !== undefined ? { stopMs } : {}) };
    }
    case 'bursts': {
      checkKeys(raw, ['type', 'startMs', 'burstPeriodMs', 'spikesPerBurst', 'spikeIntervalMs', 'count', 'stopMs'], field);
      const startMs = number(raw, 'startMs', field, 0, T, 'ms', { openMin: true })!;
      const spikesPerBurst = number(raw, 'spikesPerBurst', field, 1, LIMITS.maxSpikesPerBurst, 'spikes', { integer: true })!;
      const spikeIntervalMs = number(raw, 'spikeIntervalMs', field, minPeriod, T, `ms (at least a step, and at most ${LIMITS.maxSourceRateHz} Hz)`)!;
      const burstPeriodMs = number(raw, 'burstPeriodMs', field, 0, T, 'ms', { openMin: true })!;
      // The next burst begins at least one spike interval of the limit after the last spike of this one.
      const span = (spikesPerBurst - 1) * spikeIntervalMs;
      if (burstPeriodMs - span < minPeriod * (1 - 1e-9)) throw new InputError(`${field}.burstPeriodMs`, `${burstPeriodMs} ms is shorter than a burst ((spikesPerBurst - 1) x spikeIntervalMs = ${span} ms) plus ${minPeriod} ms; bursts follow each other without overlap`);
      const count = number(raw, 'count', field, 1, 1e9, 'bursts', { integer: true, optional: true });
      const stopMs = number(raw, 'stopMs', field, startMs, T, 'ms', { optional: true, openMin: true });
      return { type: 'bursts', startMs, burstPeriodMs, spikesPerBurst, spikeIntervalMs, ...(count !== undefined ? { count } : {}), ...(stopMs !== undefined ? { stopMs } : {}) };
    }
    default: {
      checkKeys(raw, ['type', 'rateHz', 'startMs', 'stopMs', 'seed'], field);
      const rateHz = number(raw, 'rateHz', field, 0, LIMITS.maxSourceRateHz, 'Hz')!;
      const startMs = number(raw, 'startMs', field, 0, T, 'ms', { optional: true });
      const stopMs = number(raw, 'stopMs', field, startMs ?? 0, T, 'ms', { optional: true, openMin: true });
      const seed = number(raw, 'seed', field, 0, 2 ** 32 - 1, '', { integer: true, optional: true });
      return { type: 'poisson', rateHz, ...(startMs !== undefined ? { startMs } : {}), ...(stopMs !== undefined ? { stopMs } : {}), ...(seed !== undefined ? { seed } : {}) };
    }
  }
}

/** A projection's `synapse`: kind, shape, time constants (at least a step... no: positive, rise below decay) and, for a conductance, its reversal within the membrane's bounds. */
function validateSynapse(raw: unknown, field: string, target: LoadedModel, dtMs: number): SynapseSpec {
  if (!isObject(raw)) throw new InputError(field, `must be an object { kind: "current" | "conductance", shape: "exponential" | "alpha" | "biexponential", tauMs (or tauRiseMs and tauDecayMs), reversalMV (conductance) }, got ${describeValue(raw)}`);
  if (typeof raw.kind !== 'string' || !(SYNAPSE_KINDS as readonly string[]).includes(raw.kind)) throw new InputError(`${field}.kind`, `${describeValue(raw.kind)} is not a synapse kind; choose one of ${SYNAPSE_KINDS.join(', ')}`);
  if (typeof raw.shape !== 'string' || !(SYNAPSE_SHAPES as readonly string[]).includes(raw.shape)) throw new InputError(`${field}.shape`, `${describeValue(raw.shape)} is not a synapse shape; choose one of ${SYNAPSE_SHAPES.join(', ')}`);
  const kind = raw.kind as SynapseSpec['kind'];
  const conductance = kind === 'conductance';
  const biexp = raw.shape === 'biexponential';
  checkKeys(raw, ['kind', 'shape', ...(biexp ? ['tauRiseMs', 'tauDecayMs'] : ['tauMs']), ...(conductance ? ['reversalMV'] : [])], field);
  // A time constant below a step is not followed by the non-exact methods; 1e4 ms is far beyond any synapse.
  const tau = (key: string) => number(raw, key, field, dtMs, 1e4, `ms (at least dtMs = ${dtMs} ms)`)!;
  let reversalMV: number | undefined;
  if (conductance) {
    const membrane = target.display.membrane;
    if (!membrane) throw new InputError(`${field}.kind`, `"conductance" needs the target's membrane potential, and model ${target.id} declares none; use "current"`);
    const bound = target.bounds.find((b) => b.index === membrane.index);
    reversalMV = number(raw, 'reversalMV', field, Math.max(bound?.low ?? -200, -200), Math.min(bound?.high ?? 200, 200), membrane.unit)!;
  }
  if (biexp) {
    const tauRiseMs = tau('tauRiseMs');
    const tauDecayMs = tau('tauDecayMs');
    if (!(tauDecayMs > tauRiseMs * (1 + 1e-6))) throw new InputError(`${field}.tauDecayMs`, `${tauDecayMs} ms must be longer than tauRiseMs (${tauRiseMs} ms); equal time constants are the "alpha" shape`);
    return { kind, shape: 'biexponential', tauRiseMs, tauDecayMs, ...(conductance ? { reversalMV } : {}) };
  }
  return { kind, shape: raw.shape as 'exponential', tauMs: tau('tauMs'), ...(conductance ? { reversalMV } : {}) } as SynapseSpec;
}

function validateStp(raw: unknown, field: string): StpSpec {
  if (!isObject(raw)) throw new InputError(field, `must be an object { U, tauRecMs, tauFacilMs }, got ${describeValue(raw)}`);
  checkKeys(raw, ['U', 'tauRecMs', 'tauFacilMs'], field);
  const U = number(raw, 'U', field, 0, 1, '(fraction released by the first spike)', { openMin: true })!;
  const tauRecMs = number(raw, 'tauRecMs', field, 0, 1e5, 'ms', { openMin: true })!;
  const tauFacilMs = number(raw, 'tauFacilMs', field, 0, 1e5, 'ms (0: no facilitation)', { optional: true });
  return { U, tauRecMs, ...(tauFacilMs !== undefined ? { tauFacilMs } : {}) };
}

/** Extended models by base model and receptors, so a scenario opened again compiles nothing new. */
const extendedModels = new WeakMap<LoadedModel, Map<string, { model: LoadedModel; receptors: ReturnType<typeof withReceptors>['receptors'] }>>();

/**
 * Add each target's synapse kinetics to its model (one receptor per distinct kinetics) and choose
 * its method again: where the synapses leave the equations nonlinear (conductances), a population
 * on its model's default exact method moves to exponential Euler; a method the user chose that
 * cannot integrate them is refused. Returns, per projection, the variable a spike increments and
 * the factor on its weight.
 */
function addReceptors(populations: ValidScenario['populations'], projections: ProjectionSpec[], rawPopulations: Record<string, unknown>[]): { variable: string; weightScale: number }[] {
  const out = projections.map((pr) => ({ variable: pr.on ?? '', weightScale: 1 }));
  populations.forEach((pop, t) => {
    const mine = projections.map((pr, k) => ({ pr, k })).filter(({ pr }) => pr.synapse && pr.target === pop.spec.name);
    if (mine.length === 0) return;
    const keys: string[] = [];
    const specs: SynapseSpec[] = [];
    const fields: string[] = [];
    for (const { pr, k } of mine) {
      const key = receptorKey(pr.synapse!);
      if (!keys.includes(key)) {
        keys.push(key);
        specs.push(pr.synapse!);
        fields.push(`projections[${k}].synapse`);
      }
    }
    if (specs.length > LIMITS.maxReceptors) throw new InputError(`${fields[LIMITS.maxReceptors]}`, `${pop.spec.name} would receive ${specs.length} distinct synapse kinetics; at most ${LIMITS.maxReceptors} are allowed on one population (projections with the same kind, shape, time constants and reversal share one)`);
    const base = pop.model;
    let byKey = extendedModels.get(base);
    if (!byKey) extendedModels.set(base, (byKey = new Map()));
    const cacheKey = keys.join(';');
    let entry = byKey.get(cacheKey);
    if (!entry) {
      const { file, receptors } = withReceptors(base, specs, fields);
      if (file.state && Object.keys(file.state).length > 32) throw new InputError(fields[0], `${pop.spec.name}'s model ${base.id} with these synapses would have ${Object.keys(file.state).length} state variables; at most 32 are allowed`);
      const unchanged = file.equations.every((eq, j) => eq === base.file.equations[j] || j >= base.file.equations.length);
      if (unchanged && base.file.equations.length > 0 && file.equations.slice(0, base.file.equations.length).join() === base.file.equations.join()) {
        throw new InputError(fields[0], `the input ${base.inputSymbol} of ${base.id} enters none of its equations, so no synaptic current can act`);
      }
      const model = loadModel({ ...file, defaultMethod: 'rk4' }, `${base.source} with synapses`);
      const preferred = base.file.defaultMethod as MethodName;
      const auto = model.methods[preferred] === true ? preferred : model.methods.exponential_euler === true ? 'exponential_euler' : 'rk4';
      model.file.defaultMethod = auto;
      model.regimes = base.regimes;
      entry = { model, receptors };
      byKey.set(cacheKey, entry);
    }
    const { model, receptors } = entry;
    const asked = rawPopulations[t].method as MethodName | undefined;
    let method = pop.method;
    if (model.methods[method] !== true) {
      if (asked !== undefined && asked !== base.file.defaultMethod) {
        throw new InputError(`populations[${t}].method`, `"${asked}" cannot integrate ${base.id} with the synapses of ${fields[0].replace('.synapse', '')}: ${model.methods[method]}; choose ${availableMethods(model).join(', ')}`);
      }
      method = model.file.defaultMethod as MethodName;
    }
    pop.model = model;
    pop.method = method;
    pop.spec = { ...pop.spec, method };
    for (const { pr, k } of mine) {
      const r = receptors[keys.indexOf(receptorKey(pr.synapse!))];
      out[k] = { variable: r.jumped, weightScale: r.weightScale };
    }
  });
  return out;
}

/** The circuit canvas's node positions: view data, checked for shape and bounds only. */
function validateLayout(raw: unknown, stimuli: number): CircuitLayout | undefined {
  if (raw === undefined) return undefined;
  if (!isObject(raw)) throw new InputError('layout', `must be an object { nodes: [{ kind, name, x, y, stimuli }] }, got ${describeValue(raw)}`);
  checkKeys(raw, ['nodes'], 'layout');
  if (!Array.isArray(raw.nodes) || raw.nodes.length > VIEW_LIMITS.layoutNodes) throw new InputError('layout.nodes', `must be a list of at most ${VIEW_LIMITS.layoutNodes} nodes, got ${describeValue(raw.nodes)}`);
  const kinds = ['neuron', 'spikes', 'current'];
  const nodes = raw.nodes.map((n: unknown, k: number) => {
    const field = `layout.nodes[${k}]`;
    if (!isObject(n)) throw new InputError(field, `must be an object { kind, name, x, y }, got ${describeValue(n)}`);
    checkKeys(n, ['kind', 'name', 'x', 'y', 'stimuli'], field);
    if (typeof n.kind !== 'string' || !kinds.includes(n.kind)) throw new InputError(`${field}.kind`, `${describeValue(n.kind)} is not a node kind; choose one of ${kinds.join(', ')}`);
    if (typeof n.name !== 'string' || n.name.length > 40) throw new InputError(`${field}.name`, `must be a string of at most 40 characters, got ${describeValue(n.name)}`);
    const x = number(n, 'x', field, 0, 1, '')!;
    const y = number(n, 'y', field, 0, 1, '')!;
    let listed: number[] | undefined;
    if (n.stimuli !== undefined) {
      if (!Array.isArray(n.stimuli) || n.stimuli.length > LIMITS.maxStimuli) throw new InputError(`${field}.stimuli`, `must be a list of at most ${LIMITS.maxStimuli} stimulus indices, got ${describeValue(n.stimuli)}`);
      n.stimuli.forEach((i, j) => {
        if (typeof i !== 'number' || !Number.isInteger(i) || i < 0 || i >= stimuli) throw new InputError(`${field}.stimuli[${j}]`, `${describeValue(i)} is not an index of this scenario's stimuli (0 to ${stimuli - 1})`);
      });
      listed = [...(n.stimuli as number[])];
    }
    return { kind: n.kind as CircuitLayout['nodes'][number]['kind'], name: n.name, x, y, ...(listed ? { stimuli: listed } : {}) };
  });
  return { nodes };
}

/** Validate and build in one go (tests and tools; a run the student edits is an Experiment). */
export function buildSimulation(raw: unknown, options?: PopulationOptions): Simulation {
  return new Simulation(validateScenario(raw), options);
}

/** An Experiment over `raw`, validated by this layer (the core is given the validator: it imports nothing above it). */
export function openExperiment(raw: unknown, options: Omit<ExperimentOptions, 'raw' | 'simulation'> = {}, host?: HostLimits): Experiment {
  // The host's limits hold for every change and reset too: the experiment validates with them.
  return Experiment.open(raw, host ? (r) => validateScenario(r, host) : validateScenario, options);
}
