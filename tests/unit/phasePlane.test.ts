// The phase plane (core/analysis/phasePlane.ts) against a numerical continuation written here from
// the typed-out equations of FitzHugh-Nagumo and Morris-Lecar (fixed points on the w-nullcline by a
// fine scan and bisection, Jacobian eigenvalues by differences); the onset of firing on the plane
// against the bridge's f-I sweep; HH's reduced V-n plane against the full model's onset; nullclines
// and the vector field; the phase CLI.
import { describe, expect, it } from 'vitest';
import { validateScenario } from '../../src/scenario/scenario';
import { classify, contourZero, firingOnset, fixedPoints, nullclines, phasePlane, projectTrajectory, restBifurcation, vectorField } from '../../src/core/analysis/phasePlane';
import { fiSweep } from '../../src/bridge/fiSweep';
import { phaseOutput } from '../../src/cli/phase';
import ml from '../../models/morris_lecar.json';

function load(model: string, regime?: string, parameters?: Record<string, number>) {
  return validateScenario({ format: 'spikebridge-scenario/1', durationMs: 1, dtMs: 0.01, populations: [{ name: 'a', model, size: 1, ...(regime ? { regime } : {}), ...(parameters ? { parameters } : {}) }] }).populations[0];
}

type Field = (v: number, w: number, I: number) => [number, number];

/** FitzHugh-Nagumo typed out: dv/dt = v - v^3/3 - w + I, dw/dt = (v + a - b w) / tau. */
const fhn: Field = (v, w, I) => [v - (v * v * v) / 3 - w + I, (v + 0.7 - 0.8 * w) / 12.5];
const fhnW = (v: number) => (v + 0.7) / 0.8;

/** Morris-Lecar typed out (Rinzel and Ermentrout 1998), with a regime's g_Ca, V3, V4, phi. */
function morrisLecar(regime: 'typeI' | 'typeII'): { field: Field; wNull: (v: number) => number } {
  const p = { ...Object.fromEntries(Object.entries(ml.parameters).map(([k, v]) => [k, v.value])), ...ml.regimes[regime].parameters } as Record<string, number>;
  const mInf = (v: number) => 0.5 * (1 + Math.tanh((v - p.V1) / p.V2));
  const wInf = (v: number) => 0.5 * (1 + Math.tanh((v - p.V3) / p.V4));
  const tauW = (v: number) => 1 / Math.cosh((v - p.V3) / (2 * p.V4));
  return {
    field: (v, w, I) => [(I - p.g_L * (v - p.E_L) - p.g_Ca * mInf(v) * (v - p.E_Ca) - p.g_K * w * (v - p.E_K)) / p.C, (p.phi * (wInf(v) - w)) / tauW(v)],
    wNull: wInf,
  };
}

/** The test's own continuation: roots of dv/dt along the w-nullcline, then the eigenvalues' real parts and whether they are complex. */
function referencePoints(field: Field, wNull: (v: number) => number, I: number, from: number, to: number) {
  const G = (v: number) => field(v, wNull(v), I)[0];
  const out: { v: number; w: number; trace: number; det: number }[] = [];
  const n = 200000;
  let last = G(from);
  for (let k = 1; k <= n; k++) {
    const v = from + ((to - from) * k) / n;
    const g = G(v);
    if (last > 0 !== g > 0) {
      let [a, b] = [from + ((to - from) * (k - 1)) / n, v];
      for (let j = 0; j < 80; j++) {
        const m = (a + b) / 2;
        if (G(m) > 0 === G(a) > 0) a = m;
        else b = m;
      }
      const vs = (a + b) / 2;
      const ws = wNull(vs);
      const h = 1e-5;
      const [fa, ga] = field(vs + h, ws, I);
      const [fb, gb] = field(vs - h, ws, I);
      const [fc, gc] = field(vs, ws + h, I);
      const [fd, gd] = field(vs, ws - h, I);
      const J = [(fa - fb) / (2 * h), (fc - fd) / (2 * h), (ga - gb) / (2 * h), (gc - gd) / (2 * h)];
      out.push({ v: vs, w: ws, trace: J[0] + J[3], det: J[0] * J[3] - J[1] * J[2] });
    }
    last = g;
  }
  return out;
}

function typeOf(trace: number, det: number): string {
  if (det < 0) return 'saddle';
  const node = trace * trace - 4 * det >= 0;
  return `${trace < 0 ? 'stable' : 'unstable'} ${node ? 'node' : 'focus'}`;
}

describe('fixed points and their stability', () => {
  it('FitzHugh-Nagumo at inputs below, at and above its Hopf point', () => {
    const p = load('fitzhugh_nagumo');
    for (const I of [0, 0.2, 0.3, 0.34, 0.5, 1, 1.5]) {
      const found = fixedPoints(phasePlane(p.model, p.parameters, I), p.model);
      const want = referencePoints(fhn, fhnW, I, -5, 5);
      expect(found.map((f) => f.x)).toHaveLength(want.length);
      found.forEach((f, k) => {
        expect(f.x).toBeCloseTo(want[k].v, 8);
        expect(f.y).toBeCloseTo(want[k].w, 8);
        expect(f.trace).toBeCloseTo(want[k].trace, 5);
        expect(f.determinant).toBeCloseTo(want[k].det, 5);
        expect(f.type).toBe(typeOf(want[k].trace, want[k].det));
      });
    }
  });

  it('Morris-Lecar, type I (three fixed points below its saddle-node) and type II', () => {
    for (const [regime, inputs] of [['typeI', [0, 20, 39, 41, 80]], ['typeII', [0, 50, 90, 93, 95, 150]]] as const) {
      const p = load('morris_lecar', regime);
      const { field, wNull } = morrisLecar(regime);
      for (const I of inputs) {
        const found = fixedPoints(phasePlane(p.model, p.parameters, I), p.model);
        const want = referencePoints(field, wNull, I, -300, 300);
        expect(found, `${regime} at ${I}`).toHaveLength(want.length);
        found.forEach((f, k) => {
          expect(f.x).toBeCloseTo(want[k].v, 6);
          expect(f.y).toBeCloseTo(want[k].w, 8);
          expect(f.trace / want[k].trace).toBeCloseTo(1, 4);
          expect(f.determinant / want[k].det).toBeCloseTo(1, 4);
          expect(f.type).toBe(typeOf(want[k].trace, want[k].det));
        });
      }
    }
    // Type I below onset: a stable node (rest), a saddle (threshold) and an unstable focus.
    const p = load('morris_lecar', 'typeI');
    expect(fixedPoints(phasePlane(p.model, p.parameters, 30), p.model).map((f) => f.type)).toEqual(['stable node', 'saddle', 'unstable focus']);
  });

  it('the rest state loses stability where the test continuation says: FitzHugh-Nagumo and Morris-Lecar type II by a Hopf, type I by a saddle-node', () => {
    const ownHopf = (field: Field, wNull: (v: number) => number, from: number, to: number, low: number, high: number) => {
      // Where the trace at the rest state crosses 0, by bisection on I.
      const restTrace = (I: number) => referencePoints(field, wNull, I, from, to)[0].trace;
      for (let k = 0; k < 40; k++) {
        const mid = (low + high) / 2;
        if (restTrace(mid) < 0) low = mid;
        else high = mid;
      }
      return (low + high) / 2;
    };
    const fn = load('fitzhugh_nagumo');
    const fnB = restBifurcation(fn.model, fn.parameters, 0, 1)!;
    expect(fnB.kind).toBe('hopf');
    expect(fnB.input).toBeCloseTo(ownHopf(fhn, fhnW, -5, 5, 0, 1), 5);
    const ml2 = load('morris_lecar', 'typeII');
    const mlB = restBifurcation(ml2.model, ml2.parameters, 0, 150)!;
    expect(mlB.kind).toBe('hopf');
    const { field, wNull } = morrisLecar('typeII');
    expect(mlB.input).toBeCloseTo(ownHopf(field, wNull, -300, 300, 50, 150), 3);
    expect(mlB.input).toBeCloseTo(93.858, 2);
    const ml1 = load('morris_lecar', 'typeI');
    const snB = restBifurcation(ml1.model, ml1.parameters, 0, 80)!;
    expect(snB.kind).toBe('saddle-node');
    // The saddle-node: the test's scan finds three fixed points just below and one just above.
    const typeI = morrisLecar('typeI');
    expect(referencePoints(typeI.field, typeI.wNull, snB.input - 1e-4, -300, 300)).toHaveLength(3);
    expect(referencePoints(typeI.field, typeI.wNull, snB.input + 1e-4, -300, 300)).toHaveLength(1);
  });
});

describe('onset of firing against the f-I sweep', () => {
  /** The first current of a fine f-I sweep (the bridge's, from the model file's sweep settings) at which the neuron fires. */
  const sweepOnset = (parameters: Record<string, number>, currents: number[], model = 'morris_lecar', dtMs = 0.05, durationMs = 2200, discardMs = 200) => {
    const curve = fiSweep({ model, parameters, currents, durationMs, discardMs, dtMs });
    const k = curve.ratesHz.findIndex((r) => r > 0);
    return curve.currents[k];
  };
  const range = (a: number, b: number, step: number) => Array.from({ length: Math.round((b - a) / step) + 1 }, (_, k) => Number((a + k * step).toFixed(6)));

  it('Morris-Lecar type I: the saddle-node on the invariant circle is the sweep onset within 1 %', () => {
    const p = load('morris_lecar', 'typeI');
    const bifurcation = restBifurcation(p.model, p.parameters, 0, 80)!;
    const onset = sweepOnset(ml.regimes.typeI.parameters, range(39, 41, 0.05));
    expect(bifurcation.kind).toBe('saddle-node');
    expect(Math.abs(bifurcation.input - onset) / onset).toBeLessThan(0.01);
    const cycle = firingOnset(p.model, p.parameters, 35, 45, { tolerance: 0.02 })!;
    expect(Math.abs(cycle.input - onset) / onset).toBeLessThan(0.01);
  });

  it('Morris-Lecar type II: firing starts at the fold of limit cycles (the sweep onset within 1 %), below the Hopf point by about 6 %', () => {
    const p = load('morris_lecar', 'typeII');
    const hopf = restBifurcation(p.model, p.parameters, 0, 150)!;
    const cycle = firingOnset(p.model, p.parameters, 80, hopf.input + 2, { tolerance: 0.02 })!;
    const onset = sweepOnset(ml.regimes.typeII.parameters, range(87, 90, 0.05));
    expect(Math.abs(cycle.input - onset) / onset).toBeLessThan(0.01);
    // Rest and firing coexist between the fold (about 88.3) and the Hopf point (93.86).
    expect(hopf.input / cycle.input).toBeGreaterThan(1.05);
    expect(hopf.input / cycle.input).toBeLessThan(1.08);
  });

  it("HH's reduced V-n plane: a Hopf point at 6.75 uA/cm2, 7 % above the full model's onset of firing (6.3)", () => {
    const p = load('hh');
    const plane = phasePlane(p.model, p.parameters, 0);
    expect(plane.reduction?.steady).toEqual(['m']);
    expect(plane.reduction?.tied).toEqual([{ variable: 'h', expression: '0.89 - 1.1 * n' }]);
    expect(plane.reduction?.description).toMatch(/Rinzel/);
    const reduced = restBifurcation(p.model, p.parameters, 0, 30)!;
    expect(reduced.kind).toBe('hopf');
    expect(reduced.input).toBeCloseTo(6.7526, 3);
    // The full model starts firing (from rest, under a step) between 6.2 and 6.3 uA/cm2.
    const full = sweepOnset({}, range(6.0, 6.6, 0.05), 'hh', 0.01, 500, 100);
    expect(full).toBeGreaterThan(6.15);
    expect(full).toBeLessThan(6.35);
    const differs = reduced.input / full - 1;
    expect(differs).toBeGreaterThan(0.05);
    expect(differs).toBeLessThan(0.1);
  });
});

describe('the plane as a panel draws it', () => {
  it('nullclines lie where each derivative is zero, and the x-nullcline of FitzHugh-Nagumo is its cubic', () => {
    const p = load('fitzhugh_nagumo');
    const plane = phasePlane(p.model, p.parameters, 0.5);
    const lines = nullclines(plane, { x: [-2.5, 2.5], y: [-1, 2] }, 121, 121);
    const points = (ls: Float64Array[]) => ls.flatMap((l) => Array.from({ length: l.length / 2 }, (_, k) => [l[2 * k], l[2 * k + 1]]));
    const xs = points(lines.x);
    expect(xs.length).toBeGreaterThan(100);
    for (const [v, w] of xs) expect(Math.abs(w - (v - (v * v * v) / 3 + 0.5))).toBeLessThan(0.01);
    for (const [v, w] of points(lines.y)) expect(Math.abs(w - fhnW(v))).toBeLessThan(1e-9);
    // One polyline each, crossing at the fixed point.
    expect(lines.x).toHaveLength(1);
    expect(lines.y).toHaveLength(1);
    const field = vectorField(plane, { x: [-2, 2], y: [-1, 2] }, 5, 4);
    expect(field.dx).toHaveLength(20);
    expect(field.dx[1 * 5 + 2]).toBeCloseTo(fhn(0, 0, 0.5)[0], 12);
    expect(field.dy[3 * 5 + 4]).toBeCloseTo(fhn(2, 2, 0.5)[1], 12);
  });

  it('marching squares joins a circle into one closed polyline', () => {
    const n = 41;
    const xs = Float64Array.from({ length: n }, (_, i) => -2 + (4 * i) / (n - 1));
    const values = new Float64Array(n * n);
    for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) values[j * n + i] = xs[i] ** 2 + xs[j] ** 2 - 1;
    const lines = contourZero(xs, xs, values);
    expect(lines).toHaveLength(1);
    const l = lines[0];
    expect(l[0]).toBeCloseTo(l[l.length - 2], 12);
    for (let k = 0; k < l.length; k += 2) expect(Math.hypot(l[k], l[k + 1])).toBeCloseTo(1, 2);
  });

  it("projects a full HH trajectory on the reduced plane, with m's and h's distance from their reduction", () => {
    const p = load('hh');
    const plane = phasePlane(p.model, p.parameters, 0);
    const rest = fixedPoints(plane, p.model)[0];
    expect(rest.x).toBeCloseTo(-65.09, 1);
    const state = plane.state(-65, 0.3177);
    const projected = projectTrajectory(plane, { v: Float64Array.of(-65), n: Float64Array.of(0.3177), m: Float64Array.of(state[1] + 0.01), h: Float64Array.of(0.596) });
    expect(projected.deviation.m[0]).toBeCloseTo(0.01, 12);
    expect(projected.deviation.h[0]).toBeCloseTo(0.596 - (0.89 - 1.1 * 0.3177), 12);
    expect(classify(plane, rest.x, rest.y).type).toBe(rest.type);
  });

  it('refuses a model with neither two state variables nor a declared reduction, naming it', () => {
    const p = load('traub_miles');
    expect(() => phasePlane(p.model, p.parameters, 0)).toThrow(/model traub_miles has 6 state variables .* declares no reduction/);
  });
});

describe('the phase CLI', () => {
  it('prints the fixed points with type and stability as JSON, the input set by --set I=', () => {
    const out = JSON.parse(phaseOutput(['--model', 'morris_lecar', '--regime', 'typeI', '--set', 'I=30']));
    expect(out.input).toEqual({ symbol: 'I', value: 30, unit: 'uA/cm2' });
    expect(out.fixedPoints.map((f: { type: string; stable: boolean }) => [f.type, f.stable])).toEqual([
      ['stable node', true],
      ['saddle', false],
      ['unstable focus', false],
    ]);
    expect(out.fixedPoints[0].v).toBeCloseTo(-41.8452, 3);
    const fn = JSON.parse(phaseOutput(['--model', 'fitzhugh_nagumo']));
    expect(fn.input.value).toBe(0);
    expect(fn.fixedPoints).toHaveLength(1);
    expect(fn.fixedPoints[0].type).toBe('stable focus');
  });

  it('names a bad flag as typed', () => {
    const fails = (args: string[]) => {
      try {
        phaseOutput(args);
      } catch (err) {
        return (err as Error).message;
      }
      return 'no error';
    };
    expect(fails(['--model', 'morris_lecar', '--set', 'g_K=-3'])).toMatch(/^--set g_K: -3 mS\/cm2 is outside the allowed range/);
    expect(fails(['--model', 'morris_lecar', '--regime', 'typeIII'])).toMatch(/^--regime: "typeIII" is not a regime of morris_lecar/);
    expect(fails(['--model', 'traub_miles'])).toMatch(/^--model: model traub_miles has 6 state variables/);
    expect(fails(['--model', 'nope'])).toMatch(/^--model: /);
  });
});
