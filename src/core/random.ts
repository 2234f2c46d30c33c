// Seeded random numbers: xoshiro128** for uniforms, a ziggurat for normals, inversion or
// PTRS for Poisson counts. Everything is 32-bit integer arithmetic so a seed gives the same
// stream in Node, in a worker and in every browser.

/** splitmix32: spreads a small seed (0, 1, 2 ...) over the whole 32-bit state space. */
export function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** Derive an independent stream seed from a scenario seed and a stream number. */
export function streamSeed(seed: number, stream: number): number {
  const mix = splitmix32((seed >>> 0) ^ Math.imul(stream + 1, 0x27d4eb2d));
  mix();
  return mix();
}

// Ziggurat tables (Marsaglia and Tsang 2000) with 256 layers: 99.3 % of draws take the fast
// path. The layer index comes from the low 8 bits and the value from the other 24, so index
// and value are independent. R and V solve the layer equations for 256 layers.
const ZIG_R = 3.6541528853610088;
const ZIG_V = 4.92867323399e-3;
const ZIG_M = 8388608; // 2^23: the signed 24-bit value lies in [-2^23, 2^23)
const kn = new Int32Array(256);
const wn = new Float64Array(256);
const fn = new Float64Array(256);
{
  let dn = ZIG_R;
  let tn = dn;
  const q = ZIG_V / Math.exp(-0.5 * dn * dn);
  kn[0] = Math.floor((dn / q) * ZIG_M);
  kn[1] = 0;
  wn[0] = q / ZIG_M;
  wn[255] = dn / ZIG_M;
  fn[0] = 1;
  fn[255] = Math.exp(-0.5 * dn * dn);
  for (let i = 254; i >= 1; i--) {
    dn = Math.sqrt(-2 * Math.log(ZIG_V / dn + Math.exp(-0.5 * dn * dn)));
    kn[i + 1] = Math.floor((dn / tn) * ZIG_M);
    tn = dn;
    fn[i] = Math.exp(-0.5 * dn * dn);
    wn[i] = dn / ZIG_M;
  }
}

const LOG_FACTORIAL_SMALL: number[] = [0];
for (let k = 1; k < 16; k++) LOG_FACTORIAL_SMALL[k] = LOG_FACTORIAL_SMALL[k - 1] + Math.log(k);

function logFactorial(k: number): number {
  if (k < 16) return LOG_FACTORIAL_SMALL[k];
  // Stirling series; error below 1e-12 for k >= 16.
  const x = k + 1;
  const ix2 = 1 / (x * x);
  return (x - 0.5) * Math.log(x) - x + 0.91893853320467274178 +
    (1 / 12 - ix2 * (1 / 360 - ix2 * (1 / 1260 - ix2 / 1680))) / x;
}

/** See Random.poissonTable. */
export interface PoissonTable {
  cdf: Float64Array;
  guide: Int32Array;
}

export class Random {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  /** Scratch for fillNormal: index and raw bits of draws to finish after the loop. */
  private pending = new Int32Array(0);

  constructor(seed: number) {
    const mix = splitmix32(seed);
    this.s0 = mix() | 0;
    this.s1 = mix() | 0;
    this.s2 = mix() | 0;
    this.s3 = mix() | 0;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Next 32 random bits as a signed int32 (xoshiro128**). */
  nextInt32(): number {
    const s1 = this.s1;
    const r = Math.imul(rotl(Math.imul(s1, 5), 7), 9);
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return r | 0;
  }

  /** Uniform in (0, 1): never exactly 0 or 1, so log() of it is safe. */
  uniform(): number {
    return ((this.nextInt32() >>> 0) + 0.5) * 2.3283064365386963e-10;
  }

  /** Standard normal deviate (ziggurat). */
  normal(): number {
    const hz = this.nextInt32();
    const iz = hz & 255;
    const j = hz >> 8;
    if (Math.abs(j) < kn[iz]) return j * wn[iz];
    return this.outside(j, iz);
  }

  /** Finish a draw that fell outside the inner rectangle of layer iz: tail or wedge test. */
  private outside(j: number, iz: number): number {
    if (iz === 0) {
      // The tail beyond R (Marsaglia's method).
      let xt: number, yt: number;
      do {
        xt = -Math.log(this.uniform()) / ZIG_R;
        yt = -Math.log(this.uniform());
      } while (yt + yt < xt * xt);
      return j > 0 ? ZIG_R + xt : -ZIG_R - xt;
    }
    const x = j * wn[iz];
    if (fn[iz] + this.uniform() * (fn[iz - 1] - fn[iz]) < Math.exp(-0.5 * x * x)) return x;
    return this.normal(); // rejected: a fresh draw
  }

  /** Poisson count with mean lambda (inversion for small means, PTRS by Hormann for large). */
  poisson(lambda: number): number {
    if (lambda <= 0) return 0;
    if (lambda < 30) {
      let p = Math.exp(-lambda);
      let cumulative = p;
      const u = this.uniform();
      let k = 0;
      while (u > cumulative && k < 1000) {
        k++;
        p *= lambda / k;
        cumulative += p;
      }
      return k;
    }
    const slam = Math.sqrt(lambda);
    const loglam = Math.log(lambda);
    const b = 0.931 + 2.53 * slam;
    const a = -0.059 + 0.02483 * b;
    const invalpha = 1.1239 + 1.1328 / (b - 3.4);
    const vr = 0.9277 - 3.6224 / (b - 2);
    for (;;) {
      const u = this.uniform() - 0.5;
      const v = this.uniform();
      const us = 0.5 - Math.abs(u);
      const k = Math.floor((2 * a / us + b) * u + lambda + 0.43);
      if (us >= 0.07 && v <= vr) return k;
      if (k < 0 || (us < 0.013 && v > us)) continue;
      if (Math.log(v) + Math.log(invalpha) - Math.log(a / (us * us) + b) <= -lambda + k * loglam - logFactorial(k)) {
        return k;
      }
    }
  }

  /**
   * Cumulative Poisson probabilities for mean lambda (to where the tail is below 1e-16) and a
   * guide table: draws by inversion start at guide[floor(u * 256)], so they need no exp and
   * almost never a second comparison.
   */
  static poissonTable(lambda: number): PoissonTable {
    const values: number[] = [];
    let p = Math.exp(-lambda);
    let sum = p;
    values.push(sum);
    for (let k = 1; k < 10000 && 1 - sum > 1e-16; k++) {
      p *= lambda / k;
      sum += p;
      values.push(sum);
    }
    values[values.length - 1] = 1;
    const cdf = Float64Array.from(values);
    const guide = new Int32Array(256);
    let k = 0;
    for (let g = 0; g < 256; g++) {
      while (cdf[k] < g / 256) k++;
      guide[g] = k;
    }
    return { cdf, guide };
  }

  /**
   * Fill counts[0..n) with Poisson draws from a poissonTable(), the generator state in locals.
   * The generator step is written out here and in fillNormal on purpose: fused with the use of
   * its bits it stays in registers; a shared bits pass measured 1 ns a draw slower.
   */
  fillPoisson(counts: Int32Array, n: number, table: PoissonTable): void {
    const { cdf, guide } = table;
    let s0 = this.s0;
    let s1 = this.s1;
    let s2 = this.s2;
    let s3 = this.s3;
    for (let i = 0; i < n; i++) {
      const m = Math.imul(s1, 5);
      const r = Math.imul((m << 7) | (m >>> 25), 9);
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      const u = ((r >>> 0) + 0.5) * 2.3283064365386963e-10; // as uniform()
      let k = guide[r >>> 24]; // floor(u * 256)
      while (u > cdf[k]) k++;
      counts[i] = k;
    }
    this.s0 = s0;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
  }

  /**
   * Fill an array with independent standard normals. The same generator as normal(), with the
   * state held in locals for the bulk of draws (the ziggurat's fast path); the rare slow path
   * hands the state back to normal().
   */
  fillNormal(out: Float64Array, n = out.length): void {
    // Draws outside the fast path are finished after the loop, which keeps the loop free of
    // calls (and its state in registers); they are the same draws, completed later.
    if (this.pending.length < 2 * n) this.pending = new Int32Array(2 * n);
    const pending = this.pending;
    let slow = 0;
    let s0 = this.s0;
    let s1 = this.s1;
    let s2 = this.s2;
    let s3 = this.s3;
    for (let i = 0; i < n; i++) {
      const m = Math.imul(s1, 5);
      const r = Math.imul((m << 7) | (m >>> 25), 9);
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      const iz = r & 255;
      const j = r >> 8;
      out[i] = j * wn[iz];
      if (!(Math.abs(j) < kn[iz])) {
        pending[slow++] = i;
        pending[slow++] = r;
      }
    }
    this.s0 = s0;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
    for (let k = 0; k < slow; k += 2) {
      const r = pending[k + 1];
      out[pending[k]] = this.outside(r >> 8, r & 255);
    }
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * Random draws made every step (Poisson inputs, white noise drawn in the kernel) come from one
 * stream per block of this many neurons of a population, never one per thread: a run split
 * across threads at block boundaries draws the very same numbers as a run on one thread.
 */
export const RANDOM_BLOCK_NEURONS = 1024;

/**
 * The seed of block `block`'s stream for a population-wide seed. Block 0 keeps the seed itself,
 * so a population of at most RANDOM_BLOCK_NEURONS neurons draws what it drew before blocks.
 */
export function blockSeed(seed: number, block: number): number {
  return block === 0 ? seed : streamSeed(seed, 0x40000000 + block);
}

/**
 * Standard normals for a kernel that asks for them a block of neurons at a time (blocks of
 * RANDOM_BLOCK_NEURONS from the first neuron it holds): the k-th call of a step is served by the
 * stream of block firstBlock + k. `restart()` before each step.
 */
export class BlockNormals {
  readonly streams: Random[] = [];
  private cursor = 0;
  constructor(seed: number, readonly firstBlock: number, blocks: number) {
    for (let b = 0; b < blocks; b++) this.streams.push(new Random(blockSeed(seed, firstBlock + b)));
  }
  restart(): void {
    this.cursor = 0;
  }
  fillNormal(out: Float64Array, n = out.length): void {
    this.streams[this.cursor++].fillNormal(out, n);
  }
}
