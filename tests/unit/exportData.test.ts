// Export data: the recorder keeps what the page received (bounded), the CSVs say it faithfully,
// and a scenario file is validated with the field named when it is bad.
import { describe, expect, it } from 'vitest';
import { FrameRecorder, csvCell, fileStem, readScenarioText, spikesCsv, tracesCsv } from '../../src/ui/exportData';
import { buildSimulation } from '../../src/scenario/scenario';
import { preset } from '../../src/scenario/presets';
import type { Frame } from '../../src/core/simulation';

function frame(startMs: number, endMs: number, spikes: [number, number][], values: number[] = []): Frame {
  return {
    startMs,
    endMs,
    spikes: { timeMs: Float64Array.from(spikes.map((s) => s[0])), neuron: Int32Array.from(spikes.map((s) => s[1])) },
    traces: [{ population: 'neuron', variable: 'v', neuron: 0, startMs, everyMs: 0.5, values: Float64Array.from(values) }],
  };
}

describe('FrameRecorder', () => {
  it('keeps copies of every frame of a run, in order', () => {
    const recorder = new FrameRecorder();
    const first = frame(0, 1, [[0.5, 0]], [-70, -69]);
    recorder.add(first);
    first.spikes.timeMs.fill(99); // the page's arrays may be reused or transferred afterwards
    recorder.add(frame(1, 2, [[1.2, 1], [1.7, 0]], [-68, -67]));
    expect(Array.from(recorder.spikes().timeMs)).toEqual([0.5, 1.2, 1.7]);
    expect(Array.from(recorder.spikes().neuron)).toEqual([0, 1, 0]);
    const [trace] = recorder.traceSeries();
    expect(trace).toMatchObject({ population: 'neuron', variable: 'v', neuron: 0, startMs: 0, everyMs: 0.5 });
    expect(Array.from(trace.values)).toEqual([-70, -69, -68, -67]);
    expect(recorder.endMs).toBe(2);
  });

  it('stops keeping at its limits and counts what it dropped', () => {
    const recorder = new FrameRecorder({ spikes: 2, samples: 3 });
    recorder.add(frame(0, 1, [[0.1, 0], [0.2, 0], [0.3, 0]], [1, 2]));
    recorder.add(frame(1, 2, [[1.1, 0]], [3, 4]));
    expect(recorder.spikeCount).toBe(2);
    expect(recorder.spikesDropped).toBe(2);
    expect(recorder.sampleCount).toBe(3);
    expect(recorder.samplesDropped).toBe(1);
    recorder.clear();
    expect(recorder.spikes().timeMs.length).toBe(0);
    expect(recorder.traceSeries()).toEqual([]);
  });
});

describe('CSV', () => {
  const populations = [{ name: 'E', size: 2, offset: 0 }, { name: 'I', size: 1, offset: 2 }];

  it('spikes: time order, global and per-population indices', () => {
    const csv = spikesCsv({ timeMs: [2.5, 1.25, 2.5], neuron: [2, 1, 0] }, populations);
    expect(csv).toBe('time_ms,neuron,population,index_in_population\n1.25,1,E,1\n2.5,0,E,0\n2.5,2,I,0\n');
  });

  it('defuses names a spreadsheet would run as formulas, and quotes commas', () => {
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('E')).toBe('E');
    expect(spikesCsv({ timeMs: [1], neuron: [0] }, [{ name: '@evil', size: 1, offset: 0 }])).toContain(",'@evil,");
  });

  it('traces on one grid: a time column and a column per trace', () => {
    const csv = tracesCsv([
      { population: 'n', variable: 'v', neuron: 0, startMs: 0, everyMs: 0.1, values: [1, 2, 3] },
      { population: 'n', variable: 'm', neuron: 0, startMs: 0, everyMs: 0.1, values: [0.1, 0.2] },
    ]);
    expect(csv).toBe('time_ms,n/v[0],n/m[0]\n0,1,0.1\n0.1,2,0.2\n0.2,3,\n');
  });

  it('traces on different grids: long form', () => {
    const csv = tracesCsv([
      { population: 'n', variable: 'v', neuron: 0, startMs: 0, everyMs: 1, values: [1, 2] },
      { population: 'n', variable: 'v', neuron: 1, startMs: 0, everyMs: 2, values: [5] },
    ]);
    expect(csv).toBe('population,variable,neuron,time_ms,value\nn,v,0,0,1\nn,v,0,1,2\nn,v,1,0,5\n');
  });

  it('a run\'s spikes survive the round trip through CSV', () => {
    const sim = buildSimulation(preset('single-lif'));
    sim.advance();
    const out = sim.drain();
    const recorder = new FrameRecorder();
    recorder.add(out);
    const rows = spikesCsv(recorder.spikes(), [{ name: 'neuron', size: 1, offset: 0 }]).trim().split('\n').slice(1);
    expect(rows.length).toBe(out.spikes.timeMs.length);
    expect(rows.length).toBeGreaterThan(10);
    expect(rows.map((r) => Number(r.split(',')[0]))).toEqual(Array.from(out.spikes.timeMs));
  });
});

describe('reading a scenario file', () => {
  it('accepts a valid scenario', () => {
    const result = readScenarioText(JSON.stringify(preset('cuba')), 'cuba.json');
    expect(result.ok).toBe(true);
  });

  it('names the field of a bad one', () => {
    const bad = preset('single-lif') as { dtMs: number };
    bad.dtMs = 5;
    const result = readScenarioText(JSON.stringify(bad), 'mine.json');
    expect(result).toMatchObject({ ok: false, field: 'dtMs' });
    if (!result.ok) expect(result.message).toMatch(/dtMs: 5 is outside the allowed range \[0.0001, 1\] ms/);
  });

  it('refuses text that is not JSON, or absurdly nested, without throwing', () => {
    expect(readScenarioText('{"format": ', 'x.json')).toMatchObject({ ok: false, field: 'x.json' });
    expect(readScenarioText('[]'.repeat(1), 'x.json')).toMatchObject({ ok: false, field: 'scenario' });
    const deep = '['.repeat(200_000) + ']'.repeat(200_000);
    expect(readScenarioText(deep, 'deep.json').ok).toBe(false);
  });

  it('makes file names from scenario names', () => {
    expect(fileStem('Single LIF neuron')).toBe('single-lif-neuron');
    expect(fileStem('../../etc/passwd')).toBe('etc-passwd');
    expect(fileStem(undefined)).toBe('scenario');
    expect(fileStem('***')).toBe('scenario');
  });
});
