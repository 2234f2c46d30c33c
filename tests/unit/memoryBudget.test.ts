// The network memory budget is true: for every connectivity rule, with one weight or drawn
// weights, without delay, with one delay and with drawn delays, a network of a few hundred MB
// is built and run in a child process, and the estimate the scenario is checked against must be
// at least the resident memory that building and running really added, and at most 25 % above.
import { beforeAll, describe, expect, it } from 'vitest';
import { bundled } from '../../scripts/bundle.mjs';
import { spawn } from 'node:child_process';
import type { MemoryCase, MemoryFigures } from './memoryBudget.child';
import type { Scenario, ProjectionSpec, PopulationSpec } from '../../src/scenario/scenario';

/** About 5 % of the neurons start above threshold, so spikes travel every projection. */
const lif = (name: string, size: number): PopulationSpec => ({ name, model: 'lif', size, initial: { v: { uniform: [-70, -49] } } });

const variants: Record<string, Pick<ProjectionSpec, 'weight' | 'delayMs'>> = {
  'one weight, no delay': { weight: 0.1 },
  'drawn weights, one delay': { weight: { normal: [0.1, 0.02] }, delayMs: 3 },
  'drawn weights and delays': { weight: { uniform: [0.05, 0.15] }, delayMs: { uniform: [0.5, 3] } },
};

// Longer than the longest delay (3 ms) plus a step: a ring's slots are touched (and become
// resident) as the run reaches them, so a shorter run measures part of each ring.
function network(populations: PopulationSpec[], projections: ProjectionSpec[]): Scenario {
  return { format: 'spikebridge-scenario/1', durationMs: 5, dtMs: 0.1, seed: 1, populations, projections, stimuli: [], record: { spikes: false } };
}

function cases(): MemoryCase[] {
  const out: MemoryCase[] = [];
  for (const [variant, synapse] of Object.entries(variants)) {
    const on = { on: 'v', ...synapse };
    out.push({ label: `all, ${variant}`, scenario: network([lif('a', 750), lif('b', 20000)], [{ source: 'a', target: 'b', connect: { rule: 'all' }, ...on }]) });
    out.push({ label: `probability, ${variant}`, scenario: network([lif('a', 12000)], [{ source: 'a', target: 'a', connect: { rule: 'probability', p: 0.1 }, ...on }]) });
    out.push({ label: `inDegree, ${variant}`, scenario: network([lif('a', 40000)], [{ source: 'a', target: 'a', connect: { rule: 'inDegree', k: 375, allowSelf: false }, ...on }]) });
    // One synapse per neuron: without delays (and their rings) the neurons themselves, not the
    // synapses, would dominate, so that case has 32 such projections.
    const copies = synapse.delayMs === undefined ? 32 : 1;
    const n = synapse.delayMs === undefined ? 200_000 : 400_000;
    out.push({
      label: `oneToOne, ${variant}`,
      scenario: network([lif('a', n), lif('b', n)], Array.from({ length: copies }, () => ({ source: 'a', target: 'b', connect: { rule: 'oneToOne' as const }, ...on }))),
    });
    out.push({
      label: `list, ${variant}`,
      scenario: network([lif('a', 100_000)], [{ source: 'a', target: 'a', connect: { rule: 'list', pairs: [] }, ...on }]),
      listPairs: { projection: 0, count: 8_000_000, seed: 5 },
    });
  }
  return out;
}

const results: MemoryFigures[] = [];

/** Run the cases in one child process (node with the bundled child script); its figures, one per case. */
function runChild(script: string, group: MemoryCase[]): Promise<MemoryFigures[]> {
  return new Promise((resolve, reject) => {
    // A young generation of 1 MB: its growth and shrinking would otherwise blur the figures by tens of MB.
    const child = spawn(process.execPath, ['--expose-gc', '--max-semi-space-size=1', script], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`memory child exited with ${code}: ${stderr.slice(-2000)}`));
      else resolve(stdout.trim().split('\n').map((line) => JSON.parse(line) as MemoryFigures));
    });
    child.stdin.end(JSON.stringify(group));
  });
}

const all = cases();

beforeAll(async () => {
  // Bundled as the CLI is (scripts/bundle.mjs), the child starts in a fraction of the time the
  // TypeScript loader needs, and finds the built-in models as the page does.
  const script = await bundled('tests/unit/memoryBudget.child.ts');
  // One network per child, so nothing an earlier network freed is given back while a later one
  // is measured; two children at a time (the machine has two cores).
  const queue = [...all];
  const worker = async () => {
    for (let c = queue.shift(); c; c = queue.shift()) results.push(...(await runChild(script, [c])));
  };
  await Promise.all([worker(), worker()]);
  const mb = (x: number) => (x / 2 ** 20).toFixed(0);
  console.log(
    ['| network | synapses | estimate MiB | measured MiB | estimate / measured |', '|---|---:|---:|---:|---:|']
      .concat(all.map((c) => results.find((r) => r.label === c.label)!).map((r) => `| ${r.label} | ${r.synapses} | ${mb(r.estimateBytes)} | ${mb(r.usedBytes)} | ${(r.estimateBytes / r.usedBytes).toFixed(2)} |`))
      .join('\n'),
  );
}, 300_000);

describe('the network memory estimate against the peak resident memory of a child process', () => {
  it.each(all.map((c) => c.label))('%s', (label) => {
    const r = results.find((x) => x.label === label)!;
    expect(r.spikes).toBeGreaterThan(0);
    expect(r.usedBytes).toBeGreaterThan(50e6); // the network, not the process, is measured
    expect(r.estimateBytes).toBeGreaterThanOrEqual(r.usedBytes);
    expect(r.estimateBytes).toBeLessThanOrEqual(1.25 * r.usedBytes);
  });
});
