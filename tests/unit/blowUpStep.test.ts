// A blow-up is reported at the step where a value left the model's bounds (not at the next
// periodic check), with population, variable, neuron, time, value and bounds; the records end
// there. An initial state outside the bounds is a blow-up at t = 0, and every trace keeps its
// t = 0 sample. The steps are compared with a run of the same scenario under wide bounds.
import { describe, expect, it } from 'vitest';
import { Simulation, type Frame } from '../../src/core/simulation';
import { buildSimulation } from '../../src/scenario/scenario';
import { validateScenario } from '../../src/scenario/scenario';
import { SimulationError } from '../../src/core/errors';
import lif from '../../models/lif.json';
import hh from '../../models/hh.json';
import { concatArrays as concat } from '../../src/core/arrays';

const FORMAT = 'spikebridge-scenario/1';

/** dv/dt = v / tau from v = 1: v = exp(t / tau) exactly, past 1000 at t = tau ln 1000 = 6.908 ms. */
function growth(high: number) {
  return {
    format: 'spikebridge-model/1',
    id: 'growth',
    name: 'exponential growth',
    description: 'v grows without limit',
    input: { symbol: 'I', unit: 'nA', meaning: 'input' },
    parameters: { tau: { value: 1, unit: 'ms', min: 0.1, max: 10, meaning: 'growth time' } },
    state: { v: { initial: '1', unit: 'mV', meaning: 'membrane potential' } },
    equations: ['dv/dt = v / tau + I'],
    threshold: { variable: 'v', level: '1e9' },
    reset: {},
    defaultMethod: 'exact',
    bounds: { v: [-1000, high] },
  };
}

function caught(run: () => void): SimulationError {
  try {
    run();
  } catch (err) {
    if (err instanceof SimulationError) return err;
    throw err;
  }
  throw new Error('expected a SimulationError');
}


/** All frames joined: spikes as "time neuron" (sorted: a frame lists populations one after another), and each trace's values in frame order. */
function joined(frames: Frame[]) {
  const t = concat(frames.map((f) => f.spikes.timeMs), (n) => new Float64Array(n));
  const i = concat(frames.map((f) => f.spikes.neuron), (n) => new Int32Array(n));
  return {
    spikes: Array.from(t, (x, k) => `${x} ${i[k]}`).sort(),
    traces: frames[0].traces.map((_, k) => concat(frames.map((f) => f.traces[k].values), (n) => new Float64Array(n))),
  };
}

describe('a blow-up is reported at its step', () => {
  it('exponential growth past 1000 mV stops at the step ending at 7.0 ms (not at the 10 ms check), naming population, variable, neuron, value and bounds', () => {
    for (const method of ['exact', 'rk4', 'exponential_euler']) {
      const sim = buildSimulation({ format: FORMAT, durationMs: 50, dtMs: 0.1, populations: [{ name: 'cell', model: growth(1000), size: 2, method }], stimuli: [] });
      const err = caught(() => sim.advance());
      expect(err.timeMs, method).toBeCloseTo(7.0, 9);
      expect(err.message).toMatch(/^population "cell" at t = 7\.000 ms: v of neuron 0 = 109\d\.\d+ mV left its range \[-1000, 1000\] mV after the step from t = 6\.9 to 7 ms/);
      // It stays stopped, at that step.
      expect(() => sim.advance()).toThrow(err.message);
      expect(sim.timeMs).toBeCloseTo(7.0, 9);
    }
  });

  it('says the value is NaN, with the bounds, when it is', () => {
    // v = 1 + t until v passes 3, where sqrt(3 - v) is NaN: at about 2.1 ms, long before the 10 ms check.
    const model = { ...growth(1000), equations: ['dv/dt = 1 + sqrt(3 - v) - sqrt(3 - v)'], defaultMethod: 'euler' };
    const sim = buildSimulation({ format: FORMAT, durationMs: 30, dtMs: 0.1, populations: [{ name: 'cell', model, size: 1, method: 'euler' }], stimuli: [] });
    const err = caught(() => sim.advance());
    expect(err.message).toMatch(/^population "cell" at t = 2\.[12]00 ms: v of neuron 0 is NaN \(its range is \[-1000, 1000\] mV\) after the step from t = 2(\.1)? to 2\.[12] ms/);
  });

  // A network with every kind of state a replay must restore: delayed and instant projections
  // (rings), Poisson inputs (random streams), Ornstein-Uhlenbeck and Poisson-current stimuli
  // (their own streams and filters), white noise drawn in the kernel, spike and trace records and
  // the rate window. E and I are LIF neurons; R's neurons, driven by E, run away once v passes
  // about -45 mV (nothing resets them), so the run blows up when the first reaches `high`.
  function network(high: number, options: { noise: boolean }) {
    const runaway = {
      ...lif,
      id: 'lif_runaway',
      equations: ['dv/dt = (-(v - E_L) + R*I) / tau_m + (v > -45 ? 2 * (v + 45) : 0)'],
      threshold: { variable: 'v', level: '1e200' },
      defaultMethod: 'rk4',
      bounds: { v: [-1000, high] },
    };
    const parameters = { E_L: -70, V_th: -50, V_reset: -60, tau_m: 20, t_ref: 2 };
    return {
      format: FORMAT,
      durationMs: 200,
      dtMs: 0.1,
      seed: 7,
      populations: [
        { name: 'E', model: 'lif', size: 200, parameters },
        { name: 'I', model: 'lif', size: 50, parameters },
        { name: 'R', model: runaway, size: 20, parameters: { E_L: -70, tau_m: 20 } },
      ],
      projections: [
        { source: 'E', target: 'E', connect: { rule: 'inDegree', k: 20, allowSelf: false }, on: 'v', weight: 0.3, delayMs: 1.5 },
        { source: 'E', target: 'I', connect: { rule: 'inDegree', k: 20 }, on: 'v', weight: 0.3 },
        { source: 'I', target: 'E', connect: { rule: 'inDegree', k: 5 }, on: 'v', weight: { normal: [-1.2, 0.2] }, delayMs: { uniform: [0.5, 2] } },
        { source: 'E', target: 'R', connect: { rule: 'inDegree', k: 10 }, on: 'v', weight: 0.2, delayMs: 1 },
      ],
      stimuli: [
        { type: 'poissonInput', population: 'E', on: 'v', sources: 100, rateHz: 40, weight: 0.3 },
        { type: 'poissonInput', population: 'I', on: 'v', sources: 100, rateHz: 40, weight: 0.3 },
        { type: 'poissonInput', population: 'R', on: 'v', sources: 100, rateHz: 36, weight: 0.3 },
        { type: 'ouNoise', population: 'R', sigma: 0.2, tauMs: 5 },
        { type: 'poisson', population: 'I', rateHz: 50, amplitude: 0.1, tauMs: 2 },
        ...(options.noise ? [{ type: 'whiteNoise', population: 'E', sigma: 0.1 }] : []),
      ],
      record: {
        spikes: true,
        traces: [
          { population: 'E', variable: 'v', neurons: [0, 1] },
          { population: 'R', variable: 'v', neurons: [0] },
        ],
        traceEveryMs: 0.5,
        rateWindowMs: [0, 200],
      },
    };
  }

  /** The same network under wide bounds, one step at a time until an R neuron ends a step above `high`. */
  function firstCrossing(high: number, options: { noise: boolean }, wasm: boolean) {
    const sim = new Simulation(validateScenario(network(1e250, options)), { wasm });
    const R = sim.populations[2];
    for (;;) {
      sim.advance(0.1);
      const v = R.state[0];
      const neuron = v.findIndex((x) => x > high);
      if (neuron >= 0) return { timeMs: sim.timeMs, neuron, value: v[neuron], frame: sim.drain(), counts: sim.windowCounts(), events: sim.projections.map((p) => p.events) };
      if (sim.done) throw new Error('the reference never crosses');
    }
  }

  for (const [label, options, wasm] of [
    ['WebAssembly loop', { noise: false }, true],
    ['JS loop', { noise: false }, false],
    ['JS loop with white noise in the kernel', { noise: true }, true],
  ] as const) {
    it(`a network (${label}): the same step, neuron, spikes, traces, counts as the reference, whether drained often or run at once`, () => {
      const high = 1000;
      const reference = firstCrossing(high, options, wasm);
      // The old periodic check (every 10 ms) would have said a multiple of 10 ms.
      expect(reference.timeMs % 10).toBeGreaterThan(0.05);
      expect(reference.timeMs % 10).toBeLessThan(9.95);
      const ref = joined([reference.frame]);
      for (const chunkMs of [3.7, 100]) {
        const sim = new Simulation(validateScenario(network(high, options)), { wasm });
        const frames: Frame[] = [];
        const err = caught(() => {
          for (;;) {
            sim.advance(chunkMs);
            frames.push(sim.drain());
          }
        });
        frames.push(sim.drain());
        expect(err.timeMs).toBeCloseTo(reference.timeMs, 9);
        expect(err.message).toContain(`population "R" at t = ${reference.timeMs.toFixed(3)} ms: v of neuron ${reference.neuron} = ${Number(reference.value.toPrecision(6))} mV left its range [-1000, ${high}] mV`);
        const got = joined(frames);
        expect(got.spikes.length).toBeGreaterThan(20);
        expect(got.spikes).toEqual(ref.spikes);
        // Samples up to the step before the blow-up, t = 0 included, all traces alike.
        const samples = Math.floor((Math.round(reference.timeMs / 0.1) - 1) / 5) + 1;
        got.traces.forEach((values, k) => {
          expect(values.length).toBe(samples);
          expect(values).toEqual(ref.traces[k].slice(0, samples));
        });
        expect(sim.windowCounts()).toEqual(reference.counts);
        expect(sim.projections.map((p) => p.events)).toEqual(reference.events);
      }
    });
  }

  it('a run that does not blow up records the same with or without being drained in between (snapshots change nothing)', () => {
    const whole = new Simulation(validateScenario(network(1e250, { noise: true })));
    whole.advance();
    const once = joined([whole.drain()]);
    const chunked = new Simulation(validateScenario(network(1e250, { noise: true })));
    const frames: Frame[] = [];
    while (!chunked.done) {
      chunked.advance(2.3);
      frames.push(chunked.drain());
    }
    const often = joined(frames);
    expect(often.spikes).toEqual(once.spikes);
    often.traces.forEach((values, k) => expect(values).toEqual(once.traces[k]));
  });
});

describe('an initial state outside the model bounds', () => {
  const traced = (neurons: number[]) => ({ spikes: true, traceEveryMs: 0.1, traces: ['v', 'm', 'h', 'n'].map((variable) => ({ population: 'axon', variable, neurons })) });

  it('is a blow-up at t = 0 naming variable, neuron, value and bound; every trace has its t = 0 sample', () => {
    const sim = buildSimulation({ format: FORMAT, durationMs: 20, dtMs: 0.01, populations: [{ name: 'axon', model: 'hh', size: 3, initial: { v: 500 } }], stimuli: [], record: traced([0, 2]) });
    const err = caught(() => sim.advance());
    expect(err.timeMs).toBe(0);
    expect(err.message).toBe('population "axon" at t = 0.000 ms: v of neuron 0 = 500 mV is outside its range [-300, 300] mV in the initial state, before any step: the run cannot start (check the population\'s initial values and the model\'s state.v.initial)');
    expect(sim.timeMs).toBe(0);
    const frame = sim.drain();
    expect(frame.traces.map((t) => [t.variable, t.neuron, t.startMs, t.values.length])).toEqual([
      ['v', 0, 0, 1], ['v', 2, 0, 1], ['m', 0, 0, 1], ['m', 2, 0, 1], ['h', 0, 0, 1], ['h', 2, 0, 1], ['n', 0, 0, 1], ['n', 2, 0, 1],
    ]);
    expect(frame.traces[0].values[0]).toBe(500);
  });

  it('just outside, where one step would bring it back in, still stops at t = 0 (v is never a sample behind the gates)', () => {
    // The staggered half step and the first step pull v = 300.5 mV back inside; it is still refused.
    const sim = buildSimulation({ format: FORMAT, durationMs: 20, dtMs: 0.01, populations: [{ name: 'axon', model: 'hh', size: 1, initial: { v: 300.5 } }], stimuli: [], record: traced([0]) });
    const err = caught(() => sim.advance(1));
    expect(err.message).toContain('v of neuron 0 = 300.5 mV is outside its range [-300, 300] mV in the initial state');
    const lengths = sim.drain().traces.map((t) => t.values.length);
    expect(lengths).toEqual([1, 1, 1, 1]);
  });

  it('a drawn initial distribution that can reach outside is refused before the run, whatever a seed would draw; a gate set outside [-0.01, 1.01] stops at t = 0', () => {
    for (const seed of [1, 3]) {
      expect(() => buildSimulation({ format: FORMAT, durationMs: 20, dtMs: 0.01, seed, populations: [{ name: 'axon', model: 'hh', size: 50, initial: { v: { uniform: [-320, 0] } } }], stimuli: [] })).toThrow(
        expect.objectContaining({ name: 'InputError', field: 'populations[0].initial.v', message: expect.stringMatching(/uniform \[-320, 0\] reaches outside v's range \[-300, 300\] in model hh/) }),
      );
    }
    const gate = buildSimulation({ format: FORMAT, durationMs: 20, dtMs: 0.01, populations: [{ name: 'axon', model: 'hh', size: 2, initial: { h: 1.5 } }], stimuli: [] });
    expect(caught(() => gate.advance()).message).toContain('h of neuron 0 = 1.5 is outside its range [-0.01, 1.01] in the initial state');
  });

  it('an initial value that is NaN from the model file is refused before the run, naming the model file\'s field', () => {
    const model = { ...hh, id: 'hh_nan', state: { ...hh.state, n: { ...hh.state.n, initial: 'sqrt(V_0)' } } };
    expect(() => buildSimulation({ format: FORMAT, durationMs: 20, dtMs: 0.01, populations: [{ name: 'axon', model, size: 1 }], stimuli: [], record: traced([0]) })).toThrow(
      /^populations\[0\]\.model: state\.n\.initial: "sqrt\(V_0\)" of model hh_nan is NaN with V_0 = -65; it must be a finite number/,
    );
  });

  it('inside the bounds, all traces of a population start at t = 0 with the initial values and stay the same length', () => {
    const sim = buildSimulation({ format: FORMAT, durationMs: 20, dtMs: 0.01, populations: [{ name: 'axon', model: 'hh', size: 1, initial: { v: -70 } }], stimuli: [{ type: 'constant', population: 'axon', amplitude: 10 }], record: traced([0]) });
    sim.advance();
    const frame = sim.drain();
    expect(frame.traces.map((t) => t.values.length)).toEqual([201, 201, 201, 201]);
    expect(frame.traces[0].values[0]).toBe(-70);
  });
});
