// A scenario as a Brian2 script, for a student who outgrows the browser. The script keeps our
// numbers dimensionless (the model file's units are labels) and writes each equation as
// `dx/dt = (rhs) / ms : 1`, so the very same equation strings, parameters and step run in Brian2.
// What Brian2 cannot be told the same way is refused with a message saying what and why.
//
// A voltage clamp translates as SpikeBridge runs it: the command, sampled on the step grid, is a
// TimedArray per population (neuron by neuron, 0 where no clamp acts). An ideal clamp sets v to the
// command at the end of every step (run_regularly before the thresholds), so the other variables
// integrate under the command; a series-resistance clamp adds (V_cmd - v) / R_s to the input, the
// command taken at the middle of each step. The start is the clamp's: v at the command and, unless
// `settle` is false, the other variables at their steady state at the holding level.
import type { MathNode } from 'mathjs/number';
import { InputError } from '../core/errors.js';
import { createStimulus } from '../core/stimulus/stimuli.js';
import { commandAt, steadyStateAt, type VoltageClampSpec } from '../core/stimulus/clamp.js';
import { PointEvaluator } from '../core/model/evaluate.js';
import { streamSeed } from '../core/random.js';
import { validateScenario, type ValidScenario } from '../scenario/scenario.js';
import { SpikeGenerator } from '../core/network/spikeSource.js';
import { SpikeRecorder } from '../core/record/recorders.js';
import type { LoadedModel, MethodName } from '../core/model/loadModel.js';

/** Names Brian2 or Python give a meaning of their own. */
const BRIAN2_NAMES = new Set(['N', 'lastspike', 'not_refractory', 'ms', 'second', 'Hz', 'inf', 'rand', 'randn', 'int', 'clip', 'timestep', 'lambda', 'is', 'None', 'True', 'False', 'def', 'from', 'as', 'pass', 'raise', 'global', 'nonlocal', 'assert', 'del', 'elif', 'except', 'exec', 'print']);

const FUNCTIONS: Record<string, string> = {
  exp: 'exp', expm1: 'expm1', exprel: 'exprel', log: 'log', log1p: 'log1p', sqrt: 'sqrt', abs: 'abs', sign: 'sign',
  floor: 'floor', ceil: 'ceil', tanh: 'tanh', sinh: 'sinh', cosh: 'cosh', sin: 'sin', cos: 'cos',
};

const OPERATORS: Record<string, string> = {
  add: '+', subtract: '-', multiply: '*', divide: '/', pow: '**',
  smaller: '<', larger: '>', smallerEq: '<=', largerEq: '>=', equal: '==', unequal: '!=', and: 'and', or: 'or',
};

/** A whitelisted AST (see src/core/codegen/expression.ts) as a Brian2 expression. */
export function toBrian2(node: MathNode, symbol: (name: string) => string): string {
  const n = node as MathNode & Record<string, unknown>;
  switch (node.type) {
    case 'ConstantNode': {
      const v = n.value as number;
      return v < 0 ? `(${String(v)})` : String(v);
    }
    case 'SymbolNode':
      return symbol(n.name as string);
    case 'ParenthesisNode':
      return `(${toBrian2(n.content as MathNode, symbol)})`;
    case 'OperatorNode': {
      const fn = n.fn as string;
      const args = (n.args as MathNode[]).map((a) => toBrian2(a, symbol));
      if (args.length === 1) return fn === 'unaryMinus' ? `(-${args[0]})` : fn === 'unaryPlus' ? args[0] : `(not ${args[0]})`;
      return `(${args[0]} ${OPERATORS[fn]} ${args[1]})`;
    }
    case 'ConditionalNode': {
      const c = toBrian2(n.condition as MathNode, symbol);
      // Brian2 has no conditional expression: select arithmetically (both sides are evaluated).
      return `(int(${c}) * (${toBrian2(n.trueExpr as MathNode, symbol)}) + (1 - int(${c})) * (${toBrian2(n.falseExpr as MathNode, symbol)}))`;
    }
    case 'FunctionNode': {
      const name = (n.fn as unknown as { name: string }).name;
      const args = (n.args as MathNode[]).map((a) => toBrian2(a, symbol));
      if (name === 'pow') return `((${args[0]}) ** (${args[1]}))`;
      if (name === 'min' || name === 'max') {
        return args.reduce((a, b) => (name === 'min' ? `clip(${a}, -inf, ${b})` : `clip(${a}, ${b}, inf)`));
      }
      return `${FUNCTIONS[name]}(${args.join(', ')})`;
    }
    default:
      throw new Error(`internal: node type ${node.type} reached the Brian2 export`);
  }
}

const BRIAN2_METHOD: Record<MethodName, string> = {
  exact: 'exact',
  rk4: 'rk4',
  euler: 'euler',
  exponential_euler: 'exponential_euler',
  // Brian2 has no staggered scheme; its exponential Euler is the closest (first order).
  staggered: 'exponential_euler',
};

const py = (x: number) => (Number.isInteger(x) ? `${x}.0` : String(x));
const pyName = (name: string) => name.replace(/[^A-Za-z0-9_]/g, '_');

/** Deterministic input per step and neuron, run-length coded over time: [values per neuron, steps]. */
function inputRuns(valid: ValidScenario, populationIndex: number): { rows: Float64Array[]; counts: number[] } | null {
  const { scenario } = valid;
  const pop = valid.populations[populationIndex];
  const specs = scenario.stimuli.map((s, k) => ({ s, k })).filter(({ s }) => s.population === pop.spec.name && s.type !== 'poissonInput' && s.type !== 'voltageClamp');
  if (specs.length === 0) return null;
  const size = pop.spec.size;
  const stimuli = specs.map(({ s, k }) => {
    if (s.type === 'whiteNoise' || s.type === 'ouNoise' || s.type === 'poisson') {
      throw new InputError(`stimuli[${k}].type`, `"${s.type}" does not translate to Brian2 here: its random stream is ours (Brian2 would draw other numbers); use a deterministic stimulus, or add noise in Brian2 (xi)`);
    }
    const targets = s.targets === undefined || s.targets === 'all' ? Int32Array.from({ length: size }, (_, i) => i) : Int32Array.from(s.targets);
    return createStimulus(s as Parameters<typeof createStimulus>[0], targets, streamSeed(scenario.seed, k));
  });
  const dt = scenario.dtMs;
  const steps = Math.round(scenario.durationMs / dt);
  const rows: Float64Array[] = [];
  const counts: number[] = [];
  let numbers = 0;
  for (let step = 0; step < steps; step++) {
    const row = new Float64Array(size);
    for (const s of stimuli) s.add(row, step * dt, dt);
    const last = rows[rows.length - 1];
    if (last && last.every((x, i) => x === row[i])) counts[counts.length - 1]++;
    else {
      numbers += size;
      if (numbers > 2_000_000) throw new InputError('stimuli', `the input of ${pop.spec.name} changes too often to write into a script (more than 2e6 numbers); shorten the run or use fewer neurons`);
      rows.push(row);
      counts.push(1);
    }
  }
  return { rows, counts };
}

/** The voltage clamps on a population: per neuron, whether an ideal clamp holds it, 1 / R_s of a series clamp (else 0), and each clamp with its targets. */
function clampsOf(valid: ValidScenario, populationIndex: number) {
  const pop = valid.populations[populationIndex];
  const size = pop.spec.size;
  const ideal = new Float64Array(size);
  const conductance = new Float64Array(size);
  const clamps = valid.scenario.stimuli
    .map((s, k) => ({ s, k }))
    .filter((c): c is { s: VoltageClampSpec & { type: 'voltageClamp' }; k: number } => c.s.population === pop.spec.name && c.s.type === 'voltageClamp')
    .map(({ s, k }) => {
      const targets = s.targets === undefined || s.targets === 'all' ? Int32Array.from({ length: size }, (_, i) => i) : Int32Array.from(s.targets);
      for (const i of targets) {
        if (s.seriesResistance && s.seriesResistance > 0) conductance[i] = 1 / s.seriesResistance;
        else ideal[i] = 1;
      }
      return { spec: s, k, targets };
    });
  return { clamps, ideal, conductance };
}

/**
 * The command per step and neuron, run-length coded like the input: `at` (0 for the step's start,
 * 0.5 for its middle) places the sample in each step; neurons no clamp holds get 0.
 */
function commandRuns(valid: ValidScenario, clamps: ReturnType<typeof clampsOf>['clamps'], size: number, at: number, field: string): { rows: Float64Array[]; counts: number[] } {
  const { dtMs, durationMs } = valid.scenario;
  // One more step than the run: the ideal clamp reads the command at the end of its last step.
  const steps = Math.round(durationMs / dtMs) + 1;
  const rows: Float64Array[] = [];
  const counts: number[] = [];
  let numbers = 0;
  for (let step = 0; step < steps; step++) {
    const row = new Float64Array(size);
    for (const c of clamps) {
      const v = commandAt(c.spec, (step + at) * dtMs);
      for (const i of c.targets) row[i] = v;
    }
    const last = rows[rows.length - 1];
    if (last && last.every((x, i) => x === row[i])) counts[counts.length - 1]++;
    else {
      numbers += size;
      if (numbers > 2_000_000) throw new InputError(field, `the clamp's command changes too often to write into a script (more than 2e6 numbers: a ramp is a new value every step); shorten the ramp or the run, or clamp fewer neurons`);
      rows.push(row);
      counts.push(1);
    }
  }
  return { rows, counts };
}

/** A run-length coded table as a numpy array expression. */
const table = (runs: { rows: Float64Array[]; counts: number[] }) => `np.repeat(np.array([${runs.rows.map((r) => `[${Array.from(r, py).join(', ')}]`).join(', ')}]), np.array([${runs.counts.join(', ')}]), axis=0)`;

/** Python's index list for a set of neurons, or ':' for all of them. */
const indices = (targets: Int32Array, size: number) => (targets.length === size ? ':' : `[${Array.from(targets).join(', ')}]`);

/** Our step in which a source's spike at t is emitted (spikes in (s dt, (s + 1) dt], the first step from 0). */
const emissionStep = (t: number, dt: number) => Math.max(0, Math.ceil(t / dt - 1e-9) - 1);

/**
 * A spike source as Brian2 runs it. Given times, regular trains and bursts become a
 * SpikeGeneratorGroup whose spikes sit at the start of the step we emit them in: Brian2 delivers
 * a spike at the end of its step (plus the delay), where we deliver it at the next step's start,
 * the same moment. A Poisson source is a PoissonGroup (Brian2's own random stream: the same
 * statistics, not the same spikes).
 */
function spikeSourceGroup(valid: ValidScenario, k: number, lines: string[]): void {
  const { scenario } = valid;
  const pop = valid.populations[k];
  const spec = pop.spec.spikes!;
  const g = `G_${pyName(pop.spec.name)}`;
  const size = pop.spec.size;
  const dt = scenario.dtMs;
  const steps = Math.round(scenario.durationMs / dt);
  lines.push(`# ${pop.spec.name}: ${size} spike source${size > 1 ? 's' : ''} (${spec.type})`);
  if (spec.type === 'poisson') {
    const start = spec.startMs ?? 0;
    const window = `${start > 0 ? ` * int(t >= ${py(start)} * ms)` : ''}${spec.stopMs !== undefined ? ` * int(t < ${py(spec.stopMs)} * ms)` : ''}`;
    lines.push(`${g} = PoissonGroup(${size}, rates='${py(spec.rateHz)} * Hz${window}')  # Brian2's own random stream: the same rate, not the same spikes`);
    return;
  }
  const generator = new SpikeGenerator(spec, size, scenario.seed, pop.spec.name);
  const recorder = new SpikeRecorder(0, size, 0);
  const count = new Float64Array(size);
  const indicesOut: number[] = [];
  const stepsOut: number[] = [];
  for (let s = 0; s < steps; s++) {
    generator.step(s, s * dt, dt, recorder, count);
    for (let q = 0; q < recorder.stepCount; q++) {
      indicesOut.push(recorder.stepNeurons[q]);
      stepsOut.push(emissionStep(recorder.stepTimes[q], dt));
      if (indicesOut.length > 2_000_000) throw new InputError(`populations[${k}].spikes`, `${pop.spec.name} emits more than 2e6 spikes in the run, too many to write into a script; shorten the run or use fewer neurons`);
    }
  }
  lines.push(`_idx = np.array([${indicesOut.join(', ')}], dtype=int)`);
  lines.push(`_steps = np.array([${stepsOut.join(', ')}])`);
  lines.push(`${g} = SpikeGeneratorGroup(${size}, _idx, _steps * ${py(dt)} * ms)  # each spike at the start of the step SpikeBridge emits it in`);
}

/**
 * The on_pre of a projection: the weight (times the factor that makes a synapse's waveform peak
 * at it) added to the target variable, through Tsodyks-Markram short-term plasticity where the
 * projection has it (per synapse here; per source neuron in SpikeBridge, the same numbers since
 * every synapse of a source sees its spikes).
 */
function onPre(pr: ValidScenario['scenario']['projections'] extends (infer P)[] | undefined ? P : never, variable: string, weight: string, held: boolean): { model: string[]; onPre: string } {
  const add = `${variable}_post += ${weight}`;
  const gate = held ? ' * int(not_refractory_post)' : '';
  if (!pr.stp) return { model: [], onPre: `${add}${gate}` };
  const { U, tauRecMs } = pr.stp;
  const tauFacilMs = pr.stp.tauFacilMs ?? 0;
  const body = [
    tauFacilMs > 0 ? `u_stp = u_stp * exp(-(t - last_stp) / (${py(tauFacilMs)} * ms))` : 'u_stp = 0',
    `x_stp = 1 - (1 - x_stp) * exp(-(t - last_stp) / (${py(tauRecMs)} * ms))`,
    `u_stp = u_stp + ${py(U)} * (1 - u_stp)`,
    `${add} * u_stp * x_stp${gate}`,
    'x_stp = x_stp - u_stp * x_stp',
    'last_stp = t',
  ];
  return { model: ['u_stp : 1', 'x_stp : 1', 'last_stp : second'], onPre: body.join('\n') };
}

function neuronGroup(valid: ValidScenario, k: number, lines: string[]): void {
  const { scenario } = valid;
  const pop = valid.populations[k];
  if (pop.spec.spikes) {
    spikeSourceGroup(valid, k, lines);
    return;
  }
  const model: LoadedModel = pop.model;
  const g = `G_${pyName(pop.spec.name)}`;
  const field = `populations[${k}].model`;
  const used = [...model.parameterNames, ...model.stateNames, ...model.expressions.map((e) => e.name), model.inputSymbol];
  const clash = used.find((n) => BRIAN2_NAMES.has(n));
  if (clash) throw new InputError(field, `the name "${clash}" means something else in Brian2 or Python; rename it to export`);

  const symbol = (name: string) => name;
  const clamped = new Set(model.refractory?.clamp ?? []);
  const eqs: string[] = [];
  model.equations.forEach((eq, j) => {
    const name = model.stateNames[j];
    eqs.push(`d${name}/dt = (${toBrian2(eq.rhs, symbol)}) / ms : 1${clamped.has(j) ? ' (unless refractory)' : ''}`);
  });
  for (const e of model.expressions) eqs.push(`${e.name} = ${toBrian2(e.node, symbol)} : 1`);
  const runs = inputRuns(valid, k);
  const clamp = clampsOf(valid, k);
  const name = pyName(pop.spec.name);
  const series = clamp.conductance.some((g) => g > 0);
  const idealAny = clamp.ideal.some((x) => x > 0);
  const membraneName = clamp.clamps.length > 0 ? model.stateNames[model.display.membrane!.index] : '';
  if (clamp.clamps.length > 0) {
    for (const extra of ['clamp_ideal', 'clamp_g', `Vs_${name}`, `Vi_${name}`]) {
      if (used.includes(extra)) throw new InputError(field, `the name "${extra}" is the clamp's in the export; rename it to export a clamp`);
    }
  }
  const input = runs ? `I_${name}(t, i)` : '0';
  eqs.push(`${model.inputSymbol} = ${input}${series ? ` + clamp_g * (Vs_${name}(t, i) - ${membraneName})` : ''} : 1`);
  if (series) eqs.push('clamp_g : 1 (constant)  # 1 / R_s of a series-resistance clamp, 0 where none holds the neuron');
  if (idealAny) eqs.push('clamp_ideal : 1 (constant)  # 1 where an ideal clamp holds the neuron');

  lines.push(`# ${pop.spec.name}: ${pop.spec.size} x ${model.id}${pop.spec.regime ? ` (${pop.spec.regime})` : ''}`);
  const parameters = model.parameterNames.map((name, j) => `'${name}': ${py(pop.parameters[j])}`);
  if (runs) {
    lines.push(`_rows = np.array([${runs.rows.map((r) => `[${Array.from(r, py).join(', ')}]`).join(', ')}])`);
    lines.push(`_counts = np.array([${runs.counts.join(', ')}])`);
    lines.push(`I_${pyName(pop.spec.name)} = TimedArray(np.repeat(_rows, _counts, axis=0), dt=${py(scenario.dtMs)} * ms)  # mean input over each step, as SpikeBridge adds it`);
    parameters.push(`'I_${pyName(pop.spec.name)}': I_${pyName(pop.spec.name)}`);
  }
  const clampField = `stimuli[${clamp.clamps[0]?.k ?? 0}]`;
  if (series) {
    lines.push(`Vs_${name} = TimedArray(${table(commandRuns(valid, clamp.clamps, pop.spec.size, 0.5, clampField))}, dt=${py(scenario.dtMs)} * ms)  # the command at the middle of each step`);
    parameters.push(`'Vs_${name}': Vs_${name}`);
  }
  if (idealAny) {
    lines.push(`Vi_${name} = TimedArray(${table(commandRuns(valid, clamp.clamps, pop.spec.size, 0, clampField))}, dt=${py(scenario.dtMs)} * ms)  # the command at each step's start`);
    parameters.push(`'Vi_${name}': Vi_${name}`);
  }
  lines.push(`eqs_${pyName(pop.spec.name)} = '''`);
  for (const e of eqs) lines.push(e);
  lines.push(`'''`);
  const level = toBrian2(model.threshold.level, symbol);
  const v = model.threshold.variable;
  const options = [`method='${BRIAN2_METHOD[pop.method]}'`, `namespace={${parameters.join(', ')}}`];
  if (model.reset.length > 0) {
    options.unshift(`threshold='${v} >= ${level}'`, `reset='''${model.reset.map((r) => `${model.stateNames[r.index]} = ${toBrian2(r.value, symbol)}`).join('\n')}'''`);
    if (model.refractory) options.push(`refractory='(${toBrian2(model.refractory.period, symbol)}) * ms'`);
  } else {
    // A spike is the upward crossing: Brian2's idiom holds it while v stays above the level.
    options.unshift(`threshold='${v} > ${level}'`, `refractory='${v} > ${level}'`);
  }
  lines.push(`${g} = NeuronGroup(${pop.spec.size}, eqs_${pyName(pop.spec.name)}, ${options.join(', ')})`);
  for (const j of model.initialOrder) lines.push(`${g}.${model.stateNames[j]} = '${toBrian2(model.initial[j], symbol)}'`);
  for (const [name, value] of Object.entries(pop.initial)) {
    if (typeof value === 'number') lines.push(`${g}.${name} = ${py(value)}`);
    else if ('uniform' in value) lines.push(`${g}.${name} = '${py(value.uniform[0])} + rand() * ${py(value.uniform[1] - value.uniform[0])}'`);
    else lines.push(`${g}.${name} = '${py(value.normal[0])} + ${py(value.normal[1])} * randn()'`);
  }
  if (clamp.clamps.length > 0) clampStart(valid, k, clamp, g, lines);
}

/** The clamp's start (as VoltageClamp.start), its flags, and the ideal clamp's hold on v after each step. */
function clampStart(valid: ValidScenario, k: number, clamp: ReturnType<typeof clampsOf>, g: string, lines: string[]): void {
  const pop = valid.populations[k];
  const model = pop.model;
  const size = pop.spec.size;
  const membrane = model.display.membrane!.index;
  const v = model.stateNames[membrane];
  if (clamp.conductance.some((x) => x > 0)) lines.push(`${g}.clamp_g = np.array([${Array.from(clamp.conductance, py).join(', ')}])`);
  if (clamp.ideal.some((x) => x > 0)) {
    lines.push(`${g}.clamp_ideal = np.array([${Array.from(clamp.ideal, py).join(', ')}])`);
    // After each step's update, before the threshold: v is the command at the step's end.
    lines.push(`${g}.run_regularly('${v} = clamp_ideal * Vi_${pyName(pop.spec.name)}(t + dt, i) + (1 - clamp_ideal) * ${v}', when='before_thresholds')`);
  }
  const keep = new Set(Object.keys(pop.initial).map((name) => model.stateNames.indexOf(name)));
  const start = new PointEvaluator(model).initialState(pop.parameters);
  for (const [name, value] of Object.entries(pop.initial)) {
    if (typeof value !== 'number') throw new InputError(`populations[${k}].initial.${name}`, 'a drawn initial value under a voltage clamp does not translate to Brian2 (the clamp settles the other variables from it neuron by neuron); give a number');
    start[model.stateNames.indexOf(name)] = value;
  }
  for (const { spec, targets } of clamp.clamps) {
    const ideal = !(spec.seriesResistance && spec.seriesResistance > 0);
    const settle = spec.settle !== false;
    const other = model.stateNames.map((_, j) => j).filter((j) => j !== membrane && !keep.has(j));
    const at = indices(targets, size);
    if (settle && other.length > 0) {
      const point = Float64Array.from(start);
      point[membrane] = spec.holdingMV;
      const steady = steadyStateAt(model, pop.parameters, point, other, 0);
      if (steady) for (const j of other) lines.push(`${g}.${model.stateNames[j]}[${at}] = ${py(steady[j])}  # steady at the holding level`);
    }
    if (ideal) lines.push(`${g}.${v}[${at}] = ${py(commandAt(spec, 0))}`);
    else if (settle) lines.push(`${g}.${v}[${at}] = ${py(spec.holdingMV)}`);
  }
}

/** The Brian2 script for a scenario (validated first). Throws InputError for what does not translate. */
export function brian2Script(raw: unknown): string {
  const valid = validateScenario(raw);
  const { scenario } = valid;
  const lines: string[] = [];
  lines.push(`# ${scenario.name ?? 'SpikeBridge scenario'}, exported from SpikeBridge for Brian2 (2.5 or newer).`);
  lines.push('# Numbers are in the units of the model files (mV, ms, nA, ...), kept dimensionless here;');
  lines.push('# each equation is written as dx/dt = (rhs) / ms. Run: python3 this_file.py');
  lines.push('# It prints one JSON line: spike counts and mean rates per population.');
  lines.push('import json');
  lines.push('import numpy as np');
  lines.push('from brian2 import *');
  lines.push('');
  lines.push("prefs.codegen.target = 'numpy'  # starts at once; 'cython' runs long simulations faster");
  lines.push(`defaultclock.dt = ${py(scenario.dtMs)} * ms`);
  lines.push(`seed(${scenario.seed})  # Brian2's own random stream: the same statistics, not the same draws`);
  lines.push('');
  valid.populations.forEach((_, k) => neuronGroup(valid, k, lines));

  const groupOf = (name: string) => `G_${pyName(name)}`;
  (scenario.projections ?? []).forEach((pr, k) => {
    const field = `projections[${k}]`;
    const target = valid.populations.find((p) => p.spec.name === pr.target)!;
    const source = valid.populations.find((p) => p.spec.name === pr.source)!;
    const { variable: on, weightScale } = valid.synapses?.[k] ?? { variable: pr.on!, weightScale: 1 };
    const heldVariable = (target.model.refractory?.clamp ?? []).includes(target.model.stateNames.indexOf(on));
    const s = `S${k}`;
    const scaled = (x: number) => x * weightScale;
    const weight = typeof pr.weight === 'number' ? py(scaled(pr.weight)) : 'w';
    // A variable held during refractoriness ignores what arrives then (as in SpikeBridge and NEST).
    const synapse = onPre(pr, on, weight, heldVariable);
    const model = [...(typeof pr.weight === 'number' ? [] : ['w : 1']), ...synapse.model];
    if (pr.synapse) lines.push(`# ${pr.source} -> ${pr.target}: ${pr.synapse.kind} synapse, ${pr.synapse.shape}${weightScale !== 1 ? ` (weight x ${Number(weightScale.toPrecision(6))}: the increment of ${on} that makes the waveform peak at the weight)` : ''}`);
    lines.push(`${s} = Synapses(${groupOf(pr.source)}, ${groupOf(pr.target)}, ${model.length > 0 ? `model='''${model.join('\n')}''', ` : ''}on_pre='''${synapse.onPre}''')`);
    const self = pr.source === pr.target;
    const c = pr.connect;
    switch (c.rule) {
      case 'all':
        lines.push(self && c.allowSelf === false ? `${s}.connect(condition='i != j')` : `${s}.connect()`);
        break;
      case 'probability':
        lines.push(self && c.allowSelf === false ? `${s}.connect(condition='i != j', p=${py(c.p)})` : `${s}.connect(p=${py(c.p)})`);
        break;
      case 'oneToOne':
        lines.push(`${s}.connect(condition='i == j')`);
        break;
      case 'inDegree': {
        // Brian2 has no fixed in-degree rule: draw k distinct sources for every target with numpy.
        const noSelf = self && c.allowSelf === false;
        lines.push(`_rng = np.random.default_rng(${streamSeed(scenario.seed, 2000 + k)})`);
        lines.push(`_pre = np.concatenate([${noSelf ? `np.setdiff1d(np.arange(${source.spec.size}), [j])[_rng.permutation(${source.spec.size - 1})[:${c.k}]]` : `_rng.permutation(${source.spec.size})[:${c.k}]`} for j in range(${target.spec.size})])`);
        lines.push(`${s}.connect(i=_pre, j=np.repeat(np.arange(${target.spec.size}), ${c.k}))`);
        break;
      }
      case 'list':
        lines.push(`${s}.connect(i=np.array(${JSON.stringify(c.pairs.map((p) => p[0]))}), j=np.array(${JSON.stringify(c.pairs.map((p) => p[1]))}))`);
        break;
      default:
        throw new InputError(`${field}.connect.rule`, `does not translate to Brian2`);
    }
    if (typeof pr.weight !== 'number') {
      lines.push('normal' in pr.weight ? `${s}.w = '${py(scaled(pr.weight.normal[0]))} + ${py(scaled(pr.weight.normal[1]))} * randn()'` : `${s}.w = '${py(scaled(pr.weight.uniform[0]))} + rand() * ${py(scaled(pr.weight.uniform[1] - pr.weight.uniform[0]))}'`);
    }
    if (pr.stp) lines.push(`${s}.x_stp = 1`);
    const delay = pr.delayMs ?? 0;
    // SpikeBridge delivers a spike at the first step boundary after t + delay; Brian2 at the step
    // after the one where t + delay falls: the same for delays on the grid.
    if (typeof delay === 'number') {
      if (delay > 0) lines.push(`${s}.delay = ${py(delay)} * ms`);
    } else lines.push(`${s}.delay = '${py(delay.uniform[0])} * ms + rand() * ${py(delay.uniform[1] - delay.uniform[0])} * ms'`);
  });

  scenario.stimuli.forEach((st, k) => {
    if (st.type !== 'poissonInput') return;
    if (st.targets !== undefined && st.targets !== 'all') throw new InputError(`stimuli[${k}].targets`, 'a poissonInput on some neurons only does not translate (Brian2 PoissonInput drives a whole group)');
    const target = valid.populations.find((p) => p.spec.name === st.population)!;
    const held = (target.model.refractory?.clamp ?? []).includes(target.model.stateNames.indexOf(st.on));
    lines.push(`P${k} = PoissonInput(${groupOf(st.population)}, '${st.on}', ${st.sources}, ${py(st.rateHz)} * Hz, weight='${py(st.weight)}${held ? ' * int(not_refractory)' : ''}')`);
  });

  lines.push('');
  const monitors = valid.populations.map((p) => `M_${pyName(p.spec.name)}`);
  valid.populations.forEach((p, k) => lines.push(`${monitors[k]} = SpikeMonitor(${groupOf(p.spec.name)})`));
  lines.push(`run(${py(scenario.durationMs)} * ms)`);
  lines.push('print(json.dumps({"populations": [');
  valid.populations.forEach((p, k) => {
    lines.push(`    {"name": ${JSON.stringify(p.spec.name)}, "size": ${p.spec.size}, "spikeCount": int(${monitors[k]}.num_spikes), "meanRateHz": float(${monitors[k]}.num_spikes) / ${p.spec.size} / ${py(scenario.durationMs / 1000)}, "spikeTimesMs": [float(x) for x in (${monitors[k]}.t / ms)[:1000]], "spikeNeurons": [int(x) for x in ${monitors[k]}.i[:1000]]},`);
  });
  lines.push(']}))');
  return lines.join('\n') + '\n';
}
