// `npm run bench`: measures and prints; it never decides whether anything passes.
import { cpus } from 'node:os';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { preset } from '../scenario/presets.js';
import { Simulation } from '../core/simulation.js';
import type { PopulationOptions } from '../core/population.js';
import { validateScenario, SCENARIO_FORMAT, type Scenario } from '../scenario/scenario.js';
import { builtinModel } from '../core/model/builtinModels.js';
import { defaultParameters } from '../core/model/loadModel.js';
import { currentRange, fiSweep, noiseCurrentSigma } from '../bridge/fiSweep.js';
import { fitActivations } from '../bridge/fit.js';
import { trainAnn } from '../bridge/ann/network.js';
import { neuronCurve } from '../bridge/ann/annActivation.js';
import { convertToSpiking, runSpiking } from '../bridge/ann/spiking.js';
import { buildVsBrian2 } from './benchBuild.js';

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

async function main(): Promise<void> {
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

  networks(quick);
  buildVsBrian2(quick);
  // In a process of its own, as a CLI run is: this one's heap, grown by the sections above, has
  // the collector pause the coordinating thread while the others wait at the barrier.
  spawnSync(process.execPath, [fileURLToPath(new URL('../../scripts/bundle.mjs', import.meta.url)), 'src/cli/benchThreads.ts', '--threads-bench'], { stdio: 'inherit', cwd: fileURLToPath(new URL('../..', import.meta.url)) });
  if (process.argv.includes('--vs-brian2')) vsBrian2();

  console.log('\nf-I sweeps (whole sweep, model load included):');
  let t0 = performance.now();
  fiSweep({ model: 'lif', currents: currentRange(0.2, 20, 0.2), durationMs: 2000, discardMs: 0, dtMs: 0.1 });
  console.log(`  LIF, 100 points 0.2..20 nA, 2 s each, dt 0.1 ms: ${fmt(performance.now() - t0, 0)} ms`);
  t0 = performance.now();
  const noisy = fiSweep({ model: 'lif', currents: currentRange(0.2, 20, 0.2), durationMs: 1100, discardMs: 100, dtMs: 0.1, noiseSigmaMV: 5, neuronsPerCurrent: 20 });
  console.log(`  LIF + 5 mV noise, 100 points x 20 neurons, 1.1 s each: ${fmt(performance.now() - t0, 0)} ms`);
  t0 = performance.now();
  fiSweep({ model: 'hh', currents: currentRange(0.4, 40, 0.4), durationMs: 1000, discardMs: 0, dtMs: 0.01 });
  console.log(`  HH, 100 points 0.4..40 uA/cm2, 1 s each, dt 0.01 ms: ${fmt(performance.now() - t0, 0)} ms`);
  t0 = performance.now();
  fitActivations(noisy.currents, noisy.ratesHz);
  console.log(`  fitting the five ranked activations to the noisy LIF sweep: ${fmt(performance.now() - t0, 0)} ms`);
  annBench();
}

/**
 * Training speed of the small classifier, and its run as spiking LIF populations at the CLI's
 * defaults (20 neurons per unit, 500 ms per point): `npm run sim -- ann ... --spiking`.
 */
function annBench(): void {
  console.log('\nSmall network (circle, 400 points, hidden 8,8; npm run sim -- ann):');
  for (const [name, activation] of [['ReLU', 'relu'], ['neuron:lif, 5 mV', { neuron: neuronCurve('lif', { noiseSigmaMV: 5 }) }]] as const) {
    trainAnn({ dataset: { kind: 'circle', points: 400 }, hidden: [8, 8], activation, seed: 1 }, 20); // warm-up
    const t0 = performance.now();
    const { trainer, report } = trainAnn({ dataset: { kind: 'circle', points: 400 }, hidden: [8, 8], activation, seed: 1 }, 200);
    const seconds = (performance.now() - t0) / 1000;
    console.log(`  ${name}: ${fmt(200 / seconds, 0)} epochs/s (200 training points, batch 10, each epoch's report included), test accuracy ${fmt(100 * report.testAccuracy, 1)} %`);
    const t1 = performance.now();
    const net = convertToSpiking(trainer.snapshot(), activation, trainer.dataset.train, { neuronsPerUnit: 20 });
    const convertS = (performance.now() - t1) / 1000;
    const t2 = performance.now();
    const result = runSpiking(net, trainer.dataset.test);
    const runS = (performance.now() - t2) / 1000;
    const points = trainer.dataset.test.count;
    const neurons = points * (8 + 8 + 2) * 20;
    console.log(
      `    as spiking LIF populations (20 neurons per unit, ${points} test points, 500 ms each; ${neurons} neurons): conversion ${fmt(convertS, 2)} s, run ${fmt(runS, 1)} s, ` +
        `${fmt((neurons * 5000) / runS / 1e6, 1)} M neuron updates/s, ${fmt((points * 0.5) / runS, 1)} point-seconds simulated per second; ` +
        `accuracy per window ${result.windowsMs.map((w, k) => `${w} ms ${fmt(100 * result.accuracy[k], 1)} %`).join(', ')} (ANN ${fmt(100 * result.annAccuracy, 1)} %), rate correlation ${result.rateCorrelation.toFixed(3)}`,
    );
  }
}

interface NetworkRow {
  name: string;
  neurons: number;
  synapses: number;
  bytesPerSynapse: number;
  buildS: number;
  runS: number;
  bioS: number;
  events: number;
  rateHz: number;
  peakMB: number;
  /** Which loop ran each population: wasm-simd or js. */
  engine: string;
  /** The run of a second build of the same network in this process (JIT warmed up). */
  runAgainS?: number;
}

function runNetwork(name: string, scenario: Scenario, options: PopulationOptions = {}): NetworkRow {
  const t0 = performance.now();
  const sim = new Simulation(validateScenario(scenario), options);
  const t1 = performance.now();
  let peak = process.memoryUsage().rss;
  const sliceMs = 50;
  while (!sim.done) {
    sim.advance(sliceMs);
    sim.drain();
    peak = Math.max(peak, process.memoryUsage().rss);
  }
  const t2 = performance.now();
  const info = sim.networkInfo();
  const stats = sim.stats();
  return {
    name,
    neurons: sim.populations.reduce((a, p) => a + p.size, 0),
    synapses: info.synapses,
    bytesPerSynapse: info.bytesPerSynapse,
    buildS: (t1 - t0) / 1000,
    runS: (t2 - t1) / 1000,
    bioS: scenario.durationMs / 1000,
    events: sim.projections.reduce((a, p) => a + p.events, 0),
    rateHz: stats.meanRateHz,
    peakMB: peak / 2 ** 20,
    engine: [...new Set(sim.populations.map((p) => p.engine))].join('+'),
  };
}

function printNetworks(rows: NetworkRow[]): void {
  const again = rows.some((r) => r.runAgainS !== undefined);
  console.log(`| network | neurons | synapses | bytes/syn | build s | run s |${again ? ' run s, built again |' : ''} real-time factor | M syn. events/s | mean rate Hz | peak RSS MB | loop |`);
  console.log(`|---|---:|---:|---:|---:|---:|${again ? '---:|' : ''}---:|---:|---:|---:|---|`);
  for (const r of rows) {
    const best = Math.min(r.runS, r.runAgainS ?? Infinity);
    const againCell = again ? ` ${r.runAgainS === undefined ? '' : fmt(r.runAgainS, 3)} |` : '';
    console.log(`| ${r.name} | ${r.neurons} | ${r.synapses} | ${fmt(r.bytesPerSynapse, 0)} | ${fmt(r.buildS, 2)} | ${fmt(r.runS, 3)} |${againCell} ${fmt(best / r.bioS, 2)} | ${fmt(r.events / best / 1e6)} | ${fmt(r.rateHz, 2)} | ${fmt(r.peakMB, 0)} | ${r.engine} |`);
  }
}

function networks(quick: boolean): void {
  console.log('\nBenchmark networks (1 s of biological time unless noted; "run" excludes build; the first run in this process includes the JIT\'s warm-up, so each network is built and run twice; real-time factor and events/s from the faster):');
  const names = ['cuba', 'coba', 'cobahh', 'brunel-j0.1', 'brunel-j0.25'];
  printNetworks(names.map((name) => ({ ...runNetwork(name, preset(name) as Scenario), runAgainS: runNetwork(name, preset(name) as Scenario).runS })));

  // Scaling: Brunel-type LIF networks at a fixed in-degree (80 E + 20 I), 200 ms each.
  console.log('\nScaling at fixed in-degree (LIF, delta synapses, C_E = 80, C_I = 20, J = 0.5 mV, g = 5, Poisson drive; 200 ms):');
  const sizes = quick ? [1000, 4000, 16000] : [1000, 4000, 16000, 64000, 256000];
  printNetworks(sizes.map((n) => runNetwork(`LIF ${n}`, scalingScenario(n))));
}

function scalingScenario(n: number): Scenario {
  const base = preset('brunel-j0.25') as Scenario;
  const ne = Math.round(n * 0.8);
  const J = 0.5;
  return {
    ...base,
    name: `scaling ${n}`,
    durationMs: 200,
    record: { spikes: false },
    populations: base.populations.map((p) => ({ ...p, size: p.name === 'E' ? ne : n - ne })),
    projections: base.projections!.map((pr) => ({ ...pr, connect: { rule: 'inDegree', k: pr.source === 'E' ? 80 : 20, allowSelf: false }, weight: pr.source === 'E' ? J : -5 * J })),
    stimuli: base.stimuli.map((s) => ({ ...s, sources: 80, weight: J, rateHz: (2 * 20 * 1000) / (J * 80 * 20) })) as Scenario['stimuli'],
  };
}

/**
 * Brian2's CUBA and COBAHH examples beside ours on this machine, in one go. Both sides are medians
 * of several runs (either varies by 10-50 % from run to run here): Brian2 standalone in fresh
 * processes; ours both as builds in this process and as fresh `npm run sim -- run NAME` processes,
 * where the JIT warms up inside the run, as a user meets it.
 */
function vsBrian2(): void {
  console.log('\nBeside Brian2 (/usr/bin/python3, Debian python3-brian; its examples, src/cli/brian2_bench.py); Brian2 standalone compiles C++ first:');
  for (const [name, repeats] of [['cuba', 5], ['cobahh', 3]] as const) if (!vsBrian2Network(name, repeats)) return;
}

function vsBrian2Network(name: 'cuba' | 'cobahh', repeats: number): boolean {
  const script = fileURLToPath(new URL('./brian2_bench.py', import.meta.url));
  type BrianRun = { run_s: number; total_s?: number; synapses: number; rate_hz: number };
  const brian = (mode: string): BrianRun | null => {
    const result = spawnSync('/usr/bin/python3', [script, name, mode], { encoding: 'utf8', timeout: 600_000 });
    if (result.status !== 0) {
      console.log(`  Brian2 (${name}, ${mode}) did not run: ${result.error?.message ?? result.stderr.trim().split('\n').pop()} (it needs Debian's python3-brian at /usr/bin/python3).`);
      return null;
    }
    return JSON.parse(result.stdout.trim().split('\n').pop()!) as BrianRun;
  };
  const standalone: BrianRun[] = [];
  for (let k = 0; k < repeats; k++) {
    const run = brian('standalone');
    if (!run) return false;
    standalone.push(run);
  }
  const cython = brian('cython');
  if (!cython) return false;
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const list = (xs: number[]) => [...xs].sort((a, b) => a - b).map((t) => fmt(t, 3)).join(', ');
  const runs = Array.from({ length: repeats }, () => runNetwork(name, preset(name) as Scenario));
  const ours = { ...runs[0], runS: median(runs.map((r) => r.runS)) };
  const theirs = { ...standalone[0], run_s: median(standalone.map((r) => r.run_s)), total_s: median(standalone.map((r) => r.total_s!)) };
  const cli = fileURLToPath(new URL('./run.mjs', import.meta.url));
  const fresh = Array.from({ length: repeats }, () => {
    const t0 = performance.now();
    const result = spawnSync(process.execPath, [cli, 'run', name], { encoding: 'utf8', maxBuffer: 1 << 28 });
    const wholeS = (performance.now() - t0) / 1000;
    const wall = (JSON.parse(result.stdout) as { stats: { wallTimeMs: { run: number } } }).stats.wallTimeMs;
    return { runS: wall.run / 1000, wholeS };
  });
  const freshRun = median(fresh.map((f) => f.runS));
  console.log(`${name.toUpperCase()}:`);
  let jsNote = '';
  if (ours.engine.includes('wasm')) jsNote = `; the JS loop alone: ${fmt(runNetwork(name, preset(name) as Scenario, { wasm: false }).runS, 3)} s`;
  console.log(`  SpikeBridge (${ours.engine}): run ${fmt(ours.runS, 3)} s (median of ${repeats} in this process: ${list(runs.map((r) => r.runS))}), build ${fmt(ours.buildS, 3)} s, ${ours.synapses} synapses, ${fmt(ours.rateHz, 2)} Hz${jsNote}`);
  console.log(`  SpikeBridge, each in a fresh process (npm run sim -- run ${name}): run ${fmt(freshRun, 3)} s (median of ${repeats}: ${list(fresh.map((f) => f.runS))}), whole process ${fmt(median(fresh.map((f) => f.wholeS)), 2)} s`);
  console.log(`  Brian2 standalone: run ${fmt(theirs.run_s, 3)} s (median of ${repeats}: ${list(standalone.map((r) => r.run_s))}), whole process ${fmt(theirs.total_s, 1)} s, ${theirs.synapses} synapses, ${fmt(theirs.rate_hz, 2)} Hz`);
  console.log(`  Brian2 cython: run ${fmt(cython.run_s, 3)} s, ${fmt(cython.rate_hz, 2)} Hz`);
  console.log(`  ratio SpikeBridge run / Brian2 standalone run (medians): ${fmt(ours.runS / theirs.run_s, 2)} in this process, ${fmt(freshRun / theirs.run_s, 2)} in fresh processes; / Brian2 cython run: ${fmt(ours.runS / cython.run_s, 2)}`);
  return true;
}

await main();
