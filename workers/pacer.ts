// How much simulated time the worker runs at a time. Paced (simulated ms per wall ms), a run owes
// time as the wall clock moves and pays it in chunks; as fast as possible (speed null), it runs
// chunks. A chunk's simulated length adapts so it takes about CHUNK_BUDGET_MS of wall time: short
// enough that messages (a slider, a pause) are heard between chunks, long enough to waste little.
const CHUNK_BUDGET_MS = 12;
/** Simulated ms a paced run may owe: a stalled tab asks for no seconds at once. */
const MAX_OWED_MS = 50;

export class Pacer {
  /** Simulated ms per wall ms, or null for as fast as it goes. */
  speed: number | null = 0.25;
  private chunkMs = 1;
  private owedMs = 0;
  private lastTick = 0;

  /** A new run: chunks start at a millisecond (or a step). */
  restart(dtMs: number): void {
    this.chunkMs = Math.max(dtMs, 1);
  }

  /** Start owing from now (play, a change of speed, a run that goes on). */
  resume(now: number): void {
    this.owedMs = 0;
    this.lastTick = now;
  }

  /** What to simulate now, in ms, or how long to wait (wall ms) before asking again. */
  ask(now: number, dtMs: number): { ms: number } | { waitMs: number } {
    if (this.speed === null) return { ms: this.chunkMs };
    this.owedMs = Math.min(this.owedMs + Math.max(0, now - this.lastTick) * this.speed, MAX_OWED_MS);
    this.lastTick = now;
    if (this.owedMs < dtMs / 2) return { waitMs: Math.max(1, (dtMs - this.owedMs) / this.speed) };
    return { ms: Math.min(this.owedMs, this.chunkMs) };
  }

  /** A chunk ran: `advanced` of the `asked` simulated ms, in `tookMs` of wall time. */
  ran(asked: number, advanced: number, tookMs: number, dtMs: number, durationMs: number): void {
    const took = Math.max(0.5, tookMs);
    if (advanced >= asked - dtMs / 2) this.chunkMs = Math.min(durationMs, Math.max(dtMs, this.chunkMs * Math.min(2, Math.max(0.25, CHUNK_BUDGET_MS / took))));
    if (this.speed !== null) this.owedMs = Math.max(0, this.owedMs - advanced);
  }
}
