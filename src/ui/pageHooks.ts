// What the sharing, export, lessons and equation-editor panels need from the page (main.ts), and
// nothing more: they read the scenario as the student has it and hand the page a scenario to open.
// The panels never reach into the page's state or the worker; the page forwards its frames.
import type { Frame } from '../core/simulation.js';
import type { ScenarioSummary } from '../../workers/simulationApi.js';

/** The page's answer to "open this scenario": null when it runs, else the refusal to show. */
export type OpenResult = { ok: true } | { ok: false; field: string; message: string };

export interface PageHooks {
  /**
   * The scenario as the student has it now: the loaded one with every accepted change of
   * parameters, inputs and sizes written in, and the view (speed, raster window, HH toggles).
   * Null while nothing is loaded.
   */
  currentScenario(): unknown | null;
  /**
   * Replace what runs by this scenario (the caller has validated it) and start it, applying its
   * view. A refusal leaves the running simulation and the student's settings as they were.
   */
  openScenario(raw: unknown): Promise<OpenResult>;
  /** What the page knows about the loaded scenario (parameter tables, steps), or null. */
  summary(): ScenarioSummary | null;
  /** Extra current per population while the poke is held (empty when it is not). */
  pokes(): Record<string, number>;
  /** The panels a student may save as PNG: a canvas and a way to draw it now. */
  panels(): { name: string; canvas: HTMLCanvasElement; draw(): void }[];
}

/** What the page tells the panels as it runs. */
export interface PageEvents {
  /** A scenario was loaded or reset: `run` numbers it; frames of other runs are stale. */
  loaded(summary: ScenarioSummary, run: number): void;
  /** A frame the page drew (its typed arrays are only read, never kept by reference past the call). */
  frame(frame: Frame, run: number): void;
}
