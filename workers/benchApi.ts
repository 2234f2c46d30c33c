// What the bench worker exposes through comlink: an adapter over the core's voltage-clamp family
// (core/stimulus/clampFamily.ts) and phase plane (core/analysis/phasePlane.ts), for the clamp and
// phase-plane panels. A worker of its own: an HH step family takes seconds, and the live simulation
// must run on meanwhile. Plain data in and out (typed arrays); a refusal comes back as the field and
// message of the core's InputError, never half a result. Tested in one process over a MessageChannel.
import { InputError } from '../src/core/errors.js';
import type { ModelFile } from '../src/core/model/modelFile.js';
import type { IonSettings } from '../src/core/model/ions.js';
import { runClampFamily, type ClampFamily, type ClampFamilyRequest } from '../src/core/stimulus/clampFamily.js';
import { fixedPoints, nullclines, phasePlane, restBifurcation, vectorField, type FixedPointType, type Range } from '../src/core/analysis/phasePlane.js';
import { validateScenario } from '../src/scenario/scenario.js';
import { describeFiSweep } from '../src/bridge/fiPlan.js';

export type { ClampFamily, ClampFamilyRequest };

export type BenchResult<T> = { ok: true; value: T } | { ok: false; error: { field: string; message: string } };

/** A population's model as the page has it: the model, parameters in force, blockers and ions. */
export interface PlaneRequest {
  model: string | ModelFile;
  parameters: Record<string, number>;
  /** The input in force, in the model's input unit. */
  input: number;
  blockers?: Record<string, number>;
  ions?: IonSettings;
}

export interface PlanePoint {
  x: number;
  y: number;
  type: FixedPointType;
  stable: boolean;
  eigenvalues: { re: [number, number]; im: [number, number] };
}

export interface PlaneView {
  modelName: string;
  input: { symbol: string; unit: string; value: number };
  x: { name: string; unit: string };
  y: { name: string; unit: string };
  /** What the reduction is (HH's V-n plane), null for a two-variable model. */
  reduction: string | null;
  ranges: { x: Range; y: Range };
  home: [number, number];
  field: { xs: Float64Array; ys: Float64Array; dx: Float64Array; dy: Float64Array };
  nullclines: { x: Float64Array[]; y: Float64Array[] };
  fixedPoints: PlanePoint[];
}

export interface Bifurcation {
  kind: 'saddle-node' | 'hopf';
  /** The input where the rest state loses stability. */
  input: number;
  unit: string;
  /** The range searched. */
  fromInput: number;
  toInput: number;
}

export interface BenchApi {
  clampFamily(request: ClampFamilyRequest): BenchResult<ClampFamily>;
  plane(request: PlaneRequest): BenchResult<PlaneView>;
  /** The full model state at a point of the plane (steady and tied variables filled in), by state name. */
  stateAt(request: PlaneRequest, x: number, y: number): BenchResult<Record<string, number>>;
  /** Where the rest state loses stability as the input rises over the model's sweep range; null when it does not. */
  bifurcation(request: PlaneRequest): BenchResult<Bifurcation | null>;
}

/** Blockers and ions as a population gives them: left out when empty (a model without ions refuses even an empty set). */
function given<T extends { blockers?: Record<string, number>; ions?: IonSettings }>(request: T): T {
  const out = { ...request };
  if (out.blockers && Object.keys(out.blockers).length === 0) delete out.blockers;
  if (out.ions && Object.keys(out.ions).length === 0) delete out.ions;
  return out;
}

function attempt<T>(work: () => T): BenchResult<T> {
  try {
    return { ok: true, value: work() };
  } catch (err) {
    if (err instanceof InputError) return { ok: false, error: { field: err.field, message: err.message } };
    throw err;
  }
}

/** The model with its parameters in use (blockers and ions applied), checked as a one-neuron scenario's. */
function loaded(asked: PlaneRequest) {
  const request = given(asked);
  const population = { name: 'cell', model: request.model, size: 1, parameters: request.parameters, ...(request.blockers ? { blockers: request.blockers } : {}), ...(request.ions ? { ions: request.ions } : {}) };
  const valid = validateScenario({ format: 'spikebridge-scenario/1', durationMs: 1, dtMs: 0.01, populations: [population] }).populations[0];
  return { model: valid.model, parameters: valid.parameters };
}

function planeOf(request: PlaneRequest) {
  const { model, parameters } = loaded(request);
  return { model, parameters, plane: phasePlane(model, parameters, request.input, 'model') };
}

export function createBenchApi(): BenchApi {
  return {
    clampFamily: (request) => attempt(() => runClampFamily(given(request), validateScenario)),
    plane: (request) =>
      attempt(() => {
        const { model, plane } = planeOf(request);
        const points = fixedPoints(plane, model);
        return {
          modelName: model.file.name,
          input: { symbol: model.inputSymbol, unit: model.file.input.unit, value: request.input },
          x: { name: plane.x.name, unit: plane.x.unit },
          y: { name: plane.y.name, unit: plane.y.unit },
          reduction: plane.reduction?.description ?? null,
          ranges: plane.ranges,
          home: plane.home,
          field: vectorField(plane, plane.ranges, 21, 17),
          nullclines: nullclines(plane, plane.ranges, 121, 121),
          fixedPoints: points.map((p) => ({ x: p.x, y: p.y, type: p.type, stable: p.stable, eigenvalues: p.eigenvalues })),
        };
      }),
    stateAt: (request, x, y) =>
      attempt(() => {
        const { plane } = planeOf(request);
        const state = plane.state(x, y);
        return Object.fromEntries(plane.stateNames.map((name, k) => [name, state[k]]));
      }),
    bifurcation: (request) =>
      attempt(() => {
        const { model, parameters } = loaded(request);
        const defaults = describeFiSweep(request.model, request.parameters, 0).defaults;
        const fromInput = Math.min(defaults?.fromInput ?? 0, request.input);
        const toInput = Math.max(defaults?.toInput ?? 1, request.input);
        const found = restBifurcation(model, parameters, fromInput, toInput);
        return found ? { kind: found.kind, input: found.input, unit: model.file.input.unit, fromInput, toInput } : null;
      }),
  };
}
