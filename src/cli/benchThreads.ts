// The scaling of a run split across threads (src/core/parallel): run time (build excluded) of
// CUBA, COBAHH and full-size Brunel on 1, 2 and 3 threads, the speedup over one thread, and
// whether the spikes are those of the run on one thread. `npm run bench` calls benchThreads();
// `node scripts/bundle.mjs src/cli/benchThreads.ts --threads-bench [--repeat N]` runs it alone.
import { availableParallelism, cpus, loadavg } from 'node:os';
import { Worker } from 'node:worker_threads';
import { validateScenario } from '../scenario/scenario.js';
import { preset } from '../scenario/presets.js';
import type { Simulation } from '../core/simulation.js';
import { createSimulation, ThreadedSimulation } from '../core/parallel/threadedSimulation.js';
import { nodeThreadHost } from './simThread.js';
import { concatArrays } from '../core/arrays.js';

interface Measured {
  /** Building on the threads: wall and CPU seconds (every thread's). */
  buildS: number;
  buildCpuS: number;
  runS: number;
  userS: number;
  times: Float64Array;
  neurons: Int32Array;
}

async function measure(name: string, threads: number): Promise<Measured> {
  const valid = validateScenario(structuredClone(preset(name)));
  const buildCpu = process.cpuUsage();
  const buildStarted = performance.now();
  const { simulation } = await createSimulation(valid, { threads, host: nodeThreadHost(), cores: availableParallelism() });
  const buildS = (performance.now() - buildStarted) / 1000;
  const builtCpu = process.cpuUsage(buildCpu);
  const times: Float64Array[] = [];
  const neurons: Int32Array[] = [];
  const take = (sim: Simulation) => {
    const frame = sim.drain();
    times.push(frame.spikes.timeMs);
    neurons.push(frame.spikes.neuron);
  };
  const cpu = process.cpuUsage();
  const started = performance.now();
  // Drained every 100 ms of network time, as a run on the page or the CLI is.
  while (!simulation.done) {
    simulation.advance(100);
    take(simulation);
  }
  const runS = (performance.now() - started) / 1000;
  // This process's CPU time: every thread's, the workers' included.
  const used = process.cpuUsage(cpu);
  if (simulation instanceof ThreadedSimulation) simulation.dispose();
  return { buildS, buildCpuS: (builtCpu.user + builtCpu.system) / 1e6, runS, userS: (used.user + used.system) / 1e6, times: concatArrays(times, (n) => new Float64Array(n)), neurons: concatArrays(neurons, (n) => new Int32Array(n)) };
}

/** A loop of arithmetic alone: no memory traffic, no barrier (the same text runs in the worker). */
const LOOP = 'function loop(n) { let x = 0; for (let i = 0; i < n; i++) x = (x + i * 7) % 1000003; return x; }';
const LOOP_N = 1e8;

/**
 * What the machine gives two threads now: the speedup of two independent loops run together over
 * one run alone (2 on two free cores; less where other processes take a core, or where the
 * virtual machine's cores are shared on its host). No split of a network can beat it.
 */
async function parallelCeiling(): Promise<number> {
  const loop = new Function(`${LOOP}; return loop;`)() as (n: number) => number;
  loop(LOOP_N / 10);
  let started = performance.now();
  loop(LOOP_N);
  const alone = performance.now() - started;
  const worker = new Worker(`${LOOP}; require('node:worker_threads').parentPort.postMessage(loop(${LOOP_N}));`, { eval: true });
  const done = new Promise((resolve) => worker.once('message', resolve));
  await new Promise((resolve) => worker.once('online', resolve));
  started = performance.now();
  loop(LOOP_N);
  await done;
  const together = performance.now() - started;
  await worker.terminate();
  return (2 * alone) / together;
}

function same(a: Measured, b: Measured): boolean {
  if (a.times.length !== b.times.length) return false;
  for (let k = 0; k < a.times.length; k++) if (!Object.is(a.times[k], b.times[k]) || a.neurons[k] !== b.neurons[k]) return false;
  return true;
}

export async function benchThreads(repeats = 3): Promise<void> {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(`\nThreads (${availableParallelism()} cores here, ${cpus()[0]?.model ?? 'unknown CPU'}, 1-minute load ${loadavg()[0].toFixed(2)}): run time without the build; CPU is the process's user + system time (every thread's); build in the same process (this table runs in a process of its own)`);
  out(`Each run is the best of ${repeats}; "ceiling" is what two independent loops of arithmetic gain together over one alone, measured`);
  out('just before (2 on two free cores, less where other processes or the host take a core): no split of a network can beat it.');
  out('network       threads  build s  build CPU s   run s   CPU s   speedup   ceiling   spikes identical');
  for (const name of ['cuba', 'cobahh', 'brunel-full']) {
    let one: Measured | null = null;
    for (const threads of [1, 2, 3]) {
      const ceiling = await parallelCeiling();
      let best: Measured | null = null;
      let identical = true;
      for (let r = 0; r < repeats; r++) {
        const m = await measure(name, threads);
        if (one && !same(one, m)) identical = false;
        if (!best || m.runS < best.runS) best = m;
      }
      const m = best!;
      one ??= m;
      out(`${name.padEnd(13)} ${String(threads).padStart(7)} ${m.buildS.toFixed(3).padStart(8)} ${m.buildCpuS.toFixed(2).padStart(12)} ${m.runS.toFixed(3).padStart(7)} ${m.userS.toFixed(2).padStart(7)} ${(one.runS / m.runS).toFixed(2).padStart(8)}x ${ceiling.toFixed(2).padStart(8)}x   ${threads === 1 ? '(reference)' : identical ? 'yes' : 'NO'}`);
    }
  }
  out(
    [
      '',
      'On 4 and 8 cores: each thread integrates its own neurons and delivers every spike to its own',
      'targets (both divide by the thread count), then meets the others at a barrier, once per step where',
      'a projection has no delay (COBAHH, CUBA) and once per window of the shortest delay otherwise',
      '(Brunel: 14 steps). A barrier itself costs about a microsecond, but each thread waits there for the',
      'slowest: measured here on COBAHH with 2 threads, each waits 10-20 us of its ~90 us step (the',
      "system's interruptions, garbage collection, a thread's share 5-10 % heavier than the other's), and",
      'that wait grows with the number of threads while the work per thread shrinks: expect about 3x on',
      '4 cores and 4.5-5.5x on 8 for COBAHH. Full-size Brunel (15.6 M synapses, each spike reaching',
      "~1,250 random targets) is bound by memory bandwidth in its delivery, which divides across cores",
      "only as far as the memory channels serve them: about 3x on 4 cores and 4-5x on 8 on a laptop with",
      'two channels. The coordinating thread also records every spike and traced value (serial, small).',
      'CUBA is too small to gain: 4000 LIF neurons take ~7 us per step, the order of a barrier wait, so',
      'it runs on one thread unless --threads asks (the default rule in npm run sim -- --help).',
    ].join('\n'),
  );
}

// npm run bench starts this as a process of its own; alone: node scripts/bundle.mjs src/cli/benchThreads.ts --threads-bench.
if (process.argv.includes("--threads-bench")) await benchThreads(Number(process.argv[process.argv.indexOf("--repeat") + 1]) || 3);
