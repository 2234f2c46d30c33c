// A trained network (network.ts) run as spiking neurons: every hidden unit becomes a population of
// LIF neurons (models/lif.json with its defaults, plus white membrane noise) whose firing rate
// stands for the unit's activation (rate coding), produced as a scenario that src/scenario
// validates and the core simulates, like any other.
//
// The method, after the rate-based conversions of Diehl et al. (2015, "Fast-classifying,
// high-accuracy spiking deep networks through weight and threshold balancing", IJCNN), Hunsberger
// & Eliasmith (2015, "Spiking deep networks with LIF neurons", arXiv:1510.08829: train with the
// LIF's own rate curve, the soft-LIF) and Eliasmith & Anderson's NEF (2003, Neural Engineering: a
// current J = gain * (input) + bias drives each neuron, its rate being the LIF's rate curve of J):
//  1. The spiking population's rate as a function of its input current is the Siegert rate of the
//     noisy LIF on the simulation's grid (siegert.ts): phi(I). A unit's pre-activation z becomes
//     the current I = currentAtZero + currentPerUnit z, and its rate phi(I) stands for
//     rateScaleHz * h(z), h = f - floor the unit's activation above its floor (tanh's and ELU's
//     floor -1 is folded into the next layer's biases; a leaky ReLU is taken as the ReLU, its leak
//     a negative rate no population has). For "this neuron" with the LIF's parameters and noise
//     the three numbers are the curve's own (its z = 0 is the rheobase, its output the rate over
//     the rate at z = 4); for any other activation they are fitted: the least squares of
//     phi(I0 + s z) / R - h(z) over the pre-activations the trained network shows on its training
//     data (a grid over I0 and s, R solved linearly), the fit's RMS error reported.
//  2. Weights scaled to currents: unit i's rate r_i stands for h_i = r_i / R, so the current into
//     unit j is I0 + s b'_j + sum_i (s W_ji / R) r_i. The bias part is a constant current per
//     neuron; the first hidden layer's whole input (the point's coordinates through W1) is too.
//     A spike adds w mV to v (the LIF's synapse is a jump of v), i.e. a charge tau_m w / R_m, so
//     a rate r gives the mean current tau_m w r / R_m: each weight is realised as a number of
//     synapses C_ji of one size w0 (one excitatory and one inhibitory projection per layer, the
//     pairs listed), C_ji w0 = 1000 s W_ji R_m / (tau_m R), rounded: a weight is quantised to w0
//     (at most QUANTUM_MV, 1 mV), as synapse counts quantise weights in a brain.
//  3. The output (the logit z) drives two populations with currents I0 + s c z (class 1) and
//     I0 - s c z (class 0): the decision over a window is the one that spiked more (a tie, both
//     silent, is a coin flip and counts half). Accuracy grows with the window as counts grow. Only
//     the sign of z decides, so the output is scaled by c <= 1 to keep |c z| within 4 for 98 % of
//     the training points: a trained logit of 20 would otherwise be a current that holds v a
//     volt below rest.
// Spiking is stochastic (noise, spike timing): the biological side of dropout, which trains a
// network to decide from a random part of its units.
import { InputError, describeValue } from '../../core/errors.js';
import { builtinModel } from '../../core/model/builtinModels.js';
import { resolveParameters } from '../../core/model/loadModel.js';
import { Simulation } from '../../core/simulation.js';
import { SCENARIO_FORMAT, validateScenario, type Scenario } from '../../scenario/scenario.js';
import { noiseCurrentSigma } from '../fiSweep.js';
import { siegertRateForCurrentHz, type LifNoiseParameters } from '../siegert.js';
import { unitActivation, type ActivationChoice } from './annActivation.js';
import { hiddenPreActivations, predict, type AnnWeights } from './network.js';

/** The ANN's probability of class 1 at point k. */
function predictOne(w: AnnWeights, unit: ReturnType<typeof unitActivation>, samples: Samples, k: number): number {
  return predict(w, unit, { x: samples.x.subarray(2 * k, 2 * k + 2), labels: samples.labels.subarray(k, k + 1), count: 1 })[0];
}
import type { Samples } from './datasets.js';

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

/** How unit pre-activations become currents and rates stand for activations. */
export interface RateCalibration {
  currentAtZero: number;
  currentPerUnit: number;
  rateScaleHz: number;
  noiseSigmaMV: number;
  /** RMS of phi(I0 + s z) / R - h(z) over the calibration points (0 for the neuron's own curve, by construction). */
  rmsError: number;
  method: 'neuron curve' | 'fitted';
}

export interface SpikingNetwork {
  weights: AnnWeights;
  activation: ActivationChoice;
  calibration: RateCalibration;
  neuronsPerUnit: number;
  windowsMs: number[];
  dtMs: number;
  seed: number;
  /** Synapse size (mV of v per spike) and the largest weight error it causes, in units of h. */
  quantumMV: number;
  /** The output's scale c (step 3 of the method). */
  outputScale: number;
  /** Biases with the floors folded in (per layer, the output's times c), and per target layer the synapse counts (signed) per (target unit, source unit). */
  biases: Float64Array[];
  counts: Int32Array[];
}

export const SPIKING_LIMITS = { neuronsPerUnit: [1, 500], noiseSigmaMV: [0, 20], windowMs: [10, 10000] } as const;
/** The largest synapse (mV): small against the 20 mV from reset to threshold, so rates, not single spikes, drive a neuron. */
export const QUANTUM_MV = 1;

const LIF = builtinModel('lif');
const LIF_VALUES = resolveParameters(LIF, {}, 'parameters');
const lifParameter = (name: string) => LIF_VALUES[LIF.parameterNames.indexOf(name)];
const LIF_P: LifNoiseParameters = { E_L: lifParameter('E_L'), V_th: lifParameter('V_th'), V_reset: lifParameter('V_reset'), tau_m: lifParameter('tau_m'), R: lifParameter('R'), t_ref: lifParameter('t_ref') };

function checked(field: string, value: unknown, [min, max]: readonly [number, number], integer = false): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || (integer && !Number.isInteger(value))) throw new InputError(field, `must be a ${integer ? 'whole ' : ''}number from ${min} to ${max}, got ${describeValue(value)}`);
  if (value < min || value > max) throw new InputError(field, `${value} is outside the allowed range [${min}, ${max}]`);
  return value;
}

/** phi tabulated on a current grid (the Siegert integral is costly), read by linear interpolation. */
function rateTable(sigmaMV: number, dtMs: number): (current: number) => number {
  const from = -10;
  const step = 0.02;
  const table = Float64Array.from({ length: 3001 }, (_, k) => siegertRateForCurrentHz(from + k * step, sigmaMV, LIF_P, sigmaMV > 0 ? dtMs : undefined));
  return (current) => {
    const u = (current - from) / step;
    if (u <= 0) return table[0];
    if (u >= table.length - 1) return table[table.length - 1];
    const k = Math.floor(u);
    return table[k] + (u - k) * (table[k + 1] - table[k]);
  };
}

/** The three numbers that make rates stand for activations (method in the header, step 1). */
export function calibrate(weights: AnnWeights, activation: ActivationChoice, train: Samples, sigmaMV: number, dtMs: number): RateCalibration {
  const unit = unitActivation(activation);
  if (typeof activation !== 'string' && activation.neuron.model === 'lif' && activation.neuron.noiseSigmaMV === sigmaMV && Object.keys(activation.neuron.parameters).length === 0) {
    const c = activation.neuron;
    return { currentAtZero: c.currentAtZero, currentPerUnit: c.currentPerUnit, rateScaleHz: c.rateAtFourHz, noiseSigmaMV: sigmaMV, rmsError: 0, method: 'neuron curve' };
  }
  const floor = Number.isFinite(unit.floor) ? unit.floor : 0;
  const h = (z: number) => Math.max(0, unit.f(z) - floor);
  // The pre-activations the network shows, 2nd to 98th percentile.
  const all = Float64Array.from(hiddenPreActivations(weights, unit, train).flatMap((layer) => Array.from(layer))).sort();
  const zLow = all[Math.floor(0.02 * (all.length - 1))];
  const zHigh = all[Math.ceil(0.98 * (all.length - 1))];
  const zs = Float64Array.from({ length: 41 }, (_, k) => zLow + ((zHigh - zLow) * k) / 40);
  const hs = Float64Array.from(zs, h);
  const phi = rateTable(sigmaMV, dtMs);
  let best = { i0: 0, s: 1, r: 1, err: Infinity };
  let hh = 0;
  for (const v of hs) hh += v * v;
  if (!(hh > 0)) throw new InputError('activation', `${unit.name}: every unit sits at its floor (rate 0) on the training data; there is nothing for rates to carry`);
  for (let a = 0; a <= 80; a++) {
    const i0 = a * 0.05; // 0 to 4 nA: around the LIF's 2 nA rheobase
    for (let b = 0; b <= 60; b++) {
      const s = 0.1 * 1.08 ** b; // 0.1 to 10 nA per unit of z
      let ph = 0;
      let pp = 0;
      for (let k = 0; k < zs.length; k++) {
        const p = phi(i0 + s * zs[k]);
        ph += p * hs[k];
        pp += p * p;
      }
      if (!(ph > 0)) continue;
      // R from the least squares of phi / R against h: 1/R = ph / pp ... over h: R = pp / ph.
      const r = pp / ph;
      let err = 0;
      for (let k = 0; k < zs.length; k++) err += (phi(i0 + s * zs[k]) / r - hs[k]) ** 2;
      // Rates above 400 Hz are within 2.5 ms of the refractory limit: spikes there are a clock, not a code.
      if (r > 400) continue;
      if (err < best.err) best = { i0, s, r, err };
    }
  }
  if (!Number.isFinite(best.err)) throw new InputError('activation', `${unit.name}: no LIF current range makes rates follow it`);
  return { currentAtZero: best.i0, currentPerUnit: best.s, rateScaleHz: best.r, noiseSigmaMV: sigmaMV, rmsError: Math.sqrt(best.err / zs.length), method: 'fitted' };
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
  const calibration = calibrate(weights, activation, train, noiseSigmaMV, dtMs);
  const unit = unitActivation(activation);
  const floor = Number.isFinite(unit.floor) ? unit.floor : 0;
  const { sizes } = weights;
  // Biases with the floor folded in: z_j = sum W (h + floor) + b = sum W h + (b + floor sum W).
  const biases = weights.biases.map((b, l) => {
    if (l === 0 || floor === 0) return b.slice();
    const nIn = sizes[l];
    return Float64Array.from(b, (bj, j) => {
      let sum = 0;
      for (let i = 0; i < nIn; i++) sum += weights.weights[l][j * nIn + i];
      return bj + floor * sum;
    });
  });
  // The output's scale: |c z| within 4 for 98 % of the training points.
  const last = weights.weights.length - 1;
  const logits = Float64Array.from({ length: train.count }, (_, k) => Math.abs(Math.log(1 / Math.min(Math.max(predictOne(weights, unit, train, k), 1e-12), 1 - 1e-12) - 1))).sort();
  const z98 = logits[Math.floor(0.98 * (logits.length - 1))];
  const outputScale = Number.isFinite(z98) && z98 > 4 ? 4 / z98 : 1;
  biases[last] = Float64Array.from(biases[last], (b) => b * outputScale);
  // Synapse size: the largest |K| over 100 synapses, at most QUANTUM_MV.
  const { currentPerUnit: s, rateScaleHz: R } = calibration;
  const toMV = (w: number, l: number) => (1000 * s * w * (l === last ? outputScale : 1) * LIF_P.R) / (LIF_P.tau_m * R);
  let largest = 0;
  for (let l = 1; l < weights.weights.length; l++) for (const w of weights.weights[l]) largest = Math.max(largest, Math.abs(toMV(w, l)));
  const quantumMV = Math.min(QUANTUM_MV, Math.max(largest / 100, 1e-3));
  const counts = weights.weights.map((W, l) => (l === 0 ? new Int32Array(0) : Int32Array.from(W, (w) => Math.round(toMV(w, l) / quantumMV))));
  return { weights, activation, calibration, neuronsPerUnit, windowsMs: [...windowsMs].sort((a, b) => a - b), dtMs, seed, quantumMV, outputScale, biases, counts };
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
  const { currentAtZero: i0, currentPerUnit: s } = net.calibration;
  const hiddenLayers = sizes.length - 2;
  const populations: Scenario['populations'] = [];
  const stimuli: Scenario['stimuli'] = [];
  const projections: NonNullable<Scenario['projections']> = [];
  const noise = noiseCurrentSigma(LIF, LIF_VALUES, net.calibration.noiseSigmaMV);
  const initial = { v: { uniform: [LIF_P.V_reset, LIF_P.V_th] as [number, number] } };
  const addPopulation = (name: string, units: number, current: (point: number, unit: number) => number) => {
    populations.push({ name, model: 'lif', size: P * units * n, initial });
    const amplitude: number[] = new Array(P * units * n);
    for (let p = 0; p < P; p++) for (let u = 0; u < units; u++) amplitude.fill(Number(current(p, u).toPrecision(12)), (p * units + u) * n, (p * units + u + 1) * n);
    stimuli.push({ type: 'constant', population: name, amplitude });
    if (noise > 0) stimuli.push({ type: 'whiteNoise', population: name, sigma: noise });
  };
  // First hidden layer: its whole input is a current.
  addPopulation(layerName(0), sizes[1], (p, j) => {
    const W = weights[0];
    return i0 + s * (W[2 * j] * points[2 * p] + W[2 * j + 1] * points[2 * p + 1] + net.biases[0][j]);
  });
  for (let l = 1; l < hiddenLayers; l++) addPopulation(layerName(l), sizes[l + 1], (_, j) => i0 + s * net.biases[l][j]);
  const out = net.biases[hiddenLayers][0];
  addPopulation(OUTPUT_POPULATIONS[0], 1, () => i0 + s * out);
  addPopulation(OUTPUT_POPULATIONS[1], 1, () => i0 - s * out);
  // Synapses: target neuron t of unit j (point p) takes |C_ji| synapses from unit i's block of the
  // same point, its sources taken in turn so each source neuron carries an even share.
  const connect = (l: number, target: string, sign: number) => {
    const nIn = sizes[l];
    const nOut = sizes[l + 1];
    const pairs: { [k: number]: [number, number][] } = { 1: [], [-1]: [] };
    for (let p = 0; p < P; p++) {
      for (let j = 0; j < nOut; j++) {
        for (let i = 0; i < nIn; i++) {
          const c = sign * net.counts[l][j * nIn + i];
          if (c === 0) continue;
          const list = pairs[c > 0 ? 1 : -1];
          const count = Math.abs(c);
          for (let t = 0; t < n; t++) {
            const targetNeuron = (p * nOut + j) * n + t;
            for (let q = 0; q < count; q++) list.push([(p * nIn + i) * n + ((t * count + q) % n), targetNeuron]);
          }
        }
      }
    }
    for (const [key, weight] of [[1, net.quantumMV], [-1, -net.quantumMV]] as const) {
      if (pairs[key].length > 0) projections.push({ name: `${layerName(l - 1)}->${target}${key > 0 ? ' (exc)' : ' (inh)'}`, source: layerName(l - 1), target, connect: { rule: 'list', pairs: pairs[key] }, on: 'v', weight });
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
}

export type SpikingEvent = { kind: 'progress'; fraction: number };

function pearson(a: Float64Array, b: Float64Array): number {
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

/** Synapses a run may hold at once: points go in batches below this. */
const SYNAPSES_PER_RUN = 400_000;

/**
 * Run the spiking network on `samples`, in batches of points (each batch one simulation), as a
 * generator: progress after each batch, the result at the end; stop calling next() to cancel.
 */
export function* runSpikingSteps(net: SpikingNetwork, samples: Samples): Generator<SpikingEvent, SpikingResult, void> {
  const { sizes } = net.weights;
  const n = net.neuronsPerUnit;
  const hiddenLayers = sizes.length - 2;
  const unit = unitActivation(net.activation);
  const floor = Number.isFinite(unit.floor) ? unit.floor : 0;
  let synapsesPerPoint = 0;
  net.counts.forEach((c, l) => {
    if (l === 0) return;
    for (const k of c) synapsesPerPoint += Math.abs(k) * n * (l === hiddenLayers ? 2 : 1);
  });
  const perRun = Math.max(1, Math.min(samples.count, Math.floor(SYNAPSES_PER_RUN / Math.max(synapsesPerPoint, 1))));
  const windows = net.windowsMs;
  const decisions = windows.map(() => new Int8Array(samples.count));
  const layerRatesHz = sizes.slice(1, -1).map((units) => new Float64Array(samples.count * units));
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
  const unitRatesHz = pre.map((layer) => Float64Array.from(layer, (z) => net.calibration.rateScaleHz * Math.max(0, unit.f(z) - floor)));
  const concat = (parts: Float64Array[]) => {
    const all = new Float64Array(parts.reduce((sum, p) => sum + p.length, 0));
    let at = 0;
    for (const p of parts) {
      all.set(p, at);
      at += p.length;
    }
    return all;
  };
  return {
    windowsMs: windows,
    accuracy: Float64Array.from(decisions, (d) => score(d, samples.labels)),
    annAccuracy: annRight / samples.count,
    agreement: Float64Array.from(decisions, (d) => score(d, annDecision)),
    decisions,
    layerRatesHz,
    unitRatesHz,
    rateCorrelation: pearson(concat(layerRatesHz), concat(unitRatesHz)),
  };
}

export function runSpiking(net: SpikingNetwork, samples: Samples): SpikingResult {
  const steps = runSpikingSteps(net, samples);
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}
