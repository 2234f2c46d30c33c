// The bench worker's adapter, called in one process: a clamp family comes back whole, a plane with
// its fixed points and the rest's bifurcation for FitzHugh-Nagumo and HH's reduced plane, the full
// state at a point of a reduced plane, and bad requests as a field and message, never a throw.
import { describe, expect, it } from 'vitest';
import { createBenchApi } from '../../workers/benchApi';

const api = createBenchApi();

describe('bench worker adapter', () => {
  it('runs a clamp family with the blockers given: under TTX the sodium current is 0 at every level', () => {
    const request = { model: 'hh', holdingMV: -65, fromMV: -40, toMV: 20, stepMV: 30, durationMs: 5, parameters: {} };
    const open = api.clampFamily(request);
    const blocked = api.clampFamily({ ...request, blockers: { TTX: 1 } });
    if (!open.ok || !blocked.ok) throw new Error('refused');
    const na = open.value.currents.findIndex((c) => c.name === 'I_Na');
    expect(open.value.steps.map((s) => s.levelMV)).toEqual([-40, -10, 20]);
    expect(open.value.steps[1].peak[na]).toBeLessThan(-100); // inward at -10 mV
    expect(blocked.value.steps.every((s) => s.peak[na] === 0 && s.end[na] === 0)).toBe(true);
  });

  it('refuses a family with a field and message', () => {
    const result = api.clampFamily({ model: 'hh', holdingMV: -65, fromMV: 20, toMV: -20, stepMV: 5, durationMs: 5 });
    expect(result).toMatchObject({ ok: false, error: { field: 'toMV' } });
  });

  it('gives FitzHugh-Nagumo a stable rest below 0.33 and its Hopf point', () => {
    const request = { model: 'fitzhugh_nagumo', parameters: {}, input: 0, blockers: {}, ions: {} }; // empty sets, as the page sends for a model without ions
    const plane = api.plane(request);
    if (!plane.ok) throw new Error(plane.error.message);
    expect(plane.value.fixedPoints).toHaveLength(1);
    expect(plane.value.fixedPoints[0]).toMatchObject({ stable: true });
    expect(plane.value.nullclines.x.length).toBeGreaterThan(0);
    expect(plane.value.field.dx.length).toBe(plane.value.field.xs.length * plane.value.field.ys.length);
    const onset = api.bifurcation(request);
    if (!onset.ok || !onset.value) throw new Error('no bifurcation');
    expect(onset.value.kind).toBe('hopf');
    expect(onset.value.input).toBeCloseTo(0.331, 2);
  });

  it("states HH's reduction and fills in m and h at a point of its V-n plane", () => {
    const request = { model: 'hh', parameters: {}, input: 0 };
    const plane = api.plane(request);
    if (!plane.ok) throw new Error(plane.error.message);
    expect(plane.value.reduction).toMatch(/Rinzel/);
    const state = api.stateAt(request, -60, 0.4);
    if (!state.ok) throw new Error(state.error.message);
    expect(state.value.v).toBe(-60);
    expect(state.value.n).toBe(0.4);
    expect(state.value.h).toBeCloseTo(0.89 - 1.1 * 0.4, 12);
    expect(state.value.m).toBeGreaterThan(0);
  });

  it('refuses a plane for a model with neither two variables nor a reduction', () => {
    expect(api.plane({ model: 'traub_miles', parameters: {}, input: 0 })).toMatchObject({ ok: false, error: { field: 'model' } });
  });
});
