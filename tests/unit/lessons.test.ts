// Every lesson loads, and every step can be passed by doing what it asks in the simulation (and
// is not passed by leaving things as they are): the checks read rates, spikes and fits that a run
// produces, computed as the page computes them.
import { describe, expect, it } from 'vitest';
import { LESSONS } from '../../src/lessons/lessons';
import { loadLesson, nextStep, observePopulation, type Observation, type ValidLesson } from '../../src/lessons/lesson';
import { buildSimulation } from '../../src/scenario/scenario';
import { fiSweep } from '../../src/bridge/fiSweep';
import { fitActivations } from '../../src/bridge/fit';
import { runClampFamily } from '../../src/core/stimulus/clampFamily';
import { openExperiment, validateScenario } from '../../src/scenario/scenario';
import { reversalMV } from '../../src/ui/clampPanel';
import { createBenchApi } from '../../workers/benchApi';
import type { AnnRequest } from '../../workers/annApi';
import { AnnTrainer, trainAnn, type EpochReport } from '../../src/bridge/ann/network';
import { neuronCurve, type ActivationChoice } from '../../src/bridge/ann/annActivation';
import { convertToSpiking, runSpiking } from '../../src/bridge/ann/spiking';
import { annShown } from '../../src/ui/annPanelModel';

const lessons = new Map(LESSONS.map((raw) => {
  const lesson = loadLesson(raw);
  return [lesson.lesson.id, lesson] as const;
}));

/**
 * Run a lesson's scenario with the student's changes: the controlled input (the amplitude of the
 * population's first stimulus) and parameters. Observe the last `windowMs` of the run.
 */
function observe(lesson: ValidLesson, change: { inputs?: Record<string, number>; parameters?: Record<string, Record<string, number>>; durationMs?: number; windowMs?: number; hold?: boolean } = {}): Observation {
  const scenario = structuredClone(lesson.scenario.scenario) as unknown as { durationMs: number; stimuli: { population: string; amplitude?: number; stopMs?: number }[]; populations: { name: string; parameters?: Record<string, number> }[] };
  if (change.durationMs) scenario.durationMs = change.durationMs;
  for (const [population, amount] of Object.entries(change.inputs ?? {})) {
    const stimulus = scenario.stimuli.find((s) => s.population === population && 'amplitude' in s)!;
    stimulus.amplitude = amount;
    // The student holds the control (unless the lesson is about the step's end)
    if (stimulus.stopMs !== undefined && change.hold !== false) stimulus.stopMs = scenario.durationMs;
  }
  for (const [population, values] of Object.entries(change.parameters ?? {})) {
    const p = scenario.populations.find((x) => x.name === population)!;
    p.parameters = { ...p.parameters, ...values };
  }
  const sim = buildSimulation(scenario);
  sim.advance();
  const frame = sim.drain();
  const end = sim.timeMs;
  const start = end - (change.windowMs ?? 500);
  let offset = 0;
  return {
    populations: sim.populations.map((pop) => {
      const times: number[] = [];
      const neurons: number[] = [];
      frame.spikes.neuron.forEach((i, k) => {
        if (i >= offset && i < offset + pop.size) {
          times.push(frame.spikes.timeMs[k]);
          neurons.push(i - offset);
        }
      });
      offset += pop.size;
      const stimulus = scenario.stimuli.find((s) => s.population === pop.name && 'amplitude' in s);
      const parameters = Object.fromEntries(pop.model.parameterNames.map((n, j) => [n, pop.parameters[j]]));
      return observePopulation(pop.name, pop.size, times, neurons, start, end, stimulus?.amplitude ?? 0, parameters);
    }),
  };
}

function fitObservation(noiseSigmaMV: number): Observation['fit'] {
  const currents = Array.from({ length: 40 }, (_, k) => 0.1 * (k + 1));
  const curve = fiSweep({ model: 'lif', currents, durationMs: 1000, discardMs: 100, dtMs: 0.1, noiseSigmaMV, neuronsPerCurrent: noiseSigmaMV > 0 ? 10 : 1, seed: 1 });
  return { population: 'neuron', noiseSigmaMV, ranking: fitActivations(curve.currents, curve.ratesHz).map((f) => f.name) };
}

describe('lessons', () => {
  it('all thirteen load, in teaching order', () => {
    expect([...lessons.keys()]).toEqual(['threshold', 'refractoriness', 'type-i-ii', 'action-potential', 'noise-sigmoid', 'ei-balance', 'ann-unit', 'voltage-clamp', 'phase-plane', 'ions-rest', 'neuron-to-network', 'synapse-e-i', 'summation']);
  });

  it('12. excitation and inhibition: a subthreshold current plus the EPSPs fires; E_i at rest; slow inhibition silences', () => {
    const l = lessons.get('synapse-e-i')!;
    expect(l.checks[0](observe(l))).toBe(false); // EPSPs alone: silent
    expect(l.checks[0](observe(l, { inputs: { neuron: 0.05 } }))).toBe(false); // not enough
    expect(l.checks[0](observe(l, { inputs: { neuron: 0.06 } }))).toBe(true);
    expect(l.checks[0](observe(l, { inputs: { neuron: 0.2 } }))).toBe(false); // fires, but the current alone would
    expect(l.checks[1](observe(l, { parameters: { neuron: { E_i: -60 } } }))).toBe(true);
    expect(l.checks[1](observe(l))).toBe(false);
    expect(l.checks[2](observe(l, { inputs: { neuron: 0.07 }, parameters: { neuron: { tau_i: 60 } } }))).toBe(true);
    expect(l.checks[2](observe(l, { inputs: { neuron: 0.07 } }))).toBe(false); // fast inhibition: it still fires
    expect(l.checks[2](observe(l, { inputs: { neuron: 0.03 } }))).toBe(false); // silent only for want of current
  });

  it('13. summation: S fires on the sum of three inputs only; T fires once its EPSPs last long enough to add', () => {
    const l = lessons.get('summation')!;
    expect(l.checks[0](observe(l))).toBe(false); // V_th -40 mV: silent
    expect(l.checks[0](observe(l, { parameters: { S: { V_th: -50 } } }))).toBe(true);
    expect(l.checks[0](observe(l, { parameters: { S: { V_th: -62 } } }))).toBe(false); // every single EPSP fires it
    expect(l.checks[1](observe(l))).toBe(false);
    expect(l.checks[1](observe(l, { parameters: { T: { tau_e: 2 } } }))).toBe(false); // slower, not yet enough
    expect(l.checks[1](observe(l, { parameters: { T: { tau_e: 5 } } }))).toBe(true);
  });

  it('1. threshold: silent below the rheobase, then firing just above it', () => {
    const l = lessons.get('threshold')!;
    expect(l.checks[0](observe(l, { inputs: { neuron: 1.8 } }))).toBe(true);
    expect(l.checks[0](observe(l))).toBe(false); // the preset's 2.5 nA fires
    expect(l.checks[1](observe(l, { inputs: { neuron: 2.05 } }))).toBe(true);
    expect(l.checks[1](observe(l, { inputs: { neuron: 2.5 } }))).toBe(false); // fires, but far above
    expect(l.checks[1](observe(l, { inputs: { neuron: 1.99 } }))).toBe(false); // not yet firing
    expect(nextStep(l, [true, false])).toBe(1);
    // The text over the plot does not give the answer away (the preset's says "above the 2 nA rheobase").
    expect(l.scenario.scenario.description).not.toMatch(/rheobase|\b2 nA/);
  });

  it('2. refractoriness: near 1/t_ref with a strong drive, and again with t_ref = 5 ms', () => {
    const l = lessons.get('refractoriness')!;
    expect(l.checks[0](observe(l, { inputs: { neuron: 100 } }))).toBe(true);
    expect(l.checks[0](observe(l, { inputs: { neuron: 5 } }))).toBe(false);
    expect(l.checks[0](observe(l))).toBe(false); // the lesson's own 30 nA gives 372 Hz: the student must push
    expect(l.checks[1](observe(l, { inputs: { neuron: 100 }, parameters: { neuron: { t_ref: 5 } } }))).toBe(true);
    expect(l.checks[1](observe(l, { inputs: { neuron: 100 } }))).toBe(false); // t_ref still 2 ms
  });

  it('3. type I and II: the LIF fires slowly near its rheobase; the HH jumps to about 50 Hz', () => {
    const l = lessons.get('type-i-ii')!;
    const run = (lif: number, hh: number) => observe(l, { inputs: { LIF: lif, HH: hh }, durationMs: 600, windowMs: 300 });
    expect(l.checks[0](run(2.03, 10))).toBe(true);
    expect(l.checks[0](run(2.5, 10))).toBe(false);
    expect(l.checks[1](run(2.5, 6.5))).toBe(true);
    expect(l.checks[1](run(2.5, 5))).toBe(false); // silent
  }, 30_000);

  it('4. the action potential: a spike; a rebound spike from a hyperpolarising step; paired pulses', () => {
    const l = lessons.get('action-potential')!;
    // Step 1 asks to show the gates and currents: firing alone does not pass it.
    const firing = observe(l, { windowMs: 150 });
    expect(l.checks[0](firing)).toBe(false);
    expect(l.checks[0]({ ...firing, view: { showGates: true, showCurrents: false } })).toBe(false);
    expect(l.checks[0]({ ...firing, view: { showGates: true, showCurrents: true } })).toBe(true);
    expect(l.checks[1](observe(l, { inputs: { HH: -5 }, windowMs: 150, hold: false }))).toBe(true);
    expect(l.checks[1](observe(l, { inputs: { HH: -0.5 }, windowMs: 150, hold: false }))).toBe(false);
    // paired pulses 10 ms apart: the second fires only with a stronger stimulus (relative refractoriness)
    expect(l.checks[2](observe(l, { windowMs: 150, hold: false }))).toBe(false);
    const secondPulse = (amplitude: number) => {
      const scenario = structuredClone(l.scenario.scenario) as unknown as { stimuli: { population: string; startMs?: number; amplitude?: number }[] };
      scenario.stimuli.find((st) => st.population === 'pair' && st.startMs === 30)!.amplitude = amplitude;
      return observe({ ...l, scenario: { ...l.scenario, scenario: scenario as never } }, { windowMs: 150, hold: false });
    };
    expect(l.checks[2](secondPulse(35))).toBe(true);
    expect(l.checks[2](secondPulse(20))).toBe(false);
  });

  it('5. noise: the noiseless sweep, then a noisy one whose best fit is a smooth function', () => {
    const l = lessons.get('noise-sigmoid')!;
    const clean = { populations: [], fit: fitObservation(0) };
    const noisy = { populations: [], fit: fitObservation(5) };
    expect(l.checks[0](clean)).toBe(true);
    expect(l.checks[1](clean)).toBe(false);
    expect(l.checks[1](noisy)).toBe(true);
  }, 30_000);

  it('6. E/I balance: CUBA fires irregularly; weaker inhibition raises the rate, stronger lowers it', () => {
    const l = lessons.get('ei-balance')!;
    const run = (tauI?: number) => observe(l, { windowMs: 500, ...(tauI ? { parameters: { E: { tau_i: tauI }, I: { tau_i: tauI } } } : {}) });
    const base = run();
    // Step 1 asks to trace a neuron of E besides neuron 0 (a raster row clicked): watching alone does not pass it.
    expect(l.checks[0](base)).toBe(false);
    expect(l.checks[0]({ ...base, traced: [{ population: 'E', neuron: 0 }, { population: 'I', neuron: 12 }] })).toBe(false);
    expect(l.checks[0]({ ...base, traced: [{ population: 'E', neuron: 0 }, { population: 'E', neuron: 417 }] })).toBe(true);
    expect(base.populations.find((p) => p.name === 'E')!.isiCv!).toBeGreaterThan(0.4);
    const weak = run(3);
    expect(l.checks[1](weak)).toBe(true);
    expect(l.checks[1](base)).toBe(false);
    const strong = run(25);
    expect(l.checks[2](strong)).toBe(true);
    expect(l.checks[2](base)).toBe(false);
    expect(l.checks[2](weak)).toBe(false);
  }, 60_000);

  it('7. a unit: a rate between 20 and 60 Hz, then any finished sweep', () => {
    const l = lessons.get('ann-unit')!;
    expect(l.checks[0](observe(l, { inputs: { neuron: 2.3 } }))).toBe(true);
    expect(l.checks[0](observe(l, { inputs: { neuron: 5 } }))).toBe(false);
    expect(l.checks[1]({ populations: [] })).toBe(false);
    expect(l.checks[1]({ populations: [], fit: { population: 'neuron', noiseSigmaMV: 0, ranking: ['soft-LIF'] } })).toBe(true);
  });

  it('8. the voltage clamp: E_Na from the I-V curve, then TTX and TEA take their currents away', () => {
    const l = lessons.get('voltage-clamp')!;
    // What the clamp panel reports after a family, from the core's family as the panel reads it.
    const clamp = (blockers: Record<string, number>): Observation => {
      const family = runClampFamily({ model: 'hh', holdingMV: -65, fromMV: -100, toMV: 60, stepMV: 10, durationMs: 10, blockers }, validateScenario);
      return { populations: [], bench: { clamp: { population: 'neuron', currents: family.currents.map((c, i) => ({ name: c.name, reversalMV: reversalMV(family, i), zero: family.steps.every((s) => s.peak[i] === 0) })) } } };
    };
    const open = clamp({});
    expect(open.bench!.clamp!.currents.find((c) => c.name === 'I_Na')!.reversalMV).toBe(50); // a step lands on E_Na, where I_Na is exactly 0
    expect(l.checks[0](open)).toBe(true);
    expect(l.checks[0]({ populations: [] })).toBe(false);
    const ttx = clamp({ TTX: 1 });
    expect(l.checks[0](ttx)).toBe(false);
    expect(l.checks[1](ttx)).toBe(true);
    expect(l.checks[1](open)).toBe(false);
    expect(l.checks[2](ttx)).toBe(false);
    expect(l.checks[2](clamp({ TTX: 1, TEA: 1 }))).toBe(true);
  }, 60_000);

  it('9. the phase plane: type I loses its rest in a saddle-node, type II in a Hopf bifurcation', () => {
    const l = lessons.get('phase-plane')!;
    const summary = openExperiment(l.scenario.scenario).summary;
    const api = createBenchApi();
    // What the phase panel reports for a population at an input, from the bench worker's adapter.
    const plane = (population: string, input: number): Observation => {
      const p = summary.populations.find((q) => q.name === population)!;
      const request = { model: p.model, parameters: Object.fromEntries(p.parameters.map((r) => [r.name, r.value])), input, blockers: {}, ions: {} };
      const view = api.plane(request);
      const onset = api.bifurcation(request);
      if (!view.ok || !onset.ok) throw new Error('refused');
      return { populations: [], bench: { plane: { population, restStable: view.value.fixedPoints.some((f) => f.stable), bifurcation: onset.value?.kind ?? null } } };
    };
    expect(l.checks[0](plane('typeI', 30))).toBe(false); // the lesson's start: at rest
    expect(l.checks[0](plane('typeI', 45))).toBe(true); // past the saddle-node near 40
    expect(l.checks[1](plane('typeII', 80))).toBe(false);
    expect(l.checks[1](plane('typeII', 100))).toBe(true); // past the Hopf point at 93.9
    expect(l.checks[1](plane('typeI', 45))).toBe(false);
  }, 60_000);

  it('10. ions: the rest follows [K]o (settled near -63 mV at 20 mM, near -41 mV at 50 mM)', () => {
    const l = lessons.get('ions-rest')!;
    // What the ions panel reports: the concentrations and the membrane potential once it has settled (20 ms within 1 mV).
    const settle = (outsideMM: number): Observation => {
      const scenario = structuredClone(l.scenario.scenario) as unknown as { populations: { ions: Record<string, unknown> }[] };
      scenario.populations[0].ions = { K: { outsideMM } };
      const experiment = openExperiment(scenario);
      experiment.advance(500);
      const v = experiment.drain().traces[0].values.slice(-200);
      const settled = Math.max(...v) - Math.min(...v) < 1 ? v.reduce((a, b) => a + b, 0) / v.length : null;
      return { populations: [], bench: { ions: { population: 'neuron', concentrations: { K: { insideMM: 400, outsideMM }, Na: { insideMM: 50, outsideMM: 440 } }, membraneMV: settled } } };
    };
    const sea = settle(20);
    expect(sea.bench!.ions!.membraneMV).toBeCloseTo(-63.1, 0);
    expect(l.checks[0](sea)).toBe(true);
    expect(l.checks[1](sea)).toBe(false);
    const high = settle(50);
    expect(high.bench!.ions!.membraneMV).toBeCloseTo(-41.4, 0);
    expect(l.checks[1](high)).toBe(true);
    expect(l.checks[0](high)).toBe(false);
  }, 60_000);

  it('11. from the neuron to a network: ReLU on the circle, dead units, this neuron on XOR, then as spikes', () => {
    const l = lessons.get('neuron-to-network')!;
    // What the ANN playground publishes, from the trainer the page's worker runs (annApi.ts).
    const shown = (request: AnnRequest, report: EpochReport): Observation => ({ populations: [], bench: { ann: annShown(request, report) } });
    const request = (activation: AnnRequest['activation'], kind: 'circle' | 'xor', learningRate = 0.03): AnnRequest => ({ dataset: { kind, points: 160, noise: 0.05, testFraction: 0.5 }, hidden: [6, 6], activation, learningRate, batchSize: 10, l2: 0, dropout: 0, seed: 2, epochs: 80 });
    const train = (r: AnnRequest, activation: ActivationChoice) => trainAnn({ ...r, dataset: { ...r.dataset, seed: r.seed }, activation }, r.epochs);
    const relu = request('relu', 'circle');
    const trainedRelu = train(relu, 'relu');
    expect(l.checks[0](shown(relu, trainedRelu.report))).toBe(true);
    expect(l.checks[0](shown(relu, train(relu, 'relu').trainer.report()))).toBe(true);
    expect(l.checks[0](shown(relu, new AnnTrainer({ ...relu, dataset: { ...relu.dataset, seed: 2 }, activation: 'relu' }).report()))).toBe(false); // untrained
    expect(l.checks[0]({ populations: [] })).toBe(false);
    const fast = request('relu', 'circle', 1);
    expect(l.checks[1](shown(fast, train(fast, 'relu').report))).toBe(true);
    expect(l.checks[1](shown(relu, trainedRelu.report))).toBe(false); // none dead at 0.03
    const curve = neuronCurve('lif', { noiseSigmaMV: 5, seed: 2 });
    const neuron = request({ neuron: { population: 'neuron', model: 'lif', parameters: {}, noiseSigmaMV: 5 } }, 'xor');
    const trainedNeuron = train(neuron, { neuron: curve });
    expect(l.checks[2](shown(neuron, trainedNeuron.report))).toBe(true);
    expect(l.checks[2](shown(request('relu', 'xor'), train(request('relu', 'xor'), 'relu').report))).toBe(false); // not the neuron
    expect(l.checks[2]({ populations: [], bench: { ann: { ...annShown(neuron, trainedNeuron.report), population: 'other' } } })).toBe(false);
    const net = convertToSpiking(trainedNeuron.trainer.snapshot(), { neuron: curve }, trainedNeuron.trainer.dataset.train, { neuronsPerUnit: 10, windowsMs: [50, 500], seed: 2 });
    const spiking = runSpiking(net, trainedNeuron.trainer.dataset.test);
    const ann = annShown(neuron, trainedNeuron.report);
    const withSpikes = (windowsMs: number[], accuracy: number[]): Observation => ({ populations: [], bench: { ann: { ...ann, spiking: { windowsMs, accuracy, annAccuracy: spiking.annAccuracy } } } });
    expect(spiking.accuracy[1]).toBeGreaterThanOrEqual(spiking.annAccuracy - 0.03);
    expect(l.checks[3](withSpikes(spiking.windowsMs, Array.from(spiking.accuracy)))).toBe(true);
    expect(l.checks[3](withSpikes([50], [spiking.accuracy[0]]))).toBe(false); // too short a window
    expect(l.checks[3](withSpikes([50, 500], [0.9, spiking.annAccuracy - 0.05]))).toBe(false); // 5 points below
    expect(l.checks[3]({ populations: [], bench: { ann } })).toBe(false); // not run as spikes yet
  }, 60_000);

  it('refuses a bad or hostile lesson with the field named', () => {
    const base = { format: 'spikebridge-lesson/1', id: 'x', title: 'x', scenario: 'single-lif', steps: [{ task: 't', explanation: 'e', check: { kind: 'fires', population: 'neuron' } }] };
    expect(() => loadLesson({ ...base, scenario: 'nope' })).toThrow(/^lesson: scenario: "nope" is not a preset/);
    expect(() => loadLesson({ ...base, steps: [{ ...base.steps[0], check: { kind: 'fires', population: 'ghost' } }] })).toThrow(/steps\[0\]\.check\.population: "ghost" is not a population/);
    expect(() => loadLesson({ ...base, steps: [{ ...base.steps[0], check: { kind: 'magic', population: 'neuron' } }] })).toThrow(/check\.kind: "magic" is not a check/);
    expect(() => loadLesson({ ...base, steps: [{ ...base.steps[0], check: { kind: 'rate', population: 'neuron', atLeastHz: 'constructor.constructor("x")()' } }] })).toThrow(/atLeastHz/);
    expect(() => loadLesson({ ...base, steps: [{ ...base.steps[0], check: { kind: 'rate', population: 'neuron', atLeastHz: 'V_th * 2', extra: 1 } }] })).toThrow(/check\.extra: is not a field of a "rate" check/);
    const hh = { ...base, scenario: 'single-hh' };
    expect(() => loadLesson({ ...hh, steps: [{ ...base.steps[0], check: { kind: 'clamp', population: 'neuron', current: 'I_Ca' } }] })).toThrow(/check\.current: "I_Ca" is not a current hh declares \(I_Na, I_K, I_L\)/);
    expect(() => loadLesson({ ...hh, steps: [{ ...base.steps[0], check: { kind: 'plane', population: 'neuron', bifurcation: 'fold' } }] })).toThrow(/check\.bifurcation: must be "hopf" or "saddle-node"/);
    expect(() => loadLesson({ ...hh, steps: [{ ...base.steps[0], check: { kind: 'ions', population: 'neuron', ion: 'K', membraneAtLeastMV: 'x' } }] })).toThrow(/check\.membraneAtLeastMV: must be a number/);
    expect(() => loadLesson({ ...hh, steps: [{ ...base.steps[0], check: { kind: 'ann', population: 'neuron', activation: 'relu' } }] })).toThrow(/check\.activation: must be a list of names/);
    expect(() => loadLesson({ ...hh, steps: [{ ...base.steps[0], check: { kind: 'ann', population: 'neuron', testAccuracy: 0.9 } }] })).toThrow(/check\.testAccuracy: is not a field of a "ann" check/);
    expect(() => loadLesson({ ...hh, steps: [{ ...base.steps[0], check: { kind: 'view', population: 'neuron', gates: 'yes' } }] })).toThrow(/check\.gates: must be true or false, got "yes"/);
    expect(() => loadLesson({ ...hh, steps: [{ ...base.steps[0], check: { kind: 'view', population: 'neuron' } }] })).toThrow(/check: a "view" check needs gates or currents/);
    expect(() => loadLesson({ ...base, steps: [{ ...base.steps[0], check: { kind: 'traced', population: 'neuron', neuronAtLeast: 1 } }] })).toThrow(/check\.neuronAtLeast: must be a neuron index of neuron \(0 to 0\), got 1/);
  });
});
