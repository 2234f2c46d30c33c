// The memory a network takes at its peak, worked out from the scenario before anything is built,
// so that a network too large is refused up front rather than dying half-built. It counts what
// building and running really allocate and touch (memoryBudget.test.ts measures it against the
// peak resident memory of a child process, for every connectivity rule):
// - per neuron: the state variables, input, static input and refractory ends as Float64Arrays;
//   a population that runs in WebAssembly has a second copy of these in its memory (the JS
//   arrays are then garbage, but resident until the collector runs) and a list for the slow
//   path; the snapshot kept to locate a blow-up copies the state and refractory ends; and room
//   to list the spikes of one step, should every neuron fire in the same step;
// - per projection: the CSR (row starts and targets), and a float32 weight and delay per synapse
//   where they are drawn; the synapses of a projection without delay are copied into the
//   target's WebAssembly memory, so at that moment they are held twice; a fixed in-degree rule
//   holds each synapse's source in a scratch array while it is built (the largest such one counts);
// - per target variable with delayed input: a ring of 8 bytes x neurons x slots (all rings of a
//   population share the slot count of its longest delay), and its copy in the snapshot.
// - a few MB the compiler and the collector take while a network is built and first run.
// Spikes held between drains have their own cap (record.maxSpikes), traces theirs, and neither
// is counted here.
import type { LoadedModel, MethodName } from '../model/loadModel.js';
import { InputError } from '../errors.js';
import { wasmEligible } from '../codegen/wasmKernel.js';
import { expectedSynapses, inDegreeScratchBytes, probabilityCapacity, type ConnectRule } from './connectivity.js';

export interface PopulationMemoryInput {
  name: string;
  size: number;
  model: LoadedModel;
  method: MethodName;
}

export interface ProjectionMemoryInput {
  /** Population names. */
  source: string;
  target: string;
  /** The target's state variable. */
  on: string;
  connect: ConnectRule;
  /** A number for one weight (delay) for all synapses, anything else for one drawn per synapse. */
  weight: unknown;
  delayMs?: number | { uniform: [number, number] };
}

export interface NetworkMemoryEstimate {
  /** Synapses expected (the mean for a fixed-probability rule). */
  synapses: number;
  /** Peak bytes of the whole network. */
  bytes: number;
  /** Bytes of each projection's synapses (its share of `bytes`). */
  projectionBytes: number[];
}

/** Whether a population will run on the WebAssembly kernel (white noise, known later, may still keep it in JS). */
function runsInWasm(p: PopulationMemoryInput): boolean {
  return p.method === 'exact' && wasmEligible(p.model, false, p.size);
}

/** Peak memory of building and running the network; see the top of this file for what it counts. */
export function networkMemoryEstimate(dtMs: number, populations: PopulationMemoryInput[], projections: ProjectionMemoryInput[]): NetworkMemoryEstimate {
  let bytes = WORKING_BYTES;
  let synapses = 0;
  const wasm = populations.map(runsInWasm);
  const index = new Map(populations.map((p, k) => [p.name, k]));
  populations.forEach((p, k) => {
    const ns = p.model.stateNames.length;
    const js = 8 * (ns + 3);
    const inWasm = wasm[k] ? 8 * (ns + 2) + 4 : 0;
    const snapshot = 8 * (ns + 1);
    bytes += p.size * (js + inWasm + snapshot + STEP_SPIKE_BYTES);
  });
  // Rings: one per (target, variable) with delayed input, all of a target with its longest delay.
  const ringVariables = populations.map(() => new Set<string>());
  const longest = populations.map(() => 0);
  let scratch = 0;
  const projectionBytes = projections.map((pr) => {
    const target = index.get(pr.target)!;
    const sources = populations[index.get(pr.source)!].size;
    const targets = populations[target].size;
    const same = pr.source === pr.target;
    const n = held(pr.connect, sources, targets, same);
    if (pr.connect.rule === 'inDegree') scratch = Math.max(scratch, inDegreeScratchBytes(sources, n));
    synapses += expectedSynapses(pr.connect, sources, targets, same);
    const drawnWeight = typeof pr.weight !== 'number';
    const delay = pr.delayMs ?? 0;
    const drawnDelay = typeof delay !== 'number';
    let own = 4 * (sources + 1) + n * (4 + (drawnWeight ? 4 : 0) + (drawnDelay ? 4 : 0));
    if (delay === 0) {
      if (wasm[target]) own += 4 * (sources + 1) + n * (4 + (drawnWeight ? 4 : 0));
    } else {
      ringVariables[target].add(pr.on);
      longest[target] = Math.max(longest[target], typeof delay === 'number' ? delay : delay.uniform[1]);
    }
    return own;
  });
  for (const own of projectionBytes) bytes += own;
  bytes += scratch;
  populations.forEach((p, k) => {
    // A spike late in its step plus the longest delay reaches ceil(delay / dt) + 1 steps ahead.
    // Each ring once where it is used and once in the snapshot.
    if (ringVariables[k].size > 0) bytes += 2 * ringVariables[k].size * 8 * p.size * (Math.ceil(longest[k] / dtMs) + 2);
  });
  return { synapses, bytes, projectionBytes };
}

/** Compiled code and the collector's own working memory while building (1 to 4 MB measured). */
const WORKING_BYTES = 8 * 2 ** 20;

/**
 * The spikes of one step are listed for the projections (a neuron index and a time, 12 bytes),
 * in arrays that grow to the most spikes seen in one step: room for every neuron once.
 */
const STEP_SPIKE_BYTES = 12;

/** Synapses the arrays will hold, at most: a fixed-probability rule is a binomial draw. */
function held(rule: ConnectRule, sources: number, targets: number, same: boolean): number {
  if (rule.rule === 'probability') return probabilityCapacity(rule.p, sources, targets, same && rule.allowSelf === false);
  return expectedSynapses(rule, sources, targets, same);
}

/** Refuse a network whose estimate exceeds `limitBytes`, naming the estimate, the limit and the largest projection. */
export function checkNetworkMemory(estimate: NetworkMemoryEstimate, limitBytes: number): void {
  if (estimate.bytes <= limitBytes) return;
  const gb = (x: number) => `${(x / 1e9).toFixed(2)} GB`;
  const largest = estimate.projectionBytes.reduce((best, b, k, all) => (b > all[best] ? k : best), 0);
  const share = estimate.projectionBytes.length > 0 ? `; the largest, projections[${largest}], ${gb(estimate.projectionBytes[largest])}` : '';
  throw new InputError(
    'projections',
    `the network would need about ${gb(estimate.bytes)} at its peak (${estimate.synapses.toExponential(2)} synapses, their weights and delays, arrival rings and neuron state${share}); at most ${limitBytes / 1e9} GB are allowed: use fewer neurons, sparser connectivity or shorter delays`,
  );
}
