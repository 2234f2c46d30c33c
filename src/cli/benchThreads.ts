// The scaling of a run split across threads (src/core/parallel): run time (build excluded) of
// CUBA, COBAHH and full-size Brunel on 1, 2 and 3 threads, the speedup over one thread, and
// whether the spikes are those of the run on one thread. `npm run bench` calls benchThreads();
// `node scripts/bundle.mjs src/cli/benchThreads.ts --threads-bench [--repeat N]` runs it alone.
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
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
  /** The host's steal during the run, as a share of the run's time on each core (averaged), where the system tells it. */
  steal: number | null;
  times: Float64Array;
  neurons: Int32Array;
}

/**
 * Time the host's other guests took from this virtual machine's cores (steal, /proc/stat, in
 * clock ticks of 10 ms), summed over the cores; null where the system does not say. A run split
 * across threads waits at each step for the thread whose core was taken: its loss is the steal
 * of every core, where one thread's is that of its own.
 */
function stealTicks(): number | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
    return line[0] === 'cpu' && line.length > 8 ? Number(line[8]) : null;
  } catch {
    return null;
  }
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
  const stolen = stealTicks();
  const started = performance.now();
  // Drained every 100 ms of network time, as a run on the page or the CLI is.
  while (!simulation.done) {
    simulation.advance(100);
    take(simulation);
  }
  const runS = (performance.now() - started) / 1000;
  const stolenNow = stealTicks();
  const steal = stolen === null || stolenNow === null ? null : (stolenNow - stolen) / 100 / runS / availableParallelism();
  // This process's CPU time: every thread's, the workers' included.
  const used = process.cpuUsage(cpu);
  if (simulation instanceof ThreadedSimulation) simulation.dispose();
  return { buildS, buildCpuS: (builtCpu.user + builtCpu.system) / 1e6, runS, steal, userS: (used.user + used.system) / 1e6, times: concatArrays(times, (n) => new Float64Array(n)), neurons: concatArrays(neurons, (n) => new Int32Array(n)) };
}

/**
 * What the machine gives `copies` threads on this network: one-thread runs of it in separate
 * processes, one alone and then `copies` at once (started together once all are built), and the
 * work they did together per second over the one alone's: alone x (1/T_1 + ... + 1/T_copies). No
 * split of the network across that many threads can beat it, however balanced. It is measured on
 * the network itself, not on a loop of arithmetic, because a shared virtual machine's cores need
 * not give two floating-point loops, or two streams of memory traffic, what they give one. The
 * host's load moves single runs by a fifth or more here, so it is the median of `rounds`.
 */
async function networkCeiling(name: string, copies: number, rounds: number): Promise<{ ceiling: number; rounds: { alone: number; together: number[] }[] }> {
  const bundle = fileURLToPath(new URL('../../scripts/bundle.mjs', import.meta.url));
  const cwd = fileURLToPath(new URL('../..', import.meta.url));
  const start = async (count: number): Promise<number[]> => {
    const children = Array.from({ length: count }, () => spawn(process.execPath, [bundle, 'src/cli/benchThreads.ts', '--one-thread', name], { cwd, stdio: ['pipe', 'pipe', 'inherit'] }));
    const lines = children.map((child) => createInterface({ input: child.stdout! })[Symbol.asyncIterator]());
    const next = async (k: number): Promise<string> => {
      const line = await lines[k].next();
      if (line.done) throw new Error(`the one-thread run of ${name} for the ceiling ended early (exit code ${children[k].exitCode})`);
      return line.value;
    };
    // All built before any runs, so the runs overlap from their first step.
    for (let k = 0; k < count; k++) await next(k);
    for (const child of children) child.stdin!.end('go\n');
    return Promise.all(children.map(async (_, k) => Number(await next(k))));
  };
  const measured: { alone: number; together: number[] }[] = [];
  for (let r = 0; r < rounds; r++) measured.push({ alone: (await start(1))[0], together: await start(copies) });
  const ceilings = measured.map((m) => m.together.reduce((sum, t) => sum + m.alone / t, 0)).sort((a, b) => a - b);
  return { ceiling: ceilings[Math.floor(ceilings.length / 2)], rounds: measured };
}

/** The child of networkCeiling: build, say so, wait for the word, run, print the run's seconds. */
async function oneThreadCopy(name: string): Promise<void> {
  const valid = validateScenario(structuredClone(preset(name)));
  const { simulation } = await createSimulation(valid, { threads: 1, host: nodeThreadHost(), cores: 1 });
  process.stdout.write('built\n');
  for await (const line of createInterface({ input: process.stdin })) if (line === 'go') break;
  const started = performance.now();
  while (!simulation.done) {
    simulation.advance(100);
    simulation.drain();
  }
  process.stdout.write(`${(performance.now() - started) / 1000}\n`);
}

function same(a: Measured, b: Measured): boolean {
  if (a.times.length !== b.times.length) return false;
  for (let k = 0; k < a.times.length; k++) if (!Object.is(a.times[k], b.times[k]) || a.neurons[k] !== b.neurons[k]) return false;
  return true;
}

export async function benchThreads(repeats = 3): Promise<void> {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const cores = availableParallelism();
  const counts = [1, 2, 3];
  out(`\nThreads (${cores} cores here, ${cpus()[0]?.model ?? 'unknown CPU'}, 1-minute load ${loadavg()[0].toFixed(2)}): run time without the build; CPU is the process's user + system time (every thread's); build in the same process (this table runs in a process of its own)`);
  out(`Each run is the best of ${repeats}, the thread counts taken in turn (1, 2, 3, 1, 2, 3 ...) so that a change in the host's load falls on all of them.`);
  out('"ceiling" is what the machine gives that many threads (at most one a core) on this network: one-thread runs of it, one alone and then as many at once');
  out('as there are threads, and the work they did together per second over the one alone\'s (the median of as many rounds). No split can beat it; "of ceiling" is the speedup over it.');
  out('"steal" is the time the host\'s other guests took from this machine\'s cores during that run, as a share of it (/proc/stat): a split run waits for whichever core was taken.');
  out('network       threads  build s  build CPU s   run s   CPU s   steal   speedup   ceiling   of ceiling   spikes identical');
  for (const name of ['cuba', 'cobahh', 'brunel-full']) {
    const ceilings = new Map<number, Awaited<ReturnType<typeof networkCeiling>>>();
    for (const threads of counts) {
      const copies = Math.min(threads, cores);
      if (copies > 1 && !ceilings.has(copies)) ceilings.set(copies, await networkCeiling(name, copies, repeats));
    }
    const best: (Measured | null)[] = counts.map(() => null);
    const identical = counts.map(() => true);
    for (let r = 0; r < repeats; r++) {
      for (let k = 0; k < counts.length; k++) {
        const m = await measure(name, counts[k]);
        if (best[0] && k > 0 && !same(best[0], m)) identical[k] = false;
        if (!best[k] || m.runS < best[k]!.runS) best[k] = m;
      }
    }
    const one = best[0]!;
    counts.forEach((threads, k) => {
      const m = best[k]!;
      const speedup = one.runS / m.runS;
      const ceiling = threads > 1 ? ceilings.get(Math.min(threads, cores))!.ceiling : 1;
      out(`${name.padEnd(13)} ${String(threads).padStart(7)} ${m.buildS.toFixed(3).padStart(8)} ${m.buildCpuS.toFixed(2).padStart(12)} ${m.runS.toFixed(3).padStart(7)} ${m.userS.toFixed(2).padStart(7)} ${(m.steal === null ? '-' : `${(100 * m.steal).toFixed(1)} %`).padStart(7)} ${speedup.toFixed(2).padStart(8)}x ${ceiling.toFixed(2).padStart(8)}x ${`${((100 * speedup) / ceiling).toFixed(0)} %`.padStart(12)}   ${threads === 1 ? '(reference)' : identical[k] ? 'yes' : 'NO'}`);
    });
    for (const [copies, c] of ceilings) out(`  ${name}'s ceiling on ${copies} threads, from one-thread runs in processes of their own (alone; ${copies} at once): ${c.rounds.map((m) => `${m.alone.toFixed(2)} s; ${m.together.map((t) => t.toFixed(2)).join(' and ')} s`).join(', then ')}`);
  }
  out(
    [
      '',
      'Where the loss goes on 2 cores (measured on COBAHH, 10,000 steps with a barrier each): in most steps a thread waits',
      'under 5 us for the other, but 30-120 times a run it waits more than a millisecond (0.07-0.25 s of a 2 s run): the other',
      "thread was off its core (Linux counted 120-400 nonvoluntary context switches per thread a run). What took the cores:",
      "V8's own background threads, compiling the kernels as they warm up (150-175 ms of CPU during a 1.7 s run; a run on",
      'one thread has them too, but on the idle core), the system\'s other tasks (under 20 ms) and the host\'s steal where',
      'the column above shows it. Every population is cut in equal parts, so each thread has the same work, to within a',
      'block of 1,024 neurons where a population draws random numbers every step.',
      'On 4 and 8 cores: each thread integrates its own neurons and delivers every spike to its own',
      'targets (both divide by the thread count), then meets the others at a barrier, once per step where',
      'a projection has no delay (COBAHH, CUBA) and once per window of the shortest delay otherwise',
      '(Brunel: 14 steps). A barrier itself costs about a microsecond, but each thread waits there for the',
      'slowest, and on a laptop (no steal) that is its interruptions and garbage collection: the wait grows',
      'with the number of threads while the work per thread shrinks: expect about 3x on',
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
else if (process.argv.includes("--one-thread")) await oneThreadCopy(process.argv[process.argv.indexOf("--one-thread") + 1]);
