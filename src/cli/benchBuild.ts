// Build and run as a user meets them: each network in fresh `npm run sim -- run NAME` processes,
// the build and the run as the CLI reports them (stats.wallTimeMs) and the whole process timed
// from outside, beside Brian2's compiled standalone binary of the same network timed the same way
// (its run from its own results/last_run_info.txt). `npm run bench` calls buildVsBrian2().
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('./run.mjs', import.meta.url));
const BRIAN2_SCRIPT = fileURLToPath(new URL('./brian2_bench.py', import.meta.url));
/** Networks brian2_bench.py knows. */
const BRIAN2_NETWORKS = new Set(['cuba', 'cobahh', 'brunel-full']);

interface Fresh {
  buildMs: number;
  runMs: number;
  wholeS: number;
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const list = (xs: number[], digits: number) => [...xs].sort((a, b) => a - b).map((x) => x.toFixed(digits)).join(', ');

/**
 * One fresh CLI process (`node src/cli/run.mjs run NAME`, or through npm as a user types it, when
 * `viaNpm`: npm's own start-up is then in the time); `cold` turns the code caches off (V8's and the
 * generated code's).
 */
function freshRun(name: string, args: string[], cold = false, viaNpm = false): Fresh | string {
  const env = cold ? { ...process.env, SPIKEBRIDGE_NO_CODE_CACHE: '1' } : process.env;
  const t0 = performance.now();
  const result = viaNpm
    ? spawnSync('npm', ['run', '--silent', 'sim', '--', 'run', name, ...args], { encoding: 'utf8', maxBuffer: 1 << 30, env, cwd: fileURLToPath(new URL('../..', import.meta.url)) })
    : spawnSync(process.execPath, [CLI, 'run', name, ...args], { encoding: 'utf8', maxBuffer: 1 << 30, env });
  const wholeS = (performance.now() - t0) / 1000;
  if (result.status !== 0) return `npm run sim -- run ${name} failed: ${result.stderr.trim().split('\n').pop()}`;
  const wall = (JSON.parse(result.stdout) as { stats: { wallTimeMs: { build: number; run: number } } }).stats.wallTimeMs;
  return { buildMs: wall.build, runMs: wall.run, wholeS };
}

interface BrianBinary {
  wholeS: number[];
  runS: number[];
  /** Seconds Brian2 took to generate and compile the binary in this bench, if it had to. */
  compiledS: number | null;
}

/** Brian2's standalone binary of `name`, compiled by brian2_bench.py where missing, run `repeats` times. */
function brianBinary(name: string, repeats: number): BrianBinary | string {
  const dir = join(tmpdir(), `spikebridge_brian2_${name}`);
  const binary = join(dir, 'main');
  let compiledS: number | null = null;
  if (!existsSync(binary)) {
    const t0 = performance.now();
    const result = spawnSync('/usr/bin/python3', [BRIAN2_SCRIPT, name, 'standalone'], { encoding: 'utf8', timeout: 900_000 });
    compiledS = (performance.now() - t0) / 1000;
    if (result.status !== 0 || !existsSync(binary)) return `Brian2 did not build ${name}: ${result.error?.message ?? result.stderr.trim().split('\n').pop()} (it needs Debian's python3-brian at /usr/bin/python3)`;
  }
  const wholeS: number[] = [];
  const runS: number[] = [];
  for (let k = 0; k < repeats; k++) {
    const t0 = performance.now();
    const result = spawnSync(binary, [], { cwd: dir, encoding: 'utf8' });
    wholeS.push((performance.now() - t0) / 1000);
    if (result.status !== 0) return `Brian2's binary for ${name} failed (${result.status})`;
    runS.push(Number(readFileSync(join(dir, 'results', 'last_run_info.txt'), 'utf8').trim().split(/\s+/)[0]));
  }
  return { wholeS, runS, compiledS };
}

export function buildVsBrian2(quick: boolean): void {
  console.log(
    '\nBuild and run in fresh processes, as a user meets them (`npm run sim -- run NAME --threads 1`: build and run as the CLI reports them, "whole" timed from outside ' +
      'the process, Node start-up and output included), beside Brian2 2.x standalone: its compiled binary run from outside the same way (synapse creation and ' +
      'its result files included), its run time from its own results. Medians, every figure listed:',
  );
  console.log('| network | SpikeBridge build ms | run s | whole s | Brian2 binary whole s | Brian2 run s | whole-process ratio |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  // Brian2's full-size Brunel binary takes 10-20 s a run here (its Poisson drive and the
  // creation of 15.6 M synapses), so it runs once.
  const networks: [string, number, number][] = quick
    ? [['cuba', 5, 5], ['cobahh', 1, 1], ['brunel-full', 1, 1]]
    : [['cuba', 5, 5], ['cobahh', 3, 3], ['brunel-full', 3, 1]];
  const notes: string[] = [];
  for (const [name, repeats, brianRepeats] of networks) {
    const runs: Fresh[] = [];
    for (let k = 0; k < repeats; k++) {
      const run = freshRun(name, ['--threads', '1']);
      if (typeof run === 'string') {
        console.log(`| ${name} | ${run} | | | | | |`);
        break;
      }
      runs.push(run);
    }
    if (runs.length < repeats) continue;
    const brian = BRIAN2_NETWORKS.has(name) ? brianBinary(name, brianRepeats) : 'no Brian2 script for it';
    const ours = `${median(runs.map((r) => r.buildMs)).toFixed(0)} (${list(runs.map((r) => r.buildMs), 0)}) | ${median(runs.map((r) => r.runMs / 1000)).toFixed(3)} | ${median(runs.map((r) => r.wholeS)).toFixed(2)} (${list(runs.map((r) => r.wholeS), 2)})`;
    if (typeof brian === 'string') {
      console.log(`| ${name} | ${ours} | ${brian} | | |`);
      continue;
    }
    if (brian.compiledS !== null) notes.push(`Brian2 generated and compiled ${name}'s binary first, in ${brian.compiledS.toFixed(0)} s (not counted above).`);
    const ratio = median(runs.map((r) => r.wholeS)) / median(brian.wholeS);
    console.log(`| ${name} | ${ours} | ${median(brian.wholeS).toFixed(2)} (${list(brian.wholeS, 2)}) | ${median(brian.runS).toFixed(3)} | ${ratio.toFixed(2)} |`);
  }
  for (const note of notes) console.log(note);

  // The whole process as typed (every core by default), and without the code caches (the first
  // run after a source changed: the bundle's V8 code cache and the generated code are made again).
  const typed = Array.from({ length: 5 }, () => freshRun('cuba', []));
  const npm = Array.from({ length: 5 }, () => freshRun('cuba', [], false, true));
  const cold = Array.from({ length: quick ? 1 : 3 }, () => freshRun('cuba', ['--threads', '1'], true));
  const brian = brianBinary('cuba', 5);
  const ok = (xs: (Fresh | string)[]) => xs.filter((x): x is Fresh => typeof x !== 'string');
  if (ok(typed).length === typed.length && typeof brian !== 'string') {
    const ours = median(ok(typed).map((r) => r.wholeS));
    const theirs = median(brian.wholeS);
    console.log(
      `Whole process, \`node src/cli/run.mjs run cuba\` (what \`npm run sim\` starts; default threads): ${ours.toFixed(2)} s (${list(ok(typed).map((r) => r.wholeS), 2)}); Brian2's CUBA binary: ${theirs.toFixed(2)} s ` +
        `(${list(brian.wholeS, 2)}); ratio ${(ours / theirs).toFixed(2)}.`,
    );
    if (ok(npm).length === npm.length) {
      const typedS = median(ok(npm).map((r) => r.wholeS));
      console.log(`The same typed as \`npm run sim -- run cuba\`, npm's own start-up included: ${typedS.toFixed(2)} s (${list(ok(npm).map((r) => r.wholeS), 2)}); ratio ${(typedS / theirs).toFixed(2)}.`);
    }
  }
  if (ok(cold).length === cold.length) {
    console.log(
      `Without the code caches (SPIKEBRIDGE_NO_CODE_CACHE=1, as the first run after a change of the sources): CUBA build ${median(ok(cold).map((r) => r.buildMs)).toFixed(0)} ms, ` +
        `whole ${median(ok(cold).map((r) => r.wholeS)).toFixed(2)} s (${list(ok(cold).map((r) => r.wholeS), 2)}).`,
    );
  }
}

// `node scripts/bundle.mjs src/cli/benchBuild.ts --build-bench [--quick]` runs this part alone.
if (process.argv.includes('--build-bench')) buildVsBrian2(process.argv.includes('--quick'));
