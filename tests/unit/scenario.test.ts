// Invalid scenarios are refused with the field, its value and what is allowed.
import { describe, expect, it } from 'vitest';
import { validateScenario } from '../../src/scenario/scenario';
import { PRESETS, preset } from '../../src/scenario/presets';

function base(): Record<string, any> {
  return preset('single-lif') as Record<string, any>;
}

function refused(patch: (s: Record<string, any>) => void): RegExp | string {
  const s = base();
  patch(s);
  try {
    validateScenario(s);
  } catch (err) {
    return (err as Error).message;
  }
  return 'accepted';
}

describe('scenario validation', () => {
  it('accepts every shipped preset', () => {
    for (const name of Object.keys(PRESETS)) expect(() => validateScenario(preset(name))).not.toThrow();
  });

  it.each([
    [(s: any) => (s.dtMs = 0), /^dtMs: 0 is outside the allowed range \[0\.0001, 1\] ms$/],
    [(s: any) => (s.dtMs = '0.1'), /^dtMs: must be a number in \[0\.0001, 1\] ms, got "0\.1"$/],
    [(s: any) => (s.durationMs = -5), /^durationMs: -5 is outside the allowed range \(0, 10000000\] ms$/],
    [(s: any) => (s.durationMs = 1e7) && (s.dtMs = 0.0001), /^durationMs: .* steps; at most/],
    [(s: any) => (s.seed = 1.5), /^seed: must be a whole number/],
    [(s: any) => (s.format = 'v0'), /^format: is "v0"; this version reads "spikebridge-scenario\/1"$/],
    [(s: any) => (s.populations[0].model = 'izh'), /^populations\[0\]\.model: "izh" is not a known model; choose one of (\w+, )*hh, (\w+, )*lif\b/],
    [(s: any) => (s.populations[0].size = 0), /^populations\[0\]\.size: 0 is outside the allowed range \[1, 2000000\] neurons$/],
    [(s: any) => (s.populations[0].parameters = { tau_m: 0 }), /^populations\[0\]\.parameters\.tau_m: 0 ms is outside the allowed range \[0\.5, 500\] ms$/],
    [(s: any) => (s.populations[0].parameters = { taum: 10 }), /^populations\[0\]\.parameters\.taum: "taum" is not a parameter of lif/],
    [(s: any) => (s.populations[0].parameters = { V_reset: -45 }), /V_reset must be below V_th/],
    [(s: any) => (s.populations[0].method = 'rk5'), /^populations\[0\]\.method: "rk5" is not a method; choose one of exact, staggered, exponential_euler, rk4, euler$/],
    [(s: any) => (s.populations[0].model = 'hh') && (s.populations[0].method = 'exact') && (s.stimuli = []) && (s.record = {}), /^populations\[0\]\.method: "exact" cannot integrate hh: /],
    [(s: any) => (s.stimuli[0].type = 'zap'), /^stimuli\[0\]\.type: "zap" is not a stimulus type; choose one of constant, step/],
    [(s: any) => (s.stimuli[0].population = 'x'), /^stimuli\[0\]\.population: "x" is not a population of this scenario \(populations: neuron\)$/],
    [(s: any) => (s.stimuli[0].stopMs = 10), /^stimuli\[0\]\.stopMs: 10 ms must be after startMs \(50 ms\)$/],
    [(s: any) => (s.stimuli[0].amplitude = [1, 2]), /^stimuli\[0\]\.amplitude: has 2 values but the stimulus targets 1 neurons/],
    [(s: any) => (s.stimuli[0].targets = [3]), /^stimuli\[0\]\.targets\[0\]: 3 is not a neuron index in \[0, 0\]$/],
    [(s: any) => (s.stimuli[0].extra = 1), /^stimuli\[0\]\.extra: is not a known field/],
    [(s: any) => (s.record.traces[0].variable = 'm'), /^record\.traces\[0\]\.variable: "m" is not a state variable of lif \(its state: v\)$/],
    [(s: any) => (s.record.rateWindowMs = [5, 1]), /^record\.rateWindowMs: must be \[startMs, stopMs\]/],
    [(s: any) => (s.record.traceEveryMs = 0.01), /^record\.traceEveryMs: 0\.01 is outside the allowed range \[0\.1, 10000000\] ms$/],
    [(s: any) => (s.populations[0].initial = { w: 1 }), /^populations\[0\]\.initial\.w: "w" is not a state variable of lif/],
    [(s: any) => (s.populations[0].model = { format: 'spikebridge-model/1', id: 'bad' }), /^populations\[0\]\.model\.name: expected a string, got no value \(the field is missing\)$/],
    [(s: any) => (s.record.rateWindowMs = [0, s.durationMs + 1]), /^record\.rateWindowMs: \[0, \d+\] ms ends after the run, which lasts durationMs = \d+ ms/],
    [(s: any) => (s.dtMs = Infinity), /^dtMs: is too large: 1e999 and beyond read as Infinity; the allowed range is \[0\.0001, 1\] ms$/],
    [(s: any) => (s.populations[0].initial = { v: { uniform: [-70, Infinity] } }), /^populations\[0\]\.initial\.v\.uniform\[1\]: is too large/],
    [(s: any) => (s.stimuli = [{ type: 'ouNoise', population: 'neuron', sigma: 1, tauMs: 0.01 }]), /^stimuli\[0\]\.tauMs: 0\.01 ms is shorter than dtMs \(0\.1 ms\), which cannot resolve it/],
    [(s: any) => (s.description = [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]), /^description\[0\]\[0\].*: is nested more than 32 levels deep/],
  ])('refuses case %#', (patch, expected) => {
    expect(refused(patch)).toMatch(expected);
  });

  it('does not change the scenario it was given', () => {
    const s = base();
    const copy = structuredClone(s);
    validateScenario(s);
    expect(s).toEqual(copy);
  });
});
