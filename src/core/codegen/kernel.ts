// Code generation: a loaded model and an integration method become one JS function that advances
// N neurons held as struct-of-arrays Float64Arrays by one step. Only whitelisted ASTs reach here
// (see expression.ts), and every name in the source is one we generated, so the text handed to
// `new Function` contains nothing a model file author chose except numbers.
import type { MathNode } from 'mathjs/number';
import { SymbolNode } from '../math.js';
import { KERNEL_PRELUDE, parameterOnlyNodes, toJs } from './expression.js';
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
}

export const MAX_SPIKES_PER_STEP = 16;

/** The largest double below the threshold `lvl` (or close to it), as JS source; wasmSlow.ts computes it alike. */
const BELOW_LEVEL = 'lvl - (Math.abs(lvl) * Number.EPSILON + Number.MIN_VALUE)';

class Emitter {
  lines: string[] = [];
  private depth = 1;
  line(text: string): void {
    this.lines.push('  '.repeat(this.depth) + text);
  }
  open(text: string): void {
    this.line(text);
    this.depth++;
  }
  close(text = '}'): void {
    this.depth--;
    this.line(text);
  }
  /** A line between two blocks, such as `} else {`. */
  middle(text: string): void {
    this.depth--;
    this.line(text);
    this.depth++;
  }
}

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

/** Generate the step kernel's source. Exposed so tests can read what was generated. */
export function generateKernelSource(model: LoadedModel, method: MethodName, options: KernelOptions = {}): string {
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

  // Names in the generated source. A model's names are identifiers without `$` (checkIdentifier),
  // so a parameter is `p$` + its name, and every other local is ours: named values by their index
  // (x3, x3_g: the model's name follows in a comment), hoisted subexpressions `$k0`, state `s0`.
  // No name a model declares can then meet a generated one, a JS global or a helper.
  const paramSymbol = (name: string) => `p$${name}`;
  let out = new Emitter();
  const w = (s: string) => out.line(s);

  // Subexpressions of parameters alone (q10 = 3^((celsius - 6.3)/10), 1/tau_m, ...) are
  // computed once per call, before the neuron loop, instead of once per neuron.
  const paramSet = new Set(parameterNames);
  const hoisted = new Map<string, string>(); // JS source -> local name
  const hoistedNames = new Set<string>();
  const hoist = (node: MathNode): MathNode => {
    const parameterOnly = parameterOnlyNodes(node, (name) => paramSet.has(name));
    return node.transform((child) => {
      if (child.type === 'ConstantNode' || child.type === 'SymbolNode' || child.type === 'ParenthesisNode') return child;
      if (!parameterOnly.has(child)) return child;
      const js = toJs(child, paramSymbol);
      let local = hoisted.get(js);
      if (!local) {
        hoisted.set(js, (local = `$k${hoisted.size}`));
        hoistedNames.add(local);
      }
      return new SymbolNode(local);
    });
  };
  /** toJs for code inside the neuron loop: hoisted locals pass through as they are. */
  const loopJs = (node: MathNode, symbol: (name: string) => string) => toJs(hoist(node), (name) => (hoistedNames.has(name) ? name : symbol(name)));

  /**
   * Emit the named expressions `nodes` need (in dependency order) with state read from
   * `stateLocal`, and return a symbol map for emitting `nodes` themselves. `tag` keeps each set
   * of locals apart (one set per state a step evaluates at): '' or '_' followed by letters/digits.
   */
  const scope = (nodes: MathNode[], stateLocal: (k: number) => string, tag: string) => {
    const needed = namedExpressionsFor(model, nodes);
    const local = (name: string) => `x${exprIndex.get(name)}${tag}`;
    const symbol = (name: string): string => {
      const k = stateNames.indexOf(name);
      if (k >= 0) return stateLocal(k);
      if (name === model.inputSymbol) return 'inp';
      if (exprIndex.has(name)) return local(name);
      if (paramSet.has(name)) return paramSymbol(name);
      throw new Error(`internal: unknown symbol ${name}`);
    };
    for (const e of named) {
      if (needed.has(e.name)) w(`const ${local(e.name)} = ${loopJs(e.node, symbol)}; // ${e.name}`);
    }
    return symbol;
  };

  /** Derivative of state k at the state named by `stateLocal`; zero for held variables. */
  const derivatives = (ks: number[], stateLocal: (k: number) => string, tag: string, withCoefficient: boolean) => {
    const nodes: MathNode[] = [];
    for (const k of ks) {
      nodes.push(model.equations[k].rhs);
      if (withCoefficient) nodes.push(model.equations[k].selfCoefficient!);
    }
    const symbol = scope(nodes, stateLocal, tag);
    for (const k of ks) {
      const f = loopJs(model.equations[k].rhs, symbol);
      const pin = clamped.has(k) ? 'pinned ? 0 : ' : '';
      w(`const f${k}${tag} = ${pin}${f};`);
      if (withCoefficient) w(`const a${k}${tag} = ${loopJs(model.equations[k].selfCoefficient!, symbol)};`);
    }
  };

  const terms = linearTerms(model);
  const reaches = terms.reaches;
  const s = (k: number) => `s${k}`;
  const nn = (k: number) => `n${k}`;
  const all = stateNames.map((_, k) => k);

  /**
   * On whole steps, gates come from the rate table at the leader value `leaderLocal`
   * (K = [from, 1/step, cells, E0, B0, E1, B1, ...]): x <- E(v) x + B(v). Outside the table the
   * rate functions are evaluated. Returns the state indices handled here.
   */
  let tableAllowed = false;
  const gatesFromTable = (leaderLocal: string, stateLocal: (k: number) => string): number[] => {
    const tabulated = tableAllowed && model.rateTable ? model.rateTable.gates.map((g) => g.index) : [];
    if (tabulated.length === 0) return [];
    const stride = 2 * tabulated.length;
    tabulated.forEach((k) => w(`let ${nn(k)};`));
    w(`const u = (${leaderLocal} - K_0) * K_1;`);
    out.open('if (u >= 0 && u < K_2) {');
    w('const cell = Math.floor(u);');
    w('const fr = u - cell;');
    w(`const b = 3 + cell * ${stride};`);
    tabulated.forEach((k, g) => {
      const e = `b + ${2 * g}`;
      const c = `b + ${2 * g + 1}`;
      w(`${nn(k)} = (K[${e}] + fr * (K[${e} + ${stride}] - K[${e}])) * ${s(k)} + K[${c}] + fr * (K[${c} + ${stride}] - K[${c}]);`);
    });
    out.middle('} else {');
    derivatives(tabulated, stateLocal, '_t', true);
    for (const k of tabulated) w(`${nn(k)} = ${s(k)} + h * f${k}_t * exprel(a${k}_t * h);`);
    out.close();
    return tabulated;
  };

  /** Emit the update s -> n over a step of length h. Exact coefficients come from `coefficients`. */
  const update = (coefficients: 'K' | 'KP' | 'C') => {
    tableAllowed = coefficients === 'K';
    switch (method) {
      case 'euler':
        derivatives(all, s, '', false);
        for (const k of all) w(`const ${nn(k)} = ${s(k)} + h * f${k};`);
        break;
      case 'exponential_euler': {
        // Brian2's scheme: every variable from the state at the start of the step.
        const tabulated = gatesFromTable(s(leader), s);
        const rest = all.filter((k) => !tabulated.includes(k));
        derivatives(rest, s, '', true);
        for (const k of rest) w(`const ${nn(k)} = ${s(k)} + h * f${k} * exprel(a${k} * h);`);
        break;
      }
      case 'staggered': {
        // The leader (v) sees the other variables half a step ahead; they then see the new v.
        derivatives([leader], s, '', true);
        w(`const ${nn(leader)} = ${s(leader)} + h * f${leader} * exprel(a${leader} * h);`);
        const atNewLeader = (k: number) => (k === leader ? nn(leader) : s(k));
        const tabulated = gatesFromTable(nn(leader), atNewLeader);
        const rest = all.filter((k) => k !== leader && !tabulated.includes(k));
        derivatives(rest, atNewLeader, '_g', true);
        for (const k of rest) w(`const ${nn(k)} = ${s(k)} + h * f${k}_g * exprel(a${k}_g * h);`);
        break;
      }
      case 'rk4': {
        derivatives(all, s, '_1', false);
        for (const k of all) w(`const y${k}_2 = ${s(k)} + 0.5 * h * f${k}_1;`);
        derivatives(all, (k) => `y${k}_2`, '_2', false);
        for (const k of all) w(`const y${k}_3 = ${s(k)} + 0.5 * h * f${k}_2;`);
        derivatives(all, (k) => `y${k}_3`, '_3', false);
        for (const k of all) w(`const y${k}_4 = ${s(k)} + h * f${k}_3;`);
        derivatives(all, (k) => `y${k}_4`, '_4', false);
        for (const k of all) w(`const ${nn(k)} = ${s(k)} + (h / 6) * (f${k}_1 + 2 * f${k}_2 + 2 * f${k}_3 + f${k}_4);`);
        break;
      }
      case 'exact': {
        const c = (j: number) => (coefficients === 'C' ? `C[${j}]` : `${coefficients}_${j}`);
        for (const k of all) {
          // exp(M h) is zero where k cannot reach j through M: leave those products out.
          const sum = all.filter((j) => reaches[k][j]).map((j) => `${c(k * ns + j)} * ${s(j)}`);
          if (terms.offset[k]) sum.push(c(ns * ns + k));
          if (terms.input[k]) sum.push(`${c(ns * ns + ns + k)} * inp`);
          w(`const ${nn(k)} = ${sum.join(' + ')};`);
        }
        break;
      }
    }
  };

  const lv = s(leader);
  const nv = nn(leader);
  const spikeTest = hasReset ? `${nv} >= lvl` : `${lv} < lvl && ${nv} >= lvl`;
  // Within-step spike time. With exact integration of a leader that depends only on itself,
  // solve v(s) = lvl in closed form; otherwise interpolate (see emitFraction).
  const leaderAlone =
    method === 'exact' && model.linear !== null && all.every((j) => j === leader || model.linear!.matrix[leader][j].toString() === '0');
  const emitFraction = () => {
    if (leaderAlone) {
      w(`const decay = C[${leader * ns + leader}];`);
      w(`const vinf = decay === 1 ? NaN : (C[${ns * ns + leader}] + C[${ns * ns + ns + leader}] * inp) / (1 - decay);`);
      w(`const q = (lvl - vinf) / (${lv} - vinf);`);
      w(`let frac = q > 0 && q <= 1 && decay < 1 ? Math.log(q) / Math.log(decay) : (lvl - ${lv}) / (${nv} - ${lv});`);
    } else {
      w(`let frac = (lvl - ${lv}) / (${nv} - ${lv});`);
    }
    w('if (!(frac >= 0)) frac = 0; else if (frac > 1) frac = 1;');
    if (!leaderAlone && hasReset) {
      // Where the spike time feeds the dynamics (a reset), a chord across a convex upstroke
      // (Izhikevich, AdEx) fires early by O(dt) each spike and the error accumulates. Refine on
      // the cubic through both ends with their slopes, which is as accurate as RK4 itself.
      // (HH has no reset: its spike is a marker, interpolated linearly as NEURON and Brian2 do.)
      derivatives([leader], s, '_a', false);
      derivatives([leader], nn, '_b', false);
      w(`const y0 = ${lv}, y1 = ${nv}, d0 = h * f${leader}_a, d1 = h * f${leader}_b;`);
      out.open('if (Number.isFinite(d0) && Number.isFinite(d1)) {');
      out.open('for (let it = 0; it < 3; it++) {');
      w('const u = frac, u2 = u * u, u3 = u2 * u;');
      w('const p = (2 * u3 - 3 * u2 + 1) * y0 + (u3 - 2 * u2 + u) * d0 + (3 * u2 - 2 * u3) * y1 + (u3 - u2) * d1 - lvl;');
      w('const dp = (6 * u2 - 6 * u) * (y0 - y1) + (3 * u2 - 4 * u + 1) * d0 + (3 * u2 - 2 * u) * d1;');
      w('const next = u - p / dp;');
      w('if (!(dp > 0) || !(next >= 0 && next <= 1)) break;');
      w('frac = next;');
      out.close();
      out.close();
    }
  };

  const prologue = () => {
    all.forEach((k) => w(`const S${k} = S[${k}];`));
    parameterNames.forEach((name, k) => w(`const ${paramSymbol(name)} = P[${k}];`));
    w(`const lvl = ${toJs(model.threshold.level, paramSymbol)};`);
    w(`const tref = ${model.refractory ? toJs(model.refractory.period, paramSymbol) : '0'};`);
    w('const tEnd = t + dt;');
    w('/*HOIST*/');
  };
  const loadNeuron = () => all.forEach((k) => w(`let ${s(k)} = S${k}[i];`));

  // The general path, kept out of the hot loop: split the step where refractoriness ends and
  // at spikes (integrate to the spike time, reset, go on).
  const slow = (out = new Emitter());
  out.open('function slow(i, inp, t, dt, S, I, P, R, K, KP, prop, sink) {');
  prologue();
  loadNeuron();
  w('let tFrom = t;');
  w('let redoTo = -Infinity; // a double from the start, so the JIT never has to widen it');
  w('let guard = 0;');
  out.open('for (;;) {');
  if (hasRefractory) {
    w('const pinned = R[i] > tFrom;');
    w('let tTo = pinned ? (R[i] < tEnd ? R[i] : tEnd) : tEnd;');
  } else {
    w('const pinned = false;');
    w('let tTo = tEnd;');
  }
  w('if (redoTo >= 0) tTo = redoTo;');
  w('const h = tTo - tFrom;');
  // (t + dt) - t is not always dt in floating point: a whole step must still use K or KP.
  // When refractoriness holds every variable (LIF), a held stretch changes nothing: no propagator.
  const allHeld = hasRefractory && all.every((k) => clamped.has(k));
  if (method === 'exact') w(`const C = Math.abs(h - dt) <= 1e-9 * dt ? (pinned ? KP : K) : ${allHeld ? 'pinned ? KP : ' : ''}prop(h, pinned);`);
  update('C');
  /** Record a spike at `time`, reset, start refractoriness; the state s is the one at `time`. */
  const emitSpike = (time: string) => {
    w(`sink.spike(i, ${time});`);
    // Reset values (which may read named expressions) all from the state before the reset.
    const resetScope = scope(model.reset.map((r) => r.value), s, '_r');
    model.reset.forEach((r, j) => w(`const r${j} = ${loopJs(r.value, resetScope)};`));
    model.reset.forEach((r, j) => w(`${s(r.index)} = r${j};`));
    w(`R[i] = ${time} + tref;`);
    w(`tFrom = ${time};`);
    w(`if (++guard > ${MAX_SPIKES_PER_STEP}) { sink.overflow(i, ${time}); break; }`);
    w('if (tFrom >= tEnd) break;');
    w('continue;');
  };
  // A lone linear variable (LIF) is exactly at the threshold at the solved spike time, so the
  // step need not be integrated again up to it.
  const solvedSpike = leaderAlone && ns === 1 && hasReset;
  // An infinite or NaN state (dv/dt = exp(1000)) is a blow-up even where it crosses the
  // threshold: kept as it is, without a spike or a reset, for the health check to report, instead
  // of a reset hiding it and the neuron firing every refractory period. (Only here, on the general
  // path: the fast loops hand every crossing to it, and a NaN, which crosses nothing, they store.)
  const keepIfNotFinite = () => {
    out.open(`if (!(${all.map((k) => `${nn(k)} - ${nn(k)} === 0`).join(' && ')})) {`);
    all.forEach((k) => w(`${s(k)} = ${nn(k)};`));
    w('break;');
    out.close();
  };
  if (hasReset && !solvedSpike) {
    out.open('if (redoTo >= 0) {');
    keepIfNotFinite();
    all.forEach((k) => w(`${s(k)} = ${nn(k)};`));
    w('redoTo = -Infinity;');
    emitSpike('tTo');
    out.close();
  }
  out.open(`if (!pinned && ${spikeTest}) {`);
  keepIfNotFinite();
  if (method === 'exact') {
    // The exact solution approaches a fixed point without reaching it (a LIF driven exactly at
    // its rheobase), yet rounding can bring the leader to lvl. The step is increasing in the
    // leader, x -> C x + c: if a step starting at lvl (the others as they are) ends no higher,
    // within rounding, a step from below lvl cannot end above it but by rounding, and the leader
    // stays just below lvl, at any dt.
    const atLevel = [
      ...all.filter((j) => reaches[leader][j]).map((j) => `C[${leader * ns + j}] * ${j === leader ? 'lvl' : s(j)}`),
      ...(terms.offset[leader] ? [`C[${ns * ns + leader}]`] : []),
      ...(terms.input[leader] ? [`C[${ns * ns + ns + leader}] * inp`] : []),
    ];
    w(`const atLevel = ${atLevel.join(' + ')};`);
    w(`const rounding = 8 * Number.EPSILON * (${[...atLevel, 'lvl'].map((x) => `Math.abs(${x})`).join(' + ')});`);
    out.open(`if (${lv} < lvl && atLevel <= lvl + rounding) {`);
    all.forEach((k) => w(`${s(k)} = ${k === leader ? BELOW_LEVEL : nn(k)};`));
    w('tFrom = tTo;');
    w('if (tFrom >= tEnd) break;');
    w('continue;');
    out.close();
  }
  emitFraction();
  if (solvedSpike) {
    w('const tSpike = tFrom + frac * h;');
    w(`${lv} = lvl;`);
    emitSpike('tSpike');
  } else if (hasReset) {
    w('redoTo = tFrom + frac * h;');
    w('continue;');
  } else {
    w('sink.spike(i, tFrom + frac * h);');
  }
  out.close();
  all.forEach((k) => w(`${s(k)} = ${nn(k)};`));
  w('tFrom = tTo;');
  w('if (tFrom >= tEnd) break;');
  out.close(); // for (;;)
  all.forEach((k) => w(`S${k}[i] = ${s(k)};`));
  out.close(); // function slow

  // The hot loop: whole steps with no spike, and whole refractory steps.
  const fast = (out = new Emitter());
  out.open('const step = function step(n, t, dt, S, I, P, R, K, KP, prop, sink, W, G, Z, A, slot) {');
  arrivals.forEach((k, r) => w(`const A${r} = A[${r}];`));
  prologue();
  if ((method === 'staggered' || method === 'exponential_euler') && model.rateTable) for (let j = 0; j < 3; j++) w(`const K_${j} = K[${j}];`);
  if (method === 'exact') {
    for (let j = 0; j < ns * ns + 2 * ns; j++) w(`const K_${j} = K[${j}];`);
    if (hasRefractory) for (let j = 0; j < ns * ns + 2 * ns; j++) w(`const KP_${j} = KP[${j}];`);
  }
  if (noise) {
    // White noise in blocks: normals for a block of neurons at a time from the generator's own tight
    // loop (random.ts), kept in L1, then the neuron loop reads them.
    // One noise level for all neurons travels as a single value: one array less to stream.
    w('const oneW = W.length === 1;');
    w('const w0 = W[0];');
    out.open('for (let block = 0; block < n; block += Z.length) {');
    w('const blockEnd = block + Z.length < n ? block + Z.length : n;');
    w('G.fillNormal(Z, blockEnd - block);');
    out.open('for (let i = block; i < blockEnd; i++) {');
  } else out.open('for (let i = 0; i < n; i++) {');
  loadNeuron();
  if (noise) w('const inp = I[i] + (oneW ? w0 : W[i]) * Z[i - block];');
  else w('const inp = I[i];');
  // Arrivals of this step: a variable held during refractoriness ignores them (as NEST and
  // Brunel 2000 do). The sum is also stored, so the slow path sees it.
  arrivals.forEach((k, r) => {
    w(`const arr${r} = A${r}[slot + i];`);
    out.open(`if (arr${r} !== 0) {`);
    w(`A${r}[slot + i] = 0;`);
    const apply = `${s(k)} += arr${r}; S${k}[i] = ${s(k)};`;
    w(clamped.has(k) ? `if (R[i] <= t) { ${apply} }` : apply);
    out.close();
  });
  if (allHeld) {
    // Every variable is held while refractory (LIF): a whole held step changes nothing, so the
    // update runs for all and the store picks, with no branch on refractoriness to mispredict
    // once neurons fall out of step with each other.
    out.open('{');
    w('const r = R[i];');
    w('const free = r <= t;');
    out.open('if (free || r >= tEnd) {');
    w('const h = dt;');
    w('const pinned = false;');
    update('K');
    out.open(`if (!(free && ${spikeTest})) {`);
    all.forEach((k) => w(`S${k}[i] = free ? ${nn(k)} : ${s(k)};`));
    w('continue;');
    out.close();
    out.close();
  } else out.open(hasRefractory ? 'if (R[i] <= t) {' : '{');
  if (!allHeld) {
    w('const h = dt;');
    if (hasRefractory) w('const pinned = false;');
    update('K');
    out.open(`if (!(${spikeTest})) {`);
    all.forEach((k) => w(`S${k}[i] = ${nn(k)};`));
    w('continue;');
    out.close();
  }
  if (hasRefractory && !allHeld) {
    out.close('} else if (R[i] >= tEnd) {');
    out.open('{');
    w('const h = dt;');
    w('const pinned = true;');
    update('KP');
    all.forEach((k) => w(`S${k}[i] = ${nn(k)};`));
    w('continue;');
    out.close();
  }
  out.close();
  w('slow(i, inp, t, dt, S, I, P, R, K, KP, prop, sink);');
  out.close(); // for i
  if (noise) out.close(); // for block
  out.close('};');

  const hoistLines = [...hoisted].map(([js, local]) => `const ${local} = ${js};`);
  const assemble = (e: Emitter) =>
    e.lines.flatMap((line) => (line.trim() === '/*HOIST*/' ? hoistLines.map((h) => line.replace('/*HOIST*/', h)) : [line])).join('\n');
  return `"use strict";\n${KERNEL_PRELUDE}${assemble(slow)}\n${assemble(fast)}\nreturn { step, slow };\n`;
}

/** Compile the kernel. Throws if this environment forbids `new Function` (a strict CSP). */
export function compileKernel(model: LoadedModel, method: MethodName, options: KernelOptions = {}): CompiledKernel {
  const source = generateKernelSource(model, method, options);
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const factory = new Function(source) as () => { step: StepKernel; slow: SlowPath };
  return { method, source, ...factory() };
}
