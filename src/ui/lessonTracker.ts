// The lessons panel's arithmetic, without a DOM: the recent window of spikes a step is checked
// over, and the progress kept in localStorage (read back as data: validated, never trusted).
//
// Why the window restarts at every change of input or parameters: a step such as "lower the
// current until the neuron is silent" must be judged on what the neuron does with the student's
// value, not on spikes from before the change. So a check only runs once the window since the
// last change (or reset) covers most of WINDOW_MS (or of the run, when the run is shorter).
//
// Why a population is judged only where its input protocol was on for most of the window: the
// input a step reads is the protocol's amplitude, which is in force only while the protocol runs.
// In a free run the step ends and the neuron falls silent at any amplitude; a window after it
// would pass "silent with at least 1.5 nA" with nothing done. A whole finished run, or a window
// since "Start again", covers the protocol and is judged.
import { observePopulation, type Observation } from '../lessons/lesson.js';
import { stepSummaries } from '../core/stepSummary.js';

/** The window of simulated time a step is checked over (the whole run if that is shorter). */
export const WINDOW_MS = 500;
/** How much of that window must have passed since the last change before a check counts. */
export const WINDOW_FILL = 0.9;

/** A population as the page runs it now: its place in the global numbering and what is in force. */
export interface PopulationInForce {
  name: string;
  size: number;
  offset: number;
  /** The controlled input (its protocol's amplitude, as the page's input control) plus any poke. */
  input: number;
  parameters: Record<string, number>;
  /** When that stimulus is on, [from, to) in simulated ms; absent where no stimulus is the input (always judged). */
  protocolMs?: [number, number];
}

/** Whether the window [startMs, endMs] is one to judge `p` on: its protocol on for most of the window, or the window holding most of the protocol. */
export function protocolCovers(p: PopulationInForce, startMs: number, endMs: number): boolean {
  if (!p.protocolMs) return true;
  const [on, off] = p.protocolMs;
  const overlap = Math.max(0, Math.min(endMs, off) - Math.max(startMs, on));
  return overlap >= WINDOW_FILL * Math.min(endMs - startMs, off - on) - 1e-9;
}

interface Chunk {
  endMs: number;
  timeMs: Float64Array;
  neuron: Int32Array;
}

export class RecentWindow {
  private chunks: Chunk[] = [];
  private windowMs = WINDOW_MS;
  /** Simulated time from which the window counts (the last change or reset). */
  private sinceMs = 0;
  private endMs = 0;
  private key = '';

  /** A run starts (load or reset) at t = 0. */
  startRun(durationMs: number, inForce: PopulationInForce[]): void {
    this.windowMs = Math.min(WINDOW_MS, durationMs);
    this.chunks = [];
    this.sinceMs = 0;
    this.endMs = 0;
    this.key = keyOf(inForce);
  }

  /** A frame's spikes (global neuron indices), with what was in force when it arrived. */
  frame(timeMs: ArrayLike<number>, neuron: ArrayLike<number>, endMs: number, inForce: PopulationInForce[]): void {
    const key = keyOf(inForce);
    if (key !== this.key) {
      // The change took effect somewhere inside this frame: count from its end, drop what came before.
      this.key = key;
      this.chunks = [];
      this.sinceMs = endMs;
      this.endMs = endMs;
      return;
    }
    this.endMs = Math.max(this.endMs, endMs);
    if (timeMs.length > 0) this.chunks.push({ endMs, timeMs: Float64Array.from(timeMs), neuron: Int32Array.from(neuron) });
    const from = this.startMs();
    while (this.chunks.length > 0 && this.chunks[0].endMs < from) this.chunks.shift();
  }

  private startMs(): number {
    return Math.max(this.sinceMs, this.endMs - this.windowMs);
  }

  /** How much of the needed window has been observed since the last change. */
  progress(): { observedMs: number; neededMs: number } {
    return { observedMs: this.endMs - this.startMs(), neededMs: WINDOW_FILL * this.windowMs };
  }

  /** Populations the full window cannot judge, their input protocol having been off for most of it. */
  protocolOff(inForce: PopulationInForce[]): string[] {
    if (!this.full()) return [];
    const start = this.startMs();
    return inForce.filter((p) => !protocolCovers(p, start, this.endMs)).map((p) => p.name);
  }

  full(): boolean {
    const { observedMs, neededMs } = this.progress();
    return observedMs >= neededMs - 1e-9;
  }

  /**
   * The observation of the window (its populations are empty until the window is full, so only
   * checks that read a fit can pass before then).
   */
  observe(inForce: PopulationInForce[], fit: Observation['fit']): Observation {
    if (!this.full()) return { populations: [], ...(fit ? { fit } : {}) };
    const start = this.startMs();
    // A population whose protocol was off for most of the window is left out: its checks do not pass.
    const populations = inForce.filter((p) => protocolCovers(p, start, this.endMs)).map((p) => {
      const times: number[] = [];
      const neurons: number[] = [];
      for (const chunk of this.chunks) {
        for (let k = 0; k < chunk.timeMs.length; k++) {
          const i = chunk.neuron[k];
          if (i >= p.offset && i < p.offset + p.size) {
            times.push(chunk.timeMs[k]);
            neurons.push(i - p.offset);
          }
        }
      }
      return observePopulation(p.name, p.size, times, neurons, start, this.endMs, p.input, p.parameters);
    });
    return { populations, ...(fit ? { fit } : {}) };
  }
}

function keyOf(inForce: PopulationInForce[]): string {
  return JSON.stringify(inForce.map((p) => [p.name, p.size, p.input, Object.entries(p.parameters).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))]));
}

/**
 * What is in force for each population: its size and offset from the page's summary, its
 * parameters (the summary's values with the student's changes from the current scenario), and
 * the input: the amplitude of its protocol (stepSummary.ts: the page's input control; a ramp's
 * end value), plus any poke, with when that protocol is on.
 */
export function populationsInForce(
  summary: { populations: { name: string; size: number; offset: number; parameters: { name: string; value: number }[] }[] },
  scenario: unknown,
  pokes: Record<string, number>,
): PopulationInForce[] {
  const s = scenario as { populations?: { name?: unknown; parameters?: Record<string, unknown> }[]; stimuli?: unknown[] } | null;
  const protocols = stepSummaries(s?.stimuli ?? [], Infinity);
  return summary.populations.map((pop) => {
    const parameters: Record<string, number> = {};
    for (const row of pop.parameters) parameters[row.name] = row.value;
    const spec = s?.populations?.find((p) => p.name === pop.name);
    for (const [name, value] of Object.entries(spec?.parameters ?? {})) if (typeof value === 'number' && name in parameters) parameters[name] = value;
    const protocol = protocols.find((x) => x.population === pop.name);
    const input = (protocol?.amplitude ?? 0) + (pokes[pop.name] ?? 0);
    return { name: pop.name, size: pop.size, offset: pop.offset, input, parameters, ...(protocol ? { protocolMs: [protocol.startMs, protocol.stopMs] as [number, number] } : {}) };
  });
}

export const PROGRESS_FORMAT = 'spikebridge-lesson-progress/1';
export const PROGRESS_KEY_PREFIX = 'spikebridge.lesson-progress.';

/** The localStorage key of a lesson's progress. */
export function progressKey(lessonId: string): string {
  return PROGRESS_KEY_PREFIX + lessonId;
}

/**
 * Progress read back from storage: which steps have passed. Anything but the exact shape written
 * (a list of booleans as long as the lesson's steps) is set aside with a message, not trusted.
 */
export function readProgress(text: string | null, steps: number): { passed: boolean[]; problem: string | null } {
  const fresh = Array.from({ length: steps }, () => false);
  if (text === null) return { passed: fresh, problem: null };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { passed: fresh, problem: 'the saved progress is not JSON' };
  }
  const o = raw as { format?: unknown; passed?: unknown } | null;
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return { passed: fresh, problem: 'the saved progress is not an object' };
  if (o.format !== PROGRESS_FORMAT) return { passed: fresh, problem: `the saved progress has format ${JSON.stringify(o.format)?.slice(0, 40)}, not "${PROGRESS_FORMAT}"` };
  if (!Array.isArray(o.passed) || o.passed.length !== steps || !o.passed.every((x) => typeof x === 'boolean')) {
    return { passed: fresh, problem: `the saved progress must list ${steps} true/false values, one per step` };
  }
  return { passed: o.passed.slice() as boolean[], problem: null };
}

export function writeProgress(passed: readonly boolean[]): string {
  return JSON.stringify({ format: PROGRESS_FORMAT, passed });
}
