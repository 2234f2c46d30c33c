// The ANN playground's face: the controls (data set, network, activation, training), Train / Stop
// / Reset, the decision map with the data points, the live train and test loss, the hidden units
// (dead ones marked) with each weight layer's gradient size, and the spiking run: one decision map
// per count window filling in as the grid's runs finish, accuracy against window beside the ANN's,
// and the rasters of one test point's populations. Each picture has a text alternative (a summary,
// a table, the map as a coarse grid of classes). The worker does the work (annPanelClient.ts); the
// arithmetic is annPanelModel.ts; this file only builds the DOM and draws.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { AnnRequest, AnnUpdate, CurveShown, DataShown, RasterShown, SpikingRequest, SpikingShown } from '../../workers/annApi.js';
import type { EpochReport } from '../bridge/ann/network.js';
import { DATASETS, DATASET_DEFAULTS } from '../bridge/ann/datasets.js';
import { ACTIVATIONS, type ActivationId } from '../bridge/activations.js';
import { unitActivation } from '../bridge/ann/annActivation.js';
import { ANN_DEFAULTS } from '../bridge/ann/network.js';
import { button, el, statusLine } from './dom.js';
import { startAnn, stopAnn } from './annPanelClient.js';
import type { FiPanelModel } from './fiPanelModels.js';
import type { AnnObservation } from '../lessons/lesson.js';
import {
  ACTIVATION_CHOICES, CLASS_COLOURS, SPIKE_MAP_RESOLUTION, DATASET_LABELS, PENDING, annShown, classShares, cliLine, decisionClass, decisionColour, gradientBar, gradientSentence, mapAsText, mapPixels, percent, probabilityClass, probabilityColour, readAnnForm, readSpikingForm, type AnnForm,
} from './annPanelModel.js';

const rgb = (c: readonly number[]) => `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
/** Cells per side of the coarse text grid of a map. */
const TEXT_CELLS = 8;

type State = 'idle' | 'training' | 'trained' | 'spiking' | 'spiking-done' | 'failed';

export interface AnnPanelOptions {
  /** The page's populations a "this neuron" activation can take its curve from. */
  models(): FiPanelModel[];
  /** A trained network (and later its spiking run): what the lessons observe. */
  onShown(shown: AnnObservation): void;
}

function field(label: string, input: HTMLInputElement | HTMLSelectElement, title: string): HTMLLabelElement {
  const wrap = el('label', { title });
  wrap.append(`${label} `, input);
  return wrap;
}

function numberInput(id: string, value: number | string, min: number, max: number, step: number | 'any' = 'any'): HTMLInputElement {
  return el('input', { type: 'number', id, value: String(value), min: String(min), max: String(max), step: String(step), inputmode: 'decimal' });
}

function select(id: string, options: { value: string; label: string }[], value: string, label?: string): HTMLSelectElement {
  const s = el('select', { id, ...(label ? { 'aria-label': label } : {}) });
  s.append(...options.map((o) => el('option', { value: o.value }, o.label)));
  s.value = value;
  return s;
}

/** A square canvas for a map, sized to `size` CSS px at the device's pixel ratio. */
function sizeCanvas(canvas: HTMLCanvasElement, width: number, height: number): CanvasRenderingContext2D {
  const ratio = window.devicePixelRatio || 1;
  if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
  }
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const c = canvas.getContext('2d')!;
  c.setTransform(ratio, 0, 0, ratio, 0, 0);
  return c;
}

/** Draw map cells (RGBA rows, top first) over the whole canvas, smoothed or as blocks. */
function drawCells(c: CanvasRenderingContext2D, pixels: Uint8ClampedArray, resolution: number, size: number, smooth: boolean): void {
  const cells = document.createElement('canvas');
  cells.width = resolution;
  cells.height = resolution;
  cells.getContext('2d')!.putImageData(new ImageData(pixels as Uint8ClampedArray<ArrayBuffer>, resolution, resolution), 0, 0);
  c.imageSmoothingEnabled = smooth;
  // Cell centres sit on the grid's points: half a cell beyond the square on each side.
  c.drawImage(cells, 0, 0, size, size);
}

export class AnnPanelView {
  readonly root: HTMLElement;
  state: State = 'idle';
  private readonly options: AnnPanelOptions;
  // controls
  private readonly dataset: HTMLSelectElement;
  private readonly points: HTMLInputElement;
  private readonly dataNoise: HTMLInputElement;
  private readonly testPercent: HTMLInputElement;
  private readonly seed: HTMLInputElement;
  private readonly layers: HTMLSelectElement;
  private readonly units: HTMLSelectElement[];
  private readonly activation: HTMLSelectElement;
  private readonly neuronNoise: HTMLInputElement;
  private readonly neuronNoiseWrap: HTMLLabelElement;
  private readonly learningRate: HTMLInputElement;
  private readonly batchSize: HTMLInputElement;
  private readonly l2: HTMLInputElement;
  private readonly dropout: HTMLInputElement;
  private readonly epochs: HTMLInputElement;
  private readonly trainButton: HTMLButtonElement;
  private readonly stopButton: HTMLButtonElement;
  private readonly resetButton: HTMLButtonElement;
  private readonly status: HTMLElement;
  private readonly message: HTMLElement;
  private readonly cli: HTMLElement;
  private readonly curveLine: HTMLElement;
  private readonly activationHost: HTMLElement;
  private readonly activationText: HTMLElement;
  private activationPlot: uPlot | null = null;
  private curve: CurveShown | null = null;
  // ANN pictures
  private readonly mapCanvas: HTMLCanvasElement;
  private readonly mapText: HTMLElement;
  private readonly mapGrid: HTMLElement;
  private readonly lossHost: HTMLElement;
  private readonly lossText: HTMLElement;
  private readonly unitsTable: HTMLTableElement;
  private readonly gradientLine: HTMLElement;
  private lossPlot: uPlot | null = null;
  // spiking
  private readonly neuronsPerUnit: HTMLInputElement;
  private readonly windows: HTMLInputElement;
  private readonly rasterPoint: HTMLInputElement;
  private readonly spikingButton: HTMLButtonElement;
  private readonly spikingStatus: HTMLElement;
  private readonly spikeMaps: HTMLElement;
  private readonly accHost: HTMLElement;
  private readonly accTable: HTMLTableElement;
  private readonly dropoutNote: HTMLElement;
  private readonly rasterCanvas: HTMLCanvasElement;
  private readonly rasterText: HTMLElement;
  private accPlot: uPlot | null = null;
  // what is shown
  private job = 0;
  private request: AnnRequest | null = null;
  private data: DataShown | null = null;
  private map: { values: Float32Array; resolution: number } | null = null;
  private report: EpochReport | null = null;
  private losses = { epoch: [] as number[], train: [] as number[], test: [] as number[] };
  private epochsPerSecond = 0;
  private spikingRequest: SpikingRequest | null = null;
  private spiking: SpikingShown | null = null;
  private spikeDecisions: { resolution: number; decisions: Int8Array[] } | null = null;
  private raster: RasterShown | null = null;
  private shown: AnnObservation | null = null;
  /** What the status said when training ended (said again when a spiking run ends). */
  private trainedText = '';
  private readonly resize: ResizeObserver;

  constructor(host: HTMLElement, options: AnnPanelOptions) {
    this.options = options;
    this.root = host;
    const heading = el('h2', {}, 'ANN playground: from your neuron to a network');
    const intro = el('p', { class: 'ann-intro' }, 'Train a small network on 2-D points with any activation, this page\'s neuron included, then run the trained network as spiking LIF neurons.');

    this.dataset = select('ann-dataset', DATASETS.map((d) => ({ value: d, label: DATASET_LABELS[d] })), 'circle');
    this.points = numberInput('ann-points', DATASET_DEFAULTS.points, 20, 5000, 1);
    this.dataNoise = numberInput('ann-data-noise', DATASET_DEFAULTS.noise, 0, 0.5, 0.01);
    this.testPercent = numberInput('ann-test-percent', 100 * DATASET_DEFAULTS.testFraction, 10, 90, 5);
    this.seed = numberInput('ann-seed', ANN_DEFAULTS.seed, 0, 2 ** 32 - 1, 1);
    this.layers = select('ann-layers', [1, 2, 3].map((n) => ({ value: String(n), label: String(n) })), '2');
    this.units = [1, 2, 3].map((k) => select(`ann-units-${k}`, Array.from({ length: 8 }, (_, j) => ({ value: String(j + 1), label: String(j + 1) })), '8', `Units in hidden layer ${k}`));
    this.activation = select('ann-activation', ACTIVATION_CHOICES, 'relu');
    this.neuronNoise = numberInput('ann-neuron-noise', 0, 0, 20, 0.5);
    this.neuronNoiseWrap = field('its input noise σ (mV)', this.neuronNoise, 'White input noise of the neuron whose f-I curve the units use (0: none); with noise its curve is smooth');
    this.learningRate = numberInput('ann-learning-rate', ANN_DEFAULTS.learningRate, 0.00001, 10, 'any');
    this.batchSize = numberInput('ann-batch-size', ANN_DEFAULTS.batchSize, 1, 1000, 1);
    this.l2 = numberInput('ann-l2', ANN_DEFAULTS.l2, 0, 1, 'any');
    this.dropout = numberInput('ann-dropout', ANN_DEFAULTS.dropout, 0, 0.9, 0.05);
    this.epochs = numberInput('ann-epochs', 100, 1, 100000, 1);

    const unitsWrap = el('span', { class: 'ann-units', role: 'group', 'aria-label': 'Units per hidden layer' });
    unitsWrap.append('units ', ...this.units);
    const dataBox = el('fieldset');
    dataBox.append(el('legend', {}, 'Data'), field('data set', this.dataset, 'The 2-D points to classify (TensorFlow Playground\'s four)'), field('points', this.points, 'Points in all, train and test'), field('noise', this.dataNoise, 'SD of the noise on each coordinate (the square is 2 wide)'), field('test %', this.testPercent, 'Share of the points held out for testing'), field('seed', this.seed, 'The same seed gives the same points, weights and numbers as the command line'));
    const netBox = el('fieldset');
    netBox.append(el('legend', {}, 'Network'), field('hidden layers', this.layers, 'One to three hidden layers'), unitsWrap, field('activation', this.activation, 'The hidden units\' activation function; "this neuron" is the f-I curve of the model on this page, normalised'), this.neuronNoiseWrap);
    const trainBox = el('fieldset');
    trainBox.append(el('legend', {}, 'Training'), field('learning rate', this.learningRate, 'Adam\'s step size'), field('batch', this.batchSize, 'Points per gradient step'), field('L2', this.l2, 'Weight penalty: lambda/2 times the sum of squared weights'), field('dropout', this.dropout, 'Probability of silencing a hidden unit at each training point'), field('epochs', this.epochs, 'Passes over the training points'));

    this.trainButton = button('Train', 'Train a fresh network with these settings (in a worker: the page stays live)', 'ann-train', true);
    this.stopButton = button('Stop', 'Stop training (the network stays as it is) or the spiking run', 'ann-stop');
    this.resetButton = button('Reset', 'A fresh, untrained network with these settings', 'ann-reset');
    this.stopButton.disabled = true;
    const actions = el('div', { class: 'ann-actions' });
    this.status = statusLine('ann-status', 'ann-status');
    this.status.dataset.state = 'idle';
    this.status.textContent = 'Set the data and the network, then Train.';
    actions.append(this.trainButton, this.stopButton, this.resetButton, this.status);
    this.message = el('div', { class: 'ann-message', id: 'ann-message', role: 'alert' });
    this.curveLine = el('p', { class: 'ann-note', id: 'ann-curve' });
    this.cli = el('code', { class: 'ann-cli', id: 'ann-cli' });
    const cliBox = el('details', { class: 'ann-cli-box' });
    cliBox.append(el('summary', {}, 'The same run on the command line'), this.cli);

    // The ANN's pictures.
    this.mapCanvas = el('canvas', { id: 'ann-map', role: 'img', 'aria-label': 'Decision map: not trained yet' });
    this.mapText = el('p', { class: 'ann-caption', id: 'ann-map-text' });
    this.mapGrid = el('pre', { class: 'ann-grid', id: 'ann-map-grid' });
    const gridBox = el('details');
    gridBox.append(el('summary', {}, 'Decision map as text (1 blue, 0 orange, top row first)'), this.mapGrid);
    const mapFigure = el('figure', { class: 'ann-figure' });
    mapFigure.append(this.mapCanvas, this.mapText, gridBox);
    this.lossHost = el('div', { class: 'ann-plot', id: 'ann-loss', role: 'img', 'aria-label': 'Train and test loss against epoch' });
    this.lossText = el('p', { class: 'ann-caption', id: 'ann-loss-text' });
    this.unitsTable = el('table', { id: 'ann-units-table', class: 'ann-table' });
    this.gradientLine = el('p', { class: 'ann-note', id: 'ann-gradient-note' });
    const side = el('div', { class: 'ann-side' });
    this.activationHost = el('div', { class: 'ann-plot', id: 'ann-activation-plot', role: 'img', 'aria-label': 'The hidden units\' activation against their input z' });
    this.activationText = el('p', { class: 'ann-caption', id: 'ann-activation-text' });
    side.append(el('h3', {}, 'Loss'), this.lossHost, this.lossText, el('h3', {}, 'The units\' activation'), this.activationHost, this.activationText, el('h3', {}, 'Hidden units and gradient sizes'), this.unitsTable, this.gradientLine);
    const body = el('div', { class: 'ann-body' });
    body.append(mapFigure, side);

    // The spiking run.
    this.neuronsPerUnit = numberInput('ann-neurons', 20, 1, 500, 1);
    this.windows = el('input', { type: 'text', id: 'ann-windows', value: '50,100,200,500', inputmode: 'numeric' });
    this.rasterPoint = numberInput('ann-raster-point', 1, 1, 5000, 1);
    this.spikingButton = button('Run as spiking neurons', 'Convert the trained network to LIF populations (rate coding) and run it on the test points and the map\'s grid', 'ann-spiking', true);
    this.spikingButton.disabled = true;
    this.spikingStatus = statusLine('ann-status', 'ann-spiking-status');
    const spikingControls = el('div', { class: 'ann-controls' });
    spikingControls.append(field('LIF neurons per unit', this.neuronsPerUnit, 'Each unit becomes a population of this many LIF neurons'), field('count windows (ms)', this.windows, 'The decision counts the output populations\' spikes from the start to each window'), field('raster of test point', this.rasterPoint, 'Which test point\'s run the rasters show (click a point on the map to choose)'), this.spikingButton);
    this.spikeMaps = el('div', { class: 'ann-spike-maps', id: 'ann-spike-maps' });
    this.accHost = el('div', { class: 'ann-plot', id: 'ann-accuracy', role: 'img', 'aria-label': 'Spiking accuracy against count window, beside the ANN\'s' });
    this.accTable = el('table', { class: 'ann-table', id: 'ann-accuracy-table' });
    this.dropoutNote = el('p', { class: 'ann-note', id: 'ann-dropout-note' });
    this.rasterCanvas = el('canvas', { id: 'ann-raster', role: 'img', 'aria-label': 'Raster: no spiking run yet' });
    this.rasterText = el('p', { class: 'ann-caption', id: 'ann-raster-text' });
    const method = el('p', { class: 'ann-note' }, 'Each unit becomes a population of LIF neurons whose rate stands for its activation (rate coding); weights become synapse counts, biases constant currents (Diehl et al. 2015; Hunsberger and Eliasmith 2015). The class is the output population that spiked more within the window.');
    const spikingBox = el('section', { class: 'ann-spiking', 'aria-labelledby': 'ann-spiking-heading' });
    spikingBox.append(el('h3', { id: 'ann-spiking-heading' }, 'Run as spiking neurons'), method, spikingControls, this.spikingStatus, this.spikeMaps, this.accHost, this.accTable, this.dropoutNote, el('h3', {}, 'Rasters of one test point'), this.rasterCanvas, this.rasterText);

    const controls = el('div', { class: 'ann-controls' });
    controls.append(dataBox, netBox, trainBox);
    host.append(heading, intro, controls, actions, this.message, this.curveLine, body, cliBox, spikingBox);

    this.layers.addEventListener('change', () => this.showUnits());
    this.activation.addEventListener('change', () => {
      this.showUnits();
      this.drawActivation();
    });
    this.trainButton.addEventListener('click', () => void this.start('train'));
    this.resetButton.addEventListener('click', () => void this.start('reset'));
    this.stopButton.addEventListener('click', () => void stopAnn());
    this.spikingButton.addEventListener('click', () => void this.runSpiking());
    this.mapCanvas.addEventListener('click', (event) => this.pickPoint(event));
    this.showUnits();
    this.renderUnits();
    queueMicrotask(() => this.drawActivation());
    let lastWidth = 0;
    this.resize = new ResizeObserver(() => {
      // Only a change of width changes a drawing (a redraw changes the height: no loop).
      if (host.clientWidth === lastWidth) return;
      lastWidth = host.clientWidth;
      this.redraw();
    });
    this.resize.observe(host);
  }

  private showUnits(): void {
    const n = Number(this.layers.value);
    this.units.forEach((u, k) => (u.hidden = k >= n));
    this.neuronNoiseWrap.hidden = this.activation.value !== 'neuron';
  }

  private form(): AnnForm {
    return {
      dataset: this.dataset.value,
      points: this.points.value,
      dataNoise: this.dataNoise.value,
      testPercent: this.testPercent.value,
      seed: this.seed.value,
      layers: this.layers.value,
      units: this.units.map((u) => u.value),
      activation: this.activation.value,
      neuronNoiseMV: this.neuronNoise.value,
      learningRate: this.learningRate.value,
      batchSize: this.batchSize.value,
      l2: this.l2.value,
      dropout: this.dropout.value,
      epochs: this.epochs.value,
    };
  }

  private setState(state: State, text?: string): void {
    this.state = state;
    this.status.dataset.state = state;
    if (text !== undefined) this.status.textContent = text;
    const busy = state === 'training' || state === 'spiking';
    this.trainButton.disabled = busy;
    this.resetButton.disabled = busy;
    this.stopButton.disabled = !busy;
    this.spikingButton.disabled = busy || !this.report || this.report.epoch === 0;
  }

  private async start(kind: 'train' | 'reset'): Promise<void> {
    const models = this.options.models();
    const read = readAnnForm(this.form(), models[0] ?? null);
    this.message.textContent = '';
    if (!read.ok) {
      this.message.textContent = `${read.field}: ${read.message}`;
      return;
    }
    const request = read.value;
    const job = ++this.job;
    this.request = request;
    this.losses = { epoch: [], train: [], test: [] };
    this.report = null;
    this.clearSpiking();
    this.curveLine.textContent = typeof request.activation === 'string' ? '' : `Simulating the f-I curve of ${request.activation.neuron.population} (${request.activation.neuron.noiseSigmaMV} mV noise)…`;
    this.cli.textContent = cliLine(request);
    this.setState('training', kind === 'train' ? 'Starting…' : 'A fresh network…');
    const result = await startAnn((api, onUpdate) => (kind === 'train' ? api.train(request, onUpdate) : api.reset(request, onUpdate)), (u) => {
      if (job === this.job) this.update(u);
    });
    if (!result.ok && job === this.job) {
      this.message.textContent = `${result.error.field}: ${result.error.message}`;
      this.curveLine.textContent = '';
      this.setState('failed', 'Not started.');
    }
  }

  private async runSpiking(): Promise<void> {
    if (!this.data) return;
    const read = readSpikingForm({ neuronsPerUnit: this.neuronsPerUnit.value, windows: this.windows.value, rasterPoint: this.rasterPoint.value }, this.data.test.count);
    this.message.textContent = '';
    if (!read.ok) {
      this.message.textContent = `${read.field}: ${read.message}`;
      return;
    }
    const job = ++this.job;
    this.clearSpiking();
    this.spikingRequest = read.value;
    if (this.request) this.cli.textContent = cliLine(this.request, read.value);
    const cells = read.value.mapResolution ?? SPIKE_MAP_RESOLUTION;
    this.spikeDecisions = { resolution: cells, decisions: read.value.windowsMs.map(() => new Int8Array(cells * cells).fill(PENDING)) };
    this.buildSpikeMaps();
    this.setState('spiking', 'Running the spiking network…');
    this.spikingStatus.textContent = 'Converting the network and running the test points…';
    const result = await startAnn((api, onUpdate) => api.spiking(read.value, onUpdate), (u) => {
      if (job === this.job) this.update(u);
    });
    if (!result.ok && job === this.job) {
      this.message.textContent = `${result.error.field}: ${result.error.message}`;
      this.setState('trained', this.trainedText);
      this.spikingStatus.textContent = 'Not run: the network could not be converted (see the message above).';
      this.spikingStatus.dataset.state = 'refused';
    }
  }

  private update(u: AnnUpdate): void {
    switch (u.kind) {
      case 'curve':
        this.showCurve(u.curve);
        break;
      case 'data':
        this.data = u.data;
        this.map = { values: u.map, resolution: u.mapResolution };
        this.report = u.report;
        this.rasterPoint.max = String(u.data.test.count);
        this.drawMap();
        this.renderUnits();
        this.drawLoss();
        break;
      case 'epochs':
        for (let k = 0; k < u.epochs.length; k++) {
          this.losses.epoch.push(u.epochs[k]);
          this.losses.train.push(u.trainLoss[k]);
          this.losses.test.push(u.testLoss[k]);
        }
        this.report = u.last;
        this.map = { values: u.map, resolution: u.mapResolution };
        this.epochsPerSecond = u.epochsPerSecond;
        this.status.textContent = `Training: epoch ${u.last.epoch} of ${this.request?.epochs}, test accuracy ${percent(u.last.testAccuracy)}, ${u.epochsPerSecond.toFixed(0)} epochs/s`;
        this.drawMap();
        this.renderUnits();
        this.drawLoss();
        break;
      case 'trained': {
        const r = this.report;
        if (!r || !this.request) break;
        const text = u.epochs === 0
          ? 'A fresh network (epoch 0): press Train.'
          : `${u.stopped ? 'Stopped at' : 'Trained:'} epoch ${r.epoch}; train accuracy ${percent(r.trainAccuracy)}, test accuracy ${percent(r.testAccuracy)}; ${this.epochsPerSecond.toFixed(0)} epochs/s.`;
        this.trainedText = text;
        this.setState('trained', text);
        this.status.dataset.testAccuracy = String(r.testAccuracy);
        this.status.dataset.trainAccuracy = String(r.trainAccuracy);
        this.status.dataset.epochs = String(r.epoch);
        this.status.dataset.epochsPerSecond = this.epochsPerSecond.toPrecision(4);
        if (u.epochs > 0) {
          this.shown = annShown(this.request, r);
          this.options.onShown(this.shown);
        }
        break;
      }
      case 'spiking-progress':
        this.spikingStatus.textContent = u.phase === 'test' ? `Running the test points: ${percent(u.fraction, 0)}` : `Filling in the maps from spike counts: ${percent(u.fraction, 0)}`;
        break;
      case 'spiking-test':
        this.spiking = u.result;
        this.renderAccuracy();
        if (this.shown) {
          this.shown = { ...this.shown, spiking: { windowsMs: [...u.result.windowsMs], accuracy: Array.from(u.result.accuracy), annAccuracy: u.result.annAccuracy } };
          this.options.onShown(this.shown);
        }
        break;
      case 'spiking-map':
        if (this.spikeDecisions) u.decisions.forEach((d, w) => this.spikeDecisions!.decisions[w]?.set(d, u.start));
        this.drawSpikeMaps();
        break;
      case 'raster':
        this.raster = u.raster;
        this.drawRaster();
        break;
      case 'spiking-done':
        this.setState('spiking-done', this.trainedText);
        this.spikingStatus.textContent = 'Spiking run done.';
        this.spikingStatus.dataset.state = 'done';
        break;
      case 'cancelled':
        this.setState('trained', this.trainedText);
        this.spikingStatus.textContent = 'Spiking run stopped.';
        break;
      case 'failed':
        this.message.textContent = `The worker failed: ${u.error.message}`;
        this.setState('failed', 'Failed.');
        if (this.spikeDecisions) this.spikingStatus.dataset.state = 'failed';
        break;
    }
  }

  /** The activation in use against z: a function's formula, or the neuron's simulated points and the fit the units use. */
  private drawActivation(): void {
    const choice = this.activation.value;
    const curve = this.curve && choice === 'neuron' ? this.curve : null;
    const z = curve ? Array.from(curve.z) : Array.from({ length: 61 }, (_, k) => -2 + k * 0.1);
    let f: number[];
    let name: string;
    if (curve) {
      f = Array.from(curve.fitted);
      name = curve.name;
    } else if (choice === 'neuron') {
      this.activationText.textContent = 'This neuron\'s curve is simulated when you train.';
      return;
    } else {
      const unit = unitActivation(choice as ActivationId);
      f = z.map(unit.f);
      name = unit.name;
    }
    const data: uPlot.AlignedData = [z, f, curve ? Array.from(curve.rate) : z.map(() => null)];
    const width = Math.max(240, Math.min(520, (this.activationHost.parentElement?.clientWidth ?? 320) - 4));
    this.activationPlot?.destroy();
    this.activationPlot = new uPlot(
      {
        width,
        height: 140,
        scales: { x: { time: false } },
        axes: [{ label: 'unit input z', size: 36 }, { label: 'output', size: 44 }],
        series: [{ label: 'z' }, { label: curve ? 'fit the units use' : name, stroke: '#0072b2', width: 2 }, { label: 'simulated neuron', stroke: '#d55e00', width: 0, points: { show: true, size: 4, fill: '#d55e00' }, show: !!curve }],
        legend: { live: false, show: !!curve },
        cursor: { drag: { x: false, y: false } },
      },
      data,
      this.activationHost,
    );
    const at = (v: number) => f[Math.round((v - z[0]) / (z[1] - z[0]))];
    const [low, high] = [Number(z[0].toFixed(2)), Number(z[z.length - 1].toFixed(2))];
    this.activationText.textContent = `${name} from z = ${low} to ${high}: ${at(-1).toFixed(2)} at z = -1, ${at(0).toFixed(2)} at 0, ${at(1).toFixed(2)} at 1, ${at(high).toFixed(2)} at ${high}${curve ? ' (the neuron\'s rate over its rate at z = 4; its simulated points beside the fit)' : ''}.`;
  }

  private showCurve(c: CurveShown): void {
    this.curve = c;
    this.drawActivation();
    this.curveLine.textContent = `This neuron: ${c.name}, its f-I curve simulated and fitted by ${ACTIVATIONS[c.fitName as ActivationId]?.name ?? c.fitName} (RMSE ${c.rmseHz.toFixed(2)} Hz). Input z = 0 is its rheobase, ${c.currentAtZero.toPrecision(3)} ${c.unit}; one unit of z is ${c.currentPerUnit.toPrecision(3)} ${c.unit} more; output 1 is ${c.rateAtFourHz.toFixed(0)} Hz (the rate at z = 4). Backpropagation uses the fit's derivative.`;
  }

  private mapSize(): number {
    const width = this.root.clientWidth || 320;
    return Math.max(200, Math.min(300, width - 24));
  }

  /** Draw points on a map of `size` px: train filled with a white ring, test with a dark ring. */
  private drawPoints(c: CanvasRenderingContext2D, size: number, which: 'both' | 'test', highlight: number | null): void {
    const data = this.data;
    if (!data) return;
    const e = data.extent;
    const px = (x: number) => ((x + e) / (2 * e)) * size;
    const py = (y: number) => size - ((y + e) / (2 * e)) * size;
    const dot = (x: number, y: number, label: number, ring: string, r: number) => {
      c.beginPath();
      c.arc(px(x), py(y), r, 0, 2 * Math.PI);
      c.fillStyle = rgb(label === 1 ? CLASS_COLOURS.one : CLASS_COLOURS.zero);
      c.fill();
      c.lineWidth = 1;
      c.strokeStyle = ring;
      c.stroke();
    };
    const r = size < 150 ? 1.6 : 2.6;
    if (which === 'both') for (let k = 0; k < data.train.count; k++) dot(data.train.x[2 * k], data.train.x[2 * k + 1], data.train.labels[k], '#ffffff', r);
    for (let k = 0; k < data.test.count; k++) dot(data.test.x[2 * k], data.test.x[2 * k + 1], data.test.labels[k], '#222222', r);
    if (highlight !== null && highlight < data.test.count) {
      c.beginPath();
      c.arc(px(data.test.x[2 * highlight]), py(data.test.x[2 * highlight + 1]), r + 4, 0, 2 * Math.PI);
      c.lineWidth = 2;
      c.strokeStyle = '#000000';
      c.stroke();
    }
  }

  private drawMap(): void {
    const size = this.mapSize();
    const c = sizeCanvas(this.mapCanvas, size, size);
    c.fillStyle = '#ffffff';
    c.fillRect(0, 0, size, size);
    const m = this.map;
    if (m) drawCells(c, mapPixels(m.values, m.resolution, probabilityColour), m.resolution, size, true);
    this.drawPoints(c, size, 'both', this.raster ? this.raster.point : null);
    if (!m || !this.report) return;
    const shares = classShares(m.values, probabilityClass);
    const r = this.report;
    const text = `Decision map after epoch ${r.epoch}: the network says class 1 (blue) over ${percent(shares.one, 0)} of the square and class 0 (orange) over ${percent(shares.zero, 0)}. Train accuracy ${percent(r.trainAccuracy)}, test accuracy ${percent(r.testAccuracy)} (${this.data?.train.count} training points with white rings, ${this.data?.test.count} test points with dark rings).`;
    this.mapText.textContent = text;
    this.mapCanvas.setAttribute('aria-label', text);
    this.mapGrid.textContent = mapAsText(m.values, m.resolution, TEXT_CELLS, probabilityClass).join('\n');
  }

  private drawLoss(): void {
    const width = Math.max(240, Math.min(520, (this.lossHost.parentElement?.clientWidth ?? 320) - 4));
    const data: uPlot.AlignedData = [this.losses.epoch, this.losses.train, this.losses.test];
    if (!this.lossPlot) {
      this.lossPlot = new uPlot(
        {
          width,
          height: 170,
          scales: { x: { time: false }, y: { distr: 3 } },
          axes: [{ label: 'epoch', size: 36 }, { label: 'cross-entropy', size: 56 }],
          series: [{ label: 'epoch' }, { label: 'train loss', stroke: '#0072b2', width: 2 }, { label: 'test loss', stroke: '#d55e00', width: 2, dash: [6, 4] }],
          legend: { live: false },
          cursor: { drag: { x: false, y: false } },
        },
        data,
        this.lossHost,
      );
    } else {
      if (Math.abs(this.lossPlot.width - width) > 1) this.lossPlot.setSize({ width, height: 170 });
      this.lossPlot.setData(data);
    }
    const n = this.losses.epoch.length;
    this.lossText.textContent = n === 0
      ? 'No epochs yet.'
      : `Loss over ${n} epochs: train from ${this.losses.train[0].toPrecision(3)} to ${this.losses.train[n - 1].toPrecision(3)}, test from ${this.losses.test[0].toPrecision(3)} to ${this.losses.test[n - 1].toPrecision(3)}${this.losses.test[n - 1] > 2 * Math.min(...this.losses.test) ? ' (the test loss has risen from its lowest: overfitting; try L2 or dropout)' : ''}.`;
  }

  private renderUnits(): void {
    const r = this.report;
    const head = el('tr');
    head.append(el('th', { scope: 'col' }, 'layer'), el('th', { scope: 'col' }, 'units (✕ dead)'), el('th', { scope: 'col' }, 'gradient RMS (into it)'));
    const rows = [head];
    if (r) {
      const hidden = r.deadUnits.length;
      for (let l = 0; l <= hidden; l++) {
        const tr = el('tr');
        const units = el('td', { class: 'ann-unit-cells' });
        if (l < hidden) {
          const dead = r.deadUnits[l];
          let count = 0;
          for (let j = 0; j < dead.length; j++) {
            const cell = el('span', { class: dead[j] ? 'ann-unit dead' : 'ann-unit', title: dead[j] ? `unit ${j + 1}: dead (rate 0 on every training point)` : `unit ${j + 1}: active` }, dead[j] ? '✕' : '');
            count += dead[j];
            units.append(cell);
          }
          units.append(el('span', { class: 'ann-dead-count' }, count > 0 ? ` ${count} dead` : ''));
        } else units.append('output');
        const g = r.gradientRms[l] ?? 0;
        const bar = el('span', { class: 'ann-bar' });
        const fill = el('span', { class: 'ann-bar-fill' });
        fill.style.width = `${(100 * gradientBar(g)).toFixed(1)}%`;
        bar.append(fill);
        const gradient = el('td', { class: 'num' });
        gradient.append(bar, ` ${r.epoch > 0 ? g.toExponential(1) : '–'}`);
        tr.append(el('th', { scope: 'row' }, l < hidden ? `hidden ${l + 1}` : 'output'), units, gradient);
        rows.push(tr);
      }
    }
    this.unitsTable.replaceChildren(...rows);
    const dead = r ? r.deadUnits.reduce((n, layer) => n + layer.reduce((a, b) => a + b, 0), 0) : 0;
    const deadText = r && r.epoch > 0 && dead > 0 ? `${dead} dead unit${dead === 1 ? '' : 's'}: silent (rate 0) on every training point, so no gradient reaches their weights and they never learn again. ` : '';
    this.gradientLine.textContent = deadText + (r && r.epoch > 0 ? gradientSentence(r.gradientRms) : '');
  }

  private clearSpiking(): void {
    this.spiking = null;
    this.spikeDecisions = null;
    this.raster = null;
    this.spikingStatus.textContent = '';
    delete this.spikingStatus.dataset.state;
    this.spikeMaps.replaceChildren();
    this.accTable.replaceChildren();
    this.dropoutNote.textContent = '';
    this.rasterText.textContent = '';
    this.accPlot?.destroy();
    this.accPlot = null;
    this.rasterCanvas.width = 0;
    this.rasterCanvas.style.height = '0px';
    this.rasterCanvas.setAttribute('aria-label', 'Raster: no spiking run yet');
  }

  private buildSpikeMaps(): void {
    const windows = this.spikingRequest?.windowsMs ?? [];
    this.spikeMaps.replaceChildren(
      ...windows.map((w, k) => {
        const figure = el('figure', { class: 'ann-figure small' });
        const canvas = el('canvas', { id: `ann-spike-map-${k}`, role: 'img', 'aria-label': `Spiking decision map, ${w} ms window: not run yet` });
        figure.append(canvas, el('figcaption', { id: `ann-spike-map-text-${k}` }, `${w} ms`));
        return figure;
      }),
    );
    this.drawSpikeMaps();
  }

  private drawSpikeMaps(): void {
    const s = this.spikeDecisions;
    const windows = this.spikingRequest?.windowsMs ?? [];
    if (!s) return;
    const columns = this.root.clientWidth < 480 ? 2 : Math.min(4, windows.length);
    const size = Math.max(100, Math.min(180, Math.floor(((this.root.clientWidth || 320) - 16) / columns) - 12));
    windows.forEach((w, k) => {
      const canvas = this.spikeMaps.querySelector<HTMLCanvasElement>(`#ann-spike-map-${k}`);
      const caption = this.spikeMaps.querySelector<HTMLElement>(`#ann-spike-map-text-${k}`);
      if (!canvas || !caption) return;
      const c = sizeCanvas(canvas, size, size);
      drawCells(c, mapPixels(s.decisions[k], s.resolution, decisionColour), s.resolution, size, false);
      this.drawPoints(c, size, 'test', null);
      const shares = classShares(s.decisions[k], decisionClass);
      let pending = 0;
      for (const d of s.decisions[k]) if (d === PENDING) pending++;
      const accuracy = this.spiking ? ` · test ${percent(this.spiking.accuracy[k], 0)}` : '';
      caption.textContent = `${w} ms${accuracy}`;
      const grid = mapAsText(s.decisions[k], s.resolution, TEXT_CELLS, decisionClass).join(' / ');
      canvas.setAttribute('aria-label', `Spiking decision map counting spikes over ${w} ms: class 1 over ${percent(shares.one, 0)} of the grid, class 0 over ${percent(shares.zero, 0)}, ties ${percent(shares.other - pending / s.decisions[k].length, 0)}${pending > 0 ? `, ${pending} cells not run yet` : ''}. As a ${TEXT_CELLS} by ${TEXT_CELLS} grid, top row first: ${grid}`);
      canvas.dataset.pending = String(pending);
    });
  }

  private renderAccuracy(): void {
    const s = this.spiking;
    if (!s) return;
    const head = el('tr');
    head.append(el('th', { scope: 'col' }, 'window (ms)'), el('th', { scope: 'col' }, 'spiking test accuracy'), el('th', { scope: 'col' }, 'agrees with the ANN'), el('th', { scope: 'col' }, 'ANN test accuracy'));
    const rows = s.windowsMs.map((w, k) => {
      const tr = el('tr');
      tr.append(el('td', { class: 'num' }, String(w)), el('td', { class: 'num' }, percent(s.accuracy[k])), el('td', { class: 'num' }, percent(s.agreement[k])), el('td', { class: 'num' }, percent(s.annAccuracy)));
      return tr;
    });
    const caption = el('caption', {}, `Test points as spiking neurons: ${s.neuronsPerUnit} LIF neurons per unit, ${s.calibration.noiseSigmaMV} mV membrane noise, synapses of ${s.quantumMV.toPrecision(3)} mV; population rates follow the units' activations with correlation ${s.rateCorrelation.toFixed(3)}.`);
    this.accTable.replaceChildren(caption, head, ...rows);
    const width = Math.max(240, Math.min(520, (this.accHost.parentElement?.clientWidth ?? 320) - 4));
    const data: uPlot.AlignedData = [s.windowsMs, Array.from(s.accuracy, (a) => 100 * a), s.windowsMs.map(() => 100 * s.annAccuracy)];
    this.accPlot?.destroy();
    this.accPlot = new uPlot(
      {
        width,
        height: 160,
        scales: { x: { time: false, distr: 3 }, y: { range: [Math.min(45, ...Array.from(s.accuracy, (a) => 100 * a - 5)), 100] } },
        axes: [{ label: 'count window (ms)', size: 36 }, { label: 'accuracy (%)', size: 50 }],
        series: [{ label: 'window (ms)' }, { label: 'spiking', stroke: '#0072b2', width: 2, points: { show: true, size: 7 } }, { label: 'ANN', stroke: '#d55e00', width: 2, dash: [6, 4], points: { show: false } }],
        legend: { live: false },
        cursor: { drag: { x: false, y: false } },
      },
      data,
      this.accHost,
    );
    const dropout = this.request?.dropout ?? 0;
    const longest = s.windowsMs.length - 1;
    this.dropoutNote.textContent = `Spiking is stochastic: within a window each population's count is a random sample of its rate, so the network decides from a noisy part of its units' activity, as dropout trains a network to decide from a random part of its units. Stochastic spiking is the biological side of dropout${dropout > 0 ? ` (this network was trained with dropout ${dropout}, so it learned to tolerate such noise)` : ' (train with dropout to see whether short windows suffer less)'}. Longer windows average the noise away: ${percent(s.accuracy[0])} at ${s.windowsMs[0]} ms, ${percent(s.accuracy[longest])} at ${s.windowsMs[longest]} ms, against the ANN's ${percent(s.annAccuracy)}.`;
    this.drawSpikeMaps();
  }

  private drawRaster(): void {
    const r = this.raster;
    if (!r) return;
    const width = Math.max(240, Math.min(720, (this.root.clientWidth || 320) - 8));
    const labelWidth = 64;
    const gap = 6;
    const rowPx = (p: { size: number }) => Math.max(1, Math.min(2, Math.floor(240 / Math.max(p.size, 1))));
    const heights = r.populations.map((p) => Math.max(12, p.size * rowPx(p)));
    const height = heights.reduce((a, b) => a + b + gap, 0) + 22;
    const c = sizeCanvas(this.rasterCanvas, width, height);
    c.fillStyle = '#ffffff';
    c.fillRect(0, 0, width, height);
    const plotWidth = width - labelWidth - 8;
    const tx = (t: number) => labelWidth + (t / r.durationMs) * plotWidth;
    const tops: number[] = [];
    let y = 0;
    c.font = '11px system-ui, sans-serif';
    c.textBaseline = 'middle';
    r.populations.forEach((p, k) => {
      tops.push(y);
      c.fillStyle = '#f6f6f6';
      c.fillRect(labelWidth, y, plotWidth, heights[k]);
      c.fillStyle = '#333';
      c.fillText(p.name, 2, y + heights[k] / 2);
      y += heights[k] + gap;
    });
    const counts = r.populations.map(() => 0);
    for (let q = 0; q < r.neuron.length; q++) {
      const g = r.neuron[q];
      const k = r.populations.findIndex((p) => g >= p.offset && g < p.offset + p.size);
      if (k < 0) continue;
      counts[k]++;
      const p = r.populations[k];
      const name = p.name;
      c.fillStyle = name === 'class 1' ? rgb(CLASS_COLOURS.one) : name === 'class 0' ? rgb(CLASS_COLOURS.zero) : '#222222';
      const row = (g - p.offset) * (heights[k] / p.size);
      c.fillRect(tx(r.timeMs[q]) - 0.5, tops[k] + row, 1.5, Math.max(1, heights[k] / p.size));
    }
    c.fillStyle = '#444';
    c.textBaseline = 'top';
    c.textAlign = 'center';
    for (let q = 0; q <= 4; q++) {
      c.textAlign = q === 4 ? 'right' : q === 0 ? 'left' : 'center';
      c.fillText(`${Math.round((q * r.durationMs) / 4)}${q === 4 ? ' ms' : ''}`, tx((q * r.durationMs) / 4), y + 2);
    }
    c.textAlign = 'left';
    const seconds = r.durationMs / 1000;
    const text = `Spikes of test point ${r.point + 1} (x ${r.x.toFixed(2)}, y ${r.y.toFixed(2)}, class ${r.label}) over ${r.durationMs} ms, ${r.neuronsPerUnit} neurons per unit: ${r.populations.map((p, k) => `${p.name} ${counts[k]} spikes (${(counts[k] / p.size / seconds).toFixed(1)} Hz per neuron)`).join('; ')}. The class with more output spikes wins.`;
    this.rasterText.textContent = text;
    this.rasterCanvas.setAttribute('aria-label', text);
    this.drawMap();
  }

  /** A click (or tap) on the map picks the nearest test point for the rasters. */
  private pickPoint(event: MouseEvent): void {
    const data = this.data;
    if (!data || data.test.count === 0) return;
    const rect = this.mapCanvas.getBoundingClientRect();
    const e = data.extent;
    const x = -e + ((event.clientX - rect.left) / rect.width) * 2 * e;
    const y = e - ((event.clientY - rect.top) / rect.height) * 2 * e;
    let best = 0;
    let bestD = Infinity;
    for (let k = 0; k < data.test.count; k++) {
      const d = (data.test.x[2 * k] - x) ** 2 + (data.test.x[2 * k + 1] - y) ** 2;
      if (d < bestD) [best, bestD] = [k, d];
    }
    this.rasterPoint.value = String(best + 1);
    this.rasterPoint.focus();
  }

  private redraw(): void {
    if (this.map) this.drawMap();
    if (this.report) this.drawLoss();
    this.drawActivation();
    if (this.spikeDecisions) this.drawSpikeMaps();
    if (this.raster) this.drawRaster();
    if (this.accPlot && this.spiking) {
      const width = Math.max(240, Math.min(520, (this.accHost.parentElement?.clientWidth ?? 320) - 4));
      if (Math.abs(this.accPlot.width - width) > 1) this.accPlot.setSize({ width, height: 160 });
    }
  }

  /** The PNG of the decision map. */
  get canvas(): HTMLCanvasElement {
    return this.mapCanvas;
  }

  drawNow(): void {
    this.drawMap();
  }

  destroy(): void {
    this.resize.disconnect();
    this.lossPlot?.destroy();
    this.accPlot?.destroy();
    this.activationPlot?.destroy();
    void stopAnn();
  }
}
