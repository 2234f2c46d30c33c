// How long a run will take, before it starts: neurons x steps x a cost per neuron-step that
// depends on the integration method and the model, plus synaptic events. The CLI asks for --long
// and the page for a confirmation above LONG_RUN_SECONDS. It reads a scenario as given (validated
// or not, so the page can ask before it sends one to the worker) and never throws: what it cannot
// read it leaves out, and validation says what is wrong.
//
// The costs were measured on the project's machine (2 cores, Node 20) with 10,000 neurons firing
// at 25-75 Hz, scaled to the quiet-machine figures of `npm run bench` (exact LIF 1.25 ns, HH
// staggered 28 ns per neuron-step). They are rough: a model with costly functions (AdEx's exp under
// rk4) can take three times its estimate, a silent network less. That is enough to tell seconds
// from hours.
import lif from '../../models/lif.json';
import hh from '../../models/hh.json';
import lifExpCurrent from '../../models/lif_exp_current.json';
import lifExpConductance from '../../models/lif_exp_conductance.json';
import traubMiles from '../../models/traub_miles.json';
import izhikevich from '../../models/izhikevich.json';
import adex from '../../models/adex.json';

/** Runs estimated to take longer than this (seconds) need a confirmation: `--long` on the CLI. */
export const LONG_RUN_SECONDS = 600;

/**
 * Nanoseconds per neuron and step: base + perState x state variables + perCall x calls of exp,
 * log, pow and the like in the equations (rk4 evaluates them four times; staggered looks gates up
 * in a table). `exact` runs the WebAssembly loop unless noise is drawn in the loop.
 */
const NS_PER_NEURON_STEP: Record<string, { base: number; perState: number; perCall: number }> = {
  exact: { base: 0.8, perState: 0.4, perCall: 0 },
  staggered: { base: 10, perState: 3, perCall: 0.5 },
  exponential_euler: { base: 2.5, perState: 4.2, perCall: 0.5 },
  rk4: { base: 6.7, perState: 3.3, perCall: 20 },
  euler: { base: 5, perState: 2, perCall: 2 },
};
/** Exact models with white or OU noise leave the WebAssembly loop (bench: LIF + noise 8.5 ns). */
const NS_EXACT_WITH_NOISE = 8;
/** Drawing one normal number (a 256-layer ziggurat) for a noisy neuron in any other method. */
const NS_NOISE_DRAW = 3;
/** A Poisson drive per target neuron and step (poissonInput, poisson stimuli). */
const NS_POISSON_DRAW = 10;
/** One synaptic event (bench: 1.8 ns without delay in WebAssembly, about 4 ns through a delay ring). */
const NS_PER_SYNAPTIC_EVENT = 4;
/** Spikes per second assumed of each source neuron when counting synaptic events ahead of a run. */
const ASSUMED_RATE_HZ = 20;

const BUILTIN: Record<string, unknown> = { lif, hh, lif_exp_current: lifExpCurrent, lif_exp_conductance: lifExpConductance, traub_miles: traubMiles, izhikevich, adex };

export interface RunCost {
  /** Estimated wall-clock seconds of the simulation loop (building excluded). */
  seconds: number;
  neurons: number;
  steps: number;
  neuronSteps: number;
  synapses: number;
  /** Synaptic events assumed (ASSUMED_RATE_HZ per source neuron). */
  synapticEvents: number;
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function finite(x: unknown, fallback: number): number {
  return typeof x === 'number' && Number.isFinite(x) ? x : fallback;
}

/** Calls of costly functions in a model file's equations and expressions. */
function costlyCalls(model: Record<string, unknown>): number {
  let calls = 0;
  const count = (text: unknown) => {
    if (typeof text === 'string') calls += (text.slice(0, 10_000).match(/\b(exp|expm1|exprel|log|log1p|sqrt|pow|tanh|sinh|cosh|sin|cos)\s*\(|\^/g) ?? []).length;
  };
  if (Array.isArray(model.equations)) model.equations.slice(0, 1000).forEach(count);
  if (Array.isArray(model.expressions)) model.expressions.slice(0, 1000).forEach(count);
  else if (isObject(model.expressions)) Object.values(model.expressions).slice(0, 1000).forEach(count);
  return calls;
}

/** Nanoseconds per neuron-step of one population. */
function populationNs(population: Record<string, unknown>, noisy: boolean, poisson: boolean, synapses = { states: 0, conductance: false }): number {
  // A spike source integrates nothing: it looks up its next spike.
  if (population.spikes !== undefined) return NS_PER_NEURON_STEP.exact.base;
  const model = typeof population.model === 'string' ? BUILTIN[population.model] : population.model;
  const file = isObject(model) ? model : {};
  const states = (isObject(file.state) ? Math.max(1, Object.keys(file.state).length) : 1) + synapses.states;
  // Conductance synapses take a population off its default exact method (validateScenario says so in its spec).
  const byDefault = synapses.conductance && file.defaultMethod === 'exact' ? 'exponential_euler' : file.defaultMethod;
  const asked = typeof population.method === 'string' ? population.method : byDefault;
  const method = typeof asked === 'string' && Object.prototype.hasOwnProperty.call(NS_PER_NEURON_STEP, asked) ? asked : 'rk4';
  const c = NS_PER_NEURON_STEP[method];
  let ns = c.base + c.perState * states + c.perCall * costlyCalls(file);
  if (noisy) ns = method === 'exact' ? NS_EXACT_WITH_NOISE + c.perState * states : ns + NS_NOISE_DRAW;
  if (poisson) ns += NS_POISSON_DRAW;
  return ns;
}

/** Expected synapses of a projection as written (no connectivity is built). */
function projectionSynapses(connect: unknown, sources: number, targets: number): number {
  if (!isObject(connect)) return 0;
  switch (connect.rule) {
    case 'all':
      return sources * targets;
    case 'probability':
      return Math.min(1, Math.max(0, finite(connect.p, 0))) * sources * targets;
    case 'inDegree':
      return Math.max(0, finite(connect.k, 0)) * targets;
    case 'oneToOne':
      return Math.min(sources, targets);
    case 'list':
      return Array.isArray(connect.pairs) ? connect.pairs.length : 0;
    default:
      return 0;
  }
}

/**
 * The estimated cost of running a scenario whole (or of `durationMs` of it), or null if it has no
 * duration, step or populations to go by.
 */
export function estimateRunCost(scenario: unknown, durationMs?: number): RunCost | null {
  if (!isObject(scenario) || !Array.isArray(scenario.populations)) return null;
  const duration = durationMs ?? finite(scenario.durationMs, NaN);
  const dt = finite(scenario.dtMs, NaN);
  if (!(duration > 0) || !(dt > 0)) return null;
  const steps = Math.round(duration / dt);
  const stimuli = Array.isArray(scenario.stimuli) ? scenario.stimuli.filter(isObject) : [];
  const sizes = new Map<string, number>();
  let neurons = 0;
  let ns = 0;
  // Synapse kinetics add state variables to their targets: one (exponential) or two per distinct kinetics.
  const kinetics = new Map<string, { keys: Set<string>; states: number; conductance: boolean }>();
  for (const pr of Array.isArray(scenario.projections) ? scenario.projections.slice(0, 1000) : []) {
    if (!isObject(pr) || !isObject(pr.synapse) || typeof pr.target !== 'string') continue;
    const entry = kinetics.get(pr.target) ?? { keys: new Set<string>(), states: 0, conductance: false };
    const key = JSON.stringify(pr.synapse);
    if (!entry.keys.has(key)) {
      entry.keys.add(key);
      entry.states += pr.synapse.shape === 'exponential' ? 1 : 2;
    }
    entry.conductance ||= pr.synapse.kind === 'conductance';
    kinetics.set(pr.target, entry);
  }
  for (const p of scenario.populations.slice(0, 1000)) {
    if (!isObject(p)) continue;
    const size = Math.max(0, finite(p.size, 0));
    const mine = stimuli.filter((s) => s.population === p.name);
    const noisy = mine.some((s) => s.type === 'whiteNoise' || s.type === 'ouNoise');
    const poisson = mine.some((s) => s.type === 'poissonInput' || s.type === 'poisson');
    if (typeof p.name === 'string') sizes.set(p.name, size);
    neurons += size;
    ns += size * populationNs(p, noisy, poisson, typeof p.name === 'string' ? kinetics.get(p.name) : undefined);
  }
  let synapses = 0;
  let events = 0;
  for (const pr of Array.isArray(scenario.projections) ? scenario.projections.slice(0, 1000) : []) {
    if (!isObject(pr)) continue;
    const sources = sizes.get(pr.source as string) ?? 0;
    const n = projectionSynapses(pr.connect, sources, sizes.get(pr.target as string) ?? 0);
    synapses += n;
    // Each source spike reaches its n / sources synapses.
    events += n * ASSUMED_RATE_HZ * (duration / 1000);
  }
  const seconds = (ns * steps + events * NS_PER_SYNAPTIC_EVENT) * 1e-9;
  return { seconds, neurons, steps, neuronSteps: neurons * steps, synapses, synapticEvents: events };
}

/** "40 s", "12 minutes", "3.4 hours", "2.1 days". */
export function formatDuration(seconds: number): string {
  if (seconds < 90) return `${seconds < 10 ? seconds.toPrecision(2) : Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} minutes`;
  if (seconds < 172_800) return `${(seconds / 3600).toPrecision(2)} hours`;
  if (seconds < 3.2e7) return `${(seconds / 86_400).toPrecision(2)} days`;
  return `${(seconds / 3.156e7).toPrecision(2)} years`;
}

/** One sentence: the estimate and what it comes from. */
export function describeRunCost(cost: RunCost): string {
  const big = (x: number) => (x >= 1e7 ? x.toExponential(2).replace('e+', 'e') : Math.round(x).toLocaleString('en-US'));
  const events = cost.synapses > 0 ? ` and about ${big(cost.synapticEvents)} synaptic events at ${ASSUMED_RATE_HZ} Hz` : '';
  return `about ${formatDuration(cost.seconds)} of computation (${big(cost.neurons)} neurons x ${big(cost.steps)} steps${events})`;
}
