// The shape of a scenario as the core builds it: populations, projections, stimuli, what to
// record, and the limits the core enforces on them. The core defines it because it builds from
// it; src/scenario validates JSON into it (validateScenario) and adds what only a file needs (the
// format tag, the view's ranges). Nothing here reads JSON.
import type { LoadedModel, MethodName } from './model/loadModel.js';
import type { ModelFile } from './model/modelFile.js';
import type { StimulusSpec } from './stimulus/stimuli.js';
import type { ConnectRule } from './network/connectivity.js';
import type { IonSettings } from './model/ions.js';

export interface PopulationSpec {
  name: string;
  /**
   * A built-in model id (models/ID.json) or a whole model file; "spike_source" for a population
   * of spike sources (then `spikes` says what they emit; a file may leave `model` out).
   */
  model: string | ModelFile;
  size: number;
  /** A spike source (as NEST's spike_generator / poisson_generator): what each of its neurons emits. Only with model "spike_source". */
  spikes?: SpikeSourceSpec;
  parameters?: Record<string, number>;
  /** A named parameter set of the model (its `regimes`); `parameters` override it. */
  regime?: string;
  /** Initial values of state variables, overriding the model's: a value or a distribution. */
  initial?: Record<string, InitialValue>;
  method?: MethodName;
  /** Excitatory or inhibitory: colours the raster; projections do not depend on it. */
  role?: 'excitatory' | 'inhibitory';
  /**
   * Channel blockers: fraction blocked (0..1) by a blocker the model file declares (TTX) or by a
   * blockable conductance parameter (g_Na); the conductance runs at (1 - fraction) of its value.
   */
  blockers?: Record<string, number>;
  /** Ion concentrations (mM): each ion listed sets its reversal potential by the Nernst equation (model/ions.ts). */
  ions?: IonSettings;
}

/** A number, or a seeded draw per neuron. */
export type InitialValue = number | { uniform: [number, number] } | { normal: [number, number] };

/**
 * What a spike source emits, the same pattern for each of its neurons (but `times` may list one
 * train per neuron, and `poisson` draws each neuron's train from a stream of its own). A spike at
 * time t reaches a target at t + delayMs exactly (t + delayMs on the step grid), or at the next
 * step boundary after it.
 */
export type SpikeSourceSpec =
  /** Given times (ms, > 0, rising, at least dtMs apart): one list for every neuron, or one list per neuron. */
  | { type: 'times'; timesMs: number[] | number[][] }
  /** startMs, startMs + periodMs, ... : `count` spikes, or until stopMs (exclusive), or for ever. */
  | { type: 'regular'; startMs: number; periodMs: number; count?: number; stopMs?: number }
  /** `count` bursts (or until stopMs, or for ever) every burstPeriodMs from startMs, each of spikesPerBurst spikes spikeIntervalMs apart. */
  | { type: 'bursts'; startMs: number; burstPeriodMs: number; spikesPerBurst: number; spikeIntervalMs: number; count?: number; stopMs?: number }
  /** Poisson trains of rateHz in [startMs, stopMs); each neuron's train is drawn from (seed, population name, neuron) alone. */
  | { type: 'poisson'; rateHz: number; startMs?: number; stopMs?: number; seed?: number };

/**
 * Synapse kinetics, added to the target's model as linear state variables whose current enters
 * through the model's input symbol (core/network/synapseKinetics.ts). A spike moves the
 * conductance (or current) g along a waveform whose peak is the projection's weight:
 * exponential w e^(-t/tau); alpha w (t/tau) e^(1 - t/tau); biexponential (difference of
 * exponentials) w (e^(-t/tauDecay) - e^(-t/tauRise)) / (its peak value).
 * `current`: the input is g (weight in the target's input unit, e.g. nA; negative inhibits);
 * `conductance`: the input is g (reversalMV - v) (weight >= 0 in input unit per mV, e.g. uS for nA).
 */
export type SynapseSpec =
  | { kind: 'current' | 'conductance'; shape: 'exponential'; tauMs: number; reversalMV?: number }
  | { kind: 'current' | 'conductance'; shape: 'alpha'; tauMs: number; reversalMV?: number }
  | { kind: 'current' | 'conductance'; shape: 'biexponential'; tauRiseMs: number; tauDecayMs: number; reversalMV?: number };

/**
 * Tsodyks-Markram short-term plasticity, per presynaptic neuron: between spikes u decays to 0
 * with tauFacilMs (0: no facilitation, u = U at every spike) and x recovers to 1 with tauRecMs;
 * at a spike u += U (1 - u), the synapse delivers weight * u * x, then x -= u x.
 */
export interface StpSpec {
  U: number;
  tauRecMs: number;
  tauFacilMs?: number;
}

export interface ProjectionSpec {
  name?: string;
  source: string;
  target: string;
  connect: ConnectRule;
  /** The target's state variable that each arriving spike increments by the weight (either `on` or `synapse`). */
  on?: string;
  /** Kinetics added to the target's model: the weight is the peak current or conductance (either `on` or `synapse`). */
  synapse?: SynapseSpec;
  /** Short-term depression and facilitation. */
  stp?: StpSpec;
  weight: number | { normal: [number, number] } | { uniform: [number, number] };
  /** Default: 0 (the next step). */
  delayMs?: number | { uniform: [number, number] };
}

export interface TraceSpec {
  population: string;
  variable: string;
  neurons: number[];
}

export interface RecordSpec {
  spikes?: boolean;
  traces?: TraceSpec[];
  /** Sampling interval of traces; defaults to dt. */
  traceEveryMs?: number;
  /** Count spikes in [start, stop) ms for per-neuron firing rates. */
  rateWindowMs?: [number, number];
  /**
   * At most this many spikes per population are held until drained (the page drains every
   * frame; the CLI after every chunk of the run, which it streams out). Later ones are counted,
   * not kept (stats.spikesNotKept). Default LIMITS.maxSpikes.
   */
  maxSpikes?: number;
}

/** How the page shows a scenario: part of it, so a shared link restores the view too. */
export interface ViewSpec {
  /** Width of the raster's scrolling window. */
  rasterWindowMs?: number;
  /** Simulated ms per real second; 0 means as fast as the worker can go. */
  speed?: number;
  /** For HH-type models: show the gates m, h, n and the ionic currents beside v. */
  showGates?: boolean;
  showCurrents?: boolean;
  /** Run without end (the page's free run) rather than to durationMs. */
  freeRun?: boolean;
}

/**
 * Where the page's circuit canvas draws each node (x, y in [0, 1] across and down): pure view
 * data, carried so a share link brings the drawing back; the core ignores it. A "current" node
 * stands for the stimuli it lists.
 */
export interface CircuitLayout {
  nodes: { kind: 'neuron' | 'spikes' | 'current'; name: string; x: number; y: number; stimuli?: number[] }[];
}

export interface Scenario {
  format: string;
  name?: string;
  description?: string;
  durationMs: number;
  dtMs: number;
  seed: number;
  populations: PopulationSpec[];
  projections?: ProjectionSpec[];
  stimuli: StimulusSpec[];
  record: RecordSpec;
  view?: ViewSpec;
  layout?: CircuitLayout;
}

/** A validated scenario with its models loaded and parameters resolved. */
export interface ValidScenario {
  scenario: Scenario;
  populations: {
    spec: PopulationSpec;
    model: LoadedModel;
    /** The values the dynamics run with: `given`, with the ions' reversal potentials and the blockers applied. */
    parameters: Float64Array;
    /** The values given (defaults, regime, overrides) before ions and blockers. */
    given: Float64Array;
    /** Fraction blocked by conductance parameter, and concentrations by ion, as checked. */
    blockers: Record<string, number>;
    ions: IonSettings;
    method: MethodName;
    initial: Record<string, InitialValue>;
  }[];
  /**
   * Per projection: the target's state variable each spike increments (`on`, or the variable the
   * synapse kinetics added), and the factor on the weight that makes the waveform's peak the weight.
   */
  synapses?: { variable: string; weightScale: number }[];
  /**
   * Synapses the projections will hold, the network's peak bytes on one thread, and the bytes of
   * the synapses alone (core/network/memory.ts): a run on threads holds its parts once more.
   */
  estimate: { synapses: number; bytes: number; synapseBytes: number };
}

/** What a scenario's `view` may ask of the page: the raster window in ms, the speed in simulated ms per second. */
export const VIEW_LIMITS = { rasterWindowMs: [500, 10000], speed: [0, 10000], layoutNodes: 200 } as const;

export const LIMITS = {
  maxDurationMs: 1e7,
  minDtMs: 1e-4,
  maxDtMs: 1,
  maxSteps: 2e8,
  maxPopulationSize: 2_000_000,
  maxPopulations: 16,
  maxStimuli: 64,
  maxTracedNeurons: 1000,
  maxTraceSamples: 5e7,
  /** Spikes held per population between drains: 12 bytes each, so 2e7 is 240 MB. */
  maxSpikes: 2e7,
  maxProjections: 64,
  maxDelayMs: 1000,
  /** Spike times listed by all spike sources of a scenario (the generated trains are not held: each is produced as it runs). */
  maxSourceTimes: 100_000,
  /** Rate of a Poisson spike source, and 1 / period of a regular one. */
  maxSourceRateHz: 1000,
  /** Spikes per burst of a burst source. */
  maxSpikesPerBurst: 1000,
  /** Synapse kinetics (distinct kinds, shapes, time constants, reversals) on one target population. */
  maxReceptors: 8,
  /** Peak memory of a network (synapses, weights, delays, arrival rings, neuron state); a larger one is refused before it is built. */
  maxNetworkBytes: 3e9,
};

