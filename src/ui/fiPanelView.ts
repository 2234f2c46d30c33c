// The f-I panel's state (fiPanel.ts is its face): the models it may sweep, the one selected (or
// the whole network), what the sweep worker said about it, the sweep under way or shown and its
// phase. It composes the controls, the plot, the table and the sweep client, and passes each the
// values it shows.
import type { DescribeResult, PopulationRate, SweepPlan, SweepUpdate } from '../../workers/sweepApi.js';
import type { DriveKind } from '../bridge/populationTransfer.js';
import type { PanelTopics } from './panel.js';
import type { FiPanelModel } from './fiPanelModels.js';
import { progressText } from './fiFormat.js';
import { FiControls } from './fiControls.js';
import { FiPlot, SIDE_WIDTH, type PanelData } from './fiPlot.js';
import { FiTable } from './fiTable.js';
import { FiSweepClient } from './fiSweepClient.js';

export type { FiPanelModel };

/** A finished comparison, as the lessons check it (src/lessons/lesson.ts, Observation['fit']). */
export type FiPanelFit = PanelTopics['fit'];

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
  /** The plot, for a PNG export; drawNow() brings it up to date first. */
  readonly canvas: HTMLCanvasElement;
  drawNow(): void;
  destroy(): void;
}

type Phase = 'idle' | 'simulating' | 'fitting' | 'done' | 'cancelled' | 'failed';

function sameParameters(a: Record<string, number>, b: Record<string, number>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) if (a[k] !== b[k]) return false;
  return true;
}

function modelKey(m: FiPanelModel): string {
  return typeof m.model === 'string' ? m.model : `file:${m.model.id}`;
}

export class FiPanelView implements FiPanel {
  private readonly sweeps: FiSweepClient;
  private readonly controls: FiControls;
  private readonly plot: FiPlot;
  private readonly words = new FiTable();
  private models: FiPanelModel[] = [];
  /** An index into models, or the whole network. */
  private selected: number | 'network' = 0;
  private network: unknown = null;
  /** What the shown sweep is: one neuron's f-I curve, or the network's transfer function. */
  private sweptKind: 'neuron' | 'network' = 'neuron';
  private driveKind: DriveKind = 'current';
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
  /** The computed rheobase of the neuron swept, once its comparison is done. */
  private rheobaseInput: number | null = null;
  private phase: Phase = 'idle';
  private fraction = 0;
  private remaining: number | null = null;
  private elapsedMs: number | undefined;
  private noiseTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly onFit: ((fit: FiPanelFit) => void) | undefined;

  constructor(private readonly root: HTMLElement, options: FiPanelOptions) {
    this.onFit = options.onFit;
    this.sweeps = new FiSweepClient(options.createWorker ?? (() => new Worker(new URL('../../workers/sweep.worker.ts', import.meta.url), { type: 'module' })), (why) => this.workerFailed(why));
    root.setAttribute('aria-label', 'f-I curve and ANN activation functions');
    this.controls = new FiControls({
      population: (value) => this.select(value === 'network' ? 'network' : Number(value)),
      drive: (kind) => {
        this.driveKind = kind;
        this.rangeEdited = false;
        this.showNetworkControls();
      },
      noise: () => this.noiseChanged(),
      rangeEdited: () => (this.rangeEdited = true),
      run: () => void this.run(),
      cancel: () => void this.cancel(),
    });
    // Size the canvas to the slot: what is left beside the legend column, or (on a narrow
    // screen, where the legend goes under it) the slot's width.
    const slotWidth = Math.floor(root.clientWidth || 800);
    const width = slotWidth >= 420 + SIDE_WIDTH + 30 ? slotWidth - SIDE_WIDTH - 30 : Math.max(280, slotWidth - 20);
    this.plot = new FiPlot(() => this.plotSource(), width, options.plotHeight ?? 340);
    root.append(this.controls.head, this.controls.row, this.controls.progressRow, this.plot.element, this.words.sentence, this.words.table, this.words.equivalents, this.words.rheobase);
    this.controls.showNoise(true);
    this.updateProgress();
    this.plot.redraw();
  }

  private plotSource() {
    return {
      data: this.data,
      unit: this.plan?.unit ?? this.described?.unit ?? '',
      inputSymbol: this.plan?.inputSymbol ?? this.described?.inputSymbol ?? 'I',
      network: !!this.plan && this.sweptKind === 'network',
      populationRates: this.populationRates,
      idle: this.phase === 'idle',
      rheobaseInput: this.rheobaseInput,
    };
  }

  // --- the page tells the panel what it shows ---

  setModels(models: FiPanelModel[], network?: unknown): void {
    const previous = this.selected === 'network' ? null : this.models[this.selected];
    const wasNetwork = this.selected === 'network';
    this.models = models;
    this.network = network ?? null;
    const keep = previous ? models.findIndex((m) => m.population === previous.population && modelKey(m) === modelKey(previous)) : -1;
    const options = models.map((m, k) => ({ value: String(k), text: `${m.population} (${typeof m.model === 'string' ? m.model : m.model.id})` }));
    if (this.network) options.push({ value: 'network', text: 'the whole network: transfer function' });
    const next = wasNetwork && this.network ? 'network' : keep >= 0 ? keep : 0;
    this.controls.setPopulations(options, String(next));
    // Which drives the network has: the rate of its Poisson inputs, if any, and an added current.
    const stimuli = (this.network as { stimuli?: { type?: unknown }[] } | null)?.stimuli;
    this.driveKind = this.controls.setDrives(Array.isArray(stimuli) && stimuli.some((st) => st?.type === 'poissonInput' || st?.type === 'poisson'));
    this.select(next);
  }

  private select(index: number | 'network'): void {
    this.selected = index;
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
    this.controls.showNetwork(network);
    if (!network) return this.controls.showNoise(this.described?.noiseAllowed ?? true);
    const name = (this.network as { name?: unknown } | null)?.name;
    this.controls.model.textContent = `${typeof name === 'string' ? name : 'The network'}: mean rate against the ${this.driveKind === 'poissonRateHz' ? 'rate of its Poisson inputs' : 'current added to every neuron'}, one run of the whole network per point`;
    this.controls.unit.textContent = this.driveKind === 'poissonRateHz' ? 'Hz' : (this.described?.unit ?? '');
    this.controls.message.textContent = '';
    // Empty: the worker chooses (silence to twice the scenario's drive), and shows it when it starts.
    if (!this.rangeEdited) this.controls.setRange('', '', '');
  }

  /** Ask the worker about the selected model: its unit, whether noise applies, its default range. */
  private async describe(): Promise<void> {
    const m = this.current;
    if (!m) return;
    const ticket = ++this.describing;
    const result = await this.sweeps.describe(m.model, m.parameters, this.controls.noise().sigmaMV);
    if (!result || ticket !== this.describing || this.selected === 'network') return; // failed, or a newer question was asked meanwhile
    if (!result.ok) {
      this.described = null;
      this.controls.message.textContent = result.error.message;
      return;
    }
    this.described = result;
    this.controls.message.textContent = result.noDefaults ? `${result.modelName} has no default sweep: enter the input range (from, to, step in ${result.unit}).` : '';
    this.controls.model.textContent = `${result.modelName}: input ${result.inputSymbol} in ${result.unit}`;
    this.controls.unit.textContent = result.unit;
    const d = result.defaults;
    if (!this.rangeEdited) this.controls.setRange(d ? String(d.fromInput) : '', d ? String(d.toInput) : '', d ? String(d.step) : '');
    this.controls.showNoise(result.noiseAllowed);
    this.plot.redraw(); // the axis label names the model's input and unit
  }

  /** A sweep on screen that no longer matches the page's model or parameters says so. */
  private markStale(): void {
    if (this.selected === 'network' || this.sweptKind === 'network') {
      this.controls.note.textContent = this.plan && this.sweptKind !== (this.selected === 'network' ? 'network' : 'neuron') ? 'The plot shows the other kind of sweep: run it again for this one.' : '';
      return;
    }
    const m = this.current;
    const swept = this.sweptModel;
    const stale = !!(swept && m && (modelKey(m) !== modelKey(swept) || m.population !== swept.population || !sameParameters(m.parameters, swept.parameters)));
    this.controls.note.textContent = stale ? 'The model or its parameters changed since this sweep: run it again to see them.' : '';
  }

  /** A change of noise sweeps again (after a short pause, so a dragged slider runs once). */
  private noiseChanged(): void {
    if (this.selected !== 'network') this.controls.showNoise(this.described?.noiseAllowed ?? true);
    if (this.noiseTimer !== null) clearTimeout(this.noiseTimer);
    this.noiseTimer = setTimeout(() => {
      this.noiseTimer = null;
      // The default range and neurons per current depend on the noise too.
      void this.describe().then(() => {
        if (this.plan) void this.run();
      });
    }, 300);
  }

  /** The worker died: the next run starts a new one; say so. */
  private workerFailed(why: string): void {
    if (this.phase === 'simulating' || this.phase === 'fitting') this.phase = 'failed';
    this.controls.message.textContent = `The sweep worker stopped (${why}); press Run sweep to start it again.`;
    this.updateProgress();
  }

  async run(): Promise<void> {
    if (this.selected === 'network') return this.runTransfer();
    const m = this.current;
    if (!m) {
      this.controls.message.textContent = 'No model to sweep yet.';
      return;
    }
    const noise = this.controls.noise();
    this.controls.message.textContent = '';
    if (this.noiseTimer !== null) {
      // This run already takes the new noise: no second run when the pause is over.
      clearTimeout(this.noiseTimer);
      this.noiseTimer = null;
      void this.describe();
    }
    const range = this.rangeEdited || !this.described?.defaults ? this.controls.readRange() : undefined;
    const request = { model: m.model, parameters: m.parameters, noise: { type: noise.type, sigmaMV: noise.sigmaMV, ...(noise.type === 'ou' ? { tauMs: noise.tauMs } : {}) }, ...(range ? { range } : {}) };
    const plan = await this.sweeps.start(request, (u) => this.update(u));
    if (!this.started(plan)) return;
    this.sweptModel = { ...m, parameters: { ...m.parameters } };
    this.begin(plan, 'neuron');
  }

  /** A plan, or the refusal shown (a failed worker has said so already). */
  private started(plan: SweepPlan | string | null): plan is SweepPlan {
    if (typeof plan === 'string') this.controls.message.textContent = plan;
    return plan !== null && typeof plan !== 'string';
  }

  /** The whole network's transfer function: one run of it per drive value. */
  private async runTransfer(): Promise<void> {
    this.controls.message.textContent = '';
    const range = this.rangeEdited ? this.controls.readRange() : undefined;
    const plan = await this.sweeps.startTransfer({ scenario: this.network, drive: this.driveKind, ...(range ? { range } : {}) }, (u) => this.update(u));
    if (!this.started(plan)) return;
    this.sweptModel = null;
    // Show the drive values the worker chose, so the student can change them.
    if (!this.rangeEdited) this.controls.setRange(String(plan.currents[0]), String(plan.currents[plan.currents.length - 1]), String(Number((plan.currents[1] - plan.currents[0]).toPrecision(6))));
    this.controls.unit.textContent = plan.unit;
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
    this.rheobaseInput = null;
    this.phase = 'simulating';
    this.fraction = 0;
    this.remaining = null;
    this.elapsedMs = undefined;
    this.words.clear();
    this.markStale();
    this.updateProgress();
    this.plot.redraw();
  }

  async cancel(): Promise<void> {
    if (this.phase === 'simulating' || this.phase === 'fitting') await this.sweeps.cancel();
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
        // A network's transfer function has no rheobase.
        this.words.fill(u.result.fits, this.plan.unit, u.result.equivalents, u.result.rheobase ?? undefined);
        this.rheobaseInput = u.result.rheobase?.input ?? null;
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
        this.controls.message.textContent = u.error.name === 'SimulationError' ? `The sweep stopped (numerical blow-up): ${u.error.message}` : `The sweep stopped: ${u.error.message}`;
        break;
    }
    this.updateProgress();
    this.plot.redraw();
  }

  private updateProgress(): void {
    const running = this.phase === 'simulating' || this.phase === 'fitting';
    const text = this.phase === 'idle' ? 'Press Run sweep to measure the f-I curve.' : progressText(this.fraction, this.remaining, this.phase === 'simulating' ? 'simulating' : this.phase, this.elapsedMs);
    this.controls.showProgress(this.fraction, this.phase, text, running);
    this.words.say(this.explanation);
  }

  get canvas(): HTMLCanvasElement {
    return this.plot.canvas;
  }

  drawNow(): void {
    this.plot.draw();
  }

  destroy(): void {
    if (this.noiseTimer !== null) clearTimeout(this.noiseTimer);
    this.sweeps.destroy();
    this.root.replaceChildren();
  }
}
