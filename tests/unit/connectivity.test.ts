// The random connectivity rules (src/core/network/connectivity.ts), built straight into CSR typed
// arrays: their degree statistics against the binomial and hypergeometric laws they follow, no
// duplicate synapse, no self-connection where refused, rows in target order, and one network per
// seed (the same seed gives the same arrays, another seed other ones).
import { describe, expect, it } from 'vitest';
import { connect, expectedSynapses, type Csr } from '../../src/core/network/connectivity';

function rows(csr: Csr): Int32Array[] {
  return Array.from({ length: csr.sources }, (_, i) => csr.targets.subarray(csr.rowStart[i], csr.rowStart[i + 1]));
}

function meanVar(xs: ArrayLike<number>): { mean: number; variance: number } {
  let sum = 0;
  for (let k = 0; k < xs.length; k++) sum += xs[k];
  const mean = sum / xs.length;
  let sq = 0;
  for (let k = 0; k < xs.length; k++) sq += (xs[k] - mean) ** 2;
  return { mean, variance: sq / (xs.length - 1) };
}

/** Every row strictly increasing (so no target twice), within [0, targets), and without i where self is refused. */
function expectWellFormed(csr: Csr, targets: number, noSelf: boolean): void {
  expect(csr.rowStart[0]).toBe(0);
  expect(csr.rowStart[csr.sources]).toBe(csr.targets.length);
  rows(csr).forEach((row, i) => {
    for (let m = 0; m < row.length; m++) {
      if (row[m] < 0 || row[m] >= targets || (m > 0 && row[m] <= row[m - 1]) || (noSelf && row[m] === i)) {
        throw new Error(`row ${i}: ${Array.from(row.subarray(Math.max(0, m - 2), m + 2))} at ${m}`);
      }
    }
  });
}

function inDegrees(csr: Csr, targets: number): Int32Array {
  const degree = new Int32Array(targets);
  for (const j of csr.targets) degree[j]++;
  return degree;
}

const same = (a: Csr, b: Csr) => a.rowStart.length === b.rowStart.length && a.targets.length === b.targets.length && a.rowStart.every((x, k) => x === b.rowStart[k]) && a.targets.every((x, k) => x === b.targets[k]);

describe('fixed probability', () => {
  it('count, out- and in-degrees follow the binomial law; no duplicates, no self where refused', () => {
    const n = 2000;
    const p = 0.05;
    const csr = connect({ rule: 'probability', p, allowSelf: false }, n, n, true, 3);
    expectWellFormed(csr, n, true);
    const pairs = n * n - n;
    const sd = Math.sqrt(pairs * p * (1 - p));
    expect(Math.abs(csr.targets.length - expectedSynapses({ rule: 'probability', p, allowSelf: false }, n, n, true))).toBeLessThan(5 * sd);
    for (const degrees of [Int32Array.from(rows(csr), (r) => r.length), inDegrees(csr, n)]) {
      const { mean, variance } = meanVar(degrees);
      const binomialVar = (n - 1) * p * (1 - p);
      expect(Math.abs(mean - (n - 1) * p)).toBeLessThan(5 * Math.sqrt(binomialVar / n));
      // The sample variance of n binomial degrees: within 20 % of the law's (its sd is about 3 % here).
      expect(variance / binomialVar).toBeGreaterThan(0.8);
      expect(variance / binomialVar).toBeLessThan(1.2);
    }
  });

  it('targets are spread evenly: each tenth of the target range gets a tenth of the synapses', () => {
    const csr = connect({ rule: 'probability', p: 0.02 }, 4000, 4000, true, 9);
    const tenths = new Float64Array(10);
    for (const j of csr.targets) tenths[Math.floor(j / 400)]++;
    const expected = csr.targets.length / 10;
    for (const count of tenths) expect(Math.abs(count - expected)).toBeLessThan(5 * Math.sqrt(expected));
  });

  it('p = 1 connects every pair (less self), p = 0 none', () => {
    const all = connect({ rule: 'probability', p: 1, allowSelf: false }, 30, 30, true, 1);
    expect(all.targets.length).toBe(30 * 29);
    expectWellFormed(all, 30, true);
    expect(connect({ rule: 'probability', p: 0 }, 30, 40, false, 1).targets.length).toBe(0);
  });
});

describe('fixed in-degree', () => {
  it('every target has exactly k distinct sources, never itself where refused; out-degrees are hypergeometric sums', () => {
    const n = 3000;
    const k = 150;
    const csr = connect({ rule: 'inDegree', k, allowSelf: false }, n, n, true, 5);
    expectWellFormed(csr, n, true);
    expect(Array.from(new Set(inDegrees(csr, n)))).toEqual([k]);
    // Each target picks k of the n - 1 others: a source is picked by each other target with
    // probability k / (n - 1), independently across targets, so its out-degree is binomial.
    const q = k / (n - 1);
    const { mean, variance } = meanVar(Int32Array.from(rows(csr), (r) => r.length));
    expect(mean).toBeCloseTo(k, 10);
    const law = (n - 1) * q * (1 - q);
    expect(variance / law).toBeGreaterThan(0.85);
    expect(variance / law).toBeLessThan(1.15);
  });

  it('sources beyond 16 bits (the scratch then holds 4 bytes a synapse) are drawn as well', () => {
    const sources = 70_000;
    const csr = connect({ rule: 'inDegree', k: 40 }, sources, 500, false, 2);
    expectWellFormed(csr, 500, false);
    expect(Array.from(new Set(inDegrees(csr, 500)))).toEqual([40]);
    let high = 0;
    rows(csr).forEach((row, i) => {
      if (i >= 65536) high += row.length;
    });
    // Sources above 65535 hold their share (4464 / 70000 of 20000 synapses, about 1275).
    expect(Math.abs(high - (20_000 * (sources - 65536)) / sources)).toBeLessThan(5 * Math.sqrt(1275));
  });

  it('k equal to every possible source connects all; more is refused naming the field', () => {
    const csr = connect({ rule: 'inDegree', k: 9, allowSelf: false }, 10, 10, true, 1);
    expect(csr.targets.length).toBe(90);
    expectWellFormed(csr, 10, true);
    expect(() => connect({ rule: 'inDegree', k: 10, allowSelf: false }, 10, 10, true, 1, 'projections[2].connect')).toThrow(/projections\[2\]\.connect\.k/);
  });
});

describe('one network per seed', () => {
  it.each([
    ['probability', { rule: 'probability', p: 0.1 } as const],
    ['inDegree', { rule: 'inDegree', k: 20, allowSelf: false } as const],
  ])('%s: the same seed gives the same arrays, another seed others', (_, rule) => {
    const a = connect(rule, 500, 400, false, 17);
    expect(same(a, connect(rule, 500, 400, false, 17))).toBe(true);
    expect(same(a, connect(rule, 500, 400, false, 18))).toBe(false);
  });
});
