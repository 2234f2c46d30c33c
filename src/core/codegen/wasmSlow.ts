// The general path of exactly integrated models as WebAssembly: the neurons the SIMD loop lists
// (a spike or a refractory end inside the step) get the kernel's `slow` step, lowered here from
// the same description kernel.ts prints as JS (step.ts), so both give the same bits by
// construction. This file adds only what is WebAssembly's own: where values live in memory,
// the loop over the listed neurons, the spike buffer, and the partial-step propagator (the
// Taylor polynomials of PropagatorSeries, by the same Horner loop).
//
// Why keep it: in a fresh process the JS general path runs unoptimised while a network's first
// spikes all come at once. Measured (CPU time of the run, medians of 10-12 fresh processes run
// interleaved, two sessions on a loaded 2-core machine): CUBA (4,000 neurons, 1 s) 140-158 ms with
// it, 171-208 ms with the JS general path; a LIF with current synapses firing ~260 Hz (4,000
// neurons, 1 s, a million spikes) 384-465 ms against 478-564 ms. That is 8-25 % of such runs, for a
// lowering of ~300 lines that no longer repeats the step: worth keeping. (A one-variable LIF and
// HH never use it: the LIF's closed-form spike time needs a logarithm, HH is not integrated exactly.)
// What it covers: whatever `slow` description lowers: + - * /, comparisons, abs, small integer
// powers of a name (model expressions with other functions, such as exp, or the closed-form spike
// time's logarithm, keep the JS path: WebAssembly has no exp or log). Values of the parameters
// alone (parameters, threshold, refractory period, hoisted subexpressions) are computed by the
// same description's closures once per parameter change and read from memory.
import type { LoadedModel } from '../model/loadModel.js';
import { describeKernel, MAX_SPIKES_PER_STEP } from './kernel.js';
import { constantValues, type Expr, type Stmt, type StepFunction, type Type } from './step.js';
import { Code, F64, I32, type ValueType } from './wasm.js';

/** Where the slow path's data live in the population's memory (byte offsets). */
export interface SlowLayout {
  /** Values computed from the parameters: the `slow` function's constants, in order. */
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

export interface WasmSlowPlan {
  /** The kernel's `slow` function, as kernel.ts describes it. */
  fn: StepFunction;
}

/**
 * Whether the WebAssembly slow path can run this model, and if so what it lowers. Null when not
 * (a description with an operation WebAssembly lacks): the JS slow path then serves.
 */
export function wasmSlowPlan(model: LoadedModel): WasmSlowPlan | null {
  if (model.linear === null) return null;
  const fn = describeKernel(model, 'exact').find((f) => f.name === 'slow')!;
  if (fn.constants.length > MAX_CONSTANTS) return null;
  const plan = { fn };
  const ns = model.stateNames.length;
  const dry = { state: model.stateNames.map((_, k) => 8 * k), input: 0, refractory: 0, coefficients: 0, list: 0 };
  try {
    slowCode(model, plan, { ...dry, slow: slowLayout(() => 0, 2, ns * ns + 2 * ns) });
  } catch (err) {
    if (err instanceof Unsupported) return null;
    throw err;
  }
  return plan;
}

/** The values of the plan's constants for these parameters (as the JS kernel computes them). */
export function slowConstants(plan: WasmSlowPlan, parameters: Float64Array): Float64Array {
  return constantValues(plan.fn, parameters);
}

/** Where a name of the description lives in the lowered code. */
type Binding =
  | { kind: 'local'; index: number; type: ValueType }
  /** A value of the parameters alone, read from the constants. */
  | { kind: 'constant'; offset: number }
  /** A column of the population (state variable, refractory ends): read and written at the neuron `i`. */
  | { kind: 'column'; offset: number }
  /** A coefficient array at a fixed place (K, KP). */
  | { kind: 'array'; offset: number };

/**
 * slow(from, count, t, dt) -> next: runs the general path for list[from..count) until the spike
 * buffer could overflow; returns where to go on (count when done). Spikes and the first overflow
 * are left in memory for the caller to hand to the recorder in order.
 */
export function slowCode(
  model: LoadedModel,
  plan: WasmSlowPlan,
  at: { state: number[]; input: number; refractory: number; coefficients: number; list: number; slow: SlowLayout },
): Code {
  const ns = model.stateNames.length;
  const width = ns * ns + 2 * ns;
  const L = at.slow;
  const fn = plan.fn;

  const c = new Code(4);
  const FROM = 0;
  const COUNT = 1;
  const T = 2;
  const DT = 3;
  const k = c.local(I32);
  const i = c.local(I32);
  const i8 = c.local(I32);
  const spikes = c.local(I32);
  const inp = c.local(F64);

  const global = new Map<string, Binding>([
    ['i', { kind: 'local', index: i, type: I32 }],
    ['inp', { kind: 'local', index: inp, type: F64 }],
    ['t', { kind: 'local', index: T, type: F64 }],
    ['dt', { kind: 'local', index: DT, type: F64 }],
    ['R', { kind: 'column', offset: at.refractory }],
    ['K', { kind: 'array', offset: at.coefficients + 8 }],
    ['KP', { kind: 'array', offset: at.coefficients + 8 * (1 + width) }],
  ]);
  fn.constants.forEach((st, j) => global.set(st.name, { kind: 'constant', offset: L.constants + 8 * j }));
  const scopes: Map<string, Binding>[] = [global];
  const find = (name: string): Binding => {
    for (let s = scopes.length - 1; s >= 0; s--) {
      const binding = scopes[s].get(name);
      if (binding) return binding;
    }
    throw new Unsupported(name);
  };
  /** Open blocks, innermost last: what `break` and `continue` of the description jump to. */
  const labels: ('if' | 'break' | 'loop' | 'continue')[] = [];
  const depthOf = (kind: 'break' | 'continue') => {
    // a `for (;;)` continues at its loop; a counted for at the block around its body
    for (let d = labels.length - 1; d >= 0; d--) {
      if (kind === 'break' && labels[d] === 'break') return labels.length - 1 - d;
      if (kind === 'continue' && (labels[d] === 'continue' || labels[d] === 'loop')) return labels.length - 1 - d;
    }
    throw new Unsupported(kind);
  };
  const wasmType = (type: Type): ValueType => (type === 'num' ? F64 : I32);

  /** The type an expression leaves on the stack. */
  const typeOf = (x: Expr): ValueType => {
    switch (x.e) {
      case 'num':
      case 'at':
        return F64;
      case 'int':
      case 'len':
      case 'prop':
        return I32;
      case 'get': {
        const b = find(x.name);
        return b.kind === 'local' ? b.type : b.kind === 'constant' ? F64 : I32;
      }
      case 'un':
        return x.op === '!' || x.op === 'finite' ? I32 : F64;
      case 'bin':
        return ['+', '-', '*', '/'].includes(x.op) ? typeOf(x.a) : I32;
      case 'cond':
        return typeOf(x.t);
      case 'call':
        throw new Unsupported(x.fn);
    }
  };

  /** Push an array's address (an i32) for `at`: K and KP where they are, C from its local. */
  const address = (name: string) => {
    const b = find(name);
    if (b.kind === 'array') c.i32(b.offset);
    else if (b.kind === 'local' && b.type === I32) c.get(b.index);
    else throw new Unsupported(name);
  };

  const expr = (x: Expr): void => {
    switch (x.e) {
      case 'num':
        c.f64(x.value);
        return;
      case 'int':
        c.i32(x.value);
        return;
      case 'get': {
        const b = find(x.name);
        if (b.kind === 'local') c.get(b.index);
        else if (b.kind === 'constant') c.i32(0).f64Load(b.offset);
        else if (b.kind === 'array') c.i32(b.offset);
        else throw new Unsupported(x.name);
        return;
      }
      case 'at': {
        const b = find(x.array);
        if (b.kind === 'column') {
          if (!(x.index.e === 'get' && x.index.name === 'i')) throw new Unsupported('column index');
          c.get(i8).f64Load(b.offset);
        } else {
          if (x.index.e !== 'int') throw new Unsupported('array index');
          address(x.array);
          c.f64Load(8 * x.index.value);
        }
        return;
      }
      case 'un': {
        if (x.op === 'finite') {
          // Number.isFinite(a) <=> a - a == 0
          const tmp = c.local(F64);
          expr(x.a);
          c.tee(tmp).get(tmp).f64Sub().f64(0).f64Eq();
          return;
        }
        expr(x.a);
        if (x.op === '-') c.f64Neg();
        else if (x.op === 'abs') c.f64Abs();
        else if (x.op === '!') c.i32Eqz();
        else if (x.op !== '+') throw new Unsupported(x.op);
        return;
      }
      case 'bin': {
        const type = typeOf(x.a);
        if (type !== typeOf(x.b)) throw new Unsupported('mixed types');
        expr(x.a);
        expr(x.b);
        // (&& and || of two comparisons: both sides are pure, so evaluating both changes nothing)
        const f64 = { '+': () => c.f64Add(), '-': () => c.f64Sub(), '*': () => c.f64Mul(), '/': () => c.f64Div(), '<': () => c.f64Lt(), '>': () => c.f64Gt(), '<=': () => c.f64Le(), '>=': () => c.f64Ge(), '===': () => c.f64Eq(), '!==': () => c.f64Ne() } as Record<string, () => void>;
        const i32 = { '+': () => c.i32Add(), '-': () => c.i32Sub(), '*': () => c.i32Mul(), '<': () => c.i32LtS(), '>': () => c.i32GtS(), '<=': () => c.i32LeS(), '>=': () => c.i32GeS(), '===': () => c.i32Eq(), '!==': () => c.i32Ne(), '&&': () => c.i32And(), '||': () => c.i32Or() } as Record<string, () => void>;
        const op = (type === F64 ? f64 : i32)[x.op];
        if (!op) throw new Unsupported(x.op);
        op();
        return;
      }
      case 'cond':
        expr(x.c);
        c.ifValue(typeOf(x.t));
        expr(x.t);
        c.else();
        expr(x.f);
        c.end();
        return;
      case 'prop': {
        // The free or held series at h, into its own output; its address is left on the stack.
        const h = c.local(F64);
        const pinned = c.local(I32);
        expr(x.h);
        c.set(h);
        expr(x.pinned);
        c.set(pinned);
        const series = (which: 0 | 1) => {
          const S = L.series[which];
          const order = c.local(I32);
          const j = c.local(I32);
          const q = c.local(I32);
          const base = c.local(I32);
          const acc = c.local(F64);
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
          c.i32(S.out);
        };
        c.get(pinned).ifValue(I32);
        series(1);
        c.else();
        series(0);
        c.end();
        return;
      }
      default:
        throw new Unsupported(x.e);
    }
  };

  const block = (body: Stmt[]) => {
    scopes.push(new Map());
    body.forEach(stmt);
    scopes.pop();
  };
  const stmt = (st: Stmt): void => {
    switch (st.s) {
      case 'let': {
        const scope = scopes[scopes.length - 1];
        if (st.type === 'obj' && st.value.e === 'at' && st.value.array === 'S' && st.value.index.e === 'int') {
          scope.set(st.name, { kind: 'column', offset: at.state[st.value.index.value] });
          return;
        }
        const type = wasmType(st.type);
        if (typeOf(st.value) !== type) throw new Unsupported(st.name);
        const index = c.local(type);
        expr(st.value);
        c.set(index);
        scope.set(st.name, { kind: 'local', index, type });
        return;
      }
      case 'set': {
        const b = find(st.name);
        if (b.kind !== 'local' || typeOf(st.value) !== b.type) throw new Unsupported(st.name);
        expr(st.value);
        c.set(b.index);
        return;
      }
      case 'store': {
        const b = find(st.array);
        if (b.kind !== 'column' || !(st.index.e === 'get' && st.index.name === 'i')) throw new Unsupported(st.array);
        c.get(i8);
        expr(st.value);
        c.f64Store(b.offset);
        return;
      }
      case 'if':
        expr(st.cond);
        c.if();
        labels.push('if');
        block(st.then);
        if (st.otherwise.length > 0) {
          c.else();
          block(st.otherwise);
        }
        labels.pop();
        c.end();
        return;
      case 'loop':
        c.block().loop();
        labels.push('break', 'loop');
        block(st.body);
        c.br(0);
        labels.pop();
        labels.pop();
        c.end().end();
        return;
      case 'for': {
        const counter = c.local(I32);
        expr(st.from);
        c.set(counter);
        c.block().loop();
        labels.push('break', 'if'); // (the loop is no target: continue goes through the increment)
        scopes.push(new Map([[st.name, { kind: 'local', index: counter, type: I32 }]]));
        c.get(counter);
        expr(st.to);
        c.i32GeS().brIf(1);
        c.block();
        labels.push('continue');
        block(st.body);
        labels.pop();
        c.end();
        c.get(counter).i32(1).i32Add().set(counter);
        c.br(0);
        scopes.pop();
        labels.pop();
        labels.pop();
        c.end().end();
        return;
      }
      case 'break':
        c.br(depthOf('break'));
        return;
      case 'continue':
        c.br(depthOf('continue'));
        return;
      case 'spike':
        c.get(spikes).i32(2).i32Shl();
        expr(st.neuron);
        c.i32Store(L.spikeNeurons);
        c.get(spikes).i32(3).i32Shl();
        expr(st.time);
        c.f64Store(L.spikeTimes);
        c.get(spikes).i32(1).i32Add().set(spikes);
        return;
      case 'overflow':
        // the first overflow: neuron + 1 (0 means none) and its time
        c.i32(0).i32Load(L.counters + 4).i32Eqz().if();
        c.i32(0);
        expr(st.neuron);
        c.i32(1).i32Add().i32Store(L.counters + 4);
        c.i32(0);
        expr(st.time);
        c.f64Store(L.counters + 8);
        c.end();
        return;
      default:
        throw new Unsupported(st.s);
    }
  };

  c.i32(0).i32Load(L.counters).set(spikes);
  c.get(FROM).set(k);
  c.block().loop(); // per listed neuron
  c.get(k).get(COUNT).i32GeU().brIf(1);
  // Room for this neuron's spikes, or hand back to the caller to empty the buffer.
  c.get(spikes).i32(L.spikeCapacity - MAX_SPIKES_PER_STEP - 2).i32GeU().brIf(1);
  c.get(k).i32(2).i32Shl().i32Load(at.list).set(i);
  c.get(i).i32(3).i32Shl().set(i8);
  c.get(i8).f64Load(at.input).set(inp);
  // the description's body, inside a block the listed neurons' loop does not see
  labels.push('if', 'if');
  block(fn.body);
  labels.length = 0;
  c.get(k).i32(1).i32Add().set(k);
  c.br(0);
  c.end().end();
  c.i32(0).get(spikes).i32Store(L.counters);
  c.get(k);
  return c;
}
