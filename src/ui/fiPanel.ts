// The f-I panel: a sweep of the page's current model (in a worker of its own, so the live
// simulation keeps running), its points as they arrive, the theory curve, the seven fitted ANN
// activations on the same axes, raw or normalised, as rates or gains; hover for every curve's
// value; the fit table ranked best first; the sentence from the data; progress with time left,
// cancel; and the input noise (white or OU, sigma_V in mV) that softens the LIF threshold.
//
// Why a 2D canvas and not PixiJS here: this is a static line plot redrawn only when something
// changes, with dashes, error bars and text, which the 2D context draws natively (PixiJS v8's
// Graphics has no dashed strokes), and the page already holds four WebGL contexts (browsers cap
// them, ~16 in Chromium). The numbers all come from src/bridge through fiPlotData.ts; this file
// only lays out and draws.
import { proxy, wrap, type Remote } from 'comlink';
import type { ModelFile } from '../core/model/modelFile.js';
import type { FitResult } from '../bridge/fit.js';
import type { DescribeResult, NoiseType, PopulationRate, StartResult, SweepApi, SweepPlan, SweepRange, SweepUpdate } from '../../workers/sweepApi.js';
import { buildSeries, CURVE_STYLES, curveStyle, niceTicks, normalisation, axisMap, valuesAt, yRange, type AxesKind, type CurveId, type Quantity, type Series, type SweepData } from './fiPlotData.js';
import { fitTableRows, formatNumber, progressText } from './fiFormat.js';

/** One model the panel can sweep: a population of the page's scenario, with its parameters in force. */
export interface FiPanelModel {
  /** The population's name, shown when there are several. */
  population: string;
  /** A model id of models/ or a whole model file. */
  model: string | ModelFile;
  /** Parameter values in force (the page's current ones). */
  parameters: Record<string, number>;
}

/** A finished comparison, as the lessons check it (src/lessons/lesson.ts, Observation['fit']). */
export interface FiPanelFit {
  population: string;
  noiseSigmaMV: number;
  /** Activation names (FitResult.name: 'soft-LIF', 'sigmoid', ...), best (lowest RMSE) first. */
  ranking: string[];
}

export interface FiPanelOptions {
  /** Told of every sweep that finishes with its fits (the lessons panel checks them). */
  onFit?: (fit: FiPanelFit) => void;
  /** How to start the sweep worker (tests may pass their own). */
  createWorker?: () => Worker;
  /** Plot height in CSS pixels. */
  plotHeight?: number;
}

export interface FiPanel {
  /**
   * The page's models (one per population); the first is selected unless the selected one
   * remains. `network`: the scenario as the page runs it, when it is a network, so the panel can
   * also sweep the whole network's transfer function (mean rate against the external drive).
   */
  setModels(models: FiPanelModel[], network?: unknown): void;
  /** Start a sweep of the selected model with the panel's noise and range. */
  run(): Promise<void>;
  cancel(): Promise<void>;
  /** The plot, for a PNG export (PageHooks.panels); drawNow() brings it up to date first. */
  readonly canvas: HTMLCanvasElement;
  drawNow(): void;
  destroy(): void;
}

/** The sweep as the panel holds it: points not yet simulated are NaN. */
interface PanelData extends SweepData {
  currents: Float64Array;
  ratesHz: Float64Array;
  semHz: Float64Array;
  theoryHz: Float64Array | null;
  fits: FitResult[];
}

type Phase = 'idle' | 'simulating' | 'fitting' | 'done' | 'cancelled' | 'failed';

const STYLE_ID = 'fi-panel-style';
const CSS = `
.fi-panel { display: flex; flex-direction: column; gap: 6px; font-size: 13px; }
.fi-panel [hidden] { display: none !important; }
.fi-panel .fi-head { display: flex; align-items: baseline; gap: 12px; flex-wrap: wrap; }
.fi-panel h2 { font-size: 15px; margin: 0; }
.fi-panel .fi-model { color: var(--muted, #5a5a5a); }
.fi-panel .fi-controls { display: flex; align-items: center; gap: 10px; flex-wrap: wrap; }
.fi-panel .fi-controls label { color: var(--muted, #5a5a5a); display: inline-flex; align-items: center; gap: 4px; }
.fi-panel input[type='number'] { width: 64px; font: inherit; padding: 2px 4px; border: 1px solid #8a8a8a; border-radius: 4px; font-variant-numeric: tabular-nums; }
.fi-panel input[type='range'] { width: 110px; accent-color: #0072b2; }
.fi-panel select { font-size: 13px; padding: 2px 4px; }
.fi-panel button { font-size: 13px; padding: 4px 12px; }
.fi-panel .fi-progress { display: flex; align-items: center; gap: 10px; }
.fi-panel progress { width: 220px; height: 12px; accent-color: #0072b2; }
.fi-panel .fi-progress-text { font-variant-numeric: tabular-nums; color: var(--muted, #5a5a5a); min-width: 16ch; }
.fi-panel .fi-message { color: #7a2e00; }
.fi-panel .fi-message:empty { display: none; }
.fi-panel .fi-note { color: #0b3b5c; }
.fi-panel .fi-note:empty { display: none; }
.fi-panel .fi-body { display: flex; gap: 10px; align-items: flex-start; }
.fi-panel canvas { display: block; flex: none; cursor: crosshair; }
.fi-panel .fi-side { flex: 1 1 auto; min-width: 200px; display: flex; flex-direction: column; gap: 6px; }
.fi-panel .fi-view { display: flex; flex-direction: column; gap: 2px; }
.fi-panel .fi-view span { color: var(--muted, #5a5a5a); }
.fi-panel .fi-legend { list-style: none; margin: 0; padding: 0; font-variant-numeric: tabular-nums; }
.fi-panel .fi-legend li { display: grid; grid-template-columns: 18px 30px auto minmax(0, 1fr); align-items: center; gap: 4px; padding: 1px 0; }
.fi-panel .fi-legend li[hidden] { display: none; }
.fi-panel .fi-legend .fi-value { text-align: right; white-space: nowrap; }
.fi-panel .fi-at { color: var(--muted, #5a5a5a); min-height: 2.6em; font-size: 12px; font-variant-numeric: tabular-nums; }
.fi-panel .fi-sentence { margin: 2px 0; font-size: 14px; line-height: 1.4; max-width: 100ch; }
.fi-panel .fi-sentence:empty { display: none; }
.fi-panel table { border-collapse: collapse; font-variant-numeric: tabular-nums; width: 100%; }
.fi-panel th, .fi-panel td { text-align: left; padding: 2px 8px 2px 0; border-bottom: 1px solid #eee; vertical-align: top; }
.fi-panel th { color: var(--muted, #5a5a5a); font-weight: 600; }
.fi-panel td.num { text-align: right; white-space: nowrap; }
.fi-panel td.params { font-size: 12px; color: #333; }
.fi-panel td.formula { font-family: ui-monospace, 'DejaVu Sans Mono', monospace; font-size: 11px; max-width: 200px; overflow-wrap: anywhere; }
.fi-panel td.name { white-space: nowrap; }
`;

const MARGIN = { left: 62, right: 14, top: 12, bottom: 42 };
const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif';
const SIDE_WIDTH = 240;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attributes)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

/** A small picture of a curve's line (colour and dash), so the legend matches the plot. */
function swatch(id: CurveId): SVGSVGElement {
  const s = curveStyle(id);
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('width', '28');
  svg.setAttribute('height', '10');
  svg.setAttribute('aria-hidden', 'true');
  if (id === 'simulated') {
    const line = document.createElementNS(ns, 'line');
    Object.entries({ x1: '14', x2: '14', y1: '0', y2: '10', stroke: s.colour, 'stroke-width': '1.5' }).forEach(([k, v]) => line.setAttribute(k, v));
    const dot = document.createElementNS(ns, 'circle');
    Object.entries({ cx: '14', cy: '5', r: '3.5', fill: s.colour }).forEach(([k, v]) => dot.setAttribute(k, v));
    svg.append(line, dot);
  } else {
    const line = document.createElementNS(ns, 'line');
    Object.entries({ x1: '0', x2: '28', y1: '5', y2: '5', stroke: s.colour, 'stroke-width': String(Math.min(s.width, 4)), 'stroke-dasharray': s.dash.join(' ') }).forEach(([k, v]) => line.setAttribute(k, v));
    svg.append(line);
  }
  return svg;
}

function sameParameters(a: Record<string, number>, b: Record<string, number>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) if (a[k] !== b[k]) return false;
  return true;
}

function modelKey(m: FiPanelModel): string {
  return typeof m.model === 'string' ? m.model : `file:${m.model.id}`;
}

/** Mount the panel into the page's reserved slot (its placeholder text is replaced). */
export function mountFiPanel(slot: HTMLElement, options: FiPanelOptions = {}): FiPanel {
  if (!document.getElementById(STYLE_ID)) {
    const style = el('style', { id: STYLE_ID });
    style.textContent = CSS;
    document.head.append(style);
  }
  slot.replaceChildren();
  slot.classList.remove('slot');
  slot.classList.add('fi-panel');
  return new FiPanelView(slot, options);
}

class FiPanelView implements FiPanel {
  private worker: Worker | null = null;
  private api: Remote<SweepApi> | null = null;
  private models: FiPanelModel[] = [];
  /** An index into models, or the whole network. */
  private selected: number | 'network' = 0;
  private network: unknown = null;
  /** What the shown sweep is: one neuron's f-I curve, or the network's transfer function. */
  private sweptKind: 'neuron' | 'network' = 'neuron';
  private driveKind: 'poissonRateHz' | 'current' = 'current';
  /** Per point of a transfer function: each population's rate. */
  private populationRates: (PopulationRate[] | null)[] = [];
  private described: Extract<DescribeResult, { ok: true }> | null = null;
  private describing = 0;
  private rangeEdited = false;
  private lastModelKey = '';

  private plan: SweepPlan | null = null;
  private sweptModel: FiPanelModel | null = null;
  private data: PanelData | null = null;
  private explanation = '';
  private phase: Phase = 'idle';
  private fraction = 0;
  private remaining: number | null = null;
  private elapsedMs: number | undefined;
  private axes: AxesKind = 'raw';
  private quantity: Quantity = 'rate';
  private visible = new Set<CurveId>(CURVE_STYLES.map((s) => s.id));
  private hoverInput: number | null = null;
  private drawQueued = false;
  private noiseTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly createWorker: () => Worker;
  private readonly onFit: ((fit: FiPanelFit) => void) | undefined;

  private readonly ui: {
    model: HTMLElement;
    populationLabel: HTMLLabelElement;
    population: HTMLSelectElement;
    noiseLabel: HTMLLabelElement;
    noiseType: HTMLSelectElement;
    sigma: HTMLInputElement;
    sigmaValue: HTMLInputElement;
    sigmaLabel: HTMLLabelElement;
    tauLabel: HTMLLabelElement;
    tau: HTMLInputElement;
    driveLabel: HTMLLabelElement;
    drive: HTMLSelectElement;
    rangeLabel: HTMLLabelElement;
    from: HTMLInputElement;
    to: HTMLInputElement;
    step: HTMLInputElement;
    unit: HTMLElement;
    run: HTMLButtonElement;
    cancel: HTMLButtonElement;
    progress: HTMLProgressElement;
    progressText: HTMLElement;
    message: HTMLElement;
    note: HTMLElement;
    canvas: HTMLCanvasElement;
    at: HTMLElement;
    legend: HTMLUListElement;
    legendRows: Map<CurveId, { row: HTMLLIElement; box: HTMLInputElement; value: HTMLElement }>;
    sentence: HTMLElement;
    table: HTMLTableElement;
    tbody: HTMLTableSectionElement;
  };
  private width = 560;
  private readonly height: number;

  constructor(private readonly root: HTMLElement, options: FiPanelOptions) {
    this.createWorker = options.createWorker ?? (() => new Worker(new URL('../../workers/sweep.worker.ts', import.meta.url), { type: 'module' }));
    this.height = options.plotHeight ?? 340;
    this.onFit = options.onFit;
    root.setAttribute('aria-label', 'f-I curve and ANN activation functions');

    const head = el('div', { class: 'fi-head' });
    const model = el('span', { class: 'fi-model' });
    const populationLabel = el('label', {}, 'sweep ');
    const population = el('select', { id: 'fi-population', title: 'Which population\'s neuron to sweep, or the whole network' });
    populationLabel.append(population);
    populationLabel.hidden = true;
    head.append(el('h2', {}, 'f-I curve against ANN activation functions'), model, populationLabel);

    const controls = el('div', { class: 'fi-controls' });
    const noiseLabel = el('label', { for: 'fi-noise-type' }, 'input noise');
    const noiseType = el('select', { id: 'fi-noise-type', title: 'Noise added to the input current of every neuron in the sweep' });
    for (const [value, text] of [['none', 'none'], ['white', 'white'], ['ou', 'OU (coloured)']]) noiseType.append(el('option', { value }, text));
    const sigmaLabel = el('label', { title: 'Standard deviation of the membrane potential the noise would cause in the passive membrane (below threshold)' }, 'σV');
    const sigma = el('input', { type: 'range', id: 'fi-sigma-range', min: '0', max: '10', step: '0.5', value: '2', 'aria-label': 'noise sigma_V in mV (slider)' });
    const sigmaValue = el('input', { type: 'number', id: 'fi-sigma', min: '0', max: '50', step: '0.5', value: '2', 'aria-label': 'noise sigma_V in mV' });
    sigmaLabel.append(sigma, sigmaValue, 'mV');
    const tauLabel = el('label', { title: 'Correlation time of the Ornstein-Uhlenbeck noise' }, 'τ');
    const tau = el('input', { type: 'number', id: 'fi-tau', min: '0.1', max: '1000', step: '1', value: '5', 'aria-label': 'OU noise correlation time in ms' });
    tauLabel.append(tau, 'ms');
    const driveLabel = el('label', { title: 'What drives the network in its transfer function' }, 'drive');
    const drive = el('select', { id: 'fi-drive' });
    driveLabel.append(drive);
    driveLabel.hidden = true;
    const rangeLabel = el('label', { title: 'Input currents of the sweep, in the model\'s input unit' }, 'input from');
    const from = el('input', { type: 'number', id: 'fi-from', step: 'any', 'aria-label': 'sweep from' });
    const to = el('input', { type: 'number', id: 'fi-to', step: 'any', 'aria-label': 'sweep to' });
    const step = el('input', { type: 'number', id: 'fi-step', step: 'any', 'aria-label': 'sweep step' });
    const unit = el('span');
    rangeLabel.append(from, 'to', to, 'step', step, unit);
    const run = el('button', { type: 'button', id: 'fi-run', title: 'Sweep the input current and fit the activations' }, 'Run sweep');
    const cancel = el('button', { type: 'button', id: 'fi-cancel', class: 'secondary' }, 'Cancel');
    cancel.disabled = true;
    controls.append(noiseLabel, noiseType, sigmaLabel, tauLabel, driveLabel, rangeLabel, run, cancel);

    const progressRow = el('div', { class: 'fi-progress' });
    const progress = el('progress', { id: 'fi-progress', max: '1', value: '0', 'aria-label': 'sweep progress' });
    const progressText = el('span', { class: 'fi-progress-text', id: 'fi-progress-text', role: 'status', 'aria-live': 'polite' });
    const message = el('span', { class: 'fi-message', id: 'fi-message', role: 'alert' });
    const note = el('span', { class: 'fi-note', id: 'fi-note' });
    progressRow.append(progress, progressText, message, note);

    const body = el('div', { class: 'fi-body' });
    const canvas = el('canvas', { id: 'fi-canvas', role: 'img', 'aria-label': 'Firing rate against input current: simulated points, theory and fitted activation functions. Left and right arrows read every curve at one current after another.' });
    const side = el('div', { class: 'fi-side' });
    const viewBox = el('div', { class: 'fi-view' });
    const radios = (name: string, options: [string, string][], onChange: (value: string) => void) => {
      const row = el('div');
      for (const [value, text] of options) {
        const label = el('label');
        const input = el('input', { type: 'radio', name, value, id: `fi-${name}-${value}` });
        input.checked = value === options[0][0];
        input.addEventListener('change', () => input.checked && onChange(value));
        label.append(input, ` ${text} `);
        row.append(label);
      }
      return row;
    };
    viewBox.append(
      radios('quantity', [['rate', 'rate'], ['gain', 'gain (slope)']], (v) => ((this.quantity = v as Quantity), this.redraw())),
      radios('axes', [['raw', 'raw axes'], ['normalised', 'normalised']], (v) => ((this.axes = v as AxesKind), this.redraw())),
    );
    const at = el('div', { class: 'fi-at', id: 'fi-at' });
    const legend = el('ul', { class: 'fi-legend', id: 'fi-legend' });
    const legendRows = new Map<CurveId, { row: HTMLLIElement; box: HTMLInputElement; value: HTMLElement }>();
    for (const s of CURVE_STYLES) {
      const row = el('li', { 'data-curve': s.id });
      const box = el('input', { type: 'checkbox', id: `fi-show-${s.id}`, 'aria-label': `show ${s.label}` });
      box.checked = true;
      box.addEventListener('change', () => {
        if (box.checked) this.visible.add(s.id);
        else this.visible.delete(s.id);
        this.redraw();
      });
      const name = el('label', { for: box.id }, s.label);
      const value = el('span', { class: 'fi-value' });
      row.append(box, swatch(s.id), name, value);
      row.hidden = true;
      legendRows.set(s.id, { row, box, value });
      legend.append(row);
    }
    side.append(viewBox, at, legend);
    body.append(canvas, side);

    const sentence = el('p', { class: 'fi-sentence', id: 'fi-sentence', 'aria-live': 'polite' });
    const table = el('table', { id: 'fi-fits' });
    const thead = el('thead');
    const headRow = el('tr');
    for (const h of ['#', 'function', 'g(z)', 'fitted parameters (y = out scale · g(in scale · (I − shift)) + out shift)', 'RMSE', 'R²']) headRow.append(el('th', {}, h));
    thead.append(headRow);
    const tbody = el('tbody');
    table.append(thead, tbody);
    table.hidden = true;

    root.append(head, controls, progressRow, body, sentence, table);
    this.ui = { model, populationLabel, population, noiseLabel, noiseType, sigma, sigmaValue, sigmaLabel, tauLabel, tau, driveLabel, drive, rangeLabel, from, to, step, unit, run, cancel, progress, progressText, message, note, canvas, at, legend, legendRows, sentence, table, tbody };

    // Size the canvas to the slot: what is left beside the legend column.
    const available = Math.floor(root.clientWidth || 800) - SIDE_WIDTH - 30;
    this.width = Math.max(420, available);
    const dpr = Math.max(1, window.devicePixelRatio || 1);
    canvas.width = Math.round(this.width * dpr);
    canvas.height = Math.round(this.height * dpr);
    canvas.style.width = `${this.width}px`;
    canvas.style.height = `${this.height}px`;

    population.addEventListener('change', () => this.select(population.value === 'network' ? 'network' : Number(population.value)));
    drive.addEventListener('change', () => {
      this.driveKind = drive.value === 'poissonRateHz' ? 'poissonRateHz' : 'current';
      this.rangeEdited = false;
      this.showNetworkControls();
    });
    noiseType.addEventListener('change', () => this.noiseChanged());
    sigma.addEventListener('input', () => {
      sigmaValue.value = sigma.value;
      this.noiseChanged();
    });
    sigmaValue.addEventListener('change', () => {
      sigma.value = sigmaValue.value;
      this.noiseChanged();
    });
    tau.addEventListener('change', () => this.noiseChanged());
    for (const input of [from, to, step]) input.addEventListener('change', () => (this.rangeEdited = true));
    run.addEventListener('click', () => void this.run());
    cancel.addEventListener('click', () => void this.cancel());
    canvas.addEventListener('pointermove', (event) => this.hover(event));
    // Keyboard too: focus the plot and step the read-out along the sweep's currents.
    canvas.tabIndex = 0;
    canvas.addEventListener('keydown', (event) => {
      if (!this.data || (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight')) return;
      event.preventDefault();
      const currents = this.data.currents;
      const nearest = this.hoverInput === null ? -1 : currents.reduce((best, c, k) => (Math.abs(c - this.hoverInput!) < Math.abs(currents[best] - this.hoverInput!) ? k : best), 0);
      const next = nearest < 0 ? 0 : Math.min(currents.length - 1, Math.max(0, nearest + (event.key === 'ArrowRight' ? 1 : -1)));
      this.hoverInput = currents[next];
      this.redraw();
    });
    canvas.addEventListener('blur', () => {
      this.hoverInput = null;
      this.redraw();
    });
    canvas.addEventListener('pointerleave', () => {
      this.hoverInput = null;
      this.redraw();
    });
    this.showNoiseControls();
    this.updateProgress();
    this.redraw();
  }

  // --- the page tells the panel what it shows ---

  setModels(models: FiPanelModel[], network?: unknown): void {
    const previous = this.selected === 'network' ? null : this.models[this.selected];
    const wasNetwork = this.selected === 'network';
    this.models = models;
    this.network = network ?? null;
    const keep = previous ? models.findIndex((m) => m.population === previous.population && modelKey(m) === modelKey(previous)) : -1;
    const options = models.map((m, k) => el('option', { value: String(k) }, `${m.population} (${typeof m.model === 'string' ? m.model : m.model.id})`));
    if (this.network) options.push(el('option', { value: 'network' }, 'the whole network: transfer function'));
    this.ui.population.replaceChildren(...options);
    this.ui.populationLabel.hidden = options.length < 2;
    // Which drives the network has: the rate of its Poisson inputs, if any, and an added current.
    const stimuli = (this.network as { stimuli?: { type?: unknown }[] } | null)?.stimuli;
    const poisson = Array.isArray(stimuli) && stimuli.some((st) => st?.type === 'poissonInput' || st?.type === 'poisson');
    this.ui.drive.replaceChildren(...(poisson ? [el('option', { value: 'poissonRateHz' }, 'Poisson input rate')] : []), el('option', { value: 'current' }, 'current added to every neuron'));
    this.driveKind = poisson ? 'poissonRateHz' : 'current';
    this.ui.drive.value = this.driveKind;
    this.select(wasNetwork && this.network ? 'network' : keep >= 0 ? keep : 0);
  }

  private select(index: number | 'network'): void {
    this.selected = index;
    this.ui.population.value = String(index);
    this.showNetworkControls();
    if (index === 'network') {
      if (this.lastModelKey !== 'network') this.rangeEdited = false;
      this.lastModelKey = 'network';
      this.markStale();
      return;
    }
    const m = this.models[index];
    if (!m) return;
    if (modelKey(m) !== this.lastModelKey) this.rangeEdited = false;
    this.lastModelKey = modelKey(m);
    this.markStale();
    void this.describe();
  }

  private get current(): FiPanelModel | undefined {
    return this.selected === 'network' ? undefined : this.models[this.selected];
  }

  /** The network's transfer function has a drive instead of noise, and a range the worker picks unless given. */
  private showNetworkControls(): void {
    const network = this.selected === 'network';
    this.ui.driveLabel.hidden = !network;
    this.ui.noiseLabel.hidden = network;
    this.ui.noiseType.hidden = network;
    this.ui.rangeLabel.firstChild!.textContent = network ? 'drive from' : 'input from';
    if (network) {
      this.ui.sigmaLabel.hidden = true;
      this.ui.tauLabel.hidden = true;
      const name = (this.network as { name?: unknown } | null)?.name;
      this.ui.model.textContent = `${typeof name === 'string' ? name : 'The network'}: mean rate against the ${this.driveKind === 'poissonRateHz' ? 'rate of its Poisson inputs' : 'current added to every neuron'}, one run of the whole network per point`;
      this.ui.unit.textContent = this.driveKind === 'poissonRateHz' ? 'Hz' : (this.described?.unit ?? '');
      this.ui.message.textContent = '';
      if (!this.rangeEdited) {
        // Empty: the worker chooses (silence to twice the scenario's drive), and shows it when it starts.
        this.ui.from.value = '';
        this.ui.to.value = '';
        this.ui.step.value = '';
      }
    } else this.showNoiseControls();
  }

  /** Ask the worker about the selected model: its unit, whether noise applies, its default range. */
  private async describe(): Promise<void> {
    const m = this.current;
    if (!m) return;
    const ticket = ++this.describing;
    let result: DescribeResult;
    try {
      result = await this.sweepApi().describe(m.model, m.parameters, this.noise().sigmaMV);
    } catch (err) {
      this.workerFailed(err);
      return;
    }
    if (ticket !== this.describing || this.selected === 'network') return; // a newer question was asked meanwhile
    if (!result.ok) {
      this.described = null;
      this.ui.message.textContent = result.error.message;
      return;
    }
    this.described = result;
    this.ui.message.textContent = result.noDefaults ? `${result.modelName} has no default sweep: enter the input range (from, to, step in ${result.unit}).` : '';
    this.ui.model.textContent = `${result.modelName}: input ${result.inputSymbol} in ${result.unit}`;
    this.ui.unit.textContent = result.unit;
    if (!this.rangeEdited) {
      const d = result.defaults;
      this.ui.from.value = d ? String(d.fromInput) : '';
      this.ui.to.value = d ? String(d.toInput) : '';
      this.ui.step.value = d ? String(d.step) : '';
    }
    this.showNoiseControls();
    this.redraw(); // the axis label names the model's input and unit
  }

  /** A sweep on screen that no longer matches the page's model or parameters says so. */
  private markStale(): void {
    if (this.selected === 'network' || this.sweptKind === 'network') {
      this.ui.note.textContent = this.plan && this.sweptKind !== (this.selected === 'network' ? 'network' : 'neuron') ? 'The plot shows the other kind of sweep: run it again for this one.' : '';
      return;
    }
    const m = this.current;
    const swept = this.sweptModel;
    const stale = !!(swept && m && (modelKey(m) !== modelKey(swept) || m.population !== swept.population || !sameParameters(m.parameters, swept.parameters)));
    this.ui.note.textContent = stale ? 'The model or its parameters changed since this sweep: run it again to see them.' : '';
  }

  // --- noise ---

  private noise(): { type: NoiseType; sigmaMV: number; tauMs: number } {
    const kind = this.ui.noiseType.value;
    if (kind === 'none') return { type: 'white', sigmaMV: 0, tauMs: 0 };
    return { type: kind === 'ou' ? 'ou' : 'white', sigmaMV: Number(this.ui.sigmaValue.value), tauMs: Number(this.ui.tau.value) };
  }

  private showNoiseControls(): void {
    if (this.selected === 'network') return;
    const allowed = this.described?.noiseAllowed ?? true;
    this.ui.noiseType.disabled = !allowed;
    if (!allowed) this.ui.noiseType.value = 'none';
    this.ui.noiseType.title = allowed ? 'Noise added to the input current of every neuron in the sweep' : 'This model\'s file does not say how voltage noise enters it (no "noise" section)';
    this.ui.sigmaLabel.hidden = this.ui.noiseType.value === 'none';
    this.ui.tauLabel.hidden = this.ui.noiseType.value !== 'ou';
  }

  /** A change of noise sweeps again (after a short pause, so a dragged slider runs once). */
  private noiseChanged(): void {
    this.showNoiseControls();
    if (this.noiseTimer !== null) clearTimeout(this.noiseTimer);
    this.noiseTimer = setTimeout(() => {
      this.noiseTimer = null;
      // The default range and neurons per current depend on the noise too.
      void this.describe().then(() => {
        if (this.plan) void this.run();
      });
    }, 300);
  }

  // --- the worker ---

  private sweepApi(): Remote<SweepApi> {
    if (this.api) return this.api;
    const worker = this.createWorker();
    worker.addEventListener('error', (event) => {
      event.preventDefault();
      if (worker === this.worker) this.workerFailed(event.message || 'it could not run');
    });
    this.worker = worker;
    this.api = wrap<SweepApi>(worker);
    return this.api;
  }

  /** The worker died: forget it (the next run starts a new one) and say so. */
  private workerFailed(err: unknown): void {
    this.worker?.terminate();
    this.worker = null;
    this.api = null;
    if (this.phase === 'simulating' || this.phase === 'fitting') this.phase = 'failed';
    this.ui.message.textContent = `The sweep worker stopped (${err instanceof Error ? err.message : String(err)}); press Run sweep to start it again.`;
    this.updateProgress();
  }

  private readRange(): SweepRange | undefined {
    const values = [this.ui.from.value, this.ui.to.value, this.ui.step.value];
    if (values.every((v) => v === '')) return undefined;
    return { fromInput: Number(this.ui.from.value), toInput: Number(this.ui.to.value), step: Number(this.ui.step.value) };
  }

  async run(): Promise<void> {
    if (this.selected === 'network') return this.runTransfer();
    const m = this.current;
    if (!m) {
      this.ui.message.textContent = 'No model to sweep yet.';
      return;
    }
    const noise = this.noise();
    this.ui.message.textContent = '';
    if (this.noiseTimer !== null) {
      // This run already takes the new noise: no second run when the pause is over.
      clearTimeout(this.noiseTimer);
      this.noiseTimer = null;
      void this.describe();
    }
    const range = this.rangeEdited || !this.described?.defaults ? this.readRange() : undefined;
    const plan = await this.startInWorker((api, onUpdate) =>
      api.start({ model: m.model, parameters: m.parameters, noise: { type: noise.type, sigmaMV: noise.sigmaMV, ...(noise.type === 'ou' ? { tauMs: noise.tauMs } : {}) }, ...(range ? { range } : {}) }, onUpdate),
    );
    if (!plan) return;
    this.sweptModel = { ...m, parameters: { ...m.parameters } };
    this.begin(plan, 'neuron');
  }

  /** Ask the sweep worker to start; null, with the reason shown, if it did not. */
  private async startInWorker(start: (api: Remote<SweepApi>, onUpdate: (u: SweepUpdate) => void) => Promise<StartResult>): Promise<SweepPlan | null> {
    let started: StartResult;
    try {
      started = await start(this.sweepApi(), proxy((u: SweepUpdate) => this.update(u)));
    } catch (err) {
      this.workerFailed(err);
      return null;
    }
    if (!started.ok) {
      this.ui.message.textContent = started.error.message;
      return null;
    }
    return started.plan;
  }

  /** The whole network's transfer function: one run of it per drive value. */
  private async runTransfer(): Promise<void> {
    this.ui.message.textContent = '';
    const range = this.rangeEdited ? this.readRange() : undefined;
    const plan = await this.startInWorker((api, onUpdate) => api.startTransfer({ scenario: this.network, drive: this.driveKind, ...(range ? { range } : {}) }, onUpdate));
    if (!plan) return;
    this.sweptModel = null;
    if (!this.rangeEdited) {
      // Show the drive values the worker chose, so the student can change them.
      this.ui.from.value = String(plan.currents[0]);
      this.ui.to.value = String(plan.currents[plan.currents.length - 1]);
      this.ui.step.value = String(Number((plan.currents[1] - plan.currents[0]).toPrecision(6)));
    }
    this.ui.unit.textContent = plan.unit;
    this.begin(plan, 'network');
  }

  /** A sweep started: empty the plot, table and sentence for its points. */
  private begin(plan: SweepPlan, kind: 'neuron' | 'network'): void {
    this.plan = plan;
    this.sweptKind = kind;
    const n = plan.currents.length;
    this.populationRates = new Array(n).fill(null);
    this.data = { currents: Float64Array.from(plan.currents), ratesHz: new Float64Array(n).fill(NaN), semHz: new Float64Array(n), theoryHz: null, fits: [] };
    this.explanation = '';
    this.phase = 'simulating';
    this.fraction = 0;
    this.remaining = null;
    this.elapsedMs = undefined;
    this.ui.tbody.replaceChildren();
    this.ui.table.hidden = true;
    this.ui.sentence.textContent = '';
    this.markStale();
    this.updateProgress();
    this.redraw();
  }

  async cancel(): Promise<void> {
    if (this.phase !== 'simulating' && this.phase !== 'fitting') return;
    try {
      await this.api?.cancel();
    } catch (err) {
      this.workerFailed(err);
    }
  }

  private update(u: SweepUpdate): void {
    if (!this.plan || u.sweep !== this.plan.sweep || !this.data) return; // an older sweep's last words
    const data = this.data;
    switch (u.kind) {
      case 'points':
        if (u.populations) this.populationRates[u.startIndex] = u.populations;
        data.ratesHz.set(u.ratesHz, u.startIndex);
        data.semHz.set(u.semHz, u.startIndex);
        this.fraction = u.fraction;
        this.remaining = u.remainingMs;
        break;
      case 'progress':
        this.fraction = u.fraction;
        this.remaining = u.remainingMs;
        break;
      case 'fitting':
        this.phase = 'fitting';
        this.fraction = 1;
        break;
      case 'done':
        this.phase = 'done';
        this.fraction = 1;
        data.ratesHz.set(u.result.ratesHz);
        data.semHz.set(u.result.semHz);
        data.theoryHz = u.result.theoryHz;
        data.fits = u.result.fits;
        this.explanation = u.result.explanation.text;
        this.elapsedMs = u.result.elapsedMs;
        this.fillTable(u.result.fits);
        if (this.sweptKind === 'neuron' && this.sweptModel && this.onFit) {
          const ranked = [...u.result.fits].sort((a, b) => a.rmseHz - b.rmseHz);
          this.onFit({ population: this.sweptModel.population, noiseSigmaMV: this.plan.noise.sigmaMV, ranking: ranked.map((f) => f.name) });
        }
        break;
      case 'cancelled':
        this.phase = 'cancelled';
        break;
      case 'failed':
        this.phase = 'failed';
        this.ui.message.textContent = u.error.name === 'SimulationError' ? `The sweep stopped (numerical blow-up): ${u.error.message}` : `The sweep stopped: ${u.error.message}`;
        break;
    }
    this.updateProgress();
    this.redraw();
  }

  private updateProgress(): void {
    const running = this.phase === 'simulating' || this.phase === 'fitting';
    this.ui.progress.value = this.fraction;
    this.ui.progress.dataset.phase = this.phase;
    this.ui.progressText.textContent = this.phase === 'idle' ? 'Press Run sweep to measure the f-I curve.' : progressText(this.fraction, this.remaining, this.phase === 'simulating' ? 'simulating' : this.phase, this.elapsedMs);
    this.ui.cancel.disabled = !running;
    this.ui.sentence.textContent = this.explanation;
  }

  private fillTable(fits: FitResult[]): void {
    const unit = this.plan?.unit ?? '';
    const rows = fitTableRows(fits, unit);
    this.ui.tbody.replaceChildren(
      ...rows.map((r) => {
        const tr = el('tr', { 'data-fit': r.id });
        const name = el('td', { class: 'name' });
        name.append(swatch(r.id), ` ${r.name}`);
        tr.append(el('td', { class: 'num' }, String(r.rank)), name, el('td', { class: 'formula' }, r.formula), el('td', { class: 'params' }, r.parameters), el('td', { class: 'num' }, r.rmse), el('td', { class: 'num' }, r.rSquared));
        return tr;
      }),
    );
    this.ui.table.hidden = false;
  }

  get canvas(): HTMLCanvasElement {
    return this.ui.canvas;
  }

  drawNow(): void {
    this.draw();
  }

  // --- hover ---

  private hover(event: PointerEvent): void {
    if (!this.data) return;
    const rect = this.ui.canvas.getBoundingClientRect();
    const px = event.clientX - rect.left;
    const frame = this.frame();
    if (!frame || px < MARGIN.left || px > this.width - MARGIN.right) {
      this.hoverInput = null;
    } else {
      const x = frame.xLo + ((px - MARGIN.left) / (this.width - MARGIN.left - MARGIN.right)) * (frame.xHi - frame.xLo);
      this.hoverInput = axisMap(this.axes, normalisation(this.data)).input(x);
    }
    this.redraw();
  }

  // --- drawing ---

  /** Redraw once per animation frame however many updates arrive (coalesced behind a flag). */
  private redraw(): void {
    if (this.drawQueued) return;
    this.drawQueued = true;
    requestAnimationFrame(() => {
      this.drawQueued = false;
      this.draw();
    });
  }

  /** The x range on screen: the sweep's inputs on the chosen axes. */
  private frame(): { xLo: number; xHi: number } | null {
    if (!this.data || this.data.currents.length === 0) return null;
    const map = axisMap(this.axes, normalisation(this.data));
    const xs = Array.from(this.data.currents, map.x);
    return { xLo: Math.min(...xs), xHi: Math.max(...xs) };
  }

  private draw(): void {
    const ctx = this.ui.canvas.getContext('2d');
    if (!ctx) return;
    const dpr = this.ui.canvas.width / this.width;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, this.width, this.height);
    const left = MARGIN.left;
    const right = this.width - MARGIN.right;
    const top = MARGIN.top;
    const bottom = this.height - MARGIN.bottom;
    const unit = this.plan?.unit ?? this.described?.unit ?? '';
    const normalised = this.axes === 'normalised';
    const series = this.data ? buildSeries(this.data, this.axes, this.quantity, this.visible) : [];
    const frame = this.frame() ?? { xLo: 0, xHi: 1 };
    const [yLo, yHi] = series.length > 0 ? yRange(series, this.quantity) : [0, 1];
    const xt = niceTicks(frame.xLo, frame.xHi, 8);
    const yt = niceTicks(yLo, yHi, 6);
    const X = (x: number) => left + ((x - frame.xLo) / (frame.xHi - frame.xLo || 1)) * (right - left);
    const Y = (y: number) => bottom - ((y - yt.lo) / (yt.hi - yt.lo || 1)) * (bottom - top);

    // Grid and axes.
    ctx.font = `12px ${FONT}`;
    ctx.lineWidth = 1;
    ctx.setLineDash([]);
    ctx.strokeStyle = '#e8e8e8';
    ctx.fillStyle = '#2b2b2b';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    for (const v of xt.values) {
      if (v < frame.xLo - 1e-9 || v > frame.xHi + 1e-9) continue;
      ctx.beginPath();
      ctx.moveTo(Math.round(X(v)) + 0.5, top);
      ctx.lineTo(Math.round(X(v)) + 0.5, bottom);
      ctx.stroke();
      ctx.fillText(formatNumber(v, 4), X(v), bottom + 5);
    }
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (const v of yt.values) {
      ctx.beginPath();
      ctx.moveTo(left, Math.round(Y(v)) + 0.5);
      ctx.lineTo(right, Math.round(Y(v)) + 0.5);
      ctx.stroke();
      ctx.fillText(formatNumber(v, 4), left - 6, Y(v));
    }
    ctx.strokeStyle = '#555555';
    ctx.strokeRect(left + 0.5, top + 0.5, right - left, bottom - top);
    ctx.textAlign = 'center';
    ctx.textBaseline = 'bottom';
    const symbol = this.plan?.inputSymbol ?? this.described?.inputSymbol ?? 'I';
    const network = this.plan && this.sweptKind === 'network';
    const xName = network ? (unit === 'Hz' ? 'rate of the Poisson inputs' : 'current added to every neuron') : 'input current';
    ctx.fillText(normalised ? `normalised ${network ? 'drive' : 'input'} (${symbol} from −1 to 1 over the sweep)` : `${xName} ${symbol} (${unit})`, (left + right) / 2, this.height - 4);
    ctx.save();
    ctx.translate(14, (top + bottom) / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textBaseline = 'middle';
    const yLabel = this.quantity === 'rate' ? (normalised ? 'normalised rate (0 to 1)' : network ? 'mean firing rate (Hz)' : 'firing rate (Hz)') : normalised ? 'gain (normalised slope)' : `gain dr/d${symbol} (Hz per ${unit})`;
    ctx.fillText(yLabel, 0, 0);
    ctx.restore();

    // Curves, clipped to the plot: theory under the fits, simulated points on top.
    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top, right - left, bottom - top);
    ctx.clip();
    const order = (s: Series) => (s.id === 'theory' ? 0 : s.id === 'simulated' ? 2 : 1);
    for (const s of [...series].sort((a, b) => order(a) - order(b))) this.drawSeries(ctx, s, X, Y);
    if (this.hoverInput !== null && this.data) {
      const map = axisMap(this.axes, normalisation(this.data));
      const hx = X(map.x(this.hoverInput));
      ctx.setLineDash([]);
      ctx.strokeStyle = '#777777';
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.moveTo(Math.round(hx) + 0.5, top);
      ctx.lineTo(Math.round(hx) + 0.5, bottom);
      ctx.stroke();
    }
    ctx.restore();

    if (this.phase === 'idle' || !this.data) {
      ctx.fillStyle = '#5a5a5a';
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      ctx.font = `14px ${FONT}`;
      ctx.fillText('Run a sweep to see the neuron\'s firing rate against its input.', (left + right) / 2, (top + bottom) / 2);
    }
    this.updateLegend();
  }

  private drawSeries(ctx: CanvasRenderingContext2D, s: Series, X: (x: number) => number, Y: (y: number) => number): void {
    const style = curveStyle(s.id);
    ctx.strokeStyle = style.colour;
    ctx.fillStyle = style.colour;
    ctx.lineWidth = style.width;
    ctx.lineJoin = 'round';
    if (s.id === 'simulated') {
      ctx.setLineDash([]);
      for (let k = 0; k < s.x.length; k++) {
        if (!Number.isFinite(s.y[k])) continue;
        const x = X(s.x[k]);
        const y = Y(s.y[k]);
        const e = s.error?.[k] ?? 0;
        if (e > 0) {
          ctx.beginPath();
          ctx.moveTo(x, Y(s.y[k] - e));
          ctx.lineTo(x, Y(s.y[k] + e));
          ctx.stroke();
        }
        ctx.beginPath();
        ctx.arc(x, y, 2.6, 0, 2 * Math.PI);
        ctx.fill();
      }
      return;
    }
    ctx.setLineDash(style.dash);
    ctx.beginPath();
    let pen = false;
    for (let k = 0; k < s.x.length; k++) {
      const y = s.y[k];
      if (!Number.isFinite(y)) {
        pen = false;
        continue;
      }
      // Keep far-off values finite for the canvas (the clip hides them).
      const py = Math.max(-1e4, Math.min(1e4, Y(y)));
      if (pen) ctx.lineTo(X(s.x[k]), py);
      else ctx.moveTo(X(s.x[k]), py);
      pen = true;
    }
    ctx.stroke();
    ctx.setLineDash([]);
  }

  private updateLegend(): void {
    const data = this.data;
    const hasTheory = !!data?.theoryHz;
    const fitted = new Set(data?.fits.map((f) => f.id) ?? []);
    const values = data && this.hoverInput !== null ? valuesAt(data, this.axes, this.quantity, this.visible, this.hoverInput) : [];
    const unit = this.plan?.unit ?? '';
    const valueUnit = this.axes === 'normalised' ? '' : this.quantity === 'rate' ? ' Hz' : ` Hz/${unit}`;
    for (const s of CURVE_STYLES) {
      const entry = this.ui.legendRows.get(s.id)!;
      entry.row.hidden = !data || (s.id === 'theory' ? !hasTheory : s.id === 'simulated' ? false : !fitted.has(s.id));
      if (s.id === 'simulated') entry.row.querySelector('label')!.textContent = this.sweptKind === 'network' ? 'network mean' : 'simulated';
      const v = values.find((h) => h.id === s.id);
      if (!v || !Number.isFinite(v.value)) entry.value.textContent = v ? '–' : '';
      else entry.value.textContent = `${formatNumber(v.value, 3)}${v.error ? ` ± ${formatNumber(v.error, 2)}` : ''}${valueUnit}`;
    }
    const symbol = this.plan?.inputSymbol ?? 'I';
    // A measured point is shown as measured, at its own input, not interpolated.
    const nearest = values.find((h) => h.id === 'simulated')?.atInput;
    const point = nearest !== undefined && this.hoverInput !== null && Math.abs(nearest - this.hoverInput) > 1e-9 ? ` (the nearest point is at ${formatNumber(nearest, 4)} ${unit})` : '';
    // A network's point also says each population's rate.
    const k = nearest === undefined || !data ? -1 : Array.prototype.indexOf.call(data.currents, nearest);
    const pops = k >= 0 ? this.populationRates[k] : null;
    const perPopulation = pops ? `; ${pops.map((r) => `${r.population} ${formatNumber(r.rateHz, 3)} Hz`).join(', ')}` : '';
    this.ui.at.textContent = this.hoverInput !== null ? `at ${symbol} = ${formatNumber(this.hoverInput, 3)} ${unit}${point}${perPopulation}` : data ? 'Point at the plot to read every curve here.' : '';
  }

  destroy(): void {
    if (this.noiseTimer !== null) clearTimeout(this.noiseTimer);
    this.worker?.terminate();
    this.worker = null;
    this.api = null;
    this.root.replaceChildren();
  }
}
