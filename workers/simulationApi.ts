// The object the simulation worker exposes through comlink: a thin adapter around src/core.
// Methods take and return plain data; bulk data (spikes, traces) leaves as transferred buffers.
// No simulation logic lives here. Kept apart from the worker entry (which only calls `expose`)
// so it can be tested in one process over a MessageChannel.
import { transfer } from 'comlink';
import { InputError } from '../src/core/errors.js';
import { parameterEvaluator } from '../src/core/model/loadModel.js';
import { buildSimulation, type Frame, type RunStats, type Simulation } from '../src/core/simulation.js';

/** What the page needs to know about a loaded scenario to lay out its display. */
export interface ScenarioSummary {
  name: string;
  description: string;
  durationMs: number;
  dtMs: number;
  populations: { name: string; size: number; model: string }[];
  traces: {
    population: string;
    variable: string;
    neuron: number;
    /** Unit and meaning of the traced state variable, from the model file (e.g. "mV", "membrane potential"). */
    unit: string;
    meaning: string;
    /** The model's firing threshold for this variable (e.g. V_th), or null if it has none. */
    threshold: { name: string; level: number } | null;
  }[];
}

/** A scenario refused by validation: the field it names and the message to show next to it. */
export interface LoadError {
  kind: 'input';
  field: string;
  message: string;
}

export type LoadResult = { ok: true; summary: ScenarioSummary } | { ok: false; error: LoadError };

/** A drained frame plus whether the scenario's duration has been reached. */
export interface AdvanceFrame extends Frame {
  done: boolean;
}

export interface SimulationApi {
  /** Validate and build a scenario (replacing any loaded one). A bad field is returned, not thrown. */
  load(rawScenario: unknown): LoadResult;
  /**
   * Advance by up to `ms` of simulated time and hand over everything recorded since the last
   * call. Its typed arrays are transferred, not copied. Throws SimulationError on a blow-up.
   */
  advance(ms: number): AdvanceFrame;
  stats(): RunStats;
  /** Change parameters of a population live; a refused value is returned and nothing changes. */
  setParameters(population: string, values: Record<string, number>): ChangeResult;
  /** Inject a current into a population (all neurons, or those listed) until changed; 0 stops it. */
  inject(population: string, amplitude: number, neurons?: number[]): ChangeResult;
}

export type ChangeResult = { ok: true } | { ok: false; error: LoadError };

/** Run a change; an InputError comes back as data naming the field, as a refused load does. */
function change(apply: () => void): ChangeResult {
  try {
    apply();
    return { ok: true };
  } catch (err) {
    if (err instanceof InputError) return { ok: false, error: { kind: 'input', field: err.field, message: err.message } };
    throw err;
  }
}

function summarise(sim: Simulation): ScenarioSummary {
  const { scenario } = sim;
  const populations = sim.populations.map((p) => ({ name: p.name, size: p.size, model: p.model.id }));
  const traces = (scenario.record.traces ?? []).flatMap((tr) => {
    const pop = sim.populations.find((p) => p.name === tr.population)!;
    const { threshold } = pop.model;
    const level =
      threshold.variable === tr.variable
        ? { name: threshold.level.toString(), level: parameterEvaluator(pop.model, threshold.level)(pop.parameters) }
        : null;
    const state = pop.model.file.state[tr.variable];
    const unit = state?.unit ?? '';
    const meaning = state?.meaning ?? '';
    return tr.neurons.map((neuron) => ({ population: tr.population, variable: tr.variable, neuron, unit, meaning, threshold: level }));
  });
  return {
    name: scenario.name ?? 'Untitled scenario',
    description: scenario.description ?? '',
    durationMs: scenario.durationMs,
    dtMs: scenario.dtMs,
    populations,
    traces,
  };
}

/** The buffers of a frame's typed arrays, each once (a buffer listed twice cannot be transferred). */
function buffersOf(frame: Frame): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  const add = (array: Float64Array | Int32Array) => {
    if (array.buffer instanceof ArrayBuffer) buffers.add(array.buffer);
  };
  add(frame.spikes.timeMs);
  add(frame.spikes.neuron);
  for (const trace of frame.traces) add(trace.values);
  return [...buffers];
}

export function createSimulationApi(): SimulationApi {
  let simulation: Simulation | null = null;
  const loaded = (): Simulation => {
    if (!simulation) throw new Error('no scenario is loaded: call load(scenario) first');
    return simulation;
  };
  return {
    load(rawScenario) {
      // A refused scenario leaves the loaded one as it was: nothing half-applies.
      let next: Simulation;
      try {
        next = buildSimulation(rawScenario);
      } catch (err) {
        if (err instanceof InputError) return { ok: false, error: { kind: 'input', field: err.field, message: err.message } };
        throw err;
      }
      simulation = next;
      return { ok: true, summary: summarise(simulation) };
    },
    advance(ms) {
      if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
        throw new InputError('ms', `advance needs a finite number of milliseconds >= 0, got ${String(ms)}`);
      }
      const sim = loaded();
      sim.advance(ms);
      const frame = sim.drain();
      return transfer({ ...frame, done: sim.done }, buffersOf(frame));
    },
    stats() {
      return loaded().stats();
    },
    setParameters(population, values) {
      return change(() => loaded().setParameters(population, values));
    },
    inject(population, amplitude, neurons) {
      return change(() => loaded().inject(population, amplitude, neurons));
    },
  };
}
