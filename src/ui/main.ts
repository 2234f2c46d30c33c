// The page: a preset selector, transport (play, pause, step, reset, speed), parameter controls
// from the worker's parameter tables, a "poke" button, the live spike raster and the traces.
// The worker simulates and paces itself; every animation frame this file takes what it made
// (one request in flight at a time, so the page never waits on it) and hands it to the
// renderers, which only draw. If the worker dies, a new one is started with the last good
// scenario and the student's settings, and the page says so.
import { wrap, type Remote } from 'comlink';
import { DEFAULT_PRESET, preset } from '../scenario/presets.js';
import type { Batch, LoadResult, PopulationSummary, RunState, ScenarioSummary, SimulationApi, TraceSummary } from '../../workers/simulationApi.js';
import type { Frame, RunStats } from '../core/simulation.js';
import { SERIES_COLOURS, TracePlot, type TraceLayout } from './tracePlot.js';
import { RasterPanel, populationColour, type RasterHover } from './rasterPanel.js';
import { NumberField, formatValue } from './numberField.js';
// Issue 5: the f-I curve against the ANN activations, swept in a worker of its own.
import { mountFiPanel, type FiPanel } from './fiPanel.js';
import { fiPanelModels } from './fiPanelModels.js';

// Issue 6: sharing by link, export and import, lessons, the equation editor (their own modules).
import { mountStudentTools, type StudentTools } from './studentTools.js';
import { pageOfView, readHashOnLoad, speedLabel, viewOfPage, type PageView } from './shareLink.js';
import type { OpenResult } from './pageHooks.js';
import type { ViewSpec } from '../scenario/scenario.js';
import { LONG_RUN_DECLINED, confirmLongRun } from './longRun.js';

/** The presets the page offers, in the order a student meets them. */
const PAGE_PRESETS = ['single-lif', 'single-hh', 'lif-vs-hh', 'cuba', 'cobahh', 'brunel-j0.25'] as const;

/** Speeds offered: simulated ms per wall-clock ms; null is "as fast as the worker can go". */
const SPEEDS: { label: string; value: number | null }[] = [
  { label: '0.1× real time', value: 0.1 },
  { label: '0.25× real time', value: 0.25 },
  { label: '0.5× real time', value: 0.5 },
  { label: '1× real time', value: 1 },
  { label: '2× real time', value: 2 },
  { label: '5× real time', value: 5 },
  { label: '10× real time', value: 10 },
  { label: 'as fast as possible', value: null },
];
const DEFAULT_SPEED = 0.25;
/** Raster windows offered (ms of simulated time across the raster). */
const RASTER_WINDOWS_MS = [500, 1000, 2000, 5000, 10000];
const DEFAULT_RASTER_WINDOW_MS = 1000;
/** One press of "step" advances this much simulated time. */
const STEP_MS = 1;
/** The firing rate in the status line counts spikes over this much recent simulated time. */
const RECENT_MS = 200;
/** Crashes in a row (with no good frame between) after which the page stops restarting the worker. */
const MAX_RESTARTS = 3;
/**
 * A worker that has not answered a take() for this long is taken for dead (a worker that closes
 * or is killed raises no event). It answers between chunks of ~12 ms, so seconds mean it is gone.
 */
const UNRESPONSIVE_MS = 5000;

const PLOT_HEIGHT = { alone: 380, withView: 250, view: 170, network: 180 };
const RASTER_HEIGHT = 240;

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page has no element #${id}`);
  return found as T;
}

const ui = {
  preset: element<HTMLSelectElement>('preset'),
  title: element<HTMLElement>('scenario-name'),
  description: element<HTMLElement>('scenario-description'),
  status: element<HTMLElement>('status'),
  simTime: element<HTMLElement>('sim-time'),
  rtFactor: element<HTMLElement>('rt-factor'),
  spikeRate: element<HTMLElement>('spike-rate'),
  frameTime: element<HTMLElement>('frame-time'),
  error: element<HTMLElement>('error'),
  notice: element<HTMLElement>('notice'),
  rasterSection: element<HTMLElement>('raster-section'),
  rasterHost: element<HTMLElement>('raster'),
  rasterHover: element<HTMLElement>('raster-hover'),
  rasterLegend: element<HTMLElement>('raster-legend'),
  rasterWindow: element<HTMLSelectElement>('raster-window'),
  plotHost: element<HTMLElement>('plot'),
  gatesHost: element<HTMLElement>('gates-plot'),
  currentsHost: element<HTMLElement>('currents-plot'),
  hhView: element<HTMLElement>('hh-view'),
  showGates: element<HTMLInputElement>('show-gates'),
  showCurrents: element<HTMLInputElement>('show-currents'),
  spikeCount: element<HTMLElement>('spike-count'),
  rate: element<HTMLElement>('rate'),
  rateLabel: element<HTMLElement>('rate-label'),
  simulated: element<HTMLElement>('simulated'),
  playPause: element<HTMLButtonElement>('play-pause'),
  step: element<HTMLButtonElement>('step'),
  reset: element<HTMLButtonElement>('reset'),
  speed: element<HTMLSelectElement>('speed'),
  parameters: element<HTMLElement>('parameters'),
  stimulus: element<HTMLElement>('stimulus'),
  inputHeading: element<HTMLElement>('input-heading'),
  poke: element<HTMLButtonElement>('poke'),
};

type PageState = RunState | 'loading';

function setStatus(text: string, state: PageState): void {
  ui.status.textContent = text;
  ui.status.dataset.state = state;
}

/** Show an error on the page (never a blank page, never only in the console). */
function showError(title: string, detail: string): void {
  ui.error.hidden = false;
  ui.error.replaceChildren();
  const heading = document.createElement('strong');
  heading.textContent = title;
  const message = document.createElement('span');
  message.textContent = detail;
  ui.error.append(heading, message);
  setStatus('Stopped: see the message below.', 'failed');
}

function clearError(): void {
  ui.error.hidden = true;
  ui.error.replaceChildren();
}

/** Warnings about a run that still goes on (a time step too coarse for the model), in the message area. */
function showWarnings(warnings: ScenarioSummary['warnings']): void {
  if (warnings.length === 0) return;
  const heading = document.createElement('strong');
  heading.textContent = 'Warning:';
  const message = document.createElement('span');
  message.textContent = warnings.map((w) => `${w.field}: ${w.message}.`).join(' ');
  ui.error.hidden = false;
  ui.error.replaceChildren(heading, message);
}

function describeError(err: unknown): { title: string; detail: string } {
  if (err instanceof Error || (typeof err === 'object' && err !== null && 'name' in err && 'message' in err)) {
    const { name, message } = err as { name: string; message: string };
    // comlink re-creates errors thrown in the worker with their name and message.
    if (name === 'SimulationError') return { title: 'The simulation stopped (numerical blow-up):', detail: message };
    if (name === 'InputError') return { title: 'Invalid input:', detail: message };
    return { title: `Something went wrong (${name}):`, detail: message };
  }
  return { title: 'Something went wrong:', detail: String(err) };
}

window.addEventListener('error', (event) => {
  const { title, detail } = describeError(event.error ?? event.message);
  showError(title, detail);
});
window.addEventListener('unhandledrejection', (event) => {
  const { title, detail } = describeError(event.reason);
  showError(title, detail);
});

function formatRate(hz: number): string {
  return `${hz.toFixed(1)} Hz`;
}

/** The parts of a scenario the page reads or fills in (the worker validates the whole). */
interface ScenarioShape {
  name?: string;
  populations: { name: string; size: number }[];
  record?: { traces?: { population: string; variable: string; neurons: number[] }[]; traceEveryMs?: number };
}

function isScenarioShape(x: unknown): x is ScenarioShape {
  const s = x as ScenarioShape | null;
  return !!s && typeof s === 'object' && Array.isArray(s.populations);
}

/**
 * A network preset that records no traces gets the membrane potential of its populations' first
 * neurons traced, so the page can show a few neurons next to the raster. The variable is "v",
 * the one every model here names its membrane potential; the worker refuses it otherwise.
 */
function withTraces(raw: unknown): unknown {
  if (!isScenarioShape(raw) || (raw.record?.traces?.length ?? 0) > 0) return raw;
  const record = (raw.record ??= {});
  record.traces = raw.populations.map((p) => ({ population: p.name, variable: 'v', neurons: [0] }));
  return raw;
}

/** Where each trace goes: the membrane plot, or the HH view (gates, or currents). */
function traceGroups(summary: ScenarioSummary): { membrane: TraceSummary[]; gates: TraceSummary[]; currents: TraceSummary[] } {
  return {
    membrane: summary.traces.filter((t) => t.kind === 'state' && t.variable === 'v'),
    gates: summary.traces.filter((t) => t.kind === 'state' && t.unit === '1'),
    currents: summary.traces.filter((t) => t.kind === 'current'),
  };
}

function isNetwork(summary: ScenarioSummary): boolean {
  // A raster is worth showing when there are neurons the traces do not show.
  const neurons = summary.populations.reduce((a, p) => a + p.size, 0);
  const traced = new Set(summary.traces.map((t) => `${t.population}/${t.neuron}`)).size;
  return neurons > traced;
}

function seriesLabel(summary: ScenarioSummary, t: TraceSummary, withVariable: boolean): string {
  const pop = summary.populations.find((p) => p.name === t.population)!;
  const who = summary.populations.length > 1 ? (pop.size > 1 ? `${t.population} #${t.neuron}` : t.population) : pop.size > 1 ? `#${t.neuron}` : '';
  return [who, withVariable ? t.variable : ''].filter(Boolean).join(' ');
}

/** A trace summary's identity in a frame. */
function sameTrace(a: { population: string; variable: string; neuron: number }, b: { population: string; variable: string; neuron: number }): boolean {
  return a.population === b.population && a.variable === b.variable && a.neuron === b.neuron;
}

class App {
  private worker: Worker | null = null;
  private api: Remote<SimulationApi> | null = null;
  private base: unknown = null;
  private summary: ScenarioSummary | null = null;
  /** The run the page is showing (batches of any other are stale). */
  private run = -1;
  private state: PageState = 'loading';
  /** Settings the worker accepted, kept here too so a restarted worker gets them back. */
  private settings = { parameters: {} as Record<string, Record<string, number>>, steps: new Map<number, number>(), sizes: new Map<string, number>(), speed: DEFAULT_SPEED as number | null };
  private pokeAmplitudes = new Map<string, number>();
  private poking = false;
  private busy = 0;
  private taking = false;
  private takeSentAt = 0;
  private restarts = 0;
  private timeMs = 0;
  private recent: { startMs: number; endMs: number; spikes: number }[] = [];
  private pace: { wall: number; sim: number }[] = [];
  private frameIntervals: number[] = [];
  private drawTimes: number[] = [];
  private lastFrameAt = 0;
  private rasterWindowMs = DEFAULT_RASTER_WINDOW_MS;
  /** Per drawn series: which trace of a frame feeds it, and the global neuron whose spikes it marks. */
  private membraneSeries: { trace: TraceSummary; neuron: number }[] = [];
  /** The HH view: gates and ionic currents, each fed always and drawn while shown. */
  private views: { plot: TracePlot; host: HTMLElement; toggle: HTMLInputElement; series: TraceSummary[] }[];
  /** Commands sent to the worker; a batch asked for before the latest one may show a stale state. */
  private commands = 0;

  constructor(private readonly plot: TracePlot, gatesPlot: TracePlot, currentsPlot: TracePlot, private readonly raster: RasterPanel) {
    this.views = [
      { plot: gatesPlot, host: ui.gatesHost, toggle: ui.showGates, series: [] },
      { plot: currentsPlot, host: ui.currentsHost, toggle: ui.showCurrents, series: [] },
    ];
  }

  /** Load a preset afresh (the student's values are forgotten) and start it. */
  async choose(key: string): Promise<void> {
    ui.notice.hidden = true; // a restart notice belongs to the scenario it restarted
    this.base = withTraces(preset(key));
    this.settings = { parameters: {}, steps: new Map(), sizes: new Map(), speed: this.settings.speed };
    this.pokeAmplitudes = new Map();
    await this.load(true);
  }

  /** The base scenario with every accepted change written in (what a restarted worker loads). */
  private scenarioToLoad(): unknown {
    const raw = structuredClone(this.base) as { populations: { name: string; size: number; parameters?: Record<string, number> }[]; stimuli?: { amplitude?: number }[] };
    if (!isScenarioShape(raw)) return raw;
    for (const p of raw.populations) {
      const chosen = this.settings.parameters[p.name];
      if (chosen) p.parameters = { ...(p.parameters ?? {}), ...chosen };
      const size = this.settings.sizes.get(p.name);
      if (size !== undefined) p.size = size;
    }
    for (const [index, amplitude] of this.settings.steps) if (raw.stimuli?.[index]) raw.stimuli[index].amplitude = amplitude;
    return raw;
  }

  private async load(autoplay: boolean): Promise<boolean> {
    const api = this.api!;
    if (!confirmLongRun(this.scenarioToLoad())) {
      showError('The scenario was not started:', LONG_RUN_DECLINED);
      return false;
    }
    clearError();
    this.setState('loading');
    this.busy++;
    this.commands++;
    let result: LoadResult;
    try {
      result = await api.load(this.scenarioToLoad());
      if (result.ok) {
        await api.setSpeed(this.settings.speed);
        if (autoplay) await api.play();
      }
    } finally {
      this.busy--;
    }
    if (!result.ok) {
      this.plot.clear();
      this.summary = null;
      this.setState('failed');
      showError('The scenario was refused:', result.error.message);
      return false;
    }
    this.begin(result.summary, result.run, autoplay ? 'running' : 'paused');
    this.buildControls();
    return true;
  }

  /** Start the page's displays for a new run. */
  private begin(summary: ScenarioSummary, run: number, state: RunState): void {
    this.summary = summary;
    this.run = run;
    this.timeMs = 0;
    this.recent = [];
    this.pace = [{ wall: performance.now(), sim: 0 }];
    ui.title.textContent = summary.name;
    ui.description.textContent = summary.description;
    ui.spikeCount.textContent = '0';
    ui.rate.textContent = formatRate(0);
    ui.simulated.textContent = `0 / ${summary.durationMs} ms`;
    this.layoutDisplays();
    this.setState(state);
    showWarnings(summary.warnings);
    this.tools?.loaded(summary, run);
    this.tellFiPanel();
  }

  /** The f-I panel (mounted by start()): it sweeps what the page runs. */
  fiPanel: FiPanel | null = null;

  /** Each population's model with its parameters in force, and a network whole (its transfer function). */
  private tellFiPanel(): void {
    if (!this.summary) return;
    this.fiPanel?.setModels(fiPanelModels(this.summary.populations, this.base, this.settings.parameters), isNetwork(this.summary) ? this.scenarioToLoad() : undefined);
  }

  private layoutDisplays(): void {
    const summary = this.summary!;
    const network = isNetwork(summary);
    const groups = traceGroups(summary);
    this.views[0].series = groups.gates;
    this.views[1].series = groups.currents;
    ui.hhView.hidden = groups.gates.length === 0 && groups.currents.length === 0;
    for (const view of this.views) view.toggle.parentElement!.hidden = view.series.length === 0;

    ui.rasterSection.hidden = !network;
    if (network) {
      this.raster.reset(summary.populations, this.rasterWindowMs);
      this.raster.render();
      ui.rasterLegend.replaceChildren(
        ...summary.populations.map((p, k) => {
          const item = document.createElement('span');
          const key = document.createElement('span');
          key.className = 'key dot';
          key.style.background = `#${populationColour(summary.populations, k).toString(16).padStart(6, '0')}`;
          item.append(key, `${p.name}${p.role ? ` (${p.role})` : ''}: ${p.size} neurons`);
          return item;
        }),
      );
      ui.rasterHover.textContent = hoverText(null);
    }

    // The membrane plot: one series per traced neuron's v, its threshold(s), its spikes.
    this.membraneSeries = groups.membrane.map((trace) => ({ trace, neuron: summary.populations.find((p) => p.name === trace.population)!.offset + trace.neuron }));
    const colourOf = (t: TraceSummary, k: number): number => {
      if (!network) return SERIES_COLOURS[k % SERIES_COLOURS.length];
      const index = summary.populations.findIndex((p) => p.name === t.population);
      return populationColour(summary.populations, index);
    };
    const thresholds: { name: string; level: number }[] = [];
    for (const t of groups.membrane) {
      if (!t.threshold || thresholds.some((x) => x.level === t.threshold!.level)) continue;
      thresholds.push({ name: summary.populations.length > 1 && !network ? `${t.threshold.name} (${t.population})` : t.threshold.name, level: t.threshold.level });
    }
    const first = groups.membrane[0];
    const layout: TraceLayout = {
      durationMs: summary.durationMs,
      height: this.membraneHeight(),
      label: first ? `${first.meaning} ${first.variable}`.trim() : 'no trace recorded',
      unit: first?.unit ?? '',
      series: groups.membrane.map((t, k) => ({ label: seriesLabel(summary, t, false) || t.variable, colour: colourOf(t, k) })),
      thresholds,
      spikes: true,
    };
    this.plot.reset(layout);
    this.plot.render();

    const colours: Record<string, number> = { m: 0xe69f00, h: 0x56b4e9, n: 0xcc79a7, I_Na: 0xd55e00, I_K: 0x0072b2, I_L: 0x777777 };
    this.views.forEach((view, v) => {
      const gates = v === 0;
      const many = new Set(view.series.map((t) => `${t.population}/${t.neuron}`)).size > 1 || summary.populations.length > 1;
      view.plot.reset({
        durationMs: summary.durationMs,
        height: PLOT_HEIGHT.view,
        label: gates ? 'gate' : 'ionic current',
        unit: gates ? 'open fraction' : view.series[0]?.unit ?? '',
        series: view.series.map((t, k) => ({ label: `${many ? `${t.population} ` : ''}${t.variable}${gates ? ` (${t.meaning})` : ''}`, colour: colours[t.variable] ?? SERIES_COLOURS[k % SERIES_COLOURS.length] })),
        thresholds: [],
        spikes: false,
        range: gates ? [0, 1] : undefined,
      });
      this.showView(view);
    });
  }

  /** The membrane plot is shorter while an HH view is shown under it, and for a network (the raster is above). */
  private membraneHeight(): number {
    if (this.summary && isNetwork(this.summary)) return PLOT_HEIGHT.network;
    return this.views.some((v) => v.series.length > 0 && v.toggle.checked) ? PLOT_HEIGHT.withView : PLOT_HEIGHT.alone;
  }

  private showView(view: App['views'][number]): void {
    view.host.hidden = !(view.toggle.checked && view.series.length > 0);
    if (!view.host.hidden) view.plot.render();
  }

  /** Show or hide the gates or currents (the data was kept all along, so the whole run appears). */
  toggleViews(): void {
    for (const view of this.views) this.showView(view);
    this.plot.resize(this.membraneHeight());
    this.plot.render();
  }

  // --- transport: each is a worker method; what happened shows when the next batch arrives ---

  async play(): Promise<void> {
    if (!this.api || !this.summary) return;
    if (this.state === 'finished') return void this.reset();
    if (this.state !== 'paused') return;
    this.setState('running');
    this.pace = [{ wall: performance.now(), sim: this.timeMs }];
    this.commands++;
    await this.api.play();
  }

  async pause(): Promise<void> {
    if (!this.api || this.state !== 'running') return;
    this.setState('paused');
    this.commands++;
    await this.api.pause();
  }

  toggle(): void {
    void (this.state === 'running' ? this.pause() : this.play());
  }

  async step(): Promise<void> {
    if (!this.api || !this.summary || (this.state !== 'running' && this.state !== 'paused')) return;
    this.setState('paused');
    this.commands++;
    await this.api.step(STEP_MS);
  }

  /** Start the scenario again from t = 0 with the values set here; a paused run stays paused. */
  async reset(): Promise<void> {
    if (!this.api || this.state === 'loading') return;
    if (!this.summary) {
      await this.load(true);
      return;
    }
    if (!confirmLongRun(this.scenarioToLoad())) return;
    const paused = this.state === 'paused';
    this.setState('loading');
    this.busy++;
    let result: LoadResult;
    try {
      // The worker's reset keeps playing if it was, and a finished or failed run plays again.
      this.commands++;
      result = await this.api.reset();
    } finally {
      this.busy--;
    }
    if (!result.ok) {
      this.setState('failed');
      showError('The reset was refused:', result.error.message);
      return;
    }
    clearError();
    this.begin(result.summary, result.run, paused ? 'paused' : 'running');
    ui.parameters.querySelectorAll('.field-message').forEach((m) => {
      if (!m.closest('.invalid')) m.textContent = '';
    });
  }

  async setSpeed(speed: number | null): Promise<void> {
    this.settings.speed = speed;
    this.pace = [{ wall: performance.now(), sim: this.timeMs }];
    await this.api?.setSpeed(speed);
  }

  setRasterWindow(ms: number): void {
    this.rasterWindowMs = ms;
    if (this.summary && isNetwork(this.summary)) {
      this.raster.reset(this.summary.populations, ms); // a new window starts empty, from now on
      this.raster.render();
    }
  }

  async setPoking(on: boolean): Promise<void> {
    if (this.poking === on || !this.api || !this.summary) return;
    this.poking = on;
    ui.poke.classList.toggle('active', on);
    ui.poke.setAttribute('aria-pressed', String(on));
    const targets = on
      ? this.summary.steps.map((s) => ({ population: s.population, amplitude: this.pokeAmplitudes.get(s.population) ?? 0, neurons: s.neurons ?? undefined }))
      : [];
    const result = await this.api.poke(targets);
    if (!result.ok) showError('The poke was refused:', result.error.message);
  }

  // --- the animation loop: take what the worker made, draw it ---

  /** Once per animation frame: ask for the next batch if none is on its way, and measure the frame. */
  tick(now: number): void {
    // Frames stop while the tab is hidden: a long gap restarts the watchdog's clock, not the worker.
    if (now - this.lastFrameAt > 1000) this.takeSentAt = now;
    if (this.lastFrameAt > 0) {
      this.frameIntervals.push(now - this.lastFrameAt);
      if (this.frameIntervals.length > 120) this.frameIntervals.shift();
    }
    this.lastFrameAt = now;
    if (this.taking && this.busy === 0 && now - this.takeSentAt > UNRESPONSIVE_MS) {
      void this.recover(`it did not answer for ${UNRESPONSIVE_MS / 1000} s`);
      return;
    }
    if (this.taking || this.busy > 0 || !this.api || !this.summary) return;
    const api = this.api;
    const commands = this.commands;
    this.taking = true;
    this.takeSentAt = now;
    api.take().then(
      (batch) => {
        this.taking = false;
        if (api === this.api) this.apply(batch, commands === this.commands);
      },
      (err: unknown) => {
        this.taking = false;
        if (api === this.api) this.fail(err);
      },
    );
  }

  /** Draw a batch; take its run state too unless a command was sent after it was asked for. */
  private apply(batch: Batch, current: boolean): void {
    const summary = this.summary;
    if (!summary || batch.run !== this.run) return; // from a run the page has replaced
    const began = performance.now();
    const frame = batch.frame;
    if (frame) {
      this.restarts = 0; // the worker is doing its job again
      this.draw(frame, summary);
    }
    this.timeMs = batch.timeMs;
    if (batch.stats) this.showStats(batch.stats, summary);
    if (batch.error && this.state !== 'failed') {
      const { title, detail } = describeError(batch.error);
      this.setState('failed');
      showError(title, detail);
    } else if (current && batch.state !== this.state && batch.state !== 'empty' && this.state !== 'loading' && this.state !== 'failed') {
      this.setState(batch.state);
    }
    this.updateStatus();
    if (frame) {
      this.drawTimes.push(performance.now() - began);
      if (this.drawTimes.length > 120) this.drawTimes.shift();
    }
    this.showFrameTime();
  }

  private draw(frame: Frame, summary: ScenarioSummary): void {
    const { timeMs, neuron } = frame.spikes;
    this.recent.push({ startMs: frame.startMs, endMs: frame.endMs, spikes: timeMs.length });
    if (isNetwork(summary)) {
      this.raster.frame(timeMs, neuron, frame.endMs);
      this.raster.render();
    }
    const spikesOf = this.membraneSeries.map(() => [] as number[]);
    for (let k = 0; k < timeMs.length; k++) {
      for (let s = 0; s < this.membraneSeries.length; s++) if (this.membraneSeries[s].neuron === neuron[k]) spikesOf[s].push(timeMs[k]);
    }
    this.membraneSeries.forEach((series, s) => {
      const trace = frame.traces.find((t) => sameTrace(t, series.trace));
      this.plot.append(s, trace ?? { startMs: frame.startMs, everyMs: summary.dtMs, values: new Float64Array(0) }, spikesOf[s]);
    });
    this.plot.render();
    for (const view of this.views) {
      if (view.series.length === 0) continue;
      view.series.forEach((series, s) => {
        const trace = frame.traces.find((t) => sameTrace(t, series));
        if (trace) view.plot.append(s, trace, []);
      });
      if (!view.host.hidden) view.plot.render();
      else view.plot.flushInk(); // kept up to date while hidden, so showing it shows the whole run
    }
    this.tools?.frame(frame, this.run);
  }

  // --- issue 6: the scenario as the student has it, and opening one (link, file, lesson, editor) ---

  /** The panels of src/ui/studentTools.ts, told of each load and frame. */
  tools: StudentTools | null = null;

  private pageView(): PageView {
    return { speed: this.settings.speed, rasterWindowMs: this.rasterWindowMs, showGates: ui.showGates.checked, showCurrents: ui.showCurrents.checked };
  }

  /** The loaded scenario with every accepted change and the page's view; null before one loads. */
  currentScenario(): unknown | null {
    if (!this.base || !this.summary) return null;
    const raw = this.scenarioToLoad() as Record<string, unknown>;
    raw.view = viewOfPage(this.pageView());
    return raw;
  }

  currentSummary(): ScenarioSummary | null {
    return this.summary;
  }

  /** The poke current per population while it is held. */
  pokesInForce(): Record<string, number> {
    if (!this.poking || !this.summary) return {};
    return Object.fromEntries(this.summary.steps.map((s) => [s.population, this.pokeAmplitudes.get(s.population) ?? 0]));
  }

  /**
   * Open a scenario (validated by the caller) in place of the running one, with its view. The
   * worker keeps the running one if it refuses, so nothing here changes until it accepts.
   */
  async open(raw: unknown): Promise<OpenResult> {
    const api = this.api;
    if (!api || this.busy > 0) return { ok: false, field: 'page', message: 'the page is busy loading a scenario; try again in a moment' };
    if (!confirmLongRun(raw)) return { ok: false, field: 'page', message: LONG_RUN_DECLINED };
    const scenario = withTraces(structuredClone(raw));
    const view = pageOfView((raw as { view?: ViewSpec }).view, this.pageView());
    this.busy++;
    this.commands++;
    let result: LoadResult;
    try {
      result = await api.load(scenario);
      if (result.ok) {
        await api.setSpeed(view.speed);
        await api.play();
      }
    } finally {
      this.busy--;
    }
    if (!result.ok) return { ok: false, field: result.error.field, message: result.error.message };
    ui.notice.hidden = true;
    clearError();
    this.base = scenario;
    this.settings = { parameters: {}, steps: new Map(), sizes: new Map(), speed: view.speed };
    this.pokeAmplitudes = new Map();
    this.applyView(view);
    // No preset is what runs now: the selector says so (a disabled entry, so it is never chosen).
    if (!ui.preset.querySelector('option[value=""]')) {
      const opened = new Option('(an opened scenario)', '');
      opened.disabled = true;
      ui.preset.prepend(opened);
    }
    ui.preset.value = '';
    this.begin(result.summary, result.run, 'running');
    this.buildControls();
    return { ok: true };
  }

  /** Set the view controls (a speed or window their lists lack is added to them). */
  private applyView(view: PageView): void {
    const speedValue = view.speed === null ? 'max' : String(view.speed);
    if (![...ui.speed.options].some((o) => o.value === speedValue)) ui.speed.append(new Option(speedLabel(view.speed), speedValue));
    ui.speed.value = speedValue;
    const windowValue = String(view.rasterWindowMs);
    if (![...ui.rasterWindow.options].some((o) => o.value === windowValue)) ui.rasterWindow.append(new Option(`${view.rasterWindowMs / 1000} s`, windowValue));
    ui.rasterWindow.value = windowValue;
    this.rasterWindowMs = view.rasterWindowMs;
    ui.showGates.checked = view.showGates;
    ui.showCurrents.checked = view.showCurrents;
  }

  private showStats(stats: RunStats, summary: ScenarioSummary): void {
    ui.spikeCount.textContent = String(stats.spikeCount);
    // The scenario's rate window (the time the input is on) when it has one, else the whole run.
    ui.rate.textContent = formatRate(stats.window ? stats.window.meanRateHz : stats.meanRateHz);
    ui.rateLabel.textContent = stats.window ? `Rate ${stats.window.startMs}–${stats.window.stopMs} ms` : 'Mean rate over the run';
    ui.simulated.textContent = `${this.timeMs.toFixed(0)} / ${summary.durationMs} ms`;
  }

  /** Status line: simulated time, real-time factor (over the last second), recent spikes per second per neuron. */
  private updateStatus(): void {
    const summary = this.summary;
    if (!summary) return;
    const t = this.timeMs;
    ui.simTime.textContent = `t = ${t.toFixed(1)} ms`;
    const now = performance.now();
    if (this.state === 'running') {
      this.pace.push({ wall: now, sim: t });
      while (this.pace.length > 2 && now - this.pace[1].wall > 1000) this.pace.shift();
      const first = this.pace[0];
      const wall = now - first.wall;
      ui.rtFactor.textContent = wall > 50 ? `${Number(((t - first.sim) / wall).toPrecision(2))}× real time` : '–';
    } else ui.rtFactor.textContent = 'stopped';
    while (this.recent.length > 0 && this.recent[0].endMs <= t - RECENT_MS) this.recent.shift();
    const neurons = summary.populations.reduce((a, p) => a + p.size, 0);
    // Divide by the time the kept frames cover: at full speed one frame can span far more than
    // RECENT_MS, and all its spikes are counted.
    const span = this.recent.length > 0 ? (t - this.recent[0].startMs) / 1000 : 0;
    const spikes = this.recent.reduce((a, r) => a + r.spikes, 0);
    ui.spikeRate.textContent = `${(span > 0 ? spikes / neurons / span : 0).toFixed(1)} spikes/s`;
    const words: Record<PageState, string> = {
      loading: 'Loading…',
      empty: 'Loading…',
      running: `Running ${summary.name}`,
      paused: `Paused: ${summary.name}`,
      finished: `Finished: ${summary.durationMs} ms of ${summary.name} simulated. Play or reset to run it again.`,
      failed: 'Stopped: see the message below.',
    };
    if (this.state !== 'failed') setStatus(words[this.state], this.state);
  }

  /**
   * Median interval between animation frames and median time to draw one batch, over the last
   * 120 of each (medians, so a one-off such as a texture's first use does not stand for the typical frame).
   */
  private showFrameTime(): void {
    const median = (xs: number[]) => {
      if (xs.length === 0) return 0;
      const sorted = [...xs].sort((a, b) => a - b);
      return sorted[sorted.length >> 1];
    };
    if (this.frameIntervals.length < 10) return;
    ui.frameTime.textContent = `frame ${median(this.frameIntervals).toFixed(1)} ms · draw ${median(this.drawTimes).toFixed(1)} ms`;
  }

  private setState(state: PageState): void {
    this.state = state;
    const running = state === 'running';
    ui.playPause.textContent = running ? 'Pause' : state === 'finished' ? 'Play again' : 'Play';
    ui.playPause.setAttribute('aria-pressed', String(running));
    ui.playPause.disabled = state === 'loading' || state === 'failed';
    ui.step.disabled = state !== 'running' && state !== 'paused';
    ui.reset.disabled = state === 'loading' || !this.base;
    if (state === 'loading') setStatus('Loading the scenario…', 'loading');
    else this.updateStatus();
  }

  private fail(err: unknown): void {
    this.setState('failed');
    const { title, detail } = describeError(err);
    showError(title, detail);
  }

  // --- the worker: start, and start again after a crash ---

  startWorker(): void {
    const worker = new Worker(new URL('../../workers/simulation.worker.ts', import.meta.url), { type: 'module' });
    worker.addEventListener('error', (event) => {
      event.preventDefault();
      if (worker === this.worker) void this.recover(event.message || 'it could not run');
    });
    worker.addEventListener('messageerror', () => {
      if (worker === this.worker) void this.recover('a message from it could not be read');
    });
    this.worker = worker;
    this.api = wrap<SimulationApi>(worker);
  }

  /** A crashed worker: start a new one with the last good scenario and settings, and say so. */
  private async recover(why: string): Promise<void> {
    this.worker?.terminate();
    this.worker = null;
    this.api = null;
    this.taking = false;
    this.busy = 0;
    this.restarts++;
    if (this.restarts > MAX_RESTARTS) {
      showError('The simulation worker keeps failing:', `${why}. It was restarted ${MAX_RESTARTS} times; reload the page to try again.`);
      this.setState('failed');
      return;
    }
    this.startWorker();
    const name = this.summary?.name ?? 'the scenario';
    if (!this.base) return;
    const ok = await this.load(true);
    if (!ok) return;
    ui.notice.hidden = false;
    ui.notice.textContent = `The simulation worker stopped (${why}) and was restarted with ${name} and your settings, from t = 0.`;
  }

  // --- controls from the worker's parameter tables ---

  private buildControls(): void {
    const summary = this.summary!;
    ui.parameters.replaceChildren();
    ui.stimulus.replaceChildren();
    const many = summary.populations.length > 1;
    for (const pop of summary.populations) {
      const heading = document.createElement('h3');
      heading.textContent = `${many ? `${pop.name}: ` : ''}${pop.modelName}`;
      ui.parameters.append(heading);
      if (pop.size > 1) ui.parameters.append(this.sizeField(pop, many).row);
      for (const row of pop.parameters) {
        const field = new NumberField({
          key: many ? `${pop.name}-${row.name}` : row.name,
          label: row.name,
          unit: row.unit,
          min: row.min,
          max: row.max,
          value: row.value,
          meaning: `${row.name}: ${row.meaning}${row.applies === 'reset' ? ' (an initial value: shows after a reset)' : ''}`,
          note: row.applies === 'reset' ? 'on reset' : undefined,
          onChange: (value) => this.changeParameter(pop.name, row.name, value),
        });
        ui.parameters.append(field.row);
      }
    }
    ui.inputHeading.hidden = summary.steps.length === 0;
    ui.poke.hidden = summary.steps.length === 0;
    summary.steps.forEach((step, k) => {
      const pop = summary.populations.find((p) => p.name === step.population)!;
      const scale = Math.max(Math.abs(step.amplitude), 1);
      const amplitude = this.settings.steps.get(step.index) ?? step.amplitude;
      const field = new NumberField({
        key: k === 0 ? 'current' : `current-${k}`,
        label: `${many ? `${pop.name} ` : ''}${pop.input.symbol}`,
        unit: pop.input.unit,
        min: -2 * scale,
        max: 4 * scale,
        value: amplitude,
        meaning: `The preset's input${many ? ` to ${pop.name}` : ''}: ${pop.input.meaning} (${pop.input.unit}), a step on from ${step.startMs} to ${step.stopMs} ms. A change applies at once while the step is on.`,
        note: `step ${step.startMs}–${step.stopMs} ms`,
        onChange: async (value) => {
          const result = await this.api?.setStepAmplitude(step.index, value);
          if (!result) return null;
          if (!result.ok) return result.error.message;
          this.settings.steps.set(step.index, value);
          return null;
        },
      });
      ui.stimulus.append(field.row);
    });
    const pokeTargets = [...new Set(summary.steps.map((s) => s.population))];
    for (const name of pokeTargets) {
      const pop = summary.populations.find((p) => p.name === name)!;
      const step = summary.steps.find((s) => s.population === name)!;
      const scale = Math.max(Math.abs(step.amplitude), 1);
      if (!this.pokeAmplitudes.has(name)) this.pokeAmplitudes.set(name, Math.abs(step.amplitude) || 1);
      const field = new NumberField({
        key: pokeTargets.length > 1 ? `poke-${name}` : 'poke',
        label: pokeTargets.length > 1 ? `poke ${name}` : 'poke',
        unit: pop.input.unit,
        min: -4 * scale,
        max: 4 * scale,
        value: this.pokeAmplitudes.get(name)!,
        meaning: `The extra current injected into ${name} while the poke button is held.`,
        onChange: (value) => {
          this.pokeAmplitudes.set(name, value);
          if (this.poking) {
            this.poking = false;
            void this.setPoking(true);
          }
        },
      });
      ui.stimulus.append(field.row);
    }
  }

  private sizeField(pop: PopulationSummary, many: boolean): NumberField {
    return new NumberField({
      key: many ? `${pop.name}-size` : 'size',
      label: 'size',
      unit: 'neurons',
      min: 1,
      max: 100_000,
      value: this.settings.sizes.get(pop.name) ?? pop.size,
      meaning: `size: the number of neurons in ${pop.name}. A new network is built on reset.`,
      note: 'on reset',
      onChange: async (value) => {
        if (!Number.isInteger(value)) return `size: ${formatValue(value)} is not a whole number of neurons; nothing was changed`;
        const result = await this.api?.setPopulationSize(pop.name, value);
        if (!result) return null;
        if (!result.ok) return result.error.message;
        this.settings.sizes.set(pop.name, value);
        return { note: `${value} neurons after a reset: press Reset (r) to build it.` };
      },
    });
  }

  private async changeParameter(population: string, name: string, value: number): Promise<string | { note: string } | null> {
    const result = await this.api?.setParameters(population, { [name]: value });
    if (!result) return null;
    if (!result.ok) return result.error.message;
    (this.settings.parameters[population] ??= {})[name] = value;
    this.tellFiPanel();
    return result.needsReset ? { note: `${name} = ${formatValue(value)} applies on reset: press Reset (r) to start again with it.` } : null;
  }
}

/** Is the key meant for a text field or a select (so the page's shortcuts stay out of its way)? */
function typingInto(target: EventTarget | null): boolean {
  return target instanceof HTMLInputElement || target instanceof HTMLSelectElement || target instanceof HTMLTextAreaElement;
}

function wire(app: App): void {
  for (const key of PAGE_PRESETS) {
    const option = document.createElement('option');
    option.value = key;
    option.textContent = (preset(key) as { name?: string }).name ?? key;
    ui.preset.append(option);
  }
  ui.preset.value = DEFAULT_PRESET;
  ui.preset.addEventListener('change', () => void app.choose(ui.preset.value));

  for (const { label, value } of SPEEDS) {
    const option = document.createElement('option');
    option.value = value === null ? 'max' : String(value);
    option.textContent = label;
    ui.speed.append(option);
  }
  ui.speed.value = String(DEFAULT_SPEED);
  ui.speed.addEventListener('change', () => void app.setSpeed(ui.speed.value === 'max' ? null : Number(ui.speed.value)));

  for (const ms of RASTER_WINDOWS_MS) {
    const option = document.createElement('option');
    option.value = String(ms);
    option.textContent = ms < 1000 ? `${ms / 1000} s` : `${ms / 1000} s`;
    ui.rasterWindow.append(option);
  }
  ui.rasterWindow.value = String(DEFAULT_RASTER_WINDOW_MS);
  ui.rasterWindow.addEventListener('change', () => app.setRasterWindow(Number(ui.rasterWindow.value)));
  ui.showGates.addEventListener('change', () => app.toggleViews());
  ui.showCurrents.addEventListener('change', () => app.toggleViews());

  ui.playPause.addEventListener('click', () => app.toggle());
  ui.step.addEventListener('click', () => void app.step());
  ui.reset.addEventListener('click', () => void app.reset());

  // Poke: on while held, by pointer or by keyboard (space or enter on the button, or P anywhere).
  ui.poke.addEventListener('pointerdown', (event) => {
    ui.poke.setPointerCapture(event.pointerId);
    void app.setPoking(true);
  });
  for (const type of ['pointerup', 'pointercancel', 'lostpointercapture', 'blur'] as const) ui.poke.addEventListener(type, () => void app.setPoking(false));
  ui.poke.addEventListener('keydown', (event) => {
    if (event.key === ' ' || event.key === 'Enter') {
      event.preventDefault();
      event.stopPropagation();
      void app.setPoking(true);
    }
  });
  ui.poke.addEventListener('keyup', (event) => {
    if (event.key === ' ' || event.key === 'Enter') {
      event.preventDefault();
      void app.setPoking(false);
    }
  });
  ui.poke.addEventListener('click', (event) => event.preventDefault());

  document.addEventListener('keydown', (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || typingInto(event.target)) return;
    if (event.key === ' ') {
      event.preventDefault(); // not also a click on a focused button
      if (!event.repeat) app.toggle();
    } else if (event.key === 'ArrowRight') {
      event.preventDefault();
      void app.step();
    } else if (event.key === 'r' || event.key === 'R') {
      if (!event.repeat) void app.reset();
    } else if ((event.key === 'p' || event.key === 'P') && !ui.poke.hidden) {
      void app.setPoking(true);
    }
  });
  document.addEventListener('keyup', (event) => {
    if (event.key === ' ' && !typingInto(event.target)) event.preventDefault();
    if (event.key === 'p' || event.key === 'P') void app.setPoking(false);
  });
}

function hoverText(at: RasterHover | null): string {
  if (!at) return 'Point at the raster to name a neuron and a time.';
  const who = at.first === at.last ? `neuron ${at.first}` : `neurons ${at.first}–${at.last}`;
  return `${at.population} ${who} at t = ${at.timeMs.toFixed(1)} ms`;
}

function contentWidth(host: HTMLElement): number {
  const style = getComputedStyle(host);
  return Math.max(480, Math.floor(host.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight)));
}

async function start(): Promise<void> {
  setStatus('Starting…', 'loading');
  let plot: TracePlot;
  let gatesPlot: TracePlot;
  let currentsPlot: TracePlot;
  let raster: RasterPanel;
  try {
    // Sized while visible, then hidden until a preset needs them.
    ui.rasterSection.hidden = false;
    const width = contentWidth(ui.plotHost);
    plot = await TracePlot.create(ui.plotHost, width, PLOT_HEIGHT.alone, 'trace-canvas', 'Membrane potential against time, with the firing threshold and spike times');
    gatesPlot = await TracePlot.create(ui.gatesHost, width, PLOT_HEIGHT.view, 'gates-canvas', 'Hodgkin-Huxley gates m, h and n against time');
    currentsPlot = await TracePlot.create(ui.currentsHost, width, PLOT_HEIGHT.view, 'currents-canvas', 'Hodgkin-Huxley ionic currents against time');
    raster = await RasterPanel.create(ui.rasterHost, contentWidth(ui.rasterHost), RASTER_HEIGHT, (at) => (ui.rasterHover.textContent = hoverText(at)));
    ui.rasterSection.hidden = true;
  } catch (err) {
    showError('The plots could not start (WebGL is needed):', err instanceof Error ? err.message : String(err));
    return;
  }
  const app = new App(plot, gatesPlot, currentsPlot, raster);
  app.startWorker();
  wire(app);
  // Issue 6's panels: sharing, export and import, lessons, the equation editor.
  const tools = mountStudentTools(
    { share: element('share-slot'), exports: element('export-slot'), lessons: element('lessons-slot'), editor: element('editor-slot') },
    {
      currentScenario: () => app.currentScenario(),
      openScenario: (raw) => app.open(raw),
      summary: () => app.currentSummary(),
      pokes: () => app.pokesInForce(),
      panels: () => [
        { name: 'raster', canvas: ui.rasterHost.querySelector('canvas')!, draw: () => raster.redraw() },
        { name: 'voltage', canvas: ui.plotHost.querySelector('canvas')!, draw: () => plot.render() },
        { name: 'gates', canvas: ui.gatesHost.querySelector('canvas')!, draw: () => gatesPlot.render() },
        { name: 'currents', canvas: ui.currentsHost.querySelector('canvas')!, draw: () => currentsPlot.render() },
        ...(app.fiPanel ? [{ name: 'f-I curve', canvas: app.fiPanel.canvas, draw: () => app.fiPanel!.drawNow() }] : []),
      ],
    },
  );
  app.tools = tools;
  // The f-I panel in its reserved slot; a finished single-neuron comparison goes to the lessons.
  app.fiPanel = mountFiPanel(element('fi-slot'), { onFit: (fit) => tools.setFit(fit) });
  const loop = (now: number) => {
    app.tick(now);
    requestAnimationFrame(loop);
  };
  requestAnimationFrame(loop);
  // A shared link ("#s=...") opens its scenario; a refused one is explained and the default runs.
  const shared = await readHashOnLoad(location.hash);
  const opened = shared.kind === 'scenario' ? await app.open(shared.scenario) : null;
  if (opened?.ok) return;
  await app.choose(DEFAULT_PRESET).catch((err: unknown) => {
    const { title, detail } = describeError(err);
    showError(title, detail);
  });
  if (shared.kind === 'refused') tools.share.refused(shared.message);
  else if (opened && !opened.ok) tools.share.refused(opened.message);
}

void start();
