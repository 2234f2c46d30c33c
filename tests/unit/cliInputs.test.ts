// Bad input classes against the CLI and the parsers under it: numbers in flags and in JSON, repeated
// flags, deep nesting, sizes, a byte-order mark, a rate window past the run's end, empty constraint
// messages, runs too long to start without --long. Each class is tested with the inputs it was
// found with and others of its kind (generated where a generator helps); a refusal is always one
// line naming what the user typed, exit 2, never a stack trace.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, openSync, closeSync, ftruncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectOneLineError, sim } from './cliHarness';
import { refusal } from './refusal';
import { parseArgs, parseNumberText, setFlags } from '../../src/cli/flags';
import { InputError, describeValue } from '../../src/core/errors';
import { validateScenario } from '../../src/scenario/scenario';
import { checkDepth, decodeUtf8, parseJson, JSON_LIMITS } from '../../src/scenario/json';
import { scenarioFromHash } from '../../src/scenario/share';
import { preset, PRESETS } from '../../src/scenario/presets';
import lifModel from '../../models/lif.json';

const dir = mkdtempSync(join(tmpdir(), 'sb-inputs-'));
let files = 0;
function file(content: string | Buffer): string {
  const path = join(dir, `s${files++}.json`);
  writeFileSync(path, content);
  return path;
}

const FI = ['fi', '--model', 'lif', '--from', '0', '--to', '5', '--step', '1', '--duration', '100', '--discard', '0'];


describe('numbers a user types in flags', () => {
  // Number() reads all of these as numbers: ' ' as 0, '0x10' as 16, '1e999' as Infinity.
  const bad = ['', ' ', '\t', '0x10', '0X1f', '0b101', '0o17', '1e999', '-1e999', '1e400', 'Infinity', '-Infinity', 'inf', 'NaN', '1_000', '5ms', '1,5', '--', '.', 'e5', '1e', '1e-999'];

  it.each(bad)('parseNumberText refuses %j, naming the flag', (text) => {
    const message = refusal(() => parseNumberText(text, '--dt'));
    expect(message).toMatch(/^--dt: /);
    if (/^-?1e(999|400)$/.test(text)) expect(message).toMatch(/too large/);
    if (text === '1e-999') expect(message).toMatch(/too small/);
    if (text.trim() === '') expect(message).toMatch(/needs a number/);
    expect(message).not.toMatch(/null|got NaN/);
  });

  it('parseNumberText reads every plain decimal as Number does, and refuses anything else (property)', () => {
    const decimal = fc.tuple(fc.constantFrom('', '-', '+'), fc.nat({ max: 1e6 }), fc.option(fc.nat({ max: 99999 })), fc.option(fc.integer({ min: -300, max: 300 }))).map(([sign, whole, frac, exp]) => `${sign}${whole}${frac === null ? '' : `.${frac}`}${exp === null ? '' : `e${exp}`}`);
    fc.assert(fc.property(decimal, (text) => parseNumberText(text, '--x') === Number(text)));
    // Any text: either refused with the flag named, or a finite number equal to Number(text.trim()).
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), (text) => {
        try {
          const value = parseNumberText(text, '--x');
          return Number.isFinite(value) && value === Number(text.trim()) && /^[+-]?[\d.]/.test(text.trim());
        } catch (err) {
          return err instanceof InputError && err.field === '--x';
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('--set refuses a blank, hexadecimal, infinite or missing value, and a name set twice', () => {
    for (const pair of ['t_ref= ', 't_ref=', 'x=0x10', 'x=1e999', 'x=Infinity', 'x=-inf', 'x=NaN', 'x= 1 2']) {
      const message = refusal(() => setFlags(new Map([['set', [pair]]])));
      expect(message, pair).toMatch(/^--set \w+: /);
    }
    expect(refusal(() => setFlags(new Map([['set', ['=5']]])))).toMatch(/^--set: "=5" is not NAME=VALUE/);
    expect(refusal(() => setFlags(new Map([['set', ['tau_m=5', 'tau_m=6']]])))).toMatch(/^--set tau_m: is set more than once/);
  });

  it.each([
    [['--set', 't_ref= '], /^error: --set t_ref: needs a number, got only spaces$/],
    [['--set', 'x=0x10'], /^error: --set x: "0x10" is not a decimal number/],
    [['--set', 'x=1e999'], /^error: --set x: "1e999" is too large/],
    [['--set', 'x=Infinity'], /^error: --set x: "Infinity" is not a finite number$/],
    [['--set', 'x='], /^error: --set x: needs a number, got nothing$/],
    [['--set', 'tau_x=5'], /^error: --set tau_x: "tau_x" is not a parameter of lif \(its parameters: E_L, V_reset, V_th, tau_m, R, t_ref\)$/],
    [['--dt', '1e999'], /^error: --dt: "1e999" is too large/],
    [['--dt', '5'], /^error: --dt: 5 is outside the allowed range \[0\.0001, 1\] ms$/],
    [['--dt', '0x1'], /^error: --dt: "0x1" is not a decimal number/],
    [['--seed', '1.5'], /^error: --seed: must be a whole number/],
    [['--method', 'exact', '--dt', '0.5', '--noise-sigma', ' '], /^error: --noise-sigma: needs a number, got only spaces$/],
    [['--noise-sigma', '5', '--noise-tau', '5e-324'], /^error: --noise-tau: 5e-324 ms is shorter than the step --dt \(0\.1 ms\)/],
    [['--noise-sigma', '5', '--noise-tau', '0.01', '--dt', '0.05'], /^error: --noise-tau: 0\.01 ms is shorter than the step --dt \(0\.05 ms\)/],
    [['--method', 'x'.repeat(10_000)], /^error: --method: "x{40}" is not a method/],
  ])('fi %j', (extra, message) => {
    const line = expectOneLineError(sim([...FI, ...(extra as string[])]));
    expect(line).toMatch(message);
    expect(line).not.toMatch(/dtMs|durationMs|populations\[|stimuli\[|got null/);
  });

  it('fit and fi name the flag, not the field of the request they build', () => {
    expect(expectOneLineError(sim(['fit', '--model', 'hh', '--dt', '2']))).toMatch(/^error: --dt: 2 is outside/);
    expect(expectOneLineError(sim([...FI.slice(0, 9), '--duration', '2e7', '--discard', '0']))).toMatch(/^error: --duration: /);
    expect(expectOneLineError(sim([...FI, '--method', 'rk5']))).toMatch(/^error: --method: "rk5" is not a method/);
    expect(expectOneLineError(sim([...FI.slice(0, 6), '3e6', '--step', '1e6', '--duration', '100', '--discard', '0']))).toMatch(/^error: --to: 3000000 is outside the allowed range \[-1000000, 1000000\] nA$/);
  });
});

describe('repeated flags', () => {
  const single = ['model', 'from', 'to', 'step', 'duration', 'discard', 'dt', 'method', 'noise-sigma', 'noise-tau', 'seed', 'neurons', 'format'];
  it('every single-valued flag given twice is refused, naming it and both values (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...single), fc.string({ maxLength: 6 }), fc.string({ maxLength: 6 }), fc.boolean(), (name, a, b, equals) => {
        const args = equals ? [`--${name}=${a}`, `--${name}=${b}`] : [`--${name}`, `x${a}`, `--${name}`, `x${b}`];
        const message = refusal(() => parseArgs(args, single));
        return message.startsWith(`--${name}: is given more than once`);
      }),
    );
    expect(parseArgs(['--set', 'a=1', '--set', 'b=2'], ['set']).flags.get('set')).toEqual(['a=1', 'b=2']);
  });

  it('on the command line: --model twice, --dt twice, --format twice, --long twice', () => {
    expect(expectOneLineError(sim([...FI, '--model', 'hh']))).toBe('error: --model: is given more than once ("lif" and "hh"); give it once');
    expect(expectOneLineError(sim([...FI, '--dt', '0.1', '--dt=0.2']))).toMatch(/^error: --dt: is given more than once/);
    expect(expectOneLineError(sim(['run', 'single-lif', '--format', 'csv', '--format', 'json']))).toMatch(/^error: --format: is given more than once/);
    expect(expectOneLineError(sim(['run', 'single-lif', '--long', '--long']))).toMatch(/^error: --long: is given more than once/);
  });
});

/** Paths to every number in a scenario (for putting a bad one there). */
function numberPaths(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (typeof value === 'number') return [path];
  if (Array.isArray(value)) return value.flatMap((x, k) => numberPaths(x, [...path, k]));
  if (typeof value === 'object' && value !== null) return Object.entries(value).flatMap(([k, x]) => numberPaths(x, [...path, k]));
  return [];
}

function setAt(root: unknown, path: (string | number)[], value: unknown): void {
  let at = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string | number, unknown>;
  at[path[path.length - 1]] = value;
}

describe('numbers too large for JSON (1e999 reads as Infinity)', () => {
  it('describeValue never says null for them, nested or not', () => {
    expect(describeValue(Infinity)).toMatch(/too large/);
    expect(describeValue(-Infinity)).toMatch(/too large/);
    expect(describeValue({ uniform: [Infinity, 1] })).toBe('{"uniform":[Infinity,1]}');
  });

  it('any number field of any preset set to +-1e999 is refused as too large, naming the field (property)', () => {
    const scenarios = Object.keys(PRESETS).map((name) => ({ name, raw: preset(name) }));
    const cases = scenarios.flatMap(({ name, raw }) => numberPaths(raw).map((path) => ({ name, path })));
    fc.assert(
      fc.property(fc.constantFrom(...cases), fc.constantFrom(Infinity, -Infinity), ({ name, path }, value) => {
        const raw = preset(name);
        setAt(raw, path, value);
        const message = refusal(() => validateScenario(raw));
        // A field that only shows (view), or one whose infinity another check meets first, is still refused.
        return message !== 'accepted' && !/got null|got NaN|\bnull\b/.test(message) && /too large|Infinity/.test(message);
      }),
      { numRuns: 300 },
    );
  });

  it('through the CLI: a scenario file with 1e999 in a field', () => {
    const text = JSON.stringify({ format: 'spikebridge-scenario/1', durationMs: 100, dtMs: 0.1, populations: [{ name: 'n', model: 'lif', size: 1 }] });
    expect(expectOneLineError(sim(['run', file(text.replace('"durationMs":100', '"durationMs":1e999'))]))).toBe('error: durationMs: is too large: 1e999 and beyond read as Infinity; the allowed range is (0, 10000000] ms');
    expect(expectOneLineError(sim(['run', file(text.replace('"size":1', '"size":-1e999'))]))).toMatch(/^error: populations\[0\]\.size: is too large: -1e999/);
    expect(expectOneLineError(sim(['run', file(text.replace('"size":1}', '"size":1,"parameters":{"tau_m":1e999}}'))]))).toMatch(/^error: populations\[0\]\.parameters\.tau_m: .*too large/);
  });
});

describe('a UTF-8 byte-order mark', () => {
  it('is skipped at the start of a scenario file; UTF-16 is named; other bytes are not UTF-8', () => {
    const text = JSON.stringify({ format: 'spikebridge-scenario/1', durationMs: 100, dtMs: 0.1, populations: [{ name: 'n', model: 'lif', size: 1 }], stimuli: [{ type: 'constant', population: 'n', amplitude: 3 }] });
    const ok = sim(['run', file(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]))]);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).stats.spikeCount).toBe(7); // 3 nA: an interval of 2 + 10 ln 3 = 12.99 ms
    expect(expectOneLineError(sim(['run', file(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]))]))).toMatch(/is UTF-16 text .*save it as UTF-8$/);
    expect(expectOneLineError(sim(['run', file(Buffer.from([0x7b, 0xc3, 0x28, 0x7d]))]))).toMatch(/is not UTF-8 text/);
    // A BOM inside the text is not skipped: it is a character JSON does not allow there.
    expect(refusal(() => parseJson(`{"a":1}\ufeff`, 'f'))).toMatch(/^f: is not valid JSON/);
    expect(decodeUtf8(new Uint8Array([0xef, 0xbb, 0xbf, 0x31]), 'x')).toBe('1');
  });
});

/** Text of JSON nested `depth` levels, of arrays or objects or both. */
function nested(depth: number, kind: 'array' | 'object' | 'mixed'): string {
  let open = '';
  let close = '';
  for (let k = 0; k < depth; k++) {
    const array = kind === 'array' || (kind === 'mixed' && k % 2 === 0);
    open += array ? '[' : '{"k":';
    close = (array ? ']' : '}') + close;
  }
  return `${open}1${close}`;
}

describe('deeply nested JSON', () => {
  const base = () => ({ format: 'spikebridge-scenario/1', durationMs: 100, dtMs: 0.1, populations: [{ name: 'n', model: 'lif', size: 1, parameters: {} }], stimuli: [{ type: 'constant', population: 'n', amplitude: 3 }], record: { spikes: true } });
  const slots = ['name', 'description', 'durationMs', 'populations', 'populations[0].model', 'populations[0].parameters', 'populations[0].parameters.tau_m', 'populations[0].initial', 'stimuli', 'stimuli[0].amplitude', 'record', 'record.rateWindowMs', 'record.traces', 'view', 'extra', 'projections'];
  /** The scenario text with a nested value at a slot. */
  const withNesting = (slot: string, value: string): string => {
    const raw = base() as Record<string, unknown>;
    const path = slot.split(/\.|\[(\d+)\]/).filter((x) => x !== undefined && x !== '').map((x) => (/^\d+$/.test(x) ? Number(x) : x));
    setAt(raw, path, '@@');
    return JSON.stringify(raw).replace('"@@"', value);
  };

  it('in any field, at any depth past the limit, is refused with the path and the limit, never a stack overflow (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...slots), fc.integer({ min: JSON_LIMITS.maxDepth, max: 20_000 }), fc.constantFrom('array', 'object', 'mixed') as fc.Arbitrary<'array' | 'object' | 'mixed'>, (slot, depth, kind) => {
        const text = withNesting(slot, nested(depth, kind));
        let message = '';
        try {
          validateScenario(parseJson(text, 'f.json'));
        } catch (err) {
          if (!(err instanceof InputError)) return false;
          message = err.message;
        }
        return new RegExp(`is nested more than ${JSON_LIMITS.maxDepth} levels deep`).test(message) && message.startsWith(slot.split(/[.[]/)[0]);
      }),
      { numRuns: 60 },
    );
  });

  it('validateScenario guards nesting itself (data from the page never passed the parser), and describeValue prints it', () => {
    let deep: unknown = 1;
    for (let k = 0; k < 100_000; k++) deep = [deep];
    const raw = { ...base(), description: deep };
    expect(refusal(() => validateScenario(raw))).toMatch(/^description\[0\]\[0\].*: is nested more than 32 levels deep/);
    expect(describeValue(deep)).toMatch(/^\[\[\[\[.*\.\.\.$/);
    expect(() => checkDepth(deep)).toThrow(InputError);
  });

  it('what a scenario needs still passes: an inline model and a list of pairs', () => {
    const raw = { ...base(), populations: [{ name: 'n', model: lifModel, size: 3 }], projections: [{ source: 'n', target: 'n', connect: { rule: 'list', pairs: [[0, 1], [1, 2]] }, on: 'v', weight: 1 }] };
    expect(() => validateScenario(parseJson(JSON.stringify(raw), 'f'))).not.toThrow();
  });

  it('through the CLI (run and export) and a share link', async () => {
    for (const [slot, depth] of [['name', 100_000], ['populations[0].parameters.tau_m', 50_000], ['populations[0].model', 5_000], ['record.rateWindowMs', 40]] as const) {
      const path = file(withNesting(slot, nested(depth, 'mixed')));
      expect(expectOneLineError(sim(['run', path]))).toMatch(/is nested more than 32 levels deep/);
    }
    expect(expectOneLineError(sim(['export', 'brian2', file(withNesting('description', nested(100_000, 'array')))]))).toMatch(/^error: description\[0\].*is nested more than 32 levels deep/);
    const bytes = new Uint8Array(await new Response(new Blob([withNesting('populations[0].model', nested(3000, 'object'))]).stream().pipeThrough(new CompressionStream('deflate-raw'))).arrayBuffer());
    const hash = `#s=${Buffer.from(bytes).toString('base64url')}`;
    const shared = await scenarioFromHash(hash);
    expect(shared.ok).toBe(false);
    if (!shared.ok) expect(shared.message).toMatch(/^link\.populations\[0\]\.model\.k\.k.*: is nested more than 32 levels deep/);
  }, 120_000);
});

describe('size caps', () => {
  it('a scenario file over 20 MB is refused by its size, before it is read', () => {
    const path = join(dir, 'huge.json');
    const fd = openSync(path, 'w');
    ftruncateSync(fd, JSON_LIMITS.scenarioBytes + 1); // sparse: no 20 MB written, none read
    closeSync(fd);
    expect(expectOneLineError(sim(['run', path]))).toMatch(/^error: .*huge\.json: is 21\.0 MB; at most 20 MB are read/);
    expect(expectOneLineError(sim(['export', 'pynn', path]))).toMatch(/is 21\.0 MB; at most 20 MB/);
  });

  it('standard input and devices are read block by block and refused once past the cap', () => {
    const big = Buffer.alloc(JSON_LIMITS.scenarioBytes + 10, 0x20);
    expect(expectOneLineError(sim(['run', '-'], { input: big }))).toBe('error: standard input: is more than 20 MB: a scenario file must be smaller (record fewer neurons, or use a rule instead of a list of pairs)');
    expect(expectOneLineError(sim(['run', '/dev/zero']))).toMatch(/^error: \/dev\/zero: is more than 20 MB/);
    const ok = sim(['run', '-'], { input: JSON.stringify({ format: 'spikebridge-scenario/1', durationMs: 10, dtMs: 0.1, populations: [{ name: 'n', model: 'lif', size: 1 }] }) });
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).scenario).toBe('-');
  });

  it('a folder is not a scenario file', () => {
    expect(expectOneLineError(sim(['run', dir]))).toMatch(/is a folder, not a scenario file$/);
  });
});

describe('rateWindowMs beyond the run', () => {
  it.each([
    [[0, 200], 100, /^record\.rateWindowMs: \[0, 200\] ms ends after the run, which lasts durationMs = 100 ms; the window must lie within \[0, 100\] ms$/],
    [[150, 300], 100, /^record\.rateWindowMs: \[150, 300\] ms ends after the run/],
    [[0, 100.0001], 100, /ends after the run/],
    [[0, Infinity], 100, /^record\.rateWindowMs\[1\]: is too large/],
  ])('%j in a run of %d ms is refused', (window, durationMs, message) => {
    const raw = { format: 'spikebridge-scenario/1', durationMs, dtMs: 0.1, populations: [{ name: 'n', model: 'lif', size: 1 }], record: { rateWindowMs: window } };
    expect(refusal(() => validateScenario(raw))).toMatch(message);
  });

  it('a window that ends with the run is accepted; through the CLI the refusal names the field, value and duration', () => {
    const raw = { format: 'spikebridge-scenario/1', durationMs: 100, dtMs: 0.1, populations: [{ name: 'n', model: 'lif', size: 1 }], record: { rateWindowMs: [20, 100] } };
    expect(() => validateScenario(raw)).not.toThrow();
    raw.record.rateWindowMs = [0, 1000];
    expect(expectOneLineError(sim(['run', file(JSON.stringify(raw))]))).toBe('error: record.rateWindowMs: [0, 1000] ms ends after the run, which lasts durationMs = 100 ms; the window must lie within [0, 100] ms');
  });
});

describe('constraint messages', () => {
  it.each(['', ' ', '\n\t'])('a model whose constraint message is %j is refused as it loads, so no empty reason is ever printed', (message) => {
    const model = structuredClone(lifModel) as { constraints: { check: string; message: string }[] };
    model.constraints[0].message = message;
    const raw = { format: 'spikebridge-scenario/1', durationMs: 10, dtMs: 0.1, populations: [{ name: 'n', model, size: 1, parameters: { V_reset: -40 } }] };
    expect(refusal(() => validateScenario(raw))).toMatch(/^populations\[0\]\.model\.constraints\[0\]\.message: is empty; say what "V_reset < V_th" means/);
  });
});

describe('runs too long to start without --long', () => {
  it('2 million LIF neurons for 1e7 ms: the estimate, and --long named, exit 2, before anything is built', () => {
    const raw = { format: 'spikebridge-scenario/1', durationMs: 1e7, dtMs: 0.1, populations: [{ name: 'n', model: 'lif', size: 2_000_000 }] };
    const line = expectOneLineError(sim(['run', file(JSON.stringify(raw))]));
    expect(line).toMatch(/is estimated at about [\d.]+ (hours|days) of computation \(2,000,000 neurons x 1\.00e8 steps\), more than 10 minutes; add --long to run it anyway/);
  });

  it('the same for an HH network and for fi and fit sweeps', () => {
    const raw = { format: 'spikebridge-scenario/1', durationMs: 1e6, dtMs: 0.01, populations: [{ name: 'n', model: 'hh', size: 10_000 }] };
    expect(expectOneLineError(sim(['run', file(JSON.stringify(raw))]))).toMatch(/add --long/);
    expect(expectOneLineError(sim(['fi', '--model', 'hh', '--from', '0', '--to', '100', '--step', '0.01', '--duration', '1e6', '--discard', '0', '--dt', '0.01']))).toMatch(/^error: fi: is estimated at .* add --long/);
    expect(expectOneLineError(sim(['fit', '--model', 'lif', '--duration', '1e6', '--dt', '0.01', '--neurons', '100', '--noise-sigma', '5']))).toMatch(/^error: fit: is estimated at .* add --long/);
  });
});
