// The population transfer function as the page's f-I panel runs it: a request (a network scenario,
// which drive, an optional range) checked once into a plan, its runs as a sweep's events (one point
// and each population's rate per run), and what to make of the curve (fits and a sentence). The
// range is checked by the f-I planner's own rules (checkRange); errors name the request's fields.
import { InputError, describeValue } from '../core/errors.js';
import { validateScenario } from '../scenario/scenario.js';
import { checkNumber, checkRange, sweepDefaults, type SweepRange } from './fiPlan.js';
import type { FiCurve, FiSweepEvent } from './fiSweep.js';
import { fitActivations, fitEquivalents, type FitEquivalent, type FitResult } from './fit.js';
import type { Explanation } from './explain.js';
import { populationTransferSteps, type DriveKind } from './populationTransfer.js';

export interface PopulationRate {
  population: string;
  rateHz: number;
}

export interface TransferRequest {
  /** A network scenario as the page has it (validated here). */
  scenario: unknown;
  /** The rate of every Poisson input (Hz), or a constant current added to every neuron. */
  drive: DriveKind;
  /** Drive values; default: 0 to twice the scenario's Poisson rate, or the first population's neuron's default sweep, 11 points. */
  range?: SweepRange;
  /** Rates count spikes after this; default: the scenario's rate window, or 20 % of the run. */
  discardMs?: number;
}

/** Runs of a network the transfer function may take (each is a whole simulation). */
export const MAX_TRANSFER_POINTS = 40;
/** Points of a transfer function when none are given (a run of a network each). */
const TRANSFER_POINTS = 11;

export interface TransferPlan {
  scenarioName: string;
  inputSymbol: string;
  unit: string;
  values: number[];
  /** Neurons in the network. */
  neurons: number;
  durationMs: number;
  discardMs: number;
  dtMs: number;
}

/** A sweep's points event with each population's rate. */
export type TransferSweepEvent = Extract<FiSweepEvent, { kind: 'points' }> & { populations: PopulationRate[] };

export function planTransfer(request: TransferRequest): TransferPlan {
  if (typeof request !== 'object' || request === null) throw new InputError('request', `must be an object, got ${describeValue(request)}`);
  const valid = validateScenario(request.scenario);
  const scenario = valid.scenario;
  const drive = request.drive;
  if (drive !== 'poissonRateHz' && drive !== 'current') throw new InputError('drive', `${describeValue(drive)} is not a drive; choose "poissonRateHz" or "current"`);
  const first = valid.populations[0];
  const unit = drive === 'poissonRateHz' ? 'Hz' : first.model.file.input.unit;
  let range = request.range;
  if (!range) {
    if (drive === 'poissonRateHz') {
      const rates = scenario.stimuli.flatMap((st) => (st.type === 'poissonInput' || st.type === 'poisson' ? [st.rateHz].flat() : [])) as number[];
      if (rates.length === 0) throw new InputError('drive', `scenario ${JSON.stringify(scenario.name ?? '')} has no Poisson input whose rate could be the drive; use drive "current"`);
      // From silence to twice the scenario's own drive, so its working point sits mid-curve.
      const step = Number(((2 * Math.max(...rates, 1)) / (TRANSFER_POINTS - 1)).toPrecision(2));
      range = { fromInput: 0, toInput: step * (TRANSFER_POINTS - 1), step };
    } else {
      // The first population's neuron's default sweep, in fewer points.
      const d = sweepDefaults(first.model, first.parameters, 0);
      if (!d) throw new InputError('range', `${first.model.file.name} has no default sweep to drive the network over; give range.fromInput, range.toInput and range.step in ${unit}`);
      const step = Number(((d.toInput - d.fromInput) / (TRANSFER_POINTS - 1)).toPrecision(2));
      range = { fromInput: d.fromInput, toInput: Number((d.fromInput + step * (TRANSFER_POINTS - 1)).toPrecision(6)), step };
    }
  }
  if (typeof range !== 'object' || range === null) throw new InputError('range', `must be an object { fromInput, toInput, step }, got ${describeValue(range)}`);
  const values = checkRange(range, unit, { lowest: drive === 'poissonRateHz' ? 0 : undefined, minPoints: 6, maxPoints: MAX_TRANSFER_POINTS, what: 'drive values', why: '6 for the fits; each is a run of the whole network' });
  if (request.discardMs !== undefined) checkNumber('discardMs', request.discardMs, 'ms', 0, scenario.durationMs - 1);
  return {
    scenarioName: scenario.name ?? 'the network',
    inputSymbol: drive === 'poissonRateHz' ? 'ν_ext' : first.model.inputSymbol,
    unit,
    values,
    neurons: valid.populations.reduce((n, p) => n + p.spec.size, 0),
    durationMs: scenario.durationMs,
    discardMs: request.discardMs ?? scenario.record.rateWindowMs?.[0] ?? 0.2 * scenario.durationMs,
    dtMs: scenario.dtMs,
  };
}

/** The transfer function's runs as a sweep's events: one point (and each population's rate) per run. */
export function* transferSweepSteps(request: TransferRequest, plan: TransferPlan): Generator<TransferSweepEvent, FiCurve, void> {
  const { values, unit } = plan;
  const steps = populationTransferSteps({ scenario: request.scenario, drive: request.drive, values, discardMs: request.discardMs });
  const ratesHz = new Float64Array(values.length);
  try {
    for (;;) {
      const next = steps.next();
      if (next.done) break;
      const { index, fraction, point } = next.value;
      ratesHz[index] = point.meanRateHz;
      yield { kind: 'points', fraction, startIndex: index, currents: Float64Array.of(point.drive), ratesHz: Float64Array.of(point.meanRateHz), semHz: Float64Array.of(0), populations: point.ratesHz };
    }
  } finally {
    steps.return(undefined as never); // a cancel (return()) here stops the runs there too
  }
  return { currents: Float64Array.from(values), ratesHz, semHz: new Float64Array(values.length), unit };
}

/** Fits of the network's mean rate, and a sentence: the range it spans and which function is closest. */
export function transferComparison(curve: FiCurve, scenarioName: string): { fits: FitResult[]; equivalents: FitEquivalent[]; rheobase: null; theoryHz: null; explanation: Explanation } {
  const fits = fitActivations(curve.currents, curve.ratesHz);
  const equivalents = fitEquivalents(fits);
  const rates = Array.from(curve.ratesHz);
  const n = rates.length;
  const round = (x: number) => Number(x.toPrecision(2));
  const at = (k: number) => `${curve.currents[k]} ${curve.unit}`;
  if (rates.every((r) => r <= 1)) {
    return { fits, equivalents, rheobase: null, theoryHz: null, explanation: { kind: 'silent', text: `${scenarioName} stays (nearly) silent from ${at(0)} to ${at(n - 1)} of drive; raise the drive to see it respond.` } };
  }
  const best = fits[0];
  const first = rates.findIndex((r) => r > 1);
  const start = first > 0 ? `is silent up to ${at(first - 1)}, then its mean rate rises` : `already fires at ${round(rates[0])} Hz at ${at(0)}; its mean rate rises`;
  return {
    fits,
    equivalents,
    rheobase: null,
    theoryHz: null,
    explanation: { kind: 'typeI', text: `${scenarioName} ${start} to ${round(rates[n - 1])} Hz at ${at(n - 1)} (one run of the whole network per point). ${best.name} fits the mean rate best (RMSE ${round(best.rmseHz)} Hz${Number.isNaN(best.rSquared) ? '' : `, R^2 ${best.rSquared.toFixed(3)}`}).` } };
}
