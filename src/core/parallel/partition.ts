// How a run is split across threads: each thread holds a contiguous range of every population,
// in thread order (thread 0's range of a population comes first, then thread 1's ...), so gathering
// the threads' spikes in thread order gives each population's spikes in neuron order, as on one
// thread. Every population is cut in about equal parts, so every thread has the same kind of work:
// the same populations to step and, for each spike, a row of every projection to deliver (a thread
// holding parts of two populations where another held one read twice the rows a spike: 10-15 %
// more delivery on full-size Brunel). Where a population draws random numbers every step (Poisson
// inputs, white noise) its ranges start at block boundaries (random.ts), since those draws come
// from one stream per block; the parts are then evened out over the whole network. What the
// threaded path cannot split yet is named, and the run stays on one thread.
import type { ValidScenario } from '../scenarioSpec.js';
import { RANDOM_BLOCK_NEURONS } from '../random.js';
import { estimateRunCost } from '../cost.js';

/**
 * When no thread count is asked for, every core is used where a step has work enough that the
 * barrier each step (or window) meets is small beside it, and where the run is long enough to pay
 * for starting the threads; else one thread. A barrier costs about a microsecond on a quiet
 * machine and tens where other processes take the cores, and starting the threads (each loads the
 * code and builds its slice, the synapses are copied into their parts) a few tenths of a second.
 */
export const AUTO_THREADS = {
  /** Estimated work of one step on one thread (cost.ts: neurons and synaptic events). */
  minStepMicroseconds: 50,
  /**
   * Estimated run on one thread (a run without end, the page's free run, always qualifies): the
   * threads add 0.2 s (COBAHH) to 0.5 s (full-size Brunel, 15.6 M synapses cut into the threads'
   * parts) to the build, which a shorter run would not win back.
   */
  minRunSeconds: 1,
};

/** The rule above in words, for --help and the page. */
export const AUTO_THREADS_RULE = `every core where a step is estimated at ${AUTO_THREADS.minStepMicroseconds} us or more of work (neurons and synaptic events) and the run at ${AUTO_THREADS.minRunSeconds} s or more (a run without end counts by its step alone); else one thread`;

/**
 * The threads a run uses when none are asked for (AUTO_THREADS): `cores` or 1. `freeRun`: the
 * run has no end (its steps cannot be counted), so only the work per step decides.
 */
export function defaultThreads(valid: ValidScenario, cores: number, freeRun = false): number {
  const cost = estimateRunCost(valid.scenario);
  if (!cost || cost.steps === 0 || cores <= 1) return 1;
  const stepMicroseconds = (cost.seconds / cost.steps) * 1e6;
  if (stepMicroseconds < AUTO_THREADS.minStepMicroseconds) return 1;
  return freeRun || cost.seconds >= AUTO_THREADS.minRunSeconds ? cores : 1;
}

export interface ThreadPlan {
  threads: number;
  /** slices[thread][population]: the neurons [start, start + size) of that population the thread holds. */
  slices: { start: number; size: number }[][];
  /**
   * Steps run between two exchanges of spikes: 1 where a projection has no delay, otherwise the
   * shortest delay in steps (a spike then cannot arrive inside the window it was fired in), as
   * NEST and Brian2 do with their minimum delay.
   */
  windowSteps: number;
}

/** Why a scenario runs on one thread, or null where it can be split. */
export function oneThreadReason(valid: ValidScenario): string | null {
  const { scenario } = valid;
  if (scenario.stimuli.some((s) => s.type === 'voltageClamp')) return 'voltage clamps run on one thread';
  if ((scenario.projections ?? []).some((p) => p.stp)) return 'short-term plasticity runs on one thread';
  return null;
}

/** The shortest delay a projection's spec allows (0 where a normal distribution allows any). */
function shortestDelayMs(delay: number | { normal: [number, number] } | { uniform: [number, number] } | undefined): number {
  if (delay === undefined) return 0;
  if (typeof delay === 'number') return delay;
  if ('uniform' in delay) return Math.min(delay.uniform[0], delay.uniform[1]);
  return 0;
}

export function planThreads(valid: ValidScenario, threads: number): ThreadPlan {
  const { scenario } = valid;
  const sizes = valid.populations.map((p) => p.spec.size);
  const blocked = valid.populations.map((p) => scenario.stimuli.some((s) => s.population === p.spec.name && (s.type === 'poissonInput' || s.type === 'whiteNoise')));
  // cuts[p][t]: where thread t's range of population p starts (cuts[p][threads] = its size).
  const cuts = sizes.map((n) => [0, ...Array.from({ length: threads - 1 }, () => 0), n]);
  // The populations cut at block boundaries first, the smallest first (they are the hardest to cut
  // evenly), then those cut anywhere; each cut is put where it brings the neurons before it, over
  // the populations cut so far, nearest to their share: what one population's block boundary
  // leaves over, the next makes up.
  const order = sizes.map((_, p) => p).sort((a, b) => Number(blocked[b]) - Number(blocked[a]) || (blocked[a] ? sizes[a] - sizes[b] : sizes[b] - sizes[a]));
  const before = new Array<number>(threads + 1).fill(0);
  let cutSoFar = 0;
  for (const p of order) {
    const n = sizes[p];
    const step = blocked[p] ? RANDOM_BLOCK_NEURONS : 1;
    cutSoFar += n;
    for (let t = 1; t < threads; t++) {
      const wanted = (t * cutSoFar) / threads - before[t];
      // The nearest allowed point (a multiple of the block, or the population's end), not before the last cut.
      const down = Math.floor(wanted / step) * step;
      const candidates = [down, down + step, n].map((x) => Math.min(n, Math.max(cuts[p][t - 1], x)));
      cuts[p][t] = candidates.reduce((best, x) => (Math.abs(x - wanted) < Math.abs(best - wanted) ? x : best));
    }
    for (let t = 1; t < threads; t++) before[t] += cuts[p][t];
  }
  const slices = Array.from({ length: threads }, (_, t) => sizes.map((_, p) => ({ start: cuts[p][t], size: cuts[p][t + 1] - cuts[p][t] })));
  const dt = scenario.dtMs;
  const projections = scenario.projections ?? [];
  const shortest = projections.length === 0 ? Infinity : Math.min(...projections.map((p) => shortestDelayMs(p.delayMs)));
  const windowSteps = shortest === Infinity ? 64 : Math.max(1, Math.min(64, Math.floor(shortest / dt - 1e-6)));
  return { threads, slices, windowSteps };
}
