// The general path of exactly integrated models with a reset (CUBA's neuron, adaptive LIF) as
// WebAssembly: the neurons the SIMD loop lists (a spike or a refractory end inside the step) get
// the JS kernel's `slow` step, operation for operation, so both give the same bits. Why: in a
// fresh process the JS slow path runs unoptimised while a network's first spikes all come at
// once (CUBA: 8,000 calls in its first 50 ms); here it is compiled code from the first step
// (a fresh `npm run sim -- run cuba`: run 61-63 ms -> 55-57 ms, medians).
//
// What it covers: the model's equations, reset values and named expressions use + - * / and
// small integer powers of a name (anything else, such as a function of the state, keeps the JS
// path); parameter-only subexpressions are values computed in JS once per parameter change, as
// the JS kernel hoists them. Partial-step propagators are the Taylor polynomials of
// PropagatorSeries, evaluated by the same Horner loop.
import type { MathNode } from 'mathjs/number';
import type { LoadedModel } from '../model/loadModel.js';
import { namedValues, parameterEvaluator } from '../model/loadModel.js';
import { parameterOnlyNodes, toJs } from './expression.js';
import { linearTerms, MAX_SPIKES_PER_STEP, namedExpressionsFor } from './kernel.js';
import { Code, F64, I32 } from './wasm.js';

/** Where the slow path's data live in the population's memory (byte offsets). */
export interface SlowLayout {
  /** Values computed from the parameters: [threshold, refractory period, parameter-only subexpressions...]. */
  constants: number;
  /** Per partial-step series (free, held): order (i32), live count (i32), live entries (i32), polynomials (f64). */
  series: { header: number; live: number; polynomials: number; out: number }[];
  /** Spikes of the last call: neuron (i32) and time (f64) each, their count, and the first overflow. */
  spikeNeurons: number;
  spikeTimes: number;
  spikeCapacity: number;
  counters: number;
}

/** Most Taylor terms a PropagatorSeries keeps (its loop stops at 40). */
export const MAX_ORDER = 41;
export const MAX_CONSTANTS = 256;

/** Place the slow path's data with `take` (the population layout's allocator). */
export function slowLayout(take: (bytes: number) => number, size: number, width: number): SlowLayout {
  const constants = take(8 * MAX_CONSTANTS);
  const series = [0, 1].map(() => ({ header: take(8), live: take(4 * width), polynomials: take(8 * width * MAX_ORDER), out: take(8 * width) }));
  // The buffer is emptied whenever it could overflow, so its size only sets how often.
  const spikeCapacity = 2 * size + 4 * MAX_SPIKES_PER_STEP;
  const spikeNeurons = take(4 * spikeCapacity);
  const spikeTimes = take(8 * spikeCapacity);
  const counters = take(16);
  return { constants, series, spikeNeurons, spikeTimes, spikeCapacity, counters };
}

class Unsupported extends Error {}

/**
 * Whether the WebAssembly slow path can run this model, and if so the generator. Null when not:
 * the JS slow path then serves.
 */
export function wasmSlowPlan(model: LoadedModel): { constants: MathNode[] } | null {
  const ns = model.stateNames.length;
  const leader = model.threshold.index;
  if (model.linear === null || model.reset.length === 0 || ns < 2) return null;
  const leaderAlone = model.stateNames.every((_, j) => j === leader || model.linear!.matrix[leader][j].toString() === '0');
  if (leaderAlone) return null; // the closed-form spike time needs a logarithm
  const constants: MathNode[] = [model.threshold.level, ...(model.refractory ? [model.refractory.period] : [])];
  try {
    const dry = new Code(4);
    const emit = expressionEmitter(model, dry, constants, () => 0, () => 0, 0);
    const needed = namedExpressionsFor(model, [model.equations[leader].rhs, ...model.reset.map((r) => r.value)]);
    for (const e of namedValues(model)) if (needed.has(e.name)) emit(e.node, () => 0);
    emit(model.equations[leader].rhs, () => 0);
    for (const r of model.reset) emit(r.value, () => 0);
  } catch (err) {
    if (err instanceof Unsupported) return null;
    throw err;
  }
  if (constants.length > MAX_CONSTANTS) return null;
  return { constants };
}

/** The values of the plan's constants for these parameters. */
export function slowConstants(model: LoadedModel, constants: MathNode[], parameters: Float64Array): Float64Array {
  return Float64Array.from(constants, (node) => parameterEvaluator(model, node)(parameters));
}

/**
 * Emits a whitelisted expression as f64 code in the JS kernel's order of operations (toJs):
 * parameter-only subtrees (which the JS kernel hoists) become constants, loaded from memory.
 */
function expressionEmitter(
  model: LoadedModel,
  c: Code,
  constants: MathNode[],
  stateLocal: (k: number) => number,
  inputLocal: () => number,
  constantsAt: number,
) {
  const params = new Set(model.parameterNames);
  // Keyed by the JS source, which is fully parenthesised (mathjs's toString may print two trees alike).
  const keyOf = (node: MathNode) => toJs(node, (name) => name);
  const index = new Map(constants.map((node, k) => [keyOf(node), k]));
  const constantIndex = (node: MathNode) => {
    const key = keyOf(node);
    let k = index.get(key);
    if (k === undefined) index.set(key, (k = constants.push(node) - 1));
    return k;
  };
  const loadConstant = (node: MathNode) => c.i32(0).f64Load(constantsAt + 8 * constantIndex(node));
  const emit = (root: MathNode, named: (name: string) => number | undefined): void => {
    const parameterOnly = parameterOnlyNodes(root, (name) => params.has(name));
    emitNode(root, named, parameterOnly);
  };
  const emitNode = (node: MathNode, named: (name: string) => number | undefined, parameterOnly: Set<MathNode>): void => {
    const emit = (child: MathNode, named: (name: string) => number | undefined) => emitNode(child, named, parameterOnly);
    const n = node as MathNode & Record<string, unknown>;
    if (node.type === 'ParenthesisNode') return emit(n.content as MathNode, named);
    if (node.type === 'ConstantNode') {
      if (typeof n.value !== 'number') throw new Unsupported();
      c.f64(n.value);
      return;
    }
    if (node.type === 'SymbolNode') {
      const name = n.name as string;
      const k = model.stateNames.indexOf(name);
      if (k >= 0) c.get(stateLocal(k));
      else if (name === model.inputSymbol) c.get(inputLocal());
      else if (named(name) !== undefined) c.get(named(name)!);
      else if (params.has(name)) loadConstant(node);
      else throw new Unsupported();
      return;
    }
    if (parameterOnly.has(node)) {
      loadConstant(node); // hoisted by the JS kernel: the same value, computed once
      return;
    }
    if (node.type !== 'OperatorNode') throw new Unsupported();
    const fn = n.fn as string;
    const args = n.args as MathNode[];
    if (args.length === 1) {
      emit(args[0], named);
      if (fn === 'unaryMinus') c.f64Neg();
      else if (fn !== 'unaryPlus') throw new Unsupported();
      return;
    }
    if (fn === 'pow') {
      const [base, exponent] = args;
      const value = (exponent as MathNode & { value?: unknown }).value;
      if (exponent.type !== 'ConstantNode' || base.type !== 'SymbolNode' || !(value === 2 || value === 3 || value === 4)) throw new Unsupported();
      emit(base, named);
      for (let k = 1; k < value; k++) {
        emit(base, named);
        c.f64Mul();
      }
      return;
    }
    const op = { add: () => c.f64Add(), subtract: () => c.f64Sub(), multiply: () => c.f64Mul(), divide: () => c.f64Div() }[fn];
    if (!op) throw new Unsupported();
    emit(args[0], named);
    emit(args[1], named);
    op();
  };
  return emit;
}

/**
 * slow(from, count, t, dt) -> next: runs the general path for list[from..count) until the spike
 * buffer could overflow; returns where to go on (count when done). Spikes and the first overflow
 * are left in memory for the caller to hand to the recorder in order.
 */
export function slowCode(
  model: LoadedModel,
  plan: { constants: MathNode[] },
  at: { state: number[]; input: number; refractory: number; coefficients: number; list: number; slow: SlowLayout },
): Code {
  const ns = model.stateNames.length;
  const all = model.stateNames.map((_, k) => k);
  const width = ns * ns + 2 * ns;
  const leader = model.threshold.index;
  const terms = linearTerms(model);
  const clamped = new Set(model.refractory?.clamp ?? []);
  const hasRefractory = model.refractory !== null;
  const allHeld = hasRefractory && all.every((k) => clamped.has(k));
  const L = at.slow;
  const K_AT = at.coefficients + 8;
  const KP_AT = at.coefficients + 8 * (1 + width);

  const c = new Code(4);
  const FROM = 0;
  const COUNT = 1;
  const T = 2;
  const DT = 3;
  const k = c.local(I32);
  const i = c.local(I32);
  const i8 = c.local(I32);
  const C = c.local(I32);
  const spikes = c.local(I32);
  const guard = c.local(I32);
  const pinned = c.local(I32);
  const j = c.local(I32);
  const q = c.local(I32);
  const order = c.local(I32);
  const base = c.local(I32);
  const s = all.map(() => c.local(F64));
  const n = all.map(() => c.local(F64));
  const r = all.map(() => c.local(F64));
  const inp = c.local(F64);
  const tEnd = c.local(F64);
  const tFrom = c.local(F64);
  const tTo = c.local(F64);
  const redoTo = c.local(F64);
  const h = c.local(F64);
  const acc = c.local(F64);
  const frac = c.local(F64);
  const d0 = c.local(F64);
  const d1 = c.local(F64);
  const u = c.local(F64);
  const u2 = c.local(F64);
  const u3 = c.local(F64);
  const p = c.local(F64);
  const dp = c.local(F64);
  const next = c.local(F64);
  const it = c.local(I32);
  const lvl = c.local(F64);
  const atLevel = c.local(F64);
  const rounding = c.local(F64);
  const tref = c.local(F64);

  const constants = plan.constants;
  const named = new Map<string, number>();
  const emitAt = (state: number[]) => expressionEmitter(model, c, constants, (kk) => state[kk], () => inp, L.constants);
  const emitWith = (node: MathNode, state: number[]) => emitAt(state)(node, (name) => named.get(name));
  /** Named expressions `nodes` read, evaluated at `state` into fresh locals (as the JS kernel's scope). */
  const namedAt = (nodes: MathNode[], state: number[]) => {
    const needed = namedExpressionsFor(model, nodes);
    named.clear();
    for (const e of namedValues(model)) {
      if (!needed.has(e.name)) continue;
      const local = c.local(F64);
      emitWith(e.node, state);
      c.set(local);
      named.set(e.name, local);
    }
  };
  /** The leader's derivative at `state` (named expressions first), left on the stack. */
  const derivative = (state: number[]) => {
    namedAt([model.equations[leader].rhs], state);
    emitWith(model.equations[leader].rhs, state);
  };
  const coefficient = (index: number) => c.get(C).f64Load(8 * index);

  c.i32(0).f64Load(L.constants).set(lvl);
  if (hasRefractory) c.i32(0).f64Load(L.constants + 8).set(tref);
  c.get(T).get(DT).f64Add().set(tEnd);
  c.i32(0).i32Load(L.counters).set(spikes);
  c.get(FROM).set(k);
  c.block().loop(); // per listed neuron
  c.get(k).get(COUNT).i32GeU().brIf(1);
  // Room for this neuron's spikes, or hand back to the caller to empty the buffer.
  c.get(spikes).i32(L.spikeCapacity - MAX_SPIKES_PER_STEP - 2).i32GeU().brIf(1);
  c.get(k).i32(2).i32Shl().i32Load(at.list).set(i);
  c.get(i).i32(3).i32Shl().set(i8);
  for (const kk of all) c.get(i8).f64Load(at.state[kk]).set(s[kk]);
  c.get(i8).f64Load(at.input).set(inp);
  c.get(T).set(tFrom);
  c.f64(-Infinity).set(redoTo);
  c.i32(0).set(guard);
  c.block().loop(); // for (;;)
  {
    // pinned = R[i] > tFrom; tTo = pinned ? min(R[i], tEnd) : tEnd; a redo goes to redoTo
    if (hasRefractory) {
      c.get(i8).f64Load(at.refractory).get(tFrom).f64Gt().set(pinned);
      c.get(tEnd).set(tTo);
      c.get(pinned).if();
      c.get(i8).f64Load(at.refractory).get(tEnd).f64Lt().if();
      c.get(i8).f64Load(at.refractory).set(tTo);
      c.end();
      c.end();
    } else {
      c.i32(0).set(pinned);
      c.get(tEnd).set(tTo);
    }
    c.get(redoTo).f64(0).f64Ge().if();
    c.get(redoTo).set(tTo);
    c.end();
    c.get(tTo).get(tFrom).f64Sub().set(h);
    // C: a whole step uses K or KP; (LIF-like) a held stretch KP; else the series at h.
    c.get(h).get(DT).f64Sub().f64Abs().f64(1e-9).get(DT).f64Mul().f64Le().if();
    c.i32(KP_AT).i32(K_AT).get(pinned).select().set(C);
    c.else();
    if (allHeld) {
      c.get(pinned).if();
      c.i32(KP_AT).set(C);
      c.else();
    }
    {
      // Horner over the live coefficients of the free or held series, into its own output
      const series = (which: 0 | 1) => {
        const S = L.series[which];
        c.i32(0).i32Load(S.header).set(order);
        c.i32(0).set(j);
        c.block().loop();
        c.get(j).i32(0).i32Load(S.header + 4).i32GeU().brIf(1);
        c.f64(0).set(acc);
        // base = polynomials + 8 * (j * order + order - 1), stepping down
        c.get(j).get(order).i32Mul().get(order).i32Add().i32(1).i32Sub().i32(3).i32Shl().set(base);
        c.get(order).set(q);
        c.block().loop();
        c.get(q).i32Eqz().brIf(1);
        c.get(acc).get(h).f64Mul().get(base).f64Load(S.polynomials).f64Add().set(acc);
        c.get(base).i32(8).i32Sub().set(base);
        c.get(q).i32(1).i32Sub().set(q);
        c.br(0);
        c.end().end();
        c.get(j).i32(2).i32Shl().i32Load(S.live).i32(3).i32Shl().get(acc).f64Store(S.out);
        c.get(j).i32(1).i32Add().set(j);
        c.br(0);
        c.end().end();
        c.i32(S.out).set(C);
      };
      if (hasRefractory) {
        c.get(pinned).if();
        series(1);
        c.else();
        series(0);
        c.end();
      } else series(0);
    }
    if (allHeld) c.end();
    c.end();
    // n = C s (+ offset + input), in the JS kernel's order
    for (const kk of all) {
      all.filter((jj) => terms.reaches[kk][jj]).forEach((jj, m) => {
        coefficient(kk * ns + jj).get(s[jj]).f64Mul();
        if (m > 0) c.f64Add();
      });
      if (terms.offset[kk]) coefficient(ns * ns + kk).f64Add();
      if (terms.input[kk]) coefficient(ns * ns + ns + kk).get(inp).f64Mul().f64Add();
      c.set(n[kk]);
    }
    // An infinite or NaN state is kept as it is, without a spike or reset, for the health check
    // (as the JS kernel does): s = n, then out of for (;;) from `depth` blocks in.
    const keepIfNotFinite = (depth: number) => {
      all.forEach((kk, m) => {
        c.get(n[kk]).get(n[kk]).f64Sub().f64(0).f64Eq(); // x - x == 0: finite
        if (m > 0) c.i32And();
      });
      c.i32Eqz().if();
      for (const kk of all) c.get(n[kk]).set(s[kk]);
      c.br(depth + 1);
      c.end();
    };
    // A redo: the state at the spike time; record, reset, start refractoriness.
    c.get(redoTo).f64(0).f64Ge().if();
    {
      keepIfNotFinite(2);
      for (const kk of all) c.get(n[kk]).set(s[kk]);
      c.f64(-Infinity).set(redoTo);
      c.get(spikes).i32(2).i32Shl().get(i).i32Store(L.spikeNeurons);
      c.get(spikes).i32(3).i32Shl().get(tTo).f64Store(L.spikeTimes);
      c.get(spikes).i32(1).i32Add().set(spikes);
      namedAt(model.reset.map((reset) => reset.value), s);
      model.reset.forEach((reset, m) => {
        emitWith(reset.value, s);
        c.set(r[m]);
      });
      model.reset.forEach((reset, m) => c.get(r[m]).set(s[reset.index]));
      if (hasRefractory) c.get(i8).get(tTo).get(tref).f64Add().f64Store(at.refractory);
      c.get(tTo).set(tFrom);
      c.get(guard).i32(1).i32Add().tee(guard).i32(MAX_SPIKES_PER_STEP).i32GtS().if();
      {
        // the first overflow: neuron + 1 (0 means none) and its time
        c.i32(0).i32Load(L.counters + 4).i32Eqz().if();
        c.i32(0).get(i).i32(1).i32Add().i32Store(L.counters + 4);
        c.i32(0).get(tTo).f64Store(L.counters + 8);
        c.end();
        c.br(3); // out of for (;;)
      }
      c.end();
      c.get(tFrom).get(tEnd).f64Ge().brIf(2);
      c.br(1); // continue
    }
    c.end();
    // A spike inside this stretch: find its time, then redo the stretch up to it.
    c.get(pinned).i32Eqz().get(n[leader]).get(lvl).f64Ge().i32And().if();
    {
      keepIfNotFinite(2);
      // A step from lvl that ends no higher, within rounding: the leader only approaches lvl and
      // stays just below it (the JS kernel's atLevel and rounding, operation for operation).
      const live = all.filter((jj) => terms.reaches[leader][jj]);
      const term = (m: number) => {
        const jj = live[m];
        coefficient(leader * ns + jj).get(jj === leader ? lvl : s[jj]).f64Mul();
      };
      live.forEach((_, m) => {
        term(m);
        if (m > 0) c.f64Add();
      });
      if (terms.offset[leader]) coefficient(ns * ns + leader).f64Add();
      if (terms.input[leader]) coefficient(ns * ns + ns + leader).get(inp).f64Mul().f64Add();
      c.set(atLevel);
      c.f64(8 * Number.EPSILON);
      live.forEach((_, m) => {
        term(m);
        c.f64Abs();
        if (m > 0) c.f64Add();
      });
      if (terms.offset[leader]) coefficient(ns * ns + leader).f64Abs().f64Add();
      if (terms.input[leader]) coefficient(ns * ns + ns + leader).get(inp).f64Mul().f64Abs().f64Add();
      c.get(lvl).f64Abs().f64Add().f64Mul().set(rounding);
      c.get(s[leader]).get(lvl).f64Lt().get(atLevel).get(lvl).get(rounding).f64Add().f64Le().i32And().if();
      {
        for (const kk of all) if (kk !== leader) c.get(n[kk]).set(s[kk]);
        // lvl - (|lvl| * EPSILON + MIN_VALUE)
        c.get(lvl).get(lvl).f64Abs().f64(Number.EPSILON).f64Mul().f64(Number.MIN_VALUE).f64Add().f64Sub().set(s[leader]);
        c.get(tTo).set(tFrom);
        c.get(tFrom).get(tEnd).f64Ge().brIf(3);
        c.br(2); // continue
      }
      c.end();
      // frac = (lvl - s) / (n - s), clamped to [0, 1] (NaN to 0)
      c.get(lvl).get(s[leader]).f64Sub().get(n[leader]).get(s[leader]).f64Sub().f64Div().set(frac);
      c.get(frac).f64(0).f64Ge().i32Eqz().if();
      c.f64(0).set(frac);
      c.else();
      c.get(frac).f64(1).f64Gt().if();
      c.f64(1).set(frac);
      c.end();
      c.end();
      // Refine on the cubic through both ends with their slopes (see the JS kernel).
      c.get(h);
      derivative(s);
      c.f64Mul().set(d0);
      c.get(h);
      derivative(n);
      c.f64Mul().set(d1);
      // Number.isFinite(x) <=> x - x == 0
      c.get(d0).get(d0).f64Sub().f64(0).f64Eq().get(d1).get(d1).f64Sub().f64(0).f64Eq().i32And().if();
      {
        c.i32(0).set(it);
        c.block().loop();
        c.get(it).i32(3).i32GeU().brIf(1);
        c.get(frac).set(u);
        c.get(u).get(u).f64Mul().set(u2);
        c.get(u2).get(u).f64Mul().set(u3);
        const y0 = () => c.get(s[leader]);
        const y1 = () => c.get(n[leader]);
        // p = (2u3 - 3u2 + 1) y0 + (u3 - 2u2 + u) d0 + (3u2 - 2u3) y1 + (u3 - u2) d1 - lvl
        c.f64(2).get(u3).f64Mul().f64(3).get(u2).f64Mul().f64Sub().f64(1).f64Add();
        y0().f64Mul();
        c.get(u3).f64(2).get(u2).f64Mul().f64Sub().get(u).f64Add().get(d0).f64Mul().f64Add();
        c.f64(3).get(u2).f64Mul().f64(2).get(u3).f64Mul().f64Sub();
        y1().f64Mul().f64Add();
        c.get(u3).get(u2).f64Sub().get(d1).f64Mul().f64Add();
        c.get(lvl).f64Sub().set(p);
        // dp = (6u2 - 6u)(y0 - y1) + (3u2 - 4u + 1) d0 + (3u2 - 2u) d1
        c.f64(6).get(u2).f64Mul().f64(6).get(u).f64Mul().f64Sub();
        y0();
        y1().f64Sub().f64Mul();
        c.f64(3).get(u2).f64Mul().f64(4).get(u).f64Mul().f64Sub().f64(1).f64Add().get(d0).f64Mul().f64Add();
        c.f64(3).get(u2).f64Mul().f64(2).get(u).f64Mul().f64Sub().get(d1).f64Mul().f64Add();
        c.set(dp);
        c.get(u).get(p).get(dp).f64Div().f64Sub().set(next);
        // if (!(dp > 0) || !(next >= 0 && next <= 1)) break
        c.get(dp).f64(0).f64Gt().i32Eqz();
        c.get(next).f64(0).f64Ge().get(next).f64(1).f64Le().i32And().i32Eqz();
        c.i32Or().brIf(1);
        c.get(next).set(frac);
        c.get(it).i32(1).i32Add().set(it);
        c.br(0);
        c.end().end();
      }
      c.end();
      c.get(tFrom).get(frac).get(h).f64Mul().f64Add().set(redoTo);
      c.br(1); // continue
    }
    c.end();
    for (const kk of all) c.get(n[kk]).set(s[kk]);
    c.get(tTo).set(tFrom);
    c.get(tFrom).get(tEnd).f64Ge().brIf(1);
    c.br(0);
  }
  c.end().end(); // for (;;)
  for (const kk of all) c.get(i8).get(s[kk]).f64Store(at.state[kk]);
  c.get(k).i32(1).i32Add().set(k);
  c.br(0);
  c.end().end();
  c.i32(0).get(spikes).i32Store(L.counters);
  c.get(k);
  return c;
}
