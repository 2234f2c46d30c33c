// What a display needs to know about a running experiment to lay itself out: its populations with
// their parameter tables (the value in use, and whether a change applies live or on reset), the
// recorded traces with their role, label and colour from the model file, the step stimuli the
// page offers as controls, and the step-size warnings. Built by the Experiment (experiment.ts);
// the worker hands it to the page as plain data.
import type { MathNode } from 'mathjs';
import { parameterEvaluator, parametersRead, type LoadedModel } from './model/loadModel.js';
import type { Evaluator } from './codegen/expression.js';
import type { Simulation } from './simulation.js';
import { modelBlockers } from './model/blockers.js';
import { ghkRestMV, ionStates, modelIons, temperatureC, type IonState } from './model/ions.js';
import { modifiedParameters } from './model/modifiers.js';
import type { StepSummary } from './stepSummary.js';
export { stepSummaries, type StepSummary } from './stepSummary.js';

/** One row of a population's parameter table, from its model file, with the value in use. */
export interface ParameterRow {
  name: string;
  unit: string;
  min: number;
  max: number;
  value: number;
  meaning: string;
  /**
   * 'live': the dynamics read it, so a change applies at once. 'reset': only initial values read
   * it, so a change shows when the run starts again.
   */
  applies: 'live' | 'reset';
  /** The value given (defaults, regime, changes) before blockers and ion concentrations; `value` is the one in use. */
  given: number;
  /** Set by a blocker (a blocked conductance) or by ion concentrations (a Nernst reversal), or null. */
  setBy: 'blocker' | 'ions' | null;
}

/** A blocker a population may apply: one the model file declares, or a blockable conductance by its own name. */
export interface BlockerSummary {
  /** The declared name (TTX) or the conductance (g_Na). */
  name: string;
  parameter: string;
  meaning: string;
  /** Fraction blocked now (0..1). */
  fraction: number;
}

/** An ion the model file declares, as the population has it now (its Nernst potential at the model's temperature). */
export type IonSummary = IonState;

export interface PopulationSummary {
  name: string;
  size: number;
  /** Index of the population's first neuron in the global numbering spikes use. */
  offset: number;
  model: string;
  modelName: string;
  role: 'excitatory' | 'inhibitory' | null;
  input: { symbol: string; unit: string; meaning: string };
  /** The membrane potential the model file declares, or null (a model without one). */
  membrane: { variable: string; unit: string } | null;
  parameters: ParameterRow[];
  /** Declared blockers, then blockable conductances no declared blocker names (empty for a model with none). */
  blockers: BlockerSummary[];
  /** Declared ions (empty when the model declares none), the temperature (degC) and the GHK resting potential (mV, null with the reason when the file gives no permeabilities). */
  ions: { species: IonSummary[]; temperatureC: number; ghk: { restMV: number; ions: string[]; source: string } | { restMV: null; reason: string } } | null;
}

export interface TraceSummary {
  population: string;
  /** A state variable (e.g. "v", "m") or, for kind 'current', a named expression (e.g. "I_Na"). */
  variable: string;
  neuron: number;
  /** A state variable, a declared current computed from it, or the input current in force (stimuli and poke). */
  kind: 'state' | 'current' | 'input';
  /** What the variable is, from the model file: the membrane potential, a gate, an ionic current, another state variable, or the input. */
  role: 'membrane' | 'gate' | 'current' | 'state' | 'input';
  /** Display name and colour ('#rrggbb') the model file gives it; the variable's name and null when it gives none. */
  label: string;
  colour: string | null;
  /** Unit and meaning from the model file (e.g. "mV", "membrane potential"). */
  unit: string;
  meaning: string;
  /** The model's firing threshold for this variable (e.g. V_th), or null if it has none; `label` what the model file calls its line. */
  threshold: { name: string; level: number; label: string } | null;
}

/** A projection: the weight and delay it has when they are one number (null when drawn per synapse), its connection rule. */
export interface ProjectionSummary {
  /** Index in scenario.projections. */
  index: number;
  name: string;
  source: string;
  target: string;
  /** The target's state variable a spike increments, and its unit. */
  on: string;
  unit: string;
  /** A new weight applies from the next spike where the loop reads it, else on reset (the change says which). */
  weight: number | null;
  delayMs: number | null;
  /** The connection probability (rule 'probability') or in-degree (rule 'inDegree'); applies on reset. */
  probability: number | null;
  inDegree: number | null;
}

/** A Poisson spike input into a population (scenario.stimuli[index]): sources per neuron at rateHz each, each spike adding weight to `on`. */
export interface DriveSummary {
  index: number;
  population: string;
  on: string;
  unit: string;
  sources: number;
  rateHz: number;
  weight: number;
}

/** What the page needs to know about a loaded scenario to lay out its display. */
export interface ScenarioSummary {
  name: string;
  description: string;
  durationMs: number;
  dtMs: number;
  populations: PopulationSummary[];
  traces: TraceSummary[];
  steps: StepSummary[];
  /** The projections (a network's synapses), each with what can be changed. */
  projections: ProjectionSummary[];
  /** External drives: Poisson spike inputs into a population (Brunel's external rate). */
  drives: DriveSummary[];
  /** Whether the run goes on without end (the page's free run). */
  freeRun: boolean;
  /** What the run cannot be trusted for (a time step too coarse for a model's fastest time constant); the page shows them. */
  warnings: { field: string; message: string; severity: 'warning' | 'refusal' }[];
}

const live = new WeakMap<LoadedModel, Set<string>>();

/** Parameters the dynamics read (equations and the named expressions they use, threshold, reset, refractoriness). */
export function liveParameters(model: LoadedModel): Set<string> {
  let names = live.get(model);
  if (!names) {
    const nodes: MathNode[] = [...model.equations.map((e) => e.rhs), model.threshold.level, ...model.reset.map((r) => r.value)];
    if (model.refractory) nodes.push(model.refractory.period);
    live.set(model, (names = parametersRead(model, nodes)));
  }
  return names;
}

/** The state traces a simulation records, one per traced neuron, as the page labels them. */
export function stateTraces(sim: Simulation): { summary: TraceSummary; level: Evaluator | null; population: number }[] {
  return (sim.scenario.record.traces ?? []).flatMap((tr) => {
    const population = sim.populations.findIndex((p) => p.name === tr.population);
    const pop = sim.populations[population];
    const { threshold } = pop.model;
    const level = threshold.variable === tr.variable ? parameterEvaluator(pop.model, threshold.level) : null;
    const file = pop.model.file;
    const state = file.state[tr.variable];
    const gate = file.gates?.[tr.variable];
    const role = file.membrane?.variable === tr.variable ? 'membrane' : gate ? 'gate' : 'state';
    return tr.neurons.map((neuron) => ({
      population,
      level,
      summary: {
        population: tr.population,
        variable: tr.variable,
        neuron,
        kind: 'state' as const,
        role,
        label: gate?.label ?? tr.variable,
        colour: gate?.colour ?? null,
        unit: state?.unit ?? '',
        meaning: state?.meaning ?? '',
        threshold: level ? { name: threshold.level.toString(), level: 0, label: file.threshold.label ?? 'threshold' } : null,
      } satisfies TraceSummary,
    }));
  });
}

/** The populations as they run, each parameter with the value in use. */
export function populationSummaries(sim: Simulation): PopulationSummary[] {
  return sim.populations.map((p, k) => {
    const liveNames = liveParameters(p.model);
    const file = p.model.file;
    const given = sim.givenParameters(p.name);
    const setBy = modifiedParameters(p.model, given.modifiers);
    const { declared, blockable } = modelBlockers(p.model);
    const fractionOf = (parameter: string) => given.modifiers.blockers[parameter] ?? 0;
    const blockers: BlockerSummary[] = [
      ...declared.map((d) => ({ name: d.name, parameter: d.parameter, meaning: d.meaning, fraction: fractionOf(d.parameter) })),
      ...blockable.filter((b) => b.blockers.length === 0).map((b) => ({ name: b.parameter, parameter: b.parameter, meaning: file.parameters[b.parameter].meaning ?? '', fraction: fractionOf(b.parameter) })),
    ];
    const declaredIons = modelIons(p.model);
    const ions = declaredIons
      ? {
          species: ionStates(p.model, given.values, given.modifiers.ions).map((s) => ({ ...s })),
          temperatureC: temperatureC(declaredIons, given.values),
          ghk: ghkRestMV(p.model, given.values, given.modifiers.ions),
        }
      : null;
    return {
      name: p.name,
      size: p.size,
      offset: p.offset,
      model: p.model.id,
      modelName: file.name ?? p.model.id,
      role: sim.scenario.populations[k].role ?? null,
      input: { symbol: p.model.inputSymbol, unit: file.input.unit, meaning: file.input.meaning ?? 'input current' },
      membrane: file.membrane ? { variable: file.membrane.variable, unit: file.state[file.membrane.variable].unit } : null,
      parameters: p.model.parameterNames.map((name, j) => {
        const row = file.parameters[name];
        return { name, unit: row.unit, min: row.min, max: row.max, value: p.parameters[j], meaning: row.meaning ?? '', applies: liveNames.has(name) ? 'live' : 'reset', given: given.values[j], setBy: setBy.get(name) ?? null };
      }),
      blockers,
      ions,
    };
  });
}


/** The projections as they run (weights may have changed live). */
export function projectionSummaries(sim: Simulation): ProjectionSummary[] {
  return (sim.scenario.projections ?? []).map((spec, index) => {
    const target = sim.populations.find((p) => p.name === spec.target)!;
    const projection = sim.projections[index];
    const rule = spec.connect;
    return {
      index,
      name: projection.name,
      source: spec.source,
      target: spec.target,
      // The variable each spike increments: `on`, or the one its synapse kinetics added to the target.
      on: target.model.stateNames[projection.variable],
      unit: target.model.file.state[target.model.stateNames[projection.variable]]?.unit ?? '',
      weight: typeof spec.weight === 'number' ? spec.weight : null,
      delayMs: typeof (spec.delayMs ?? 0) === 'number' ? ((spec.delayMs as number | undefined) ?? 0) : null,
      probability: rule.rule === 'probability' ? rule.p : null,
      inDegree: rule.rule === 'inDegree' ? rule.k : null,
    };
  });
}

/** The Poisson spike inputs of the scenario, as they run. */
export function driveSummaries(sim: Simulation): DriveSummary[] {
  const drives: DriveSummary[] = [];
  sim.scenario.stimuli.forEach((spec, index) => {
    if (spec.type !== 'poissonInput') return;
    const pop = sim.populations.find((p) => p.name === spec.population)!;
    drives.push({ index, population: spec.population, on: spec.on, unit: pop.model.file.state[spec.on]?.unit ?? '', sources: spec.sources, rateHz: spec.rateHz, weight: spec.weight });
  });
  return drives;
}
