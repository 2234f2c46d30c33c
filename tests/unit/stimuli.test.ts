// Each stimulus delivers the right charge, mean and statistics, independent of the grid.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createStimulus } from '../../src/core/stimulus/stimuli';
import { Random } from '../../src/core/random';
import { buildSimulation } from '../../src/scenario/scenario';
import { noiseCurrentSigma } from '../../src/bridge/fiSweep';
import { builtinModel } from '../../src/core/model/builtinModels';
import { defaultParameters } from '../../src/core/model/loadModel';

/** Run a stimulus alone for `durationMs` and return the per-step input of neuron 0. */
function drive(spec: Record<string, unknown>, dtMs: number, durationMs: number, neurons = 1, seed = 1): Float64Array[] {
  const stim = createStimulus({ ...spec, population: 'p' } as Parameters<typeof createStimulus>[0], Int32Array.from({ length: neurons }, (_, k) => k), seed);
  const steps = Math.round(durationMs / dtMs);
  const out = Array.from({ length: neurons }, () => new Float64Array(steps));
  const input = new Float64Array(neurons);
  for (let k = 0; k < steps; k++) {
    input.fill(0);
    stim.add(input, k * dtMs, dtMs);
    for (let j = 0; j < neurons; j++) out[j][k] = input[j];
  }
  return out;
}

const charge = (x: Float64Array, dt: number) => x.reduce((a, b) => a + b, 0) * dt;
const mean = (x: ArrayLike<number>) => Array.from(x).reduce((a, b) => a + b, 0) / x.length;
const variance = (x: ArrayLike<number>) => {
  const m = mean(x);
  return Array.from(x).reduce((a, b) => a + (b - m) ** 2, 0) / (x.length - 1);
};

describe('deterministic stimuli keep their charge on any grid', () => {
  it('step with edges between grid points', () => {
    const [x] = drive({ type: 'step', amplitude: 2, startMs: 10.033, stopMs: 30.071 }, 0.1, 50);
    expect(charge(x, 0.1)).toBeCloseTo(2 * (30.071 - 10.033), 10);
  });
  it('pulse train: count, width and period', () => {
    const [x] = drive({ type: 'pulses', amplitude: 1, startMs: 5, widthMs: 1.25, periodMs: 10, count: 4 }, 0.1, 100);
    expect(charge(x, 0.1)).toBeCloseTo(4 * 1.25, 10);
    expect(x[Math.round(5.5 / 0.1)]).toBeCloseTo(1, 12);
    expect(x[Math.round(8 / 0.1)]).toBe(0);
    expect(x[Math.round(45.5 / 0.1)]).toBe(0); // a fifth pulse would start at 45 ms
  });
  it('ramp: the integral of a line', () => {
    const [x] = drive({ type: 'ramp', from: 1, to: 3, startMs: 10, stopMs: 30.05 }, 0.1, 40);
    expect(charge(x, 0.1)).toBeCloseTo(2 * 20.05, 9);
  });
  it('sine: the exact mean over each step', () => {
    const [x] = drive({ type: 'sine', amplitude: 1, frequencyHz: 10, offset: 0.5 }, 0.1, 100);
    expect(charge(x, 0.1)).toBeCloseTo(0.5 * 100, 9); // whole periods of sine integrate to 0
    // 0.25 of a period after 0: the mean over [25, 25.1] ms is close to the peak
    expect(x[250]).toBeCloseTo(0.5 + Math.cos(0), 3);
  });
  it('per-target amplitudes', () => {
    const x = drive({ type: 'constant', amplitude: [1, 2, 3] }, 0.1, 1, 3);
    expect(x.map((c) => c[0])).toEqual([1, 2, 3]);
  });
});

describe('pulse trains much finer than the step: the cost of a step does not grow with dt / period', () => {
  it('a 1 µs period at dt = 1 ms gives every step its exact mean, width / period x amplitude', () => {
    const [x] = drive({ type: 'pulses', amplitude: 2, widthMs: 0.00025, periodMs: 0.001 }, 1, 5000);
    expect(charge(x, 1)).toBeCloseTo((0.00025 / 0.001) * 2 * 5000, 7);
    for (const mean of x) expect(mean).toBeCloseTo(0.5, 9);
  });
  it('keeps the edges exact: a count that ends the train, a stop inside a pulse, a start inside a step', () => {
    // 3000 pulses of 0.4 µs every 1 µs from 2.5 ms: 1.2 pC-like units in all, half of step [2, 3).
    const [counted] = drive({ type: 'pulses', amplitude: 1, widthMs: 0.0004, periodMs: 0.001, startMs: 2.5, count: 3000 }, 1, 10);
    expect(charge(counted, 1)).toBeCloseTo(3000 * 0.0004, 9);
    expect(counted[2]).toBeCloseTo(500 * 0.0004, 9);
    expect(counted[6]).toBe(0);
    // Stopped at 4.0002 ms: 1500 whole pulses and 0.2 µs of the next.
    const [stopped] = drive({ type: 'pulses', amplitude: 1, widthMs: 0.0004, periodMs: 0.001, startMs: 2.5, stopMs: 4.0002 }, 1, 10);
    expect(charge(stopped, 1)).toBeCloseTo(1500 * 0.0004 + 0.0002, 9);
  });
  it('a period far below what a double resolves at that time (1e-300 ms) is its duty cycle, not a loop without end', () => {
    // In a child process, stopped after a minute (it takes a millisecond): a loop over the
    // pulses never ended here, and a test process cannot interrupt its own endless loop.
    const script = [
      `import { createStimulus } from ${JSON.stringify(fileURLToPath(new URL('../../src/core/stimulus/stimuli.ts', import.meta.url)))};`,
      "const s = createStimulus({ type: 'pulses', population: 'p', amplitude: 1, widthMs: 0.5e-300, periodMs: 1e-300, startMs: 3.3 }, Int32Array.of(0), 1);",
      'const input = new Float64Array(1);',
      'for (let k = 0; k < 200; k++) s.add(input, k * 0.1, 0.1);',
      'console.log(input[0] * 0.1);',
    ].join('\n');
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(run.signal).toBeNull();
    expect(Number(run.stdout)).toBeCloseTo(0.5 * (20 - 3.3), 9);
  });
  it('a scenario with such a train runs to its end with the same mean input', () => {
    const sim = buildSimulation({
      format: 'spikebridge-scenario/1',
      durationMs: 100,
      dtMs: 1,
      populations: [{ name: 'n', model: 'lif', size: 1, parameters: { V_th: 20 } }],
      stimuli: [{ type: 'pulses', population: 'n', amplitude: 2, widthMs: 1e-6, periodMs: 4e-6 }],
      record: { traces: [{ population: 'n', variable: 'v', neurons: [0] }] },
    });
    sim.advance();
    const v = sim.drain().traces[0].values;
    // A mean input of 0.5 nA through R = 10 MOhm moves v towards 5 mV above E_L with tau_m = 10 ms.
    expect(v.length).toBe(101);
    v.forEach((x, k) => expect(x).toBeCloseTo(-70 + 5 * (1 - Math.exp(-k / 10)), 9));
  });
});

describe('random stimuli', () => {
  it('white noise: sigma is the std of the current averaged over 1 ms, whatever dt', () => {
    for (const dt of [0.01, 0.1, 0.5]) {
      const [x] = drive({ type: 'whiteNoise', mean: 0.3, sigma: 2 }, dt, 20000);
      expect(mean(x)).toBeCloseTo(0.3, 1);
      expect(Math.sqrt(variance(x) * dt)).toBeCloseTo(2, 1); // per-step std is sigma * sqrt(1 ms / dt)
    }
  });
  it('OU noise: stationary std sigma and correlation e^-1 at lag tau', () => {
    const dt = 0.1;
    const [x] = drive({ type: 'ouNoise', mean: 1, sigma: 0.5, tauMs: 5 }, dt, 200000);
    expect(mean(x)).toBeCloseTo(1, 1);
    expect(Math.sqrt(variance(x))).toBeCloseTo(0.5, 1);
    const lag = Math.round(5 / dt);
    const m = mean(x);
    let c = 0;
    for (let k = 0; k + lag < x.length; k++) c += (x[k] - m) * (x[k + lag] - m);
    const rho = c / (x.length - lag) / variance(x);
    expect(Math.abs(rho - Math.exp(-1))).toBeLessThan(0.03);
  });
  it('Poisson train: mean current rate * amplitude * tau', () => {
    const [x] = drive({ type: 'poisson', rateHz: 200, amplitude: 0.5, tauMs: 3 }, 0.1, 100000);
    expect(mean(x)).toBeCloseTo((200 / 1000) * 0.5 * 3, 2);
  });
  it('the same seed gives the same noise; streams differ by seed', () => {
    const a = drive({ type: 'whiteNoise', sigma: 1 }, 0.1, 10, 2, 5);
    const b = drive({ type: 'whiteNoise', sigma: 1 }, 0.1, 10, 2, 5);
    const c = drive({ type: 'whiteNoise', sigma: 1 }, 0.1, 10, 2, 6);
    expect(Array.from(a[1])).toEqual(Array.from(b[1]));
    expect(Array.from(a[1])).not.toEqual(Array.from(c[1]));
    expect(Array.from(a[0])).not.toEqual(Array.from(a[1]));
  });
  it('--noise-sigma in mV gives a free LIF membrane potential with that standard deviation', () => {
    const model = builtinModel('lif');
    const sigmaI = noiseCurrentSigma(model, defaultParameters(model), 5);
    const sim = buildSimulation({
      format: 'spikebridge-scenario/1',
      durationMs: 20000,
      dtMs: 0.1,
      populations: [{ name: 'n', model: 'lif', size: 1, parameters: { V_th: 20 } }],
      stimuli: [{ type: 'whiteNoise', population: 'n', sigma: sigmaI }],
      record: { traces: [{ population: 'n', variable: 'v', neurons: [0] }], traceEveryMs: 1 },
    });
    sim.advance();
    const v = sim.drain().traces[0].values.slice(100);
    expect(mean(v)).toBeCloseTo(-70, 0);
    expect(Math.abs(Math.sqrt(variance(v)) - 5)).toBeLessThan(0.25);
  });
});

describe('the random number generator', () => {
  it('gives standard normals (mean, variance, tails, kurtosis)', () => {
    const r = new Random(42);
    const n = 400000;
    const x = new Float64Array(n);
    r.fillNormal(x);
    expect(Math.abs(mean(x))).toBeLessThan(0.01);
    expect(Math.abs(variance(x) - 1)).toBeLessThan(0.01);
    const m4 = Array.from(x).reduce((a, b) => a + b ** 4, 0) / n;
    expect(Math.abs(m4 - 3)).toBeLessThan(0.06);
    const beyond3 = x.filter((v) => Math.abs(v) > 3).length / n;
    expect(Math.abs(beyond3 - 0.0027)).toBeLessThan(0.0006);
    const beyond35 = x.filter((v) => Math.abs(v) > 3.5).length / n; // the ziggurat's last layers
    expect(Math.abs(beyond35 - 4.65e-4)).toBeLessThan(2e-4);
  });
  it("draws the tail beyond the ziggurat's base (|x| > 4) as often as a normal does", () => {
    const r = new Random(7);
    const n = 4_000_000;
    const x = new Float64Array(n);
    r.fillNormal(x);
    const beyond4 = x.filter((v) => Math.abs(v) > 4).length; // expected 6.334e-5 * n = 253
    expect(Math.abs(beyond4 - 6.334e-5 * n)).toBeLessThan(100);
  });
  it.each([0.02, 0.7, 8, 45, 400])('gives Poisson counts with mean = variance = %s', (lambda) => {
    const r = new Random(3);
    const x = Array.from({ length: 100000 }, () => r.poisson(lambda));
    expect(Math.abs(mean(x) - lambda)).toBeLessThan(0.03 * lambda + 0.002);
    expect(Math.abs(variance(x) - lambda)).toBeLessThan(0.05 * lambda + 0.003);
  });
  it('uniforms are in (0, 1) and repeat for a seed', () => {
    const a = new Random(9);
    const b = new Random(9);
    for (let k = 0; k < 10000; k++) {
      const u = a.uniform();
      expect(u).toBeGreaterThan(0);
      expect(u).toBeLessThan(1);
      expect(b.uniform()).toBe(u);
    }
  });
});
