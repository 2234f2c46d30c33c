// Inputs of classes that gave exit 0 with a wrong answer or blamed the wrong thing: values a model
// file derives from its parameters (threshold level, initial state, reset, the noise mapping) that
// are not finite, a uniform initial draw reaching past a variable's bounds, clamp levels said as a
// flag the user did not type, and model files read with a scenario file's words.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectOneLineError, sim } from './cliHarness';
import { refusal } from './refusal';
import { validateScenario } from '../../src/scenario/scenario';
import lifModel from '../../models/lif.json';
import singleLif from '../../models/scenarios/single-lif.json';

const dir = mkdtempSync(join(tmpdir(), 'sb-derived-'));
let files = 0;
function file(content: unknown): string {
  const path = join(dir, `m${files++}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}
const lif = (change: (m: any) => void) => {
  const m = structuredClone(lifModel) as any;
  change(m);
  return m;
};
const withModel = (model: unknown) => ({ ...structuredClone(singleLif), populations: [{ name: 'neuron', model, size: 1 }] });


describe('values a model derives from its parameters are finite before anything runs', () => {
  const cases: [string, (m: any) => void, RegExp][] = [
    ['threshold 0/0', (m) => (m.threshold.level = '0/0'), /^populations\[0\]\.model: threshold\.level: "0\/0" of model lif is NaN/],
    ['threshold log(-1)', (m) => (m.threshold.level = 'log(-1)'), /threshold\.level: .* is NaN/],
    ['threshold exp(1000)', (m) => (m.threshold.level = 'exp(1000)'), /threshold\.level: .* is Infinity/],
    ['initial 0/0', (m) => (m.state.v.initial = '0/0'), /^populations\[0\]\.model: state\.v\.initial: .* is NaN/],
    ['initial -exp(800)', (m) => (m.state.v.initial = '-exp(800)'), /state\.v\.initial: .* is -Infinity/],
    ['reset 0/0', (m) => (m.reset.v = '0/0'), /^populations\[0\]\.model: reset\.v: .* is NaN/],
    ['reset sqrt(-1)', (m) => (m.reset.v = 'sqrt(-1)'), /reset\.v: .* is NaN/],
    ['noise tau -1', (m) => (m.noise.tau = '-1'), /noise\.tau: .* is -1; it must be a finite number above 0/],
    ['noise resistance 0', (m) => (m.noise.resistance = '0'), /noise\.resistance: .* is 0/],
    ['noise resistance 0/0', (m) => (m.noise.resistance = '0/0'), /noise\.resistance: .* is NaN/],
  ];
  it.each(cases)('a scenario whose model has %s is refused, naming the model file place', (_, change, message) => {
    expect(refusal(() => validateScenario(withModel(lif(change))))).toMatch(message);
  });

  it('the shipped models and their parameters pass', () => {
    expect(refusal(() => validateScenario(withModel(lif(() => {}))))).toBe('accepted');
  });

  it('fi: a model file with a threshold of NaN is refused as --model (it swept 0 Hz with exit 0)', () => {
    const line = expectOneLineError(sim(['fi', '--model', file(lif((m) => (m.threshold.level = 'log(-1)')))]));
    expect(line).toMatch(/^error: --model: threshold\.level: "log\(-1\)" of model lif is NaN/);
  });

  it('fi: a noise mapping of -1 names the model, not --noise-sigma', () => {
    const line = expectOneLineError(sim(['fi', '--model', file(lif((m) => (m.noise.tau = '-1'))), '--noise-sigma', '1']));
    expect(line).toMatch(/^error: --model: noise\.tau: /);
    expect(line).not.toMatch(/--noise-sigma: /);
  });

  it('fi: a --set that makes a derived value infinite names that --set', () => {
    const model = file(lif((m) => (m.threshold.level = 'V_th + log(t_ref)')));
    expect(sim(['fi', '--model', model, '--duration', '50', '--discard', '0']).code).toBe(0);
    const line = expectOneLineError(sim(['fi', '--model', model, '--set', 't_ref=0']));
    expect(line).toMatch(/^error: --set t_ref: "V_th \+ log\(t_ref\)" of model lif is -Infinity with V_th = -50, t_ref = 0/);
  });
});

describe('a uniform initial draw reaching past the bounds', () => {
  const scenario = (initial: unknown, model = 'lif') => ({ ...structuredClone(singleLif), populations: [{ name: 'neuron', model, size: 1, initial }], stimuli: [], record: { spikes: true } });
  it.each([
    [{ v: { uniform: [-70, 5000] } }, 'lif', /populations\[0\]\.initial\.v: uniform \[-70, 5000\] reaches outside v's range \[-1000, 1000\]/],
    [{ v: { uniform: [-2000, -60] } }, 'lif', /initial\.v: uniform \[-2000, -60\]/],
    [{ h: { uniform: [0, 1.5] } }, 'hh', /initial\.h: uniform \[0, 1\.5\] reaches outside h's range/],
  ])('%j (%s) is refused whatever a seed would draw', (initial, model, message) => {
    expect(refusal(() => validateScenario({ ...scenario(initial, model), dtMs: 0.01 }))).toMatch(message);
  });
  it('a draw within the bounds is accepted', () => {
    expect(refusal(() => validateScenario({ ...scenario({ h: { uniform: [0, 1] } }, 'hh'), dtMs: 0.01 }))).toBe('accepted');
  });
});

describe('clamp levels and steps in the flags typed', () => {
  const clamp = (...extra: string[]) => sim(['clamp', '--model', 'hh', '--hold', '-65', '--step', '10', '--duration', '10', ...extra]);
  it('--to beyond the range names --to and its value, not a level the user never wrote', () => {
    const line = expectOneLineError(clamp('--from', '-80', '--to', '5000'));
    expect(line).toMatch(/^error: --to: 5000 takes the levels to 310, outside the allowed range \[-300, 300\] mV$/);
  });
  it('--from beyond the range names --from', () => {
    expect(expectOneLineError(clamp('--from', '-5000', '--to', '0'))).toMatch(/^error: --from: -5000 is outside the allowed range \[-300, 300\] mV$/);
  });
  it.each(['0', '-0', '-0.01'])('--dt %s is refused as --dt (it read as Infinity samples of --duration)', (dt) => {
    expect(expectOneLineError(clamp('--from', '-80', '--to', '0', '--dt', dt))).toMatch(/^error: --dt: -?0(\.01)? ms must be above 0 ms$/);
  });
});

describe('a model file is read with a model file’s words', () => {
  it('a missing model file lists model ids, not scenario presets', () => {
    const line = expectOneLineError(sim(['fi', '--model', join(dir, 'missing.json')]));
    expect(line).toMatch(/cannot read the model file \(ENOENT\); model ids are adex, /);
    expect(line).not.toMatch(/presets|scenario/);
  });
  it('a folder given as a model file', () => {
    const folder = join(dir, 'folder.json');
    mkdirSync(folder);
    expect(expectOneLineError(sim(['phase', '--model', folder]))).toMatch(/is a folder, not a model file$/);
  });
  it('an empty scenario path is named', () => {
    expect(expectOneLineError(sim(['run', '']))).toMatch(/^error: "" \(an empty path\): cannot read the scenario file \(ENOENT\)/);
  });
});

describe('a blank constraint message in a model file given to --model', () => {
  it.each(['', '   '])('%j is refused as the model loads (it printed "--set:  (V_reset < V_th fails ...)")', (message) => {
    const model = file(lif((m) => (m.constraints[0].message = message)));
    for (const args of [['fi', '--model', model, '--set', 'V_reset=-40'], ['phase', '--model', model]]) {
      const line = expectOneLineError(sim(args));
      expect(line).toMatch(/^error: --model: (.*constraints\[0\]\.message: )?is empty; say what "V_reset < V_th" means/);
      expect(line).not.toMatch(/:\s{2,}\(/);
    }
  });
});
