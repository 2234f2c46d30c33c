// The object the simulation worker exposes through comlink: a thin adapter around src/core.
// Methods take and return plain data; bulk data (spikes, traces) leaves as transferred buffers.
// It runs the simulation ahead of the display in chunks, paced by the chosen speed, and keeps
// what it produced in a short queue that the page takes from once per animation frame.
//
// Why the page pulls (take) rather than the worker pushing frames through a proxied callback:
// pulling gives back-pressure for free. The worker stops once QUEUE_LIMIT chunks wait untaken,
// so at "as fast as possible", or in a background tab where animation frames stop, memory stays
// bounded and nothing is dropped; a push would have to drop frames or let them pile up in the
// page's message queue whenever drawing is slower than simulating. The page never waits: its
// animation loop asks again only when the previous answer has arrived, and draws meanwhile.
//
// No simulation logic lives here. Kept apart from the worker entry (which only calls `expose`)
// so it can be tested in one process over a MessageChannel.
import { transfer } from 'comlink';
import { InputError, SimulationError } from '../src/core/errors.js';
import { parameterEvaluator, parametersRead, writtenOut, type LoadedModel } from '../src/core/model/loadModel.js';
import { symbolsOf, toClosure, type Evaluator } from '../src/core/codegen/expression.js';
import { validateScenario } from '../src/scenario/scenario.js';
import { buildSimulation, type Frame, type RunStats, type Simulation, type TraceFrame } from '../src/core/simulation.js';
import type { MathNode } from 'mathjs';

/** One row of a population's parameter table, from its model file, with the value in use. */
export interface ParameterRow {
  name: string;
  unit: string;
  min: number;
  max: number;
  value: number;
  meaning: string;
  /**
   * 'live': the dynamics read it, so a change applies at once. 'reset': only initial values read
   * it, so a change shows when the run starts again.
   */
  applies: 'live' | 'reset';
}

export interface PopulationSummary {
  name: string;
  size: number;
  /** Index of the population's first neuron in the global numbering spikes use. */
  offset: number;
  model: string;
  modelName: string;
  role: 'excitatory' | 'inhibitory' | null;
  input: { symbol: string; unit: string; meaning: string };
  /** The membrane potential the model file declares, or null (a model without one). */
  membrane: { variable: string; unit: string } | null;
  parameters: ParameterRow[];
}

export interface TraceSummary {
  population: string;
  /** A state variable (e.g. "v", "m") or, for kind 'current', a named expression (e.g. "I_Na"). */
  variable: string;
  neuron: number;
  kind: 'state' | 'current';
  /** What the variable is, from the model file: the membrane potential, a gate, an ionic current, or another state variable. */
  role: 'membrane' | 'gate' | 'current' | 'state';
  /** Display name and colour ('#rrggbb') the model file gives it; the variable's name and null when it gives none. */
  label: string;
  colour: string | null;
  /** Unit and meaning from the model file (e.g. "mV", "membrane potential"). */
  unit: string;
  meaning: string;
  /** The model's firing threshold for this variable (e.g. V_th), or null if it has none. */
  threshold: { name: string; level: number } | null;
}

/** A step stimulus of the scenario: the page offers its amplitude as a control. */
export interface StepSummary {
  /** Index in scenario.stimuli. */
  index: number;
  population: string;
  startMs: number;
  stopMs: number;
  amplitude: number;
  neurons: number[] | null;
}

/** What the page needs to know about a loaded scenario to lay out its display. */
export interface ScenarioSummary {
  name: string;
  description: string;
  durationMs: number;
  dtMs: number;
  populations: PopulationSummary[];
  traces: TraceSummary[];
  steps: StepSummary[];
  /** What the run cannot be trusted for (a time step too coarse for a model's fastest time constant); the page shows them. */
  warnings: { field: string; message: string; severity: 'warning' | 'refusal' }[];
}

/** A scenario refused by validation: the field it names and the message to show next to it. */
export interface LoadError {
  kind: 'input';
  field: string;
  message: string;
}

export type LoadResult = { ok: true; summary: ScenarioSummary; run: number } | { ok: false; error: LoadError };
/**
 * A change the student makes to the loaded experiment. `stimulus` sets numeric fields of
 * scenario.stimuli[index] (a step's amplitude, a window's edges, ...); `poke` is an extra current
 * into the listed populations while it is held (an empty list lets go).
 */
export type Change =
  | { kind: 'parameters'; population: string; values: Record<string, number> }
  | { kind: 'stimulus'; index: number; values: Record<string, number> }
  | { kind: 'populationSize'; population: string; size: number }
  | { kind: 'poke'; targets: PokeTarget[] };

/** Applied at once ('live'), kept for the next reset ('reset'), or refused with the field it names (nothing changed). */
export type ChangeResult = { ok: true; applies: 'live' | 'reset' } | { ok: false; error: LoadError };
/** What the old per-kind methods return (until the page calls apply). */
export type LegacyChangeResult = { ok: true; needsReset: boolean } | { ok: false; error: LoadError };

export interface PokeTarget {
  population: string;
  amplitude: number;
  neurons?: number[];
}

export type RunState = 'empty' | 'paused' | 'running' | 'finished' | 'failed';

/** What take() hands over: every frame produced since the last take, merged, and where the run is. */
export interface Batch {
  /** Which load or reset produced it (the page ignores batches of a run it has replaced). */
  run: number;
  /** Null when nothing new was simulated. Traces of kind 'current' follow the state traces. */
  frame: Frame | null;
  state: RunState;
  timeMs: number;
  /** A blow-up or other failure of the run, by name and message. */
  error: { name: string; message: string } | null;
  stats: RunStats | null;
}

export interface SimulationApi {
  /** Validate and build a scenario (replacing any loaded one), paused at t = 0. A bad field is returned, not thrown. */
  load(rawScenario: unknown): LoadResult;
  /** Build the loaded scenario again from t = 0 with every accepted change; keeps playing if it was. */
  reset(): LoadResult;
  play(): void;
  pause(): void;
  /** Pause, then advance `ms` at once. */
  step(ms: number): void;
  /** Simulated ms per wall-clock ms, or null for as fast as it goes. */
  setSpeed(speed: number | null): void;
  /** Apply one change: live, on the next reset, or refused as data naming the field (nothing half-applies). */
  apply(change: Change): ChangeResult;
  /** The scenario as it now stands, the accepted changes written in (share links, export, crash recovery). */
  snapshot(): Record<string, unknown>;
  /** Old per-kind forms of apply, kept until the page calls apply. */
  setParameters(population: string, values: Record<string, number>): LegacyChangeResult;
  setStepAmplitude(index: number, amplitude: number): LegacyChangeResult;
  poke(targets: PokeTarget[]): LegacyChangeResult;
  setPopulationSize(population: string, size: number): LegacyChangeResult;
  /** Everything produced since the last take; its typed arrays are transferred, not copied. */
  take(): Batch;
  stats(): RunStats;
}

/** Chunks waiting to be taken before the worker stops and waits for the page. */
const QUEUE_LIMIT = 6;
/** Wall time one chunk should take; the chunk's simulated length adapts to it. */
const CHUNK_BUDGET_MS = 12;
/** A paced run owes at most this much simulated time (a stalled tab does not ask for seconds at once). */
const MAX_OWED_MS = 50;
const MAX_SPEED = 1000;

function refused(err: unknown): { ok: false; error: LoadError } {
  if (err instanceof InputError) return { ok: false, error: { kind: 'input', field: err.field, message: err.message } };
  throw err;
}

/** Parameters the dynamics read (equations and the named expressions they use, threshold, reset, refractoriness). */
function liveParameters(model: LoadedModel): Set<string> {
  const nodes: MathNode[] = [...model.equations.map((e) => e.rhs), model.threshold.level, ...model.reset.map((r) => r.value)];
  if (model.refractory) nodes.push(model.refractory.period);
  return parametersRead(model, nodes);
}

/** A named expression such as I_Na, evaluated from parameters and traced state. */
interface CurrentTrace {
  summary: TraceSummary;
  evaluate: Evaluator;
  /** Per slot after the parameters: index of the state trace (in frame order) it reads. */
  sources: number[];
  population: number;
}

/**
 * Ionic currents a population's traces allow: the named expressions its model file declares as
 * currents (I_Na, I_K, I_L in models/hh.json) that read only parameters and state variables traced
 * for the same neuron. They carry the input's unit, since they enter dv/dt beside the input.
 */
function currentTraces(sim: Simulation, stateTraces: TraceSummary[]): CurrentTrace[] {
  const out: CurrentTrace[] = [];
  sim.populations.forEach((pop, p) => {
    const model = pop.model;
    const declared = model.file.currents ?? {};
    const neurons = [...new Set(stateTraces.filter((t) => t.population === pop.name).map((t) => t.neuron))];
    for (const expression of model.expressions) {
      const display = declared[expression.name];
      if (!display) continue;
      // Written out in parameters and state (skipped if that would be large: it is evaluated per sample).
      const written = writtenOut(model, expression.node, 2000);
      if (!written) continue;
      const reads = [...symbolsOf(written)];
      const stateReads = reads.filter((s) => model.stateNames.includes(s));
      if (!reads.every((s) => model.parameterNames.includes(s) || model.stateNames.includes(s))) continue;
      for (const neuron of neurons) {
        const sources = stateReads.map((s) => stateTraces.findIndex((t) => t.population === pop.name && t.neuron === neuron && t.variable === s));
        if (sources.some((k) => k < 0)) continue;
        const np = model.parameterNames.length;
        const evaluate = toClosure(written, (name) => {
          const k = model.parameterNames.indexOf(name);
          return k >= 0 ? k : np + stateReads.indexOf(name);
        });
        out.push({
          population: p,
          evaluate,
          sources,
          summary: { population: pop.name, variable: expression.name, neuron, kind: 'current', role: 'current', label: display.label, colour: display.colour, unit: model.file.input.unit, meaning: 'ionic current', threshold: null },
        });
      }
    }
  });
  return out;
}

function summarise(sim: Simulation): { summary: ScenarioSummary; currents: CurrentTrace[] } {
  const { scenario } = sim;
  const populations: PopulationSummary[] = sim.populations.map((p, k) => {
    const live = liveParameters(p.model);
    const file = p.model.file;
    return {
      name: p.name,
      size: p.size,
      offset: p.offset,
      model: p.model.id,
      modelName: file.name ?? p.model.id,
      role: scenario.populations[k].role ?? null,
      input: { symbol: p.model.inputSymbol, unit: file.input.unit, meaning: file.input.meaning ?? 'input current' },
      membrane: file.membrane ? { variable: file.membrane.variable, unit: file.state[file.membrane.variable].unit } : null,
      parameters: p.model.parameterNames.map((name, j) => {
        const row = file.parameters[name];
        return { name, unit: row.unit, min: row.min, max: row.max, value: p.parameters[j], meaning: row.meaning ?? '', applies: live.has(name) ? 'live' : 'reset' };
      }),
    };
  });
  const traces: TraceSummary[] = (scenario.record.traces ?? []).flatMap((tr) => {
    const pop = sim.populations.find((p) => p.name === tr.population)!;
    const { threshold } = pop.model;
    const level =
      threshold.variable === tr.variable
        ? { name: threshold.level.toString(), level: parameterEvaluator(pop.model, threshold.level)(pop.parameters) }
        : null;
    const file = pop.model.file;
    const state = file.state[tr.variable];
    const gate = file.gates?.[tr.variable];
    const role = file.membrane?.variable === tr.variable ? 'membrane' : gate ? 'gate' : 'state';
    const display = { role, label: gate?.label ?? tr.variable, colour: gate?.colour ?? null } as const;
    return tr.neurons.map((neuron) => ({ population: tr.population, variable: tr.variable, neuron, kind: 'state' as const, ...display, unit: state?.unit ?? '', meaning: state?.meaning ?? '', threshold: level }));
  });
  const currents = currentTraces(sim, traces);
  const steps: StepSummary[] = [];
  scenario.stimuli.forEach((s, index) => {
    const spec = s as { type: string; population: string; amplitude?: unknown; startMs?: number; stopMs?: number; targets?: unknown };
    if (spec.type !== 'step' || typeof spec.amplitude !== 'number') return;
    steps.push({
      index,
      population: spec.population,
      startMs: spec.startMs ?? 0,
      stopMs: spec.stopMs ?? scenario.durationMs,
      amplitude: spec.amplitude,
      neurons: Array.isArray(spec.targets) ? (spec.targets as number[]) : null,
    });
  });
  return {
    summary: {
      name: scenario.name ?? 'Untitled scenario',
      description: scenario.description ?? '',
      durationMs: scenario.durationMs,
      dtMs: scenario.dtMs,
      populations,
      traces: [...traces, ...currents.map((c) => c.summary)],
      steps,
      warnings: sim.warnings.map((w) => ({ field: w.field, message: w.message, severity: w.severity })),
    },
    currents,
  };
}

/** One frame from several in a row: spikes and trace samples concatenated (their times follow on). */
function merge(frames: Frame[]): Frame {
  if (frames.length === 1) return frames[0];
  const concat = <T extends Float64Array | Int32Array>(parts: T[], make: (n: number) => T): T => {
    const out = make(parts.reduce((a, p) => a + p.length, 0));
    let at = 0;
    for (const part of parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  };
  const first = frames[0];
  return {
    startMs: first.startMs,
    endMs: frames[frames.length - 1].endMs,
    spikes: {
      timeMs: concat(frames.map((f) => f.spikes.timeMs), (n) => new Float64Array(n)),
      neuron: concat(frames.map((f) => f.spikes.neuron), (n) => new Int32Array(n)),
    },
    traces: first.traces.map((t, k) => ({ ...t, values: concat(frames.map((f) => f.traces[k].values), (n) => new Float64Array(n)) })),
  };
}

/** The buffers of a frame's typed arrays, each once (a buffer listed twice cannot be transferred). */
function buffersOf(frame: Frame): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  const add = (array: Float64Array | Int32Array) => {
    if (array.buffer instanceof ArrayBuffer && array.buffer.byteLength > 0) buffers.add(array.buffer);
  };
  add(frame.spikes.timeMs);
  add(frame.spikes.neuron);
  for (const trace of frame.traces) add(trace.values);
  return [...buffers];
}

/** Settings the student changed, kept so a reset rebuilds the scenario with them. */
interface Changes {
  parameters: Record<string, Record<string, number>>;
  steps: Map<number, number>;
}

export function createSimulationApi(): SimulationApi {
  let scenario: Record<string, unknown> | null = null;
  let simulation: Simulation | null = null;
  let summary: ScenarioSummary | null = null;
  let currents: CurrentTrace[] = [];
  let changes: Changes = { parameters: {}, steps: new Map() };
  /** Population sizes for the next reset. */
  let sizes = new Map<string, number>();
  let pokes: PokeTarget[] = [];
  let run = 0;
  let state: RunState = 'empty';
  let failure: { name: string; message: string } | null = null;
  let queue: Frame[] = [];
  let speed: number | null = 0.25;
  let chunkMs = 1;
  let owedMs = 0;
  let lastTick = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let waitingForTake = false;
  /** Injection applied per population, so it is only re-sent when it changes. */
  let injected = new Map<string, string>();

  const loaded = (): Simulation => {
    if (!simulation) throw new Error('no scenario is loaded: call load(scenario) first');
    return simulation;
  };

  /** Extra current per population now: changed step amplitudes while their step is on, plus the poke. */
  function applyInjection(sim: Simulation): void {
    const t = sim.timeMs;
    const dt = sim.scenario.dtMs;
    const wanted = new Map<string, { amplitude: number; neurons?: number[] }>();
    for (const step of summary?.steps ?? []) {
      const amplitude = changes.steps.get(step.index);
      if (amplitude === undefined || t < step.startMs - dt / 2 || t >= step.stopMs - dt / 2) continue;
      const entry = wanted.get(step.population) ?? { amplitude: 0, neurons: step.neurons ?? undefined };
      entry.amplitude += amplitude - step.amplitude;
      wanted.set(step.population, entry);
    }
    for (const poke of pokes) {
      // Where a poke and a changed step meet on different neurons, the poke's neurons get both.
      const entry = wanted.get(poke.population) ?? { amplitude: 0 };
      entry.amplitude += poke.amplitude;
      entry.neurons = poke.neurons;
      wanted.set(poke.population, entry);
    }
    for (const pop of sim.populations) {
      const entry = wanted.get(pop.name);
      const amplitude = entry?.amplitude ?? 0;
      const key = `${amplitude}|${entry?.neurons?.join(',') ?? 'all'}`;
      if (injected.get(pop.name) === key) continue;
      sim.inject(pop.name, amplitude, entry?.neurons);
      injected.set(pop.name, key);
    }
  }

  /** Advance by `ms`, cut at the edges of step stimuli so a changed amplitude is on exactly while its step is. */
  function advanceBy(ms: number): void {
    const sim = loaded();
    const dt = sim.scenario.dtMs;
    let left = ms;
    try {
      while (left >= dt / 2 && !sim.done) {
        const t = sim.timeMs;
        let chunk = left;
        for (const step of summary?.steps ?? []) {
          for (const edge of [step.startMs, step.stopMs]) if (edge > t + dt / 2 && edge - t < chunk) chunk = edge - t;
        }
        applyInjection(sim);
        sim.advance(chunk);
        const moved = sim.timeMs - t;
        if (moved <= 0) break;
        left -= moved;
      }
    } catch (err) {
      state = 'failed';
      failure = err instanceof Error ? { name: err.name, message: err.message } : { name: 'Error', message: String(err) };
      if (!(err instanceof SimulationError)) console.error(err);
    } finally {
      const frame = sim.drain();
      if (frame.endMs > frame.startMs || frame.spikes.timeMs.length > 0) queue.push(frame);
    }
    if (state !== 'failed' && sim.done) state = 'finished';
  }

  function schedule(delayMs: number): void {
    if (timer === null) timer = setTimeout(tick, delayMs);
  }

  function stopTimer(): void {
    if (timer !== null) clearTimeout(timer);
    timer = null;
  }

  /** One chunk of a running simulation, paced by the speed; then let messages in before the next. */
  function tick(): void {
    timer = null;
    if (state !== 'running' || !simulation) return;
    if (queue.length >= QUEUE_LIMIT) {
      waitingForTake = true; // take() resumes
      return;
    }
    const dt = simulation.scenario.dtMs;
    const now = performance.now();
    let ask = chunkMs;
    if (speed !== null) {
      owedMs = Math.min(owedMs + Math.max(0, now - lastTick) * speed, MAX_OWED_MS);
      lastTick = now;
      if (owedMs < dt / 2) {
        schedule(Math.max(1, (dt - owedMs) / speed));
        return;
      }
      ask = Math.min(owedMs, chunkMs);
    }
    const before = simulation.timeMs;
    const began = performance.now();
    advanceBy(ask);
    const took = Math.max(0.5, performance.now() - began);
    const advanced = simulation.timeMs - before;
    // Size the next chunk so it takes about CHUNK_BUDGET_MS of wall time.
    if (advanced >= ask - dt / 2) chunkMs = Math.min(simulation.scenario.durationMs, Math.max(dt, chunkMs * Math.min(2, Math.max(0.25, CHUNK_BUDGET_MS / took))));
    if (speed !== null) owedMs = Math.max(0, owedMs - advanced);
    if (state === 'running') schedule(0);
  }

  function start(raw: Record<string, unknown>): LoadResult {
    let next: Simulation;
    try {
      next = buildSimulation(raw);
    } catch (err) {
      return refused(err); // the loaded one stays as it was: nothing half-applies
    }
    stopTimer();
    simulation = next;
    ({ summary, currents } = summarise(next));
    run++;
    queue = [];
    failure = null;
    injected = new Map();
    chunkMs = Math.max(next.scenario.dtMs, 1);
    pokes = pokes.filter((p) => next.populations.some((q) => q.name === p.population));
    return { ok: true, summary, run };
  }

  /** The loaded scenario with the student's accepted changes written into it. */
  function changedScenario(): Record<string, unknown> {
    const raw = structuredClone(scenario!) as { populations: { name: string; size: number; parameters?: Record<string, number> }[]; stimuli?: { amplitude?: unknown }[] };
    for (const p of raw.populations) {
      const chosen = changes.parameters[p.name];
      if (chosen) p.parameters = { ...(p.parameters ?? {}), ...chosen };
      const size = sizes.get(p.name);
      if (size !== undefined) p.size = size;
    }
    for (const [index, amplitude] of changes.steps) if (raw.stimuli?.[index]) raw.stimuli[index].amplitude = amplitude;
    return raw as unknown as Record<string, unknown>;
  }

  function play(): void {
    if (!simulation || state === 'running' || state === 'failed') return;
    if (state === 'finished') return;
    state = 'running';
    owedMs = 0;
    lastTick = performance.now();
    schedule(0);
  }

  return {
    load(rawScenario) {
      const raw = structuredClone(rawScenario) as Record<string, unknown>;
      const result = start(raw);
      if (result.ok) {
        scenario = raw;
        changes = { parameters: {}, steps: new Map() };
        sizes = new Map();
        state = 'paused';
      }
      return result;
    },
    reset() {
      if (!scenario) throw new Error('no scenario is loaded: call load(scenario) first');
      const wasPaused = state === 'paused';
      const changed = changedScenario();
      const result = start(changed);
      if (!result.ok) return result;
      // The rebuilt scenario holds the changes, so the live offsets start from zero.
      scenario = changed;
      changes = { parameters: {}, steps: new Map() };
      sizes = new Map();
      state = 'paused';
      if (!wasPaused) play();
      return result;
    },
    play,
    pause() {
      if (state !== 'running') return;
      stopTimer();
      state = 'paused';
    },
    step(ms) {
      if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0 || ms > 1e4) throw new InputError('ms', `a step must be a number of milliseconds in (0, 10000], got ${String(ms)}`);
      if (!simulation || state === 'failed' || state === 'finished') return;
      stopTimer();
      state = 'paused';
      advanceBy(ms);
    },
    setSpeed(value) {
      if (value !== null && (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > MAX_SPEED)) {
        throw new InputError('speed', `must be null (as fast as possible) or a number in (0, ${MAX_SPEED}] simulated ms per ms, got ${String(value)}`);
      }
      speed = value;
      owedMs = 0;
      lastTick = performance.now();
    },
    setParameters(population, values) {
      try {
        const sim = loaded();
        sim.setParameters(population, values);
        Object.assign((changes.parameters[population] ??= {}), values);
        const rows = summary!.populations.find((p) => p.name === population)!.parameters;
        for (const row of rows) if (row.name in values) row.value = values[row.name];
        return { ok: true, needsReset: rows.some((r) => r.name in values && r.applies === 'reset') };
      } catch (err) {
        return refused(err);
      }
    },
    setStepAmplitude(index, amplitude) {
      try {
        const sim = loaded();
        const step = summary!.steps.find((s) => s.index === index);
        if (!step) throw new InputError('stimulus', `stimuli[${String(index)}] is not a step stimulus of this scenario`);
        if (typeof amplitude !== 'number' || !Number.isFinite(amplitude) || Math.abs(amplitude) > 1e6) {
          const unit = sim.populations.find((p) => p.name === step.population)!.model.file.input.unit;
          throw new InputError(`stimuli[${index}].amplitude`, `must be a number in [-1e6, 1e6] ${unit}, got ${String(amplitude)}`);
        }
        changes.steps.set(index, amplitude);
        applyInjection(sim);
        return { ok: true, needsReset: false };
      } catch (err) {
        return refused(err);
      }
    },
    poke(targets) {
      try {
        const sim = loaded();
        if (!Array.isArray(targets) || targets.length > sim.populations.length) throw new InputError('poke', `must be a list of at most ${sim.populations.length} { population, amplitude, neurons } targets`);
        // Each is checked by the core before any is kept: a refused poke changes nothing.
        for (const t of targets) sim.inject(t.population, t.amplitude, t.neurons);
        injected = new Map();
        pokes = targets.filter((t) => t.amplitude !== 0).map((t) => ({ population: t.population, amplitude: t.amplitude, neurons: t.neurons }));
        applyInjection(sim);
        return { ok: true, needsReset: false };
      } catch (err) {
        if (simulation) {
          injected = new Map();
          applyInjection(simulation);
        }
        return refused(err);
      }
    },
    setPopulationSize(population, size) {
      try {
        loaded();
        const raw = changedScenario() as { populations: { name: string; size: number }[] };
        const pop = raw.populations.find((p) => p.name === population);
        if (!pop) throw new InputError('population', `${JSON.stringify(String(population).slice(0, 40))} is not a population of this scenario`);
        pop.size = size;
        validateScenario(raw); // refused here, with the field, rather than at the reset
        sizes.set(population, size);
        return { ok: true, needsReset: true };
      } catch (err) {
        return refused(err);
      }
    },
    apply(change) {
      const legacy = (r: LegacyChangeResult): ChangeResult => (r.ok ? { ok: true, applies: r.needsReset ? 'reset' : 'live' } : r);
      const self = this as SimulationApi;
      switch (change?.kind) {
        case 'parameters':
          return legacy(self.setParameters(change.population, change.values));
        case 'populationSize':
          return legacy(self.setPopulationSize(change.population, change.size));
        case 'poke':
          return legacy(self.poke(change.targets));
        case 'stimulus': {
          const keys = Object.keys(change.values ?? {});
          if (keys.some((k) => k !== 'amplitude')) return { ok: false, error: { kind: 'input', field: `stimuli[${change.index}].${keys.find((k) => k !== 'amplitude')}`, message: 'only amplitude can change yet' } };
          return legacy(self.setStepAmplitude(change.index, change.values.amplitude));
        }
        default:
          return { ok: false, error: { kind: 'input', field: 'change.kind', message: 'must be parameters, stimulus, populationSize or poke' } };
      }
    },
    snapshot() {
      loaded();
      return changedScenario();
    },
    take() {
      const frames = queue;
      queue = [];
      if (waitingForTake) {
        waitingForTake = false;
        if (state === 'running') schedule(0);
      }
      let frame: Frame | null = frames.length > 0 ? merge(frames) : null;
      if (frame && currents.length > 0) frame = withCurrents(frame);
      const batch: Batch = { run, frame, state, timeMs: simulation?.timeMs ?? 0, error: failure, stats: simulation ? simulation.stats() : null };
      return transfer(batch, frame ? buffersOf(frame) : []);
    },
    stats() {
      return loaded().stats();
    },
  };

  /** Append the ionic currents, computed sample by sample from the traced state and the parameters in use. */
  function withCurrents(frame: Frame): Frame {
    const sim = loaded();
    const added: TraceFrame[] = currents.map((c) => {
      const pop = sim.populations[c.population];
      const params = pop.parameters;
      const np = params.length;
      const inputs = c.sources.map((k) => frame.traces[k].values);
      const first = frame.traces[c.sources[0]] ?? frame.traces[0];
      const n = inputs.length > 0 ? inputs[0].length : 0;
      const slots = new Float64Array(np + inputs.length);
      slots.set(params);
      const values = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        for (let s = 0; s < inputs.length; s++) slots[np + s] = inputs[s][i];
        values[i] = c.evaluate(slots);
      }
      return { population: c.summary.population, variable: c.summary.variable, neuron: c.summary.neuron, startMs: first.startMs, everyMs: first.everyMs, values };
    });
    return { ...frame, traces: [...frame.traces, ...added] };
  }
}
