// Progress of a long run on stderr: a bar redrawn in place on a terminal, otherwise a line at every
// tenth of the run (a log file gets ten lines, not thousands). Silent for runs expected to take
// less than a couple of seconds, unless one turns out slower than expected.
import { formatDuration } from '../core/cost.js';

/** Runs expected to take less than this (seconds) show no progress until they have taken this long. */
export const PROGRESS_AFTER_SECONDS = 2;

export class Progress {
  private readonly started = performance.now();
  private shown = false;
  private lastDraw = 0;
  private lastTenth = 0;

  constructor(
    private readonly totalMs: number,
    expectedSeconds: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    /** What the percentage is of (a sweep); a run says how many ms of how many are simulated. */
    private readonly of?: string,
  ) {
    this.shown = expectedSeconds > PROGRESS_AFTER_SECONDS;
  }

  private get tty(): boolean {
    return this.stream.isTTY === true;
  }

  update(doneMs: number): void {
    const now = performance.now();
    const elapsed = (now - this.started) / 1000;
    if (!this.shown && elapsed > PROGRESS_AFTER_SECONDS) this.shown = true;
    if (!this.shown) return;
    const fraction = Math.min(1, doneMs / this.totalMs);
    const left = fraction > 0 ? (elapsed * (1 - fraction)) / fraction : NaN;
    const done = this.of ? `${this.of} (` : `(${round(doneMs)} of ${round(this.totalMs)} ms simulated, `;
    const status = `${(fraction * 100).toFixed(fraction < 0.1 ? 1 : 0)}% ${done}${formatDuration(elapsed)} so far${Number.isFinite(left) && fraction < 1 ? `, about ${formatDuration(left)} left` : ''})`;
    if (this.tty) {
      if (now - this.lastDraw < 200 && fraction < 1) return;
      this.lastDraw = now;
      const width = 30;
      const filled = Math.round(fraction * width);
      this.stream.write(`\r\x1b[K[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${status}`);
    } else {
      const tenth = Math.floor(fraction * 10);
      if (tenth <= this.lastTenth) return;
      this.lastTenth = tenth;
      this.stream.write(`progress: ${status}\n`);
    }
  }

  /** End the bar's line, so what follows starts on its own. */
  finish(): void {
    if (this.shown && this.tty) this.stream.write('\n');
  }
}

function round(ms: number): string {
  return String(Math.round(ms * 1000) / 1000);
}
