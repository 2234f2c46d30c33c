// The phase plane of a neuron model at a given input and parameters: pure functions over plain data
// (typed arrays), for a panel and for the CLI's `phase`.
//
//   phasePlane(model, parameters, input)   the plane: its two variables and the field on them
//   vectorField(plane, ranges, nx, ny)      dx/dt and dy/dt on a grid
//   nullclines(plane, ranges, nx, ny)       where each vanishes, as polylines (marching squares)
//   fixedPoints(plane)                      bracketed along the y-nullcline, polished by Newton,
//                                           with the Jacobian's eigenvalues and a type
//   restBifurcation(...)                    the input where the rest state loses stability, by
//                                           continuation in the input: saddle-node or Hopf
//   firingOnset(...)                        the least input with a stable limit cycle, by following
//                                           the cycle down in the input
//   projectTrajectory(plane, traces)        a full model's trajectory on the plane, with how far the
//                                           reduced variables are from their reduction along it
//
// A model with two state variables is its own plane (x the membrane variable, y the other). A
// model with more declares its reduction in its file:
//   "phasePlane": { "x": "v", "y": "n", "steady": ["m"], "tied": { "h": "0.89 - 1.1 * n" },
//                   "reduction": "what it is and where it comes from", "ranges": { "v": [-90, 60], "n": [0, 1] } }
// `steady` variables sit at their steady state given the others (m = m_inf(v)); `tied` ones are
// expressions of the parameters and the plane's two variables. Resets are not part of the plane:
// the field is the continuous dynamics between spikes.
import { InputError, describeValue } from '../errors.js';
import { PointEvaluator } from '../model/evaluate.js';
import { parseExpression, toClosure } from '../codegen/expression.js';
import { parameterEvaluator, type LoadedModel } from '../model/loadModel.js';

export type Range = [number, number];

export interface PlaneReduction {
  /** What the reduction is and where it comes from, as the model file says (for the panel to state). */
  description: string;
  steady: string[];
  tied: { variable: string; expression: string }[];
}

export interface PhasePlane {
  model: string;
  input: number;
  parameters: Float64Array;
  /** The model's initial state on the plane (x, y). */
  home: [number, number];
  /** The model's state variables, in the order of state(). */
  stateNames: string[];
  x: { name: string; index: number; unit: string };
  y: { name: string; index: number; unit: string };
  /** Null for a two-variable model. */
  reduction: PlaneReduction | null;
  /** Ranges to show: the file's, else from runs of the plane's own dynamics (at this input and at the top of the model's sweep) and its fixed points. */
  readonly ranges: { x: Range; y: Range };
  /** [dx/dt, dy/dt] at (x, y), into `out`. */
  field(x: number, y: number, out?: Float64Array): Float64Array;
  /** The full state at (x, y): steady variables at their steady state, tied ones from their expressions. */
  state(x: number, y: number): Float64Array;
}

export type FixedPointType = 'stable node' | 'unstable node' | 'stable focus' | 'unstable focus' | 'saddle' | 'center' | 'degenerate';

export interface FixedPoint {
  x: number;
  y: number;
  /** The full model state there. */
  state: Float64Array;
  /** [dfx/dx, dfx/dy, dfy/dx, dfy/dy] */
  jacobian: Float64Array;
  trace: number;
  determinant: number;
  eigenvalues: { re: [number, number]; im: [number, number] };
  type: FixedPointType;
  /** Both eigenvalues with negative real part (a center or degenerate point is not stable). */
  stable: boolean;
}

interface PlaneDeclaration {
  x: string;
  y: string;
  steady: string[];
  tied: Record<string, string>;
  reduction: string;
  ranges?: Record<string, Range>;
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** The model file's `phasePlane`, checked; null when it has none. */
function declaration(model: LoadedModel): PlaneDeclaration | null {
  const raw = (model.file as unknown as { phasePlane?: unknown }).phasePlane;
  if (raw === undefined) return null;
  const at = (path: string) => `${model.source}: phasePlane${path}`;
  if (!isObject(raw)) throw new InputError(at(''), `must be an object { x, y, steady, tied, reduction, ranges }, got ${describeValue(raw)}`);
  for (const key of ['x', 'y'] as const) if (typeof raw[key] !== 'string' || !model.stateNames.includes(raw[key] as string)) throw new InputError(at(`.${key}`), `${describeValue(raw[key])} is not a state variable of ${model.id}`);
  const steady = raw.steady ?? [];
  if (!Array.isArray(steady) || !steady.every((s) => typeof s === 'string' && model.stateNames.includes(s))) throw new InputError(at('.steady'), `must list state variables of ${model.id}`);
  const tied = raw.tied ?? {};
  if (!isObject(tied) || !Object.entries(tied).every(([k, v]) => model.stateNames.includes(k) && typeof v === 'string')) throw new InputError(at('.tied'), `must be { stateVariable: "expression of parameters, ${raw.x} and ${raw.y}" }`);
  const covered = [raw.x, raw.y, ...steady, ...Object.keys(tied)];
  const missing = model.stateNames.filter((s) => !covered.includes(s));
  if (missing.length > 0 || new Set(covered).size !== covered.length) throw new InputError(at(''), `x, y, steady and tied must name every state variable of ${model.id} once (${missing.length > 0 ? `missing: ${missing.join(', ')}` : 'one is named twice'})`);
  if (typeof raw.reduction !== 'string' || raw.reduction.trim() === '') throw new InputError(at('.reduction'), 'must say what the reduction is and where it comes from');
  let ranges: Record<string, Range> | undefined;
  if (raw.ranges !== undefined) {
    if (!isObject(raw.ranges)) throw new InputError(at('.ranges'), 'must be { variable: [low, high] }');
    ranges = {};
    for (const [k, r] of Object.entries(raw.ranges)) {
      if (!Array.isArray(r) || r.length !== 2 || !r.every((v) => typeof v === 'number' && Number.isFinite(v)) || !(r[0] < r[1])) throw new InputError(at(`.ranges.${k}`), `must be [low, high] with low < high, got ${describeValue(r)}`);
      ranges[k] = [r[0], r[1]];
    }
  }
  return { x: raw.x as string, y: raw.y as string, steady: steady as string[], tied: tied as Record<string, string>, reduction: raw.reduction, ranges };
}

/**
 * One evaluator of the right-hand sides per model, shared by its planes (building one compiles every
 * value the loader derived; continuation builds hundreds of planes). A plane loads its own point
 * into it before every read, so sharing is safe.
 */
const evaluators = new WeakMap<LoadedModel, { evaluator: PointEvaluator; rhs: ((values: ArrayLike<number>) => number)[]; initialState: PointEvaluator }>();
function evaluatorsOf(model: LoadedModel) {
  let known = evaluators.get(model);
  if (!known) {
    const evaluator = new PointEvaluator(model);
    evaluators.set(model, (known = { evaluator, rhs: model.equations.map((e) => evaluator.compile(e.rhs)), initialState: new PointEvaluator(model) }));
  }
  return known;
}

/**
 * The phase plane of `model` at `input` with `parameters` (the values in use). Refused, naming the
 * model, when it has neither two state variables nor a declared reduction.
 */
export function phasePlane(model: LoadedModel, parameters: Float64Array, input: number, field = 'model'): PhasePlane {
  const declared = declaration(model);
  if (!declared && model.stateNames.length !== 2) {
    throw new InputError(field, `model ${model.id} has ${model.stateNames.length} state variables (${model.stateNames.join(', ')}) and its file declares no reduction to two ("phasePlane"), so it has no phase plane`);
  }
  const membrane = model.display.membrane?.name ?? model.stateNames[0];
  const xName = declared?.x ?? membrane;
  const yName = declared?.y ?? model.stateNames.find((s) => s !== xName)!;
  const xi = model.stateNames.indexOf(xName);
  const yi = model.stateNames.indexOf(yName);
  const { evaluator, rhs, initialState } = evaluatorsOf(model);
  const np = model.parameterNames.length;
  const tied = Object.entries(declared?.tied ?? {}).map(([variable, text]) => {
    const node = parseExpression(text, `${model.source}: phasePlane.tied.${variable}`, (name) => model.parameterNames.includes(name) || name === xName || name === yName);
    return { variable, index: model.stateNames.indexOf(variable), text, evaluate: toClosure(node, (name) => (name === xName ? np : name === yName ? np + 1 : model.parameterNames.indexOf(name))) };
  });
  const steady = (declared?.steady ?? []).map((name) => model.stateNames.indexOf(name));
  const slots = new Float64Array(np + 2);
  slots.set(parameters);
  const initial = initialState.initialState(parameters);
  const point = Float64Array.from(initial);
  /** Fill `point` for (x, y): tied variables, then each steady one by Newton on its own equation (from its last value). */
  const fill = (x: number, y: number) => {
    point[xi] = x;
    point[yi] = y;
    slots[np] = x;
    slots[np + 1] = y;
    for (const t of tied) point[t.index] = t.evaluate(slots);
    for (const k of steady) {
      let s = Number.isFinite(point[k]) ? point[k] : initial[k];
      for (let iteration = 0; iteration < 30; iteration++) {
        point[k] = s;
        evaluator.set(parameters, point, input);
        const f = rhs[k](evaluator.values);
        const h = 1e-7 * Math.max(1, Math.abs(s));
        point[k] = s + h;
        evaluator.set(parameters, point, input);
        const slope = (rhs[k](evaluator.values) - f) / h;
        if (!(slope !== 0) || !Number.isFinite(slope)) break;
        const next = s - f / slope;
        const done = Math.abs(next - s) <= 1e-14 * Math.max(1, Math.abs(next));
        s = next;
        if (done) break;
      }
      point[k] = s;
    }
    evaluator.set(parameters, point, input);
  };
  let ranges: { x: Range; y: Range } | undefined;
  const plane: PhasePlane = {
    model: model.id,
    input,
    parameters: Float64Array.from(parameters),
    stateNames: [...model.stateNames],
    home: [initial[xi], initial[yi]],
    x: { name: xName, index: xi, unit: model.file.state[xName].unit },
    y: { name: yName, index: yi, unit: model.file.state[yName].unit },
    reduction: declared ? { description: declared.reduction, steady: declared.steady, tied: tied.map((t) => ({ variable: t.variable, expression: t.text })) } : null,
    get ranges() {
      // Computed on first use (a run of the plane's dynamics): continuation builds planes it never draws.
      return (ranges ??= declared?.ranges?.[xName] && declared.ranges[yName] ? { x: declared.ranges[xName], y: declared.ranges[yName] } : suggestRanges(plane, model, initial));
    },
    field(x, y, out = new Float64Array(2)) {
      fill(x, y);
      out[0] = rhs[xi](evaluator.values);
      out[1] = rhs[yi](evaluator.values);
      return out;
    },
    state(x, y) {
      fill(x, y);
      return Float64Array.from(point);
    },
  };
  return plane;
}

/** Where a fixed point is sought along x: the model's bounds of x, at most +-1000. */
function scanRange(model: LoadedModel, plane: PhasePlane): Range {
  const bound = model.bounds.find((b) => b.index === plane.x.index);
  return [Math.max(bound ? bound.low : -1000, -1000), Math.min(bound ? bound.high : 1000, 1000)];
}

/**
 * Ranges from a run of the plane's own dynamics (RK4, resets left out) from the model's initial
 * state, 300 time units, widened by 15 % and to the fixed points found on the model's bounds.
 */
function suggestRanges(plane: PhasePlane, model: LoadedModel, initial: Float64Array): { x: Range; y: Range } {
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
  const add = (x: number, y: number) => {
    x0 = Math.min(x0, x);
    x1 = Math.max(x1, x);
    y0 = Math.min(y0, y);
    y1 = Math.max(y1, y);
  };
  run(plane, model, initial, add);
  // The top of the model's f-I sweep fires: its trajectory shows the plane's whole excursion.
  if (model.sweep) {
    const top = parameterEvaluator(model, model.sweep.to)(plane.parameters);
    if (Number.isFinite(top) && top !== plane.input) run(phasePlane(model, plane.parameters, top), model, initial, add);
  }
  for (const p of fixedPointsOn(plane, scanRange(model, plane), 4000)) if (Math.abs(p.x) < 1e6 && Math.abs(p.y) < 1e6) add(p.x, p.y);
  const pad = (a: number, b: number): Range => {
    const w = b - a > 1e-6 * Math.max(1, Math.abs(a)) ? b - a : Math.max(1, Math.abs(a)) * 0.2;
    return [a - 0.15 * w, b + 0.15 * w];
  };
  return { x: pad(x0, x1), y: pad(y0, y1) };
}

/** RK4 of the plane's field from the model's initial state for 300 time units (until a reset threshold), each point handed to `add`. */
function run(plane: PhasePlane, model: LoadedModel, initial: Float64Array, add: (x: number, y: number) => void): void {
  const bound = (k: number) => model.bounds.find((b) => b.index === k);
  const clampTo = (k: number, x: number) => {
    const b = bound(k);
    return b ? Math.min(b.high, Math.max(b.low, x)) : x;
  };
  let x = initial[plane.x.index];
  let y = initial[plane.y.index];
  add(x, y);
  const level = model.reset.length > 0 && model.threshold.index === plane.x.index ? thresholdLevel(model, plane.parameters) : Infinity;
  const dt = model.file.sweep?.dtMs ?? 0.05;
  const steps = Math.min(20000, Math.round(300 / dt));
  const k1 = new Float64Array(2);
  const k2 = new Float64Array(2);
  const k3 = new Float64Array(2);
  const k4 = new Float64Array(2);
  for (let s = 0; s < steps; s++) {
    plane.field(x, y, k1);
    plane.field(x + (dt / 2) * k1[0], y + (dt / 2) * k1[1], k2);
    plane.field(x + (dt / 2) * k2[0], y + (dt / 2) * k2[1], k3);
    plane.field(x + dt * k3[0], y + dt * k3[1], k4);
    const nx = clampTo(plane.x.index, x + (dt / 6) * (k1[0] + 2 * k2[0] + 2 * k3[0] + k4[0]));
    const ny = clampTo(plane.y.index, y + (dt / 6) * (k1[1] + 2 * k2[1] + 2 * k3[1] + k4[1]));
    if (!Number.isFinite(nx) || !Number.isFinite(ny)) break;
    // A threshold with a reset ends the excursion: the plane shows the dynamics below it.
    if (nx >= level) break;
    x = nx;
    y = ny;
    add(x, y);
  }
}

function thresholdLevel(model: LoadedModel, parameters: Float64Array): number {
  const evaluator = new PointEvaluator(model);
  const level = evaluator.compile(model.threshold.level);
  evaluator.set(parameters, new Float64Array(model.stateNames.length), 0);
  return level(evaluator.values);
}

/** dx/dt and dy/dt on an nx by ny grid over the ranges, row-major (y rows, x columns). */
export function vectorField(plane: PhasePlane, ranges = plane.ranges, nx = 25, ny = 25): { xs: Float64Array; ys: Float64Array; dx: Float64Array; dy: Float64Array } {
  const xs = Float64Array.from({ length: nx }, (_, i) => ranges.x[0] + ((ranges.x[1] - ranges.x[0]) * i) / (nx - 1));
  const ys = Float64Array.from({ length: ny }, (_, j) => ranges.y[0] + ((ranges.y[1] - ranges.y[0]) * j) / (ny - 1));
  const dx = new Float64Array(nx * ny);
  const dy = new Float64Array(nx * ny);
  const out = new Float64Array(2);
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) {
      plane.field(xs[i], ys[j], out);
      dx[j * nx + i] = out[0];
      dy[j * nx + i] = out[1];
    }
  }
  return { xs, ys, dx, dy };
}

/** Polylines as flat [x0, y0, x1, y1, ...] arrays. */
export type Polyline = Float64Array;

/**
 * The zero set of `values` (ny rows by nx columns over xs, ys) by marching squares: segments
 * through each cell where the sign changes, joined into polylines. A saddle cell is split by the
 * value at its centre (the mean of its corners).
 */
export function contourZero(xs: Float64Array, ys: Float64Array, grid: Float64Array): Polyline[] {
  const nx = xs.length;
  const ny = ys.length;
  // A value of exactly 0 at a grid point would put a crossing on the point itself, shared by four
  // cells: nudge it to the positive side by a hair, so the crossing is on one edge.
  let largest = 0;
  for (const x of grid) if (Number.isFinite(x)) largest = Math.max(largest, Math.abs(x));
  const values = grid.map((x) => (x === 0 ? 1e-12 * largest || Number.MIN_VALUE : x));
  const segments: number[][] = [];
  // Each grid edge is interpolated from its lower corner whichever cell asks, so neighbouring cells
  // give the very same point and the segments join exactly.
  const edge = (xa: number, ya: number, va: number, xb: number, yb: number, vb: number): [number, number] => {
    if (xb < xa || yb < ya) [xa, ya, va, xb, yb, vb] = [xb, yb, vb, xa, ya, va];
    const t = va / (va - vb);
    return [xa + t * (xb - xa), ya + t * (yb - ya)];
  };
  for (let j = 0; j + 1 < ny; j++) {
    for (let i = 0; i + 1 < nx; i++) {
      const v = [values[j * nx + i], values[j * nx + i + 1], values[(j + 1) * nx + i + 1], values[(j + 1) * nx + i]];
      if (!v.every(Number.isFinite)) continue;
      const px = [xs[i], xs[i + 1], xs[i + 1], xs[i]];
      const py = [ys[j], ys[j], ys[j + 1], ys[j + 1]];
      const crossings: [number, number][] = [];
      for (let e = 0; e < 4; e++) {
        const a = e;
        const b = (e + 1) % 4;
        if (v[a] > 0 !== v[b] > 0) crossings.push(edge(px[a], py[a], v[a], px[b], py[b], v[b]));
      }
      if (crossings.length === 2) segments.push([...crossings[0], ...crossings[1]]);
      else if (crossings.length === 4) {
        // Corners 0 and 2 on one side, 1 and 3 on the other: join by the centre's side.
        const centre = (v[0] + v[1] + v[2] + v[3]) / 4;
        if (centre > 0 === v[0] > 0) {
          segments.push([...crossings[0], ...crossings[1]], [...crossings[2], ...crossings[3]]);
        } else {
          segments.push([...crossings[3], ...crossings[0]], [...crossings[1], ...crossings[2]]);
        }
      }
    }
  }
  return joinSegments(segments);
}

/** Join segments that share an end point (the same numbers: see edge) into polylines. */
function joinSegments(segments: number[][]): Polyline[] {
  const key = (x: number, y: number) => `${x},${y}`;
  const ends = new Map<string, number[]>();
  segments.forEach((s, k) => {
    for (const [x, y] of [[s[0], s[1]], [s[2], s[3]]]) {
      const id = key(x, y);
      const list = ends.get(id);
      if (list) list.push(k);
      else ends.set(id, [k]);
    }
  });
  const used = new Uint8Array(segments.length);
  const lines: Polyline[] = [];
  const extend = (points: number[], atEnd: boolean) => {
    for (;;) {
      const x = atEnd ? points[points.length - 2] : points[0];
      const y = atEnd ? points[points.length - 1] : points[1];
      const next = (ends.get(key(x, y)) ?? []).find((k) => !used[k]);
      if (next === undefined) return;
      used[next] = 1;
      const s = segments[next];
      const forward = key(s[0], s[1]) === key(x, y);
      const [nx, ny] = forward ? [s[2], s[3]] : [s[0], s[1]];
      if (atEnd) points.push(nx, ny);
      else points.unshift(nx, ny);
    }
  };
  segments.forEach((s, k) => {
    if (used[k]) return;
    used[k] = 1;
    const points = [...s];
    extend(points, true);
    extend(points, false);
    lines.push(Float64Array.from(points));
  });
  return lines;
}

/** The nullclines: where dx/dt = 0 (x) and where dy/dt = 0 (y), on an nx by ny grid. */
export function nullclines(plane: PhasePlane, ranges = plane.ranges, nx = 161, ny = 161): { x: Polyline[]; y: Polyline[] } {
  const grid = vectorField(plane, ranges, nx, ny);
  return { x: contourZero(grid.xs, grid.ys, grid.dx), y: contourZero(grid.xs, grid.ys, grid.dy) };
}

/** The Jacobian by central differences, classified. */
export function classify(plane: PhasePlane, x: number, y: number): FixedPoint {
  const hx = 1e-6 * Math.max(1, Math.abs(x));
  const hy = 1e-6 * Math.max(1, Math.abs(y));
  const a = new Float64Array(2);
  const b = new Float64Array(2);
  plane.field(x + hx, y, a);
  plane.field(x - hx, y, b);
  const fxx = (a[0] - b[0]) / (2 * hx);
  const fyx = (a[1] - b[1]) / (2 * hx);
  plane.field(x, y + hy, a);
  plane.field(x, y - hy, b);
  const fxy = (a[0] - b[0]) / (2 * hy);
  const fyy = (a[1] - b[1]) / (2 * hy);
  const trace = fxx + fyy;
  const determinant = fxx * fyy - fxy * fyx;
  const discriminant = trace * trace - 4 * determinant;
  const scale = fxx * fxx + fyy * fyy + Math.abs(fxy * fyx);
  let re: [number, number];
  let im: [number, number];
  if (discriminant >= 0) {
    const r = Math.sqrt(discriminant);
    re = [(trace - r) / 2, (trace + r) / 2];
    im = [0, 0];
  } else {
    const w = Math.sqrt(-discriminant) / 2;
    re = [trace / 2, trace / 2];
    im = [-w, w];
  }
  let type: FixedPointType;
  if (Math.abs(determinant) <= 1e-9 * scale) type = 'degenerate';
  else if (determinant < 0) type = 'saddle';
  else if (discriminant >= 0) type = trace < 0 ? 'stable node' : 'unstable node';
  else if (Math.abs(trace) <= 1e-6 * Math.sqrt(determinant)) type = 'center';
  else type = trace < 0 ? 'stable focus' : 'unstable focus';
  return {
    x,
    y,
    state: plane.state(x, y),
    jacobian: Float64Array.of(fxx, fxy, fyx, fyy),
    trace,
    determinant,
    eigenvalues: { re, im },
    type,
    stable: type === 'stable node' || type === 'stable focus',
  };
}

/** y on the y-nullcline at x (dy/dt = 0), by Newton from `guess`; NaN where it does not converge. */
function yNullcline(plane: PhasePlane, x: number, guess: number, out: Float64Array): number {
  // One secant step over a unit of y is exact where dy/dt is linear in y (every shipped model's slow variable).
  const f0 = plane.field(x, guess, out)[1];
  const f1 = plane.field(x, guess + 1, out)[1];
  if (f1 !== f0 && Number.isFinite(f1 - f0)) {
    const linear = guess - f0 / (f1 - f0);
    const at = plane.field(x, linear, out)[1];
    if (Math.abs(at) <= 1e-12 * (Math.abs(f0) + Math.abs(f1) + 1e-300)) return linear;
  }
  let y = guess;
  for (let iteration = 0; iteration < 40; iteration++) {
    const f = plane.field(x, y, out)[1];
    const h = 1e-7 * Math.max(1, Math.abs(y));
    const slope = (plane.field(x, y + h, out)[1] - f) / h;
    if (!(slope !== 0) || !Number.isFinite(slope)) return NaN;
    const next = y - f / slope;
    if (Math.abs(next - y) <= 1e-13 * Math.max(1, Math.abs(next))) return next;
    y = next;
  }
  return Number.isFinite(y) && Math.abs(plane.field(x, y, out)[1]) < 1e-9 ? y : NaN;
}

/** Newton on both equations from (x, y); null where it does not converge. */
function polish(plane: PhasePlane, x: number, y: number): [number, number] | null {
  const f = new Float64Array(2);
  const a = new Float64Array(2);
  for (let iteration = 0; iteration < 50; iteration++) {
    plane.field(x, y, f);
    const hx = 1e-7 * Math.max(1, Math.abs(x));
    const hy = 1e-7 * Math.max(1, Math.abs(y));
    plane.field(x + hx, y, a);
    const j00 = (a[0] - f[0]) / hx;
    const j10 = (a[1] - f[1]) / hx;
    plane.field(x, y + hy, a);
    const j01 = (a[0] - f[0]) / hy;
    const j11 = (a[1] - f[1]) / hy;
    const det = j00 * j11 - j01 * j10;
    if (!(det !== 0) || !Number.isFinite(det)) return null;
    const dx = (j11 * f[0] - j01 * f[1]) / det;
    const dy = (j00 * f[1] - j10 * f[0]) / det;
    x -= dx;
    y -= dy;
    if (!Number.isFinite(x) || !Number.isFinite(y)) return null;
    if (Math.abs(dx) <= 1e-12 * Math.max(1, Math.abs(x)) && Math.abs(dy) <= 1e-12 * Math.max(1, Math.abs(y))) return [x, y];
  }
  plane.field(x, y, f);
  return Math.abs(f[0]) < 1e-9 && Math.abs(f[1]) < 1e-9 ? [x, y] : null;
}

function fixedPointsOn(plane: PhasePlane, range: Range, samples = 20000): FixedPoint[] {
  const out = new Float64Array(2);
  const found: [number, number][] = [];
  let guess = plane.home[1];
  let lastX = NaN;
  let lastY = NaN;
  let lastG = NaN;
  // G(x) = dx/dt on the y-nullcline: a fixed point is where it changes sign.
  const G = (x: number, y: number) => plane.field(x, y, out)[0];
  for (let s = 0; s <= samples; s++) {
    const x = range[0] + ((range[1] - range[0]) * s) / samples;
    const y = yNullcline(plane, x, Number.isFinite(lastY) ? lastY : guess, out);
    if (!Number.isFinite(y)) {
      lastG = NaN;
      continue;
    }
    guess = y;
    const g = G(x, y);
    if (Number.isFinite(lastG) && (g === 0 || lastG > 0 !== g > 0)) {
      // Bisect the bracket along the nullcline, then polish both coordinates together.
      let [a, b, ga] = [lastX, x, lastG];
      let ya = lastY;
      for (let k = 0; k < 60; k++) {
        const m = (a + b) / 2;
        const ym = yNullcline(plane, m, ya, out);
        if (!Number.isFinite(ym)) break;
        const gm = G(m, ym);
        if (gm === 0) {
          a = b = m;
          ya = ym;
          break;
        }
        if (gm > 0 === ga > 0) {
          a = m;
          ga = gm;
          ya = ym;
        } else b = m;
      }
      const root = polish(plane, (a + b) / 2, ya) ?? [(a + b) / 2, ya];
      if (!found.some(([fx, fy]) => Math.abs(fx - root[0]) <= 1e-9 * Math.max(1, Math.abs(fx)) && Math.abs(fy - root[1]) <= 1e-9 * Math.max(1, Math.abs(fy)))) found.push(root);
    }
    lastX = x;
    lastY = y;
    lastG = g;
  }
  return found.sort((p, q) => p[0] - q[0]).map(([x, y]) => classify(plane, x, y));
}

/**
 * Every fixed point: sign changes of dx/dt along the y-nullcline over the membrane variable's
 * range (the model's bounds, at most +-1000), bisected, then polished by Newton on both equations.
 * Sorted by x.
 */
export function fixedPoints(plane: PhasePlane, model: LoadedModel, range?: Range): FixedPoint[] {
  return fixedPointsOn(plane, range ?? scanRange(model, plane));
}

export interface RestBifurcation {
  kind: 'saddle-node' | 'hopf';
  /** The input where the rest state stops being stable (to 1e-9 of the range). */
  input: number;
  /** The rest state just before. */
  rest: FixedPoint;
}

/**
 * Follow the rest state (the stable fixed point of lowest x) from `fromInput` up to `toInput` and
 * find where it stops being stable: a saddle-node (it meets a saddle and both vanish: type I onset
 * on an invariant circle where a cycle is born there) or a Hopf bifurcation (it persists, and turns
 * unstable through a pair of complex eigenvalues). Null when it stays stable over the range or
 * there is none at fromInput.
 */
export function restBifurcation(model: LoadedModel, parameters: Float64Array, fromInput: number, toInput: number, steps = 200): RestBifurcation | null {
  const atInput = (input: number) => phasePlane(model, parameters, input);
  const range = scanRange(model, atInput(fromInput));
  const width = range[1] - range[0];
  // Continuation: Newton from the rest state at the input before; lost where Newton does not
  // converge near it (a saddle-node: the rest and the saddle met) or lands on a point that is not
  // stable (at a Hopf point the rest turns unstable where it is).
  const restNear = (input: number, from: FixedPoint): FixedPoint | null => {
    const plane = atInput(input);
    const root = polish(plane, from.x, from.y);
    if (!root || Math.abs(root[0] - from.x) > 0.02 * width) return null;
    const point = classify(plane, root[0], root[1]);
    return point.stable ? point : null;
  };
  let rest: FixedPoint | null = fixedPoints(atInput(fromInput), model, range).find((p) => p.stable) ?? null;
  if (!rest) return null;
  let low = fromInput;
  let high = NaN;
  for (let s = 1; s <= steps; s++) {
    const input = fromInput + ((toInput - fromInput) * s) / steps;
    const next = restNear(input, rest);
    if (!next) {
      high = input;
      break;
    }
    low = input;
    rest = next;
  }
  if (!Number.isFinite(high)) return null;
  for (let k = 0; k < 60 && high - low > 1e-9 * Math.max(1, Math.abs(high)); k++) {
    const mid = (low + high) / 2;
    const next = restNear(mid, rest);
    if (next) {
      low = mid;
      rest = next;
    } else high = mid;
  }
  // A Hopf point leaves the fixed point in place (unstable); a saddle-node takes it away.
  const plane = atInput(high);
  const root = polish(plane, rest.x, rest.y);
  const after = root && Math.abs(root[0] - rest.x) <= 1e-3 * width ? classify(plane, root[0], root[1]) : null;
  return { kind: after && after.determinant > 0 ? 'hopf' : 'saddle-node', input: (low + high) / 2, rest };
}

/**
 * Whether the plane's dynamics at `input`, started from (x, y), keep oscillating: integrated by RK4
 * at `dt` for `settle` time units, then watched for `watch` more. Returns the state at the cycle's
 * highest x (to start the next from) or null when it settled.
 */
function cycleFrom(plane: PhasePlane, x: number, y: number, dt: number, settle: number, watch: number, amplitude: number): [number, number] | null {
  const k1 = new Float64Array(2);
  const k2 = new Float64Array(2);
  const k3 = new Float64Array(2);
  const k4 = new Float64Array(2);
  const total = Math.round((settle + watch) / dt);
  const from = Math.round(settle / dt);
  let [low, high, top] = [Infinity, -Infinity, [x, y] as [number, number]];
  for (let s = 0; s < total; s++) {
    plane.field(x, y, k1);
    plane.field(x + (dt / 2) * k1[0], y + (dt / 2) * k1[1], k2);
    plane.field(x + (dt / 2) * k2[0], y + (dt / 2) * k2[1], k3);
    plane.field(x + dt * k3[0], y + dt * k3[1], k4);
    x += (dt / 6) * (k1[0] + 2 * k2[0] + 2 * k3[0] + k4[0]);
    y += (dt / 6) * (k1[1] + 2 * k2[1] + 2 * k3[1] + k4[1]);
    if (!Number.isFinite(x) || !Number.isFinite(y)) return null;
    if (s >= from) {
      low = Math.min(low, x);
      if (x > high) {
        high = x;
        top = [x, y];
      }
    }
  }
  return high - low > amplitude ? top : null;
}

export interface FiringOnset {
  /** The least input (within `tolerance`) at which the plane has a stable limit cycle reached from the cycle above it. */
  input: number;
  /** How it was found, for a panel to state. */
  method: string;
}

/**
 * The onset of repetitive firing on the plane: a stable limit cycle followed down in the input from
 * `highInput` (where one must exist) until it is lost, by bisection. For a type II model this is
 * the fold of limit cycles, below its Hopf point where the rest and the cycle coexist; for a type I
 * model the saddle-node on the invariant circle (within what `watch` time units can see of a
 * period growing without bound near it). Resets are not part of the plane.
 */
export function firingOnset(model: LoadedModel, parameters: Float64Array, lowInput: number, highInput: number, options: { dt?: number; settle?: number; watch?: number; tolerance?: number } = {}): FiringOnset | null {
  const dt = options.dt ?? model.file.sweep?.dtMs ?? 0.05;
  const settle = options.settle ?? 1000;
  const watch = options.watch ?? 1000;
  const tolerance = options.tolerance ?? 1e-3 * Math.abs(highInput - lowInput);
  const planeAt = (input: number) => phasePlane(model, parameters, input);
  const top = planeAt(highInput);
  const amplitude = 0.1 * (top.ranges.x[1] - top.ranges.x[0]);
  // A start on the cycle at highInput: from the unstable rest, nudged.
  const points = fixedPoints(top, model);
  const start = points.find((p) => !p.stable) ?? points[0];
  if (!start) return null;
  let cycle = cycleFrom(top, start.x + 1e-3 * (top.ranges.x[1] - top.ranges.x[0]), start.y, dt, settle, watch, amplitude);
  if (!cycle) return null;
  let low = lowInput;
  let high = highInput;
  if (cycleFrom(planeAt(low), cycle[0], cycle[1], dt, settle, watch, amplitude)) return { input: low, method: 'a cycle exists at the lowest input tried' };
  while (high - low > tolerance) {
    const mid = (low + high) / 2;
    const next = cycleFrom(planeAt(mid), cycle[0], cycle[1], dt, settle, watch, amplitude);
    if (next) {
      high = mid;
      cycle = next;
    } else low = mid;
  }
  return { input: (low + high) / 2, method: `a stable limit cycle followed down in the input from ${highInput} (RK4 at dt ${dt}, ${settle} to settle, ${watch} watched) until it is lost` };
}

/**
 * A full model's trajectory (its traced state variables by name) on the plane: x and y as traced,
 * and for each reduced variable how far it is from its reduction along the way (the traced value
 * minus the steady or tied value at the traced x, y): the panel can show how good the reduction is.
 */
export function projectTrajectory(plane: PhasePlane, traces: Record<string, Float64Array>): { x: Float64Array; y: Float64Array; deviation: Record<string, Float64Array> } {
  const x = traces[plane.x.name];
  const y = traces[plane.y.name];
  if (!x || !y) throw new InputError('traces', `the projection needs traces of ${plane.x.name} and ${plane.y.name}`);
  const deviation: Record<string, Float64Array> = {};
  const reduced = plane.reduction ? [...plane.reduction.steady, ...plane.reduction.tied.map((t) => t.variable)] : [];
  for (const name of reduced) if (traces[name]) deviation[name] = new Float64Array(x.length);
  const names = Object.keys(deviation);
  if (names.length > 0) {
    for (let k = 0; k < x.length; k++) {
      const state = plane.state(x[k], y[k]);
      for (const name of names) deviation[name][k] = traces[name][k] - state[plane.stateNames.indexOf(name)];
    }
  }
  return { x: Float64Array.from(x), y: Float64Array.from(y), deviation };
}
