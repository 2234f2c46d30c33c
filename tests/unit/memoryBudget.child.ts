// Child process of memoryBudget.test.ts: builds and runs each network given on stdin, one after
// the other, and prints for each one line of JSON: the network's memory estimate and the
// resident memory that building and running it really added (the peak minus the resident
// memory just before). On Linux the peak is reset before each network (/proc/self/clear_refs);
// elsewhere the process's own peak serves, so it takes one network per process. (The test gives
// one network per process anyway: memory an earlier network freed can be given back late.)
// Run by hand: `node --expose-gc --import tsx tests/unit/memoryBudget.child.ts < networks.json`.
import { readFileSync, writeFileSync } from 'node:fs';
import { Simulation } from '../../src/core/simulation';
import { validateScenario, type Scenario } from '../../src/scenario/scenario';
import { Random } from '../../src/core/random';

export interface MemoryCase {
  label: string;
  scenario: Scenario;
  /** Explicit pairs for a `list` projection, drawn here rather than sent through a pipe. */
  listPairs?: { projection: number; count: number; seed: number };
}

export interface MemoryFigures {
  label: string;
  estimateBytes: number;
  /** Peak resident memory while building and running, minus the resident memory before. */
  usedBytes: number;
  synapses: number;
  spikes: number;
  engines: string[];
}

const cases = JSON.parse(readFileSync(0, 'utf8')) as MemoryCase[];
const collect = (globalThis as { gc?: () => void }).gc;
if (!collect) throw new Error('run with node --expose-gc');

const statusBytes = (key: string): number => {
  const line = readFileSync('/proc/self/status', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${key}:`));
  return Number(/(\d+) kB/.exec(line ?? '')?.[1]) * 1024;
};

let resettable = true;
/** "5" in clear_refs resets the peak (VmHWM) to the present resident set (Linux). */
function resetPeak(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
  } catch {
    if (cases.length > 1) throw new Error('the peak cannot be reset here: give one network per process');
    resettable = false;
  }
  return resettable;
}

// Each network at a few dozen neurons first: modules, compiled code and the JIT's own memory
// are then part of the baseline, not of the network.
for (const c of cases) {
  const small = structuredClone(c.scenario);
  small.populations = small.populations.map((p) => ({ ...p, size: 40 }));
  small.projections = (small.projections ?? []).map((pr) => ({
    ...pr,
    connect: pr.connect.rule === 'list' ? { rule: 'list', pairs: [[0, 1]] } : pr.connect.rule === 'inDegree' ? { ...pr.connect, k: 2 } : pr.connect,
  }));
  new Simulation(validateScenario(small)).advance();
}

/** The resident set once the collector's background threads have given back what it freed. */
async function settledResidentBytes(): Promise<number> {
  collect!();
  collect!();
  let last = statusBytes('VmRSS');
  for (let k = 0; k < 40; k++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const now = statusBytes('VmRSS');
    if (Math.abs(now - last) < 2 ** 20) break;
    last = now;
  }
  return last;
}

// Pairs for list projections, drawn once per child (so no pairs of an earlier network are freed
// while a later one is measured).
const pairsDrawn = new Map<string, [number, number][]>();

for (const c of cases) {
  const scenario = structuredClone(c.scenario);
  if (c.listPairs) {
    const { projection, count, seed } = c.listPairs;
    const pr = scenario.projections![projection];
    const sources = scenario.populations.find((p) => p.name === pr.source)!.size;
    const targets = scenario.populations.find((p) => p.name === pr.target)!.size;
    const key = `${sources} ${targets} ${count} ${seed}`;
    if (!pairsDrawn.has(key)) {
      // Drawn from 65536 distinct pairs (each repeated, as a list may): the synapses cost the
      // same, while the input's own JS arrays, not the network, would otherwise be most of the heap.
      const random = new Random(seed);
      const pool = Array.from({ length: 65536 }, (): [number, number] => [Math.floor(random.uniform() * sources), Math.floor(random.uniform() * targets)]);
      pairsDrawn.set(key, Array.from({ length: count }, () => pool[Math.floor(random.uniform() * pool.length)]));
    }
    pr.connect = { rule: 'list', pairs: pairsDrawn.get(key)! };
  }
  // What came before is collected and given back first, or its release during the build would
  // hide part of the network.
  await settledResidentBytes();
  const before = resetPeak() ? statusBytes('VmRSS') : process.memoryUsage().rss;
  const valid = validateScenario(scenario);
  const sim = new Simulation(valid);
  sim.advance();
  const peak = resettable ? statusBytes('VmHWM') : process.resourceUsage().maxRSS * 1024;
  const figures: MemoryFigures = {
    label: c.label,
    estimateBytes: valid.estimate.bytes,
    usedBytes: peak - before,
    synapses: sim.networkInfo().synapses,
    spikes: sim.stats().spikeCount,
    engines: sim.populations.map((p) => p.engine),
  };
  console.log(JSON.stringify(figures));
}
