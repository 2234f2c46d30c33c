// The voltage clamp: a stimulus that holds the membrane potential of its target neurons at a
// command (a holding level with steps and ramps on it) and reports the current it takes.
//
//   ideal    v follows the command. Before each step the clamp injects the input that makes dv/dt
//            the command's slope over the step (solved from the model's own dv/dt, which the input
//            enters: one Newton step, exact where dv/dt is linear in the input, as every shipped
//            model is); after the step v is set to the command. Every other variable integrates
//            with the model's own method under that v: for gates with the staggered or
//            exponential-Euler methods that is each gate's exact exponential relaxation.
//   series   seriesResistance R_s > 0: the current (V_cmd - v) / R_s is injected and v is free, so
//            v lags the command by I R_s in steady state (why real clamps are imperfect).
//
// The clamp current is recorded like a state variable, CLAMP_CURRENT, in the input's unit: for the
// ideal clamp it is the input that makes dv/dt equal the command's slope at the sample (a step's
// edge is an instant of infinite capacitive current there, which is left out); for the series
// clamp (V_cmd - v) / R_s. The command is piecewise: a step or ramp covers [startMs, stopMs).
import { InputError } from '../errors.js';
import { PointEvaluator } from '../model/evaluate.js';
import { exprel, type Evaluator } from '../codegen/expression.js';
import type { LoadedModel, MethodName } from '../model/loadModel.js';
import { resistanceUnitOf } from './resistanceUnit.js';

/** The name a clamp current is traced under (record.traces[k].variable). */
export const CLAMP_CURRENT = 'I_clamp';

/** A step of the command to `levelMV`, or a ramp from `fromMV` to `toMV`, over [startMs, stopMs). */
export type ClampCommand = { startMs: number; stopMs: number } & ({ levelMV: number } | { fromMV: number; toMV: number });

/**
 * A voltage clamp on a population (or the listed neurons of it). Potentials are in the membrane
 * variable's unit (mV for every shipped model but FitzHugh-Nagumo's dimensionless v).
 */
export interface VoltageClampSpec {
  type: 'voltageClamp';
  population: string;
  targets?: 'all' | number[];
  /** The command outside the steps and ramps. */
  holdingMV: number;
  /** Steps and ramps in time order, none overlapping another. */
  commands?: ClampCommand[];
  /**
   * 0 or absent: an ideal clamp. Above 0: a series-resistance clamp, R_s in the membrane unit per
   * input unit (MOhm for nA, GOhm for pA, kOhm cm2 for uA/cm2).
   */
  seriesResistance?: number;
  /**
   * Start with v at the command and every other variable at its steady state at the holding level,
   * as after a long hold (default true); a population's `initial` values still win.
   */
  settle?: boolean;
}

/** How close to an edge a time is taken to be on it: steps at k dt land on their edge whatever the rounding of k * dt. */
const EDGE = 1e-9;

/** The command at time t (ms). */
export function commandAt(spec: Pick<VoltageClampSpec, 'holdingMV' | 'commands'>, t: number): number {
  for (const c of spec.commands ?? []) {
    const tol = EDGE * Math.max(1, Math.abs(t));
    if (t + tol >= c.startMs && t + tol < c.stopMs) {
      if ('levelMV' in c) return c.levelMV;
      return c.fromMV + ((c.toMV - c.fromMV) * (t - c.startMs)) / (c.stopMs - c.startMs);
    }
  }
  return spec.holdingMV;
}

/** The command's slope at time t (per ms): a ramp's, else 0. */
export function commandSlope(spec: Pick<VoltageClampSpec, 'holdingMV' | 'commands'>, t: number): number {
  for (const c of spec.commands ?? []) {
    const tol = EDGE * Math.max(1, Math.abs(t));
    if (t + tol >= c.startMs && t + tol < c.stopMs) return 'levelMV' in c ? 0 : (c.toMV - c.fromMV) / (c.stopMs - c.startMs);
  }
  return 0;
}

/** The unit of a series resistance for a model (resistanceUnit.ts). */
export function resistanceUnit(model: LoadedModel): string {
  return resistanceUnitOf(model.display.membrane?.unit ?? '', model.file.input.unit);
}

/** The membrane variable's index, or an InputError naming `field` when the model declares none. */
export function membraneIndex(model: LoadedModel, field: string): number {
  const membrane = model.display.membrane;
  if (!membrane) throw new InputError(field, `model ${model.id} declares no membrane variable (its file's "membrane"), so it cannot be voltage-clamped`);
  return membrane.index;
}

/**
 * dv/dt and d(dv/dt)/d(input) at one point: the membrane equation's right-hand side and its slope
 * in the input (a central difference, exact for a right-hand side linear in the input).
 */
class MembraneRate {
  private readonly evaluator: PointEvaluator;
  private readonly rhs: Evaluator;
  private readonly self: Evaluator | null;
  private readonly point: Float64Array;
  constructor(
    readonly model: LoadedModel,
    readonly index: number,
  ) {
    this.evaluator = new PointEvaluator(model);
    this.rhs = this.evaluator.compile(model.equations[index].rhs);
    const coefficient = model.equations[index].selfCoefficient;
    this.self = coefficient ? this.evaluator.compile(coefficient) : null;
    this.point = new Float64Array(model.stateNames.length);
  }
  /** d(dv/dt)/dv at the point, as the exponential-Euler methods take it (0 where the model gives no coefficient). */
  selfCoefficient(parameters: Float64Array, point: ArrayLike<number>, input: number): number {
    if (!this.self) return 0;
    this.evaluator.set(parameters, point, input);
    return this.self(this.evaluator.values);
  }
  /** Load neuron i of `state`; then rate(input) and slope(input) read that point. */
  load(state: Float64Array[], i: number): Float64Array {
    for (let k = 0; k < this.point.length; k++) this.point[k] = state[k][i];
    return this.point;
  }
  rate(parameters: Float64Array, point: ArrayLike<number>, input: number): number {
    this.evaluator.set(parameters, point, input);
    return this.rhs(this.evaluator.values);
  }
  slope(parameters: Float64Array, point: ArrayLike<number>, input: number): number {
    const h = Math.max(1, Math.abs(input)) * 1e-3;
    return (this.rate(parameters, point, input + h) - this.rate(parameters, point, input - h)) / (2 * h);
  }
  /** Whether dv/dt is linear in the input (checked at one point: then it is by its form, as every shipped model's). */
  linear: boolean | null = null;
  /** The input at which dv/dt = `target`, from `input`: Newton steps (one is exact for a linear dependence). */
  inputFor(parameters: Float64Array, point: ArrayLike<number>, input: number, target: number): number {
    if (this.linear === null) {
      const [a, b, c] = [this.rate(parameters, point, input), this.rate(parameters, point, input + 1), this.rate(parameters, point, input + 2)];
      this.linear = Math.abs(c - 2 * b + a) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b), Math.abs(c), Math.abs(c - b));
    }
    if (this.linear) {
      // Two evaluations: the rate here and one unit of input on.
      const f = this.rate(parameters, point, input);
      const gain = this.rate(parameters, point, input + 1) - f;
      return gain !== 0 && Number.isFinite(gain) ? input + (target - f) / gain : NaN;
    }
    let x = input;
    for (let iteration = 0; iteration < 4; iteration++) {
      const f = this.rate(parameters, point, x) - target;
      const b = this.slope(parameters, point, x);
      if (!(b !== 0) || !Number.isFinite(b)) return NaN;
      const next = x - f / b;
      if (Math.abs(next - x) <= 1e-12 * Math.max(1, Math.abs(next))) return next;
      x = next;
    }
    return x;
  }
}

/**
 * One MembraneRate per model (a PointEvaluator compiles every named value the loader derived, so
 * building one costs more than a run of a few thousand steps): they hold no state between calls.
 */
const rates = new WeakMap<LoadedModel, { rate: MembraneRate; initial: PointEvaluator }>();
function membraneRate(model: LoadedModel): { rate: MembraneRate; initial: PointEvaluator } {
  let known = rates.get(model);
  if (!known) rates.set(model, (known = { rate: new MembraneRate(model, model.display.membrane?.index ?? model.threshold.index), initial: new PointEvaluator(model) }));
  return known;
}

/** d(dv/dt)/d(input) of a model at its initial state: 0 means the input does not reach v, and no clamp can act. */
export function inputGain(model: LoadedModel, parameters: Float64Array): number {
  const { rate, initial } = membraneRate(model);
  return rate.slope(parameters, initial.initialState(parameters), 0);
}

/**
 * The smallest series resistance a step of dtMs can follow: the clamp relaxes v towards the
 * command at the rate gain / R_s, and the injected current is held over a step, so R_s must be at
 * least 2 gain dt (a relaxation of half a step or slower).
 */
export function minimumSeriesResistance(model: LoadedModel, parameters: Float64Array, dtMs: number): number {
  return 2 * Math.abs(inputGain(model, parameters)) * dtMs;
}

/** What a clamp needs of the population it acts on. */
export interface ClampHost {
  readonly state: Float64Array[];
  readonly parameters: Float64Array;
  readonly input: Float64Array;
  readonly size: number;
}

/** A voltage clamp running on one population. */
export class VoltageClamp {
  private spec: VoltageClampSpec;
  private readonly rate: MembraneRate;
  readonly membrane: number;
  /** The input each target had before the clamp's own, at the last step (the clamp current is computed against it). */
  private readonly otherInput: Float64Array;
  private stepped = false;

  /** Whether the method steps v by exponential Euler (v + h f exprel(a h)): the injected input then aims at that step. */
  private readonly exponential: boolean;

  constructor(
    spec: VoltageClampSpec,
    readonly targets: Int32Array,
    readonly model: LoadedModel,
    method: MethodName,
    /** Where the clamp writes its current, per neuron of the population (shared by the clamps on one population). */
    readonly current: Float64Array,
  ) {
    this.spec = spec;
    this.membrane = membraneIndex(model, 'type');
    this.rate = membraneRate(model).rate;
    this.otherInput = new Float64Array(targets.length);
    this.exponential = method === 'staggered' || method === 'exponential_euler';
  }

  get ideal(): boolean {
    return !(this.spec.seriesResistance && this.spec.seriesResistance > 0);
  }

  /** Change the command or the series resistance from the next step (a live change). */
  setSpec(spec: VoltageClampSpec): void {
    this.spec = spec;
  }

  get specification(): VoltageClampSpec {
    return this.spec;
  }

  /**
   * The state at t = 0: v at the command, and (settle) the other variables at their steady state
   * at the holding level, except those in `keep` (given initial values).
   */
  start(host: ClampHost, keep: Set<number>): void {
    const v = host.state[this.membrane];
    const settle = this.spec.settle !== false;
    const other = this.model.stateNames.map((_, k) => k).filter((k) => k !== this.membrane && !keep.has(k));
    const point = new Float64Array(this.model.stateNames.length);
    for (const i of this.targets) {
      if (settle && other.length > 0) {
        for (let k = 0; k < point.length; k++) point[k] = host.state[k][i];
        point[this.membrane] = this.spec.holdingMV;
        const steady = steadyStateAt(this.model, host.parameters, point, other, host.input[i]);
        if (steady) for (const k of other) host.state[k][i] = steady[k];
      }
      v[i] = this.ideal ? commandAt(this.spec, 0) : settle ? this.spec.holdingMV : v[i];
    }
  }

  /** Before the step from t: add the clamp's input to `host.input` (which holds the other inputs). */
  inject(host: ClampHost, t: number, dt: number): void {
    const { targets } = this;
    const input = host.input;
    const v = host.state[this.membrane];
    this.stepped = true;
    if (!this.ideal) {
      const R = this.spec.seriesResistance!;
      const command = commandAt(this.spec, t + dt / 2);
      for (let k = 0; k < targets.length; k++) {
        const i = targets[k];
        this.otherInput[k] = input[i];
        input[i] += (command - v[i]) / R;
      }
      return;
    }
    const next = commandAt(this.spec, t + dt);
    for (let k = 0; k < targets.length; k++) {
      const i = targets[k];
      const other = input[i];
      this.otherInput[k] = other;
      // The input that takes v from where it is to the next command level over this step: with
      // exponential Euler, v + dt f exprel(a dt) = next (so the staggered gates then see v at the
      // command exactly), else v + dt f = next.
      const point = this.rate.load(host.state, i);
      const a = this.exponential ? this.rate.selfCoefficient(host.parameters, point, other) : 0;
      const needed = this.rate.inputFor(host.parameters, point, other, (next - v[i]) / (dt * exprel(a * dt)));
      if (Number.isFinite(needed)) input[i] = needed;
    }
  }

  /** After the step to time t: an ideal clamp sets v to the command. */
  pin(host: ClampHost, t: number): void {
    if (!this.ideal) return;
    const v = host.state[this.membrane];
    const command = commandAt(this.spec, t);
    for (const i of this.targets) v[i] = command;
  }

  /**
   * The clamp current at time t into `current`, from the state now and the other inputs of the
   * last step (before the first step, the input as it stands).
   */
  refresh(host: ClampHost, t: number): void {
    const { targets } = this;
    const v = host.state[this.membrane];
    const other = (k: number) => (this.stepped ? this.otherInput[k] : host.input[targets[k]]);
    if (!this.ideal) {
      const R = this.spec.seriesResistance!;
      const command = commandAt(this.spec, t);
      for (let k = 0; k < targets.length; k++) this.current[targets[k]] = (command - v[targets[k]]) / R;
      return;
    }
    const slope = commandSlope(this.spec, t);
    for (let k = 0; k < targets.length; k++) {
      const i = targets[k];
      const point = this.rate.load(host.state, i);
      const o = other(k);
      this.current[i] = this.rate.inputFor(host.parameters, point, o, slope) - o;
    }
  }
}

/**
 * The steady state of the variables `free` with the others held at `point` (v at a clamp's
 * holding level): Newton's method on their equations with a Jacobian by differences. Null when it
 * does not converge (the variables keep the values they had).
 */
const steadyEvaluators = new WeakMap<LoadedModel, PointEvaluator>();

export function steadyStateAt(model: LoadedModel, parameters: Float64Array, point: Float64Array, free: number[], input: number): Float64Array | null {
  let evaluator = steadyEvaluators.get(model);
  if (!evaluator) steadyEvaluators.set(model, (evaluator = new PointEvaluator(model)));
  const rhs = free.map((k) => evaluator.compile(model.equations[k].rhs));
  const x = Float64Array.from(point);
  const n = free.length;
  const f = (into: Float64Array) => {
    evaluator.set(parameters, x, input);
    for (let a = 0; a < n; a++) into[a] = rhs[a](evaluator.values);
  };
  const f0 = new Float64Array(n);
  const f1 = new Float64Array(n);
  const J = new Float64Array(n * n);
  for (let iteration = 0; iteration < 50; iteration++) {
    f(f0);
    let size = 0;
    for (let a = 0; a < n; a++) size = Math.max(size, Math.abs(f0[a]));
    for (let b = 0; b < n; b++) {
      const k = free[b];
      const h = 1e-7 * Math.max(1, Math.abs(x[k]));
      const keep = x[k];
      x[k] = keep + h;
      f(f1);
      x[k] = keep;
      for (let a = 0; a < n; a++) J[a * n + b] = (f1[a] - f0[a]) / h;
    }
    const step = solve(J, f0, n);
    if (!step) return null;
    let moved = 0;
    for (let b = 0; b < n; b++) {
      x[free[b]] -= step[b];
      moved = Math.max(moved, Math.abs(step[b]) / Math.max(1, Math.abs(x[free[b]])));
    }
    if (moved < 1e-13 || (size === 0 && moved === 0)) break;
    if (iteration === 49) return null;
  }
  for (const k of free) if (!Number.isFinite(x[k])) return null;
  return x;
}

/** Solve J s = f (Gaussian elimination with partial pivoting); null when singular. */
function solve(J: Float64Array, f: Float64Array, n: number): Float64Array | null {
  const a = Float64Array.from(J);
  const b = Float64Array.from(f);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r * n + c]) > Math.abs(a[p * n + c])) p = r;
    if (!(Math.abs(a[p * n + c]) > 0)) return null;
    if (p !== c) {
      for (let k = 0; k < n; k++) [a[c * n + k], a[p * n + k]] = [a[p * n + k], a[c * n + k]];
      [b[c], b[p]] = [b[p], b[c]];
    }
    for (let r = c + 1; r < n; r++) {
      const m = a[r * n + c] / a[c * n + c];
      if (m === 0) continue;
      for (let k = c; k < n; k++) a[r * n + k] -= m * a[c * n + k];
      b[r] -= m * b[c];
    }
  }
  const s = new Float64Array(n);
  for (let r = n - 1; r >= 0; r--) {
    let sum = b[r];
    for (let k = r + 1; k < n; k++) sum -= a[r * n + k] * s[k];
    s[r] = sum / a[r * n + r];
  }
  return s;
}
