// The f-I panel's controls: its heading with the model swept and the choice of population (or the
// whole network), the input noise (none, white or OU: sigma_V in mV and tau in ms), the drive of a
// network's transfer function, the range (from, to, step), Run and Cancel, and the progress line
// with its message and note. It holds no sweep state: it reads and shows values for fiPanel.ts.
import type { NoiseType, SweepRange } from '../../workers/sweepApi.js';
import type { DriveKind } from '../bridge/populationTransfer.js';
import { el } from './dom.js';

export interface FiControlEvents {
  population(value: string): void;
  drive(kind: DriveKind): void;
  noise(): void;
  rangeEdited(): void;
  run(): void;
  cancel(): void;
}

const NOISE_TITLE = 'Noise added to the input current of every neuron in the sweep';

export class FiControls {
  readonly head = el('div', { class: 'fi-head' });
  readonly row = el('div', { class: 'fi-controls' });
  readonly progressRow = el('div', { class: 'fi-progress' });
  readonly model = el('span', { class: 'fi-model' });
  readonly message = el('span', { class: 'fi-message', id: 'fi-message', role: 'alert' });
  readonly note = el('span', { class: 'fi-note', id: 'fi-note' });
  readonly unit = el('span');
  private readonly populationLabel = el('label', {}, 'sweep ');
  private readonly population = el('select', { id: 'fi-population', title: 'Which population\'s neuron to sweep, or the whole network' });
  private readonly noiseLabel = el('label', { for: 'fi-noise-type' }, 'input noise');
  private readonly noiseType = el('select', { id: 'fi-noise-type', title: NOISE_TITLE });
  private readonly sigmaLabel = el('label', { title: 'Standard deviation of the membrane potential the noise would cause in the passive membrane (below threshold)' }, 'σV');
  private readonly sigma = el('input', { type: 'range', id: 'fi-sigma-range', min: '0', max: '10', step: '0.5', value: '2', 'aria-label': 'noise sigma_V in mV (slider)' });
  private readonly sigmaValue = el('input', { type: 'number', id: 'fi-sigma', min: '0', max: '50', step: '0.5', value: '2', 'aria-label': 'noise sigma_V in mV' });
  private readonly tauLabel = el('label', { title: 'Correlation time of the Ornstein-Uhlenbeck noise' }, 'τ');
  private readonly tau = el('input', { type: 'number', id: 'fi-tau', min: '0.1', max: '1000', step: '1', value: '5', 'aria-label': 'OU noise correlation time in ms' });
  private readonly driveLabel = el('label', { title: 'What drives the network in its transfer function' }, 'drive');
  private readonly drive = el('select', { id: 'fi-drive' });
  private readonly rangeLabel = el('label', { title: 'Input currents of the sweep, in the model\'s input unit' }, 'input from');
  private readonly from = el('input', { type: 'number', id: 'fi-from', step: 'any', 'aria-label': 'sweep from' });
  private readonly to = el('input', { type: 'number', id: 'fi-to', step: 'any', 'aria-label': 'sweep to' });
  private readonly step = el('input', { type: 'number', id: 'fi-step', step: 'any', 'aria-label': 'sweep step' });
  private readonly runButton = el('button', { type: 'button', id: 'fi-run', title: 'Sweep the input current and fit the activations' }, 'Run sweep');
  private readonly cancelButton = el('button', { type: 'button', id: 'fi-cancel', class: 'secondary' }, 'Cancel');
  private readonly progress = el('progress', { id: 'fi-progress', max: '1', value: '0', 'aria-label': 'sweep progress' });
  private readonly progressText = el('span', { class: 'fi-progress-text', id: 'fi-progress-text', role: 'status', 'aria-live': 'polite' });

  constructor(on: FiControlEvents) {
    this.populationLabel.append(this.population);
    this.populationLabel.hidden = true;
    this.head.append(el('h2', {}, 'f-I curve against ANN activation functions'), this.model, this.populationLabel);
    for (const [value, text] of [['none', 'none'], ['white', 'white'], ['ou', 'OU (coloured)']]) this.noiseType.append(el('option', { value }, text));
    this.sigmaLabel.append(this.sigma, this.sigmaValue, 'mV');
    this.tauLabel.append(this.tau, 'ms');
    this.driveLabel.append(this.drive);
    this.driveLabel.hidden = true;
    this.rangeLabel.append(this.from, 'to', this.to, 'step', this.step, this.unit);
    this.cancelButton.disabled = true;
    this.row.append(this.noiseLabel, this.noiseType, this.sigmaLabel, this.tauLabel, this.driveLabel, this.rangeLabel, this.runButton, this.cancelButton);
    this.progressRow.append(this.progress, this.progressText, this.message, this.note);

    this.population.addEventListener('change', () => on.population(this.population.value));
    this.drive.addEventListener('change', () => on.drive(this.drive.value === 'poissonRateHz' ? 'poissonRateHz' : 'current'));
    this.noiseType.addEventListener('change', () => on.noise());
    this.sigma.addEventListener('input', () => {
      this.sigmaValue.value = this.sigma.value;
      on.noise();
    });
    this.sigmaValue.addEventListener('change', () => {
      this.sigma.value = this.sigmaValue.value;
      on.noise();
    });
    this.tau.addEventListener('change', () => on.noise());
    for (const input of [this.from, this.to, this.step]) input.addEventListener('change', () => on.rangeEdited());
    this.runButton.addEventListener('click', () => on.run());
    this.cancelButton.addEventListener('click', () => on.cancel());
  }

  /** The choices of what to sweep (hidden when there is one). */
  setPopulations(options: { value: string; text: string }[], selected: string): void {
    this.population.replaceChildren(...options.map((o) => el('option', { value: o.value }, o.text)));
    this.populationLabel.hidden = options.length < 2;
    this.population.value = selected;
  }

  /** The drives a network offers: the rate of its Poisson inputs (if it has any) and an added current. */
  setDrives(poisson: boolean): DriveKind {
    this.drive.replaceChildren(...(poisson ? [el('option', { value: 'poissonRateHz' }, 'Poisson input rate')] : []), el('option', { value: 'current' }, 'current added to every neuron'));
    this.drive.value = poisson ? 'poissonRateHz' : 'current';
    return poisson ? 'poissonRateHz' : 'current';
  }

  noise(): { type: NoiseType; sigmaMV: number; tauMs: number } {
    const kind = this.noiseType.value;
    if (kind === 'none') return { type: 'white', sigmaMV: 0, tauMs: 0 };
    return { type: kind === 'ou' ? 'ou' : 'white', sigmaMV: Number(this.sigmaValue.value), tauMs: Number(this.tau.value) };
  }

  /** Noise is offered when the model's file says how voltage noise enters it. */
  showNoise(allowed: boolean): void {
    this.noiseType.disabled = !allowed;
    if (!allowed) this.noiseType.value = 'none';
    this.noiseType.title = allowed ? NOISE_TITLE : 'This model\'s file does not say how voltage noise enters it (no "noise" section)';
    this.sigmaLabel.hidden = this.noiseType.value === 'none';
    this.tauLabel.hidden = this.noiseType.value !== 'ou';
  }

  /** A network's transfer function has a drive instead of noise. */
  showNetwork(network: boolean): void {
    this.driveLabel.hidden = !network;
    this.noiseLabel.hidden = network;
    this.noiseType.hidden = network;
    this.rangeLabel.firstChild!.textContent = network ? 'drive from' : 'input from';
    if (network) {
      this.sigmaLabel.hidden = true;
      this.tauLabel.hidden = true;
    }
  }

  readRange(): SweepRange | undefined {
    const values = [this.from.value, this.to.value, this.step.value];
    if (values.every((v) => v === '')) return undefined;
    return { fromInput: Number(this.from.value), toInput: Number(this.to.value), step: Number(this.step.value) };
  }

  /** Show a range (empty strings: none, the worker chooses). */
  setRange(from: string, to: string, step: string): void {
    this.from.value = from;
    this.to.value = to;
    this.step.value = step;
  }

  showProgress(fraction: number, phase: string, text: string, running: boolean): void {
    this.progress.value = fraction;
    this.progress.dataset.phase = phase;
    this.progressText.textContent = text;
    this.cancelButton.disabled = !running;
  }
}
