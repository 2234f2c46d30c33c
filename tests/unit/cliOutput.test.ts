// `run`'s output: streamed in chunks (never one string), in three formats with the same content,
// the same spikes as one advance() in process, 10 million spikes through the real CLI, progress
// on stderr, and Ctrl-C keeping what was computed (valid output marked "interrupted", exit 130).
import { describe, expect, it } from 'vitest';
import { createReadStream, mkdtempSync, openSync, closeSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exited, sim, simProcess } from './cliHarness';
import { buildSimulation } from '../../src/scenario/scenario';
import { preset } from '../../src/scenario/presets';
import { SpikeTrainStatistics, STATISTICS_DEFINITIONS } from '../../src/core/record/statistics';

const dir = mkdtempSync(join(tmpdir(), 'sb-output-'));
let files = 0;
function file(content: unknown): string {
  const path = join(dir, `s${files++}.json`);
  writeFileSync(path, JSON.stringify(content));
  return path;
}

/** Two populations, traces of two variables' neurons, a rate window: every block of every format. */
const small = {
  format: 'spikebridge-scenario/1',
  name: 'two populations',
  durationMs: 500,
  dtMs: 0.1,
  seed: 3,
  populations: [
    { name: 'a', model: 'lif', size: 3 },
    { name: 'b', model: 'lif', size: 2 },
  ],
  stimuli: [
    { type: 'constant', population: 'a', amplitude: [2.5, 3, 4] },
    { type: 'whiteNoise', population: 'b', mean: 2.5, sigma: 0.5 },
  ],
  record: { spikes: true, traces: [{ population: 'a', variable: 'v', neurons: [0, 2] }, { population: 'b', variable: 'v', neurons: [1] }], traceEveryMs: 0.5, rateWindowMs: [100, 500] },
};

describe('run --format json|csv|ndjson', () => {
  const json = sim(['run', file(small)]);
  const out = JSON.parse(json.stdout);

  it('json: the shape run always printed, the same numbers as a simulation in process, plus the definitions', () => {
    expect(json.code).toBe(0);
    expect(json.stderr).toBe('');
    expect(Object.keys(out)).toEqual(['scenario', 'spikes', 'traces', 'rates', 'stats', 'definitions']);
    const local = buildSimulation(structuredClone(small));
    local.advance();
    const frame = local.drain();
    // Drained in chunks, the spikes of each population come in time order as from one drain.
    const byNeuron = (t: number[], i: number[]) => [...t.keys()].map((k) => `${i[k]}@${t[k]}`).sort();
    expect(byNeuron(out.spikes.t, out.spikes.i)).toEqual(byNeuron(Array.from(frame.spikes.timeMs), Array.from(frame.spikes.neuron)));
    expect(out.traces.map((tr: { population: string; neuron: number }) => `${tr.population}/${tr.neuron}`)).toEqual(['a/0', 'a/2', 'b/1']);
    frame.traces.forEach((tr, k) => {
      expect(out.traces[k]).toMatchObject({ variable: 'v', startMs: 0, everyMs: 0.5 });
      expect(out.traces[k].values).toEqual(Array.from(tr.values));
    });
    expect(out.traces[0].values.length).toBe(1001);
    expect(out.rates.windowMs).toEqual([100, 500]);
    expect(out.rates.populations.map((p: { ratesHz: number[] }) => p.ratesHz.length)).toEqual([3, 2]);
    expect(out.stats.spikeCount).toBe(out.spikes.t.length);
    expect(out.stats.simulatedMs).toBe(500);
    expect(out.interrupted).toBeUndefined();
    expect(out.definitions).toEqual(STATISTICS_DEFINITIONS);
  });

  it('json: per-population statistics (n - 1) and the pooled ones (n, all neurons) are what the statistics module gives for the printed spikes', () => {
    const statistics = new SpikeTrainStatistics(0, 5, 100, 500);
    statistics.add(Float64Array.from(out.spikes.t), Int32Array.from(out.spikes.i));
    const a = statistics.result({ first: 0, count: 3 });
    expect(out.stats.populations[0].isiCv).toBeCloseTo(a.isiCv, 6);
    expect(out.stats.populations[0].fano).toBeCloseTo(a.fano, 6);
    const pooled = statistics.result({ variance: 'population' });
    expect(out.stats.pooled).toEqual({ neurons: 5, isiCv: Number(pooled.isiCv.toFixed(6)), fano: Number(pooled.fano.toFixed(6)) });
    expect(out.stats.pooled.isiCv).toBeLessThan(statistics.result().isiCv);
  });

  it('csv: spikes, traces, rates, statistics and the run, as blocks separated by a blank line', () => {
    const csv = sim(['run', file(small), '--format', 'csv']);
    expect(csv.code).toBe(0);
    const blocks = csv.stdout.trimEnd().split('\n\n').map((b) => b.split('\n'));
    expect(blocks.map((b) => b[0])).toEqual([
      'time_ms,neuron',
      'population,variable,neuron,time_ms,value',
      'population,neuron,rate_hz',
      'population,neurons,spike_count,mean_rate_hz,isi_cv,fano,active_fraction',
      'simulated_ms,duration_ms,interrupted',
    ]);
    expect(blocks[0].slice(1)).toEqual(out.spikes.t.map((t: number, k: number) => `${t},${out.spikes.i[k]}`));
    expect(blocks[1].length - 1).toBe(1001 * 3);
    expect(blocks[1][1 + 1001 + 3]).toBe(`a,v,2,1.5,${out.traces[1].values[3]}`);
    expect(blocks[2].slice(1)).toEqual(['a,0', 'a,1', 'a,2', 'b,3', 'b,4'].map((n, k) => `${n},${[...out.rates.populations[0].ratesHz, ...out.rates.populations[1].ratesHz][k]}`));
    expect(blocks[3][1]).toBe(`a,3,${out.stats.populations[0].spikeCount},${out.stats.populations[0].meanRateHz},${out.stats.populations[0].isiCv},${out.stats.populations[0].fano},${out.stats.populations[0].activeFraction}`);
    expect(blocks[3][3]).toMatch(new RegExp(`^\\(pooled\\),5,${out.stats.spikeCount},[\\d.]+,${out.stats.pooled.isiCv},${out.stats.pooled.fano},`));
    expect(blocks[4][1]).toBe('500,500,false');
  });

  it('ndjson: one JSON object per line: the run, each spike, trace segments, rates, and the stats last', () => {
    const nd = sim(['run', file(small), '--format', 'ndjson']);
    expect(nd.code).toBe(0);
    const lines = nd.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines[0]).toEqual({ type: 'run', scenario: 'two populations', durationMs: 500, dtMs: 0.1, populations: [{ name: 'a', size: 3, firstNeuron: 0 }, { name: 'b', size: 2, firstNeuron: 3 }] });
    const spikes = lines.filter((l) => l.type === 'spike');
    expect(spikes.map((s) => s.t)).toEqual(out.spikes.t);
    expect(spikes.map((s) => s.i)).toEqual(out.spikes.i);
    const traces = lines.filter((l) => l.type === 'trace');
    expect(traces.map((t) => t.values).flat()).toEqual(out.traces.flatMap((t: { values: number[] }) => t.values));
    expect(lines.filter((l) => l.type === 'rates').map((r) => r.ratesHz)).toEqual(out.rates.populations.map((p: { ratesHz: number[] }) => p.ratesHz));
    const stats = lines.at(-1);
    expect(stats.type).toBe('stats');
    expect(stats).toMatchObject({ spikeCount: out.stats.spikeCount, pooled: out.stats.pooled, definitions: out.definitions });
  });

  it('a network (CUBA) drained in chunks gives the spikes of one advance(), population by population', () => {
    const cli = JSON.parse(sim(['run', 'cuba']).stdout);
    const local = buildSimulation(preset('cuba'));
    local.advance();
    const frame = local.drain();
    const key = (t: ArrayLike<number>, i: ArrayLike<number>) => Array.from({ length: t.length }, (_, k) => `${i[k]}@${t[k]}`).sort();
    expect(key(cli.spikes.t, cli.spikes.i)).toEqual(key(frame.spikes.timeMs, frame.spikes.neuron));
    expect(cli.stats.network.synapses).toBe(local.networkInfo().synapses);
    expect(cli.stats.pooled.neurons).toBe(4000);
  }, 60_000);
});

/** A scenario that makes spikes fast: LIF neurons driven far above threshold, t_ref 0.5 ms (about 1.9 kHz). */
function manySpikes(neurons: number, durationMs: number) {
  return { format: 'spikebridge-scenario/1', name: 'many spikes', durationMs, dtMs: 0.1, populations: [{ name: 'n', model: 'lif', size: neurons, parameters: { t_ref: 0.5 } }], stimuli: [{ type: 'constant', population: 'n', amplitude: 1000 }] };
}

describe('10 million spikes through the real CLI', () => {
  it('csv to a pipe, counted as it streams, and json to a file: every spike, valid JSON', async () => {
    const scenario = file(manySpikes(5300, 1000));
    // csv through a pipe, counted line by line in this process (nothing is kept).
    const child = simProcess(['run', scenario, '--format', 'csv']);
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    let rows = 0;
    let block = 0;
    let header = '';
    let summary = '';
    const lines = createInterface({ input: child.stdout! });
    for await (const line of lines) {
      if (line === '') block++;
      else if (block === 0) {
        if (header === '') header = line;
        else rows++;
      } else if (block === 1 && line.startsWith('n,')) summary = line;
    }
    const { code } = await exited(child);
    expect(stderr).not.toMatch(/error|Invalid string length/);
    expect(code).toBe(0);
    expect(header).toBe('time_ms,neuron');
    expect(rows).toBe(Number(summary.split(',')[2]));
    expect(rows).toBeGreaterThan(10_000_000);

    // json to a file: larger than we would want in one string; check its ends and count the spikes.
    const path = join(dir, 'many.json');
    const fd = openSync(path, 'w');
    const json = simProcess(['run', scenario], fd);
    closeSync(fd);
    expect((await exited(json)).code).toBe(0);
    expect(statSync(path).size).toBeGreaterThan(200e6);
    let times = 0;
    let inTimes = false;
    let prefix = '';
    for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
      let text = chunk as string;
      if (!inTimes && times === 0) {
        prefix += text.slice(0, 200);
        const at = text.indexOf('"t":[');
        if (at < 0) continue;
        inTimes = true;
        text = text.slice(at + 5);
        times = 1;
      }
      if (!inTimes) break;
      const end = text.indexOf(']');
      const part = end < 0 ? text : text.slice(0, end);
      for (let k = 0; k < part.length; k++) if (part.charCodeAt(k) === 44) times++;
      if (end >= 0) inTimes = false;
    }
    expect(prefix.startsWith('{"scenario":"many spikes","spikes":{"t":[')).toBe(true);
    const tail = readFileSync(path, 'utf8').slice(-3000);
    const stats = JSON.parse(tail.slice(tail.indexOf('"stats":') + 8, tail.indexOf(',"definitions":')));
    expect(times).toBe(stats.spikeCount);
    expect(times).toBe(rows);
  }, 300_000);
});

describe('long runs: progress on stderr, Ctrl-C keeps what was computed', () => {
  it('prints the estimate and a progress line per tenth (not a terminal), and on SIGINT writes valid output marked interrupted, exit 130', async () => {
    // About 10 s of work by the estimate: long enough to be interrupted after its first progress line.
    const scenario = file({ ...manySpikes(100_000, 8000), stimuli: [{ type: 'constant', population: 'n', amplitude: 2.05 }], populations: [{ name: 'n', model: 'lif', size: 100_000 }], record: { spikes: true, traces: [{ population: 'n', variable: 'v', neurons: [0] }], rateWindowMs: [0, 8000] } });
    const path = join(dir, 'interrupted.json');
    const fd = openSync(path, 'w');
    const child = simProcess(['run', scenario], fd);
    closeSync(fd);
    let stderr = '';
    const sawProgress = new Promise<void>((resolve) =>
      child.stderr!.on('data', (d) => {
        stderr += d;
        if (/progress: /.test(stderr)) resolve();
      }),
    );
    const exit = exited(child);
    await Promise.race([sawProgress, exit]);
    child.kill('SIGINT');
    const { code } = await exit;
    expect(stderr).toMatch(/^estimate: about [\d.]+ s of computation \(100,000 neurons x 80,000 steps\)\n/);
    expect(stderr).toMatch(/progress: \d+% \([\d.]+ of 8000 ms simulated/);
    expect(stderr).toMatch(/interrupted at t = [\d.]+ ms of 8000 ms: writing what was computed/);
    expect(code).toBe(130);
    const out = JSON.parse(readFileSync(path, 'utf8'));
    expect(out.interrupted).toBe(true);
    expect(out.stats.simulatedMs).toBeGreaterThan(0);
    expect(out.stats.simulatedMs).toBeLessThan(8000);
    expect(out.spikes.t.length).toBe(out.stats.spikeCount);
    expect(Math.max(...out.spikes.t.slice(-1000))).toBeLessThanOrEqual(out.stats.simulatedMs);
    expect(out.rates.windowMs).toEqual([0, out.stats.simulatedMs]);
    expect(out.traces[0].values.length).toBe(Math.round(out.stats.simulatedMs / 0.1) + 1);
    // A neuron at 2.05 nA fires regularly: its rate over the part simulated is the rate of the whole.
    expect(out.stats.populations[0].meanRateHz).toBeGreaterThan(5);
    const lines = stderr.split('\n').filter((l) => l.startsWith('progress: '));
    expect(lines.length).toBeLessThanOrEqual(10);
  }, 180_000);
});
