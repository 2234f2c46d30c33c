// build(scenario) -> advance(ms) -> drain(): the simulation core the CLI, the worker and the
// tests all run. No DOM, no worker globals.
import { InputError, SimulationError } from './errors.js';
import { compileKernel, type CompiledKernel } from './codegen/kernel.js';
import { linearPropagator } from './integrate/propagator.js';
import { PointEvaluator } from './model/evaluate.js';
import { exprel } from './codegen/expression.js';
import { parameterEvaluator, resolveParameters, type LoadedModel, type MethodName } from './model/loadModel.js';
import { createStimulus, type Stimulus } from './stimulus/stimuli.js';
import { Random, streamSeed } from './random.js';
import { SpikeRecorder, TraceRecorder, Column } from './record/recorders.js';
import { validateScenario, type Scenario, type ValidScenario } from '../scenario/scenario.js';

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

// Kernels are compiled once per loaded model and method.
const kernelCache = new WeakMap<LoadedModel, Map<string, CompiledKernel>>();
function kernelFor(model: LoadedModel, method: MethodName, noise: boolean): CompiledKernel {
  let byMethod = kernelCache.get(model);
  if (!byMethod) kernelCache.set(model, (byMethod = new Map()));
  const key = `${method}${noise ? '+noise' : ''}`;
  let kernel = byMethod.get(key);
  if (!kernel) byMethod.set(key, (kernel = compileKernel(model, method, noise)));
  return kernel;
}

class Population {
  readonly state: Float64Array[];
  readonly input: Float64Array;
  private readonly staticInput: Float64Array;
  readonly refractoryUntil: Float64Array;
  private K: Float64Array = new Float64Array(0);
  private KP: Float64Array = new Float64Array(0);
  private matrix = new Float64Array(0);
  private offsetVector = new Float64Array(0);
  private inputVector = new Float64Array(0);
  private kernel: CompiledKernel | null = null;
  /** White noise drawn inside the kernel: summed variance per neuron, its scale for dt, RNG state. */
  private noiseVariance: Float64Array | null = null;
  private noiseScale = new Float64Array(0);
  private readonly noiseState = new Int32Array(4);
  private readonly staticStimuli: Stimulus[] = [];
  private readonly dynamicStimuli: Stimulus[] = [];
  private preparedDt = NaN;
  readonly prop: (h: number, pinned: boolean) => Float64Array;

  constructor(
    readonly name: string,
    readonly model: LoadedModel,
    readonly size: number,
    readonly offset: number,
    public parameters: Float64Array,
    readonly method: MethodName,
    initialOverrides: Record<string, number>,
    readonly spikes: SpikeRecorder,
  ) {
    const ns = model.stateNames.length;
    const initial = new PointEvaluator(model).initialState(parameters);
    for (const [name, value] of Object.entries(initialOverrides)) initial[model.stateNames.indexOf(name)] = value;
    this.state = model.stateNames.map((_, k) => new Float64Array(size).fill(initial[k]));
    this.input = new Float64Array(size);
    this.staticInput = new Float64Array(size);
    this.refractoryUntil = new Float64Array(size).fill(-Infinity);
    const held = model.refractory?.clamp ?? [];
    this.prop = (h, pinned) => linearPropagator(this.matrix, this.offsetVector, this.inputVector, ns, h, pinned ? held : []);
    this.prepareLinear();
  }

  /** Numeric coefficients of the exact method for the current parameters. */
  private prepareLinear(): void {
    const linear = this.model.linear;
    if (this.method !== 'exact' || !linear) return;
    const evaluate = (node: Parameters<typeof parameterEvaluator>[1]) => parameterEvaluator(this.model, node)(this.parameters);
    this.matrix = Float64Array.from(linear.matrix.flatMap((row) => row.map(evaluate)));
    this.offsetVector = Float64Array.from(linear.offset.map(evaluate));
    this.inputVector = Float64Array.from(linear.inputCoefficient.map(evaluate));
  }

  /** Coefficients for whole steps of dt: exact propagators, or the staggered rate table. */
  private prepareStep(dt: number): void {
    this.preparedDt = dt;
    this.kernel ??= kernelFor(this.model, this.method, this.noiseVariance !== null);
    // sigma is the std of the current averaged over 1 ms: a step of dt draws sigma * sqrt(1 ms / dt).
    if (this.noiseVariance) this.noiseScale = this.noiseVariance.map((variance) => Math.sqrt(variance / dt));
    if (this.method === 'exact') {
      this.K = this.prop(dt, false);
      this.KP = this.prop(dt, true);
    } else if (this.method === 'staggered' && this.model.rateTable) {
      this.K = buildRateTable(this.model, this.parameters, dt);
    }
  }

  addStimulus(stimulus: Stimulus): void {
    const noise = stimulus.whiteNoise;
    if (noise) {
      // Independent white noises add their variances; the means join the static input.
      if (!this.noiseVariance) {
        this.noiseVariance = new Float64Array(this.size);
        new Random(noise.seed).saveState(this.noiseState);
      }
      for (let k = 0; k < noise.targets.length; k++) {
        this.staticInput[noise.targets[k]] += noise.mean[k];
        this.noiseVariance[noise.targets[k]] += noise.sigma[k] * noise.sigma[k];
      }
      this.preparedDt = NaN;
    } else if (stimulus.isStatic) {
      stimulus.add(this.staticInput, 0, 1);
      this.staticStimuli.push(stimulus);
    } else this.dynamicStimuli.push(stimulus);
    this.input.set(this.staticInput);
  }

  /** Half a step for the variables the staggered scheme keeps ahead of v (done once at t = 0). */
  staggerStart(dt: number): void {
    if (this.method !== 'staggered') return;
    const model = this.model;
    const evaluator = new PointEvaluator(model);
    const leader = model.threshold.index;
    const f = model.equations.map((eq) => evaluator.compile(eq.rhs));
    const a = model.equations.map((eq) => evaluator.compile(eq.selfCoefficient!));
    const ns = model.stateNames.length;
    const point = new Float64Array(ns);
    const h = dt / 2;
    for (let i = 0; i < this.size; i++) {
      for (let k = 0; k < ns; k++) point[k] = this.state[k][i];
      evaluator.set(this.parameters, point, this.input[i]);
      for (let k = 0; k < ns; k++) {
        if (k === leader) continue;
        this.state[k][i] = point[k] + h * f[k](evaluator.values) * exprel(a[k](evaluator.values) * h);
      }
    }
  }

  setParameters(values: Float64Array): void {
    this.parameters = values;
    this.prepareLinear();
    this.preparedDt = NaN; // rebuild propagators or rate tables with the new values
  }

  step(t: number, dt: number): void {
    if (this.dynamicStimuli.length > 0) {
      this.input.set(this.staticInput);
      for (const s of this.dynamicStimuli) s.add(this.input, t, dt);
    }
    if (dt !== this.preparedDt) this.prepareStep(dt);
    this.kernel!.step(this.size, t, dt, this.state, this.input, this.parameters, this.refractoryUntil, this.K, this.KP, this.prop, this.spikes, this.noiseScale, this.noiseState);
  }

  /** Find the first neuron whose state is not finite or leaves the model's bounds. */
  checkHealth(timeMs: number): void {
    const { model } = this;
    if (this.spikes.overflowAt) {
      const { neuron, timeMs: at } = this.spikes.overflowAt;
      throw new SimulationError(this.name, at, `neuron ${neuron} fired more than 16 times within one step; the step is too large for this model or its reset does not bring it below threshold`);
    }
    for (let k = 0; k < model.stateNames.length; k++) {
      const values = this.state[k];
      const bound = model.bounds.find((b) => b.index === k);
      const low = bound ? bound.low : -Infinity;
      const high = bound ? bound.high : Infinity;
      for (let i = 0; i < this.size; i++) {
        const x = values[i];
        if (!(x >= low && x <= high)) {
          const name = model.stateNames[k];
          const what = Number.isNaN(x) ? 'is NaN' : !Number.isFinite(x) ? `is ${x}` : `= ${x.toPrecision(4)} ${model.file.state[name].unit} left its range [${low}, ${high}]`;
          throw new SimulationError(this.name, timeMs, `${name} of neuron ${i} ${what}: the run blew up (try a smaller dtMs or method ${model.methods.exact === true ? 'exact' : 'rk4'})`);
        }
      }
    }
  }
}

/**
 * Tabulate each gate's whole-step update x <- E(v) x + B(v) over the leader v:
 * [from, 1/step, cells, E_0(v0), B_0(v0), E_1(v0), ..., E_0(v1), ...].
 */
function buildRateTable(model: LoadedModel, parameters: Float64Array, dt: number): Float64Array {
  const table = model.rateTable!;
  const evaluator = new PointEvaluator(model);
  const a = table.gates.map((g) => evaluator.compile(g.coefficient));
  const b = table.gates.map((g) => evaluator.compile(g.offset));
  const points = Math.floor((table.to - table.from) / table.step + 1e-9) + 1;
  const stride = 2 * table.gates.length;
  const out = new Float64Array(3 + points * stride);
  out[0] = table.from;
  out[1] = 1 / table.step;
  out[2] = points - 1;
  const state = new Float64Array(model.stateNames.length);
  for (let p = 0; p < points; p++) {
    state[model.threshold.index] = table.from + p * table.step;
    evaluator.set(parameters, state, 0);
    table.gates.forEach((_, g) => {
      const coefficient = a[g](evaluator.values);
      out[3 + p * stride + 2 * g] = Math.exp(coefficient * dt);
      out[3 + p * stride + 2 * g + 1] = b[g](evaluator.values) * dt * exprel(coefficient * dt);
    });
  }
  return out;
}

export interface RunStats {
  spikeCount: number;
  meanRateHz: number;
  populations: { name: string; size: number; spikeCount: number; meanRateHz: number }[];
}

export class Simulation {
  readonly scenario: Scenario;
  readonly populations: Population[];
  private readonly traces: TraceRecorder[];
  private readonly traceEverySteps: number;
  private stepIndex = 0;
  private readonly totalSteps: number;
  private drainedUpToMs = 0;
  private traceStartMs = 0;
  /** Check for blow-ups at least this often (steps). */
  private readonly healthEverySteps: number;
  private failure: SimulationError | null = null;

  constructor(valid: ValidScenario) {
    const { scenario } = valid;
    this.scenario = scenario;
    const window = scenario.record.rateWindowMs;
    let offset = 0;
    this.populations = valid.populations.map((p) => {
      const recorder = new SpikeRecorder(offset, p.spec.size, scenario.record.spikes !== false, window?.[0], window?.[1]);
      const pop = new Population(p.spec.name, p.model, p.spec.size, offset, p.parameters, p.method, p.initial, recorder);
      offset += p.spec.size;
      return pop;
    });
    scenario.stimuli.forEach((spec, k) => {
      const pop = this.population(spec.population);
      const targets = spec.targets === undefined || spec.targets === 'all' ? Int32Array.from({ length: pop.size }, (_, i) => i) : Int32Array.from(spec.targets);
      pop.addStimulus(createStimulus(spec, targets, streamSeed(scenario.seed, k)));
    });
    for (const pop of this.populations) pop.staggerStart(scenario.dtMs);
    this.traces = (scenario.record.traces ?? []).map((tr) => {
      const pop = this.population(tr.population);
      const index = pop.model.stateNames.indexOf(tr.variable);
      const bound = pop.model.bounds.find((b) => b.index === index);
      return new TraceRecorder(tr.population, tr.variable, index, tr.neurons, bound?.low ?? -Infinity, bound?.high ?? Infinity);
    });
    this.traceEverySteps = Math.max(1, Math.round((scenario.record.traceEveryMs ?? scenario.dtMs) / scenario.dtMs));
    this.totalSteps = Math.round(scenario.durationMs / scenario.dtMs);
    this.healthEverySteps = Math.max(1, Math.round(10 / scenario.dtMs));
    for (const tr of this.traces) tr.sample(this.population(tr.population).state);
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
    return this.stepIndex >= this.totalSteps;
  }

  /**
   * Advance by up to `ms` of simulated time (never past the scenario's duration). Throws
   * SimulationError, and refuses to go on, if the state blows up.
   */
  advance(ms: number = this.scenario.durationMs): void {
    if (this.failure) throw this.failure;
    const dt = this.scenario.dtMs;
    const target = Math.min(this.totalSteps, this.stepIndex + Math.max(0, Math.round(ms / dt)));
    const pops = this.populations;
    const traces = this.traces;
    try {
      while (this.stepIndex < target) {
        const t = this.stepIndex * dt;
        for (let p = 0; p < pops.length; p++) pops[p].step(t, dt);
        this.stepIndex++;
        if (traces.length > 0 && this.stepIndex % this.traceEverySteps === 0) {
          let finite = true;
          for (const tr of traces) finite = tr.sample(this.population(tr.population).state) && finite;
          // A traced value gone bad is checked at once, so no garbage reaches a frame.
          if (!finite) for (const pop of pops) pop.checkHealth(this.timeMs);
        }
        if (this.stepIndex % this.healthEverySteps === 0) for (const pop of pops) pop.checkHealth(this.timeMs);
      }
      for (const pop of pops) pop.checkHealth(this.timeMs);
    } catch (err) {
      if (err instanceof SimulationError) this.failure = err;
      throw err;
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
    for (const tr of this.traces) {
      tr.neurons.forEach((n, k) => {
        traces.push({ population: tr.population, variable: tr.variable, neuron: n, startMs: this.traceStartMs, everyMs, values: tr.columns[k].take() });
      });
    }
    const frame: Frame = { startMs: this.drainedUpToMs, endMs: this.timeMs, spikes, traces };
    this.drainedUpToMs = this.timeMs;
    // The next frame's first sample is the one after the last sample taken.
    this.traceStartMs = (Math.floor(this.stepIndex / this.traceEverySteps) + 1) * everyMs;
    return frame;
  }

  /** Change parameters of a population while it runs (validated like a scenario field). */
  setParameters(populationName: string, overrides: Record<string, unknown>): void {
    const pop = this.population(populationName);
    const index = this.populations.indexOf(pop);
    const current: Record<string, number> = {};
    pop.model.parameterNames.forEach((name, k) => (current[name] = pop.parameters[k]));
    const values = resolveParameters(pop.model, { ...current, ...overrides }, `populations[${index}].parameters`);
    pop.setParameters(values);
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
    return { spikeCount, meanRateHz: seconds > 0 ? spikeCount / neurons / seconds : 0, populations };
  }

  /** Per-neuron spike counts in the scenario's rate window, per population. */
  windowCounts(): { name: string; counts: Int32Array }[] {
    return this.populations.map((p) => ({ name: p.name, counts: p.spikes.windowCounts }));
  }
}

/** Validate and build in one go. */
export function buildSimulation(raw: unknown): Simulation {
  return new Simulation(validateScenario(raw));
}
