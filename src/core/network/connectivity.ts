// Connectivity rules build compressed sparse rows (CSR by source neuron) straight into typed
// arrays: no per-synapse JS objects, so a million synapses cost a few megabytes and milliseconds.
import { InputError } from '../errors.js';
import { Random } from '../random.js';

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

/** Growable Int32Array for building rows. */
class IntList {
  data = new Int32Array(1024);
  length = 0;
  push(x: number): void {
    if (this.length === this.data.length) {
      const bigger = new Int32Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = x;
  }
}

/** Expected number of synapses, for memory budgets before anything is built. */
export function expectedSynapses(rule: ConnectRule, sources: number, targets: number): number {
  switch (rule.rule) {
    case 'all':
      return sources * targets;
    case 'probability':
      return rule.p * sources * targets;
    case 'inDegree':
      return rule.k * targets;
    case 'oneToOne':
      return Math.min(sources, targets);
    case 'list':
      return rule.pairs.length;
  }
}

/**
 * Build the CSR for a rule. `same` says whether source and target are one population (only
 * then does allowSelf matter).
 */
export function connect(rule: ConnectRule, sources: number, targets: number, same: boolean, seed: number, field = 'connect'): Csr {
  const random = new Random(seed);
  const noSelf = same && rule.rule !== 'oneToOne' && rule.rule !== 'list' && rule.allowSelf === false;
  switch (rule.rule) {
    case 'all': {
      const perRow = noSelf ? targets - 1 : targets;
      const rowStart = Int32Array.from({ length: sources + 1 }, (_, i) => i * perRow);
      const out = new Int32Array(sources * perRow);
      let k = 0;
      for (let i = 0; i < sources; i++) for (let j = 0; j < targets; j++) if (!(noSelf && i === j)) out[k++] = j;
      return { sources, rowStart, targets: out };
    }
    case 'probability': {
      // Geometric skips: the gap to the next connected target is geometric with parameter p,
      // so the cost follows the number of synapses, not sources x targets.
      const { p } = rule;
      const rowStart = new Int32Array(sources + 1);
      const list = new IntList();
      if (p > 0) {
        const logQ = Math.log1p(-Math.min(p, 1 - 1e-16));
        for (let i = 0; i < sources; i++) {
          rowStart[i] = list.length;
          let j = -1;
          for (;;) {
            j += p >= 1 ? 1 : 1 + Math.floor(Math.log(random.uniform()) / logQ);
            if (j >= targets) break;
            if (!(noSelf && i === j)) list.push(j);
          }
        }
      }
      rowStart[sources] = list.length;
      return { sources, rowStart, targets: list.data.slice(0, list.length) };
    }
    case 'inDegree': {
      // Each target draws k distinct sources (Floyd's algorithm); the pairs are then sorted by
      // source with a counting sort into CSR.
      const { k } = rule;
      const pool = noSelf ? sources - 1 : sources;
      if (k > pool) throw new InputError(`${field}.k`, `${k} exceeds the ${pool} possible sources`);
      const pairSource = new Int32Array(k * targets);
      const chosen = new Set<number>();
      for (let j = 0; j < targets; j++) {
        chosen.clear();
        for (let r = pool - k; r < pool; r++) {
          const t = Math.floor(random.uniform() * (r + 1));
          chosen.add(chosen.has(t) ? r : t);
        }
        let m = 0;
        for (let s of chosen) {
          if (noSelf && s >= j) s++; // skip the target itself
          pairSource[j * k + m++] = s;
        }
      }
      const rowStart = new Int32Array(sources + 1);
      for (let q = 0; q < pairSource.length; q++) rowStart[pairSource[q] + 1]++;
      for (let i = 0; i < sources; i++) rowStart[i + 1] += rowStart[i];
      const fill = rowStart.slice(0, sources);
      const out = new Int32Array(pairSource.length);
      for (let q = 0; q < pairSource.length; q++) out[fill[pairSource[q]]++] = Math.floor(q / k);
      return { sources, rowStart, targets: out };
    }
    case 'oneToOne': {
      const n = Math.min(sources, targets);
      const rowStart = Int32Array.from({ length: sources + 1 }, (_, i) => Math.min(i, n));
      return { sources, rowStart, targets: Int32Array.from({ length: n }, (_, i) => i) };
    }
    case 'list': {
      const rowStart = new Int32Array(sources + 1);
      rule.pairs.forEach(([i, j], q) => {
        if (!Number.isInteger(i) || i < 0 || i >= sources) throw new InputError(`${field}.pairs[${q}][0]`, `${i} is not a source index in [0, ${sources - 1}]`);
        if (!Number.isInteger(j) || j < 0 || j >= targets) throw new InputError(`${field}.pairs[${q}][1]`, `${j} is not a target index in [0, ${targets - 1}]`);
        rowStart[i + 1]++;
      });
      for (let i = 0; i < sources; i++) rowStart[i + 1] += rowStart[i];
      const fill = rowStart.slice(0, sources);
      const out = new Int32Array(rule.pairs.length);
      for (const [i, j] of rule.pairs) out[fill[i]++] = j;
      return { sources, rowStart, targets: out };
    }
  }
}
