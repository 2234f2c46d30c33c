// `npm run bench`: measures and prints; it never decides whether anything passes.
import { cpus } from 'node:os';
import { Simulation } from '../core/simulation.js';
import { validateScenario, SCENARIO_FORMAT, type Scenario } from '../scenario/scenario.js';
import { builtinModel } from '../core/model/builtinModels.js';
import { defaultParameters } from '../core/model/loadModel.js';
import { currentRange, fiSweep, noiseCurrentSigma } from '../bridge/fiSweep.js';

interface Row {
  case: string;
  neurons: number;
  steps: number;
  seconds: number;
  updatesPerSecond: number;
  spikesPerNeuronPerSecond: number;
}

/** Spread currents over the population so neurons do not fire in lockstep. */
function spread(n: number, low: number, high: number): number[] {
  return Array.from({ length: n }, (_, k) => low + ((high - low) * k) / Math.max(1, n - 1));
}

function populationScenario(model: 'lif' | 'hh', neurons: number, noise: boolean, dtMs: number): Scenario {
  const currents = model === 'lif' ? spread(neurons, 1.5, 5) : spread(neurons, 0, 20);
  const stimuli: Scenario['stimuli'] = [{ type: 'constant', population: 'p', amplitude: currents }];
  if (noise) {
    const loaded = builtinModel(model);
    stimuli.push({ type: 'whiteNoise', population: 'p', sigma: noiseCurrentSigma(loaded, defaultParameters(loaded), 5) });
  }
  return {
    format: SCENARIO_FORMAT,
    durationMs: 1e6,
    dtMs,
    seed: 1,
    populations: [{ name: 'p', model, size: neurons }],
    stimuli,
    record: { spikes: false },
  };
}

/** Advance in slices until at least `minSeconds` of wall time have passed (after a warm-up). */
function measure(label: string, scenario: Scenario, minSeconds: number): Row {
  const sim = new Simulation(validateScenario(scenario));
  const neurons = scenario.populations[0].size;
  const sliceMs = Math.max(scenario.dtMs, Math.min(100, (2e6 / neurons) * scenario.dtMs));
  sim.advance(sliceMs); // warm-up: compile and optimise the kernel
  const startSteps = Math.round(sim.timeMs / scenario.dtMs);
  const startSpikes = sim.stats().spikeCount;
  const t0 = performance.now();
  let elapsed = 0;
  while (elapsed < minSeconds * 1000) {
    sim.advance(sliceMs);
    elapsed = performance.now() - t0;
  }
  const steps = Math.round(sim.timeMs / scenario.dtMs) - startSteps;
  const seconds = elapsed / 1000;
  const simulatedSeconds = (steps * scenario.dtMs) / 1000;
  return {
    case: label,
    neurons,
    steps,
    seconds,
    updatesPerSecond: (neurons * steps) / seconds,
    spikesPerNeuronPerSecond: (sim.stats().spikeCount - startSpikes) / neurons / simulatedSeconds,
  };
}

function fmt(x: number, digits = 1): string {
  return x.toFixed(digits);
}

function main(): void {
  const quick = process.argv.includes('--quick');
  const minSeconds = quick ? 0.3 : 1.5;
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  console.log(`SpikeBridge benchmark — ${cpu}, ${cpus().length} cores, Node ${process.version}, one thread`);
  console.log('Neuron updates per second (build excluded; constant currents spread over the population, 5 mV noise where marked)\n');
  const rows: Row[] = [];
  for (const neurons of [1000, 100000]) {
    rows.push(measure(`LIF exact, dt 0.1 ms`, populationScenario('lif', neurons, false, 0.1), minSeconds));
    rows.push(measure(`LIF exact + white noise, dt 0.1 ms`, populationScenario('lif', neurons, true, 0.1), minSeconds));
    rows.push(measure(`HH staggered, dt 0.01 ms`, populationScenario('hh', neurons, false, 0.01), minSeconds));
  }
  console.log('| case | neurons | steps | wall s | M updates/s | spikes/neuron/s |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(`| ${r.case} | ${r.neurons} | ${r.steps} | ${fmt(r.seconds, 2)} | ${fmt(r.updatesPerSecond / 1e6)} | ${fmt(r.spikesPerNeuronPerSecond)} |`);
  }

  console.log('\nf-I sweeps (whole sweep, model load included):');
  let t0 = performance.now();
  fiSweep({ model: 'lif', currents: currentRange(2.1, 5, 0.1), durationMs: 2000, discardMs: 0, dtMs: 0.1 });
  console.log(`  LIF, 30 points 2.1..5 nA, 2 s each, dt 0.1 ms: ${fmt(performance.now() - t0, 0)} ms`);
  t0 = performance.now();
  fiSweep({ model: 'hh', currents: currentRange(0, 30, 0.25), durationMs: 1000, discardMs: 0, dtMs: 0.01 });
  console.log(`  HH, 121 points 0..30 uA/cm2, 1 s each, dt 0.01 ms: ${fmt(performance.now() - t0, 0)} ms`);
}

main();
