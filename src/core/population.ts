// A population: N neurons of one model, their state as struct-of-arrays Float64Arrays, their
// inputs, and the compiled kernel that advances them. Inputs are stimuli (a static part summed
// once, in order, and time-varying ones each step), Poisson inputs, and synaptic arrivals; the
// projections onto it are seen only through network/arrivalRing.ts.
import { InputError, SimulationError } from './errors.js';
import { compileKernel, type CompiledKernel, type KernelOptions } from './codegen/kernel.js';
import { linearPropagator, PropagatorSeries } from './integrate/propagator.js';
import { linearSystem } from './integrate/linearSystem.js';
import { PointEvaluator } from './model/evaluate.js';
import { exprel, symbolsOf } from './codegen/expression.js';
import { parameterEvaluator, type LoadedModel, type MethodName } from './model/loadModel.js';
import type { Stimulus } from './stimulus/stimuli.js';
import type { VoltageClamp } from './stimulus/clamp.js';
import { BlockNormals, blockSeed, Random, RANDOM_BLOCK_NEURONS, type PoissonTable } from './random.js';
import type { SpikeRecorder, SpikeRecorderSnapshot } from './record/recorders.js';
import { ArrivalRing, type InstantInput } from './network/arrivalRing.js';
import { linearTerms } from './codegen/kernel.js';
import { compileWasmKernel, wasmEligible, type WasmKernel, type WasmSlowPath } from './codegen/wasmKernel.js';
import type { InitialValue } from './scenarioSpec.js';
import type { SpikeGenerator } from './network/spikeSource.js';

// Kernels are compiled once per loaded model and method.
const kernelCache = new WeakMap<LoadedModel, Map<string, CompiledKernel>>();
function kernelFor(model: LoadedModel, method: MethodName, options: KernelOptions): CompiledKernel {
  let byMethod = kernelCache.get(model);
  if (!byMethod) kernelCache.set(model, (byMethod = new Map()));
  const key = `${method}|${options.noise ? 'noise' : ''}|${(options.arrivals ?? []).join(',')}`;
  let kernel = byMethod.get(key);
  if (!kernel) byMethod.set(key, (kernel = compileKernel(model, method, options)));
  return kernel;
}

/**
 * The arrays handed to a compiled kernel, always with the same V8 map (PACKED_ELEMENTS). Array.map
 * sometimes gives a HOLEY array instead, and a kernel optimised for one kind deoptimised at the
 * other and ran a whole COBA run unoptimised (1.1 s instead of 0.6 s, one run in three).
 */
function packed<T>(items: T[]): T[] {
  const out: T[] = [];
  for (const item of items) out.push(item);
  return out;
}

/** How a population may run: `wasm: false` keeps the JS kernel (for comparison and benchmarks). */
export interface PopulationOptions {
  wasm?: boolean;
  /**
   * This population holds neurons [start, start + size) of a population of fullSize (one thread's
   * share of a run split across threads, parallel/partition.ts). Initial values are drawn for
   * the whole population and this part kept; per-step random streams follow blocks of neurons.
   */
  slice?: { start: number; fullSize: number };
}

/** What the steps change in a population, copied so a stretch of steps can be run again exactly. */
export interface PopulationSnapshot {
  state: Float64Array[];
  refractoryUntil: Float64Array;
  rings: Float64Array[];
  /** The numeric state of each random stream the population draws from itself. */
  randoms: Record<string, number>[];
  spikes: SpikeRecorderSnapshot;
  /** A spike source's cursors. */
  generator?: Float64Array[];
}

/** A random generator's state is its own numeric fields (xoshiro128**'s four words). */
function saveNumbers(from: object, into: Record<string, number>): Record<string, number> {
  for (const [key, value] of Object.entries(from)) if (typeof value === 'number') into[key] = value;
  return into;
}

const METHOD_PREFERENCE: MethodName[] = ['exact', 'staggered', 'exponential_euler', 'rk4', 'euler'];

/** A value in a message: short, and exact for small integers. */
function shown(x: number): string {
  return Number.isInteger(x) && Math.abs(x) < 1e6 ? String(x) : Number(x.toPrecision(6)).toString();
}

export class Population {
  /** State per variable. With the WebAssembly kernel these are views of its memory (moved there on the first step). */
  readonly state: Float64Array[];
  input: Float64Array;
  private readonly staticInput: Float64Array;
  refractoryUntil: Float64Array;
  private K: Float64Array = new Float64Array(0);
  private KP: Float64Array = new Float64Array(0);
  private matrix = new Float64Array(0);
  private offsetVector = new Float64Array(0);
  private inputVector = new Float64Array(0);
  private kernel: CompiledKernel | null = null;
  private wasm: WasmKernel | null = null;
  private wasmTried = false;
  /** The slow path in WebAssembly, when the model and the current parameters allow it. */
  private wasmSlow: WasmSlowPath | null = null;
  /** White noise drawn inside the kernel: summed variance per neuron, its scale for dt, RNG state. */
  private noiseVariance: Float64Array | null = null;
  private noiseScale = new Float64Array(0);
  private noiseRandom: BlockNormals | null = null;
  private readonly noiseScratch = new Float64Array(RANDOM_BLOCK_NEURONS);
  /** Stimuli whose input is the same every step, and white noise drawn in the kernel (its mean is static), in the order added. */
  private readonly staticStimuli: Stimulus[] = [];
  private readonly dynamicStimuli: Stimulus[] = [];
  /** Voltage clamps: each injects its input before the step (after the stimuli) and sets v after it. */
  readonly clamps: VoltageClamp[] = [];
  private preparedDt = NaN;
  /** Synaptic arrivals per state variable, and Poisson spike inputs that kick a variable. */
  readonly rings: ArrivalRing[] = [];
  private scratchCounts = new Int32Array(0);
  /** The rings' arrays as the kernel takes them, kept in step with `rings` (no per-step allocation). */
  private ringData: Float64Array[] = [];
  /** Projections without delay onto this population: in WebAssembly it holds their synapses and adds their events. */
  private readonly instantInputs: InstantInput[] = [];
  /** Each Poisson input draws from one stream per block of RANDOM_BLOCK_NEURONS neurons (random.ts), for the targets in that block. */
  private readonly poissonInputs: { variable: number; blocks: { targets: Int32Array; random: Random }[]; meanPerMs: number; weight: number; dt: number; table: PoissonTable | null }[] = [];
  /** Exact propagators for partial steps (spikes and refractory ends inside a step). */
  readonly prop: (h: number, pinned: boolean) => Float64Array;
  private partial: PropagatorSeries | null = null;
  private partialHeld: PropagatorSeries | null = null;

  constructor(
    readonly name: string,
    readonly model: LoadedModel,
    readonly size: number,
    readonly offset: number,
    public parameters: Float64Array,
    readonly method: MethodName,
    initialOverrides: Record<string, InitialValue>,
    seed: number,
    readonly spikes: SpikeRecorder,
    private readonly options: PopulationOptions = {},
  ) {
    const initial = new PointEvaluator(model).initialState(parameters);
    this.state = packed(model.stateNames.map((_, k) => new Float64Array(size).fill(initial[k])));
    const random = new Random(seed);
    // A slice draws the whole population's initial values (one stream in neuron order) and keeps its part.
    const first = options.slice?.start ?? 0;
    const all = options.slice?.fullSize ?? size;
    const drawn = options.slice ? new Float64Array(all) : null;
    for (const [name, value] of Object.entries(initialOverrides)) {
      const x = this.state[model.stateNames.indexOf(name)];
      if (typeof value === 'number') {
        x.fill(value);
        continue;
      }
      const into = drawn ?? x;
      if ('uniform' in value) for (let i = 0; i < all; i++) into[i] = value.uniform[0] + (value.uniform[1] - value.uniform[0]) * random.uniform();
      else for (let i = 0; i < all; i++) into[i] = value.normal[0] + value.normal[1] * random.normal();
      if (drawn) x.set(drawn.subarray(first, first + size));
    }
    this.input = new Float64Array(size);
    this.staticInput = new Float64Array(size);
    this.refractoryUntil = new Float64Array(size).fill(-Infinity);
    this.prop = (h, pinned) => (pinned ? this.partialHeld! : this.partial!).at(h);
    this.prepareLinear();
  }

  /** Numeric coefficients of the exact method for the current parameters. */
  private prepareLinear(parameters = this.parameters): void {
    if (this.method !== 'exact' || !this.model.linear) return;
    // Refuses (InputError naming the equation) an equation the exact method cannot follow, before anything changes.
    ({ matrix: this.matrix, offset: this.offsetVector, input: this.inputVector } = linearSystem(this.model, parameters));
  }

  /**
   * Coefficients for whole steps of dt (exact propagators, or the staggered rate table), and the
   * compiled loop on first use. The simulation calls it while building, so a run's time is the run's.
   */
  prepareStep(dt: number): void {
    this.preparedDt = dt;
    if (this.generator) return;
    this.kernel ??= kernelFor(this.model, this.method, { noise: this.noiseVariance !== null, arrivals: this.rings.map((r) => r.variable) });
    if (!this.wasmTried) {
      this.wasmTried = true;
      // A slice runs the loop the whole population would run (eligibility by the whole size), so its numbers are the same.
      if (this.method === 'exact' && this.options.wasm !== false && this.size > 0 && wasmEligible(this.model, this.noiseVariance !== null, this.options.slice?.fullSize ?? this.size)) this.moveToWasm();
    }
    // sigma is the std of the current averaged over 1 ms: a step of dt draws sigma * sqrt(1 ms / dt).
    if (this.noiseVariance) {
      const v = this.noiseVariance;
      this.noiseScale = v.every((x) => x === v[0]) ? Float64Array.of(Math.sqrt(v[0] / dt)) : v.map((x) => Math.sqrt(x / dt));
    }
    if (this.method === 'exact') {
      const ns = this.model.stateNames.length;
      const held = this.model.refractory?.clamp ?? [];
      this.K = linearPropagator(this.matrix, this.offsetVector, this.inputVector, ns, dt);
      this.KP = linearPropagator(this.matrix, this.offsetVector, this.inputVector, ns, dt, held);
      // A free variable that depends on no held one moves the same during refractoriness: give
      // it K's row exactly, so the JS and WebAssembly kernels agree to the last bit.
      const { reaches } = linearTerms(this.model);
      for (let k = 0; k < ns; k++) {
        if (held.includes(k) || held.some((j) => reaches[k][j])) continue;
        for (let j = 0; j < ns; j++) this.KP[k * ns + j] = this.K[k * ns + j];
        this.KP[ns * ns + k] = this.K[ns * ns + k];
        this.KP[ns * ns + ns + k] = this.K[ns * ns + ns + k];
      }
      if (this.wasm) {
        const c = this.wasm.coefficients;
        c[0] = parameterEvaluator(this.model, this.model.threshold.level)(this.parameters);
        c.set(this.K, 1);
        c.set(this.KP, 1 + this.K.length);
      }
      this.partial = new PropagatorSeries(this.matrix, this.offsetVector, this.inputVector, ns, dt);
      this.partialHeld = new PropagatorSeries(this.matrix, this.offsetVector, this.inputVector, ns, dt, held);
      this.wasmSlow = this.wasm?.slowPath?.prepare(this.parameters, this.partial, this.partialHeld) ? this.wasm.slowPath : null;
    } else if ((this.method === 'staggered' || this.method === 'exponential_euler') && this.model.rateTable) {
      this.K = buildRateTable(this.model, this.parameters, dt);
    }
  }

  addStimulus(stimulus: Stimulus): void {
    const noise = stimulus.whiteNoise;
    if (noise) {
      // Independent white noises add their variances; the means join the static input.
      if (!this.noiseVariance) {
        this.noiseVariance = new Float64Array(this.size);
        // The kernel asks for normals a block of noiseScratch.length (= RANDOM_BLOCK_NEURONS) neurons at a time.
        const first = this.options.slice?.start ?? 0;
        if (first % RANDOM_BLOCK_NEURONS !== 0) throw new Error('internal: a slice with white noise starts at a block boundary');
        this.noiseRandom = new BlockNormals(noise.seed, first / RANDOM_BLOCK_NEURONS, Math.ceil(this.size / RANDOM_BLOCK_NEURONS));
      }
      for (let k = 0; k < noise.targets.length; k++) this.noiseVariance[noise.targets[k]] += noise.sigma[k] * noise.sigma[k];
      this.preparedDt = NaN;
    }
    if (noise || stimulus.isStatic) this.staticStimuli.push(stimulus);
    else this.dynamicStimuli.push(stimulus);
    this.refreshStatic();
  }

  /**
   * Take a stimulus away (an extra one, such as the page's poke). A white noise drawn in the
   * kernel cannot be taken away: its variance is part of the compiled loop.
   */
  removeStimulus(stimulus: Stimulus): void {
    if (stimulus.whiteNoise) throw new Error('internal: white noise drawn in the kernel stays');
    const list = stimulus.isStatic ? this.staticStimuli : this.dynamicStimuli;
    const k = list.indexOf(stimulus);
    if (k < 0) throw new Error('internal: not a stimulus of this population');
    list.splice(k, 1);
    this.refreshStatic();
  }

  /**
   * Swap a stimulus for another of the same kind (static for static, time-varying for
   * time-varying): a changed stimulus, or a copy wound to the same point. It takes the old one's
   * place, so the input is summed in the same order as in a run built with it.
   */
  replaceStimulus(old: Stimulus, fresh: Stimulus): void {
    if (!!old.whiteNoise || !!fresh.whiteNoise || old.isStatic !== fresh.isStatic) throw new Error('internal: a stimulus is replaced by one of the same kind');
    const list = old.isStatic ? this.staticStimuli : this.dynamicStimuli;
    const k = list.indexOf(old);
    if (k < 0) throw new Error('internal: not a stimulus of this population');
    list[k] = fresh;
    if (old.isStatic) this.refreshStatic();
  }

  /**
   * The static input summed again from the static stimuli and the means of kernel-drawn white
   * noise, in the order they were added: after a change or a removal it holds the very bits a run
   * built with those stimuli holds.
   */
  private refreshStatic(): void {
    this.staticInput.fill(0);
    for (const stimulus of this.staticStimuli) {
      const noise = stimulus.whiteNoise;
      if (noise) for (let k = 0; k < noise.targets.length; k++) this.staticInput[noise.targets[k]] += noise.mean[k];
      else stimulus.add(this.staticInput, 0, 1);
    }
    this.refreshInput();
  }

  /** The input before this step's time-varying stimuli: the static part. */
  private refreshInput(): void {
    this.input.set(this.staticInput);
    this.inputIsZero = this.dynamicStimuli.length === 0 && this.clamps.length === 0 && this.input.every((x) => x === 0);
  }

  /**
   * A voltage clamp on some of this population's neurons (stimulus/clamp.ts): it sets the state at
   * t = 0 (v at the command, the rest settled at the holding level, but for the variables in
   * `keep`), and from then on acts around every step.
   */
  addClamp(clamp: VoltageClamp, keep: Set<number>): void {
    this.clamps.push(clamp);
    clamp.start(this, keep);
    this.refreshInput();
  }

  private clampCurrents: Float64Array | null = null;

  /** The clamp current per neuron (NaN where no clamp acts), which every clamp on this population writes. */
  clampCurrent(): Float64Array {
    return (this.clampCurrents ??= new Float64Array(this.size).fill(NaN));
  }

  /** Each clamp's current at time t, into clampCurrent(), for the traces. */
  refreshClampCurrents(t: number): void {
    for (const clamp of this.clamps) clamp.refresh(this, t);
  }

  /** No stimulus or static input anywhere (a network driven by its synapses alone). */
  private inputIsZero = true;

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

  /**
   * Change parameters while running. `field` names the population in messages (a scenario path);
   * values the dynamics cannot use are refused before anything changes.
   */
  setParameters(values: Float64Array, field = `population "${this.name}"`): void {
    this.checkRefractory(field, values);
    this.prepareLinear(values);
    this.parameters = values;
    this.preparedDt = NaN; // rebuild propagators or rate tables with the new values
  }

  /**
   * The refractory period must be a finite number of ms >= 0 for these parameters: the kernels
   * add it to spike times, where a negative or NaN period would silently mean "none" and an
   * infinite one would make every neuron fire once. Checked at build and at every change.
   */
  checkRefractory(field: string, parameters: Float64Array = this.parameters): void {
    const refractory = this.model.refractory;
    if (!refractory) return;
    const periodMs = parameterEvaluator(this.model, refractory.period)(parameters);
    if (Number.isFinite(periodMs) && periodMs >= 0) return;
    const text = refractory.period.toString();
    const names = [...symbolsOf(refractory.period)];
    const values = names.map((name) => `${name} = ${shown(parameters[this.model.parameterNames.indexOf(name)])}`).join(', ');
    const where = names.length === 1 && text === names[0] ? `${field}.parameters.${names[0]}` : `${field}: refractory.period`;
    const what = names.length === 1 && text === names[0] ? `the refractory period ${text}` : `the refractory period "${text}" of model ${this.model.id}${values ? ` (with ${values})` : ''}`;
    throw new InputError(where, `${what} is ${Number.isNaN(periodMs) ? 'NaN' : shown(periodMs)} ms; it must be a finite number of ms, 0 or more`);
  }

  /** A spike source emits the spikes it is told to instead of integrating anything (network/spikeSource.ts). */
  private generator: SpikeGenerator | null = null;

  setGenerator(generator: SpikeGenerator): void {
    this.generator = generator;
  }

  /** Every random stream the population draws from itself, in a fixed order. */
  private randomStreams(): Random[] {
    return [...(this.noiseRandom?.streams ?? []), ...this.poissonInputs.flatMap((p) => p.blocks.map((b) => b.random))];
  }

  /** The first neuron this population holds of the whole population (0 unless it is one thread's slice). */
  get sliceStart(): number {
    return this.options.slice?.start ?? 0;
  }

  /** Copy what the steps change (state, refractory ends, pending arrivals, own random streams, spike records). */
  save(into: PopulationSnapshot | null): PopulationSnapshot {
    const randoms = this.randomStreams();
    const s: PopulationSnapshot = into ?? {
      state: this.state.map((x) => new Float64Array(x.length)),
      refractoryUntil: new Float64Array(this.size),
      rings: this.rings.map((r) => new Float64Array(r.data.length)),
      randoms: randoms.map(() => ({})),
      spikes: this.spikes.save(null),
    };
    this.state.forEach((x, k) => s.state[k].set(x));
    s.refractoryUntil.set(this.refractoryUntil);
    this.rings.forEach((r, k) => s.rings[k].set(r.data));
    randoms.forEach((r, k) => saveNumbers(r, s.randoms[k]));
    this.spikes.save(s.spikes);
    if (this.generator) s.generator = this.generator.save();
    return s;
  }

  /** Take over what the steps changed in `other`, the same population in another simulation of the same scenario. */
  adopt(other: Population): void {
    this.state.forEach((x, k) => x.set(other.state[k]));
    this.refractoryUntil.set(other.refractoryUntil);
    this.rings.forEach((r, k) => r.data.set(other.rings[k].data));
    const mine = this.randomStreams();
    other.randomStreams().forEach((r, k) => Object.assign(mine[k], saveNumbers(r, {})));
    this.spikes.adopt(other.spikes);
    if (this.generator && other.generator) this.generator.restore(other.generator.save());
  }

  restore(s: PopulationSnapshot): void {
    const randoms = this.randomStreams();
    // Into the arrays in place: with the WebAssembly kernel they are views of its memory.
    this.state.forEach((x, k) => x.set(s.state[k]));
    this.refractoryUntil.set(s.refractoryUntil);
    this.rings.forEach((r, k) => r.data.set(s.rings[k]));
    randoms.forEach((r, k) => Object.assign(r, s.randoms[k]));
    this.spikes.restore(s.spikes);
    if (this.generator && s.generator) this.generator.restore(s.generator);
  }

  /** Numbers a snapshot copies, to weigh how often one is worth taking. */
  get snapshotSize(): number {
    return this.size * (this.state.length + 1) + this.rings.reduce((a, r) => a + r.data.length, 0) + this.spikes.windowCounts.length;
  }

  /**
   * The ring for arrivals on `variable`, holding at least `slots` steps. All rings of a
   * population share one slot count, so the kernel reads them at one offset.
   */
  ring(variable: number, slots: number): ArrivalRing {
    if (this.wasmTried) throw new Error('internal: projections are built before the first step');
    const needed = Math.max(slots, ...this.rings.map((r) => r.slots));
    for (const r of this.rings) r.grow(needed);
    let ring = this.rings.find((r) => r.variable === variable);
    if (!ring) this.rings.push((ring = new ArrivalRing(variable, this.size, needed)));
    this.ringData = packed(this.rings.map((r) => r.data));
    return ring;
  }

  /** A projection without delay onto this population (registered while building, like rings). */
  addInstantInput(projection: InstantInput): void {
    if (this.wasmTried) throw new Error('internal: projections are built before the first step');
    this.instantInputs.push(projection);
  }

  /**
   * Run the fast loop as WebAssembly: state, input, refractory ends, rings and the synapses of
   * instant inputs move into its memory.
   */
  private moveToWasm(): void {
    const slots = this.rings.length > 0 ? this.rings[0].slots : 1;
    const held = this.model.refractory?.clamp ?? [];
    const instant = this.instantInputs.map((pr) => ({
      sources: pr.source.size,
      synapses: pr.synapses,
      variable: pr.variable,
      weight: typeof pr.weight === 'number' ? pr.weight : null,
      held: held.includes(pr.variable),
    }));
    const wasm = compileWasmKernel(this.model, this.rings.map((r) => r.variable), this.size, slots, instant);
    if (!wasm) return;
    this.instantInputs.forEach((pr, k) => {
      const synapses = wasm.instant[k];
      synapses.rowStart.set(pr.csr.rowStart);
      synapses.targets.set(pr.csr.targets);
      if (synapses.weights) synapses.weights.set(pr.weight as Float32Array);
      pr.movedToWasm(synapses, wasm.fired);
    });
    this.state.forEach((x, k) => {
      wasm.state[k].set(x);
      this.state[k] = wasm.state[k];
    });
    wasm.input.set(this.input);
    this.input = wasm.input;
    wasm.refractoryUntil.set(this.refractoryUntil);
    this.refractoryUntil = wasm.refractoryUntil;
    // The move happens while building, before anything has arrived: the new memory is zero
    // already, and copying the old array would make its pages resident too (reading commits them).
    this.rings.forEach((r, k) => {
      r.data = wasm.rings[k];
    });
    this.ringData = packed(this.rings.map((r) => r.data));
    this.wasm = wasm;
  }

  /** Which loop advances this population: for benchmarks and the page's status. */
  get engine(): 'wasm-simd' | 'js' {
    return this.wasm ? 'wasm-simd' : 'js';
  }

  /** Where spikes and refractory ends inside a step are solved (the general path). */
  get generalPath(): 'wasm' | 'js' {
    return this.wasmSlow ? 'wasm' : 'js';
  }

  get hasPoissonInputs(): boolean {
    return this.poissonInputs.length > 0;
  }

  /** C independent Poisson sources of rate rateHz per target, each spike adding weight to a variable. */
  addPoissonInput(variable: number, targets: Int32Array, sources: number, rateHz: number, weight: number, seed: number): void {
    // `targets` are neurons of the whole population; a slice keeps its own, grouped by block in
    // their given order, each block drawing from its own stream (random.ts blockSeed).
    const first = this.sliceStart;
    const byBlock = new Map<number, number[]>();
    for (const j of targets) {
      if (j < first || j >= first + this.size) continue;
      const b = Math.floor(j / RANDOM_BLOCK_NEURONS);
      let list = byBlock.get(b);
      if (!list) byBlock.set(b, (list = []));
      list.push(j - first);
    }
    const blocks = [...byBlock.entries()].sort((a, b) => a[0] - b[0]).map(([b, list]) => ({ targets: Int32Array.from(list), random: new Random(blockSeed(seed, b)) }));
    this.poissonInputs.push({ variable, blocks, meanPerMs: (sources * rateHz) / 1000, weight, dt: NaN, table: null });
  }

  /** Change the k-th Poisson input's rate and weight from the next step; its random stream goes on. */
  setPoissonInput(k: number, sources: number, rateHz: number, weight: number): void {
    const input = this.poissonInputs[k];
    if (!input) throw new Error('internal: no such Poisson input');
    input.meanPerMs = (sources * rateHz) / 1000;
    input.weight = weight;
    input.dt = NaN; // its table of counts is made again for the new mean
    input.table = null;
  }

  /**
   * Add the Poisson spike inputs of step `step` (time t); synaptic arrivals are added inside
   * the kernel. A variable held during the refractory period ignores what arrives meanwhile.
   */
  applyPoissonInputs(step: number, t: number, dt: number): void {
    const held = this.model.refractory?.clamp ?? [];
    const R = this.refractoryUntil;
    for (const input of this.poissonInputs) {
      const x = this.state[input.variable];
      const clamped = held.includes(input.variable);
      if (input.dt !== dt) {
        input.dt = dt;
        // A table for the usual small means; large means draw directly (PTRS).
        input.table = input.meanPerMs * dt < 30 ? Random.poissonTable(input.meanPerMs * dt) : null;
      }
      const { table } = input;
      const lambda = input.meanPerMs * dt;
      for (const { random, targets } of input.blocks) {
        const counts = this.scratchCounts.length >= targets.length ? this.scratchCounts : (this.scratchCounts = new Int32Array(targets.length));
        if (table) random.fillPoisson(counts, targets.length, table);
        else for (let k = 0; k < targets.length; k++) counts[k] = random.poisson(lambda);
        for (let k = 0; k < targets.length; k++) {
          const j = targets[k];
          const events = counts[k];
          if (events > 0 && !(clamped && R[j] > t)) x[j] += events * input.weight;
        }
      }
    }
  }

  step(step: number, t: number, dt: number): void {
    this.spikes.stepCount = 0;
    if (this.generator) {
      this.generator.step(step, t, dt, this.spikes, this.state[0]);
      return;
    }
    const clamps = this.clamps;
    if (this.dynamicStimuli.length > 0 || clamps.length > 0) {
      this.refreshInput();
      for (const s of this.dynamicStimuli) s.add(this.input, t, dt);
    }
    if (clamps.length === 0) {
      this.stepKernel(step, t, dt);
      return;
    }
    for (const clamp of clamps) clamp.inject(this, t, dt);
    this.stepKernel(step, t, dt);
    for (const clamp of clamps) clamp.pin(this, t + dt);
  }

  private stepKernel(step: number, t: number, dt: number): void {
    if (dt !== this.preparedDt) this.prepareStep(dt);
    const slot = this.rings.length > 0 ? step % this.rings[0].slots : 0;
    if (this.wasm) {
      const slotBytes = 8 * slot * this.size;
      const listed = this.inputIsZero ? this.wasm.stepWithoutInput(t, t + dt, slotBytes) : this.wasm.step(t, t + dt, slotBytes);
      if (listed === 0) return;
      if (this.wasmSlow) {
        this.wasmSlow.run(listed, t, dt, this.spikes);
        return;
      }
      const { list } = this.wasm;
      const slow = this.kernel!.slow;
      for (let k = 0; k < listed; k++) {
        const i = list[k];
        slow(i, this.input[i], t, dt, this.state, this.input, this.parameters, this.refractoryUntil, this.K, this.KP, this.prop, this.spikes);
      }
      return;
    }
    this.noiseRandom?.restart();
    // The kernel calls fillNormal on what it is given, a block at a time: BlockNormals serves each block from its own stream.
    this.kernel!.step(this.size, t, dt, this.state, this.input, this.parameters, this.refractoryUntil, this.K, this.KP, this.prop, this.spikes, this.noiseScale, this.noiseRandom as unknown as Random, this.noiseScratch, this.ringData, slot * this.size);
  }

  /**
   * Throw a SimulationError naming the first neuron whose state is not finite or outside the
   * model's bounds: its variable, value and the bounds. `stepMs` is the step that ended at
   * `timeMs`; 0 means the initial state, before any step.
   */
  checkHealth(timeMs: number, stepMs: number): void {
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
      // In WebAssembly the scan goes two at a time and says where to look (-1: nowhere).
      const first = this.wasm ? this.wasm.firstOutside(k, low, high) : 0;
      if (first < 0) continue;
      for (let i = first; i < this.size; i++) {
        const x = values[i];
        // (x - x === 0: an infinite value is a blow-up also where the model sets no bounds)
        if (!(x >= low && x <= high && x - x === 0)) throw this.blowUp(k, i, x, low, high, timeMs, stepMs);
      }
    }
  }

  private blowUp(k: number, i: number, x: number, low: number, high: number, timeMs: number, stepMs: number): SimulationError {
    const { model } = this;
    const name = model.stateNames[k];
    const unit = model.file.state[name]?.unit ?? '';
    const inUnit = (v: number) => (unit && unit !== '1' ? `${v} ${unit}` : String(v));
    const bounds = Number.isFinite(low) || Number.isFinite(high) ? `[${low}, ${high}]${unit && unit !== '1' ? ` ${unit}` : ''}` : null;
    const what = Number.isFinite(x)
      ? `= ${inUnit(Number(x.toPrecision(6)))} ${stepMs === 0 ? 'is outside' : 'left'} its range ${bounds}`
      : `is ${x}${bounds ? ` (its range is ${bounds})` : ''}`;
    if (stepMs === 0) {
      return new SimulationError(this.name, timeMs, `${name} of neuron ${i} ${what} in the initial state, before any step: the run cannot start (check the population's initial values and the model's state.${name}.initial)`);
    }
    const from = Number((timeMs - stepMs).toPrecision(12));
    const to = Number(timeMs.toPrecision(12));
    // Suggest a method that handles stiffness better than the one in use, never the one in use.
    // Exact integration has no step error: there the model's own solution left its bounds.
    const other = METHOD_PREFERENCE.find((m) => m !== this.method && model.methods[m] === true);
    const hint =
      this.method === 'exact'
        ? 'the exact method has no step error, so the model itself leaves its bounds with these parameters and inputs'
        : `try a smaller dtMs${other ? ` or method ${other}` : ''}`;
    return new SimulationError(this.name, timeMs, `${name} of neuron ${i} ${what} after the step from t = ${from} to ${to} ms: the run blew up in that step (${hint})`);
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

