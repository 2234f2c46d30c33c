// The shell's status line and message area: the run's state in words, simulated time, the
// real-time factor over the last second, recent spikes per second per neuron, the median frame and
// draw times; errors (never a blank page, never only in the console) and warnings about a run that
// goes on.
import type { Frame } from '../core/simulation.js';
import type { RunState, ScenarioSummary } from '../../workers/simulationApi.js';

export type PageState = RunState | 'loading';

/** The firing rate in the status line counts spikes over this much recent simulated time. */
const RECENT_MS = 200;
/** Frame and draw times are medians over this many of each. */
const TIMES_KEPT = 120;

function byId(id: string): HTMLElement {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page has no element #${id}`);
  return found;
}

export function describeError(err: unknown): { title: string; detail: string } {
  if (err instanceof Error || (typeof err === 'object' && err !== null && 'name' in err && 'message' in err)) {
    const { name, message } = err as { name: string; message: string };
    // comlink re-creates errors thrown in the worker with their name and message.
    if (name === 'SimulationError') return { title: 'The simulation stopped (numerical blow-up):', detail: message };
    if (name === 'InputError') return { title: 'Invalid input:', detail: message };
    return { title: `Something went wrong (${name}):`, detail: message };
  }
  return { title: 'Something went wrong:', detail: String(err) };
}

/** Write a text only when it changed: an unchanged line costs no style and layout work per frame. */
function show(element: HTMLElement, text: string): void {
  if (element.textContent !== text) element.textContent = text;
}

function median(xs: number[]): number {
  if (xs.length === 0) return 0;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

export class StatusLine {
  private readonly ui = {
    status: byId('status'),
    simTime: byId('sim-time'),
    rtFactor: byId('rt-factor'),
    spikeRate: byId('spike-rate'),
    frameTime: byId('frame-time'),
    error: byId('error'),
  };
  private summary: ScenarioSummary | null = null;
  private state: PageState = 'loading';
  private timeMs = 0;
  private recent: { startMs: number; endMs: number; spikes: number }[] = [];
  private pace: { wall: number; sim: number }[] = [];
  private frameIntervals: number[] = [];
  private drawTimes: number[] = [];
  private lastFrameAt = 0;

  /** A run starts at t = 0. */
  begin(summary: ScenarioSummary): void {
    this.summary = summary;
    this.timeMs = 0;
    this.recent = [];
    this.restartPace();
  }

  /** The real-time factor counts from now (after a speed change or a pause). */
  restartPace(): void {
    this.pace = [{ wall: performance.now(), sim: this.timeMs }];
  }

  frame(frame: Frame): void {
    this.recent.push({ startMs: frame.startMs, endMs: frame.endMs, spikes: frame.spikes.timeMs.length });
  }

  /** An animation frame began (for the median frame interval). */
  frameAt(now: number): void {
    if (this.lastFrameAt > 0) this.keep(this.frameIntervals, now - this.lastFrameAt);
    this.lastFrameAt = now;
  }

  /** A batch took this long to draw. */
  drawTook(ms: number): void {
    this.keep(this.drawTimes, ms);
    // Medians, so a one-off such as a texture's first use does not stand for the typical frame.
    if (this.frameIntervals.length >= 10) show(this.ui.frameTime, `frame ${median(this.frameIntervals).toFixed(1)} ms · draw ${median(this.drawTimes).toFixed(1)} ms`);
  }

  private keep(xs: number[], x: number): void {
    xs.push(x);
    if (xs.length > TIMES_KEPT) xs.shift();
  }

  /** The state in words, with the simulated time (when given) and the figures that follow from it. */
  update(state: PageState, timeMs?: number, text?: string): void {
    this.state = state;
    if (timeMs !== undefined) this.timeMs = timeMs;
    const summary = this.summary;
    if (text !== undefined || !summary) {
      this.set(text ?? (state === 'loading' ? 'Loading the scenario…' : 'Starting…'), state);
      return;
    }
    const t = this.timeMs;
    show(this.ui.simTime, `t = ${t.toFixed(1)} ms`);
    const now = performance.now();
    if (state === 'running') {
      this.pace.push({ wall: now, sim: t });
      while (this.pace.length > 2 && now - this.pace[1].wall > 1000) this.pace.shift();
      const first = this.pace[0];
      const wall = now - first.wall;
      show(this.ui.rtFactor, wall > 50 ? `${Number(((t - first.sim) / wall).toPrecision(2))}× real time` : '–');
    } else show(this.ui.rtFactor, 'stopped');
    while (this.recent.length > 0 && this.recent[0].endMs <= t - RECENT_MS) this.recent.shift();
    // A large network sends the spikes of an even sample (and of the traced neurons, a handful
    // more): the rate per neuron is over the sample then, not over every neuron.
    const sample = summary.scale?.rasterSample;
    const neurons = sample ? sample.length : summary.populations.reduce((a, p) => a + p.size, 0);
    // Divide by the time the kept frames cover: at full speed one frame can span far more than
    // RECENT_MS, and all its spikes are counted.
    const span = this.recent.length > 0 ? (t - this.recent[0].startMs) / 1000 : 0;
    const spikes = this.recent.reduce((a, r) => a + r.spikes, 0);
    // In Hz, as every rate on the page, and saying over what: the last 200 ms, not the run (the figure under the plot).
    show(this.ui.spikeRate, `${(span > 0 ? spikes / neurons / span : 0).toFixed(1)} Hz (last ${RECENT_MS} ms)`);
    const words: Record<PageState, string> = {
      loading: 'Loading the scenario…',
      empty: 'Loading…',
      running: `Running ${summary.name}`,
      paused: `Paused: ${summary.name}`,
      finished: `Finished: ${summary.durationMs} ms of ${summary.name} simulated. Play or reset to run it again.`,
      failed: 'Stopped: see the message below.',
    };
    if (this.ui.status.dataset.state !== 'failed' || state !== 'failed') this.set(words[state], state);
  }

  private set(text: string, state: PageState): void {
    show(this.ui.status, text);
    if (this.ui.status.dataset.state !== state) this.ui.status.dataset.state = state;
  }

  showError({ title, detail }: { title: string; detail: string }): void {
    this.message('strong', title, detail);
    this.set('Stopped: see the message below.', 'failed');
  }

  clearError(): void {
    this.ui.error.hidden = true;
    this.ui.error.replaceChildren();
  }

  /** Warnings about a run that goes on (a time step too coarse for the model), in the message area. */
  showWarnings(warnings: ScenarioSummary['warnings']): void {
    if (warnings.length > 0) this.message('strong', 'Warning:', warnings.map((w) => `${w.field}: ${w.message}.`).join(' '));
  }

  private message(tag: 'strong', title: string, detail: string): void {
    const heading = document.createElement(tag);
    heading.textContent = title;
    const text = document.createElement('span');
    text.textContent = detail;
    this.ui.error.hidden = false;
    this.ui.error.replaceChildren(heading, text);
  }
}
