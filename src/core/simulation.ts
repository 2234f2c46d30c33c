// new Simulation(validScenario) -> advance(ms) -> drain(): populations, projections and stimuli
// built from a validated scenario (scenarioSpec.ts) and stepped in lock step, blow-ups located at
// their step. The Experiment (experiment.ts) owns one and drives it for the worker, the CLI and
// the tests; changes in flight (parameters, a stimulus replaced, an extra stimulus for the poke)
// go through the methods below. No DOM, no worker globals, nothing imported from above the core.
import { InputError, SimulationError } from './errors.js';
import { resolveParameters } from './model/loadModel.js';
import { checkDerivedValues } from './model/derivedValues.js';
import { type CurrentStimulusSpec, type Stimulus, type StimulusSpec } from './stimulus/stimuli.js';
import { CLAMP_CURRENT, VoltageClamp, type VoltageClampSpec } from './stimulus/clamp.js';
import { effectiveParameters, type ParameterModifiers } from './model/modifiers.js';
import { resolveBlockers } from './model/blockers.js';
import { resolveIons, type IonSettings } from './model/ions.js';

/** The name of the recorded input current in force (Simulation.recordInput): not a model's state variable. */
export const INPUT_TRACE = 'I_input';

/** A stimulus that adds a current (all but poissonInput, which kicks a state variable with spikes, and the voltage clamp, which sets v). */
export type { CurrentStimulusSpec } from './stimulus/stimuli.js';
import { streamSeed } from './random.js';
import { Population, type PopulationOptions, type PopulationSnapshot } from './population.js';
import { Projection, ShortTermPlasticity, type SpikeSourceView } from './network/projection.js';
import { sliceCsr, type SharedProjection } from './parallel/sliceCsr.js';

export type { SharedProjection };
import { stimulusForSlice } from './parallel/sliceStimulus.js';
import { SpikeGenerator } from './network/spikeSource.js';
import { connect, type Csr } from './network/connectivity.js';
import { Random } from './random.js';
import { SpikeRecorder, TraceRecorder, Column } from './record/recorders.js';
import { LIMITS, type ProjectionSpec, type Scenario, type ValidScenario } from './scenarioSpec.js';
import { stepSizeWarnings, type StepSizeWarning } from './model/timescale.js';
import { PointEvaluator } from './model/evaluate.js';
import { exprel } from './codegen/expression.js';

export interface TraceFrame {
  population: string;
  variable: string;
  neuron: number;
  /** Time of the first sample in this frame and the sampling interval. */
  startMs: number;
  everyMs: number;
  values: Float64Array;
}

/** What a drain hands over: everything recorded since the last drain, as typed arrays. */
export interface Frame {
  startMs: number;
  endMs: number;
  spikes: { timeMs: Float64Array; neuron: Int32Array };
  traces: TraceFrame[];
}


function drawProjection(spec: ProjectionSpec, index: number, sources: number, targets: number, seed: number, synapse: { weightScale: number }): SharedProjection {
  const csr = connect(spec.connect, sources, targets, spec.source === spec.target, seed, `projections[${index}].connect`);
  const n = csr.targets.length;
  const random = new Random(seed ^ 0x5bd1e995);
  const draw = (value: number | { normal: [number, number] } | { uniform: [number, number] }): number | Float32Array => {
    if (typeof value === 'number') return value;
    const out = new Float32Array(n);
    if ('normal' in value) {
      const [mean, sd] = value.normal;
      for (let q = 0; q < n; q++) out[q] = mean + sd * random.normal();
    } else {
      const [low, high] = value.uniform;
      for (let q = 0; q < n; q++) out[q] = low + (high - low) * random.uniform();
    }
    return out;
  };
  let weight = draw(spec.weight);
  // Synapse kinetics: the weight is the waveform's peak, so the increment is scaled (exponential: 1).
  if (synapse.weightScale !== 1) weight = typeof weight === 'number' ? weight * synapse.weightScale : weight.map((w) => w * synapse.weightScale);
  const delayMs = draw(spec.delayMs ?? 0);
  return { rowStart: csr.rowStart, targets: csr.targets, weight, delayMs };
}

/**
 * Build a projection's synapses (CSR), weights and delays, and hook it to the target's ring. On one
 * thread of a run split across threads (`targetFullSize` above target.size), the whole
 * projection is built as on one thread (the same random streams) and the synapses onto the
 * target's slice kept, in their order, with target indices local to the slice.
 */
function buildProjection(spec: ProjectionSpec, index: number, source: SpikeSourceView, target: Population, dtMs: number, seed: number, synapse: { variable: string; weightScale: number }, targetFullSize = target.size, part?: SharedProjection, drawn?: (whole: SharedProjection) => void): Projection {
  // A slice handed its part (targets local to it) takes it as it is.
  const whole = part ?? drawProjection(spec, index, source.size, targetFullSize, seed, synapse);
  // Seen before anything moves the arrays into WebAssembly memory: the threads' parts are cut from these.
  if (!part) drawn?.(whole);
  let csr: Csr = { sources: source.size, rowStart: whole.rowStart, targets: whole.targets };
  let weight = whole.weight;
  let delayMs = whole.delayMs;
  if (!part && (targetFullSize !== target.size || target.sliceStart !== 0)) {
    const kept = sliceCsr(csr, target.sliceStart, target.size, [weight, delayMs]);
    csr = kept.csr;
    [weight, delayMs] = kept.perSynapse as [number | Float32Array, number | Float32Array];
  }
  const longest = typeof delayMs === 'number' ? delayMs : delayMs.reduce((a, b) => Math.max(a, b), 0);
  const variable = target.model.stateNames.indexOf(synapse.variable);
  const name = spec.name ?? `${spec.source}->${spec.target}`;
  // Short-term plasticity weighs each spike as it is delivered: always through a ring.
  if (spec.stp) {
    const ring = target.ring(variable, Math.ceil(longest / dtMs) + 2);
    return new Projection(name, source, target, csr, weight, delayMs, variable, ring, new ShortTermPlasticity(spec.stp, source.size));
  }
  // Without delay every spike arrives at the start of the next step: add it to the state then
  // (cost per synaptic event) rather than through a ring every neuron reads each step.
  if (delayMs === 0) {
    const projection = new Projection(name, source, target, csr, weight, delayMs, variable, null);
    target.addInstantInput(projection);
    return projection;
  }
  // A spike late in its step plus the longest delay reaches at most ceil(delay / dt) + 1 steps ahead.
  const ring = target.ring(variable, Math.ceil(longest / dtMs) + 2);
  return new Projection(name, source, target, csr, weight, delayMs, variable, ring);
}

export interface RunStats {
  spikeCount: number;
  meanRateHz: number;
  /** Spikes counted but not kept because record.maxSpikes were held undrained. */
  spikesNotKept?: number;
  /** Mean rate within the scenario's rate window, when it has one. */
  window?: { startMs: number; stopMs: number; meanRateHz: number };
  populations: { name: string; size: number; spikeCount: number; meanRateHz: number }[];
}

/** Stimulus types whose input depends on the time alone: nothing to wind back before steps are run again, and a change applies from the next step as it would in a run built with it. */
export const TIME_ONLY_STIMULI = new Set(['constant', 'step', 'pulses', 'ramp', 'sine']);

/**
 * Everything a stretch of steps changes, as it was at step `step`. A blow-up found at a periodic
 * check is located by running the steps since then again, checked one by one: the loop itself
 * stays as fast as it was, and the error names the step where the state left its bounds.
 */
interface Snapshot {
  step: number;
  populations: PopulationSnapshot[];
  traceSamples: number[];
  events: number[];
  /** Short-term plasticity state per projection (null where it has none). */
  stp: (Float64Array[] | null)[];
}

/** One thread's part of a run split across threads (parallel/partition.ts): neurons [start, start + size) of each population. */
export interface SliceOptions {
  slices: { start: number; size: number }[];
  /** Each projection's part onto this slice (targets local to it), cut by the coordinating thread from what it drew: not drawn again. */
  connectivity?: SharedProjection[];
}

export class Simulation {
  readonly scenario: Scenario;
  readonly populations: Population[];
  readonly projections: Projection[];
  /**
   * What the run can be trusted for: a step too coarse for a model's fastest time constant
   * ('refusal' when results would be wrong, not merely less accurate). The run still goes; the
   * CLI refuses a refusal without --force, the page shows them.
   */
  readonly warnings: StepSizeWarning[];
  private readonly traces: TraceRecorder[];
  private readonly traceEverySteps: number;
  protected stepIndex = 0;
  private readonly totalSteps: number;
  /** A run without end (the page's free run): advance() goes past the duration, done stays false. */
  protected openEnded = false;
  /** The input current in force (stimuli and poke; not synapses) of traced neurons, sampled with the traces. */
  private readonly inputTraces: { recorder: TraceRecorder; population: Population }[] = [];
  private drainedUpToMs = 0;
  private traceStartMs = 0;
  /**
   * On one thread of a run split across threads: what each projection reads of its source, the
   * spikes every thread fired in the step, gathered (parallel/threadBody.ts fills them).
   */
  readonly gathered: { size: number; spikes: { stepNeurons: Int32Array; stepTimes: Float64Array; stepCount: number } }[] | null = null;
  /** Check for blow-ups at least this often (steps). */
  private readonly healthEverySteps: number;
  /** Take a snapshot at a passing check once this many steps have gone by since the last one. */
  private readonly snapshotEverySteps: number;
  private snapshot: Snapshot | null = null;
  /** Set when something outside advance() changed what a replay would need (a drain, a parameter, an injection). */
  private snapshotStale = true;
  /** Stimuli with a state of their own (random streams, filtered noise), to be wound back by rebuilding. */
  private readonly statefulStimuli: { population: Population; stimulus: Stimulus; rebuild: () => Stimulus }[] = [];
  protected failure: SimulationError | null = null;
  /** The runtime form of each of scenario.stimuli (null for a poissonInput, which the population draws itself). */
  private readonly stimuli: ({ population: Population; stimulus: Stimulus; targets: Int32Array; seed: number } | null)[];
  /** Extra stimuli per population added by inject(), replaced at each call. */
  private readonly injected = new Map<Population, Stimulus>();
  private readonly perStep: { driven: Population[]; instant: Projection[]; delayed: Projection[] };
  /** The voltage clamp of each of scenario.stimuli that is one. */
  private readonly clamps = new Map<number, VoltageClamp>();
  /** Per population: the parameters as given, and the blockers and ion concentrations applied on top (model/modifiers.ts). */
  private readonly given: { values: Float64Array; modifiers: ParameterModifiers }[];
  /** Populations whose clamp current is traced: refreshed before each sample. */
  private readonly clampTraced: Population[];


  /** Each population's whole size (a slice holds part of it). */
  private readonly fullSizes: number[];

  /**
   * `drawn`: called with each projection as drawn for the whole network (index, synapses, target
   * population's index), before anything uses it; the coordinating thread of a run split across
   * threads cuts the threads' parts from it.
   */
  constructor(valid: ValidScenario, options: PopulationOptions = {}, slice: SliceOptions | null = null, drawn?: (index: number, whole: SharedProjection, target: number) => void) {
    const { scenario } = valid;
    this.scenario = scenario;
    this.warnings = stepSizeWarnings(valid);
    this.fullSizes = valid.populations.map((p) => p.spec.size);
    this.given = valid.populations.map((p) => ({ values: Float64Array.from(p.given ?? p.parameters), modifiers: { blockers: { ...(p.blockers ?? {}) }, ions: structuredClone(p.ions ?? {}) } }));
    const window = scenario.record.rateWindowMs;
    let offset = 0;
    // Random streams: stimuli k use stream k, initial values 1000 + p, projections 2000 + k.
    this.populations = valid.populations.map((p, k) => {
      // A slice records nothing itself: the coordinating thread records every thread's spikes.
      const part = slice?.slices[k];
      const keep = part || scenario.record.spikes === false ? 0 : (scenario.record.maxSpikes ?? LIMITS.maxSpikes);
      const size = part ? part.size : p.spec.size;
      const recorder = part ? new SpikeRecorder(offset, size, 0) : new SpikeRecorder(offset, p.spec.size, keep, window?.[0], window?.[1]);
      const pop = new Population(p.spec.name, p.model, size, offset, p.parameters, p.method, p.initial, streamSeed(scenario.seed, 1000 + k), recorder, part ? { ...options, slice: { start: part.start, fullSize: p.spec.size } } : options);
      pop.checkRefractory(`populations[${k}]`);
      if (p.spec.spikes) pop.setGenerator(new SpikeGenerator(p.spec.spikes, size, scenario.seed, p.spec.name, part?.start ?? 0));
      offset += p.spec.size;
      return pop;
    });
    if (slice) this.gathered = valid.populations.map((p) => ({ size: p.spec.size, spikes: { stepNeurons: new Int32Array(64), stepTimes: new Float64Array(64), stepCount: 0 } }));
    // An initial state outside the model's bounds is a blow-up at t = 0: the first advance() reports it.
    try {
      for (const pop of this.populations) pop.checkHealth(0, 0);
    } catch (err) {
      if (!(err instanceof SimulationError)) throw err;
      this.failure = err;
    }
    this.projections = (scenario.projections ?? []).map((spec, k) => {
      const synapse = valid.synapses?.[k] ?? { variable: spec.on!, weightScale: 1 };
      const target = this.population(spec.target);
      const source: SpikeSourceView = this.gathered ? this.gathered[this.populations.indexOf(this.population(spec.source))] : this.population(spec.source);
      const t = this.populations.indexOf(target);
      const projection = buildProjection(spec, k, source, target, scenario.dtMs, streamSeed(scenario.seed, 2000 + k), synapse, valid.populations[t].spec.size, slice?.connectivity?.[k], drawn && ((whole) => drawn(k, whole, t)));
      projection.weightScale = synapse.weightScale;
      return projection;
    });
    this.stimuli = scenario.stimuli.map((spec, k) => {
      const pop = this.population(spec.population);
      const fullSize = valid.populations[this.populations.indexOf(pop)].spec.size;
      const targets = spec.targets === undefined || spec.targets === 'all' ? Int32Array.from({ length: fullSize }, (_, i) => i) : Int32Array.from(spec.targets);
      const seed = streamSeed(scenario.seed, k);
      if (spec.type === 'voltageClamp') {
        const p = this.populations.indexOf(pop);
        const keep = new Set(Object.keys(valid.populations[p].initial).map((name) => pop.model.stateNames.indexOf(name)));
        const clamp = new VoltageClamp(spec, targets, pop.model, pop.method, pop.clampCurrent());
        pop.addClamp(clamp, keep);
        this.clamps.set(k, clamp);
        return null;
      }
      if (spec.type === 'poissonInput') {
        pop.addPoissonInput(pop.model.stateNames.indexOf(spec.on), targets, spec.sources, spec.rateHz, spec.weight, seed);
        return null;
      }
      const stimulus = this.stimulusFor(pop, spec, targets, seed);
      pop.addStimulus(stimulus);
      const entry = { population: pop, stimulus, targets, seed };
      if (!stimulus.isStatic && !stimulus.whiteNoise && !TIME_ONLY_STIMULI.has(spec.type)) {
        this.statefulStimuli.push({ population: pop, stimulus, rebuild: () => this.stimulusFor(pop, spec as CurrentStimulusSpec, targets, seed) });
      }
      return entry;
    });
    for (const pop of this.populations) pop.staggerStart(scenario.dtMs);
    // Compile the loops now (building), as Brian2 compiles before it runs.
    for (const pop of this.populations) pop.prepareStep(scenario.dtMs);
    // Only what has work each step gets a call: a fresh process runs these calls unoptimised at first.
    this.perStep = {
      driven: this.populations.filter((p) => p.hasPoissonInputs),
      instant: this.projections.filter((p) => p.ring === null),
      delayed: this.projections.filter((p) => p.ring !== null),
    };
    // A slice records no traces: the coordinating thread records what the threads sample for it.
    this.traces = (slice ? [] : (scenario.record.traces ?? [])).map((tr) => {
      const pop = this.population(tr.population);
      // The clamp current is traced from one array past the state (traceArrays).
      if (tr.variable === CLAMP_CURRENT && !pop.model.stateNames.includes(CLAMP_CURRENT)) return new TraceRecorder(tr.population, tr.variable, pop.model.stateNames.length, tr.neurons);
      const index = pop.model.stateNames.indexOf(tr.variable);
      const bound = pop.model.bounds.find((b) => b.index === index);
      return new TraceRecorder(tr.population, tr.variable, index, tr.neurons, bound?.low ?? -Infinity, bound?.high ?? Infinity);
    });
    this.traceEverySteps = Math.max(1, Math.round((scenario.record.traceEveryMs ?? scenario.dtMs) / scenario.dtMs));
    this.totalSteps = Math.round(scenario.durationMs / scenario.dtMs);
    this.healthEverySteps = Math.max(1, Math.round(10 / scenario.dtMs));
    // A snapshot copies about as many numbers as one step updates (more with long delay rings):
    // take one only every so many checks that copying stays near 1 % of the run.
    const copied = this.populations.reduce((a, p) => a + p.snapshotSize, 0);
    const updated = this.populations.reduce((a, p) => a + p.size * p.model.stateNames.length, 0);
    this.snapshotEverySteps = this.healthEverySteps * Math.max(1, Math.ceil((100 * copied) / Math.max(1, updated) / this.healthEverySteps));
    this.clampTraced = this.populations.filter((p) => this.traces.some((tr) => tr.population === p.name && tr.variableIndex === p.model.stateNames.length));
    this.traceArrays = new Map(this.populations.map((p) => [p.name, p.clamps.length > 0 ? [...p.state, p.clampCurrent()] : p.state]));
    // Every trace has its t = 0 sample, even when the initial state is already outside the bounds.
    this.sampleEvery();
  }

  /** What each population's traces read: its state arrays, and its clamp current after them. */
  private traceArrays: Map<string, Float64Array[]>;

  private arraysOf(name: string): Float64Array[] {
    const pop = this.population(name);
    // The state arrays move into WebAssembly memory on the first step: read them afresh.
    if (pop.clamps.length === 0) return pop.state;
    const arrays = this.traceArrays.get(name)!;
    for (let k = 0; k < pop.state.length; k++) arrays[k] = pop.state[k];
    return arrays;
  }

  /** One sample of every trace (no bounds check: see sampleTraces). */
  private sampleEvery(): void {
    for (const pop of this.clampTraced) pop.refreshClampCurrents(this.timeMs);
    for (const tr of this.traces) tr.sample(this.arraysOf(tr.population));
    for (const { recorder, population } of this.inputTraces) recorder.sample([population.input]);
  }

  /** Traces are sampled every this many steps (at the steps divisible by it). */
  get traceEvery(): number {
    return this.traceEverySteps;
  }

  /**
   * What each recorded trace column reads, in the order drain() hands them over (the state
   * traces, then the inputs in force): population index, state variable (-1: the input in force)
   * and neuron of the population. A run split across threads samples these on the threads.
   */
  traceChannels(): { population: number; variable: number; neuron: number }[] {
    const out: { population: number; variable: number; neuron: number }[] = [];
    for (const tr of this.traces) {
      const population = this.populations.indexOf(this.population(tr.population));
      for (const neuron of tr.neurons) out.push({ population, variable: tr.variableIndex, neuron });
    }
    for (const { recorder, population } of this.inputTraces) {
      const p = this.populations.indexOf(population);
      for (const neuron of recorder.neurons) out.push({ population: p, variable: -1, neuron });
    }
    return out;
  }

  /** One sample of every trace column, in traceChannels() order, from values[at], values[at + 1], ... */
  protected pushTraceSample(values: Float64Array, at: number): void {
    let k = at;
    for (const tr of this.traces) for (const column of tr.columns) column.push(values[k++]);
    for (const { recorder } of this.inputTraces) for (const column of recorder.columns) column.push(values[k++]);
  }

  /** A stimulus of the whole population as `pop` takes it: its part, where `pop` is one thread's slice (parallel/sliceStimulus.ts). */
  private stimulusFor(pop: Population, spec: CurrentStimulusSpec, targets: Int32Array, seed: number): Stimulus {
    return stimulusForSlice(spec, targets, seed, TIME_ONLY_STIMULI.has(spec.type), pop.sliceStart, pop.size, this.fullSizes[this.populations.indexOf(pop)]);
  }

  private population(name: string): Population {
    const pop = this.populations.find((p) => p.name === name);
    if (!pop) throw new InputError('population', `no population named ${JSON.stringify(name)}`);
    return pop;
  }

  get timeMs(): number {
    return this.stepIndex * this.scenario.dtMs;
  }

  get done(): boolean {
    return !this.openEnded && this.stepIndex >= this.totalSteps;
  }

  /** Whether the run goes on past its duration (the page's free run). */
  get freeRun(): boolean {
    return this.openEnded;
  }

  /**
   * Run without end (on) or to the scenario's duration (off; a run already past it is done).
   * Records are bounded by draining, as always; nothing else depends on the duration.
   */
  setFreeRun(on: boolean): void {
    this.openEnded = on;
  }

  /**
   * Trace `neuron` of a population in place of the neuron(s) traced there, from the next sample
   * on (drain first: what was recorded belongs to the old neuron). record.traces says so too.
   */
  retrace(populationName: string, neuron: number, variableIfNone: string): void {
    const population = this.population(populationName);
    if (!this.traces.some((tr) => tr.population === populationName)) {
      // None traced there yet: a trace of `variableIfNone` begins with the next sample (after a drain, as every frame's traces do).
      const index = population.model.stateNames.indexOf(variableIfNone);
      if (index < 0) throw new Error(`internal: ${variableIfNone} is not a state variable of ${populationName}`);
      const bound = population.model.bounds.find((b) => b.index === index);
      this.traces.push(new TraceRecorder(populationName, variableIfNone, index, [neuron], bound?.low ?? -Infinity, bound?.high ?? Infinity));
      this.scenario.record.traces = [...(this.scenario.record.traces ?? []), { population: populationName, variable: variableIfNone, neurons: [neuron] }];
      this.snapshotStale = true;
      return;
    }
    this.traces.forEach((tr, k) => {
      if (tr.population !== populationName) return;
      this.traces[k] = new TraceRecorder(tr.population, tr.variable, tr.variableIndex, [neuron], tr.low, tr.high);
    });
    this.inputTraces.forEach((t, k) => {
      if (t.population === population) this.inputTraces[k] = { recorder: new TraceRecorder(populationName, INPUT_TRACE, 0, [neuron]), population };
    });
    const record = this.scenario.record;
    record.traces = (record.traces ?? []).map((t) => (t.population === populationName ? { ...t, neurons: [neuron] } : t));
    this.snapshotStale = true;
  }

  /**
   * Record the input current in force in these neurons of a population (the stimuli and any
   * extra stimulus such as the poke, summed as the step used it; synaptic input is not part of
   * it), sampled with the traces as a trace named INPUT_TRACE: each sample is the input of the
   * step that ended at its time (NaN at t = 0). Only before the first step.
   */
  recordInput(populationName: string, neurons: number[]): void {
    if (this.stepIndex > 0) throw new Error('internal: the input is recorded from t = 0');
    const population = this.population(populationName);
    if (this.inputTraces.some((t) => t.population === population)) return;
    const recorder = new TraceRecorder(populationName, INPUT_TRACE, 0, neurons);
    // A sample holds the input of the step that ended at its time: none has at t = 0.
    recorder.sample([new Float64Array(population.size).fill(Number.NaN)]);
    this.inputTraces.push({ recorder, population });
  }

  /**
   * Advance by up to `ms` of simulated time (never past the scenario's duration). Throws
   * SimulationError, and refuses to go on, if the state blows up; the error names the step where
   * a value first left the model's bounds, and the records end there.
   */
  advance(ms: number = this.scenario.durationMs): void {
    if (this.failure) throw this.failure;
    const target = this.targetStep(ms);
    const traces = this.traces;
    if (this.snapshotStale) this.takeSnapshot();
    try {
      while (this.stepIndex < target) {
        // A neuron that could not be brought below threshold stops the run at this very step.
        if (this.stepOnce()) this.checkAll();
        if ((traces.length > 0 || this.inputTraces.length > 0) && this.stepIndex % this.traceEverySteps === 0) this.sampleTraces();
        if (this.stepIndex % this.healthEverySteps === 0) {
          this.checkAll();
          if (this.stepIndex - this.snapshot!.step >= this.snapshotEverySteps) this.takeSnapshot();
        }
      }
      this.checkAll();
    } catch (err) {
      if (err instanceof SimulationError) this.failure = err;
      throw err;
    }
  }

  /**
   * One step of every population and projection: the loop's body, the same when steps are run
   * again. Returns whether a neuron fired more often than one step can hold.
   */
  private stepOnce(): boolean {
    const dt = this.scenario.dtMs;
    const pops = this.populations;
    const { driven, instant, delayed } = this.perStep;
    const step = this.stepIndex;
    const t = step * dt;
    for (let p = 0; p < driven.length; p++) driven[p].applyPoissonInputs(step, t, dt);
    for (let q = 0; q < instant.length; q++) instant[q].arriveNow(t);
    for (let p = 0; p < pops.length; p++) pops[p].step(step, t, dt);
    for (let q = 0; q < delayed.length; q++) delayed[q].deliver(step, dt);
    this.stepIndex++;
    for (let p = 0; p < pops.length; p++) if (pops[p].spikes.overflowAt) return true;
    return false;
  }

  /**
   * On one thread of a run split across threads (parallel/threadBody.ts): the step's Poisson
   * inputs, arrivals without delay (from the spikes gathered after the last step) and this
   * thread's neurons. Delayed projections are delivered by deliverDelayed once every thread's
   * spikes of the step are gathered. Returns whether a neuron fired more often than a step holds.
   */
  stepSlice(): boolean {
    const dt = this.scenario.dtMs;
    const pops = this.populations;
    const { driven, instant } = this.perStep;
    const step = this.stepIndex;
    const t = step * dt;
    for (let p = 0; p < driven.length; p++) driven[p].applyPoissonInputs(step, t, dt);
    for (let q = 0; q < instant.length; q++) instant[q].arriveNow(t);
    for (let p = 0; p < pops.length; p++) if (pops[p].size > 0) pops[p].step(step, t, dt);
    this.stepIndex++;
    for (let p = 0; p < pops.length; p++) if (pops[p].spikes.overflowAt) return true;
    return false;
  }

  /** The delayed projections' arrivals from the spikes of step `step` (gathered from every thread). */
  deliverDelayed(step: number): void {
    const { delayed } = this.perStep;
    for (let q = 0; q < delayed.length; q++) delayed[q].deliver(step, this.scenario.dtMs);
  }

  /** Whether every population's state is inside its bounds (no error is located or kept). */
  healthy(): boolean {
    if (this.failure) return false;
    try {
      for (const pop of this.populations) pop.checkHealth(this.timeMs, this.scenario.dtMs);
      return true;
    } catch (err) {
      if (err instanceof SimulationError) return false;
      throw err;
    }
  }

  /** Check for blow-ups every this many steps (and at the end of each advance). */
  get checkEverySteps(): number {
    return this.healthEverySteps;
  }

  /** The step the run has reached. */
  get steps(): number {
    return this.stepIndex;
  }

  /** The step advance(ms) would stop at. */
  protected targetStep(ms: number): number {
    const steps = this.stepIndex + Math.max(0, Math.round(ms / this.scenario.dtMs));
    return this.openEnded ? steps : Math.min(this.totalSteps, steps);
  }

  /**
   * Go on on this thread alone, from where the run is (a run split across threads does so before
   * anything it cannot split; ThreadedSimulation). Here: nothing to do.
   */
  toOneThread(reason: string): void {
    void reason;
  }

  /**
   * Take over where `other`, a simulation of the same scenario run on one thread, has got to:
   * state, pending arrivals, random streams, records and counts. Both ran the same steps from the
   * same build, so this one then goes on exactly as `other` would.
   */
  protected adoptRun(other: Simulation): void {
    this.populations.forEach((p, k) => p.adopt(other.populations[k]));
    this.projections.forEach((p, k) => {
      p.events = other.projections[k].events;
      if (p.stp) p.stp.restore(other.projections[k].stp!.save());
    });
    const mine = [...this.traces, ...this.inputTraces.map((t) => t.recorder)];
    const theirs = [...other.traces, ...other.inputTraces.map((t) => t.recorder)];
    mine.forEach((tr, k) => tr.adopt(theirs[k]));
    this.windStimuliTo(other.stepIndex);
    this.stepIndex = other.stepIndex;
    this.drainedUpToMs = other.drainedUpToMs;
    this.traceStartMs = other.traceStartMs;
    this.failure = other.failure;
    this.snapshot = null;
    this.snapshotStale = true;
  }

  /** Sample every trace, after making sure no traced value has left its bounds (no garbage reaches a frame). */
  private sampleTraces(): void {
    for (const tr of this.traces) if (tr.variableIndex < this.population(tr.population).state.length && !tr.within(this.population(tr.population).state)) this.checkAll();
    this.sampleEvery();
  }

  /** Check every population; a blow-up is located at its step before it is thrown. */
  private checkAll(): void {
    try {
      for (const pop of this.populations) pop.checkHealth(this.timeMs, this.scenario.dtMs);
    } catch (err) {
      if (err instanceof SimulationError) throw this.locate(err);
      throw err;
    }
  }

  private takeSnapshot(): void {
    const old = this.snapshot;
    this.snapshot = {
      step: this.stepIndex,
      populations: this.populations.map((p, k) => p.save(old?.populations[k] ?? null)),
      traceSamples: [...this.traces, ...this.inputTraces.map((t) => t.recorder)].map((tr) => tr.length),
      events: this.projections.map((p) => p.events),
      stp: this.projections.map((p) => p.stp?.save() ?? null),
    };
    this.snapshotStale = false;
  }

  /**
   * `found` was seen at the current step, but the state may have left its bounds at any step
   * since the last snapshot. Go back there (state, random streams, pending arrivals, records) and
   * run those steps again, checking after each: steps are deterministic, so the first step that
   * fails is where the run blew up. Returns that error (or `found` if the steps pass again).
   */
  private locate(found: SimulationError): SimulationError {
    const snapshot = this.snapshot;
    const until = this.stepIndex;
    if (!snapshot || snapshot.step >= until) return found;
    this.populations.forEach((p, k) => p.restore(snapshot.populations[k]));
    [...this.traces, ...this.inputTraces.map((t) => t.recorder)].forEach((tr, k) => tr.truncate(snapshot.traceSamples[k]));
    this.projections.forEach((p, k) => {
      p.events = snapshot.events[k];
      if (p.stp) p.stp.restore(snapshot.stp[k]!);
    });
    this.windStimuliTo(snapshot.step);
    this.stepIndex = snapshot.step;
    while (this.stepIndex < until) {
      this.stepOnce();
      try {
        for (const pop of this.populations) pop.checkHealth(this.timeMs, this.scenario.dtMs);
      } catch (err) {
        if (err instanceof SimulationError) return err;
        throw err;
      }
      if ((this.traces.length > 0 || this.inputTraces.length > 0) && this.stepIndex % this.traceEverySteps === 0) this.sampleEvery();
    }
    return found;
  }

  /**
   * Stimuli with a state of their own cannot be copied: build each again and run it, on a scratch
   * input, through the steps before `step`, so it draws the same numbers from there on.
   */
  private windStimuliTo(step: number): void {
    const dt = this.scenario.dtMs;
    for (const entry of this.statefulStimuli) {
      const fresh = entry.rebuild();
      const scratch = new Float64Array(entry.population.size);
      for (let s = 0; s < step; s++) {
        fresh.add(scratch, s * dt, dt);
        if ((s & 0xffff) === 0xffff) scratch.fill(0);
      }
      entry.population.replaceStimulus(entry.stimulus, fresh);
      entry.stimulus = fresh;
    }
  }

  /** Everything recorded since the last drain. */
  drain(): Frame {
    const everyMs = this.traceEverySteps * this.scenario.dtMs;
    const timeMs = new Column((n) => new Float64Array(n));
    const neuron = new Column((n) => new Int32Array(n));
    let spikes: Frame['spikes'];
    if (this.populations.length === 1) {
      spikes = { timeMs: this.populations[0].spikes.times.take(), neuron: this.populations[0].spikes.neurons.take() };
    } else {
      for (const pop of this.populations) {
        const t = pop.spikes.times.take();
        const i = pop.spikes.neurons.take();
        for (let k = 0; k < t.length; k++) {
          timeMs.push(t[k]);
          neuron.push(i[k]);
        }
      }
      spikes = { timeMs: timeMs.take(), neuron: neuron.take() };
    }
    const traces: TraceFrame[] = [];
    // The state traces in scenario order, then the inputs in force (record/currents.ts counts on it).
    for (const tr of [...this.traces, ...this.inputTraces.map((t) => t.recorder)]) {
      tr.neurons.forEach((n, k) => {
        traces.push({ population: tr.population, variable: tr.variable, neuron: n, startMs: this.traceStartMs, everyMs, values: tr.columns[k].take() });
      });
    }
    const frame: Frame = { startMs: this.drainedUpToMs, endMs: this.timeMs, spikes, traces };
    this.drainedUpToMs = this.timeMs;
    // What was handed over cannot be recorded again: steps before this point are not run again.
    this.snapshotStale = true;
    // The next frame's first sample is the one after the last sample taken.
    this.traceStartMs = (Math.floor(this.stepIndex / this.traceEverySteps) + 1) * everyMs;
    return frame;
  }

  /**
   * Set state variables of every neuron of a population now (`given`: state index and value,
   * checked by the caller), refractory periods ended so it runs from the new state at once. The
   * staggered method keeps every variable but the leader (v) half a step ahead: the variables just
   * set move on by half a step from the state as it now is, as Population.staggerStart does at t = 0.
   */
  setState(populationName: string, given: [number, number][]): void {
    const pop = this.population(populationName);
    for (const [index, value] of given) pop.state[index].fill(value);
    pop.refractoryUntil.fill(-Infinity);
    this.snapshotStale = true;
    const model = pop.model;
    const leader = model.threshold.index;
    const moved = pop.method === 'staggered' ? given.map(([index]) => index).filter((k) => k !== leader) : [];
    if (moved.length === 0) return;
    const evaluator = new PointEvaluator(model);
    const f = moved.map((k) => evaluator.compile(model.equations[k].rhs));
    const a = moved.map((k) => evaluator.compile(model.equations[k].selfCoefficient!));
    const h = this.scenario.dtMs / 2;
    const point = new Float64Array(model.stateNames.length);
    const next = new Float64Array(moved.length);
    for (let i = 0; i < pop.size; i++) {
      for (let k = 0; k < point.length; k++) point[k] = pop.state[k][i];
      evaluator.set(pop.parameters, point, pop.input[i]);
      moved.forEach((k, q) => (next[q] = point[k] + h * f[q](evaluator.values) * exprel(a[q](evaluator.values) * h)));
      moved.forEach((k, q) => (pop.state[k][i] = next[q]));
    }
  }

  /**
   * Change parameters of a population while it runs (validated like a scenario field). These are
   * the values given: blockers and ion concentrations apply on top of them as before.
   */
  setParameters(populationName: string, overrides: Record<string, unknown>): void {
    const pop = this.population(populationName);
    const index = this.populations.indexOf(pop);
    const current: Record<string, number> = {};
    pop.model.parameterNames.forEach((name, k) => (current[name] = this.given[index].values[k]));
    const values = resolveParameters(pop.model, { ...current, ...overrides }, `populations[${index}].parameters`);
    this.setGiven(index, values, this.given[index].modifiers, overrides);
  }

  /**
   * Change a population's blockers (fractions by blocker or conductance, merged into those in
   * force; 0 unblocks) or ion concentrations (by ion, merged), validated like its scenario fields.
   * Returns them as they now stand, keyed as the scenario keys them.
   */
  setModifiers(populationName: string, change: { blockers?: Record<string, unknown>; ions?: Record<string, unknown> }): ParameterModifiers {
    const pop = this.population(populationName);
    const index = this.populations.indexOf(pop);
    const field = `populations[${index}]`;
    const now = this.given[index].modifiers;
    const blockers = change.blockers === undefined ? now.blockers : { ...now.blockers, ...resolveBlockers(pop.model, change.blockers, `${field}.blockers`) };
    let ions: IonSettings = now.ions;
    if (change.ions !== undefined) {
      const given = resolveIons(pop.model, change.ions, `${field}.ions`);
      ions = structuredClone(now.ions);
      for (const [ion, values] of Object.entries(given)) ions[ion] = { ...ions[ion], ...values };
    }
    const modifiers = { blockers, ions };
    this.setGiven(index, this.given[index].values, modifiers);
    return modifiers;
  }

  /** The values given to a population and the modifiers on them, as they stand. */
  givenParameters(populationName: string): { values: Float64Array; modifiers: ParameterModifiers } {
    const g = this.given[this.populations.indexOf(this.population(populationName))];
    return { values: Float64Array.from(g.values), modifiers: structuredClone(g.modifiers) };
  }

  /** `changed`: the parameters the user set now, named where a derived value they make is refused. */
  private setGiven(index: number, values: Float64Array, modifiers: ParameterModifiers, changed: Record<string, unknown> = {}): void {
    const pop = this.populations[index];
    const field = `populations[${index}]`;
    const effective = effectiveParameters(pop.model, values, modifiers, `${field}.ions`); // refused before anything changes
    // As when the scenario was loaded: a threshold, reset, initial value or noise mapping these make not finite is refused.
    checkDerivedValues(pop.model, effective, field, changed);
    pop.setParameters(effective, field);
    this.given[index] = { values: Float64Array.from(values), modifiers };
    this.snapshotStale = true;
  }

  /**
   * Change scenario.stimuli[index] from the next step on, to `spec` (validated, same type,
   * population and targets). Applies only where the stimulus depends on the time alone and stays
   * static or time-varying as it was: the run is then, from here on, the run of a scenario built
   * with `spec`, to the bit. Returns false, changing nothing, where it cannot (a stimulus with a
   * random stream or state of its own changes on a rebuild).
   */
  setStimulus(index: number, spec: CurrentStimulusSpec | VoltageClampSpec): boolean {
    const clamp = this.clamps.get(index);
    if (clamp || spec.type === 'voltageClamp') {
      const old = this.scenario.stimuli[index];
      // The command and the series resistance apply from the next step; how the run starts applies on reset.
      if (!clamp || spec.type !== 'voltageClamp' || old.population !== spec.population || (old as VoltageClampSpec).settle !== spec.settle) return false;
      clamp.setSpec(spec);
      this.scenario.stimuli[index] = spec;
      this.snapshotStale = true;
      return true;
    }
    const entry = this.stimuli[index];
    const old = this.scenario.stimuli[index];
    if (!entry || !old || old.population !== spec.population || !TIME_ONLY_STIMULI.has(spec.type) || !TIME_ONLY_STIMULI.has(old.type)) return false;
    if (JSON.stringify(old.targets ?? 'all') !== JSON.stringify(spec.targets ?? 'all')) return false;
    const fresh = this.stimulusFor(entry.population, spec, entry.targets, entry.seed);
    if (fresh.whiteNoise || entry.stimulus.whiteNoise) return false;
    // Another protocol (a step becomes a ramp, say): both depend on the time alone, so the run
    // from here on is the run with the new one; it joins the end of its list if it is of the other kind.
    if (fresh.isStatic === entry.stimulus.isStatic) entry.population.replaceStimulus(entry.stimulus, fresh);
    else {
      entry.population.removeStimulus(entry.stimulus);
      entry.population.addStimulus(fresh);
    }
    entry.stimulus = fresh;
    this.scenario.stimuli[index] = spec;
    this.snapshotStale = true;
    return true;
  }

  /**
   * Change the rate (Hz per source) and weight of scenario.stimuli[index], a poissonInput, from the
   * next step (validated by the caller): its random stream goes on. Returns false where it is not one.
   */
  setPoissonInput(index: number, rateHz: number, weight: number): boolean {
    const old = this.scenario.stimuli[index];
    if (!old || old.type !== 'poissonInput') return false;
    const k = this.scenario.stimuli.slice(0, index).filter((s) => s.type === 'poissonInput' && s.population === old.population).length;
    this.population(old.population).setPoissonInput(k, old.sources, rateHz, weight);
    this.scenario.stimuli[index] = { ...old, rateHz, weight };
    this.snapshotStale = true;
    return true;
  }

  /**
   * Set one weight for every synapse of projection `index` from the next spike on, where the
   * weights are read at each spike (a delayed projection, or one the JS loop delivers). Returns
   * false, changing nothing, where the weight is compiled into the target's WebAssembly loop.
   */
  setProjectionWeight(index: number, weight: number): boolean {
    const projection = this.projections[index];
    if (!projection || !projection.setWeight(weight)) return false;
    const spec = this.scenario.projections![index];
    this.scenario.projections![index] = { ...spec, weight };
    this.snapshotStale = true;
    return true;
  }

  /**
   * A stimulus on top of the scenario's, on from the next step until removed (the page's poke):
   * not part of the scenario. `spec` is validated by the caller; its input depends on the time alone.
   */
  addStimulus(spec: CurrentStimulusSpec): Stimulus {
    if (!TIME_ONLY_STIMULI.has(spec.type)) throw new Error(`internal: an extra stimulus depends on the time alone, not ${spec.type}`);
    const pop = this.population(spec.population);
    const fullSize = this.fullSizes[this.populations.indexOf(pop)];
    const targets = spec.targets === undefined || spec.targets === 'all' ? Int32Array.from({ length: fullSize }, (_, i) => i) : Int32Array.from(spec.targets);
    const stimulus = this.stimulusFor(pop, spec, targets, 0);
    pop.addStimulus(stimulus);
    this.snapshotStale = true;
    return stimulus;
  }

  /** Take away a stimulus addStimulus added: the input is again what it was without it, to the bit. */
  removeStimulus(populationName: string, stimulus: Stimulus): void {
    this.population(populationName).removeStimulus(stimulus);
    this.snapshotStale = true;
  }

  /**
   * Inject `amplitude` (the model's input unit) into the listed neurons of a population, or into
   * all of them, until the next call; 0 stops it. Checked like a scenario field. It is an extra
   * constant stimulus (addStimulus), replaced at each call.
   */
  inject(populationName: string, amplitude: number, neurons?: number[]): void {
    const pop = this.populations.find((p) => p.name === populationName);
    if (!pop) throw new InputError('population', `${JSON.stringify(String(populationName).slice(0, 40))} is not a population of this scenario (populations: ${this.populations.map((p) => p.name).join(', ')})`);
    const unit = pop.model.file.input.unit;
    if (typeof amplitude !== 'number' || !Number.isFinite(amplitude) || Math.abs(amplitude) > 1e6) {
      throw new InputError('amplitude', `must be a number in [-1e6, 1e6] ${unit}, got ${String(amplitude)}`);
    }
    neurons?.forEach((i, k) => {
      if (!Number.isInteger(i) || i < 0 || i >= pop.size) throw new InputError(`neurons[${k}]`, `${String(i)} is not a neuron of ${pop.name} (0..${pop.size - 1})`);
    });
    const old = this.injected.get(pop);
    if (old) this.removeStimulus(pop.name, old);
    this.injected.delete(pop);
    if (amplitude !== 0) this.injected.set(pop, this.addStimulus({ type: 'constant', population: pop.name, amplitude, ...(neurons ? { targets: [...new Set(neurons)] } : {}) }));
  }

  stats(): RunStats {
    const seconds = this.timeMs / 1000;
    const populations = this.populations.map((p) => ({
      name: p.name,
      size: p.size,
      spikeCount: p.spikes.total,
      meanRateHz: seconds > 0 ? p.spikes.total / p.size / seconds : 0,
    }));
    const spikeCount = populations.reduce((a, p) => a + p.spikeCount, 0);
    const neurons = populations.reduce((a, p) => a + p.size, 0);
    const stats: RunStats = { spikeCount, meanRateHz: seconds > 0 ? spikeCount / neurons / seconds : 0, populations };
    const notKept = this.populations.reduce((a, p) => a + p.spikes.notKept, 0);
    if (notKept > 0) stats.spikesNotKept = notKept;
    const window = this.scenario.record.rateWindowMs;
    if (window) {
      // The rate within the window so far (the part of it already simulated).
      const elapsedMs = Math.min(this.timeMs, window[1]) - window[0];
      let inWindow = 0;
      for (const p of this.populations) for (const c of p.spikes.windowCounts) inWindow += c;
      stats.window = { startMs: window[0], stopMs: window[1], meanRateHz: elapsedMs > 0 ? (inWindow / neurons) * (1000 / elapsedMs) : 0 };
    }
    return stats;
  }

  /** Synapses held, and the bytes each takes (target index, and weight and delay where they vary). */
  networkInfo(): { synapses: number; bytesPerSynapse: number; projections: { name: string; synapses: number; bytesPerSynapse: number }[] } {
    const projections = this.projections.map((p) => ({ name: p.name, synapses: p.synapses, bytesPerSynapse: p.bytesPerSynapse }));
    const synapses = projections.reduce((a, p) => a + p.synapses, 0);
    const bytes = projections.reduce((a, p) => a + p.synapses * p.bytesPerSynapse, 0);
    return { synapses, bytesPerSynapse: synapses > 0 ? bytes / synapses : 0, projections };
  }

  /** Per-neuron spike counts in the scenario's rate window, per population. */
  windowCounts(): { name: string; counts: Int32Array }[] {
    return this.populations.map((p) => ({ name: p.name, counts: p.spikes.windowCounts }));
  }
}
