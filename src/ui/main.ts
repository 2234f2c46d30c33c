// The page: a shell (title, transport (transport.ts: buttons, speed, keyboard), status line,
// messages) composed with the panels listed in panels.ts and the simulation client (simulationClient.ts).
//
// The shell mounts every panel into its region, tells each of them about every loaded scenario and
// every frame, and gives them PanelHooks (panel.ts): apply a change, read the scenario as it stands
// (the worker's snapshot), open another scenario, share the view settings. It never looks at a
// model: which traces a panel draws, and how, is the panel's business, read from the worker's
// summary. If the worker dies it is restarted with the last snapshot, and the page says so.
import './earlyWorker.js'; // first: the worker starts loading before the modules below evaluate
import { DEFAULT_PRESET, preset } from '../scenario/presets.js';
import type { Batch, RunState, ScenarioSummary } from '../../workers/simulationApi.js';
import type { ViewSpec } from '../scenario/scenario.js';
import { PanelSet } from './panelSet.js';
import { ViewSettings, type OpenResult, type PanelHooks, type PanelTopics, type Region } from './panel.js';
import { SimulationClient } from './simulationClient.js';
import { StatusLine, describeError, type PageState } from './statusLine.js';
import { pageOfView, readHashOnLoad, viewOfPage } from './shareLink.js';
import { withMembraneTraces } from './defaultTraces.js';
import { LONG_RUN_DECLINED, confirmLongRun } from './longRun.js';
import { wireTransport } from './transport.js';

// The start, as marks a browser test reads back (performance.getEntriesByType('mark')): the page's
// script running, the first scenario built by the worker, the first frame drawn.
performance.mark('spikebridge:script');

/** One press of "step" advances this much simulated time. */
const STEP_MS = 1;
/** The displays are drawn at most this often (see Page.tick). */
const DRAWS_PER_SECOND = 30;
/** Crashes in a row (with no good frame between) after which the page stops restarting the worker. */
const MAX_RESTARTS = 3;

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page has no element #${id}`);
  return found as T;
}

const ui = {
  title: element<HTMLElement>('scenario-name'),
  description: element<HTMLElement>('scenario-description'),
  notice: element<HTMLElement>('notice'),
  playPause: element<HTMLButtonElement>('play-pause'),
  step: element<HTMLButtonElement>('step'),
  reset: element<HTMLButtonElement>('reset'),
  speed: element<HTMLSelectElement>('speed'),
  freeRun: element<HTMLInputElement>('free-run'),
  regions: { header: element('header-panels'), toolbar: element('toolbar-panels'), displays: element('displays'), controls: element('controls'), tools: element('tools') } satisfies Record<Region, HTMLElement>,
};

const status = new StatusLine();
window.addEventListener('error', (event) => status.showError(describeError(event.error ?? event.message)));
window.addEventListener('unhandledrejection', (event) => status.showError(describeError(event.reason)));

class Page {
  private readonly client = new SimulationClient({
    batch: (batch, current) => this.take(batch, current),
    failed: (err) => this.fail(err),
    crashed: (why) => void this.recover(why),
  });
  private readonly listeners = new Map<keyof PanelTopics, ((value: never) => void)[]>();
  readonly view = new ViewSettings({ speed: 0.25, freeRun: false, rasterWindowMs: 1000, showGates: false, showCurrents: false });
  private summary: ScenarioSummary | null = null;
  /** The run the page is showing (batches of any other are stale). */
  private run = -1;
  private state: PageState = 'loading';
  private restarts = 0;
  /** What opened the scenario shown ("preset:single-lif", "model:hh"), null for a link, file, lesson or editor. */
  private source: string | null = null;

  readonly hooks: PanelHooks = {
    apply: (change) => this.client.apply(change).then((result) => {
      if (!result?.ok) return result;
      if (result.restarted) {
        // Another neuron traced: the displays start again from here with the new summary.
        this.begin(result.restarted.summary, result.restarted.run, this.state === 'loading' ? 'running' : this.state);
        return result;
      }
      if (change.kind !== 'poke' && change.kind !== 'freeRun') {
        for (const panel of this.panelSet.panels) panel.changed?.();
        // Nothing the student touches is ignored in silence: after the end, say when it applies.
        if (this.state === 'finished') this.notice(`The run has ended at ${this.summary?.durationMs ?? 0} ms: your change applies when it runs again (Play again, or tick Run without end to go on from here).`);
      }
      return result;
    }),
    summary: () => this.summary,
    scenario: async () => (this.summary ? this.withView(await this.client.snapshot()) : null),
    scenarioNow: () => (this.summary ? this.withView(this.client.lastSnapshot) : null),
    open: (raw, source) => this.open(raw, source),
    source: () => this.source,
    view: this.view,
    images: () => this.panelSet.panels.flatMap((p) => p.images?.() ?? []),
    publish: (topic, value) => {
      for (const listener of this.listeners.get(topic) ?? []) listener(value as never);
    },
    subscribe: (topic, listener) => {
      this.listeners.set(topic, [...(this.listeners.get(topic) ?? []), listener as (value: never) => void]);
    },
    runEnded: () => this.state === 'finished',
    showError: (title, detail) => {
      this.drawn();
      this.setState('failed');
      status.showError({ title, detail });
    },
  };

  private readonly panelSet = new PanelSet(ui.regions, this.hooks);

  /** Mount the panels made at once, in their regions and page order. */
  mount(): Promise<void> {
    return this.panelSet.mount();
  }

  /** Mount the panels that come after the first frame. */
  mountLater(): Promise<void> {
    return this.panelSet.mountLater();
  }

  private framed = false;
  /** Resolves firstFrame (set by it: declared first, so its initializer is not run after). */
  private drawn!: () => void;
  /** Resolves once a frame of a scenario has been drawn (or the page has failed). */
  readonly firstFrame = new Promise<void>((resolve) => (this.drawn = resolve));

  private withView(scenario: Record<string, unknown> | null): Record<string, unknown> | null {
    return scenario ? { ...structuredClone(scenario), view: viewOfPage(this.view.get()) } : null;
  }

  /** Scenarios asked for so far (the default opens only if none was asked for first). */
  requested = 0;
  /** Opens one at a time: a scenario chosen while another loads waits for it. */
  private opening: Promise<unknown> = Promise.resolve();

  /**
   * Open a scenario (validated by the caller) in place of the running one, with its view, and run
   * it. The worker keeps the running one if it refuses, so nothing here changes until it accepts.
   */
  open(raw: unknown, source: string | null = null): Promise<OpenResult> {
    this.requested++;
    const opened = this.opening.then(() => this.load(raw, source));
    this.opening = opened.catch(() => undefined);
    return opened;
  }

  /** Whether the panels mounted (a scenario's displays begin only once they have). */
  mounted: Promise<boolean> = Promise.resolve(true);

  private async load(raw: unknown, source: string | null): Promise<OpenResult> {
    if (!this.client.ready) return { ok: false, field: 'page', message: 'the simulation worker is not running' };
    if (!confirmLongRun(raw)) return { ok: false, field: 'page', message: LONG_RUN_DECLINED };
    const view = pageOfView((raw as { view?: ViewSpec } | null)?.view, this.view.get());
    if (!this.summary) this.setState('loading');
    const result = await this.client.load(withMembraneTraces(structuredClone(raw)), view.speed, true);
    if (!result) return { ok: false, field: 'page', message: 'the simulation worker is not running' };
    if (!result.ok) return { ok: false, field: result.error.field, message: result.error.message };
    if (!this.summary) performance.mark('spikebridge:built');
    if (!(await this.mounted)) return { ok: false, field: 'page', message: 'the page could not start' };
    ui.notice.hidden = true; // a restart notice belongs to the scenario it restarted
    status.clearError();
    this.view.set(view);
    this.source = source;
    if (view.freeRun) await this.client.apply({ kind: 'freeRun', on: true });
    await this.client.setStatsWindow(view.rasterWindowMs);
    this.begin({ ...result.summary, freeRun: view.freeRun }, result.run, 'running');
    return { ok: true };
  }

  /** A line in the notice area (a restart, a change that waits for the run to go on). */
  notice(text: string): void {
    ui.notice.hidden = false;
    ui.notice.textContent = text;
  }

  /** Run without end, or to the scenario's duration: the worker's run and the displays follow. */
  async setFreeRun(on: boolean): Promise<void> {
    if (!this.summary) return;
    const result = await this.client.apply({ kind: 'freeRun', on });
    if (!result?.ok) return;
    ui.notice.hidden = true;
    this.summary = { ...this.summary, freeRun: on };
    for (const panel of this.panelSet.panels) panel.freeRun?.(on);
    if (on && this.state === 'finished') this.setState('running'); // the worker goes on from the end
  }

  /** Start the displays for a new run (a load or a reset). */
  private begin(summary: ScenarioSummary, run: number, state: RunState): void {
    this.summary = summary;
    this.run = run;
    ui.title.textContent = summary.name;
    ui.description.textContent = summary.description;
    status.begin(summary);
    this.panelSet.loaded(summary, run);
    this.setState(state);
    status.showWarnings(summary.warnings);
  }

  // --- transport: each is a worker command; what happened shows when the next batch arrives ---

  async play(): Promise<void> {
    if (!this.summary) return;
    if (this.state === 'finished') return void this.reset();
    if (this.state !== 'paused') return;
    this.setState('running');
    status.restartPace();
    await this.client.play();
  }

  async pause(): Promise<void> {
    if (this.state !== 'running') return;
    this.setState('paused');
    await this.client.pause();
  }

  toggle(): void {
    void (this.state === 'running' ? this.pause() : this.play());
  }

  async step(): Promise<void> {
    if (!this.summary || (this.state !== 'running' && this.state !== 'paused')) return;
    this.setState('paused');
    await this.client.step(STEP_MS);
  }

  /** Start the scenario again from t = 0 with the values set here; a paused run stays paused. */
  async reset(): Promise<void> {
    if (!this.client.ready || this.state === 'loading' || !this.summary) return;
    if (!confirmLongRun(this.client.lastSnapshot)) return;
    const paused = this.state === 'paused';
    this.setState('loading');
    const result = await this.client.reset();
    if (!result) return;
    if (!result.ok) {
      this.setState('failed');
      status.showError({ title: 'The reset was refused:', detail: result.error.message });
      return;
    }
    status.clearError();
    ui.notice.hidden = true;
    this.begin({ ...result.summary, freeRun: this.view.get().freeRun }, result.run, paused ? 'paused' : 'running');
  }

  async setStatsWindow(ms: number): Promise<void> {
    await this.client.setStatsWindow(ms);
  }

  async setSpeed(speed: number | null): Promise<void> {
    status.restartPace();
    await this.client.setSpeed(speed);
  }

  // --- the animation loop: take what the worker made, hand it to the panels ---

  private lastTake = -Infinity;

  tick(now: number): void {
    status.frameAt(now);
    // At most DRAWS_PER_SECOND batches: a batch redraws whole plots, and 30 a second already reads
    // as continuous motion; on a machine that draws without a GPU the drawing is most of the page's
    // work, and at 60 a second it took a core of its own. (The worker's pace is its own.)
    if (now - this.lastTake < 1000 / DRAWS_PER_SECOND - 4) return;
    this.lastTake = now;
    this.client.tick(now, this.summary !== null);
  }

  /** Draw a batch; take its run state too unless a command was sent after it was asked for. */
  private take(batch: Batch, current: boolean): void {
    const summary = this.summary;
    if (!summary || batch.run !== this.run) return; // from a run the page has replaced
    const began = performance.now();
    const frame = batch.frame;
    if (frame) {
      this.restarts = 0; // the worker is doing its job again
      const info = { run: batch.run, timeMs: batch.timeMs, state: batch.state, stats: batch.stats, window: batch.window };
      this.panelSet.frame(frame, info);
      status.frame(frame);
      if (!this.framed) performance.mark('spikebridge:first-frame');
      this.framed = true;
      this.drawn();
    }
    if (batch.error && this.state !== 'failed') {
      this.setState('failed');
      status.showError(describeError(batch.error));
    } else if (current && batch.state !== this.state && batch.state !== 'empty' && this.state !== 'loading' && this.state !== 'failed') {
      this.setState(batch.state);
    }
    status.update(this.state, batch.timeMs);
    if (frame) status.drawTook(performance.now() - began);
  }

  private setState(state: PageState): void {
    this.state = state;
    const running = state === 'running';
    ui.playPause.textContent = running ? 'Pause' : state === 'finished' ? 'Play again' : 'Play';
    ui.playPause.setAttribute('aria-pressed', String(running));
    ui.playPause.disabled = state === 'loading' || state === 'failed';
    ui.step.disabled = state !== 'running' && state !== 'paused';
    ui.reset.disabled = state === 'loading' || !this.summary;
    status.update(state);
  }

  private fail(err: unknown): void {
    this.drawn();
    this.setState('failed');
    status.showError(describeError(err));
  }

  // --- the worker: start, and start again after a crash ---

  start(): void {
    this.client.start();
  }

  /** A crashed worker: start a new one with the last snapshot of the scenario, and say so. */
  private async recover(why: string): Promise<void> {
    this.restarts++;
    if (this.restarts > MAX_RESTARTS) {
      this.setState('failed');
      status.showError({ title: 'The simulation worker keeps failing:', detail: `${why}. It was restarted ${MAX_RESTARTS} times; reload the page to try again.` });
      return;
    }
    this.client.start();
    const scenario = this.client.lastSnapshot;
    if (!scenario) return;
    const name = this.summary?.name ?? 'the scenario';
    this.setState('loading');
    const result = await this.client.load(scenario, this.view.get().speed, true);
    if (!result) return;
    if (!result.ok) {
      this.setState('failed');
      status.showError({ title: 'The scenario was refused:', detail: result.error.message });
      return;
    }
    this.begin(result.summary, result.run, 'running');
    ui.notice.hidden = false;
    ui.notice.textContent = `The simulation worker stopped (${why}) and was restarted with ${name} and your settings, from t = 0.`;
  }
}

async function start(): Promise<void> {
  status.update('loading', undefined, 'Starting…');
  const page = new Page();
  page.start(); // first: a preset chosen while the panels mount goes to it
  // Let the browser go on starting the worker (its script is fetched only once this task ends)
  // before the panels mount.
  await new Promise<void>((resolve) => setTimeout(resolve, 0));
  // The first scenario goes to the worker at once, so it is built while the panels mount; its
  // displays begin once they have. A shared link ("#s=...") opens its scenario; a refused one is
  // explained and the default runs.
  const mounting = page.mount();
  page.mounted = mounting.then(() => true, () => false);
  const opening = (async () => {
    const shared = await readHashOnLoad(location.hash);
    const opened = shared.kind === 'scenario' ? await page.open(shared.scenario) : null;
    if (opened?.ok || page.requested > (opened ? 1 : 0)) return { shared, opened, fallback: null }; // a link ran, or a student chose first
    const fallback = await page.open(preset(DEFAULT_PRESET), `preset:${DEFAULT_PRESET}`);
    return { shared, opened, fallback };
  })();
  try {
    await mounting;
  } catch (err) {
    status.showError({ title: 'The page could not start:', detail: err instanceof Error ? err.message : String(err) });
    return;
  }
  wireTransport(page, { speed: ui.speed, freeRun: ui.freeRun, playPause: ui.playPause, step: ui.step, reset: ui.reset });
  const loop = (now: number) => {
    page.tick(now);
    requestAnimationFrame(loop);
  };
  requestAnimationFrame(loop);
  // The panels off the first screen come once something is drawn (or nothing will be: see below).
  const mountLater = () => void page.mountLater().catch((err: unknown) => page.hooks.showError('A panel could not start:', err instanceof Error ? err.message : String(err)));
  void page.firstFrame.then(mountLater);
  const { shared, opened, fallback } = await opening;
  if (fallback && !fallback.ok) {
    page.hooks.showError('The scenario was refused:', fallback.message);
    mountLater(); // no frame is coming
  }
  if (!fallback) return;
  if (shared.kind === 'refused') page.hooks.publish('linkRefused', shared.message);
  else if (opened && !opened.ok) page.hooks.publish('linkRefused', opened.message);
}

void start();
