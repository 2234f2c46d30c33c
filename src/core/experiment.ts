// An Experiment owns one run: the scenario with the user's accepted changes written into it, and
// the Simulation built from it. The page (through workers/simulationApi.ts), the CLI (src/cli/
// runOutput.ts) and the tests all drive a run through it, so a number the CLI prints is the
// number the page shows.
//
//   apply(change)  -> { applies: 'live' } | { applies: 'reset' } | { refused: { field, message } }
//                     nothing half-applies: a refused change leaves run and scenario as they were
//   advance(ms), drain() -> frames that already carry derived traces (the model's ionic currents)
//   reset()        -> built again from t = 0 with every accepted change
//   snapshot()     -> the scenario as it now stands (share links, export, crash recovery)
//
// A changed stimulus is a changed stimulus: the core's Stimulus object is replaced, so the run
// from the change on is the run of a scenario built with the new values (to the bit, for stimuli
// that depend on the time alone; others apply on reset). The poke is an extra constant stimulus
// the experiment adds and takes away; it is not written into the scenario.
//
// Validation of JSON belongs to src/scenario, above the core: the experiment is given the
// validator (`validate`) rather than importing it, so the core imports nothing above it. Use
// openExperiment (src/scenario/scenario.ts) to get one with the scenario layer's validator.
import { InputError } from './errors.js';
import { concatArrays } from './arrays.js';
import { INPUT_TRACE, Simulation, type CurrentStimulusSpec, type Frame, type RunStats } from './simulation.js';
import type { PopulationOptions } from './population.js';
import type { Stimulus } from './stimulus/stimuli.js';
import type { VoltageClampSpec } from './stimulus/clamp.js';
import { modelBlockers } from './model/blockers.js';
import type { StepSizeWarning } from './model/timescale.js';
import type { Evaluator } from './codegen/expression.js';
import type { ValidScenario } from './scenarioSpec.js';
import { currentTraces, withCurrents, type CurrentTrace } from './record/currents.js';
import { driveSummaries, liveParameters, populationSummaries, projectionSummaries, stateTraces, stepSummaries, type ScenarioSummary, type TraceSummary } from './summary.js';

export type { ParameterRow, PopulationSummary, TraceSummary, StepSummary, ScenarioSummary, BlockerSummary, IonSummary, ProjectionSummary, DriveSummary } from './summary.js';

/** Extra current into one population (or the listed neurons of it) while the poke is held. */
export interface PokeTarget {
  population: string;
  amplitude: number;
  neurons?: number[];
}

/**
 * A change to the experiment. `stimulus` sets numeric fields of scenario.stimuli[index] (a
 * step's amplitude, a window's edges, a sine's frequency...); `poke` replaces the held poke (an
 * empty list lets go).
 */
export type Change =
  | { kind: 'parameters'; population: string; values: Record<string, number> }
  | { kind: 'stimulus'; index: number; values: Record<string, number> }
  | { kind: 'populationSize'; population: string; size: number }
  | { kind: 'poke'; targets: PokeTarget[] }
  /** Fractions blocked by blocker or conductance (TTX: 1, g_K: 0.5), merged into those in force; 0 unblocks. */
  | { kind: 'blockers'; population: string; values: Record<string, number> }
  /** Concentrations (mM) by ion ({ K: { outsideMM: 10 } }), merged; each ion listed sets its reversal by Nernst. */
  | { kind: 'ions'; population: string; values: Record<string, { insideMM?: number; outsideMM?: number }> }
  /** Run without end (the page's free run) or to the scenario's duration; not part of the scenario. */
  | { kind: 'freeRun'; on: boolean }
  /** Replace scenario.stimuli[index] whole (another protocol for the same population: a step, a pulse pair, a ramp). */
  | { kind: 'protocol'; index: number; spec: Record<string, unknown> }
  /** A projection's weight (live where the loop reads it), delay (ms) and connection probability or in-degree (on reset). */
  | { kind: 'projection'; index: number; values: { weight?: number; delayMs?: number; probability?: number; inDegree?: number } }
  /** Trace this neuron of a population instead of the one traced (from now on; written into record.traces). */
  | { kind: 'trace'; population: string; neuron: number }
  /**
   * Put every neuron of a population in this state now and run on from it (the phase plane's
   * click): the variables named, the others as they are. Live, with the time going on; written
   * into the population's `initial`, so a reset, a link and crash recovery start from it too.
   */
  | { kind: 'initial'; population: string; values: Record<string, number> };

export type Applied = { applies: 'live' | 'reset' } | { refused: { field: string; message: string } };

/** Validates parsed JSON into what the core builds from; throws InputError naming the field. */
export type Validator = (raw: unknown) => ValidScenario;

export interface ExperimentOptions {
  /** The scenario as the user gave it, written back by snapshot(); defaults to the validated one. */
  raw?: Record<string, unknown>;
  /** A simulation already built from the same validated scenario (the CLI builds before it runs). */
  simulation?: Simulation;
  /** Kernel choices (WebAssembly or not), for tests and benchmarks. */
  populationOptions?: PopulationOptions;
  /** Append derived traces (ionic currents) to drained frames; the CLI writes state traces only. */
  derivedTraces?: boolean;
}

/** At most this many poke targets (one per population is the page's use). */
const MAX_POKE_TARGETS = 64;

interface RawScenario {
  populations: Record<string, unknown>[];
  stimuli?: Record<string, unknown>[];
  [key: string]: unknown;
}

export class Experiment {
  private raw: RawScenario;
  private current: ValidScenario;
  private sim: Simulation;
  private readonly derived: boolean;
  private traces: { summary: TraceSummary; level: Evaluator | null; population: number }[] = [];
  private currents: CurrentTrace[] = [];
  /** Frames drained before a live change (so derived traces use the values each sample ran with), not yet handed over. */
  private pending: Frame[] = [];
  private pokes: { target: PokeTarget; population: string; stimulus: Stimulus }[] = [];
  private freeRun = false;

  constructor(
    valid: ValidScenario,
    private readonly validate: Validator,
    private readonly options: ExperimentOptions = {},
  ) {
    this.raw = (options.raw ?? structuredClone(valid.scenario)) as unknown as RawScenario;
    this.derived = options.derivedTraces ?? true;
    this.current = valid;
    this.sim = options.simulation ?? new Simulation(valid, options.populationOptions);
    this.describe();
  }

  /** Validate `raw` and build it; throws InputError naming the first bad field. */
  static open(raw: unknown, validate: Validator, options: Omit<ExperimentOptions, 'raw' | 'simulation'> = {}): Experiment {
    const copy = structuredClone(raw) as Record<string, unknown>;
    return new Experiment(validate(copy), validate, { ...options, raw: copy });
  }

  private describe(): void {
    this.traces = stateTraces(this.sim);
    this.inputs = this.derived ? this.recordInputs() : [];
    this.currents = this.derived ? currentTraces(this.sim, this.traces.map((t) => t.summary)) : [];
  }

  /** Input traces (the current in force) of the neurons whose membrane is traced, recorded from t = 0. */
  private inputs: TraceSummary[] = [];

  private recordInputs(): TraceSummary[] {
    if (this.sim.timeMs > 0) return [];
    const out: TraceSummary[] = [];
    for (const pop of this.sim.populations) {
      if (pop.model.stateNames.includes(INPUT_TRACE)) continue;
      const neurons = [...new Set(this.traces.filter((t) => t.summary.population === pop.name && t.summary.role === 'membrane').map((t) => t.summary.neuron))];
      if (neurons.length === 0) continue;
      this.sim.recordInput(pop.name, neurons);
      const input = pop.model.file.input;
      for (const neuron of neurons) {
        out.push({ population: pop.name, variable: INPUT_TRACE, neuron, kind: 'input', role: 'input', label: input.symbol ?? 'I', colour: null, unit: input.unit, meaning: input.meaning ?? 'input current', threshold: null });
      }
    }
    return out;
  }

  /** The running simulation, for what only reads it (populations, projections, window counts). */
  get simulation(): Simulation {
    return this.sim;
  }

  /** The validated scenario the current run was built from. */
  get valid(): ValidScenario {
    return this.current;
  }

  get timeMs(): number {
    return this.sim.timeMs;
  }

  get done(): boolean {
    return this.sim.done;
  }

  get warnings(): StepSizeWarning[] {
    return this.sim.warnings;
  }

  stats(): RunStats {
    return this.sim.stats();
  }

  /** What a display needs to lay itself out, with the values in use now. */
  get summary(): ScenarioSummary {
    const { scenario } = this.sim;
    const traces = this.traces.map((t) => {
      if (!t.level || !t.summary.threshold) return t.summary;
      const level = t.level(this.sim.populations[t.population].parameters);
      return { ...t.summary, threshold: { ...t.summary.threshold, level } };
    });
    return {
      name: scenario.name ?? 'Untitled scenario',
      description: scenario.description ?? '',
      durationMs: scenario.durationMs,
      dtMs: scenario.dtMs,
      populations: populationSummaries(this.sim),
      traces: [...traces, ...this.inputs, ...this.currents.map((c) => c.summary)],
      steps: stepSummaries(this.raw.stimuli ?? [], scenario.durationMs),
      projections: projectionSummaries(this.sim),
      drives: driveSummaries(this.sim),
      freeRun: this.freeRun,
      warnings: this.sim.warnings.map((w) => ({ field: w.field, message: w.message, severity: w.severity })),
    };
  }

  /** The scenario as it now stands, every accepted change written in (the poke is not part of it). */
  snapshot(): Record<string, unknown> {
    return structuredClone(this.raw);
  }

  /** Advance by up to `ms` (never past the end). Throws SimulationError on a blow-up, as Simulation.advance does. */
  advance(ms?: number): void {
    this.sim.advance(ms);
  }

  /** Everything recorded since the last drain, derived traces after the state traces. */
  drain(): Frame {
    const last = this.drainOne();
    if (this.pending.length === 0) return last;
    const frames = [...this.pending, last];
    this.pending = [];
    return mergeFrames(frames);
  }

  private drainOne(): Frame {
    const frame = this.sim.drain();
    return this.derived ? withCurrents(this.sim, frame, this.currents) : frame;
  }

  /** Build again from t = 0 with every accepted change; a held poke stays on where it still fits. */
  reset(): void {
    const valid = this.validate(this.raw);
    const sim = new Simulation(valid, this.options.populationOptions);
    this.current = valid;
    this.sim = sim;
    this.pending = [];
    sim.setFreeRun(this.freeRun);
    this.describe();
    const held = this.pokes.map((p) => p.target);
    this.pokes = [];
    const fits = held.filter((t) => {
      const pop = sim.populations.find((p) => p.name === t.population);
      return pop && (t.neurons ?? []).every((i) => i < pop.size);
    });
    this.poke(fits);
  }

  /** Apply one change: live, on the next reset, or refused naming the field (nothing changes then). */
  apply(change: Change): Applied {
    try {
      switch (change?.kind) {
        case 'parameters':
          return this.setParameters(change.population, change.values);
        case 'stimulus':
          return this.setStimulus(change.index, change.values);
        case 'populationSize':
          return this.setPopulationSize(change.population, change.size);
        case 'poke':
          return this.poke(change.targets);
        case 'blockers':
          return this.setModifiers(change.population, { blockers: change.values });
        case 'ions':
          return this.setModifiers(change.population, { ions: change.values });
        case 'freeRun':
          if (typeof change.on !== 'boolean') throw new InputError('freeRun.on', `must be true or false, got ${String(change.on)}`);
          this.freeRun = change.on;
          this.sim.setFreeRun(change.on);
          return { applies: 'live' };
        case 'protocol':
          return this.setProtocol(change.index, change.spec);
        case 'projection':
          return this.setProjection(change.index, change.values);
        case 'trace':
          return this.setTraced(change.population, change.neuron);
        case 'initial':
          return this.setState(change.population, change.values);
        default:
          throw new InputError('change.kind', `${JSON.stringify(String((change as { kind?: unknown } | null)?.kind).slice(0, 40))} is not a change; choose one of parameters, stimulus, populationSize, poke, blockers, ions, freeRun, protocol, projection, trace, initial`);
      }
    } catch (err) {
      if (err instanceof InputError) return { refused: { field: err.field, message: err.message } };
      throw err;
    }
  }

  private populationIndex(name: unknown): number {
    const k = this.sim.populations.findIndex((p) => p.name === name);
    if (k < 0) throw new InputError('population', `${JSON.stringify(String(name).slice(0, 40))} is not a population of this scenario (populations: ${this.sim.populations.map((p) => p.name).join(', ')})`);
    return k;
  }

  private setParameters(population: string, values: Record<string, number>): Applied {
    const k = this.populationIndex(population);
    if (typeof values !== 'object' || values === null || Array.isArray(values)) throw new InputError(`populations[${k}].parameters`, 'must be an object { name: value }');
    // What ran so far keeps the values it ran with in its derived traces.
    if (this.currents.length > 0) this.pending.push(this.drainOne());
    this.sim.setParameters(population, values); // validated here; refused before anything changes
    const spec = this.raw.populations[k];
    this.raw = { ...this.raw, populations: this.raw.populations.map((p, j) => (j === k ? { ...spec, parameters: { ...(spec.parameters as object | undefined), ...values } } : p)) };
    const live = liveParameters(this.sim.populations[k].model);
    return { applies: Object.keys(values).every((name) => live.has(name)) ? 'live' : 'reset' };
  }

  /** Blockers or concentrations of a population: live (they set parameters the dynamics read), written into the scenario. */
  private setModifiers(population: string, change: { blockers?: Record<string, number>; ions?: Record<string, unknown> }): Applied {
    const k = this.populationIndex(population);
    const values = change.blockers ?? change.ions;
    const key = change.blockers ? 'blockers' : 'ions';
    if (typeof values !== 'object' || values === null || Array.isArray(values)) throw new InputError(`populations[${k}].${key}`, 'a change gives an object');
    if (this.currents.length > 0) this.pending.push(this.drainOne());
    this.sim.setModifiers(population, change); // validated here; refused before anything changes
    const spec = this.raw.populations[k];
    let merged: Record<string, unknown>;
    if (change.blockers) {
      // One key per conductance: a new name for a blocked conductance (g_Na after TTX) replaces the old one.
      const model = this.sim.populations[k].model;
      const target = (name: string) => modelBlockers(model).declared.find((d) => d.name === name)?.parameter ?? name;
      merged = { ...(spec.blockers as Record<string, number> | undefined) };
      for (const name of Object.keys(change.blockers)) for (const old of Object.keys(merged)) if (target(old) === target(name)) delete merged[old];
      Object.assign(merged, change.blockers);
    } else {
      merged = structuredClone((spec.ions as Record<string, object> | undefined) ?? {});
      for (const [ion, v] of Object.entries(change.ions!)) merged[ion] = { ...(merged[ion] as object | undefined), ...(v as object) };
    }
    this.raw = { ...this.raw, populations: this.raw.populations.map((p, j) => (j === k ? { ...spec, [key]: merged } : p)) };
    return { applies: 'live' };
  }

  private setStimulus(index: number, values: Record<string, number>): Applied {
    const stimuli = this.raw.stimuli ?? [];
    if (!Number.isInteger(index) || !stimuli[index]) throw new InputError('stimulus', `${String(index)} is not the index of a stimulus of this scenario (it has ${stimuli.length})`);
    const field = `stimuli[${index}]`;
    if (typeof values !== 'object' || values === null || Array.isArray(values) || Object.keys(values).length === 0) throw new InputError(field, 'a change gives an object { field: number } with at least one field');
    for (const [key, value] of Object.entries(values)) {
      if (['type', 'population', 'targets', 'on'].includes(key)) throw new InputError(`${field}.${key}`, 'cannot change while the experiment runs: only numeric fields of a stimulus can');
      if (typeof value !== 'number') throw new InputError(`${field}.${key}`, `must be a number, got ${typeof value}`);
    }
    const edited: RawScenario = { ...this.raw, stimuli: stimuli.map((s, k) => (k === index ? withFields(s, values, field) : s)) };
    const valid = this.validate(edited); // the next reset's scenario, checked whole now
    const spec = valid.scenario.stimuli[index];
    this.raw = edited;
    if (spec.type === 'poissonInput') {
      // The rate and weight of an external drive apply from the next step; the number of sources is built in.
      const live = Object.keys(values).every((k) => k === 'rateHz' || k === 'weight') && this.sim.setPoissonInput(index, spec.rateHz, spec.weight);
      return { applies: live ? 'live' : 'reset' };
    }
    return { applies: this.sim.setStimulus(index, spec as CurrentStimulusSpec | VoltageClampSpec) ? 'live' : 'reset' };
  }

  /** Another stimulus in place of scenario.stimuli[index], for the same population; live where both depend on the time alone. */
  private setProtocol(index: number, spec: Record<string, unknown>): Applied {
    const stimuli = this.raw.stimuli ?? [];
    if (!Number.isInteger(index) || !stimuli[index]) throw new InputError('stimulus', `${String(index)} is not the index of a stimulus of this scenario (it has ${stimuli.length})`);
    const field = `stimuli[${index}]`;
    if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) throw new InputError(field, 'a protocol is a stimulus object { type, population, ... }');
    if (spec.population !== stimuli[index].population) throw new InputError(`${field}.population`, `stays ${JSON.stringify(stimuli[index].population)}: a protocol replaces the stimulus of the same population`);
    const edited: RawScenario = { ...this.raw, stimuli: stimuli.map((s, k) => (k === index ? structuredClone(spec) : s)) };
    const valid = this.validate(edited);
    const fresh = valid.scenario.stimuli[index];
    this.raw = edited;
    const live = fresh.type !== 'poissonInput' && fresh.type !== 'voltageClamp' && this.sim.setStimulus(index, fresh as CurrentStimulusSpec);
    return { applies: live ? 'live' : 'reset' };
  }

  private setProjection(index: number, values: { weight?: number; delayMs?: number; probability?: number; inDegree?: number }): Applied {
    const projections = (this.raw.projections as Record<string, unknown>[] | undefined) ?? [];
    if (!Number.isInteger(index) || !projections[index]) throw new InputError('projection', `${String(index)} is not the index of a projection of this scenario (it has ${projections.length})`);
    const field = `projections[${index}]`;
    if (typeof values !== 'object' || values === null || Array.isArray(values) || Object.keys(values).length === 0) throw new InputError(field, 'a change gives an object with weight, delayMs, probability or inDegree');
    const spec = structuredClone(projections[index]);
    for (const [key, value] of Object.entries(values)) {
      if (typeof value !== 'number') throw new InputError(`${field}.${key}`, `must be a number, got ${typeof value}`);
      const connect = spec.connect as Record<string, unknown>;
      if (key === 'weight') spec.weight = value;
      else if (key === 'delayMs') spec.delayMs = value;
      else if (key === 'probability') {
        if (connect.rule !== 'probability') throw new InputError(`${field}.connect.p`, `this projection connects by ${String(connect.rule)}, not by probability`);
        spec.connect = { ...connect, p: value };
      } else if (key === 'inDegree') {
        if (connect.rule !== 'inDegree') throw new InputError(`${field}.connect.k`, `this projection connects by ${String(connect.rule)}, not by in-degree`);
        spec.connect = { ...connect, k: value };
      } else throw new InputError(`${field}.${key}`, 'is not something a change sets: weight, delayMs, probability or inDegree');
    }
    const edited: RawScenario = { ...this.raw, projections: projections.map((p, k) => (k === index ? spec : p)) };
    this.validate(edited); // refused here, naming the field, with nothing changed
    this.raw = edited;
    const onlyWeight = Object.keys(values).every((k) => k === 'weight');
    const live = onlyWeight && values.weight !== undefined && this.sim.setProjectionWeight(index, values.weight);
    return { applies: live ? 'live' : 'reset' };
  }

  /**
   * Trace `neuron` of a population in place of the neuron traced there, from now on: written
   * into the scenario's record.traces. What was recorded and not yet drained is the old neuron's
   * and is dropped; the caller starts its displays again with the new summary.
   */
  private setTraced(population: string, neuron: number): Applied {
    const k = this.populationIndex(population);
    const size = this.sim.populations[k].size;
    if (!Number.isInteger(neuron) || neuron < 0 || neuron >= size) throw new InputError('trace.neuron', `${String(neuron)} is not a neuron of ${population} (0..${size - 1})`);
    const record = (this.raw.record as Record<string, unknown> | undefined) ?? {};
    const model = this.sim.populations[k].model;
    // Where none of the population is traced, its membrane variable (the model file's) is.
    const membrane = model.file.membrane?.variable ?? model.stateNames[0];
    const given = (record.traces as Record<string, unknown>[] | undefined) ?? [];
    const traces = given.some((t) => t.population === population)
      ? given.map((t) => (t.population === population ? { ...t, neurons: [neuron] } : t))
      : [...given, { population, variable: membrane, neurons: [neuron] }];
    const edited: RawScenario = { ...this.raw, record: { ...record, traces } };
    this.validate(edited);
    this.raw = edited;
    this.sim.drain();
    this.pending = [];
    this.sim.retrace(population, neuron, membrane);
    this.traces = stateTraces(this.sim);
    this.inputs = this.inputs.map((t) => (t.population === population ? { ...t, neuron } : t));
    this.currents = this.derived ? currentTraces(this.sim, this.traces.map((t) => t.summary)) : [];
    return { applies: 'live' };
  }

  /**
   * The state of every neuron of a population set now (see Change 'initial'). Checked whole before
   * anything is written: each name a state variable, each value a finite number inside the model's
   * bounds, and the scenario with the new `initial` valid.
   */
  private setState(population: string, values: Record<string, number>): Applied {
    const k = this.populationIndex(population);
    const field = `populations[${k}].initial`;
    if (typeof values !== 'object' || values === null || Array.isArray(values) || Object.keys(values).length === 0) throw new InputError(field, 'a change gives an object { stateVariable: value } with at least one variable');
    const pop = this.sim.populations[k];
    const model = pop.model;
    const given: [number, number][] = Object.entries(values).map(([name, value]) => {
      const index = model.stateNames.indexOf(name);
      if (index < 0) throw new InputError(`${field}.${name}`, `${JSON.stringify(name.slice(0, 40))} is not a state variable of ${model.id} (its state: ${model.stateNames.join(', ')})`);
      if (typeof value !== 'number' || !Number.isFinite(value)) throw new InputError(`${field}.${name}`, `must be a finite number, got ${typeof value === 'number' ? String(value) : typeof value}`);
      const bound = model.bounds.find((b) => b.index === index);
      if (bound && !(value >= bound.low && value <= bound.high)) throw new InputError(`${field}.${name}`, `${value} is outside the model's bounds for ${name}, [${bound.low}, ${bound.high}]`);
      return [index, value];
    });
    const spec = this.raw.populations[k];
    const initial = { ...(spec.initial as Record<string, unknown> | undefined), ...values };
    const edited: RawScenario = { ...this.raw, populations: this.raw.populations.map((p, j) => (j === k ? { ...spec, initial } : p)) };
    this.validate(edited); // refused here, naming the field, with nothing changed
    this.raw = edited;
    // What ran before keeps its frames; a drain also makes the blow-up search start after the jump.
    this.pending.push(this.drainOne());
    this.sim.setState(pop.name, given);
    return { applies: 'live' };
  }

  private setPopulationSize(population: string, size: number): Applied {
    const k = this.populationIndex(population);
    const edited: RawScenario = { ...this.raw, populations: this.raw.populations.map((p, j) => (j === k ? { ...p, size } : p)) };
    this.validate(edited); // refused here, naming the field, rather than at the reset
    this.raw = edited;
    return { applies: 'reset' };
  }

  /** Replace the held poke by `targets`, each an extra constant stimulus; all are checked before any changes. */
  private poke(targets: PokeTarget[]): Applied {
    if (!Array.isArray(targets) || targets.length > MAX_POKE_TARGETS) throw new InputError('poke', `must be a list of at most ${MAX_POKE_TARGETS} { population, amplitude, neurons } targets`);
    const specs = targets.map((t, k): CurrentStimulusSpec | null => {
      const field = `poke[${k}]`;
      const p = this.sim.populations.find((q) => q.name === t?.population);
      if (!p) throw new InputError(`${field}.population`, `${JSON.stringify(String(t?.population).slice(0, 40))} is not a population of this scenario (populations: ${this.sim.populations.map((q) => q.name).join(', ')})`);
      const { amplitude, neurons } = t;
      if (typeof amplitude !== 'number' || !Number.isFinite(amplitude) || Math.abs(amplitude) > 1e6) throw new InputError(`${field}.amplitude`, `must be a number in [-1e6, 1e6] ${p.model.file.input.unit}, got ${String(amplitude)}`);
      if (neurons !== undefined && (!Array.isArray(neurons) || neurons.length > p.size)) throw new InputError(`${field}.neurons`, `must be a list of at most ${p.size} neuron indices of ${p.name}`);
      neurons?.forEach((i, j) => {
        if (!Number.isInteger(i) || i < 0 || i >= p.size) throw new InputError(`${field}.neurons[${j}]`, `${String(i)} is not a neuron of ${p.name} (0..${p.size - 1})`);
      });
      if (amplitude === 0) return null;
      return { type: 'constant', population: p.name, amplitude, ...(neurons ? { targets: [...new Set(neurons)] } : {}) };
    });
    for (const p of this.pokes) this.sim.removeStimulus(p.population, p.stimulus);
    this.pokes = [];
    specs.forEach((spec, k) => {
      if (spec) this.pokes.push({ target: { ...targets[k] }, population: spec.population, stimulus: this.sim.addStimulus(spec) });
    });
    return { applies: 'live' };
  }
}

/**
 * `stimulus` with `values` written in: a key is a field (amplitude) or a field of an item of a list
 * field (commands[1].levelMV, a clamp's step), which must exist.
 */
function withFields(stimulus: Record<string, unknown>, values: Record<string, number>, field: string): Record<string, unknown> {
  const out = structuredClone(stimulus);
  for (const [key, value] of Object.entries(values)) {
    const item = /^([A-Za-z]+)\[(\d+)\]\.([A-Za-z]+)$/.exec(key);
    if (!item) {
      out[key] = value;
      continue;
    }
    const list = out[item[1]];
    const entry = Array.isArray(list) ? list[Number(item[2])] : undefined;
    if (typeof entry !== 'object' || entry === null) throw new InputError(`${field}.${key}`, `${field} has no ${item[1]}[${item[2]}]`);
    (entry as Record<string, unknown>)[item[3]] = value;
  }
  return out;
}

/** One frame from several in a row: spikes and trace samples concatenated (their times follow on). */
export function mergeFrames(frames: Frame[]): Frame {
  if (frames.length === 1) return frames[0];
  const first = frames[0];
  return {
    startMs: first.startMs,
    endMs: frames[frames.length - 1].endMs,
    spikes: {
      timeMs: concatArrays(frames.map((f) => f.spikes.timeMs), (n) => new Float64Array(n)),
      neuron: concatArrays(frames.map((f) => f.spikes.neuron), (n) => new Int32Array(n)),
    },
    traces: first.traces.map((t, k) => ({ ...t, values: concatArrays(frames.map((f) => f.traces[k].values), (n) => new Float64Array(n)) })),
  };
}
