// The fast loop of exactly integrated (linear) models as WebAssembly SIMD, two neurons per
// instruction. It is the kernel's `step` (kernel.ts) for these models in other clothes: add this
// step's synaptic arrivals, advance every neuron that is free and stays below threshold or is
// refractory for the whole step, and list the rest (a spike or a refractory end inside the step)
// for the general path, which runs in WebAssembly too where it lowers (wasmSlow.ts, from the same
// description as the JS one) and in JS otherwise. Each row of the step is the kernel's exactRow,
// added in its order, so both give the same numbers to the last bit; what is written by hand here
// is what is SIMD's own: lanes, masks instead of branches, and the list.
//
// Why: in V8 a JS loop over several typed arrays passed as arguments reloads each array's base
// and length after every store (they might alias), which costs ~3x here; one linear memory does
// not, and SIMD halves the instructions. The state of a population then lives in that memory and
// its Float64Arrays are views of it, so everything else reads and writes them as before.
// The same module adds the synaptic events of projections without delay onto the population
// (their synapses live in its memory too) and scans the state for blow-ups.
import type { LoadedModel } from '../model/loadModel.js';
import { Code, F64, I32, moduleBytes, V128, type WasmFunction } from './wasm.js';
import { exactRow, linearTerms, type SpikeSink } from './kernel.js';
import { get, type Expr } from './step.js';
import { slowCode, slowConstants, slowLayout, wasmSlowPlan, MAX_ORDER, type SlowLayout, type WasmSlowPlan } from './wasmSlow.js';
import type { PropagatorSeries } from '../integrate/propagator.js';
import { cachedBytes, modelKey } from './cache.js';

/**
 * A projection without delay onto the population, whose events the module adds itself: its
 * synapses (CSR by source neuron) live in the module's memory.
 */
export interface InstantInput {
  sources: number;
  synapses: number;
  /** The target's state variable each event adds to. */
  variable: number;
  /** One weight for all synapses, or null when they have one each (float32, in CSR order). */
  weight: number | null;
  /** The variable is held during refractoriness, so events then are dropped. */
  held: boolean;
}

/** Byte offsets of a population's arrays in its memory. */
export interface WasmLayout {
  size: number;
  slots: number;
  coefficients: number;
  state: number[];
  input: number;
  refractory: number;
  rings: number[];
  list: number;
  /** Per instant input: where its row starts, targets and (when they vary) weights are. */
  instant: { rowStart: number; targets: number; weights: number }[];
  /** The source neurons that fired in the last step, for the instant inputs. */
  fired: number;
  /** The WebAssembly slow path's data, where the model allows one. */
  slow: SlowLayout | null;
  bytes: number;
}

export function wasmLayout(size: number, stateCount: number, ringCount: number, slots: number, instant: InstantInput[] = [], withSlow = false): WasmLayout {
  let at = 0;
  const take = (bytes: number) => {
    const start = at;
    at += Math.ceil(bytes / 16) * 16;
    return start;
  };
  const column = 8 * size;
  const coefficients = take(8 * (1 + 2 * (stateCount * stateCount + 2 * stateCount)));
  const state = Array.from({ length: stateCount }, () => take(column));
  const input = take(column);
  const refractory = take(column);
  const rings = Array.from({ length: ringCount }, () => take(column * slots));
  const list = take(4 * size);
  const placed = instant.map((input) => ({
    rowStart: take(4 * (input.sources + 1)),
    targets: take(4 * input.synapses),
    weights: input.weight === null ? take(4 * input.synapses) : -1,
  }));
  const fired = take(4 * Math.max(0, ...instant.map((input) => input.sources)));
  const slow = withSlow ? slowLayout(take, size, stateCount * stateCount + 2 * stateCount) : null;
  return { size, slots, coefficients, state, input, refractory, rings, list, instant: placed, fired, slow, bytes: at };
}

export interface WasmKernel {
  readonly layout: WasmLayout;
  readonly memory: WebAssembly.Memory;
  /** [threshold level, K (whole free step), KP (whole refractory step)], as the JS kernel takes them. */
  readonly coefficients: Float64Array;
  readonly state: Float64Array[];
  readonly input: Float64Array;
  readonly refractoryUntil: Float64Array;
  readonly rings: Float64Array[];
  /** Neurons left for the slow path by the last call, in index order. */
  readonly list: Int32Array;
  /**
   * Advance the fast neurons from t to tEnd; returns how many neurons it listed. `slotBytes` is
   * the byte offset of this step's ring slot, 8 * slot * size. (The exports themselves, with no JS
   * wrapper: a fresh process runs every JS layer unoptimised at first.)
   */
  readonly step: (t: number, tEnd: number, slotBytes: number) => number;
  /** The same for a population whose input is zero everywhere (networks driven by synapses alone): one stream less. */
  readonly stepWithoutInput: (t: number, tEnd: number, slotBytes: number) => number;
  /**
   * Each instant input: its synapses as views of the memory (the projection reads them there
   * too), and arrive(count, t), which adds the events of the `count` source neurons written to
   * `fired` and returns how many it added.
   */
  readonly instant: { rowStart: Int32Array; targets: Int32Array; weights: Float32Array | null; arrive: (count: number, t: number) => number }[];
  readonly fired: Int32Array;
  /** The first neuron whose state variable k is NaN, infinite or outside [low, high], or -1. */
  firstOutside(k: number, low: number, high: number): number;
  /** The JS kernel's slow path in WebAssembly, where the model allows it (wasmSlow.ts). */
  readonly slowPath: WasmSlowPath | null;
}

export interface WasmSlowPath {
  /** Values and propagator polynomials for these parameters; false where the series has no polynomial form, and the JS path must serve. */
  prepare(parameters: Float64Array, free: PropagatorSeries, held: PropagatorSeries): boolean;
  /** The general path for the `count` listed neurons; spikes go to the sink in the JS path's order. */
  run(count: number, t: number, dt: number, sink: SpikeSink): void;
}

/**
 * Whether a population runs on the WebAssembly kernel: exactly integrated (linear) models with no
 * white noise drawn in the loop (the JS kernel draws it), and enough neurons to pay for compiling
 * a module (a few ms).
 */
export function wasmEligible(model: LoadedModel, noise: boolean, size: number): boolean {
  return !noise && model.linear !== null && size >= 32 && typeof WebAssembly === 'object';
}

export function generateWasmKernel(
  model: LoadedModel,
  arrivals: number[],
  layout: WasmLayout,
  withInput = true,
  instant: InstantInput[] = [],
  slowPlan: WasmSlowPlan | null = null,
): Uint8Array<ArrayBuffer> {
  const ns = model.stateNames.length;
  const all = model.stateNames.map((_, k) => k);
  const terms = linearTerms(model);
  const reaches = terms.reaches;
  const clamped = new Set(model.refractory?.clamp ?? []);
  const hasRefractory = model.refractory !== null;
  const hasReset = model.reset.length > 0;
  const leader = model.threshold.index;
  const width = ns * ns + 2 * ns;
  const { size } = layout;

  // params: t, tEnd, slot (byte offset of this step's ring slot); result: neurons listed.
  const c = new Code(3);
  const T = 0;
  const T_END = 1;
  const SLOT = 2;
  const p = c.local(I32);
  const q = c.local(I32);
  const count = c.local(I32);
  const mask = c.local(I32);
  const splat = (scalar: () => void) => {
    const local = c.local(V128);
    scalar();
    c.f64x2Splat().set(local);
    return local;
  };
  const vT = splat(() => c.get(T));
  const vTEnd = splat(() => c.get(T_END));
  const vLevel = splat(() => c.i32(0).f64Load(layout.coefficients));
  const coefficient = new Map<number, number>();
  /** A splatted coefficient: j indexes [K..., KP...]. */
  const coef = (j: number) => {
    let local = coefficient.get(j);
    if (local === undefined) {
      local = splat(() => c.i32(0).f64Load(layout.coefficients + 8 * (1 + j)));
      coefficient.set(j, local);
    }
    return local;
  };

  // Rows for a held (refractory) step: a held variable keeps its value; a free one that depends
  // on no held variable moves as in a free step (its KP row equals its K row); others use KP.
  type Row = 'held' | 'same' | 'kp';
  const heldRow = (k: number): Row => (clamped.has(k) ? 'held' : all.some((j) => reaches[k][j] && clamped.has(j)) ? 'kp' : 'same');

  /** One copy of the loop body's locals (the loop handles several pairs per pass, each with its own). */
  const lanes = () => ({
    s: all.map(() => c.local(V128)),
    n: all.map(() => c.local(V128)),
    h: all.map(() => c.local(V128)),
    value: all.map(() => c.local(V128)),
    inp: c.local(V128),
    r: c.local(V128),
    free: c.local(V128),
    held: c.local(V128),
    ok: c.local(V128),
  });
  type Lanes = ReturnType<typeof lanes>;

  /**
   * x = sum_j C[k,j] s_j + C[offset k] + C[input k] * inp: the kernel's exactRow, the terms the
   * JS kernel adds in this order, each operation as the two-lane instruction.
   */
  const linearRow = (L: Lanes, k: number, base: number) => {
    const lane = (x: Expr): void => {
      if (x.e === 'bin' && x.op === '*') {
        lane(x.a);
        lane(x.b);
        c.f64x2Mul();
      } else if (x.e === 'get' && x.name === 'inp') c.get(L.inp);
      else if (x.e === 'get' && x.name[0] === 's') c.get(L.s[Number(x.name.slice(1))]);
      else if (x.e === 'get' && x.name[0] === 'C') c.get(coef(base + Number(x.name.slice(1))));
      else throw new Error('internal: not a term of an exact row');
    };
    const row = exactRow(terms, ns, k, (j) => get(`C${j}`), (j) => get(`s${j}`), get('inp'));
    // (x + C * 0 is x, so leaving the input out changes no bit)
    const used = withInput ? row : row.filter((x) => !(x.e === 'bin' && x.b.e === 'get' && x.b.name === 'inp'));
    used.forEach((term, m) => {
      lane(term);
      if (m > 0) c.f64x2Add();
    });
  };

  /** The two neurons at byte p + delta. */
  const pair = (L: Lanes, delta: number) => {
    const { s, n, h, value, inp, r, free, held, ok } = L;
    for (const k of all) c.get(p).v128Load(layout.state[k] + delta).set(s[k]);
    if (withInput) c.get(p).v128Load(layout.input + delta).set(inp);
    if (hasRefractory) {
      c.get(p).v128Load(layout.refractory + delta).set(r);
      c.get(r).get(vT).f64x2Le().set(free);
      c.get(r).get(vTEnd).f64x2Ge().set(held);
    }
    arrivals.forEach((k, ring) => {
      // Arrivals on a held variable during refractoriness are dropped, as in the JS kernel.
      c.get(s[k]).get(q).v128Load(layout.rings[ring] + delta).f64x2Add();
      if (clamped.has(k)) c.get(s[k]).get(free).v128Bitselect();
      c.set(s[k]);
      c.get(q).v128Zero().v128Store(layout.rings[ring] + delta);
    });
    for (const k of all) {
      linearRow(L, k, 0);
      c.set(n[k]);
    }
    const spike = () => {
      c.get(n[leader]).get(vLevel).f64x2Ge();
      if (!hasReset) c.get(s[leader]).get(vLevel).f64x2Lt().v128And();
    };
    if (hasRefractory) {
      c.get(free);
      spike();
      c.v128AndNot().get(held).v128Or().set(ok);
      for (const k of all) {
        const row = heldRow(k);
        if (row === 'same') {
          c.get(n[k]).set(value[k]);
          continue;
        }
        if (row === 'held') c.get(s[k]).set(h[k]);
        else {
          linearRow(L, k, width);
          c.set(h[k]);
        }
        c.get(n[k]).get(h[k]).get(free).v128Bitselect().set(value[k]);
      }
    } else {
      spike();
      c.v128Not().set(ok);
      for (const k of all) c.get(n[k]).set(value[k]);
    }
    // Both lanes fine: the sign bits of ok (one instruction) rather than i64x2.all_true (five in V8).
    c.get(ok).i64x2Bitmask().set(mask);
    c.get(mask).i32(3).i32Eq().if();
    for (const k of all) c.get(p).get(value[k]).v128Store(layout.state[k] + delta);
    c.else();
    {
      // Listed lanes keep the state they start the step with (arrivals added).
      for (const k of all) c.get(p).get(value[k]).get(s[k]).get(ok).v128Bitselect().v128Store(layout.state[k] + delta);
      c.get(mask).i32(3).i32Xor().set(mask);
      for (const lane of [0, 1]) {
        c.get(mask).i32(1 << lane).i32And().if();
        c.get(count).i32(2).i32Shl().get(p).i32(3).i32ShrU();
        if (lane + delta / 8 > 0) c.i32(lane + delta / 8).i32Add();
        c.i32Store(layout.list);
        c.get(count).i32(1).i32Add().set(count);
        c.end();
      }
    }
    c.end();
  };

  // Eight pairs per pass: the pairs are independent, and the longer body lets the CPU overlap
  // them across the per-pair branches (measured on CUBA: 0.34 ms per 10 ms of network with 2
  // pairs, 0.31 with 4, 0.28 with 8; 16 gains nothing more).
  const UNROLL = 8;
  const sets = Array.from({ length: UNROLL }, () => lanes());
  const pairs = Math.floor(size / 2);
  const blockEnd = 16 * UNROLL * Math.floor(pairs / UNROLL);
  c.i32(0).set(p);
  c.block().loop();
  c.get(p).i32(blockEnd).i32GeU().brIf(1);
  if (arrivals.length > 0) c.get(p).get(SLOT).i32Add().set(q);
  sets.forEach((L, u) => pair(L, 16 * u));
  c.get(p).i32(16 * UNROLL).i32Add().set(p);
  c.br(0);
  c.end().end();
  // The pairs left over, one at a time.
  c.block().loop();
  c.get(p).i32(16 * pairs).i32GeU().brIf(1);
  if (arrivals.length > 0) c.get(p).get(SLOT).i32Add().set(q);
  pair(sets[0], 0);
  c.get(p).i32(16).i32Add().set(p);
  c.br(0);
  c.end().end();

  if (size % 2 === 1) {
    // The odd last neuron: arrivals here, the step itself on the slow path.
    const last = 8 * (size - 1);
    if (arrivals.length > 0) c.i32(last).get(SLOT).i32Add().set(q);
    const a = c.local(F64);
    arrivals.forEach((k, ring) => {
      c.get(q).f64Load(layout.rings[ring]).set(a);
      c.get(q).f64(0).f64Store(layout.rings[ring]);
      if (clamped.has(k)) {
        c.i32(last).f64Load(layout.refractory).get(T).f64Le().if();
      }
      c.i32(last).i32(last).f64Load(layout.state[k]).get(a).f64Add().f64Store(layout.state[k]);
      if (clamped.has(k)) c.end();
    });
    c.get(count).i32(2).i32Shl().i32(size - 1).i32Store(layout.list);
    c.get(count).i32(1).i32Add().set(count);
  }
  c.get(count);

  return moduleBytes(Math.max(1, Math.ceil(layout.bytes / 65536)), [
    { name: 'step', params: [F64, F64, I32], results: [I32], code: c },
    { name: 'firstOutside', params: [I32, F64, F64], results: [I32], code: firstOutsideCode(size) },
    ...instant.map((input, k): WasmFunction => ({ name: `arrive${k}`, params: [I32, F64], results: [I32], code: arriveCode(input, layout.instant[k], layout) })),
    ...(slowPlan && layout.slow
      ? [{ name: 'slow', params: [I32, I32, F64, F64], results: [I32], code: slowCode(model, slowPlan, { ...layout, slow: layout.slow }) } as WasmFunction]
      : []),
  ]);
}

/**
 * arrive(count, t): add the events of the `count` source neurons listed at layout.fired to the
 * target variable, in the JS `Projection.arriveNow`'s order (so the same sums to the last bit);
 * returns the number of events. Offsets and a shared weight are constants of the code.
 */
function arriveCode(input: InstantInput, placed: WasmLayout['instant'][number], layout: WasmLayout): Code {
  const c = new Code(2);
  const COUNT = 0;
  const T = 1;
  const s = c.local(I32);
  const i = c.local(I32);
  const q = c.local(I32);
  const end = c.local(I32);
  const j = c.local(I32);
  const events = c.local(I32);
  const x = layout.state[input.variable];
  c.block().loop();
  c.get(s).get(COUNT).i32GeU().brIf(1);
  c.get(s).i32(2).i32Shl().i32Load(layout.fired).set(i);
  c.get(i).i32(2).i32Shl().i32Load(placed.rowStart).set(q);
  c.get(i).i32(2).i32Shl().i32Load(placed.rowStart + 4).set(end);
  c.get(events).get(end).i32Add().get(q).i32Sub().set(events);
  c.block().loop();
  c.get(q).get(end).i32GeU().brIf(1);
  c.get(q).i32(2).i32Shl().i32Load(placed.targets).i32(3).i32Shl().set(j);
  // (j is a byte offset now) A held variable ignores what arrives while the neuron is refractory.
  if (input.held) c.get(j).f64Load(layout.refractory).get(T).f64Gt().i32Eqz().if();
  c.get(j).get(j).f64Load(x);
  if (input.weight === null) c.get(q).i32(2).i32Shl().f32Load(placed.weights).f64PromoteF32();
  else c.f64(input.weight);
  c.f64Add().f64Store(x);
  if (input.held) c.end();
  c.get(q).i32(1).i32Add().set(q);
  c.br(0);
  c.end().end();
  c.get(s).i32(1).i32Add().set(s);
  c.br(0);
  c.end().end();
  c.get(events);
  return c;
}

/**
 * firstOutside(column, low, high): the first neuron whose value in the column (a byte offset)
 * is NaN or outside [low, high], or -1. Two at a time, then one by one from the first bad pair.
 */
function firstOutsideCode(size: number): Code {
  const c = new Code(3);
  const COLUMN = 0;
  const LOW = 1;
  const HIGH = 2;
  const p = c.local(I32);
  const i = c.local(I32);
  const x = c.local(F64);
  const vLow = c.local(V128);
  const vHigh = c.local(V128);
  c.get(LOW).f64x2Splat().set(vLow);
  c.get(HIGH).f64x2Splat().set(vHigh);
  c.block().loop();
  c.get(p).i32(16 * Math.floor(size / 2)).i32GeU().brIf(1);
  const pair = c.local(V128);
  c.get(COLUMN).get(p).i32Add().v128Load().set(pair);
  c.get(pair).get(vLow).f64x2Ge().get(pair).get(vHigh).f64x2Le().v128And().i64x2AllTrue().i32Eqz().brIf(1);
  c.get(p).i32(16).i32Add().set(p);
  c.br(0);
  c.end().end();
  c.get(p).i32(3).i32ShrU().set(i);
  c.block().loop();
  c.get(i).i32(size).i32GeU().brIf(1);
  c.get(COLUMN).get(i).i32(3).i32Shl().i32Add().f64Load().set(x);
  c.get(x).get(LOW).f64Ge().get(x).get(HIGH).f64Le().i32And().i32Eqz().if();
  c.get(i).return();
  c.end();
  c.get(i).i32(1).i32Add().set(i);
  c.br(0);
  c.end().end();
  c.i32(-1);
  return c;
}

const slowPlans = new WeakMap<LoadedModel, WasmSlowPlan | null>();

/** The model's WebAssembly slow-path plan, worked out once per loaded model. */
function slowPlanOf(model: LoadedModel): WasmSlowPlan | null {
  if (!slowPlans.has(model)) slowPlans.set(model, wasmSlowPlan(model));
  return slowPlans.get(model)!;
}

/** Compile and instantiate; null where WebAssembly (with SIMD) is not available or refuses. */
export function compileWasmKernel(model: LoadedModel, arrivals: number[], size: number, slots: number, instant: InstantInput[] = []): WasmKernel | null {
  const ns = model.stateNames.length;
  const slowPlan = slowPlanOf(model);
  const layout = wasmLayout(size, ns, arrivals.length, slots, instant, slowPlan !== null);
  type Step = (t: number, tEnd: number, slot: number) => number;
  type Slow = (from: number, count: number, t: number, dt: number) => number;
  type Exports = { step: Step; firstOutside: (column: number, low: number, high: number) => number; slow?: Slow } & Record<string, (count: number, t: number) => number>;
  let memory: WebAssembly.Memory;
  let withInput: Exports;
  let withoutInput: Exports;
  try {
    memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil(layout.bytes / 65536)) });
    const instantiate = (input: boolean): Exports => {
      // Generated once per model and layout (cache.ts). Compiled each time (a millisecond): a
      // page whose policy refuses WebAssembly must meet the refusal, not a module compiled before.
      const key = `wasm-kernel|${JSON.stringify({ arrivals, layout, input, instant })}|${modelKey(model)}`;
      // Bytes read back from a store are validated; generated ones are not (an invalid module, or
      // no SIMD here, throws a CompileError below and the population stays in JS).
      const bytes = cachedBytes(key, () => generateWasmKernel(model, arrivals, layout, input, instant, slowPlan), (stored) => WebAssembly.validate(stored));
      return new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports as unknown as Exports;
    };
    withInput = instantiate(true);
    withoutInput = instantiate(false);
  } catch {
    return null;
  }
  const buffer = memory.buffer;
  const column = (offset: number, length = size) => new Float64Array(buffer, offset, length);
  const width = ns * ns + 2 * ns;
  const { firstOutside } = withInput;
  const slowPath = slowPlan && layout.slow && withInput.slow ? wasmSlowPath(model, slowPlan, layout.slow, buffer, withInput.slow) : null;
  return {
    layout,
    memory,
    coefficients: column(layout.coefficients, 1 + 2 * width),
    state: layout.state.map((offset) => column(offset)),
    input: column(layout.input),
    refractoryUntil: column(layout.refractory),
    rings: layout.rings.map((offset) => column(offset, size * slots)),
    list: new Int32Array(buffer, layout.list, size),
    instant: instant.map((input, k) => ({
      rowStart: new Int32Array(buffer, layout.instant[k].rowStart, input.sources + 1),
      targets: new Int32Array(buffer, layout.instant[k].targets, input.synapses),
      weights: input.weight === null ? new Float32Array(buffer, layout.instant[k].weights, input.synapses) : null,
      arrive: withInput[`arrive${k}`],
    })),
    fired: new Int32Array(buffer, layout.fired, Math.max(0, ...instant.map((input) => input.sources))),
    step: withInput.step,
    stepWithoutInput: withoutInput.step,
    // Bounds within the finite doubles, so an infinite value is outside even where the model sets none.
    firstOutside: (k, low, high) => firstOutside(layout.state[k], Math.max(low, -Number.MAX_VALUE), Math.min(high, Number.MAX_VALUE)),
    slowPath,
  };
}

function wasmSlowPath(
  model: LoadedModel,
  plan: WasmSlowPlan,
  at: SlowLayout,
  buffer: ArrayBuffer,
  slow: (from: number, count: number, t: number, dt: number) => number,
): WasmSlowPath {
  const ns = model.stateNames.length;
  const width = ns * ns + 2 * ns;
  const constants = new Float64Array(buffer, at.constants, plan.fn.constants.length);
  const series = at.series.map((place) => ({
    header: new Int32Array(buffer, place.header, 2),
    live: new Int32Array(buffer, place.live, width),
    polynomials: new Float64Array(buffer, place.polynomials, width * MAX_ORDER),
    out: new Float64Array(buffer, place.out, width),
  }));
  const neurons = new Int32Array(buffer, at.spikeNeurons, at.spikeCapacity);
  const times = new Float64Array(buffer, at.spikeTimes, at.spikeCapacity);
  const counters = new Int32Array(buffer, at.counters, 2);
  const overflowTime = new Float64Array(buffer, at.counters + 8, 1);
  return {
    prepare(parameters, free, held) {
      const values = slowConstants(plan, parameters);
      constants.set(values);
      return [free, held].every((s, which) => {
        const form = s.polynomial;
        if (!form || form.live.length > width || form.order > MAX_ORDER) return false;
        const place = series[which];
        place.header[0] = form.order;
        place.header[1] = form.live.length;
        place.live.set(form.live);
        place.polynomials.set(form.polynomials);
        place.out.fill(0); // entries no polynomial reaches stay 0, as in PropagatorSeries
        return true;
      });
    },
    run(count, t, dt, sink) {
      for (let from = 0; from < count; ) {
        from = slow(from, count, t, dt);
        for (let m = 0, spikes = counters[0]; m < spikes; m++) sink.spike(neurons[m], times[m]);
        counters[0] = 0;
        if (counters[1] !== 0) {
          sink.overflow(counters[1] - 1, overflowTime[0]);
          counters[1] = 0;
        }
      }
    },
  };
}
