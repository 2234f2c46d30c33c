// The kernels' one description: a loaded model and an integration method become the step of N
// neurons held as struct-of-arrays Float64Arrays, written once as step operations (step.ts):
// - `step`, the fast loop: whole steps with no spike, and whole refractory steps;
// - `slow`, the general path one neuron is handed to: the step split where refractoriness ends
//   and at spikes (spike time by closed form, chord or cubic refinement, reset, refractoriness),
//   blow-ups kept for the health check, and the rheobase rule of exactly integrated models.
// The description becomes JS source for `new Function` (toSource), or closures where code
// generation is refused (a strict Content-Security-Policy), and wasmSlow.ts lowers `slow` to
// WebAssembly for exactly integrated models; wasmKernel.ts's SIMD loop is the fast loop of
// those models, two neurons per instruction, adding the rows of exactRow in the same order.
// Only whitelisted ASTs reach here (see expression.ts), and every name in the source is one we
// generated, so the text handed to `new Function` contains nothing a model file author chose
// except numbers.
import type { MathNode } from 'mathjs/number';
import { SymbolNode } from '../math.js';
import { parameterOnlyNodes } from './expression.js';
import { functionFromSource } from './generateCode.js';
import { cachedText, modelKey } from './cache.js';
import { add, at, bin, Builder, call, cond, div, exprSource, fromMath, get, int, len, mul, num, sub, sum, toClosures, toSource, un, type Expr, type Param, type Stmt, type StepFunction } from './step.js';
import type { Random } from '../random.js';
import { namedValues, namedValuesFor, type LoadedModel, type MethodName } from '../model/loadModel.js';

/** Receives spikes from a kernel. */
export interface SpikeSink {
  spike(neuron: number, timeMs: number): void;
  /** A neuron fired more often in one step than the step can hold: the step is too large. */
  overflow(neuron: number, timeMs: number): void;
}

/** What every kernel function reads and writes after its time arguments: state, input, parameters, refractory ends, propagators, spike sink. */
type KernelData = [
  S: Float64Array[],
  I: Float64Array,
  P: Float64Array,
  R: Float64Array,
  K: Float64Array,
  KP: Float64Array,
  prop: (h: number, pinned: boolean) => Float64Array,
  sink: SpikeSink,
];

export type StepKernel = (
  n: number,
  t: number,
  dt: number,
  ...rest: [
    ...KernelData,
    /** Fused white noise: per-neuron standard deviation of the input over this step, the generator, and a scratch block for its normals. */
    W: Float64Array,
    G: Random,
    Z: Float64Array,
    /** Synaptic arrivals: one ring per variable listed at compile time, and this step's slot offset. */
    A: Float64Array[],
    slot: number,
  ]
) => void;

/** What a kernel is specialised for besides model and method. */
export interface KernelOptions {
  /** Draw white noise inside the loop. */
  noise?: boolean;
  /** State variables that receive synaptic arrivals, in the order of the A argument. */
  arrivals?: number[];
}

/** One neuron's whole step on the general path (spikes, refractory ends inside the step). */
export type SlowPath = (i: number, inp: number, t: number, dt: number, ...data: KernelData) => void;

export interface CompiledKernel {
  method: MethodName;
  source: string;
  step: StepKernel;
  /** The general path the fast loop hands a neuron to; the WebAssembly loop uses it too. */
  slow: SlowPath;
  /** Generated JS source, or closures where code generation is refused. */
  backend: KernelBackend;
}

export const MAX_SPIKES_PER_STEP = 16;

/**
 * Which terms of an exact step can be nonzero, whatever the parameters: reaches[k][j] when x_k
 * depends on x_j through the linear system, directly or not; offset[k] and input[k] when a
 * constant term or the input reaches x_k. The kernels leave the others out (x + 0 is x).
 */
export function linearTerms(model: LoadedModel): { reaches: boolean[][]; offset: boolean[]; input: boolean[] } {
  const names = model.stateNames;
  const live = (node: { toString(): string } | undefined) => (node?.toString() ?? '0') !== '0';
  const reaches = names.map((_, k) => names.map((_, j) => k === j || live(model.linear?.matrix[k][j])));
  for (let m = 0; m < names.length; m++) for (let k = 0; k < names.length; k++) for (let j = 0; j < names.length; j++) if (reaches[k][m] && reaches[m][j]) reaches[k][j] = true;
  const offset = names.map((_, k) => names.some((_, j) => reaches[k][j] && live(model.linear?.offset[j])));
  const input = names.map((_, k) => names.some((_, j) => reaches[k][j] && live(model.linear?.inputCoefficient[j])));
  return { reaches, offset, input };
}

/** The named expressions (and derived values) `nodes` read, directly or through others. */
export function namedExpressionsFor(model: LoadedModel, nodes: MathNode[]): Set<string> {
  return namedValuesFor(model, nodes);
}

/** The step's description: the general path `slow` and the fast loop `step` (see step.ts). */
export function describeKernel(model: LoadedModel, method: MethodName, options: KernelOptions = {}): StepFunction[] {
  const noise = options.noise ?? false;
  const arrivals = options.arrivals ?? [];
  const { stateNames, parameterNames } = model;
  const ns = stateNames.length;
  const leader = model.threshold.index;
  const hasReset = model.reset.length > 0;
  const hasRefractory = model.refractory !== null;
  const clamped = new Set(model.refractory?.clamp ?? []);
  const named = namedValues(model);
  const exprIndex = new Map(named.map((e, j) => [e.name, j]));

  // Names of locals. A model's names are identifiers without `$` (checkIdentifier), so a
  // parameter is `p$` + its name, and every other local is ours: named values by their index
  // (x3, x3_g: the model's name follows in a note), hoisted subexpressions `$k0`, state `s0`.
  // No name a model declares can then meet a generated one, a JS global or a helper.
  const paramSymbol = (name: string): Expr => get(`p$${name}`);
  let b = new Builder();

  // Subexpressions of parameters alone (q10 = 3^((celsius - 6.3)/10), 1/tau_m, ...) are
  // computed once per call, before the neuron loop, instead of once per neuron.
  const paramSet = new Set(parameterNames);
  const hoisted = new Map<string, { name: string; value: Expr }>(); // source -> local
  const hoistedNames = new Set<string>();
  const hoist = (node: MathNode): MathNode => {
    const parameterOnly = parameterOnlyNodes(node, (name) => paramSet.has(name));
    return node.transform((child) => {
      if (child.type === 'ConstantNode' || child.type === 'SymbolNode' || child.type === 'ParenthesisNode') return child;
      if (!parameterOnly.has(child)) return child;
      const value = fromMath(child, paramSymbol);
      const key = exprSource(value);
      let local = hoisted.get(key);
      if (!local) {
        hoisted.set(key, (local = { name: `$k${hoisted.size}`, value }));
        hoistedNames.add(local.name);
      }
      return new SymbolNode(local.name);
    });
  };
  /** Operations inside the neuron loop: hoisted locals pass through as they are. */
  const inLoop = (node: MathNode, symbol: (name: string) => Expr) => fromMath(hoist(node), (name) => (hoistedNames.has(name) ? get(name) : symbol(name)));

  /**
   * Compute the named expressions `nodes` need (in dependency order) with state read from
   * `stateLocal`, and return the symbol map for `nodes` themselves. `tag` keeps each set of
   * locals apart (one set per state a step evaluates at): '' or '_' followed by letters/digits.
   */
  const scope = (nodes: MathNode[], stateLocal: (k: number) => Expr, tag: string) => {
    const needed = namedExpressionsFor(model, nodes);
    const local = (name: string) => `x${exprIndex.get(name)}${tag}`;
    const symbol = (name: string): Expr => {
      const k = stateNames.indexOf(name);
      if (k >= 0) return stateLocal(k);
      if (name === model.inputSymbol) return get('inp');
      if (exprIndex.has(name)) return get(local(name));
      if (paramSet.has(name)) return paramSymbol(name);
      throw new Error(`internal: unknown symbol ${name}`);
    };
    for (const e of named) {
      if (needed.has(e.name)) b.let(local(e.name), inLoop(e.node, symbol), 'num', e.name);
    }
    return symbol;
  };

  /** Derivative of state k at the state named by `stateLocal`; zero for held variables. */
  const derivatives = (ks: number[], stateLocal: (k: number) => Expr, tag: string, withCoefficient: boolean) => {
    const nodes: MathNode[] = [];
    for (const k of ks) {
      nodes.push(model.equations[k].rhs);
      if (withCoefficient) nodes.push(model.equations[k].selfCoefficient!);
    }
    const symbol = scope(nodes, stateLocal, tag);
    for (const k of ks) {
      const f = inLoop(model.equations[k].rhs, symbol);
      b.let(`f${k}${tag}`, clamped.has(k) ? cond(get('pinned'), num(0), f) : f);
      if (withCoefficient) b.let(`a${k}${tag}`, inLoop(model.equations[k].selfCoefficient!, symbol));
    }
  };

  const terms = linearTerms(model);
  const reaches = terms.reaches;
  const s = (k: number) => get(`s${k}`);
  const nn = (k: number) => `n${k}`;
  const all = stateNames.map((_, k) => k);
  const h = get('h');
  const lvl = get('lvl');
  const i = get('i');
  /** x + h * f * exprel(a * h): the exponential Euler step of one variable. */
  const expStep = (x: Expr, tag: string, k: number) => add(x, mul(mul(h, get(`f${k}${tag}`)), call('exprel', mul(get(`a${k}${tag}`), h))));

  /**
   * On whole steps, gates come from the rate table at the leader value `leaderValue`
   * (K = [from, 1/step, cells, E0, B0, E1, B1, ...]): x <- E(v) x + B(v). Outside the table the
   * rate functions are evaluated. Returns the state indices handled here.
   */
  let tableAllowed = false;
  const gatesFromTable = (leaderValue: Expr, stateLocal: (k: number) => Expr): number[] => {
    const tabulated = tableAllowed && model.rateTable ? model.rateTable.gates.map((g) => g.index) : [];
    if (tabulated.length === 0) return [];
    const stride = 2 * tabulated.length;
    tabulated.forEach((k) => b.var(nn(k), num(0)));
    b.let('u', mul(sub(leaderValue, get('K_0')), get('K_1')));
    b.if(
      bin('&&', bin('>=', get('u'), num(0)), bin('<', get('u'), get('K_2'))),
      () => {
        b.let('cell', call('floor', get('u')));
        b.let('fr', sub(get('u'), get('cell')));
        b.let('b', add(int(3), mul(get('cell'), int(stride))));
        tabulated.forEach((k, g) => {
          const e = add(get('b'), int(2 * g));
          const c = add(get('b'), int(2 * g + 1));
          const lerp = (j: Expr) => add(at('K', j), mul(get('fr'), sub(at('K', add(j, int(stride))), at('K', j))));
          // (K[e] + fr (K[e + stride] - K[e])) x + K[c] + fr (K[c + stride] - K[c])
          b.set(nn(k), add(add(mul(lerp(e), s(k)), at('K', c)), mul(get('fr'), sub(at('K', add(c, int(stride))), at('K', c)))));
        });
      },
      () => {
        derivatives(tabulated, stateLocal, '_t', true);
        for (const k of tabulated) b.set(nn(k), expStep(s(k), '_t', k));
      },
    );
    return tabulated;
  };

  /** The update s -> n over a step of length h. Exact coefficients come from `coefficients`. */
  const update = (coefficients: 'K' | 'KP' | 'C') => {
    tableAllowed = coefficients === 'K';
    switch (method) {
      case 'euler':
        derivatives(all, s, '', false);
        for (const k of all) b.let(nn(k), add(s(k), mul(h, get(`f${k}`))));
        break;
      case 'exponential_euler': {
        // Brian2's scheme: every variable from the state at the start of the step.
        const tabulated = gatesFromTable(s(leader), s);
        const rest = all.filter((k) => !tabulated.includes(k));
        derivatives(rest, s, '', true);
        for (const k of rest) b.let(nn(k), expStep(s(k), '', k));
        break;
      }
      case 'staggered': {
        // The leader (v) sees the other variables half a step ahead; they then see the new v.
        derivatives([leader], s, '', true);
        b.let(nn(leader), expStep(s(leader), '', leader));
        const atNewLeader = (k: number) => (k === leader ? get(nn(leader)) : s(k));
        const tabulated = gatesFromTable(get(nn(leader)), atNewLeader);
        const rest = all.filter((k) => k !== leader && !tabulated.includes(k));
        derivatives(rest, atNewLeader, '_g', true);
        for (const k of rest) b.let(nn(k), expStep(s(k), '_g', k));
        break;
      }
      case 'rk4': {
        const f = (k: number, stage: number) => get(`f${k}_${stage}`);
        derivatives(all, s, '_1', false);
        for (const k of all) b.let(`y${k}_2`, add(s(k), mul(mul(num(0.5), h), f(k, 1))));
        derivatives(all, (k) => get(`y${k}_2`), '_2', false);
        for (const k of all) b.let(`y${k}_3`, add(s(k), mul(mul(num(0.5), h), f(k, 2))));
        derivatives(all, (k) => get(`y${k}_3`), '_3', false);
        for (const k of all) b.let(`y${k}_4`, add(s(k), mul(h, f(k, 3))));
        derivatives(all, (k) => get(`y${k}_4`), '_4', false);
        for (const k of all) b.let(nn(k), add(s(k), mul(div(h, num(6)), sum([f(k, 1), mul(num(2), f(k, 2)), mul(num(2), f(k, 3)), f(k, 4)]))));
        break;
      }
      case 'exact': {
        const c = (j: number) => (coefficients === 'C' ? at('C', j) : get(`${coefficients}_${j}`));
        for (const k of all) b.let(nn(k), sum(exactRow(terms, ns, k, c, s, get('inp'))));
        break;
      }
    }
  };

  const lv = s(leader);
  const nv = get(nn(leader));
  const spikeTest = hasReset ? bin('>=', nv, lvl) : bin('&&', bin('<', lv, lvl), bin('>=', nv, lvl));
  // Within-step spike time. With exact integration of a leader that depends only on itself,
  // solve v(s) = lvl in closed form; otherwise interpolate (see fraction).
  const leaderAlone =
    method === 'exact' && model.linear !== null && all.every((j) => j === leader || model.linear!.matrix[leader][j].toString() === '0');
  const frac = get('frac');
  const fraction = () => {
    const chord = div(sub(lvl, lv), sub(nv, lv));
    if (leaderAlone) {
      const decay = get('decay');
      b.let('decay', at('C', leader * ns + leader));
      b.let('vinf', cond(bin('===', decay, num(1)), num(NaN), div(add(at('C', ns * ns + leader), mul(at('C', ns * ns + ns + leader), get('inp'))), sub(num(1), decay))));
      b.let('q', div(sub(lvl, get('vinf')), sub(lv, get('vinf'))));
      const q = get('q');
      const solvable = bin('&&', bin('&&', bin('>', q, num(0)), bin('<=', q, num(1))), bin('<', decay, num(1)));
      b.var('frac', cond(solvable, div(call('log', q), call('log', decay)), chord));
    } else {
      b.var('frac', chord);
    }
    b.if(un('!', bin('>=', frac, num(0))), () => b.set('frac', num(0)), () => b.if(bin('>', frac, num(1)), () => b.set('frac', num(1))));
    if (!leaderAlone && hasReset) {
      // Where the spike time feeds the dynamics (a reset), a chord across a convex upstroke
      // (Izhikevich, AdEx) fires early by O(dt) each spike and the error accumulates. Refine on
      // the cubic through both ends with their slopes, which is as accurate as RK4 itself.
      // (HH has no reset: its spike is a marker, interpolated linearly as NEURON and Brian2 do.)
      derivatives([leader], s, '_a', false);
      derivatives([leader], (k) => get(nn(k)), '_b', false);
      b.let('y0', lv);
      b.let('y1', nv);
      b.let('d0', mul(h, get(`f${leader}_a`)));
      b.let('d1', mul(h, get(`f${leader}_b`)));
      const [y0, y1, d0, d1, u, u2, u3] = ['y0', 'y1', 'd0', 'd1', 'u', 'u2', 'u3'].map(get);
      const n = num;
      b.if(bin('&&', un('finite', d0), un('finite', d1)), () => {
        b.for('it', int(0), int(3), () => {
          b.let('u', frac);
          b.let('u2', mul(u, u));
          b.let('u3', mul(u2, u));
          // p = (2u3 - 3u2 + 1) y0 + (u3 - 2u2 + u) d0 + (3u2 - 2u3) y1 + (u3 - u2) d1 - lvl
          b.let('p', sub(sum([
            mul(add(sub(mul(n(2), u3), mul(n(3), u2)), n(1)), y0),
            mul(add(sub(u3, mul(n(2), u2)), u), d0),
            mul(sub(mul(n(3), u2), mul(n(2), u3)), y1),
            mul(sub(u3, u2), d1),
          ]), lvl));
          // dp = (6u2 - 6u)(y0 - y1) + (3u2 - 4u + 1) d0 + (3u2 - 2u) d1
          b.let('dp', sum([
            mul(sub(mul(n(6), u2), mul(n(6), u)), sub(y0, y1)),
            mul(add(sub(mul(n(3), u2), mul(n(4), u)), n(1)), d0),
            mul(sub(mul(n(3), u2), mul(n(2), u)), d1),
          ]));
          b.let('next', sub(u, div(get('p'), get('dp'))));
          const next = get('next');
          b.if(bin('||', un('!', bin('>', get('dp'), n(0))), un('!', bin('&&', bin('>=', next, n(0)), bin('<=', next, n(1))))), () => b.break());
          b.set('frac', next);
        });
      });
    }
  };

  const constants = (): (Stmt & { s: 'let' })[] => {
    const out = new Builder();
    parameterNames.forEach((name, k) => out.let(`p$${name}`, at('P', k)));
    out.let('lvl', fromMath(model.threshold.level, paramSymbol));
    out.let('tref', model.refractory ? fromMath(model.refractory.period, paramSymbol) : num(0));
    for (const { name, value } of hoisted.values()) out.let(name, value);
    return out.out as (Stmt & { s: 'let' })[];
  };
  const arrays = () => {
    all.forEach((k) => b.let(`S${k}`, at('S', k), 'obj'));
    b.let('tEnd', add(get('t'), get('dt')));
  };
  const loadNeuron = () => all.forEach((k) => b.var(`s${k}`, at(`S${k}`, i)));
  const tEnd = get('tEnd');
  const tFrom = get('tFrom');
  const tTo = get('tTo');
  const redoTo = get('redoTo');
  const pinned = get('pinned');
  const R = at('R', i);
  const storeNext = (value: (k: number) => Expr) => all.forEach((k) => b.store(`S${k}`, i, value(k)));

  // The general path, kept out of the hot loop: split the step where refractoriness ends and
  // at spikes (integrate to the spike time, reset, go on).
  arrays();
  loadNeuron();
  b.var('tFrom', get('t'));
  b.var('redoTo', num(-Infinity)); // a double from the start, so the JIT never has to widen it
  b.var('guard', int(0), 'int');
  // When refractoriness holds every variable (LIF), a held stretch changes nothing: no propagator.
  const allHeld = hasRefractory && all.every((k) => clamped.has(k));
  /** Record a spike at `time`, reset, start refractoriness; the state s is the one at `time`. */
  const spikeAndReset = (time: Expr) => {
    b.spike(i, time);
    // Reset values (which may read named expressions) all from the state before the reset.
    const resetScope = scope(model.reset.map((r) => r.value), s, '_r');
    model.reset.forEach((r, j) => b.let(`r${j}`, inLoop(r.value, resetScope)));
    model.reset.forEach((r, j) => b.set(`s${r.index}`, get(`r${j}`)));
    b.store('R', i, add(time, get('tref')));
    b.set('tFrom', time);
    b.set('guard', add(get('guard'), int(1)));
    b.if(bin('>', get('guard'), int(MAX_SPIKES_PER_STEP)), () => {
      b.overflow(i, time);
      b.break();
    });
    b.if(bin('>=', tFrom, tEnd), () => b.break());
    b.continue();
  };
  // A lone linear variable (LIF) is exactly at the threshold at the solved spike time, so the
  // step need not be integrated again up to it.
  const solvedSpike = leaderAlone && ns === 1 && hasReset;
  // An infinite or NaN state (dv/dt = exp(1000)) is a blow-up even where it crosses the
  // threshold: kept as it is, without a spike or a reset, for the health check to report, instead
  // of a reset hiding it and the neuron firing every refractory period. (Only here, on the general
  // path: the fast loops hand every crossing to it, and a NaN, which crosses nothing, they store.)
  const keepIfNotFinite = () => {
    const finite = all.map((k) => bin('===', sub(get(nn(k)), get(nn(k))), num(0))).reduce((x, y) => bin('&&', x, y));
    b.if(un('!', finite), () => {
      all.forEach((k) => b.set(`s${k}`, get(nn(k))));
      b.break();
    });
  };
  b.loop(() => {
    if (hasRefractory) {
      b.let('pinned', bin('>', R, tFrom), 'bool');
      b.var('tTo', cond(pinned, cond(bin('<', R, tEnd), R, tEnd), tEnd));
    } else {
      b.let('pinned', int(0), 'bool');
      b.var('tTo', tEnd);
    }
    b.if(bin('>=', redoTo, num(0)), () => b.set('tTo', redoTo));
    b.let('h', sub(tTo, tFrom));
    // (t + dt) - t is not always dt in floating point: a whole step must still use K or KP.
    if (method === 'exact') {
      const whole = cond(pinned, get('KP'), get('K'));
      const partial: Expr = { e: 'prop', h, pinned };
      b.let('C', cond(bin('<=', un('abs', sub(h, get('dt'))), mul(num(1e-9), get('dt'))), whole, allHeld ? cond(pinned, get('KP'), partial) : partial), 'obj');
    }
    update('C');
    if (hasReset && !solvedSpike) {
      b.if(bin('>=', redoTo, num(0)), () => {
        keepIfNotFinite();
        all.forEach((k) => b.set(`s${k}`, get(nn(k))));
        b.set('redoTo', num(-Infinity));
        spikeAndReset(tTo);
      });
    }
    b.if(bin('&&', un('!', pinned), spikeTest), () => {
      keepIfNotFinite();
      if (method === 'exact') {
        // The exact solution approaches a fixed point without reaching it (a LIF driven exactly at
        // its rheobase), yet rounding can bring the leader to lvl. The step is increasing in the
        // leader, x -> C x + c: if a step starting at lvl (the others as they are) ends no higher,
        // within rounding, a step from below lvl cannot end above it but by rounding, and the leader
        // stays just below lvl, at any dt.
        const atLevel = exactRow(terms, ns, leader, (j) => at('C', j), (j) => (j === leader ? lvl : s(j)), get('inp'));
        b.let('atLevel', sum(atLevel));
        b.let('rounding', mul(num(8 * Number.EPSILON), sum([...atLevel, lvl].map((x) => un('abs', x)))));
        b.if(bin('&&', bin('<', lv, lvl), bin('<=', get('atLevel'), add(lvl, get('rounding')))), () => {
          all.forEach((k) => b.set(`s${k}`, k === leader ? BELOW_LEVEL(lvl) : get(nn(k))));
          b.set('tFrom', tTo);
          b.if(bin('>=', tFrom, tEnd), () => b.break());
          b.continue();
        });
      }
      fraction();
      if (solvedSpike) {
        b.let('tSpike', add(tFrom, mul(frac, h)));
        b.set(`s${leader}`, lvl);
        spikeAndReset(get('tSpike'));
      } else if (hasReset) {
        b.set('redoTo', add(tFrom, mul(frac, h)));
        b.continue();
      } else {
        b.spike(i, add(tFrom, mul(frac, h)));
      }
    });
    all.forEach((k) => b.set(`s${k}`, get(nn(k))));
    b.set('tFrom', tTo);
    b.if(bin('>=', tFrom, tEnd), () => b.break());
  });
  storeNext((k) => s(k));
  const slowBody = b.out;

  // The hot loop: whole steps with no spike, and whole refractory steps.
  b = new Builder();
  arrivals.forEach((_, r) => b.let(`A${r}`, at('A', r), 'obj'));
  arrays();
  if ((method === 'staggered' || method === 'exponential_euler') && model.rateTable) for (let j = 0; j < 3; j++) b.let(`K_${j}`, at('K', j));
  if (method === 'exact') {
    for (let j = 0; j < ns * ns + 2 * ns; j++) b.let(`K_${j}`, at('K', j));
    if (hasRefractory) for (let j = 0; j < ns * ns + 2 * ns; j++) b.let(`KP_${j}`, at('KP', j));
  }
  const neuron = () => {
    loadNeuron();
    if (noise) b.let('inp', add(at('I', i), mul(cond(get('oneW'), get('w0'), at('W', i)), at('Z', sub(i, get('block'))))));
    else b.let('inp', at('I', i));
    // Arrivals of this step: a variable held during refractoriness ignores them (as NEST and
    // Brunel 2000 do). The sum is also stored, so the slow path sees it.
    arrivals.forEach((k, r) => {
      const slot = add(get('slot'), i);
      b.let(`arr${r}`, at(`A${r}`, slot));
      b.if(bin('!==', get(`arr${r}`), num(0)), () => {
        b.store(`A${r}`, slot, num(0));
        const apply = () => {
          b.set(`s${k}`, add(s(k), get(`arr${r}`)));
          b.store(`S${k}`, i, s(k));
        };
        if (clamped.has(k)) b.if(bin('<=', R, get('t')), apply);
        else apply();
      });
    });
    const wholeStep = (isPinned: boolean, coefficients: 'K' | 'KP') => {
      b.let('h', get('dt'));
      if (hasRefractory) b.let('pinned', int(isPinned ? 1 : 0), 'bool');
      update(coefficients);
    };
    if (allHeld) {
      // Every variable is held while refractory (LIF): a whole held step changes nothing, so the
      // update runs for all and the store picks, with no branch on refractoriness to mispredict
      // once neurons fall out of step with each other.
      b.let('r', R);
      b.let('free', bin('<=', get('r'), get('t')), 'bool');
      b.if(bin('||', get('free'), bin('>=', get('r'), tEnd)), () => {
        wholeStep(false, 'K');
        b.if(un('!', bin('&&', get('free'), spikeTest)), () => {
          storeNext((k) => cond(get('free'), get(nn(k)), s(k)));
          b.continue();
        });
      });
    } else {
      const free = () => {
        wholeStep(false, 'K');
        b.if(un('!', spikeTest), () => {
          storeNext((k) => get(nn(k)));
          b.continue();
        });
      };
      if (hasRefractory) {
        b.if(bin('<=', R, get('t')), free, () =>
          b.if(bin('>=', R, tEnd), () => {
            wholeStep(true, 'KP');
            storeNext((k) => get(nn(k)));
            b.continue();
          }),
        );
      } else free();
    }
    b.callSlow(['i', 'inp', 't', 'dt', 'S', 'I', 'P', 'R', 'K', 'KP', 'prop', 'sink'].map(get));
  };
  if (noise) {
    // White noise in blocks: normals for a block of neurons at a time from the generator's own tight
    // loop (random.ts), kept in L1, then the neuron loop reads them.
    // One noise level for all neurons travels as a single value: one array less to stream.
    b.let('oneW', bin('===', len('W'), int(1)), 'bool');
    b.let('w0', at('W', 0));
    b.var('block', int(0), 'int');
    b.loop(() => {
      b.if(un('!', bin('<', get('block'), get('n'))), () => b.break());
      const next = add(get('block'), len('Z'));
      b.let('blockEnd', cond(bin('<', next, get('n')), next, get('n')), 'int');
      b.fillNormal(sub(get('blockEnd'), get('block')));
      b.for('i', get('block'), get('blockEnd'), neuron);
      b.set('block', next);
    });
  } else b.for('i', int(0), get('n'), neuron);
  const stepBody = b.out;

  const data: Param[] = [
    { name: 'S', type: 'obj' },
    { name: 'I', type: 'obj' },
    { name: 'P', type: 'obj' },
    { name: 'R', type: 'obj' },
    { name: 'K', type: 'obj' },
    { name: 'KP', type: 'obj' },
    { name: 'prop', type: 'obj' },
    { name: 'sink', type: 'obj' },
  ];
  return [
    {
      name: 'slow',
      params: [{ name: 'i', type: 'int' }, { name: 'inp', type: 'num' }, { name: 't', type: 'num' }, { name: 'dt', type: 'num' }, ...data],
      constants: constants(),
      body: slowBody,
    },
    {
      name: 'step',
      params: [
        { name: 'n', type: 'int' }, { name: 't', type: 'num' }, { name: 'dt', type: 'num' }, ...data,
        { name: 'W', type: 'obj' }, { name: 'G', type: 'obj' }, { name: 'Z', type: 'obj' }, { name: 'A', type: 'obj' }, { name: 'slot', type: 'int' },
      ],
      constants: constants(),
      body: stepBody,
    },
  ];
}

/**
 * One row of an exact step, as terms to add from the left: C[k,j] x_j for each j that can reach
 * x_k, then the constant term and the input's (x + 0 is x: the others are left out). The JS
 * kernel, the general path and the WebAssembly SIMD loop all add these terms in this order.
 */
export function exactRow(terms: ReturnType<typeof linearTerms>, ns: number, k: number, coefficient: (index: number) => Expr, state: (j: number) => Expr, inp: Expr): Expr[] {
  const row = terms.reaches[k].flatMap((reached, j) => (reached ? [mul(coefficient(k * ns + j), state(j))] : []));
  if (terms.offset[k]) row.push(coefficient(ns * ns + k));
  if (terms.input[k]) row.push(mul(coefficient(ns * ns + ns + k), inp));
  return row;
}

/** The largest double below the threshold `lvl` (or close to it). */
function BELOW_LEVEL(lvl: Expr): Expr {
  return sub(lvl, add(mul(un('abs', lvl), num(Number.EPSILON)), num(Number.MIN_VALUE)));
}

/** Generate the step kernel's source. Exposed so tests can read what was generated. */
export function generateKernelSource(model: LoadedModel, method: MethodName, options: KernelOptions = {}): string {
  return toSource(describeKernel(model, method, options));
}

/** How the kernel's functions are made: `new Function` on the source, or closures where code generation is refused. */
export type KernelBackend = 'source' | 'closures';

/**
 * Compile the kernel. Where this environment refuses to generate code (`new Function` throws
 * EvalError under a strict Content-Security-Policy, or Node's
 * --disallow-code-generation-from-strings), the same description runs as closures: slower,
 * the same bits. `backend` forces one (tests).
 */
export function compileKernel(model: LoadedModel, method: MethodName, options: KernelOptions = {}, backend?: KernelBackend): CompiledKernel {
  // The source is kept by everything it is generated from (cache.ts): a model's step is generated once.
  const source = cachedText(`js-kernel|${method}|${JSON.stringify(options)}|${modelKey(model)}`, () => toSource(describeKernel(model, method, options)));
  if (backend !== 'closures') {
    const factory = functionFromSource<() => { step: StepKernel; slow: SlowPath }>([], source);
    if (factory) return { method, source, backend: 'source', ...factory() };
    if (backend === 'source') throw new EvalError('code generation from strings is refused here');
  }
  const closures = toClosures(describeKernel(model, method, options));
  return { method, source, backend: 'closures', step: closures.step as unknown as StepKernel, slow: closures.slow as unknown as SlowPath };
}
