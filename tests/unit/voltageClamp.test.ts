// The voltage clamp (core/stimulus/clamp.ts, clampFamily.ts, cli/clamp.ts) against closed forms:
// under an ideal clamp each HH gate relaxes exponentially from its steady state at the holding
// level, x(t) = x_inf(V) + (x_inf(V_hold) - x_inf(V)) exp(-t / tau_x(V)), so the currents of a step
// are known exactly; a series-resistance clamp settles where the steady-state I-V curve meets the
// line (V_cmd - v) / R_s; the clamp current is what the membrane equation needs.
import { describe, expect, it } from 'vitest';
import { openExperiment, validateScenario } from '../../src/scenario/scenario';
import { runClampFamily, clampLevels } from '../../src/core/stimulus/clampFamily';
import { clampOutput } from '../../src/cli/clamp';
import { commandAt } from '../../src/core/stimulus/clamp';

const E_NA = 50;
const E_K = -77;
const E_L = -54.387;

/** HH rate functions at 6.3 degC (q10 = 1), typed out from Hodgkin and Huxley (1952) with NEURON's V + 65 shift. */
function rates(v: number) {
  const vtrap = (x: number, y: number) => (Math.abs(x / y) < 1e-6 ? y * (1 - x / y / 2) : x / (Math.exp(x / y) - 1));
  const am = 0.1 * vtrap(-(v + 40), 10);
  const bm = 4 * Math.exp(-(v + 65) / 18);
  const ah = 0.07 * Math.exp(-(v + 65) / 20);
  const bh = 1 / (Math.exp(-(v + 35) / 10) + 1);
  const an = 0.01 * vtrap(-(v + 55), 10);
  const bn = 0.125 * Math.exp(-(v + 65) / 80);
  return { m: [am / (am + bm), 1 / (am + bm)], h: [ah / (ah + bh), 1 / (ah + bh)], n: [an / (an + bn), 1 / (an + bn)] } as const;
}

/** I_Na and I_K at time t after a step from hold to V (closed form). */
function closedForm(hold: number, V: number, t: number, gNa = 120, gK = 36) {
  const r0 = rates(hold);
  const r = rates(V);
  const x = (g: 'm' | 'h' | 'n') => r[g][0] + (r0[g][0] - r[g][0]) * Math.exp(-t / r[g][1]);
  return { I_Na: gNa * x('m') ** 3 * x('h') * (V - E_NA), I_K: gK * x('n') ** 4 * (V - E_K) };
}

/** Peak (largest magnitude) over [0, duration] on a grid 20 times finer than the simulation's, and the end value. */
function closedPeakAndEnd(hold: number, V: number, durationMs: number, name: 'I_Na' | 'I_K') {
  const r0 = rates(hold);
  const r = rates(V);
  const current = (t: number) => {
    const x = (g: 'm' | 'h' | 'n') => r[g][0] + (r0[g][0] - r[g][0]) * Math.exp(-t / r[g][1]);
    return name === 'I_Na' ? 120 * x('m') ** 3 * x('h') * (V - E_NA) : 36 * x('n') ** 4 * (V - E_K);
  };
  let peak = 0;
  const n = Math.round(durationMs / 0.0005);
  for (let k = 0; k <= n; k++) {
    const I = current(k * 0.0005);
    if (Math.abs(I) > Math.abs(peak)) peak = I;
  }
  return { peak, end: current(durationMs) };
}

const close = (got: number, want: number, relative: number) => Math.abs(got - want) <= relative * Math.abs(want) + 1e-9;

describe('HH under an ideal voltage clamp', () => {
  const family = runClampFamily({ model: 'hh', holdingMV: -65, fromMV: -100, toMV: 60, stepMV: 5, durationMs: 20 }, validateScenario);

  it('has the closed form peak and end of I_Na and I_K for every step from -100 to +60 mV, within 0.5 % at the default dt', () => {
    expect(family.dtMs).toBe(0.01);
    expect(family.steps.map((s) => s.levelMV)).toEqual(clampLevels(-100, 60, 5));
    const names = family.currents.map((c) => c.name);
    let worst = 0;
    for (const step of family.steps) {
      for (const name of ['I_Na', 'I_K'] as const) {
        const q = names.indexOf(name);
        const want = closedPeakAndEnd(-65, step.levelMV, 20, name);
        expect(close(step.peak[q], want.peak, 0.005), `${name} peak at ${step.levelMV} mV: ${step.peak[q]} vs ${want.peak}`).toBe(true);
        expect(close(step.end[q], want.end, 0.005), `${name} end at ${step.levelMV} mV: ${step.end[q]} vs ${want.end}`).toBe(true);
        worst = Math.max(worst, Math.abs(step.peak[q] - want.peak) / Math.max(1e-12, Math.abs(want.peak)), Math.abs(step.end[q] - want.end) / Math.max(1e-12, Math.abs(want.end)));
      }
    }
    // The staggered gates are the exponential relaxation itself (from the rate table): far inside 0.5 %.
    expect(worst).toBeLessThan(1e-3);
  });

  it('samples each current along the closed form through the step, and the leak is exact', () => {
    const names = family.currents.map((c) => c.name);
    for (const step of family.steps.filter((s) => [-100, -40, 0, 60].includes(s.levelMV))) {
      step.timeMs.forEach((t, j) => {
        const want = closedForm(-65, step.levelMV, t);
        expect(close(step.currents[names.indexOf('I_K')][j], want.I_K, 1e-4)).toBe(true);
        expect(close(step.currents[names.indexOf('I_Na')][j], want.I_Na, 1e-4)).toBe(true);
      });
      expect(step.currents[names.indexOf('I_L')][5]).toBeCloseTo(0.3 * (step.levelMV - E_L), 10);
    }
  });

  it('holds v at the command and records the clamp current, which is the total ionic current under a flat command', () => {
    for (const step of family.steps.filter((s) => [-80, -20, 40].includes(s.levelMV))) {
      for (let j = 1; j < step.v.length; j++) expect(step.v[j]).toBe(step.levelMV);
      // The clamp current at a sample is computed with the traced v (the command) and gates: the total.
      for (const j of [2, 50, step.v.length - 1]) expect(step.clampCurrent[j]).toBeCloseTo(step.total[j], 8);
    }
  });

  it('under TTX has no sodium current at all: every sample of I_Na is exactly 0 and the CLI prints 0', () => {
    const blocked = runClampFamily({ model: 'hh', holdingMV: -65, fromMV: -100, toMV: 60, stepMV: 20, durationMs: 20, blockers: { g_Na: 1 } }, validateScenario);
    const q = blocked.currents.findIndex((c) => c.name === 'I_Na');
    for (const step of blocked.steps) {
      expect(step.currents[q].every((x) => x === 0)).toBe(true);
      expect(step.peak[q]).toBe(0);
    }
    const table = clampOutput(['--model', 'hh', '--hold', '-65', '--from', '-100', '--to', '60', '--step', '20', '--duration', '20', '--block', 'g_Na=1']);
    const rows = table.trim().split('\n').slice(2).map((line) => line.split(','));
    expect(rows).toHaveLength(9);
    for (const row of rows) expect([row[1], row[2]]).toEqual(['0', '0']);
  });

  it('half-blocked potassium halves I_K exactly', () => {
    const half = runClampFamily({ model: 'hh', holdingMV: -65, fromMV: 0, toMV: 0, stepMV: 5, durationMs: 5, blockers: { g_K: 0.5 } }, validateScenario);
    const q = half.currents.findIndex((c) => c.name === 'I_K');
    expect(half.steps[0].end[q]).toBeCloseTo(closedForm(-65, 0, 5, 120, 18).I_K, 6);
  });
});

describe('the clamp CLI table', () => {
  it('has the header of the contract, a unit comment and a row per command potential', () => {
    const table = clampOutput(['--model', 'hh', '--hold', '-65', '--from', '-100', '--to', '60', '--step', '40', '--duration', '20']);
    const lines = table.trim().split('\n');
    expect(lines[0]).toMatch(/^# .*uA\/cm2/);
    expect(lines[1]).toBe('v_mV,peak_I_Na,end_I_Na,peak_I_K,end_I_K,peak_I_L,end_I_L,peak_total,end_total');
    expect(lines.slice(2).map((l) => Number(l.split(',')[0]))).toEqual([-100, -60, -20, 20, 60]);
    const at0 = closedPeakAndEnd(-65, 20, 20, 'I_K');
    expect(close(Number(lines[5].split(',')[3]), at0.peak, 0.005)).toBe(true);
  });

  it('names a bad flag as typed, with its value and the allowed range', () => {
    const fails = (args: string[]) => {
      try {
        clampOutput(args);
      } catch (err) {
        return (err as Error).message;
      }
      return 'no error';
    };
    const base = ['--model', 'hh', '--from', '-100', '--to', '60', '--step', '5', '--duration', '20'];
    expect(fails([...base, '--hold', '-500'])).toMatch(/^--hold: -500 is outside the allowed range \[-300, 300\] mV/);
    expect(fails([...base, '--hold', '-65', '--block', 'g_Na=2'])).toMatch(/^--block g_Na: must be the fraction blocked, a number in \[0, 1\], got 2/);
    expect(fails([...base, '--hold', '-65', '--block', 'g_L=1'])).toMatch(/^--block g_L: "g_L" is not a blocker or blockable conductance of hh/);
    expect(fails([...base, '--hold', '-65', '--dt', '5'])).toMatch(/^--dt: 5 is outside the allowed range \[0.0001, 1\] ms/);
    expect(fails([...base, '--hold', '-65', '--set', 'g_K=-1'])).toMatch(/^--set g_K: -1 mS\/cm2 is outside the allowed range \[0, 500\]/);
    expect(fails(['--model', 'hh', '--hold', '-65', '--from', '-100', '--to', '60', '--step', '0', '--duration', '20'])).toMatch(/^--step: 0 mV must be above 0/);
    expect(fails(['--model', 'hh', '--hold', '-65', '--from', '-100', '--to', '60', '--step', '5', '--duration', '0'])).toMatch(/^--duration: 0 ms is outside the allowed range \(0, 10000\] ms/);
    expect(fails([...base, '--hold', '-65', '--series-resistance', '0.001'])).toMatch(/^--series-resistance: 0.001 kOhm cm2 is below 0.02 kOhm cm2/);
    expect(fails(['--model', 'hh', '--hold', '-65'])).toMatch(/^--from: is required/);
  });
});

describe('series-resistance clamp', () => {
  it('settles with v off the command by I x R_s, where I is the membrane current there', () => {
    const R = 0.5; // kOhm cm2
    const command = -60;
    const experiment = openExperiment({
      format: 'spikebridge-scenario/1',
      durationMs: 150,
      dtMs: 0.01,
      populations: [{ name: 'cell', model: 'hh', size: 1 }],
      stimuli: [{ type: 'voltageClamp', population: 'cell', holdingMV: -65, commands: [{ startMs: 10, stopMs: 150, levelMV: command }], seriesResistance: R }],
      record: { spikes: false, traces: ['v', 'm', 'h', 'n', 'I_clamp'].map((variable) => ({ population: 'cell', variable, neurons: [0] })) },
    });
    experiment.advance();
    const frame = experiment.drain();
    const trace = (variable: string) => frame.traces.find((t) => t.variable === variable)!.values;
    // The last sample before the step ends (at 150 ms the command is back at the holding level).
    const last = trace('v').length - 2;
    const v = trace('v')[last];
    const ionic = trace('I_Na')[last] + trace('I_K')[last] + trace('I_L')[last];
    // Steady: v no longer moves, and the clamp supplies exactly the membrane's current.
    expect(Math.abs(v - trace('v')[last - 1000])).toBeLessThan(1e-6);
    expect(command - v).toBeCloseTo(ionic * R, 6);
    expect(trace('I_clamp')[last]).toBeCloseTo(ionic, 6);
    // And that v is where the steady-state I-V curve (gates at their steady state) meets (V_cmd - v) / R_s: solved here by bisection.
    const steadyCurrent = (x: number) => {
      const r = rates(x);
      return 120 * r.m[0] ** 3 * r.h[0] * (x - E_NA) + 36 * r.n[0] ** 4 * (x - E_K) + 0.3 * (x - E_L);
    };
    let lo = command - 20;
    let hi = command;
    for (let k = 0; k < 100; k++) {
      const mid = (lo + hi) / 2;
      if (steadyCurrent(mid) - (command - mid) / R > 0) hi = mid;
      else lo = mid;
    }
    expect(v).toBeCloseTo(lo, 5);
    expect(command - v).toBeGreaterThan(2); // a real error: millivolts, not rounding
  });
});

describe('clamp protocol', () => {
  it('holds, steps and ramps, each over [start, stop)', () => {
    const spec = { holdingMV: -70, commands: [{ startMs: 10, stopMs: 20, levelMV: 0 }, { startMs: 20, stopMs: 40, fromMV: -80, toMV: 20 }] };
    expect([0, 9.99, 10, 19.99, 20, 30, 39.99, 40].map((t) => Number(commandAt(spec, t).toFixed(6)))).toEqual([-70, -70, 0, 0, -80, -30, 19.95, -70]);
  });

  it('follows a ramp with v and a constant command change applies live through the experiment', () => {
    const experiment = openExperiment({
      format: 'spikebridge-scenario/1',
      durationMs: 40,
      dtMs: 0.025,
      populations: [{ name: 'cell', model: 'hh', size: 2 }],
      stimuli: [{ type: 'voltageClamp', population: 'cell', targets: [1], holdingMV: -65, commands: [{ startMs: 5, stopMs: 25, fromMV: -90, toMV: 10 }] }],
      record: { spikes: false, traces: [{ population: 'cell', variable: 'v', neurons: [0, 1] }, { population: 'cell', variable: 'I_clamp', neurons: [1] }] },
    });
    experiment.advance(15);
    expect(experiment.apply({ kind: 'stimulus', index: 0, values: { holdingMV: -50 } })).toEqual({ applies: 'live' });
    experiment.advance();
    const frame = experiment.drain();
    const v1 = frame.traces.find((t) => t.variable === 'v' && t.neuron === 1)!.values;
    const v0 = frame.traces.find((t) => t.variable === 'v' && t.neuron === 0)!.values;
    expect(v1[Math.round(10 / 0.025)]).toBeCloseTo(-90 + (100 * 5) / 20, 9);
    expect(v1[Math.round(30 / 0.025)]).toBe(-50);
    // The neuron not clamped is at rest, free.
    expect(Math.abs(v0[v0.length - 1] + 65)).toBeLessThan(0.1);
    expect(experiment.snapshot()).toMatchObject({ stimuli: [{ holdingMV: -50 }] });
    // The clamp current of a ramp includes the capacitive current C dV/dt (5 uA/cm2 here).
    const I = frame.traces.find((t) => t.variable === 'I_clamp')!.values;
    const j = Math.round(10 / 0.025);
    expect(I[j]).toBeGreaterThan(0);
  });

  it('refuses bad clamp fields by name', () => {
    const scenario = (clamp: Record<string, unknown>, model = 'hh') => ({ format: 'spikebridge-scenario/1', durationMs: 10, dtMs: 0.01, populations: [{ name: 'cell', model, size: 2 }], stimuli: [{ type: 'voltageClamp', population: 'cell', holdingMV: -65, ...clamp }] });
    const refusal = (raw: unknown) => {
      try {
        validateScenario(raw);
      } catch (err) {
        return (err as Error).message;
      }
      return 'accepted';
    };
    expect(refusal(scenario({ commands: [{ startMs: 5, stopMs: 2, levelMV: 0 }] }))).toMatch(/^stimuli\[0\]\.commands\[0\]\.stopMs: 2 ms must be after startMs/);
    expect(refusal(scenario({ commands: [{ startMs: 1, stopMs: 5, levelMV: 0 }, { startMs: 4, stopMs: 6, levelMV: 10 }] }))).toMatch(/^stimuli\[0\]\.commands\[1\]\.startMs: 4 ms is before the end/);
    expect(refusal(scenario({ commands: [{ startMs: 1, stopMs: 5, levelMV: 400 }] }))).toMatch(/^stimuli\[0\]\.commands\[0\]\.levelMV: 400 is outside the allowed range \[-300, 300\] mV/);
    expect(refusal(scenario({ commands: [{ startMs: 1, stopMs: 5, fromMV: 0 }] }))).toMatch(/^stimuli\[0\]\.commands\[0\]\.toMV: must be a number/);
    expect(refusal(scenario({ seriesResistance: -1 }))).toMatch(/^stimuli\[0\]\.seriesResistance: -1 is outside the allowed range \[0, 1000000000\] kOhm cm2/);
    expect(refusal(scenario({ settle: 'yes' }))).toMatch(/^stimuli\[0\]\.settle: must be true or false/);
    expect(refusal(scenario({ stepMV: 3 }))).toMatch(/^stimuli\[0\]\.stepMV: is not a known field/);
    const twice = scenario({});
    (twice.stimuli as unknown[]).push({ type: 'voltageClamp', population: 'cell', targets: [1], holdingMV: -60 });
    expect(refusal(twice)).toMatch(/^stimuli\[1\]\.targets: neuron 1 of cell is held by another voltage clamp/);
    const traced = { ...scenario({ targets: [0] }), record: { traces: [{ population: 'cell', variable: 'I_clamp', neurons: [1] }] } };
    expect(refusal(traced)).toMatch(/^record\.traces\[0\]\.neurons\[0\]: neuron 1 of cell is not voltage-clamped/);
  });

  it('clamps a LIF neuron (exact method) and the clamp current is the leak: (v - E_L) / R', () => {
    const experiment = openExperiment({
      format: 'spikebridge-scenario/1',
      durationMs: 20,
      dtMs: 0.1,
      populations: [{ name: 'cell', model: 'lif', size: 1 }],
      stimuli: [{ type: 'voltageClamp', population: 'cell', holdingMV: -70, commands: [{ startMs: 5, stopMs: 20, levelMV: -60 }] }],
      record: { spikes: true, traces: [{ population: 'cell', variable: 'v', neurons: [0] }, { population: 'cell', variable: 'I_clamp', neurons: [0] }] },
    });
    experiment.advance();
    const frame = experiment.drain();
    const v = frame.traces[0].values;
    const I = frame.traces[1].values;
    expect(v[100]).toBe(-60);
    expect(I[100]).toBeCloseTo(1, 10); // (-60 - -70) / 10 MOhm = 1 nA
    expect(I[10]).toBeCloseTo(0, 10);
  });
});

describe('a clamp ramp (the family protocol "ramp")', () => {
  // -100 to +60 mV in 40 ms (4 mV/ms): fast enough that sodium opens and inactivates on the way.
  const ramp = runClampFamily({ model: 'hh', protocol: 'ramp', holdingMV: -65, fromMV: -100, toMV: 60, stepMV: 0, durationMs: 40 }, validateScenario);
  const step = ramp.steps[0];
  const names = ramp.currents.map((c) => c.name);

  /** The gates along the same ramp from their steady state at the holding level, by RK4 at 1/20 of the run's step (dx/dt = (x_inf(V(t)) - x) / tau_x(V(t)) has no closed form here). */
  function gatesAlongRamp(times: Float64Array): { m: number; h: number; n: number }[] {
    const V = (t: number) => -100 + 4 * Math.min(t, 40);
    const f = (t: number, x: number[]) => {
      const r = rates(V(t));
      return [(r.m[0] - x[0]) / r.m[1], (r.h[0] - x[1]) / r.h[1], (r.n[0] - x[2]) / r.n[1]];
    };
    const r0 = rates(-65);
    let x = [r0.m[0], r0.h[0], r0.n[0]];
    let t = 0;
    const h = 0.0005;
    const out: { m: number; h: number; n: number }[] = [];
    for (const want of times) {
      while (t < want - 1e-12) {
        const k1 = f(t, x);
        const k2 = f(t + h / 2, x.map((xi, i) => xi + (h / 2) * k1[i]));
        const k3 = f(t + h / 2, x.map((xi, i) => xi + (h / 2) * k2[i]));
        const k4 = f(t + h, x.map((xi, i) => xi + h * k3[i]));
        x = x.map((xi, i) => xi + (h / 6) * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]));
        t += h;
      }
      out.push({ m: x[0], h: x[1], n: x[2] });
    }
    return out;
  }

  it('is one run whose command moves linearly from fromMV to toMV, and v follows it', () => {
    expect(ramp.protocol).toBe('ramp');
    expect([ramp.fromMV, ramp.toMV]).toEqual([-100, 60]);
    expect(ramp.steps).toHaveLength(1);
    const n = step.timeMs.length;
    // The last sample is a step before the ramp's end; the staggered gates stand a step ahead of it.
    expect(ramp.method).toBe('staggered');
    expect(step.timeMs[n - 1]).toBeCloseTo(40, 9);
    expect(step.commandMV[n - 1]).toBeCloseTo(60, 9);
    for (const j of [1, Math.floor(n / 2), n - 1]) {
      expect(step.commandMV[j]).toBeCloseTo(-100 + 4 * step.timeMs[j], 9);
      // With the staggered method the samples' gates stand a step ahead of v: v is the command a step before.
      expect(step.v[j]).toBeCloseTo(step.commandMV[j] - 4 * ramp.dtMs, 9);
    }
  });

  it('has I_Na and I_K along the ramp as the gates integrated independently give them, within 0.5 % of the peak', () => {
    const gates = gatesAlongRamp(step.timeMs);
    const na = step.currents[names.indexOf('I_Na')];
    const k = step.currents[names.indexOf('I_K')];
    const wantNa = gates.map((g, j) => 120 * g.m ** 3 * g.h * (step.commandMV[j] - E_NA));
    const wantK = gates.map((g, j) => 36 * g.n ** 4 * (step.commandMV[j] - E_K));
    const peakNa = Math.max(...wantNa.map(Math.abs));
    const peakK = Math.max(...wantK.map(Math.abs));
    let worstNa = 0;
    let worstK = 0;
    wantNa.forEach((w, j) => (worstNa = Math.max(worstNa, Math.abs(na[j] - w) / peakNa)));
    wantK.forEach((w, j) => (worstK = Math.max(worstK, Math.abs(k[j] - w) / peakK)));
    expect(peakNa).toBeGreaterThan(100); // sodium does open on the way up (uA/cm2)
    expect(worstNa).toBeLessThan(0.005);
    expect(worstK).toBeLessThan(0.005);
  });

  it('needs a clamp current of the ionic current plus the capacitive current C dV/dt (1 uF/cm2 x 4 mV/ms)', () => {
    const n = step.timeMs.length;
    for (const j of [10, Math.floor(n / 3), Math.floor((2 * n) / 3), n - 2]) {
      // The clamp current at a sample is computed from that sample's v and gates, as traced.
      const [v, m, h, g] = [step.v[j], step.state.m[j], step.state.h[j], step.state.n[j]];
      const ionic = 120 * m ** 3 * h * (v - E_NA) + 36 * g ** 4 * (v - E_K) + 0.3 * (v - E_L);
      expect(step.clampCurrent[j]).toBeCloseTo(4 + ionic, 6);
    }
  });

  it('refuses a ramp that does not move, naming toMV', () => {
    expect(() => runClampFamily({ model: 'hh', protocol: 'ramp', holdingMV: -65, fromMV: 0, toMV: 0, stepMV: 0, durationMs: 10 }, validateScenario)).toThrow(expect.objectContaining({ field: 'toMV' }));
    expect(() => runClampFamily({ model: 'hh', protocol: 'zigzag' as 'ramp', holdingMV: -65, fromMV: 0, toMV: 10, stepMV: 1, durationMs: 10 }, validateScenario)).toThrow(expect.objectContaining({ field: 'protocol' }));
  });
});

describe('a clamp family that would keep too much', () => {
  it('is refused before any level runs, naming the duration (and --duration on the command line)', () => {
    expect(() => runClampFamily({ model: 'hh', holdingMV: -65, fromMV: -100, toMV: 60, stepMV: 1, durationMs: 10000, dtMs: 0.01 }, validateScenario)).toThrow(
      expect.objectContaining({ field: 'durationMs', message: expect.stringMatching(/161 levels of 10002 ms .* at most 5e\+7/) }),
    );
    expect(() => clampOutput(['--model', 'hh', '--hold', '-65', '--from', '-100', '--to', '60', '--step', '1', '--duration', '10000'])).toThrow(expect.objectContaining({ field: '--duration' }));
  });
});
