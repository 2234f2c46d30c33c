// What the page and the simulation worker say to each other: the methods the worker exposes
// through comlink (simulationApi.ts implements them) and the plain data they take and return.
// The page codes against these; the summary and change types come from the core's Experiment.
import type { Change as ExperimentChange, ScenarioSummary as ExperimentSummary } from '../src/core/experiment.js';
import type { Frame, RunStats } from '../src/core/simulation.js';
import type { WindowStats } from '../src/core/record/windowStats.js';

/**
 * How big the loaded network is and what of it crosses to the page: its memory against the page's
 * limit, the neurons whose spikes the raster is sent, and the threads the run uses.
 */
export interface NetworkScale {
  neurons: number;
  /** Synapses the projections hold (the mean for a fixed-probability rule). */
  synapses: number;
  /** Peak bytes of building and running, estimated before anything is built (core/network/memory.ts). */
  estimatedBytes: number;
  /** The page's limit on that estimate (src/scenario/pageLimits.ts); a larger network is refused. */
  limitBytes: number;
  /**
   * The neurons (global indices, ascending, chosen evenly within each population) whose spikes
   * are sent for the raster, or null when every neuron's are. The traced neurons' spikes are sent
   * too; the statistics are computed in the worker (over statisticsNeurons).
   */
  rasterSample: number[] | null;
  /** Neurons the window statistics are computed over: all of them, or an even sample of a large network. */
  statisticsNeurons: number;
  /**
   * Threads: those the run uses, those asked for (all by default), the most the page can offer
   * (the browser's cores where the page is cross-origin isolated, else 1), and why it uses fewer
   * than asked (the core's reason: recorded traces, for one), or null.
   */
  /** `auto`: the core's rule chose `wanted` for this network (defaultThreads); else the student did. */
  threads: { used: number; wanted: number; auto: boolean; available: number; note: string | null };
}

/** A change to the experiment (the core's), or how many threads the next load or reset runs on (the page's). */
export type Change = ExperimentChange | { kind: 'threads'; threads: number | 'auto' };

/** The core's summary of a loaded scenario, with its scale as the page runs it. */
export type ScenarioSummary = ExperimentSummary & { scale?: NetworkScale };

/** A scenario or change refused by validation: the field it names and the message to show next to it. */
export type LoadError = { kind: 'input'; field: string; message: string };

/** A built scenario: its summary, the run's number and the scenario as it stands (the snapshot). */
export type LoadResult = { ok: true; summary: ScenarioSummary; run: number; snapshot: Record<string, unknown> } | { ok: false; error: LoadError };
/** How a loaded scenario starts: its speed and whether it plays at once (one message, not three). */
export interface LoadStart {
  speed: number | null;
  play: boolean;
}
/** Applied at once ('live'), kept for the next reset ('reset'), or refused with the field it names (nothing changed). */
/** A change that starts the displays again (another neuron traced) says so with the new summary and run number. */
/** An accepted change says whether it acts now or on reset, and the simulated time at which it took hold. */
export type ChangeResult = { ok: true; applies: 'live' | 'reset'; atMs: number; restarted?: { summary: ScenarioSummary; run: number } } | { ok: false; error: LoadError };
export type RunState = 'empty' | 'paused' | 'running' | 'finished' | 'failed';

/** What take() hands over: every frame produced since the last take, merged, and where the run is. */
export interface Batch {
  /** Which load or reset produced it (the page ignores batches of a run it has replaced). */
  run: number;
  /** Null when nothing new was simulated. Derived traces (kind 'current') follow the state traces. */
  frame: Frame | null;
  state: RunState;
  timeMs: number;
  /** A blow-up or other failure of the run, by name and message. */
  error: { name: string; message: string } | null;
  stats: RunStats | null;
  /** Per population: rate, ISI CV, Fano factor and ISI histogram of the last window (setStatsWindow), null before a run. */
  window: WindowStats | null;
}

export interface SimulationApi {
  /**
   * Validate and build a scenario (replacing any loaded one), paused at t = 0, or at `start`'s
   * speed and playing if it says so. A bad field is returned, not thrown, and changes nothing.
   */
  load(rawScenario: unknown, start?: LoadStart): Promise<LoadResult>;
  /** Build the loaded scenario again from t = 0 with every accepted change; keeps playing if it was. */
  reset(): Promise<LoadResult>;
  play(): void;
  pause(): void;
  /** Pause, then advance `ms` at once. */
  step(ms: number): void;
  /** Simulated ms per wall-clock ms, or null for as fast as it goes. */
  setSpeed(speed: number | null): void;
  /** Apply one change: live, on the next reset, or refused as data naming the field (nothing half-applies). */
  apply(change: Change): Promise<ChangeResult>;
  /** The scenario as it now stands, the accepted changes written in (share links, export, crash recovery). */
  snapshot(): Record<string, unknown>;
  /** Everything produced since the last take; its typed arrays are transferred, not copied. */
  take(): Batch;
  stats(): RunStats;
  /** The window the per-population statistics cover (ms of simulated time up to now; 1000 by default). */
  setStatsWindow(ms: number): void;
  /** The last window's statistics now (the batch carries them at most four times a second). */
  windowStats(): WindowStats | null;
}

