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
  /** A built-in model id (models/ID.json) or a whole model file. */
  model: string | ModelFile;
  size: number;
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

export interface ProjectionSpec {
  name?: string;
  source: string;
  target: string;
  connect: ConnectRule;
  /** The target's state variable that each arriving spike increments by the weight. */
  on: string;
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
  /** Synapses the projections will hold, and the network's peak bytes (core/network/memory.ts). */
  estimate: { synapses: number; bytes: number };
}

/** What a scenario's `view` may ask of the page: the raster window in ms, the speed in simulated ms per second. */
export const VIEW_LIMITS = { rasterWindowMs: [500, 10000], speed: [0, 10000] } as const;

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
  /** Peak memory of a network (synapses, weights, delays, arrival rings, neuron state); a larger one is refused before it is built. */
  maxNetworkBytes: 3e9,
};

