// The population transfer function of a network: mean firing rate of each population against the
// external drive, one network run per drive value. The drive is either the rate of every Poisson
// input (Brunel's eta: what the external population fires at) or a constant current added to every
// neuron (for networks without external input, such as CUBA, which otherwise live on their own
// initial state). Like fiSweepSteps, a pure generator: one point per run, cancel by not resuming.
import { InputError } from '../core/errors.js';
import { Simulation } from '../core/simulation.js';
import { validateScenario, type Scenario } from '../scenario/scenario.js';

export type DriveKind = 'poissonRateHz' | 'current';

export interface TransferOptions {
  /** a scenario (a preset or file), not modified */
  scenario: unknown;
  drive: DriveKind;
  values: number[];
  /** rates count spikes from here to the end of the run; default: the scenario's rate window or 20 % of the run */
  discardMs?: number;
}

export interface TransferPoint {
  drive: number;
  /** mean rate per population, in the scenario's order */
  ratesHz: { population: string; rateHz: number }[];
  /** over all neurons */
  meanRateHz: number;
}

export interface TransferEvent {
  index: number;
  fraction: number;
  point: TransferPoint;
}

function withDrive(raw: unknown, drive: DriveKind, value: number, discardMs: number | undefined): Scenario {
  const base = validateScenario(raw).scenario;
  const scenario: Scenario = structuredClone(base);
  if (drive === 'poissonRateHz') {
    if (!(value >= 0)) throw new InputError('drive', `a Poisson rate of ${value} Hz must be >= 0`);
    const inputs = scenario.stimuli.filter((s) => s.type === 'poissonInput' || s.type === 'poisson');
    if (inputs.length === 0) throw new InputError('drive', `scenario ${JSON.stringify(base.name ?? '')} has no Poisson input whose rate could be the drive; use drive "current"`);
    for (const s of inputs) (s as { rateHz: number }).rateHz = value;
  } else {
    if (!Number.isFinite(value)) throw new InputError('drive', `a current of ${value} must be a finite number`);
    for (const p of scenario.populations) scenario.stimuli.push({ type: 'constant', population: p.name, amplitude: value });
  }
  const from = discardMs ?? base.record.rateWindowMs?.[0] ?? 0.2 * base.durationMs;
  if (!(from >= 0) || from >= base.durationMs) throw new InputError('discardMs', `${from} ms must be at least 0 and below the run's ${base.durationMs} ms`);
  // Counts are all we need: no spikes kept, no traces.
  scenario.record = { spikes: false, rateWindowMs: [from, base.durationMs] };
  return scenario;
}

export function* populationTransferSteps(options: TransferOptions): Generator<TransferEvent, TransferPoint[], void> {
  if (options.values.length === 0) throw new InputError('values', 'the transfer function needs at least one drive value');
  // Build (and so check) every scenario before the first run.
  const scenarios = options.values.map((v) => validateScenario(withDrive(options.scenario, options.drive, v, options.discardMs)));
  const points: TransferPoint[] = [];
  for (let k = 0; k < scenarios.length; k++) {
    const valid = scenarios[k];
    const sim = new Simulation(valid);
    sim.advance();
    const [from, to] = valid.scenario.record.rateWindowMs!;
    const seconds = (to - from) / 1000;
    let spikes = 0;
    let neurons = 0;
    const ratesHz = sim.windowCounts().map(({ name, counts }) => {
      let sum = 0;
      for (let i = 0; i < counts.length; i++) sum += counts[i];
      spikes += sum;
      neurons += counts.length;
      return { population: name, rateHz: sum / counts.length / seconds };
    });
    const point = { drive: options.values[k], ratesHz, meanRateHz: spikes / neurons / seconds };
    points.push(point);
    yield { index: k, fraction: (k + 1) / scenarios.length, point };
  }
  return points;
}

export function populationTransfer(options: TransferOptions): TransferPoint[] {
  const steps = populationTransferSteps(options);
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}
