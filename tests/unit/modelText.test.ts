// The equation editor's checks: the same loader and code generator as the shipped models, the
// message naming the field and the line, and hostile text refused before anything could run it.
import { describe, expect, it } from 'vitest';
import { checkModelText, formatModelFile, modelFileOf, scenarioWithModel } from '../../src/ui/modelText';
import { BUILTIN_MODEL_IDS, builtinModel } from '../../src/core/model/builtinModels';
import { preset } from '../../src/scenario/presets';
import { buildSimulation } from '../../src/scenario/scenario';
import lif from '../../models/lif.json';

const text = (edit: (m: typeof lif) => void = () => {}) => {
  const m = structuredClone(lif);
  edit(m);
  return JSON.stringify(m, null, 1);
};

describe('checkModelText', () => {
  it('accepts a shipped model', () => {
    const result = checkModelText(text());
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.method).toBe('exact');
  });

  it('names an undeclared symbol in an equation, and its line', () => {
    const source = text((m) => (m.equations = ['dv/dt = (-(v - E_L) + R*I) / tau_x']));
    const result = checkModelText(source);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.field).toMatch(/^model: equations\[0\]/);
    expect(result.message).toMatch(/tau_x/);
    expect(result.line).toBe(source.split('\n').findIndex((l) => l.includes('tau_x')) + 1);
  });

  it('refuses code in an equation by name, before anything runs', () => {
    (globalThis as { canary?: number }).canary = undefined;
    for (const hostile of ['dv/dt = constructor.constructor("globalThis.canary = 1")()', 'dv/dt = evaluate("1")', 'dv/dt = f(x) = 1', 'dv/dt = v.toString']) {
      const result = checkModelText(text((m) => (m.equations = [hostile])));
      expect(result.ok, hostile).toBe(false);
    }
    expect((globalThis as { canary?: number }).canary).toBeUndefined();
  });

  it('says where broken JSON breaks', () => {
    const source = text().replace('"tau_m": {', '"tau_m" {');
    const result = checkModelText(source);
    expect(result).toMatchObject({ ok: false, field: 'model' });
    if (!result.ok) {
      expect(result.message).toMatch(/not valid JSON/);
      expect(result.line).toBe(source.split('\n').findIndex((l) => l.includes('"tau_m" {')) + 1);
    }
  });

  it('refuses a method that cannot integrate the edited equations', () => {
    const result = checkModelText(text((m) => (m.equations = ['dv/dt = (-(v - E_L) + R*I) / tau_m + 0.01 * (v - E_L)^2'])));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(/exact/);
  });

  it('a parameter out of its own range names the parameter', () => {
    const result = checkModelText(text((m) => (m.parameters.tau_m.value = 1000)));
    expect(result).toMatchObject({ ok: false, field: 'model: parameters.tau_m.value' });
  });
});

describe('scenarioWithModel', () => {
  it('puts the edited model inline; it runs and shows the change', () => {
    const base = preset('single-lif') as { populations: { parameters?: Record<string, number> }[] };
    base.populations[0].parameters = { R: 20, tau_m: 10 };
    const check = checkModelText(text((m) => {
      m.parameters.tau_m.value = 20;
      m.id = 'lif_slow';
    }));
    expect(check.ok).toBe(true);
    if (!check.ok) return;
    const built = scenarioWithModel(base, 'neuron', check.model);
    expect(built.ok).toBe(true);
    if (!built.ok) return;
    expect(typeof built.scenario.populations[0].model).toBe('object');
    expect(built.scenario.populations[0].parameters).toEqual({ R: 20, tau_m: 10 }); // the student's values stay
    const sim = buildSimulation(built.scenario);
    sim.advance();
    expect(sim.drain().spikes.timeMs.length).toBeGreaterThan(0);
  });

  it('drops values the new model has no room for', () => {
    const base = preset('single-lif') as { populations: { parameters?: Record<string, number> }[] };
    base.populations[0].parameters = { t_ref: 50 };
    const check = checkModelText(text((m) => (m.parameters.t_ref.max = 10)));
    if (!check.ok) throw new Error(check.message);
    const built = scenarioWithModel(base, 'neuron', check.model);
    expect(built.ok && built.scenario.populations[0].parameters).toEqual({});
  });

  it('a model the scenario cannot use (its traced variable renamed) is refused with the field', () => {
    const check = checkModelText(text((m) => {
      m.equations = ['dU/dt = (-(U - E_L) + R*I) / tau_m'];
      m.state = { U: m.state.v } as never;
      m.threshold.variable = 'U';
      m.reset = { U: 'V_reset' } as never;
      m.refractory.clamp = ['U'];
      m.bounds = { U: [-1000, 1000] } as never;
      (m as { membrane?: unknown }).membrane = { variable: 'U' };
    }));
    if (!check.ok) throw new Error(check.message);
    const built = scenarioWithModel(preset('single-lif'), 'neuron', check.model);
    expect(built).toMatchObject({ ok: false, field: 'record.traces[0].variable' });
  });

  it('shows every shipped model as text that reads back as the same file, equations first', () => {
    for (const id of BUILTIN_MODEL_IDS) {
      const file = builtinModel(id).file;
      const shown = formatModelFile(file);
      expect(JSON.parse(shown)).toEqual(file);
      expect(shown.indexOf('"equations"')).toBeLessThan(shown.indexOf('"parameters"'));
      expect(checkModelText(shown).ok).toBe(true);
    }
  });

  it('reads the model a population runs', () => {
    expect(modelFileOf(preset('single-hh'), 'neuron')?.id).toBe('hh');
    expect(modelFileOf(preset('single-hh'), 'ghost')).toBeNull();
  });
});
