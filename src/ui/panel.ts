// What a panel of the page is, and what the page lets it do. Every display and control (the raster,
// the membrane plot, the gate/current/state views, the parameter controls, the f-I panel, export,
// lessons, share links, the equation editor, the model chooser) implements Panel and is listed once
// in panels.ts; main.ts mounts them in that order into their regions and forwards each loaded
// scenario and each frame. A panel reaches the simulation only through PanelHooks: it applies a
// change (which the worker accepts live, for the next reset, or refuses with a field and reason),
// reads the scenario as it stands (the worker's snapshot), opens another scenario, and shares the
// view settings (speed, raster window, which trace views are shown) that a link carries.
import type { Frame, RunStats } from '../core/simulation.js';
import type { RunState, ScenarioSummary, WindowStats } from '../../workers/simulationApi.js';

import type { Change, ChangeResult } from '../../workers/simulationApi.js';
import type { BenchObservation } from '../lessons/lesson.js';

export type { Change, ChangeResult };

/** The page's view controls. Speed is simulated ms per wall-clock ms (null: as fast as it goes). */
export interface PageView {
  speed: number | null;
  /** Run without end (an oscilloscope's scrolling window) rather than to the scenario's duration. */
  freeRun: boolean;
  rasterWindowMs: number;
  showGates: boolean;
  showCurrents: boolean;
}

/** The page's answer to "open this scenario": ok when it runs, else the refusal to show. */
export type OpenResult = { ok: true } | { ok: false; field: string; message: string };

/** What came with a frame: the run it belongs to and where that run is. */
export interface FrameInfo {
  run: number;
  timeMs: number;
  state: RunState;
  stats: RunStats | null;
  /** Per population: rate, ISI CV, Fano factor and ISI histogram of the last window. */
  window: WindowStats | null;
}

/** A picture a panel offers for export (PNG). */
export interface PanelImage {
  /** File-name part and button label, e.g. "voltage". */
  name: string;
  /** Whether it is on screen now (a hidden view has nothing to show). */
  shown(): boolean;
  /** The picture as PNG, drawn up to date first; null if it could not be read. */
  png(): Promise<{ blob: Blob; width: number; height: number } | null>;
}

/** Messages between panels, by topic: the f-I panel's fits for the lessons, the poke for the lessons. */
export interface PanelTopics {
  /** A finished single-neuron f-I comparison (the lessons check it). */
  fit: { population: string; noiseSigmaMV: number; ranking: string[] };
  /** Extra current per population while the poke is held (empty when it is not). */
  pokes: Record<string, number>;
  /** Whether a trace view (gates, currents, other state) is shown under the membrane plot. */
  viewsBelow: boolean;
  /** The link the page was opened with was refused, for this reason (the default runs instead). */
  linkRefused: string;
  /** What a bench panel (clamp, ions, phase plane) last showed, its part only (the lessons check it). */
  bench: BenchObservation;
}

export interface PanelHooks {
  /** Apply a change to the running experiment; null when nothing is loaded (nothing was sent). */
  apply(change: Change): Promise<ChangeResult | null>;
  /** What the worker said about the loaded scenario (parameter tables, traces, steps), or null. */
  summary(): ScenarioSummary | null;
  /** The scenario as it stands now (the student's edits written in) with the page's view; null before one loads. */
  scenario(): Promise<Record<string, unknown> | null>;
  /** The last snapshot of it the page holds (no round trip): for checks made on every frame. */
  scenarioNow(): Record<string, unknown> | null;
  /**
   * Replace what runs by this scenario (validated by the caller) with its view; a refusal changes
   * nothing. `source` says what it is ("preset:cuba", "model:hh"); a link, file or lesson gives none.
   */
  open(raw: unknown, source?: string): Promise<OpenResult>;
  /** The source the scenario shown was opened with, or null. */
  source(): string | null;
  /** The view settings a link carries; panels that show a setting keep it in step. */
  view: ViewSettings;
  /** Every picture the panels offer, in page order. */
  images(): PanelImage[];
  publish<K extends keyof PanelTopics>(topic: K, value: PanelTopics[K]): void;
  subscribe<K extends keyof PanelTopics>(topic: K, listener: (value: PanelTopics[K]) => void): void;
  /** Say something that went wrong in the page's message area. */
  showError(title: string, detail: string): void;
  /** The run has reached its end: a change accepted now acts only when it runs again. */
  runEnded(): boolean;
}

/** Said next to a field changed after the run ended (the page's notice is often scrolled out of view, on a phone always). */
export const RUN_ENDED_NOTE = 'The run has ended: this applies when it runs again (Play again, or tick Run without end to go on from here).';

export interface Panel {
  /** Build the panel into its host (an empty element in the panel's region). */
  mount(host: HTMLElement, hooks: PanelHooks): void | Promise<void>;
  /** A scenario was loaded or reset; `run` numbers it (frames of other runs never arrive). */
  loaded?(summary: ScenarioSummary, run: number): void;
  /** A frame of the current run (its typed arrays are read, never kept by reference past the call). */
  frame?(frame: Frame, info: FrameInfo): void;
  /** The worker accepted a change: scenarioNow() has it. */
  changed?(): void;
  /** The run became one without end (a scrolling window) or one to its duration. */
  freeRun?(on: boolean): void;
  images?(): PanelImage[];
  dispose?(): void;
}

/**
 * Where a panel goes on the page (index.html has one element per region). The tools (f-I, export,
 * the equation editor) come after the controls, so Tab reaches the input and the poke first.
 */
export type Region = 'header' | 'toolbar' | 'displays' | 'controls' | 'tools';

/**
 * A panel of the registry: made at once (`create`), or (`load`) fetched as a chunk of its own and
 * mounted after the first scenario is drawn, for panels a student does not need in the first second
 * (the f-I panel, export, the equation editor): the page starts without parsing them.
 */
export type PanelEntry = { region: Region; create(): Panel } | { region: Region; load(): Promise<() => Panel> };

/** The view settings, with listeners: a link sets them, the panels that show them follow. */
export class ViewSettings {
  private listeners: ((view: PageView, changed: (keyof PageView)[]) => void)[] = [];
  constructor(private value: PageView) {}

  get(): PageView {
    return { ...this.value };
  }

  set(change: Partial<PageView>): void {
    const changed = (Object.keys(change) as (keyof PageView)[]).filter((k) => change[k] !== this.value[k]);
    if (changed.length === 0) return;
    this.value = { ...this.value, ...change };
    for (const listener of this.listeners) listener(this.get(), changed);
  }

  subscribe(listener: (view: PageView, changed: (keyof PageView)[]) => void): void {
    this.listeners.push(listener);
  }
}
