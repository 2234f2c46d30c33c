// `run`: the experiment (src/core/experiment.ts, the same object the page's worker drives)
// advanced in chunks and drained after each, so memory stays bounded however long the run; spikes and traces spooled (src/cli/spool.ts), statistics accumulated as
// they come; progress on stderr for long runs; Ctrl-C stops the run and still writes what was
// computed, marked as interrupted (exit 130). Then the output, streamed in one of three formats:
//
// json (default; the shape `run` always printed, plus "interrupted", stats.pooled,
//   stats.simulatedMs and "definitions"):
//   {"scenario", "interrupted"?: true, "spikes": {"t": [ms...], "i": [neuron...]},
//    "traces": [{"population","variable","neuron","startMs","everyMs","values": [...]}],
//    "rates"?: {"windowMs": [start, stop], "populations": [{"name", "ratesHz": [...]}]},
//    "stats": {...}, "definitions": {...}}
// csv: blocks separated by a blank line: `time_ms,neuron` (one row per spike); when traced,
//   `population,variable,neuron,time_ms,value` (one row per sample); with a rate window,
//   `population,neuron,rate_hz`; then `population,neurons,spike_count,mean_rate_hz,isi_cv,fano,
//   active_fraction` (a row per population and a row "(pooled)"); last `simulated_ms,duration_ms,
//   interrupted`.
// ndjson: one JSON object per line, each with a "type": "run" (name, durationMs, dtMs, the
//   populations with their first neuron index), then "spike" {t, i} per spike, "trace" segments
//   {population, variable, neuron, startMs, everyMs, values}, "rates" per population {name,
//   windowMs, ratesHz}, and last "stats" (the JSON's stats with definitions, interrupted).
import { Simulation, type Frame } from '../core/simulation.js';
import { Experiment } from '../core/experiment.js';
import { ThreadedSimulation } from '../core/parallel/threadedSimulation.js';
import { SpikeTrainStatistics, STATISTICS_DEFINITIONS, type SpikeStatistics } from '../core/record/statistics.js';
import { validateScenario, type ValidScenario } from '../scenario/scenario.js';
import { Progress } from './progress.js';
import { Spool, type SpoolColumn } from './spool.js';
import { TextSink, joinNumbers, jsonNumber } from './sink.js';

export const RUN_FORMATS = ['json', 'csv', 'ndjson'] as const;
export type RunFormat = (typeof RUN_FORMATS)[number];

/** Neuron-steps per chunk to start with (tens of ms of work), adapted to what a chunk takes. */
const FIRST_CHUNK_NEURON_STEPS = 2e7;
/** A chunk aims at this much wall time (ms): Ctrl-C and the progress bar answer within it. */
const CHUNK_WALL_MS = [50, 300];
/** At most this many spikes per chunk, so what a drain hands over stays small. */
const CHUNK_SPIKES = 2e6;

interface SpooledTrace {
  population: string;
  variable: string;
  neuron: number;
  startMs: number;
  everyMs: number;
  values: SpoolColumn<Float64Array>;
}

export interface RunOptions {
  /** What the user named (a file or a preset): the output's "scenario" when the scenario has no name. */
  target: string;
  format: RunFormat;
  /** Estimated seconds of the run: progress is shown above a couple of seconds. */
  expectedSeconds: number;
  /** performance.now() before validating and after building. */
  started: number;
  built: number;
  sink?: TextSink;
}

/** JSON has no NaN: a statistic that does not exist (no neuron fired enough) is null. */
function finite(x: number): number | null {
  return Number.isFinite(x) ? Math.round(x * 1e6) / 1e6 : null;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** A sample's time without float noise (0.30000000000000004 -> 0.3), at any dt. */
function sampleTime(x: number): number {
  return Number(x.toPrecision(12));
}

/**
 * Run the experiment to its end (or to Ctrl-C) and write the output; returns the exit code. The
 * output holds the recorded state traces only (build the experiment with derivedTraces: false).
 * A Simulation built from `valid` is run as an experiment over it.
 */
export async function runAndWrite(run: Experiment | Simulation, valid: ValidScenario, options: RunOptions): Promise<number> {
  const experiment = run instanceof Experiment ? run : new Experiment(valid, validateScenario, { simulation: run, derivedTraces: false });
  const sim = experiment.simulation;
  const { scenario } = valid;
  const sink = options.sink ?? new TextSink();
  const spool = new Spool();
  let phase: 'running' | 'writing' = 'running';
  let interrupted = false;
  // The first Ctrl-C ends the run at the next chunk; one while writing (or a second) stops at once.
  const onSigint = () => {
    if (interrupted || phase === 'writing') process.exit(130);
    interrupted = true;
  };
  process.on('SIGINT', onSigint);
  try {
    const t = spool.column<Float64Array>((n) => new Float64Array(n));
    const i = spool.column<Int32Array>((n) => new Int32Array(n));
    const traces: SpooledTrace[] = [];
    const neurons = sim.populations.reduce((a, p) => a + p.size, 0);
    const window = scenario.record.rateWindowMs;
    const statistics = scenario.record.spikes ? new SpikeTrainStatistics(0, neurons, window?.[0] ?? 0, window?.[1] ?? scenario.durationMs) : null;
    const take = (frame: Frame) => {
      t.push(frame.spikes.timeMs);
      i.push(frame.spikes.neuron);
      statistics?.add(frame.spikes.timeMs, frame.spikes.neuron);
      frame.traces.forEach((tr, k) => {
        traces[k] ??= { population: tr.population, variable: tr.variable, neuron: tr.neuron, startMs: tr.startMs, everyMs: tr.everyMs, values: spool.column<Float64Array>((n) => new Float64Array(n)) };
        traces[k].values.push(tr.values);
      });
    };

    const progress = new Progress(scenario.durationMs, options.expectedSeconds);
    const dt = scenario.dtMs;
    let chunkSteps = Math.max(1, Math.round(FIRST_CHUNK_NEURON_STEPS / Math.max(1, neurons)));
    try {
      while (!experiment.done && !interrupted) {
        const before = performance.now();
        experiment.advance(chunkSteps * dt);
        const frame = experiment.drain();
        const wall = performance.now() - before;
        take(frame);
        if (wall > CHUNK_WALL_MS[1] || frame.spikes.timeMs.length > CHUNK_SPIKES) chunkSteps = Math.max(1, Math.floor(chunkSteps / 2));
        else if (wall < CHUNK_WALL_MS[0] && frame.spikes.timeMs.length < CHUNK_SPIKES / 4) chunkSteps *= 2;
        progress.update(experiment.timeMs);
        // Let a pending Ctrl-C reach its handler between chunks.
        await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      progress.finish();
    }
    const finished = performance.now();
    const simulatedMs = experiment.timeMs;
    if (interrupted) process.stderr.write(`interrupted at t = ${round(simulatedMs)} ms of ${scenario.durationMs} ms: writing what was computed (marked "interrupted")\n`);
    phase = 'writing';

    const base = experiment.stats();
    const statsOf = (first: number, count: number) => statistics!.result({ first, count, stopMs: simulatedMs });
    const pooled = statistics?.result({ variance: 'population', stopMs: simulatedMs });
    const stats = {
      ...base,
      populations: base.populations.map((p, k) => {
        if (!statistics) return p;
        const s = statsOf(sim.populations[k].offset, sim.populations[k].size);
        return { ...p, isiCv: finite(s.isiCv), fano: finite(s.fano), activeFraction: finite(s.activeFraction) };
      }),
      ...(pooled ? { pooled: { neurons, isiCv: finite(pooled.isiCv), fano: finite(pooled.fano) } } : {}),
      ...(sim.projections.length > 0 ? { network: sim.networkInfo() } : {}),
      durationMs: scenario.durationMs,
      simulatedMs: round(simulatedMs),
      wallTimeMs: { build: round(options.built - options.started), run: round(finished - options.built) },
      // The threads the run stepped on at its end (a run split across threads may go on on one: stderr says why).
      threads: sim instanceof ThreadedSimulation && sim.threaded ? sim.plan.threads : 1,
    };
    // Rates over the part of the window that was simulated (all of it, unless interrupted).
    const rateWindow: [number, number] | null = window && Math.min(window[1], simulatedMs) > window[0] ? [window[0], Math.min(window[1], simulatedMs)] : null;
    const rates = rateWindow ? sim.windowCounts().map((p) => ({ name: p.name, ratesHz: Float64Array.from(p.counts, (c) => c / ((rateWindow[1] - rateWindow[0]) / 1000)) })) : null;
    const definitions = { ...STATISTICS_DEFINITIONS, ...(statistics ? {} : { note: 'record.spikes is false: no spike statistics' }) };
    const output: Output = { name: scenario.name ?? options.target, interrupted, t, i, traces, rateWindow, rates, stats, definitions, pooledRow: pooled ?? null, simulatedMs, valid, sim };
    if (options.format === 'csv') await writeCsv(sink, output, statsOf);
    else if (options.format === 'ndjson') await writeNdjson(sink, output);
    else await writeJson(sink, output);
    await sink.flush();
    return interrupted ? 130 : 0;
  } finally {
    process.removeListener('SIGINT', onSigint);
    spool.dispose();
  }
}

interface Output {
  name: string;
  interrupted: boolean;
  t: SpoolColumn<Float64Array>;
  i: SpoolColumn<Int32Array>;
  traces: SpooledTrace[];
  rateWindow: [number, number] | null;
  rates: { name: string; ratesHz: Float64Array }[] | null;
  stats: Record<string, unknown>;
  definitions: Record<string, unknown>;
  pooledRow: SpikeStatistics | null;
  simulatedMs: number;
  valid: ValidScenario;
  sim: Simulation;
}

/** A column's values as a JSON array's inside, block by block. */
async function writeArray(sink: TextSink, blocks: Iterable<Float64Array | Int32Array>): Promise<void> {
  let first = true;
  for (const block of blocks) {
    if (block.length === 0) continue;
    await sink.write(first ? joinNumbers(block) : `,${joinNumbers(block)}`);
    first = false;
  }
}

async function writeJson(sink: TextSink, out: Output): Promise<void> {
  await sink.write(`{"scenario":${JSON.stringify(out.name)},${out.interrupted ? '"interrupted":true,' : ''}"spikes":{"t":[`);
  await writeArray(sink, out.t.blocks());
  await sink.write('],"i":[');
  await writeArray(sink, out.i.blocks());
  await sink.write(']},"traces":[');
  for (const [k, tr] of out.traces.entries()) {
    await sink.write(`${k > 0 ? ',' : ''}{"population":${JSON.stringify(tr.population)},"variable":${JSON.stringify(tr.variable)},"neuron":${tr.neuron},"startMs":${jsonNumber(tr.startMs)},"everyMs":${jsonNumber(tr.everyMs)},"values":[`);
    await writeArray(sink, tr.values.blocks());
    await sink.write(']}');
  }
  await sink.write(']');
  if (out.rates && out.rateWindow) {
    await sink.write(`,"rates":{"windowMs":${JSON.stringify(out.rateWindow)},"populations":[`);
    for (const [k, p] of out.rates.entries()) {
      await sink.write(`${k > 0 ? ',' : ''}{"name":${JSON.stringify(p.name)},"ratesHz":[`);
      await writeArray(sink, blocksOf(p.ratesHz));
      await sink.write(']}');
    }
    await sink.write(']}');
  }
  await sink.write(`,"stats":${JSON.stringify(out.stats)},"definitions":${JSON.stringify(out.definitions)}}\n`);
}

function* blocksOf(values: Float64Array, size = 65536): Generator<Float64Array> {
  for (let k = 0; k < values.length; k += size) yield values.subarray(k, k + size);
}

/** Spike times and neurons side by side, in blocks that line up. */
function* spikeBlocks(out: Output): Generator<[Float64Array, Int32Array]> {
  const times = out.t.blocks();
  const neurons = out.i.blocks();
  for (;;) {
    const a = times.next();
    const b = neurons.next();
    if (a.done || b.done) return;
    yield [a.value, b.value];
  }
}

function csvField(text: string): string {
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function csvNumber(x: number | null | undefined): string {
  return typeof x === 'number' && Number.isFinite(x) ? String(x) : '';
}

async function writeCsv(sink: TextSink, out: Output, statsOf: (first: number, count: number) => SpikeStatistics): Promise<void> {
  await sink.write('time_ms,neuron\n');
  for (const [t, i] of spikeBlocks(out)) {
    let rows = '';
    for (let k = 0; k < t.length; k++) rows += `${t[k]},${i[k]}\n`;
    await sink.write(rows);
  }
  if (out.traces.length > 0) {
    await sink.write('\npopulation,variable,neuron,time_ms,value\n');
    for (const tr of out.traces) {
      const prefix = `${csvField(tr.population)},${csvField(tr.variable)},${tr.neuron},`;
      let sample = 0;
      for (const block of tr.values.blocks()) {
        let rows = '';
        for (let k = 0; k < block.length; k++, sample++) rows += `${prefix}${sampleTime(tr.startMs + sample * tr.everyMs)},${jsonNumber(block[k])}\n`;
        await sink.write(rows);
      }
    }
  }
  if (out.rates) {
    await sink.write('\npopulation,neuron,rate_hz\n');
    for (const [k, p] of out.rates.entries()) {
      const offset = out.sim.populations[k].offset;
      const name = csvField(p.name);
      for (let at = 0; at < p.ratesHz.length; at += 65536) {
        let rows = '';
        for (let j = at; j < Math.min(p.ratesHz.length, at + 65536); j++) rows += `${name},${offset + j},${p.ratesHz[j]}\n`;
        await sink.write(rows);
      }
    }
  }
  await sink.write('\npopulation,neurons,spike_count,mean_rate_hz,isi_cv,fano,active_fraction\n');
  const populations = out.stats.populations as { name: string; size: number; spikeCount: number; meanRateHz: number; isiCv?: number | null; fano?: number | null; activeFraction?: number | null }[];
  for (const p of populations) {
    await sink.write(`${[csvField(p.name), p.size, p.spikeCount, csvNumber(p.meanRateHz), csvNumber(p.isiCv), csvNumber(p.fano), csvNumber(p.activeFraction)].join(',')}\n`);
  }
  if (out.pooledRow) {
    const all = statsOf(0, out.sim.populations.reduce((a, p) => a + p.size, 0));
    const neurons = populations.reduce((a, p) => a + p.size, 0);
    const spikes = populations.reduce((a, p) => a + p.spikeCount, 0);
    await sink.write(`(pooled),${neurons},${spikes},${csvNumber(out.stats.meanRateHz as number)},${csvNumber(finite(out.pooledRow.isiCv))},${csvNumber(finite(out.pooledRow.fano))},${csvNumber(finite(all.activeFraction))}\n`);
  }
  await sink.write(`\nsimulated_ms,duration_ms,interrupted\n${round(out.simulatedMs)},${out.valid.scenario.durationMs},${out.interrupted}\n`);
}

async function writeNdjson(sink: TextSink, out: Output): Promise<void> {
  const { scenario } = out.valid;
  const populations = out.sim.populations.map((p) => ({ name: p.name, size: p.size, firstNeuron: p.offset }));
  await sink.write(`${JSON.stringify({ type: 'run', scenario: out.name, durationMs: scenario.durationMs, dtMs: scenario.dtMs, populations })}\n`);
  for (const [t, i] of spikeBlocks(out)) {
    let lines = '';
    for (let k = 0; k < t.length; k++) lines += `{"type":"spike","t":${t[k]},"i":${i[k]}}\n`;
    await sink.write(lines);
  }
  for (const tr of out.traces) {
    let sample = 0;
    for (const block of tr.values.blocks()) {
      await sink.write(`{"type":"trace","population":${JSON.stringify(tr.population)},"variable":${JSON.stringify(tr.variable)},"neuron":${tr.neuron},"startMs":${jsonNumber(sampleTime(tr.startMs + sample * tr.everyMs))},"everyMs":${jsonNumber(tr.everyMs)},"values":[${joinNumbers(block)}]}\n`);
      sample += block.length;
    }
  }
  for (const p of out.rates ?? []) {
    await sink.write(`{"type":"rates","name":${JSON.stringify(p.name)},"windowMs":${JSON.stringify(out.rateWindow)},"ratesHz":[`);
    await writeArray(sink, blocksOf(p.ratesHz));
    await sink.write(']}\n');
  }
  await sink.write(`${JSON.stringify({ type: 'stats', ...(out.interrupted ? { interrupted: true } : {}), ...out.stats, definitions: out.definitions })}\n`);
}
