// Connectivity rules build compressed sparse rows (CSR by source neuron) straight into typed
// arrays: no per-synapse JS objects, so a million synapses cost a few megabytes and milliseconds.
import { InputError } from '../errors.js';
import { splitmix32 } from '../random.js';

export type ConnectRule =
  | { rule: 'all'; allowSelf?: boolean }
  | { rule: 'probability'; p: number; allowSelf?: boolean }
  | { rule: 'inDegree'; k: number; allowSelf?: boolean }
  | { rule: 'oneToOne' }
  | { rule: 'list'; pairs: [number, number][] };

/** Synapses of one projection: row i (a source neuron) holds targets[rowStart[i] .. rowStart[i+1]). */
export interface Csr {
  sources: number;
  rowStart: Int32Array; // length sources + 1
  targets: Int32Array;
}

/**
 * Expected number of synapses, for memory budgets before anything is built. `same`: source and
 * target are one population (only then does allowSelf matter).
 */
export function expectedSynapses(rule: ConnectRule, sources: number, targets: number, same = false): number {
  const noSelf = same && rule.rule !== 'oneToOne' && rule.rule !== 'list' && rule.allowSelf === false;
  switch (rule.rule) {
    case 'all':
      return sources * (noSelf ? targets - 1 : targets);
    case 'probability':
      return rule.p * (sources * targets - (noSelf ? Math.min(sources, targets) : 0));
    case 'inDegree':
      return rule.k * targets;
    case 'oneToOne':
      return Math.min(sources, targets);
    case 'list':
      return rule.pairs.length;
  }
}

/**
 * Room for the synapses of a fixed-probability rule: the binomial count's mean + 8 standard
 * deviations (exceeded with probability below 1e-15; then the array grows).
 */
export function probabilityCapacity(p: number, sources: number, targets: number, noSelf: boolean): number {
  const pairs = sources * targets - (noSelf ? Math.min(sources, targets) : 0);
  if (p <= 0) return 0;
  if (p >= 1) return pairs;
  const mean = p * pairs;
  return Math.min(pairs, Math.ceil(mean + 8 * Math.sqrt(mean * (1 - p)) + 16));
}

/** A quarter more room (the rare case where the capacity above was not enough). */
function grown(data: Int32Array, most: number): Int32Array {
  const bigger = new Int32Array(Math.min(most, Math.ceil(data.length * 1.25) + 1024));
  bigger.set(data);
  return bigger;
}

/** 2^-32: a 32-bit draw times this, plus half of it, is Random.uniform() in (0, 1). */
const UNIT = 2.3283064365386963e-10;

/** The state Random(seed) starts from (its constructor), for a generator written out in a loop. */
function xoshiroState(seed: number): [number, number, number, number] {
  const mix = splitmix32(seed);
  const state: [number, number, number, number] = [mix() | 0, mix() | 0, mix() | 0, mix() | 0];
  if ((state[0] | state[1] | state[2] | state[3]) === 0) state[0] = 1;
  return state;
}

/** The inDegree rule's scratch: each synapse's source in target order. */
function inDegreeScratch(sources: number, synapses: number): Uint16Array | Int32Array {
  return sources <= 65536 ? new Uint16Array(synapses) : new Int32Array(synapses);
}

/** Bytes of that scratch, held while an inDegree projection is built (memory.ts counts it). */
export function inDegreeScratchBytes(sources: number, synapses: number): number {
  return (sources <= 65536 ? 2 : 4) * synapses;
}

/**
 * Build the CSR for a rule. `same` says whether source and target are one population (only
 * then does allowSelf matter).
 */
export function connect(rule: ConnectRule, sources: number, targets: number, same: boolean, seed: number, field = 'connect'): Csr {
  const noSelf = same && rule.rule !== 'oneToOne' && rule.rule !== 'list' && rule.allowSelf === false;
  switch (rule.rule) {
    case 'all': {
      const perRow = noSelf ? targets - 1 : targets;
      const rowStart = Int32Array.from({ length: sources + 1 }, (_, i) => i * perRow);
      const out = new Int32Array(sources * perRow);
      // Every row is 0 .. targets-1 (less i itself without self-connections): copies of one row.
      const row = Int32Array.from({ length: targets }, (_, j) => j);
      for (let i = 0; i < sources; i++) {
        if (!noSelf) out.set(row, i * perRow);
        else {
          out.set(row.subarray(0, Math.min(i, targets)), i * perRow);
          if (i < targets) out.set(row.subarray(i + 1), i * perRow + i);
        }
      }
      return { sources, rowStart, targets: out };
    }
    case 'probability': {
      // Geometric skips: the gap to the next connected target is geometric with parameter p,
      // so the cost follows the number of synapses, not sources x targets. The count is
      // binomial: an array sized for the mean + 8 sd holds it but with probability 1e-15, and
      // its untouched end costs no memory (no doubling list and final copy: they tripled the peak).
      // The generator is Random's xoshiro128** stream for this seed, written out in the loop:
      // its state in locals instead of an object's fields halves the time of a large network.
      const { p } = rule;
      const rowStart = new Int32Array(sources + 1);
      let out: Int32Array = new Int32Array(probabilityCapacity(p, sources, targets, noSelf));
      let n = 0;
      if (p > 0) {
        const logQ = Math.log1p(-Math.min(p, 1 - 1e-16));
        const every = p >= 1;
        let [s0, s1, s2, s3] = xoshiroState(seed);
        for (let i = 0; i < sources; i++) {
          rowStart[i] = n;
          let j = -1;
          for (;;) {
            if (every) j++;
            else {
              const x = Math.imul(s1, 5);
              const bits = Math.imul((x << 7) | (x >>> 25), 9);
              const t = s1 << 9;
              s2 ^= s0;
              s3 ^= s1;
              s1 ^= s2;
              s0 ^= s3;
              s2 ^= t;
              s3 = (s3 << 11) | (s3 >>> 21);
              j += 1 + Math.floor(Math.log(((bits >>> 0) + 0.5) * UNIT) / logQ);
            }
            if (j >= targets) break;
            if (noSelf && i === j) continue;
            if (n === out.length) out = grown(out, sources * targets);
            out[n++] = j;
          }
        }
      }
      rowStart[sources] = n;
      return { sources, rowStart, targets: n === out.length ? out : out.subarray(0, n) };
    }
    case 'inDegree': {
      // Each target draws k distinct sources (Floyd's algorithm) in one pass of the random
      // stream, written target by target into a scratch array (2 bytes a synapse where the
      // sources fit in 16 bits) while each source's synapses are counted; a second pass, with no
      // random numbers, moves them to their rows. (Running the stream twice, once to count and
      // once to write, cost twice the draws; a list of pairs sorted afterwards tripled the peak.)
      const { k } = rule;
      const pool = noSelf ? sources - 1 : sources;
      if (k > pool) throw new InputError(`${field}.k`, `${k} exceeds the ${pool} possible sources`);
      const rowStart = new Int32Array(sources + 1);
      const total = k * targets;
      const out = new Int32Array(total);
      const drawn = inDegreeScratch(sources, total);
      // chosenBy[s] = the last target that drew s: membership without a set to clear per target.
      const chosenBy = new Int32Array(pool).fill(-1);
      const skipSelf = noSelf ? 1 : 0;
      let [s0, s1, s2, s3] = xoshiroState(seed);
      let n = 0;
      for (let j = 0; j < targets; j++) {
        for (let r = pool - k; r < pool; r++) {
          // Random's xoshiro128** and uniform(), written out (see 'probability').
          const x = Math.imul(s1, 5);
          const bits = Math.imul((x << 7) | (x >>> 25), 9);
          const t = s1 << 9;
          s2 ^= s0;
          s3 ^= s1;
          s1 ^= s2;
          s0 ^= s3;
          s2 ^= t;
          s3 = (s3 << 11) | (s3 >>> 21);
          const pick = Math.floor(((bits >>> 0) + 0.5) * UNIT * (r + 1));
          // Floyd: pick, or r where pick was drawn before; then past the target itself where
          // self-connections are refused. Without branches: these go either way unpredictably,
          // and their mispredictions cost a sixth of the loop.
          let s = pick + ((r - pick) & -(chosenBy[pick] === j ? 1 : 0));
          chosenBy[s] = j;
          s += ((j - s - 1) >>> 31) & skipSelf; // s >= j
          rowStart[s + 1]++;
          drawn[n++] = s;
        }
      }
      for (let i = 0; i < sources; i++) rowStart[i + 1] += rowStart[i];
      const fill = rowStart.slice(0, sources);
      n = 0;
      for (let j = 0; j < targets; j++) for (let m = 0; m < k; m++) out[fill[drawn[n++]]++] = j;
      return { sources, rowStart, targets: out };
    }
    case 'oneToOne': {
      const n = Math.min(sources, targets);
      const rowStart = Int32Array.from({ length: sources + 1 }, (_, i) => Math.min(i, n));
      return { sources, rowStart, targets: Int32Array.from({ length: n }, (_, i) => i) };
    }
    case 'list': {
      // Indexed reads, not destructuring: ten million pairs would otherwise leave as many
      // iterators for the collector.
      const { pairs } = rule;
      const rowStart = new Int32Array(sources + 1);
      for (let q = 0; q < pairs.length; q++) {
        const i = pairs[q][0];
        const j = pairs[q][1];
        if (!Number.isInteger(i) || i < 0 || i >= sources) throw new InputError(`${field}.pairs[${q}][0]`, `${i} is not a source index in [0, ${sources - 1}]`);
        if (!Number.isInteger(j) || j < 0 || j >= targets) throw new InputError(`${field}.pairs[${q}][1]`, `${j} is not a target index in [0, ${targets - 1}]`);
        rowStart[i + 1]++;
      }
      for (let i = 0; i < sources; i++) rowStart[i + 1] += rowStart[i];
      const fill = rowStart.slice(0, sources);
      const out = new Int32Array(pairs.length);
      for (let q = 0; q < pairs.length; q++) out[fill[pairs[q][0]]++] = pairs[q][1];
      return { sources, rowStart, targets: out };
    }
  }
}
