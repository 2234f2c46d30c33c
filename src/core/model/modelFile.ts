// The shape of a model file (models/*.json): a neuron model as data.
export const MODEL_FORMAT = 'spikebridge-model/1';

export interface ParameterSpec {
  value: number;
  unit: string;
  min: number;
  max: number;
  /** One line for a student; the page shows it as the control's tooltip. */
  meaning: string;
  /** Changing it needs a rebuild rather than a live update (e.g. a structural constant). */
  live?: boolean;
}

export interface StateSpec {
  /** Initial value as an expression of parameters and other state variables' initial values. */
  initial: string;
  unit: string;
  meaning: string;
}

/** How the page draws a state variable or a current (a colour is '#rrggbb'). */
export interface DisplaySpec {
  label: string;
  colour: string;
}

/**
 * The f-I sweep that shows the model from silence through onset to its rising branch: input
 * from, to and step are expressions of the parameters (and of `rheobase` when the model declares
 * one), rounded to two significant digits; dt, duration and the discarded transient in ms.
 */
export interface SweepSpec {
  from: string;
  to: string;
  step: string;
  dtMs: number;
  durationMs: number;
  discardMs: number;
  /** Neurons per current when the sweep adds noise (1 without noise). */
  neuronsWithNoise: number;
}

/**
 * What a model file's sweep may declare (the f-I planner allows the same): a step in ms, a
 * duration in ms, neurons per current with noise, and the number of currents its range gives
 * with the default parameters (6 for the fits, at most what a page sweep plots).
 */
export const SWEEP_LIMITS = {
  dtMs: [0.0001, 1],
  durationMs: [10, 20000],
  neuronsWithNoise: [1, 100],
  points: [6, 400],
} as const;

export interface ModelFile {
  format: string;
  id: string;
  name: string;
  /** A short name for sentences ("The LIF neuron starts firing ..."); the name when absent. */
  shortName?: string;
  description: string;
  /** The external input current and its unit (nA for a point neuron, uA/cm2 for a membrane patch). */
  input: { symbol: string; unit: string; meaning: string };
  parameters: Record<string, ParameterSpec>;
  state: Record<string, StateSpec>;
  /** Named subexpressions, `name = expr`, in any order (Brian2's subexpressions). */
  expressions?: string[];
  /** One `dx/dt = expr` per state variable; time in ms. */
  equations: string[];
  /**
   * A spike is `variable >= level` (with a reset) or its upward crossing of level (without).
   * `label` is what the page calls the line it draws there: "threshold" unless given, and e.g.
   * "spike counted at" where the model makes its spikes itself (HH) and the level only counts them.
   */
  threshold: { variable: string; level: string; label?: string };
  /** Values assigned at a spike; empty for models that spike by themselves (HH). */
  reset?: Record<string, string>;
  /** Refractory period (ms) during which the listed variables are held at their reset value. */
  refractory?: { period: string; clamp: string[] };
  defaultMethod: string;
  /**
   * How `--noise-sigma` (mV) maps onto a white-noise input current: sigma_I = sigma_V *
   * sqrt(2 tau / 1 ms) / resistance gives the passive membrane a free-potential standard
   * deviation of sigma_V.
   */
  noise?: { resistance: string; tau: string };
  /** Conditions on parameters that ranges alone cannot say (e.g. V_reset < V_th). */
  constraints?: { check: string; message: string }[];
  /** Plausible range of each state variable; leaving it means the run has blown up. */
  bounds?: Record<string, [number, number]>;
  /**
   * Tabulate the gating updates over the threshold variable (as NMODL's TABLE ... FROM ... TO
   * ... WITH): the staggered method then looks up each gate's step instead of evaluating its
   * rate functions. Outside [from, to] and for partial steps the equations are evaluated.
   */
  rateTable?: { from: number; to: number; step: number };
  /**
   * Named parameter sets for the model's known firing regimes (Izhikevich's regular spiking,
   * chattering, ...): a population can ask for one by name (`"regime": "RS"`).
   */
  regimes?: Record<string, { meaning: string; parameters: Record<string, number> }>;
  /** Which state variable is the membrane potential (traced by default, clamped, on a phase plane's axis); its unit is that state's. */
  membrane?: { variable: string };
  /** State variables that are gating fractions in [0, 1], as the page draws them. */
  gates?: Record<string, DisplaySpec>;
  /** Named expressions that are ionic currents, in the input's unit, outward positive (they enter dv/dt as -I). */
  currents?: Record<string, DisplaySpec>;
  /** The default f-I sweep. */
  sweep?: SweepSpec;
  /** The input at which repetitive firing starts, as an expression of the parameters, where a closed form exists. */
  rheobase?: string;
}
