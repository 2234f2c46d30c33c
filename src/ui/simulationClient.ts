// The page's end of the simulation worker: starting it, the commands (load, reset, play, pause,
// step, speed, apply a change, snapshot), the take() loop and noticing a dead worker.
//
// Once per animation frame tick() asks for the next batch if none is on its way (one request in
// flight, so the page never waits on the worker), and hands it to the page. A worker that raises an
// error, sends an unreadable message or has not answered a take() for UNRESPONSIVE_MS is reported
// as crashed; the page then restart()s it and loads `lastSnapshot`, the scenario as the worker last
// described it with the student's edits written in, so nothing here rebuilds a scenario.
import { wrap, type Remote } from 'comlink';
import type { Batch, LoadResult, SimulationApi } from '../../workers/simulationApi.js';
import type { Change, ChangeResult } from '../../workers/simulationApi.js';
import { simulationWorker } from './earlyWorker.js';

/**
 * A worker that has not answered a take() for this long is taken for dead (a worker that closes
 * or is killed raises no event). It answers between chunks of ~12 ms, so seconds mean it is gone.
 */
export const UNRESPONSIVE_MS = 5000;

export interface ClientEvents {
  /** A batch of the worker's run; `current` is false when a command was sent after it was asked for. */
  batch(batch: Batch, current: boolean): void;
  /** take() was answered with an error. */
  failed(err: unknown): void;
  /** The worker is gone (why, in words); the page decides whether to restart it. */
  crashed(why: string): void;
}

export class SimulationClient {
  private worker: Worker | null = null;
  private api: Remote<SimulationApi> | null = null;
  /** Loads and resets under way: no take() meanwhile, and the watchdog waits. */
  private busy = 0;
  private taking = false;
  private takeSentAt = 0;
  private lastFrameAt = 0;
  /** Commands sent; a batch asked for before the latest one may show a stale run state. */
  private commands = 0;
  /** The scenario as it stood at the last load or accepted change (the worker's snapshot). */
  lastSnapshot: Record<string, unknown> | null = null;

  constructor(private readonly events: ClientEvents) {}

  get ready(): boolean {
    return this.api !== null;
  }

  /** Start a worker (terminating any before it). */
  start(): void {
    this.worker?.terminate();
    const worker = simulationWorker();
    worker.addEventListener('error', (event) => {
      event.preventDefault();
      if (worker === this.worker) this.crash(event.message || 'it could not run');
    });
    worker.addEventListener('messageerror', () => {
      if (worker === this.worker) this.crash('a message from it could not be read');
    });
    this.worker = worker;
    this.api = wrap<SimulationApi>(worker);
    this.taking = false;
    this.busy = 0;
  }

  private crash(why: string): void {
    this.worker?.terminate();
    this.worker = null;
    this.api = null;
    this.taking = false;
    this.busy = 0;
    this.events.crashed(why);
  }

  /** Build a scenario in the worker at `speed`, playing if asked; null when there is no worker. */
  async load(raw: unknown, speed: number | null, play: boolean): Promise<LoadResult | null> {
    const api = this.api;
    if (!api) return null;
    return this.whileBusy(async () => {
      // One message: the worker builds, sets the speed and plays, and answers with the snapshot.
      const result = await api.load(raw, { speed, play });
      if (result.ok) this.lastSnapshot = result.snapshot;
      return result;
    });
  }

  /** The loaded scenario again from t = 0 with every accepted change (playing on if it was). */
  async reset(): Promise<LoadResult | null> {
    const api = this.api;
    if (!api) return null;
    return this.whileBusy<LoadResult>(async () => {
      const result = await api.reset();
      if (result.ok && api === this.api) this.lastSnapshot = result.snapshot;
      return result;
    });
  }

  private async whileBusy<T>(work: () => Promise<T>): Promise<T> {
    this.busy++;
    this.commands++;
    try {
      return await work();
    } finally {
      this.busy = Math.max(0, this.busy - 1);
    }
  }

  async play(): Promise<void> {
    this.commands++;
    await this.api?.play();
  }

  async pause(): Promise<void> {
    this.commands++;
    await this.api?.pause();
  }

  async step(ms: number): Promise<void> {
    this.commands++;
    await this.api?.step(ms);
  }

  async setSpeed(speed: number | null): Promise<void> {
    await this.api?.setSpeed(speed);
  }

  /** The window of the per-population statistics (ms of simulated time). */
  async setStatsWindow(ms: number): Promise<void> {
    await this.api?.setStatsWindow(ms);
  }

  /**
   * Apply a change; an accepted one updates lastSnapshot. The snapshot is asked for in the same
   * breath, so the worker answers it right after the change (before any later command).
   */
  async apply(change: Change): Promise<ChangeResult | null> {
    const api = this.api;
    if (!api) return null;
    const applied = api.apply(change);
    const snapshot = change.kind === 'poke' || change.kind === 'freeRun' ? null : api.snapshot();
    const result = await applied;
    const now = await snapshot?.catch(() => null);
    if (result.ok && now && api === this.api) this.lastSnapshot = now;
    return result;
  }

  /** The scenario as it stands in the worker now (the last one known if the worker is gone). */
  async snapshot(): Promise<Record<string, unknown> | null> {
    const api = this.api;
    if (!api) return this.lastSnapshot;
    try {
      const now = await api.snapshot();
      if (api === this.api) this.lastSnapshot = now;
    } catch {
      // A dying worker: the last snapshot stands.
    }
    return this.lastSnapshot;
  }

  /** Once per animation frame: ask for the next batch if none is on its way; watch for a dead worker. */
  tick(now: number, loaded: boolean): void {
    // Frames stop while the tab is hidden: a long gap restarts the watchdog's clock, not the worker.
    if (now - this.lastFrameAt > 1000) this.takeSentAt = now;
    this.lastFrameAt = now;
    if (this.taking && this.busy === 0 && now - this.takeSentAt > UNRESPONSIVE_MS) {
      this.crash(`it did not answer for ${UNRESPONSIVE_MS / 1000} s`);
      return;
    }
    if (this.taking || this.busy > 0 || !this.api || !loaded) return;
    const api = this.api;
    const commands = this.commands;
    this.taking = true;
    this.takeSentAt = now;
    api.take().then(
      (batch) => {
        if (api !== this.api) return;
        this.taking = false;
        this.events.batch(batch, commands === this.commands);
      },
      (err: unknown) => {
        if (api !== this.api) return;
        this.taking = false;
        this.events.failed(err);
      },
    );
  }
}
