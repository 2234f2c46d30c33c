// What the export panel saves, as pure functions: the spikes and traces of the frames the page
// received (kept within a memory bound), written as CSV; a scenario file read back from text and
// validated. No DOM here, so all of it is tested in Node.
import { InputError, describeValue } from '../core/errors.js';
import { validateScenario, type Scenario } from '../scenario/scenario.js';
import type { Frame } from '../core/simulation.js';
import { concatArrays } from '../core/arrays.js';

export const RECORDER_LIMITS = {
  /** Spikes kept for the CSV (12 bytes each: 24 MB); later ones are counted, not kept. */
  spikes: 2_000_000,
  /** Trace samples kept for the CSV over all traces (8 bytes each: 32 MB). */
  samples: 4_000_000,
};

/** A largest scenario file read on import; a scenario needs far less, and parsing is synchronous. */
export const MAX_SCENARIO_FILE_BYTES = 5_000_000;

interface TraceRecord {
  population: string;
  variable: string;
  neuron: number;
  startMs: number;
  everyMs: number;
  chunks: Float64Array[];
  length: number;
}

/** Copies of a run's spikes and traces, as the page received them, up to RECORDER_LIMITS. */
export class FrameRecorder {
  private times: Float64Array[] = [];
  private neurons: Int32Array[] = [];
  private traces: TraceRecord[] = [];
  spikeCount = 0;
  spikesDropped = 0;
  sampleCount = 0;
  samplesDropped = 0;
  endMs = 0;

  constructor(private readonly limits = RECORDER_LIMITS) {}

  /** Forget everything: a new run starts. */
  clear(): void {
    this.times = [];
    this.neurons = [];
    this.traces = [];
    this.spikeCount = this.spikesDropped = this.sampleCount = this.samplesDropped = 0;
    this.endMs = 0;
  }

  add(frame: Frame): void {
    this.endMs = Math.max(this.endMs, frame.endMs);
    const n = frame.spikes.timeMs.length;
    const keep = Math.max(0, Math.min(n, this.limits.spikes - this.spikeCount));
    if (keep > 0) {
      // Copies: the page's arrays belong to its renderers.
      this.times.push(frame.spikes.timeMs.slice(0, keep));
      this.neurons.push(frame.spikes.neuron.slice(0, keep));
      this.spikeCount += keep;
    }
    this.spikesDropped += n - keep;
    for (const trace of frame.traces) {
      let record = this.traces.find((r) => r.population === trace.population && r.variable === trace.variable && r.neuron === trace.neuron);
      if (!record) {
        record = { population: trace.population, variable: trace.variable, neuron: trace.neuron, startMs: trace.startMs, everyMs: trace.everyMs, chunks: [], length: 0 };
        this.traces.push(record);
      }
      const room = Math.max(0, Math.min(trace.values.length, this.limits.samples - this.sampleCount));
      if (room > 0) {
        record.chunks.push(trace.values.slice(0, room));
        record.length += room;
        this.sampleCount += room;
      }
      this.samplesDropped += trace.values.length - room;
    }
  }

  spikes(): { timeMs: Float64Array; neuron: Int32Array } {
    const timeMs = new Float64Array(this.spikeCount);
    const neuron = new Int32Array(this.spikeCount);
    let at = 0;
    this.times.forEach((chunk, k) => {
      timeMs.set(chunk, at);
      neuron.set(this.neurons[k], at);
      at += chunk.length;
    });
    return { timeMs, neuron };
  }

  traceSeries(): { population: string; variable: string; neuron: number; startMs: number; everyMs: number; values: Float64Array }[] {
    return this.traces.map((r) => {
      const values = concatArrays(r.chunks, (n) => new Float64Array(n));
      return { population: r.population, variable: r.variable, neuron: r.neuron, startMs: r.startMs, everyMs: r.everyMs, values };
    });
  }
}

/**
 * One CSV cell. Names come from scenario files, so they are quoted when needed, and a leading
 * = + - @ (a formula to a spreadsheet) is defused with a quote mark.
 */
export function csvCell(text: string): string {
  let cell = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  if (/[",\n\r]/.test(cell)) cell = `"${cell.replace(/"/g, '""')}"`;
  return cell;
}

/** A number as CSV: shortest round-trip form; NaN and infinities as empty cells. */
function csvNumber(x: number): string {
  return Number.isFinite(x) ? String(x) : '';
}

/**
 * Spikes as CSV: `time_ms,neuron,population,index_in_population` (neuron is the global index
 * the CLI prints), in time order.
 */
export function spikesCsv(spikes: { timeMs: ArrayLike<number>; neuron: ArrayLike<number> }, populations: { name: string; size: number; offset: number }[]): string {
  const order = Array.from({ length: spikes.timeMs.length }, (_, k) => k).sort((a, b) => spikes.timeMs[a] - spikes.timeMs[b] || spikes.neuron[a] - spikes.neuron[b]);
  const names = populations.map((p) => csvCell(p.name));
  const lines = ['time_ms,neuron,population,index_in_population'];
  for (const k of order) {
    const i = spikes.neuron[k];
    const p = populations.findIndex((pop) => i >= pop.offset && i < pop.offset + pop.size);
    lines.push(`${csvNumber(spikes.timeMs[k])},${i},${p >= 0 ? names[p] : ''},${p >= 0 ? i - populations[p].offset : ''}`);
  }
  return lines.join('\n') + '\n';
}

/**
 * Traces as CSV. Traces recorded together share one time grid: then one `time_ms` column and one
 * column per trace (`population/variable[neuron]`); otherwise long form
 * `population,variable,neuron,time_ms,value`.
 */
export function tracesCsv(traces: { population: string; variable: string; neuron: number; startMs: number; everyMs: number; values: ArrayLike<number> }[]): string {
  if (traces.length === 0) return 'time_ms\n';
  const first = traces[0];
  const aligned = traces.every((t) => t.startMs === first.startMs && t.everyMs === first.everyMs);
  if (!aligned) {
    const lines = ['population,variable,neuron,time_ms,value'];
    for (const t of traces) {
      const head = `${csvCell(t.population)},${csvCell(t.variable)},${t.neuron}`;
      for (let k = 0; k < t.values.length; k++) lines.push(`${head},${csvNumber(t.startMs + k * t.everyMs)},${csvNumber(t.values[k])}`);
    }
    return lines.join('\n') + '\n';
  }
  const rows = Math.max(...traces.map((t) => t.values.length));
  const lines = [['time_ms', ...traces.map((t) => csvCell(`${t.population}/${t.variable}[${t.neuron}]`))].join(',')];
  for (let k = 0; k < rows; k++) {
    // Times from the index, not by summing steps, so they do not drift.
    const cells = [csvNumber(Number((first.startMs + k * first.everyMs).toPrecision(12)))];
    for (const t of traces) cells.push(k < t.values.length ? csvNumber(t.values[k]) : '');
    lines.push(cells.join(','));
  }
  return lines.join('\n') + '\n';
}

export type ScenarioFileResult = { ok: true; scenario: Scenario } | { ok: false; field: string; message: string };

/** A scenario file's text, parsed and validated; a bad one comes back as the field and message. */
export function readScenarioText(text: string, fileName = 'file'): ScenarioFileResult {
  try {
    if (text.length > MAX_SCENARIO_FILE_BYTES) throw new InputError(fileName, `is ${text.length} characters long; a scenario file may have at most ${MAX_SCENARIO_FILE_BYTES}`);
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (err) {
      throw new InputError(fileName, `is not JSON (${err instanceof Error ? err.message.slice(0, 160) : 'parse error'})`);
    }
    return { ok: true, scenario: validateScenario(raw).scenario };
  } catch (err) {
    if (err instanceof InputError) return { ok: false, field: err.field, message: err.message };
    // Absurd nesting and the like: still a refused file, never a crash of the page.
    return { ok: false, field: fileName, message: `${fileName}: cannot be read (${err instanceof Error ? err.message.slice(0, 160) : describeValue(err)})` };
  }
}

/** A file name from a scenario's name: letters, digits, - and _ only. */
export function fileStem(name: string | undefined): string {
  const stem = (name ?? 'scenario').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60);
  return stem || 'scenario';
}
