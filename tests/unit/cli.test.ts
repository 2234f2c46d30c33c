// The CLI is a contract others script against: output shapes, CSV header, exit codes.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { lifRateHz } from '../../src/bridge/lifRate';
import lifModel from '../../models/lif.json';

const root = resolve(__dirname, '../..');

function sim(args: string[], viaNpm = false) {
  const result = viaNpm
    ? spawnSync('npm', ['run', '-s', 'sim', '--', ...args], { cwd: root, encoding: 'utf8' })
    : spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/sim.ts', ...args], { cwd: root, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('npm run sim -- run', () => {
  it('prints spikes, traces and stats as JSON for a scenario file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-'));
    const file = join(dir, 'lif.json');
    writeFileSync(file, JSON.stringify({
      format: 'spikebridge-scenario/1',
      durationMs: 1000,
      dtMs: 0.1,
      populations: [{ name: 'n', model: 'lif', size: 2 }],
      stimuli: [{ type: 'constant', population: 'n', amplitude: [3, 1] }],
      record: { spikes: true, traces: [{ population: 'n', variable: 'v', neurons: [1] }], traceEveryMs: 1, rateWindowMs: [0, 1000] },
    }));
    const { code, stdout, stderr } = sim(['run', file], true);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const out = JSON.parse(stdout);
    expect(Object.keys(out.spikes)).toEqual(['t', 'i']);
    expect(out.spikes.t.length).toBe(out.spikes.i.length);
    expect(out.spikes.i.every((i: number) => i === 0)).toBe(true); // 1 nA is below rheobase
    expect(out.stats.spikeCount).toBe(out.spikes.t.length);
    expect(Math.abs(out.spikes.t.length - lifRateHz(3, { E_L: -70, V_th: -50, tau_m: 10, R: 10, t_ref: 2 }))).toBeLessThanOrEqual(1);
    expect(out.traces[0]).toMatchObject({ population: 'n', variable: 'v', neuron: 1, startMs: 0, everyMs: 1 });
    expect(out.traces[0].values.length).toBe(1001);
    expect(out.traces[0].values.at(-1)).toBeCloseTo(-60, 3);
    expect(out.rates.populations[0].ratesHz[1]).toBe(0);
    expect(out.stats.wallTimeMs.run).toBeGreaterThanOrEqual(0);
  });

  it('runs a shipped preset by name', () => {
    const { code, stdout } = sim(['run', 'single-hh']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).spikes.t.length).toBe(7);
  });
});

describe('npm run sim -- fi', () => {
  it('prints CSV with the header current,rate_hz', () => {
    const { code, stdout } = sim(['fi', '--model', 'lif', '--from', '0', '--to', '5', '--step', '1', '--duration', '2000', '--discard', '0', '--set', 'tau_m=20']);
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toBe('current,rate_hz');
    expect(lines.length).toBe(7);
    const [current, rate] = lines[4].split(',').map(Number);
    expect(current).toBe(3);
    expect(Math.abs(rate - lifRateHz(3, { E_L: -70, V_th: -50, tau_m: 20, R: 10, t_ref: 2 }))).toBeLessThan(0.6);
  });
});

describe('user errors: one line on stderr, exit 2, no stack trace', () => {
  it.each([
    [['fi', '--model', 'lif', '--from', 'a', '--to', '5', '--step', '1', '--duration', '100', '--discard', '0'], /^error: --from: "a" is not a number$/],
    [['fi', '--model', 'lif', '--from', '0', '--to', '5', '--step', '1', '--duration', '100', '--discard', '0', '--set', 'tau_m=-4'], /^error: --set\.tau_m: -4 ms is outside the allowed range \[0\.5, 500\] ms$/],
    [['fi', '--model', 'izh', '--from', '0', '--to', '5', '--step', '1', '--duration', '100', '--discard', '0'], /^error: --model: "izh" is not a known model/],
    [['fi', '--model', 'lif', '--from', '0', '--to', '5', '--step', '1', '--duration', '100', '--discard', '200'], /^error: --discard: 200 ms must be/],
    [['fi', '--model', 'lif', '--frm', '0'], /^error: --frm: unknown option/],
    [['run', '/no/such/file.json'], /^error: \/no\/such\/file\.json: cannot read the scenario file \(ENOENT\)/],
    [['walk'], /^error: walk: is not a command/],
  ])('%j', (args, message) => {
    const { code, stdout, stderr } = sim(args as string[]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr.trim()).toMatch(message);
    expect(stderr).not.toMatch(/\bat .*\.ts:\d+/);
  });

  it('prints a bad equation with the column, on one line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-'));
    const file = join(dir, 'bad.json');
    const model = structuredClone(lifModel) as Record<string, unknown>;
    model.equations = ['dv/dt = (-(v - E_L) + R*I) / / tau_m'];
    writeFileSync(file, JSON.stringify({ format: 'spikebridge-scenario/1', durationMs: 10, dtMs: 0.1, populations: [{ name: 'n', model, size: 1 }] }));
    const { code, stderr } = sim(['run', file]);
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^error: populations\[0\]\.model: equations\[0\]: cannot parse: .* \(column \d+ of: \(-\(v - E_L\) \+ R\*I\) \/ \/ tau_m\)$/m);
  });

  it('a numerical blow-up exits 3 with the population and time', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-'));
    const file = join(dir, 'euler.json');
    writeFileSync(file, JSON.stringify({ format: 'spikebridge-scenario/1', durationMs: 100, dtMs: 0.5, populations: [{ name: 'axon', model: 'hh', size: 1, method: 'euler' }], stimuli: [{ type: 'constant', population: 'axon', amplitude: 10 }] }));
    const { code, stderr } = sim(['run', file]);
    expect(code).toBe(3);
    expect(stderr).toMatch(/^simulation stopped: population "axon" at t = [\d.]+ ms: /);
  });
});
