// Guided lessons: a scenario plus a few steps, each asking the student to do something in the app
// and checked from what the simulation shows (rates, spikes, the input in force, a finished f-I
// fit), never from a button press. Lessons are data: their checks are a fixed set of kinds whose
// thresholds may be expressions of the model's parameters ("1000 / t_ref"), parsed by the same
// whitelisting loader as equations, so a lesson from a link cannot run code either.
import { InputError, describeValue } from '../core/errors.js';
import { parseExpression, toClosure } from '../core/codegen/expression.js';
import { validateScenario, type ValidScenario } from '../scenario/scenario.js';
import { PRESETS, preset } from '../scenario/presets.js';

export const LESSON_FORMAT = 'spikebridge-lesson/1';

/** A threshold: a number, or an expression of the population's parameters. */
export type Amount = number | string;

export type Check =
  | { kind: 'fires'; population: string }
  | { kind: 'silent'; population: string }
  | { kind: 'rate'; population: string; atLeastHz?: Amount; atMostHz?: Amount }
  | { kind: 'input'; population: string; atLeast?: Amount; atMost?: Amount }
  | { kind: 'parameter'; population: string; name: string; atLeast?: Amount; atMost?: Amount }
  | { kind: 'irregular'; population: string; cvAtLeast: number }
  | { kind: 'fit'; population: string; noiseAtLeastMV?: number; noiseAtMostMV?: number; bestIn?: string[] }
  | { kind: 'clamp'; population: string; current: string; reversalAtLeastMV?: number; reversalAtMostMV?: number; zero?: boolean }
  | { kind: 'ions'; population: string; ion: string; outsideAtLeastMM?: number; outsideAtMostMM?: number; membraneAtLeastMV?: number; membraneAtMostMV?: number }
  | { kind: 'plane'; population: string; bifurcation?: 'hopf' | 'saddle-node'; restStable?: boolean }
  | { kind: 'ann'; population: string; activation?: string[]; dataset?: string[]; noiseAtLeastMV?: number; testAccuracyAtLeast?: number; deadUnitsAtLeast?: number; spikingWindowAtLeastMs?: number; spikingAccuracyAtLeast?: number; spikingWithinPoints?: number }
  | { kind: 'view'; population: string; gates?: boolean; currents?: boolean }
  | { kind: 'traced'; population: string; neuronAtLeast: number }
  | { kind: 'all'; checks: Check[] };

export interface LessonStep {
  /** What to do, in one or two sentences. */
  task: string;
  check: Check;
  /** What the student should take from it, shown once the check passes. */
  explanation: string;
}

export interface Lesson {
  format: string;
  id: string;
  title: string;
  /** A preset name or a whole scenario. */
  scenario: string | Record<string, unknown>;
  steps: LessonStep[];
}

/** What the page knows from the simulation when it checks a step. */
export interface Observation {
  populations: {
    name: string;
    /** Spikes and rate over the recent window the page keeps (e.g. the last simulated second). */
    recentSpikes: number;
    recentRateHz: number;
    /** ISI coefficient of variation over that window (undefined with too few spikes). */
    isiCv?: number;
    /** The input current the student applies, in the model's input unit. */
    input: number;
    parameters: Record<string, number>;
  }[];
  /** The last finished f-I comparison. */
  fit?: { population: string; noiseSigmaMV: number; ranking: string[] };
  /** What the bench panels (voltage clamp, ions, phase plane) last showed. */
  bench?: BenchObservation;
  /** Whether the page shows the gates and the ionic currents under the membrane traces. */
  view?: { showGates: boolean; showCurrents: boolean };
  /** The neurons whose membranes the page traces (a student adds one by clicking a raster row). */
  traced?: { population: string; neuron: number }[];
}

/** What the bench panels report for the lessons: each the last thing it showed. */
export interface BenchObservation {
  /** The last voltage-clamp family: each declared current's reversal read off its peak I-V curve (null if it does not change sign), and whether it is zero at every level. */
  clamp?: { population: string; currents: { name: string; reversalMV: number | null; zero: boolean }[] };
  /** The concentrations in force (mM) and the membrane potential of the running trace now. */
  ions?: { population: string; concentrations: Record<string, { insideMM: number; outsideMM: number }>; membraneMV: number | null };
  /** The phase plane at the input in force: whether it has a stable rest, and how the rest loses stability as the input rises. */
  plane?: { population: string; restStable: boolean; bifurcation: 'hopf' | 'saddle-node' | null };
  /** The ANN playground's last trained network, and its spiking run once there is one. */
  ann?: AnnObservation;
}

/** A trained network as the ANN playground shows it (accuracies as fractions, 0 to 1). */
export interface AnnObservation {
  /** The population whose f-I curve the units use ("this neuron"), else null. */
  population: string | null;
  /** An activation id (relu, sigmoid, ...) or "neuron". */
  activation: string;
  noiseSigmaMV: number;
  dataset: string;
  epochs: number;
  trainAccuracy: number;
  testAccuracy: number;
  /** Hidden units at rate 0 on every training input. */
  deadUnits: number;
  dropout: number;
  /** The converted network's test accuracy per count window, and the ANN's on the same points. */
  spiking: { windowsMs: number[]; accuracy: number[]; annAccuracy: number } | null;
}

export interface ValidLesson {
  lesson: Lesson;
  scenario: ValidScenario;
  /** check(observation) for each step. */
  checks: ((observation: Observation) => boolean)[];
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

function text(obj: Record<string, unknown>, key: string, field: string, max = 1000): string {
  const value = obj[key];
  if (typeof value !== 'string' || value.trim() === '' || value.length > max) throw new InputError(`${field}.${key}`, `must be a non-empty string of at most ${max} characters, got ${describeValue(value)}`);
  return value;
}

/** Validate a lesson file and compile its checks. */
export function loadLesson(raw: unknown, source = 'lesson'): ValidLesson {
  if (!isObject(raw)) throw new InputError(source, `a lesson must be a JSON object, got ${describeValue(raw)}`);
  if (raw.format !== LESSON_FORMAT) throw new InputError(`${source}: format`, `is ${describeValue(raw.format)}; this version reads "${LESSON_FORMAT}"`);
  const id = text(raw, 'id', source, 40);
  if (!/^[a-z0-9-]+$/.test(id)) throw new InputError(`${source}: id`, `${describeValue(id)} must be lower-case letters, digits or -`);
  text(raw, 'title', source, 200);
  let scenarioRaw: unknown = raw.scenario;
  if (typeof scenarioRaw === 'string') {
    if (!Object.prototype.hasOwnProperty.call(PRESETS, scenarioRaw)) throw new InputError(`${source}: scenario`, `${describeValue(scenarioRaw)} is not a preset (presets: ${Object.keys(PRESETS).join(', ')})`);
    scenarioRaw = preset(scenarioRaw);
  }
  let scenario: ValidScenario;
  try {
    scenario = validateScenario(scenarioRaw);
  } catch (err) {
    if (err instanceof InputError) throw new InputError(`${source}: scenario.${err.field}`, err.message.slice(err.field.length + 2));
    throw err;
  }
  if (!Array.isArray(raw.steps) || raw.steps.length === 0 || raw.steps.length > 20) throw new InputError(`${source}: steps`, 'must be a list of 1 to 20 steps');
  const checks = raw.steps.map((step: unknown, k: number) => {
    const field = `${source}: steps[${k}]`;
    if (!isObject(step)) throw new InputError(field, 'must be an object { task, check, explanation }');
    text(step, 'task', field);
    text(step, 'explanation', field);
    return compileCheck(step.check, `${field}.check`, scenario, 0);
  });
  return { lesson: raw as unknown as Lesson, scenario, checks };
}

function compileCheck(raw: unknown, field: string, scenario: ValidScenario, depth: number): (o: Observation) => boolean {
  if (!isObject(raw)) throw new InputError(field, `must be an object { kind, ... }, got ${describeValue(raw)}`);
  if (raw.kind === 'all') {
    if (depth > 3 || !Array.isArray(raw.checks) || raw.checks.length === 0 || raw.checks.length > 8) throw new InputError(`${field}.checks`, 'must be a list of 1 to 8 checks (nested at most 3 deep)');
    const parts = raw.checks.map((c: unknown, k: number) => compileCheck(c, `${field}.checks[${k}]`, scenario, depth + 1));
    return (o) => parts.every((p: (o: Observation) => boolean) => p(o));
  }
  const name = raw.population;
  const pop = scenario.populations.find((p) => p.spec.name === name);
  if (!pop) throw new InputError(`${field}.population`, `${describeValue(name)} is not a population of the lesson's scenario (${scenario.populations.map((p) => p.spec.name).join(', ')})`);
  const parameterNames = pop.model.parameterNames;
  /** A bound: a number, or an expression of the population's parameters, read from the observation. */
  const amount = (key: string): ((parameters: Record<string, number>) => number) | null => {
    const value = raw[key];
    if (value === undefined) return null;
    if (typeof value === 'number' && Number.isFinite(value)) return () => value;
    if (typeof value !== 'string') throw new InputError(`${field}.${key}`, `must be a number or an expression of ${pop.model.id}'s parameters, got ${describeValue(value)}`);
    const node = parseExpression(value, `${field}.${key}`, (s) => parameterNames.includes(s));
    const evaluate = toClosure(node, (s) => parameterNames.indexOf(s));
    return (parameters) => evaluate(parameterNames.map((p) => parameters[p] ?? NaN));
  };
  const find = (o: Observation) => o.populations.find((p) => p.name === name);
  const between = (x: number, parameters: Record<string, number>, low: ReturnType<typeof amount>, high: ReturnType<typeof amount>) =>
    (low === null || x >= low(parameters)) && (high === null || x <= high(parameters));
  const keys = (allowed: string[]) => {
    for (const key of Object.keys(raw)) if (!['kind', 'population', ...allowed].includes(key)) throw new InputError(`${field}.${key}`, `is not a field of a "${String(raw.kind)}" check (fields: ${['kind', 'population', ...allowed].join(', ')})`);
  };
  switch (raw.kind) {
    case 'fires':
      keys([]);
      return (o) => (find(o)?.recentSpikes ?? 0) > 0;
    case 'silent':
      keys([]);
      return (o) => find(o)?.recentSpikes === 0;
    case 'rate': {
      keys(['atLeastHz', 'atMostHz']);
      const low = amount('atLeastHz');
      const high = amount('atMostHz');
      return (o) => {
        const p = find(o);
        return p !== undefined && between(p.recentRateHz, p.parameters, low, high);
      };
    }
    case 'input': {
      keys(['atLeast', 'atMost']);
      const low = amount('atLeast');
      const high = amount('atMost');
      return (o) => {
        const p = find(o);
        return p !== undefined && between(p.input, p.parameters, low, high);
      };
    }
    case 'parameter': {
      keys(['name', 'atLeast', 'atMost']);
      if (typeof raw.name !== 'string' || !parameterNames.includes(raw.name)) throw new InputError(`${field}.name`, `${describeValue(raw.name)} is not a parameter of ${pop.model.id} (${parameterNames.join(', ')})`);
      const parameter = raw.name;
      const low = amount('atLeast');
      const high = amount('atMost');
      return (o) => {
        const p = find(o);
        return p !== undefined && between(p.parameters[parameter], p.parameters, low, high);
      };
    }
    case 'irregular': {
      keys(['cvAtLeast']);
      const cv = raw.cvAtLeast;
      if (typeof cv !== 'number' || !(cv >= 0 && cv <= 5)) throw new InputError(`${field}.cvAtLeast`, `must be a number in [0, 5], got ${describeValue(cv)}`);
      return (o) => (find(o)?.isiCv ?? -1) >= cv;
    }
    case 'fit': {
      keys(['noiseAtLeastMV', 'noiseAtMostMV', 'bestIn']);
      const bestIn = raw.bestIn;
      if (bestIn !== undefined && (!Array.isArray(bestIn) || !bestIn.every((b) => typeof b === 'string') || bestIn.length === 0)) throw new InputError(`${field}.bestIn`, 'must be a list of activation function names');
      const atLeast = typeof raw.noiseAtLeastMV === 'number' ? raw.noiseAtLeastMV : -Infinity;
      const atMost = typeof raw.noiseAtMostMV === 'number' ? raw.noiseAtMostMV : Infinity;
      return (o) => {
        const fit = o.fit;
        if (!fit || fit.population !== name || fit.noiseSigmaMV < atLeast || fit.noiseSigmaMV > atMost) return false;
        return bestIn === undefined || bestIn.includes(fit.ranking[0]);
      };
    }
    case 'clamp': {
      keys(['current', 'reversalAtLeastMV', 'reversalAtMostMV', 'zero']);
      if (typeof raw.current !== 'string' || !pop.model.display.currents.some((c) => c.name === raw.current)) throw new InputError(`${field}.current`, `${describeValue(raw.current)} is not a current ${pop.model.id} declares (${pop.model.display.currents.map((c) => c.name).join(', ')})`);
      const current = raw.current;
      const low = optionalNumber(raw, 'reversalAtLeastMV', field);
      const high = optionalNumber(raw, 'reversalAtMostMV', field);
      if (raw.zero !== undefined && typeof raw.zero !== 'boolean') throw new InputError(`${field}.zero`, `must be true or false, got ${describeValue(raw.zero)}`);
      const zero = raw.zero;
      return (o) => {
        const clamp = o.bench?.clamp;
        const c = clamp && clamp.population === name ? clamp.currents.find((x) => x.name === current) : undefined;
        if (!c) return false;
        if (zero !== undefined && c.zero !== zero) return false;
        if (low === null && high === null) return true;
        return c.reversalMV !== null && (low === null || c.reversalMV >= low) && (high === null || c.reversalMV <= high);
      };
    }
    case 'ions': {
      keys(['ion', 'outsideAtLeastMM', 'outsideAtMostMM', 'membraneAtLeastMV', 'membraneAtMostMV']);
      if (typeof raw.ion !== 'string' || raw.ion === '') throw new InputError(`${field}.ion`, `must name an ion the model declares, got ${describeValue(raw.ion)}`);
      const ion = raw.ion;
      const [outLow, outHigh, vLow, vHigh] = ['outsideAtLeastMM', 'outsideAtMostMM', 'membraneAtLeastMV', 'membraneAtMostMV'].map((k) => optionalNumber(raw, k, field));
      const within = (x: number | null | undefined, low: number | null, high: number | null) => (low === null && high === null) || (typeof x === 'number' && (low === null || x >= low) && (high === null || x <= high));
      return (o) => {
        const ions = o.bench?.ions;
        if (!ions || ions.population !== name || !ions.concentrations[ion]) return false;
        return within(ions.concentrations[ion].outsideMM, outLow, outHigh) && within(ions.membraneMV, vLow, vHigh);
      };
    }
    case 'plane': {
      keys(['bifurcation', 'restStable']);
      if (raw.bifurcation !== undefined && raw.bifurcation !== 'hopf' && raw.bifurcation !== 'saddle-node') throw new InputError(`${field}.bifurcation`, `must be "hopf" or "saddle-node", got ${describeValue(raw.bifurcation)}`);
      if (raw.restStable !== undefined && typeof raw.restStable !== 'boolean') throw new InputError(`${field}.restStable`, `must be true or false, got ${describeValue(raw.restStable)}`);
      const { bifurcation, restStable } = raw;
      return (o) => {
        const plane = o.bench?.plane;
        if (!plane || plane.population !== name) return false;
        return (bifurcation === undefined || plane.bifurcation === bifurcation) && (restStable === undefined || plane.restStable === restStable);
      };
    }
    case 'view': {
      // The page showing what the step asks to look at (the gates and currents of the traced neuron).
      keys(['gates', 'currents']);
      const wanted: { gates?: boolean; currents?: boolean } = {};
      for (const key of ['gates', 'currents'] as const) {
        if (raw[key] === undefined) continue;
        if (typeof raw[key] !== 'boolean') throw new InputError(`${field}.${key}`, `must be true or false, got ${describeValue(raw[key])}`);
        wanted[key] = raw[key] as boolean;
      }
      if (wanted.gates === undefined && wanted.currents === undefined) throw new InputError(field, 'a "view" check needs gates or currents (true or false)');
      return (o) => !!o.view && (wanted.gates === undefined || o.view.showGates === wanted.gates) && (wanted.currents === undefined || o.view.showCurrents === wanted.currents);
    }
    case 'traced': {
      // A neuron the student chose to trace (a raster row clicked), not only the one traced from the start.
      keys(['neuronAtLeast']);
      const at = raw.neuronAtLeast;
      if (typeof at !== 'number' || !Number.isInteger(at) || at < 0 || at >= pop.spec.size) throw new InputError(`${field}.neuronAtLeast`, `must be a neuron index of ${name} (0 to ${pop.spec.size - 1}), got ${describeValue(at)}`);
      return (o) => (o.traced ?? []).some((t) => t.population === name && t.neuron >= at);
    }
    case 'ann': {
      // The ANN playground's last network: "neuron" as activation means the population's own f-I curve.
      keys(['activation', 'dataset', 'noiseAtLeastMV', 'testAccuracyAtLeast', 'deadUnitsAtLeast', 'spikingWindowAtLeastMs', 'spikingAccuracyAtLeast', 'spikingWithinPoints']);
      const list = (key: string): string[] | null => {
        const value = raw[key];
        if (value === undefined) return null;
        if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'string')) throw new InputError(`${field}.${key}`, `must be a list of names, got ${describeValue(value)}`);
        return value as string[];
      };
      const activation = list('activation');
      const dataset = list('dataset');
      const [noise, accuracy, dead, windowMs, spikingAccuracy, within] = ['noiseAtLeastMV', 'testAccuracyAtLeast', 'deadUnitsAtLeast', 'spikingWindowAtLeastMs', 'spikingAccuracyAtLeast', 'spikingWithinPoints'].map((k) => optionalNumber(raw, k, field));
      const spiking = windowMs !== null || spikingAccuracy !== null || within !== null;
      return (o) => {
        const ann = o.bench?.ann;
        if (!ann) return false;
        if (ann.activation === 'neuron' && ann.population !== name) return false;
        if (activation && !activation.includes(ann.activation)) return false;
        if (dataset && !dataset.includes(ann.dataset)) return false;
        if (noise !== null && ann.noiseSigmaMV < noise) return false;
        if (accuracy !== null && ann.testAccuracy < accuracy) return false;
        if (dead !== null && ann.deadUnits < dead) return false;
        if (!spiking) return true;
        const run = ann.spiking;
        if (!run || run.windowsMs.length === 0) return false;
        // The longest window of the run is the one judged.
        const last = run.windowsMs.length - 1;
        if (windowMs !== null && run.windowsMs[last] < windowMs) return false;
        if (spikingAccuracy !== null && run.accuracy[last] < spikingAccuracy) return false;
        return within === null || run.accuracy[last] >= run.annAccuracy - within / 100 - 1e-12;
      };
    }
    default:
      throw new InputError(`${field}.kind`, `${describeValue(raw.kind)} is not a check (kinds: fires, silent, rate, input, parameter, irregular, fit, clamp, ions, plane, ann, view, traced, all)`);
  }
}

function optionalNumber(raw: Record<string, unknown>, key: string, field: string): number | null {
  const value = raw[key];
  if (value === undefined) return null;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new InputError(`${field}.${key}`, `must be a number, got ${describeValue(value)}`);
  return value;
}

/** The first step not yet passed, given which steps have passed (the page stores these). */
export function nextStep(lesson: ValidLesson, passed: readonly boolean[]): number {
  const k = lesson.checks.findIndex((_, j) => !passed[j]);
  return k < 0 ? lesson.checks.length : k;
}

/**
 * One population's part of an observation, from the spikes of a recent window [startMs, endMs):
 * what the page computes from the worker's frames, and the tests from a run.
 */
export function observePopulation(
  name: string,
  size: number,
  spikeTimesMs: ArrayLike<number>,
  spikeNeurons: ArrayLike<number>,
  startMs: number,
  endMs: number,
  input: number,
  parameters: Record<string, number>,
): Observation['populations'][number] {
  const byNeuron = new Map<number, number[]>();
  let recentSpikes = 0;
  for (let k = 0; k < spikeTimesMs.length; k++) {
    const t = spikeTimesMs[k];
    if (t < startMs || t >= endMs) continue;
    recentSpikes++;
    const list = byNeuron.get(spikeNeurons[k]) ?? [];
    list.push(t);
    byNeuron.set(spikeNeurons[k], list);
  }
  const intervals: number[] = [];
  for (const times of byNeuron.values()) {
    times.sort((a, b) => a - b);
    for (let k = 1; k < times.length; k++) intervals.push(times[k] - times[k - 1]);
  }
  let isiCv: number | undefined;
  if (intervals.length >= 10) {
    const mean = intervals.reduce((a, b) => a + b, 0) / intervals.length;
    const variance = intervals.reduce((a, b) => a + (b - mean) ** 2, 0) / (intervals.length - 1);
    isiCv = Math.sqrt(variance) / mean;
  }
  const seconds = (endMs - startMs) / 1000;
  return { name, recentSpikes, recentRateHz: seconds > 0 ? recentSpikes / size / seconds : 0, ...(isiCv !== undefined ? { isiCv } : {}), input, parameters };
}
