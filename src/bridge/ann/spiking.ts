// A trained network (network.ts) run as spiking neurons: every hidden unit becomes a population of
// LIF neurons (models/lif.json with its defaults, plus white membrane noise) whose firing rate
// stands for the unit's activation (rate coding), produced as a scenario that src/scenario
// validates and the core simulates, like any other.
//
// The method, after the rate-based conversions of Diehl et al. (2015, "Fast-classifying,
// high-accuracy spiking deep networks through weight and threshold balancing", IJCNN: each layer
// scaled by the activations it shows on the training data), Hunsberger & Eliasmith (2015,
// "Spiking deep networks with LIF neurons", arXiv:1510.08829: the LIF's own rate curve, which a
// network trained with "this neuron" already uses) and Eliasmith & Anderson's NEF (2003, Neural
// Engineering, ch. 2 and 4: each population has its own gain and bias current, J = gain * x + bias,
// its rate the LIF's rate curve of J, with the noise of the spikes it receives in that curve):
//  1. The rate of a population as a function of its input current is the Siegert rate of the
//     noisy LIF on the simulation's grid (siegert.ts): phi_sigma(I). Each hidden unit j has its own
//     encoding (the NEF's per-neuron gain and bias): its pre-activation z becomes the current
//     I = I0_j + s_j z, and its rate phi(I) stands for R_j h_j(z), h_j = f - m_j the activation above
//     an offset m_j: the least value the unit takes on the training data (1st percentile; never
//     below the floor f implies), so a population does not fire for a constant part of its unit,
//     which would only send the noise of its spikes downstream. For the neuron's own LIF curve
//     (neuron:lif, at the curve's noise) the numbers are the curve's (z = 0 its rheobase, the rate
//     at z = 4 the scale, m = 0): the population is the unit, exactly. For any other activation
//     they are the least squares of phi(I0 + s z) / R - h(z) over the unit's range of z on the
//     training data (1st to 99th percentile; a grid over the current at the range's bottom and the
//     current span, then a local search; R solved linearly), the rate at the range's top between
//     MIN_TOP_RATE_HZ (a curve deep below threshold has the right shape at 1e-20 Hz) and
//     MAX_RATE_HZ (near 1 / t_ref = 500 Hz the rate saturates: spikes become a clock, not a code).
//     One encoding for all units, as this module first had, fitted badly wherever units' ranges
//     differ tenfold (XOR with ReLU lost 2-8 points, its gain stuck at the grid's edge). A unit
//     constant on the training data (moving by less than 0.001: a dead ReLU, a neuron's curve held
//     below its threshold) has a silent population, its value folded into the next layer's biases.
//  2. Weights scaled to currents: a rate r_i stands for f_i = m_i + r_i / R_i, so the current into
//     unit k is I0_k + s_k (b_k + sum_i W_ki m_i) + sum_i (s_k W_ki / R_i) r_i. The bias part is a
//     constant current per neuron; the first hidden layer's whole input (the point's coordinates
//     through W1) is too. A spike adds w mV to v (the LIF's synapse is a jump of v), a charge
//     tau_m w / R_m, so a rate r gives the mean current tau_m w r / R_m: a weight is a number of
//     synapses C_ki of one size w0 per target layer (C_ki w0 = 1000 s_k W_ki R_m / (tau_m R_i),
//     rounded: synapse counts quantise weights, as in a brain; w0 is the layer's largest weight over
//     100, at most QUANTUM_MV unless that would take more than 255 synapses), spread evenly over the
//     source population's neurons. A neuron whose inhibitory synapses could move v by more than
//     MAX_INHIBITION_MV in one volley is refused (v would leave its bounds), naming the unit.
//  3. Spikes arriving are noise: Campbell's theorem gives v the variance (tau_m / 2) sum_i r_i
//     sum_sources (multiplicity w0)^2, the diffusion approximation the Siegert rate rests on. So
//     each neuron's white noise is what the synapses leave of its curve's sigma^2 at that point
//     (at the rates the encoding expects there). With few neurons per unit each spike carries a
//     large share of a weight; where the synapses' noise (its median over the training points)
//     exceeds sigma, a fitted unit's curve is taken at that noise, its bias current and R fitted
//     again with its gain kept (the noise scales with the gain). The neuron's own curve stays
//     exact: there the extra noise is a mismatch the rate correlation shows.
//  4. The output (the logit z) drives two populations with currents I_mid + g z (class 1) and
//     I_mid - g z (class 0), I_mid where phi gives OUTPUT_RATE_HZ, so both fire near the boundary:
//     the decision over a window is the one that spiked more (a tie, as when both are silent, is a
//     coin flip and counts half). Only the sign of z decides, so g maps the median |z| of the
//     training points to the current between I_mid and 5 Hz: large logits saturate, the boundary
//     keeps its slope. Accuracy grows with the window as counts grow. Stimulus currents are kept
//     within [-20, 60] nA (silence, and the refractory limit, beyond), so no point of the decision
//     map drives v past its bounds (a sigmoid network on XOR did, before).
// What it gives (20 neurons per unit, 500 ms, 200 test points): circle, XOR and two Gaussians
// within 1.5 points of the ANN with ReLU, sigmoid, tanh and the noisy LIF's own curve; the spiral
// loses 2.5 (the LIF's curve) to 6 (ReLU) points, and 32 with tanh, whose second layer receives the
// most cancelling excitation and inhibition (the most synaptic noise) while the spiral needs sharp
// functions (README, Command line).
// Spiking is stochastic (noise, spike timing): the biological side of dropout, which trains a
// network to decide from a random part of its units.
import { InputError, describeValue } from '../../core/errors.js';
import { concatArrays } from '../../core/arrays.js';
import { builtinModel } from '../../core/model/builtinModels.js';
import { resolveParameters } from '../../core/model/loadModel.js';
import { Simulation } from '../../core/simulation.js';
import { SCENARIO_FORMAT, validateScenario, type Scenario } from '../../scenario/scenario.js';
import { noiseCurrentSigma } from '../fiSweep.js';
import { siegertRateForCurrentHz, type LifNoiseParameters } from '../siegert.js';
import { unitActivation, type ActivationChoice, type UnitActivation } from './annActivation.js';
import type { Samples } from './datasets.js';
import { hiddenPreActivations, predict, type AnnWeights } from './network.js';

export interface SpikingOptions {
  /** LIF neurons per unit, 1 to 500 (default 20). */
  neuronsPerUnit?: number;
  /** Membrane noise of every neuron, SD of v in mV (default: the neuron curve's, else 2). */
  noiseSigmaMV?: number;
  /** Count windows from the start of the run, ms (default 50, 100, 200, 500); the run lasts the longest. */
  windowsMs?: number[];
  dtMs?: number;
  seed?: number;
}

/** How unit pre-activations become currents and rates stand for activations: for the whole network, the units' medians. */
export interface RateCalibration {
  currentAtZero: number;
  currentPerUnit: number;
  rateScaleHz: number;
  noiseSigmaMV: number;
  /** RMS over the units of each one's RMS of phi(I0 + s z) / R - h(z) (0 for the neuron's own curve, by construction). */
  rmsError: number;
  /** 'neuron curve': every unit is the neuron's own curve; 'fitted': some or all are fitted (step 1). */
  method: 'neuron curve' | 'fitted';
}

/** Each hidden unit's encoding (method, steps 1 and 3), per hidden layer, per unit. */
export interface LayerEncoding {
  currentAtZero: Float64Array;
  currentPerUnit: Float64Array;
  rateScaleHz: Float64Array;
  /** m: the activation a silent population stands for (f = m + rate / rateScaleHz). */
  offset: Float64Array;
  /** The membrane noise its rate curve assumes (SD of v, mV): white noise and the synapses' together. */
  noiseSigmaMV: Float64Array;
  /** RMS of phi / R - h over the unit's range, in units of h (0: the neuron's own curve). */
  rmsError: Float64Array;
  /** 1: the neuron's own curve; 0: fitted. */
  ownCurve: Uint8Array;
  /** 1: constant on the training data (a dead ReLU): its population is silent and its value in the next layer's biases. */
  constant: Uint8Array;
}

export interface SpikingNetwork {
  weights: AnnWeights;
  activation: ActivationChoice;
  calibration: RateCalibration;
  neuronsPerUnit: number;
  windowsMs: number[];
  dtMs: number;
  seed: number;
  /** The largest synapse size w0 of the layers (mV of v per spike). */
  quantumMV: number;
  /** Per target layer (index 0 unused), its synapse size w0 (mV). */
  quantaMV: number[];
  /** The output's gain g: current per unit of the logit (nA), step 4 of the method. */
  outputScale: number;
  /** The output populations' current at logit 0 (nA). */
  outputCurrentAtZero: number;
  /** Biases with the hidden units' offsets folded in (per layer; the first layer's as trained). */
  biases: Float64Array[];
  /** Per target layer (index 0 empty), the synapse counts (signed) per (target unit, source unit). */
  counts: Int32Array[];
  encoding: LayerEncoding[];
}

export const SPIKING_LIMITS = { neuronsPerUnit: [1, 500], noiseSigmaMV: [0, 20], windowMs: [10, 10000] } as const;
/** The largest synapse (mV): small against the 20 mV from reset to threshold, so rates, not single spikes, drive a neuron. */
export const QUANTUM_MV = 1;
/** The most synapses one weight takes onto one neuron: w0 grows beyond QUANTUM_MV rather than pass it (8 bits, see spikingScenario). */
const MAX_SYNAPSES_PER_WEIGHT = 255;
/** The most a neuron's inhibitory synapses may move v if every source fired in one step (mV): with stimulus currents of -20 nA or more (v at -270 mV and above) v stays within the LIF's bound of -1000 mV. */
const MAX_INHIBITION_MV = 700;
/** The synapses' noise a unit's curve is taken at: its median over the training points. */
const NOISE_QUANTILE = 0.5;
/** The rates a hidden population covers its unit's range with (Hz): at most MAX_RATE_HZ, and at least MIN_TOP_RATE_HZ at the range's top. */
export const MAX_RATE_HZ = 300;
export const MIN_TOP_RATE_HZ = 20;
/** The output populations' rate at logit 0 (Hz). */
export const OUTPUT_RATE_HZ = 60;
/** Stimulus currents are kept within this range (nA). */
const CURRENT_RANGE_NA = [-20, 60] as const;

const LIF = builtinModel('lif');
const LIF_VALUES = resolveParameters(LIF, {}, 'parameters');
const lifParameter = (name: string) => LIF_VALUES[LIF.parameterNames.indexOf(name)];
const LIF_P: LifNoiseParameters = { E_L: lifParameter('E_L'), V_th: lifParameter('V_th'), V_reset: lifParameter('V_reset'), tau_m: lifParameter('tau_m'), R: lifParameter('R'), t_ref: lifParameter('t_ref') };
/** The current that one synapse of w mV firing at 1 Hz gives on average (nA): tau_m w / (1000 R_m). */
const NA_PER_MV_HZ = LIF_P.tau_m / (1000 * LIF_P.R);
/** White-noise current for 1 mV of SD of v. */
const NOISE_CURRENT_PER_MV = noiseCurrentSigma(LIF, LIF_VALUES, 1);

function checked(field: string, value: unknown, [min, max]: readonly [number, number], integer = false): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || (integer && !Number.isInteger(value))) throw new InputError(field, `must be a ${integer ? 'whole ' : ''}number from ${min} to ${max}, got ${describeValue(value)}`);
  if (value < min || value > max) throw new InputError(field, `${value} is outside the allowed range [${min}, ${max}]`);
  return value;
}

const clampCurrent = (current: number) => Math.min(CURRENT_RANGE_NA[1], Math.max(CURRENT_RANGE_NA[0], current));

/** phi tabulated on a current grid (the Siegert integral is costly), read by linear interpolation; one table per noise and step. */
const TABLE_FROM_NA = CURRENT_RANGE_NA[0];
const TABLE_STEP_NA = 0.02;
const tables = new Map<string, Float64Array>();
type RateCurve = (current: number) => number;
function rateCurve(sigmaMV: number, dtMs: number): RateCurve {
  const key = `${sigmaMV}/${dtMs}`;
  let table = tables.get(key);
  if (!table) {
    table = Float64Array.from({ length: Math.round((CURRENT_RANGE_NA[1] - CURRENT_RANGE_NA[0]) / TABLE_STEP_NA) + 1 }, (_, k) => siegertRateForCurrentHz(TABLE_FROM_NA + k * TABLE_STEP_NA, sigmaMV, LIF_P, sigmaMV > 0 ? dtMs : undefined));
    if (tables.size > 64) tables.clear();
    tables.set(key, table);
  }
  const t = table;
  return (current) => {
    const u = (current - TABLE_FROM_NA) / TABLE_STEP_NA;
    if (u <= 0) return t[0];
    if (u >= t.length - 1) return t[t.length - 1];
    const k = Math.floor(u);
    return t[k] + (u - k) * (t[k + 1] - t[k]);
  };
}

/** The current where a rate curve reaches `rateHz` (bisection; the curve rises). */
function currentForRate(phi: RateCurve, rateHz: number): number {
  let [lo, hi]: number[] = [CURRENT_RANGE_NA[0], CURRENT_RANGE_NA[1]];
  for (let k = 0; k < 60; k++) {
    const mid = (lo + hi) / 2;
    if (phi(mid) < rateHz) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

interface UnitFit {
  i0: number;
  s: number;
  r: number;
  m: number;
  err: number;
  constant: boolean;
}

/** A unit whose activation moves by less than this on the training data is constant. */
const CONSTANT_BELOW = 1e-3;

const quantile = (sorted: Float64Array, q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))];

/** Step 1 for one unit: the encoding whose rate curve follows h over the unit's range of z. */
function fitUnit(zSorted: Float64Array, unit: UnitActivation, phi: RateCurve, fixedSpanNA?: number): UnitFit | null {
  const lo = quantile(zSorted, 0.01);
  const hi = quantile(zSorted, 0.99);
  // Rate 0 stands for the least value the unit takes on the training data: a population firing
  // for a constant part of its unit would only add the noise of its spikes downstream.
  const m = Math.max(unit.f(lo), unit.floor);
  const K = 41;
  const zs = Float64Array.from({ length: K }, (_, k) => lo + ((hi - lo) * k) / (K - 1));
  const hs = Float64Array.from(zs, (z) => Math.max(0, unit.f(z) - m));
  const top = hs.reduce((a, b) => Math.max(a, b), 0);
  // A unit that moves by less than 0.001 on the training data (a dead ReLU, a neuron's curve held
  // below its threshold) is taken as constant: a population would only add noise for it.
  if (!(hi - lo > 1e-9) || !(top > CONSTANT_BELOW)) return { i0: 0, s: 0, r: 1, m: unit.f(quantile(zSorted, 0.5)), err: 0, constant: true };
  const p = new Float64Array(K);
  // The encoding as the current at the range's bottom and the span of current over the range.
  const score = (currentLow: number, logSpan: number): { err: number; r: number } => {
    const s = Math.exp(logSpan) / (hi - lo);
    let ph = 0;
    let pp = 0;
    for (let k = 0; k < K; k++) {
      p[k] = phi(currentLow + s * (zs[k] - lo));
      if (p[k] > MAX_RATE_HZ) return { err: Infinity, r: 1 };
      ph += p[k] * hs[k];
      pp += p[k] * p[k];
    }
    // A population whose rate stays low carries little in a window (a curve deep below its
    // threshold even has the right shape, at 1e-20 Hz).
    if (!(ph > 0) || !(p[K - 1] >= MIN_TOP_RATE_HZ)) return { err: Infinity, r: 1 };
    const r = pp / ph;
    let err = 0;
    for (let k = 0; k < K; k++) err += (p[k] / r - hs[k]) ** 2;
    return { err, r };
  };
  const [spanLow, spanHigh, spans] = fixedSpanNA === undefined ? [Math.log(0.25), Math.log(40), 40] : [Math.log(fixedSpanNA), Math.log(fixedSpanNA), 0];
  let best = { currentLow: 0, logSpan: 0, err: Infinity, r: 1 };
  for (let b = 0; b <= spans; b++) {
    const logSpan = spans > 0 ? spanLow + ((spanHigh - spanLow) * b) / spans : spanLow;
    // The range's bottom from well below the rheobase (2 nA) to where the span still fits under 300 Hz.
    for (let a = 0; a <= (spans > 0 ? 100 : 400); a++) {
      const currentLow = -4 + 0.1 * a;
      const { err, r } = score(currentLow, logSpan);
      if (err < best.err) best = { currentLow, logSpan, err, r };
    }
  }
  if (!Number.isFinite(best.err)) {
    if (fixedSpanNA !== undefined) return null;
    throw new InputError('activation', `${unit.name}: no LIF current range makes rates follow it`);
  }
  // A local search on a halving pattern.
  let [dI, dL] = [0.05, spans > 0 ? (spanHigh - spanLow) / spans / 2 : 0];
  for (let round = 0; round < 12; round++) {
    let moved = false;
    for (const [u, v] of [[dI, 0], [-dI, 0], [0, dL], [0, -dL]]) {
      const { err, r } = score(best.currentLow + u, best.logSpan + v);
      if (err < best.err) {
        best = { currentLow: best.currentLow + u, logSpan: best.logSpan + v, err, r };
        moved = true;
      }
    }
    if (!moved) [dI, dL] = [dI / 2, dL / 2];
  }
  const s = Math.exp(best.logSpan) / (hi - lo);
  return { i0: best.currentLow - s * lo, s, r: best.r, m, err: Math.sqrt(best.err / K), constant: false };
}

/** The neuron's own LIF curve, when the spiking populations are that neuron (same model, parameters and noise). */
function ownCurve(activation: ActivationChoice, sigmaMV: number) {
  if (typeof activation === 'string') return null;
  const c = activation.neuron;
  return c.model === 'lif' && c.noiseSigmaMV === sigmaMV && Object.keys(c.parameters).length === 0 ? c : null;
}

/** The mV of synapses per Hz of the source that weight W from unit i into a unit of gain s needs (C w0 before rounding). */
const synapseMV = (s: number, w: number, rateScaleHz: number) => (s * w) / (NA_PER_MV_HZ * rateScaleHz);

/** Steps 1 and 3: each hidden unit's encoding, layer by layer (a layer's synaptic noise needs the previous one's rates). */
function encodeLayers(weights: AnnWeights, activation: ActivationChoice, unit: UnitActivation, train: Samples, sigmaMV: number, dtMs: number, n: number): LayerEncoding[] {
  const { sizes } = weights;
  const pre = hiddenPreActivations(weights, unit, train);
  const own = ownCurve(activation, sigmaMV);
  const layers: LayerEncoding[] = [];
  let previousRates: Float64Array | null = null; // [point * units + unit] of the layer before, as the encoding expects them
  for (let l = 0; l < pre.length; l++) {
    const units = sizes[l + 1];
    const e: LayerEncoding = {
      currentAtZero: new Float64Array(units),
      currentPerUnit: new Float64Array(units),
      rateScaleHz: new Float64Array(units),
      offset: new Float64Array(units),
      noiseSigmaMV: new Float64Array(units),
      rmsError: new Float64Array(units),
      ownCurve: new Uint8Array(units),
      constant: new Uint8Array(units),
    };
    const column = (j: number) => Float64Array.from({ length: train.count }, (_, p) => pre[l][p * units + j]).sort();
    const set = (j: number, sigma: number, zSorted: Float64Array, allowOwn: boolean, fixedSpanNA?: number) => {
      const fit = own && allowOwn && sigma === sigmaMV ? null : fitUnit(zSorted, unit, rateCurve(sigma, dtMs), fixedSpanNA);
      if (!fit && fixedSpanNA !== undefined) return; // no bias current fits the larger noise with this gain: the encoding stays
      if (!fit) {
        [e.currentAtZero[j], e.currentPerUnit[j], e.rateScaleHz[j], e.offset[j], e.rmsError[j], e.ownCurve[j], e.constant[j]] = [own!.currentAtZero, own!.currentPerUnit, own!.rateAtFourHz, 0, 0, 1, 0];
      } else {
        [e.currentAtZero[j], e.currentPerUnit[j], e.rateScaleHz[j], e.offset[j], e.rmsError[j], e.ownCurve[j], e.constant[j]] = [fit.i0, fit.s, fit.r, fit.m, fit.err, 0, fit.constant ? 1 : 0];
      }
      e.noiseSigmaMV[j] = sigma;
    };
    for (let j = 0; j < units; j++) {
      const zSorted = column(j);
      set(j, sigmaMV, zSorted, true);
      if (l === 0 || e.constant[j]) continue;
      // Step 3: the synapses' own noise at this unit, at the 90th percentile of the training points.
      const prev = layers[l - 1];
      const nIn = sizes[l];
      const variances = new Float64Array(train.count);
      for (let p = 0; p < train.count; p++) {
        let v = 0;
        for (let i = 0; i < nIn; i++) {
          if (prev.constant[i]) continue;
          const mv = synapseMV(e.currentPerUnit[j], weights.weights[l][j * nIn + i], prev.rateScaleHz[i]);
          v += (LIF_P.tau_m / 2000) * previousRates![p * nIn + i] * ((mv * mv) / n);
        }
        variances[p] = v;
      }
      const need = Math.sqrt(quantile(variances.sort(), NOISE_QUANTILE));
      // The gain stays (the synapses' noise scales with it): the bias current and rate scale are fitted again for the larger noise.
      if (need > e.noiseSigmaMV[j] && !e.ownCurve[j]) set(j, Math.ceil(need / 0.25) * 0.25, zSorted, false, e.currentPerUnit[j] * (quantile(zSorted, 0.99) - quantile(zSorted, 0.01)));
    }
    // The rates this layer's populations are expected to fire on the training points (before rounding to synapses).
    const rates = new Float64Array(train.count * units);
    for (let j = 0; j < units; j++) {
      if (e.constant[j]) continue;
      const phi = rateCurve(e.noiseSigmaMV[j], dtMs);
      for (let p = 0; p < train.count; p++) rates[p * units + j] = e.ownCurve[j] ? e.rateScaleHz[j] * Math.max(0, unit.f(pre[l][p * units + j])) : phi(e.currentAtZero[j] + e.currentPerUnit[j] * pre[l][p * units + j]);
    }
    previousRates = rates;
    layers.push(e);
  }
  return layers;
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function summary(encoding: LayerEncoding[], sigmaMV: number): RateCalibration {
  const live = encoding.flatMap((e) => Array.from(e.constant, (c, j) => (c ? -1 : j)).filter((j) => j >= 0).map((j) => ({ e, j })));
  const pick = (f: (e: LayerEncoding, j: number) => number) => median(live.map(({ e, j }) => f(e, j)));
  const rms = Math.sqrt(live.reduce((sum, { e, j }) => sum + e.rmsError[j] ** 2, 0) / Math.max(1, live.length));
  return {
    currentAtZero: pick((e, j) => e.currentAtZero[j]),
    currentPerUnit: pick((e, j) => e.currentPerUnit[j]),
    rateScaleHz: pick((e, j) => e.rateScaleHz[j]),
    noiseSigmaMV: sigmaMV,
    rmsError: rms,
    method: live.length > 0 && live.every(({ e, j }) => e.ownCurve[j] === 1) ? 'neuron curve' : 'fitted',
  };
}

/** The encoding's summary (the units' medians; method in the header, step 1). Kept for callers of the first version; convertToSpiking gives the per-unit encoding. */
export function calibrate(weights: AnnWeights, activation: ActivationChoice, train: Samples, sigmaMV: number, dtMs: number, neuronsPerUnit = 20): RateCalibration {
  const unit = unitActivation(activation);
  return summary(encodeLayers(weights, activation, unit, train, sigmaMV, dtMs, neuronsPerUnit), sigmaMV);
}

/** The ANN's logit at each point. */
function annLogits(w: AnnWeights, unit: UnitActivation, samples: Samples): Float64Array {
  const pre = hiddenPreActivations(w, unit, samples);
  const last = w.sizes.length - 2;
  const units = w.sizes[last];
  return Float64Array.from({ length: samples.count }, (_, p) => {
    let z = w.biases[last][0];
    for (let i = 0; i < units; i++) z += w.weights[last][i] * unit.f(pre[last - 1][p * units + i]);
    return z;
  });
}

/** The trained network as populations and synapse counts (the method in the header). */
export function convertToSpiking(weights: AnnWeights, activation: ActivationChoice, train: Samples, options: SpikingOptions = {}): SpikingNetwork {
  const neuronsPerUnit = checked('neuronsPerUnit', options.neuronsPerUnit ?? 20, SPIKING_LIMITS.neuronsPerUnit, true);
  const fromCurve = typeof activation !== 'string' && activation?.neuron ? activation.neuron.noiseSigmaMV : undefined;
  const noiseSigmaMV = checked('noiseSigmaMV', options.noiseSigmaMV ?? (fromCurve !== undefined && fromCurve > 0 ? fromCurve : 2), SPIKING_LIMITS.noiseSigmaMV);
  const windowsMs = options.windowsMs ?? [50, 100, 200, 500];
  if (!Array.isArray(windowsMs) || windowsMs.length === 0 || windowsMs.length > 20) throw new InputError('windowsMs', `must list 1 to 20 windows in ms, got ${describeValue(windowsMs)}`);
  windowsMs.forEach((w, k) => checked(`windowsMs[${k}]`, w, SPIKING_LIMITS.windowMs));
  const dtMs = checked('dtMs', options.dtMs ?? 0.1, [0.01, 0.5]);
  const seed = checked('seed', options.seed ?? 1, [0, 2 ** 32 - 1], true);
  const unit = unitActivation(activation);
  const { sizes } = weights;
  const hiddenLayers = sizes.length - 2;
  const encoding = encodeLayers(weights, activation, unit, train, noiseSigmaMV, dtMs, neuronsPerUnit);
  // Biases with the offsets folded in: z_k = b_k + sum_i W_ki (m_i + r_i / R_i).
  const biases = weights.biases.map((b, l) => {
    if (l === 0) return b.slice();
    const nIn = sizes[l];
    const e = encoding[l - 1];
    return Float64Array.from(b, (bk, k) => {
      let sum = bk;
      for (let i = 0; i < nIn; i++) sum += weights.weights[l][k * nIn + i] * e.offset[i];
      return sum;
    });
  });
  // The output's gain: the median |logit| of the training points maps to the current from I_mid down to 5 Hz.
  const phiOut = rateCurve(noiseSigmaMV, dtMs);
  const outputCurrentAtZero = currentForRate(phiOut, OUTPUT_RATE_HZ);
  const swing = outputCurrentAtZero - currentForRate(phiOut, 5);
  const logits = annLogits(weights, unit, train).map(Math.abs).sort();
  const zMedian = Math.max(quantile(logits, 0.5), 1e-6);
  const zTop = Math.max(quantile(logits, 0.99), zMedian);
  // ... and within the inhibition bound (MAX_INHIBITION_MV) however large the last layer's weights.
  const last = weights.weights[hiddenLayers];
  let perGain = 0;
  for (let i = 0; i < last.length; i++) if (!encoding[hiddenLayers - 1].constant[i]) perGain += Math.abs(synapseMV(1, last[i], encoding[hiddenLayers - 1].rateScaleHz[i]));
  const outputScale = Math.min(swing / zMedian, 20 / zTop, (0.5 * MAX_INHIBITION_MV) / Math.max(perGain, 1e-12));
  // Synapses: C w0 per (target, source), then one size w0 for all.
  const mv = weights.weights.map((W, l) => {
    if (l === 0) return new Float64Array(0);
    const nIn = sizes[l];
    const source = encoding[l - 1];
    return Float64Array.from(W, (w, q) => {
      const [k, i] = [Math.floor(q / nIn), q % nIn];
      if (source.constant[i]) return 0;
      const gain = l === hiddenLayers ? outputScale : encoding[l].constant[k] ? 0 : encoding[l].currentPerUnit[k];
      return synapseMV(gain, w, source.rateScaleHz[i]);
    });
  });
  // Per target layer, the largest weight is 100 synapses (at most QUANTUM_MV each).
  const quantaMV = mv.map((layer) => {
    const largest = layer.reduce((a, x) => Math.max(a, Math.abs(x)), 0);
    return Math.max(Math.min(QUANTUM_MV, largest / 100), largest / MAX_SYNAPSES_PER_WEIGHT, 1e-3);
  });
  const counts = mv.map((layer, l) => (l === 0 ? new Int32Array(0) : Int32Array.from(layer, (x) => Math.round(x / quantaMV[l]))));
  const quantumMV = Math.max(...quantaMV.slice(1));
  // A spike volley may not drive v past its bound (MAX_INHIBITION_MV): else the network is refused, with the reason.
  for (let l = 1; l < hiddenLayers; l++) {
    const nIn = sizes[l];
    for (let k = 0; k < sizes[l + 1]; k++) {
      let inhibition = 0;
      for (let i = 0; i < nIn; i++) inhibition += Math.max(0, -counts[l][k * nIn + i]) * quantaMV[l];
      if (inhibition > MAX_INHIBITION_MV) {
        throw new InputError('weights', `hidden layer ${l + 1}, unit ${k + 1}: its inhibitory weights need synapses worth ${inhibition.toFixed(0)} mV of v, more than ${MAX_INHIBITION_MV} mV (a volley of its inputs would drive v past its bound); the weights into it are too large against its inputs' rates for rate-coded LIF populations (train with L2 to keep weights small)`);
      }
    }
  }
  return {
    weights,
    activation,
    calibration: summary(encoding, noiseSigmaMV),
    neuronsPerUnit,
    windowsMs: [...windowsMs].sort((a, b) => a - b),
    dtMs,
    seed,
    quantumMV,
    quantaMV,
    outputScale,
    outputCurrentAtZero,
    biases,
    counts,
    encoding,
  };
}

/** Synapses each source neuron makes onto one target neuron, for `count` synapses spread over n sources from `start` on. */
function multiplicity(count: number, n: number, start: number, source: number): number {
  const a = Math.floor(count / n);
  const offset = (((source - start) % n) + n) % n;
  return offset < count % n ? a + 1 : a;
}

/** Sum over the sources of multiplicity^2: the synaptic noise's factor (the same for every target neuron). */
function multiplicitySquares(count: number, n: number): number {
  const a = Math.floor(count / n);
  const b = count % n;
  return b * (a + 1) ** 2 + (n - b) * a * a;
}

/** What the encoding expects at each point: every population's rate (Hz) and the synapses' noise (SD of v, mV), per layer [point * units + unit]; the outputs' currents. */
export interface ExpectedRates {
  layerRatesHz: Float64Array[];
  synapticSigmaMV: Float64Array[];
  /** The logit the output populations' currents stand for (step 4: (I - I_mid) / g). */
  logits: Float64Array;
  /** The output populations' synaptic noise (SD of v, mV) per point. */
  outputSigmaMV: Float64Array;
}

/** The rates the populations should fire at each point (the Siegert rate of each one's current and noise): what the spikes are compared with. */
export function expectedRates(net: SpikingNetwork, points: Float64Array): ExpectedRates {
  const P = points.length / 2;
  const { sizes, weights } = net.weights;
  const n = net.neuronsPerUnit;
  const hiddenLayers = sizes.length - 2;
  const layerRatesHz = sizes.slice(1, -1).map((u) => new Float64Array(P * u));
  const synapticSigmaMV = sizes.slice(1, -1).map((u) => new Float64Array(P * u));
  const logits = new Float64Array(P);
  const outputSigmaMV = new Float64Array(P);
  const curves = net.encoding.map((e) => Array.from(e.noiseSigmaMV, (s) => rateCurve(s, net.dtMs)));
  for (let p = 0; p < P; p++) {
    for (let l = 0; l <= hiddenLayers; l++) {
      const nIn = sizes[l];
      const nOut = sizes[l + 1];
      for (let k = 0; k < nOut; k++) {
        let current: number;
        let variance = 0;
        if (l === 0) {
          current = weights[0][2 * k] * points[2 * p] + weights[0][2 * k + 1] * points[2 * p + 1] + net.biases[0][k];
        } else {
          current = 0;
          const w0 = net.quantaMV[l];
          for (let i = 0; i < nIn; i++) {
            const c = net.counts[l][k * nIn + i];
            if (c === 0) continue;
            const r = layerRatesHz[l - 1][p * nIn + i];
            current += c * w0 * NA_PER_MV_HZ * r;
            variance += (LIF_P.tau_m / 2000) * r * w0 * w0 * multiplicitySquares(Math.abs(c), n);
          }
        }
        if (l === hiddenLayers) {
          logits[p] = net.biases[l][0] + current / net.outputScale;
          outputSigmaMV[p] = Math.sqrt(variance);
          continue;
        }
        const e = net.encoding[l];
        synapticSigmaMV[l][p * nOut + k] = Math.sqrt(variance);
        if (e.constant[k]) continue;
        const total = l === 0 ? e.currentAtZero[k] + e.currentPerUnit[k] * current : e.currentAtZero[k] + e.currentPerUnit[k] * net.biases[l][k] + current;
        layerRatesHz[l][p * nOut + k] = curves[l][k](clampCurrent(total));
      }
    }
  }
  return { layerRatesHz, synapticSigmaMV, logits, outputSigmaMV };
}

/** Population names: hidden layers, then the two output populations. */
export const OUTPUT_POPULATIONS = ['class 1', 'class 0'] as const;
const layerName = (l: number) => `hidden ${l + 1}`;

/**
 * The scenario of `points` (rows of x, y) presented at once, each to its own copy of the network
 * (copies are independent: a point's decision is the run of its copy alone). Populations are one
 * per layer: neuron (point * units + unit) * neuronsPerUnit + k.
 */
export function spikingScenario(net: SpikingNetwork, points: Float64Array): Scenario {
  const P = points.length / 2;
  if (!Number.isInteger(P) || P < 1) throw new InputError('points', `must hold (x, y) rows of at least one point, got ${points.length} numbers`);
  const { sizes, weights } = net.weights;
  const n = net.neuronsPerUnit;
  const hiddenLayers = sizes.length - 2;
  const expected = expectedRates(net, points);
  const populations: Scenario['populations'] = [];
  const stimuli: Scenario['stimuli'] = [];
  const projections: NonNullable<Scenario['projections']> = [];
  const initial = { v: { uniform: [LIF_P.V_reset, LIF_P.V_th] as [number, number] } };
  // Each neuron's constant current and white noise: the noise is what the synapses leave of the unit's sigma^2 (step 3).
  const addPopulation = (name: string, units: number, unitAt: (point: number, unit: number) => { current: number; sigmaMV: number; synapticMV: number }) => {
    populations.push({ name, model: 'lif', size: P * units * n, initial });
    const amplitude: number[] = new Array(P * units * n);
    const sigma: number[] = new Array(P * units * n);
    let noisy = false;
    for (let p = 0; p < P; p++) {
      for (let u = 0; u < units; u++) {
        const { current, sigmaMV, synapticMV } = unitAt(p, u);
        const white = Math.sqrt(Math.max(0, sigmaMV * sigmaMV - synapticMV * synapticMV));
        noisy ||= white > 0;
        amplitude.fill(Number(clampCurrent(current).toPrecision(12)), (p * units + u) * n, (p * units + u + 1) * n);
        sigma.fill(Number((white * NOISE_CURRENT_PER_MV).toPrecision(12)), (p * units + u) * n, (p * units + u + 1) * n);
      }
    }
    stimuli.push({ type: 'constant', population: name, amplitude });
    if (noisy) stimuli.push({ type: 'whiteNoise', population: name, sigma });
  };
  for (let l = 0; l < hiddenLayers; l++) {
    const e = net.encoding[l];
    addPopulation(layerName(l), sizes[l + 1], (p, j) => {
      if (e.constant[j]) return { current: 0, sigmaMV: 0, synapticMV: 0 };
      const z = l === 0 ? weights[0][2 * j] * points[2 * p] + weights[0][2 * j + 1] * points[2 * p + 1] + net.biases[0][j] : net.biases[l][j];
      return { current: e.currentAtZero[j] + e.currentPerUnit[j] * z, sigmaMV: e.noiseSigmaMV[j], synapticMV: expected.synapticSigmaMV[l][p * sizes[l + 1] + j] };
    });
  }
  const out = net.biases[hiddenLayers][0] * net.outputScale;
  const sigmaOut = net.calibration.noiseSigmaMV;
  addPopulation(OUTPUT_POPULATIONS[0], 1, (p) => ({ current: net.outputCurrentAtZero + out, sigmaMV: sigmaOut, synapticMV: expected.outputSigmaMV[p] }));
  addPopulation(OUTPUT_POPULATIONS[1], 1, (p) => ({ current: net.outputCurrentAtZero - out, sigmaMV: sigmaOut, synapticMV: expected.outputSigmaMV[p] }));
  // Synapses: target neuron t of unit j (point p) takes |C_ji| synapses from unit i's block of the
  // same point, spread evenly over its neurons from (t |C_ji|) mod n on. The m synapses between one
  // pair of neurons fire together, so they are entries of summed size: one in each projection of
  // size 2^b w0 for the bits b of m (at most 8 sizes per sign and target: a scenario holds 64 projections).
  const connect = (l: number, target: string, sign: number) => {
    const nIn = sizes[l];
    const nOut = sizes[l + 1];
    const groups = new Map<number, [number, number][]>();
    for (let p = 0; p < P; p++) {
      for (let j = 0; j < nOut; j++) {
        for (let i = 0; i < nIn; i++) {
          const c = sign * net.counts[l][j * nIn + i];
          if (c === 0) continue;
          const count = Math.abs(c);
          for (let t = 0; t < n; t++) {
            const targetNeuron = (p * nOut + j) * n + t;
            const start = (t * count) % n;
            for (let s = 0; s < Math.min(n, count); s++) {
              const source = (start + s) % n;
              // m synapses between one pair fire together: one entry in the projection of each power of two in m.
              const m = multiplicity(count, n, start, source);
              for (let bit = 1; bit <= m; bit *= 2) {
                if (!(m & bit)) continue;
                const key = Math.sign(c) * bit;
                let list = groups.get(key);
                if (!list) groups.set(key, (list = []));
                list.push([(p * nIn + i) * n + source, targetNeuron]);
              }
            }
          }
        }
      }
    }
    for (const key of [...groups.keys()].sort((a, b) => b - a)) {
      const m = Math.abs(key);
      projections.push({ name: `${layerName(l - 1)}->${target} (${m}x ${key > 0 ? 'exc' : 'inh'})`, source: layerName(l - 1), target, connect: { rule: 'list', pairs: groups.get(key)! }, on: 'v', weight: Number((key * net.quantaMV[l]).toPrecision(12)) });
    }
  };
  for (let l = 1; l < hiddenLayers; l++) connect(l, layerName(l), 1);
  connect(hiddenLayers, OUTPUT_POPULATIONS[0], 1);
  connect(hiddenLayers, OUTPUT_POPULATIONS[1], -1);
  const durationMs = net.windowsMs[net.windowsMs.length - 1];
  return {
    format: SCENARIO_FORMAT,
    name: `A ${sizes.slice(1, -1).join('-')} network as spiking LIF populations (${P} point${P === 1 ? '' : 's'})`,
    durationMs,
    dtMs: net.dtMs,
    seed: net.seed,
    populations,
    projections,
    stimuli,
    record: { spikes: true },
  };
}

export interface SpikingResult {
  windowsMs: number[];
  /** Accuracy against the labels per window (a tie counts half). */
  accuracy: Float64Array;
  /** The ANN's accuracy on the same points. */
  annAccuracy: number;
  /** Share of points where the spiking decision is the ANN's, per window. */
  agreement: Float64Array;
  /** Decisions per window: 1, 0, or -1 for a tie. [window][point] */
  decisions: Int8Array[];
  /** Per hidden layer, population rates over the whole run (Hz) and the rates the units' activations stand for (R h), [point * units + unit]. */
  layerRatesHz: Float64Array[];
  unitRatesHz: Float64Array[];
  /** Pearson correlation of all hidden populations' rates with their units' (R h). */
  rateCorrelation: number;
  /** Per hidden layer, each population's correlation with its unit over the points (NaN for a unit constant on them). */
  unitCorrelation?: Float64Array[];
  /** Per hidden layer, the rates the encoding expects (the Siegert rate of each population's current and noise). */
  expectedRatesHz?: Float64Array[];
}

export type SpikingEvent = { kind: 'progress'; fraction: number };

function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let k = 0; k < n; k++) {
    ma += a[k] / n;
    mb += b[k] / n;
  }
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let k = 0; k < n; k++) {
    sab += (a[k] - ma) * (b[k] - mb);
    saa += (a[k] - ma) ** 2;
    sbb += (b[k] - mb) ** 2;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : NaN;
}

/** Synapse entries a run may hold at once: points go in batches below this. */
const SYNAPSES_PER_RUN = 400_000;

/** Synapse entries (neuron pairs) of one point's copy of the network. */
function synapsesPerPoint(net: SpikingNetwork): number {
  const n = net.neuronsPerUnit;
  const hiddenLayers = net.weights.sizes.length - 2;
  let total = 0;
  net.counts.forEach((c, l) => {
    if (l === 0) return;
    for (const k of c) total += n * Math.min(n, Math.abs(k)) * (l === hiddenLayers ? 2 : 1);
  });
  return total;
}

/**
 * Run the spiking network on `samples`, in batches of points (each batch one simulation), as a
 * generator: progress after each batch, the result at the end; stop calling next() to cancel.
 */
export function* runSpikingSteps(net: SpikingNetwork, samples: Samples): Generator<SpikingEvent, SpikingResult, void> {
  const { sizes } = net.weights;
  const n = net.neuronsPerUnit;
  const hiddenLayers = sizes.length - 2;
  const unit = unitActivation(net.activation);
  const perRun = Math.max(1, Math.min(samples.count, Math.floor(SYNAPSES_PER_RUN / Math.max(synapsesPerPoint(net), 1))));
  const windows = net.windowsMs;
  const decisions = windows.map(() => new Int8Array(samples.count));
  const layerRatesHz = sizes.slice(1, -1).map((units) => new Float64Array(samples.count * units));
  const expectedRatesHz = expectedRates(net, samples.x.subarray(0, 2 * samples.count)).layerRatesHz;
  const durationS = windows[windows.length - 1] / 1000;
  for (let start = 0; start < samples.count; start += perRun) {
    const P = Math.min(perRun, samples.count - start);
    const scenario = spikingScenario(net, samples.x.subarray(2 * start, 2 * (start + P)));
    const sim = new Simulation(validateScenario(scenario));
    sim.advance();
    const frame = sim.drain();
    // Neuron offsets of the populations, in the scenario's order.
    const offsets: number[] = [];
    let offset = 0;
    for (const pop of scenario.populations) {
      offsets.push(offset);
      offset += pop.size;
    }
    const out1 = offsets[hiddenLayers];
    const out0 = offsets[hiddenLayers + 1];
    const counts = windows.map(() => new Int32Array(2 * P));
    const hiddenCounts = layerRatesHz.map((_, l) => new Int32Array(P * sizes[l + 1]));
    const { timeMs, neuron } = frame.spikes;
    for (let q = 0; q < neuron.length; q++) {
      const g = neuron[q];
      if (g >= out1) {
        const cls = g >= out0 ? 1 : 0;
        const point = Math.floor((g - (cls ? out0 : out1)) / n);
        for (let w = 0; w < windows.length; w++) if (timeMs[q] < windows[w]) counts[w][2 * point + cls]++;
      } else {
        let l = hiddenLayers - 1;
        while (g < offsets[l]) l--;
        hiddenCounts[l][Math.floor((g - offsets[l]) / n)]++;
      }
    }
    for (let w = 0; w < windows.length; w++) {
      for (let p = 0; p < P; p++) {
        const [c1, c0] = [counts[w][2 * p], counts[w][2 * p + 1]];
        decisions[w][start + p] = c1 > c0 ? 1 : c0 > c1 ? 0 : -1;
      }
    }
    hiddenCounts.forEach((c, l) => {
      for (let k = 0; k < c.length; k++) layerRatesHz[l][start * sizes[l + 1] + k] = c[k] / n / durationS;
    });
    if (start + P < samples.count) yield { kind: 'progress', fraction: (start + P) / samples.count };
  }
  const pAnn = predict(net.weights, unit, samples);
  const annDecision = Array.from(pAnn, (p) => (p > 0.5 ? 1 : 0));
  let annRight = 0;
  for (let k = 0; k < samples.count; k++) if (annDecision[k] === samples.labels[k]) annRight++;
  const score = (d: Int8Array, truth: ArrayLike<number>) => {
    let right = 0;
    for (let k = 0; k < d.length; k++) right += d[k] === -1 ? 0.5 : d[k] === truth[k] ? 1 : 0;
    return right / d.length;
  };
  const pre = hiddenPreActivations(net.weights, unit, samples);
  const unitRatesHz = pre.map((layer, l) => {
    const e = net.encoding[l];
    const units = sizes[l + 1];
    return Float64Array.from(layer, (z, q) => (e.constant[q % units] ? 0 : e.rateScaleHz[q % units] * Math.max(0, unit.f(z) - e.offset[q % units])));
  });
  const unitCorrelation = layerRatesHz.map((rates, l) => {
    const units = sizes[l + 1];
    return Float64Array.from({ length: units }, (_, j) => {
      const a = Float64Array.from({ length: samples.count }, (_, p) => rates[p * units + j]);
      const b = Float64Array.from({ length: samples.count }, (_, p) => unitRatesHz[l][p * units + j]);
      return pearson(a, b);
    });
  });
  return {
    windowsMs: windows,
    accuracy: Float64Array.from(decisions, (d) => score(d, samples.labels)),
    annAccuracy: annRight / samples.count,
    agreement: Float64Array.from(decisions, (d) => score(d, annDecision)),
    decisions,
    layerRatesHz,
    unitRatesHz,
    rateCorrelation: pearson(concatArrays(layerRatesHz, (n) => new Float64Array(n)), concatArrays(unitRatesHz, (n) => new Float64Array(n))),
    unitCorrelation,
    expectedRatesHz,
  };
}

export function runSpiking(net: SpikingNetwork, samples: Samples): SpikingResult {
  const steps = runSpikingSteps(net, samples);
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}
