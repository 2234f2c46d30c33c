// ANN activation functions on a neuron's axes: y = outScale * g(inScale * (x - inShift)) + outShift,
// x the input (nA, uA/cm2), y the rate (Hz). inShift is then where the function's own origin sits
// on the input axis (a ReLU's kink, a sigmoid's midpoint), in input units. Each function is a row
// of data: its shape g, the derivative g' (for the gain dy/dx, which is what learning sees), any
// extra shape parameters with their ranges, and its floor (the least value g takes), which a fit
// to firing rates puts at rate 0: rate = A (g(k (I - I0)) - floor), so outShift = -A floor.

export const ACTIVATION_IDS = ['sigmoid', 'tanh', 'relu', 'leakyRelu', 'softplus', 'elu', 'softLif'] as const;
export type ActivationId = (typeof ACTIVATION_IDS)[number];

export interface ShapeParameter {
  name: string;
  /** typical value, also the first start of a fit */
  value: number;
  min: number;
  max: number;
  meaning: string;
}

export interface ActivationDefinition {
  id: ActivationId;
  name: string;
  /** g(z) as a student reads it */
  formula: string;
  /** Piecewise-linear shapes: only inScale * outScale matters, so inScale stays 1 in a fit. */
  inScaleFixed: boolean;
  /** inf g: the value a rate of 0 stands for (-Infinity: unbounded below, so a rate clips it at 0). */
  floor: number;
  shape: ShapeParameter[];
  g(z: number, shape: readonly number[]): number;
  dg(z: number, shape: readonly number[]): number;
}

/** log(1 + e^z) without overflow or loss of digits at either end. */
export function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

function logistic(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

const LEAKY_SLOPE = 0.01; // the common default (PyTorch, Keras): a fixed shape, not fitted

export const ACTIVATIONS: Record<ActivationId, ActivationDefinition> = {
  sigmoid: {
    id: 'sigmoid',
    name: 'sigmoid',
    formula: '1 / (1 + exp(-z))',
    inScaleFixed: false,
    floor: 0,
    shape: [],
    g: logistic,
    dg: (z) => {
      const s = logistic(z);
      return s * (1 - s);
    },
  },
  tanh: {
    id: 'tanh',
    name: 'tanh',
    formula: 'tanh(z)',
    inScaleFixed: false,
    floor: -1,
    shape: [],
    g: Math.tanh,
    dg: (z) => 1 - Math.tanh(z) ** 2,
  },
  relu: {
    id: 'relu',
    name: 'ReLU',
    formula: 'max(0, z)',
    inScaleFixed: true,
    floor: 0,
    shape: [],
    g: (z) => (z > 0 ? z : 0),
    dg: (z) => (z > 0 ? 1 : 0),
  },
  leakyRelu: {
    id: 'leakyRelu',
    name: 'leaky ReLU',
    formula: `z > 0 ? z : ${LEAKY_SLOPE} z`,
    inScaleFixed: true,
    floor: -Infinity,
    shape: [],
    g: (z) => (z > 0 ? z : LEAKY_SLOPE * z),
    dg: (z) => (z > 0 ? 1 : LEAKY_SLOPE),
  },
  softplus: {
    id: 'softplus',
    name: 'softplus',
    formula: 'log(1 + exp(z))',
    inScaleFixed: false,
    floor: 0,
    shape: [],
    g: softplus,
    dg: logistic,
  },
  elu: {
    id: 'elu',
    name: 'ELU',
    formula: 'z > 0 ? z : exp(z) - 1',
    inScaleFixed: false,
    floor: -1,
    shape: [],
    g: (z) => (z > 0 ? z : Math.expm1(z)),
    dg: (z) => (z > 0 ? 1 : Math.exp(z)),
  },
  softLif: {
    // Hunsberger & Eliasmith (2015): the LIF rate 1 / (t_ref + tau ln(1 + 1/(j - 1))) with j - 1
    // smoothed by softplus of width gamma. Time is in units of tau (outScale carries 1/tau), and
    // z = j - 1, so with gamma -> 0 it is exactly the noiseless LIF: z = (R I - theta) / theta.
    id: 'softLif',
    name: 'soft-LIF',
    formula: '1 / (tRef + ln(1 + 1 / (gamma softplus(z / gamma))))',
    inScaleFixed: false,
    floor: 0,
    shape: [
      { name: 'tRef', value: 0.2, min: 0, max: 100, meaning: 'refractory period over the membrane time constant' },
      { name: 'gamma', value: 0.05, min: 1e-4, max: 10, meaning: 'smoothing width of the onset (0 = the hard LIF onset)' },
    ],
    g: (z, [tRef, gamma]) => {
      const p = gamma * softplus(z / gamma);
      return p > 0 ? 1 / (tRef + Math.log1p(1 / p)) : 0;
    },
    dg: (z, [tRef, gamma]) => {
      const p = gamma * softplus(z / gamma);
      if (!(p > 0)) return 0;
      const denominator = tRef + Math.log1p(1 / p);
      // d/dp ln(1 + 1/p) = -1 / (p (p + 1)); dp/dz = logistic(z / gamma)
      return logistic(z / gamma) / (p * (p + 1) * denominator * denominator);
    },
  },
};

/** The parameters of a fitted (or chosen) activation, in the neuron's units. */
export interface ActivationParameters {
  inScale: number;
  inShift: number;
  outScale: number;
  outShift: number;
  /** values of the definition's shape parameters, in order */
  shape: number[];
}

export function activationValue(id: ActivationId, p: ActivationParameters, x: number): number {
  return p.outScale * ACTIVATIONS[id].g(p.inScale * (x - p.inShift), p.shape) + p.outShift;
}

/** dy/dx: the gain of the activation at input x. */
export function activationGain(id: ActivationId, p: ActivationParameters, x: number): number {
  return p.outScale * p.inScale * ACTIVATIONS[id].dg(p.inScale * (x - p.inShift), p.shape);
}
