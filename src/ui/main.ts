// The page: a preset selector, transport (play, pause, step, reset, speed), parameter controls
// generated from the model file, a "poke" button and the membrane-potential plot. The worker
// simulates; the plot draws; this file moves data between them and says what happened.
import { wrap, type Remote } from 'comlink';
import { DEFAULT_PRESET, PRESETS, preset } from '../scenario/presets.js';
import type { AdvanceFrame, LoadResult, ScenarioSummary, SimulationApi } from '../../workers/simulationApi.js';
import type { RunStats } from '../core/simulation.js';
import { VoltageTracePlot } from './voltageTrace.js';
import { modelTable } from './modelTable.js';
import { NumberField, formatValue } from './numberField.js';

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
/** One press of "step" advances this much simulated time. */
const STEP_MS = 1;
/** The most simulated time asked for in one paced request, so a stalled tab does not ask for seconds at once. */
const MAX_CHUNK_MS = 50;
/** Wall time one request should take at full speed (the chunk adapts to it). */
const FULL_SPEED_BUDGET_MS = 30;
/** The firing rate in the status line counts spikes over this much recent simulated time. */
const RECENT_MS = 200;
const PLOT_HEIGHT = 380;

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
  error: element<HTMLElement>('error'),
  plotHost: element<HTMLElement>('plot'),
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
  poke: element<HTMLButtonElement>('poke'),
};

type PlayState = 'loading' | 'running' | 'paused' | 'finished' | 'failed';

function setStatus(text: string, state: PlayState): void {
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

function describeError(err: unknown): { title: string; detail: string } {
  if (err instanceof Error) {
    // comlink re-creates errors thrown in the worker with their name and message.
    if (err.name === 'SimulationError') return { title: 'The simulation stopped (numerical blow-up):', detail: err.message };
    if (err.name === 'InputError') return { title: 'Invalid input:', detail: err.message };
    return { title: `Something went wrong (${err.name}):`, detail: err.message };
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

/** The parts of a scenario the page reads (it is validated by the worker, not here). */
interface ScenarioShape {
  name?: string;
  durationMs: number;
  dtMs: number;
  populations: { name: string; model: string; size: number; parameters?: Record<string, number> }[];
  stimuli?: { type: string; population: string; amplitude?: unknown; startMs?: number; stopMs?: number; targets?: unknown }[];
  record?: { traces?: { population: string }[] };
}

function isScenarioShape(x: unknown): x is ScenarioShape {
  const s = x as ScenarioShape | null;
  return !!s && typeof s === 'object' && Array.isArray(s.populations) && typeof s.durationMs === 'number' && typeof s.dtMs === 'number';
}

/** Presets that record a trace (the only ones this page can show yet), decided from their data. */
function tracedPresets(): { key: string; name: string }[] {
  return Object.entries(PRESETS)
    .filter(([, s]) => isScenarioShape(s) && (s.record?.traces?.length ?? 0) > 0)
    .map(([key, s]) => ({ key, name: (s as ScenarioShape).name ?? key }));
}

/** The scenario's current step: its window and amplitude as loaded, and as the student set it. */
interface StepInput {
  population: string;
  index: number;
  startMs: number;
  stopMs: number;
  neurons?: number[];
  unit: string;
  presetAmplitude: number;
  loadedAmplitude: number;
  amplitude: number;
}

function findStep(scenario: ScenarioShape): StepInput | null {
  const stimuli = scenario.stimuli ?? [];
  const index = stimuli.findIndex((s) => s.type === 'step' && typeof s.amplitude === 'number');
  if (index < 0) return null;
  const s = stimuli[index];
  const population = scenario.populations.find((p) => p.name === s.population);
  const unit = population ? modelTable(population.model)?.input.unit ?? '' : '';
  const amplitude = s.amplitude as number;
  return {
    population: s.population,
    index,
    startMs: s.startMs ?? 0,
    stopMs: s.stopMs ?? Infinity,
    neurons: Array.isArray(s.targets) ? (s.targets as number[]) : undefined,
    unit,
    presetAmplitude: amplitude,
    loadedAmplitude: amplitude,
    amplitude,
  };
}

class Player {
  state: PlayState = 'loading';
  /** Simulated ms per wall ms; null: as fast as possible. */
  speed: number | null = DEFAULT_SPEED;
  private base: ScenarioShape | null = null;
  private summary: ScenarioSummary | null = null;
  /** Parameter values the student set and the worker accepted, per population. */
  private params: Record<string, Record<string, number>> = {};
  private stepInput: StepInput | null = null;
  private pokeAmplitude = 0;
  private poking = false;
  private sentInjection = 0;
  private simulatedMs = 0;
  private done = false;
  private generation = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private recentSpikes: number[] = [];
  private pace: { wall: number; sim: number }[] = [];
  private fullSpeedChunkMs = 5;
  /** Identifies the one playback loop allowed to run (a pause and a quick play must not leave two). */
  private loopId = 0;

  constructor(private readonly api: Remote<SimulationApi>, private readonly plot: VoltageTracePlot) {}

  /** Run `fn` after every earlier worker conversation has finished (frames stay in order). */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Load a preset afresh (the student's values are forgotten) and start it. */
  async choose(raw: unknown): Promise<void> {
    if (!isScenarioShape(raw)) {
      showError('The scenario was refused:', 'it is not a scenario object');
      return;
    }
    this.base = raw;
    this.params = {};
    for (const p of raw.populations) this.params[p.name] = { ...(p.parameters ?? {}) };
    this.stepInput = findStep(raw);
    this.pokeAmplitude = this.stepInput ? Math.abs(this.stepInput.presetAmplitude) : 1;
    this.buildControls();
    await this.load(true);
  }

  /** Reload the current scenario with the student's current values; play unless paused. */
  async reset(): Promise<void> {
    if (!this.base) return;
    await this.load(this.state !== 'paused');
  }

  private scenarioToLoad(): ScenarioShape {
    const scenario = structuredClone(this.base!);
    for (const p of scenario.populations) {
      const chosen = this.params[p.name];
      if (chosen && Object.keys(chosen).length > 0) p.parameters = { ...(p.parameters ?? {}), ...chosen };
    }
    const step = this.stepInput;
    if (step && scenario.stimuli) scenario.stimuli[step.index].amplitude = step.amplitude;
    return scenario;
  }

  private async load(autoplay: boolean): Promise<void> {
    const gen = ++this.generation;
    clearError();
    this.state = 'loading';
    this.updateButtons();
    setStatus('Loading the scenario…', 'loading');
    const scenario = this.scenarioToLoad();
    const result: LoadResult = await this.exclusive((): Promise<LoadResult> => this.api.load(scenario) as Promise<LoadResult>);
    if (gen !== this.generation) return;
    if (!result.ok) {
      this.plot.clear();
      this.state = 'failed';
      this.updateButtons();
      showError('The scenario was refused:', result.error.message);
      return;
    }
    const summary = result.summary;
    this.summary = summary;
    if (this.stepInput) this.stepInput.loadedAmplitude = this.stepInput.amplitude;
    this.sentInjection = 0;
    this.simulatedMs = 0;
    this.done = false;
    this.recentSpikes = [];
    this.pace = [];
    this.show(summary);
    const trace = summary.traces[0];
    this.plot.reset({
      durationMs: summary.durationMs,
      label: trace ? `${trace.meaning} ${trace.variable}`.trim() : 'no trace recorded',
      unit: trace?.unit ?? '',
      threshold: trace?.threshold ?? null,
    });
    this.state = 'paused';
    this.updateButtons();
    if (autoplay) this.play();
    else this.updateStatus();
  }

  play(): void {
    if (this.state === 'loading' || this.state === 'failed' || !this.summary) return;
    if (this.state === 'finished') {
      void this.load(true);
      return;
    }
    if (this.state === 'running') return;
    this.state = 'running';
    this.updateButtons();
    this.pace = [{ wall: performance.now(), sim: this.simulatedMs }];
    void this.loop(this.generation, ++this.loopId);
  }

  pause(): void {
    if (this.state !== 'running') return;
    this.state = 'paused';
    this.updateButtons();
    this.updateStatus();
  }

  toggle(): void {
    if (this.state === 'running') this.pause();
    else this.play();
  }

  /** Advance one small chunk (pausing first if running). */
  step(): void {
    if (!this.summary || this.state === 'loading' || this.state === 'failed' || this.state === 'finished') return;
    if (this.state === 'running') this.pause();
    const gen = this.generation;
    void this.exclusive(() => this.advanceBy(STEP_MS, gen)).catch((err: unknown) => this.fail(err));
  }

  setSpeed(speed: number | null): void {
    this.speed = speed;
    this.pace = [{ wall: performance.now(), sim: this.simulatedMs }];
    this.updateStatus();
  }

  setPoking(on: boolean): void {
    if (this.poking === on) return;
    this.poking = on;
    ui.poke.classList.toggle('active', on);
    ui.poke.setAttribute('aria-pressed', String(on));
    const gen = this.generation;
    void this.exclusive(() => this.applyInjection(gen)).catch((err: unknown) => this.fail(err));
  }

  private fail(err: unknown): void {
    this.state = 'failed';
    this.updateButtons();
    const { title, detail } = describeError(err);
    showError(title, detail);
  }

  private async loop(gen: number, id: number): Promise<void> {
    let last = performance.now();
    let owedMs = 0;
    const current = () => this.state === 'running' && gen === this.generation && id === this.loopId;
    try {
      while (current()) {
        const now = await nextAnimationFrame();
        if (!current()) return;
        const dt = this.summary!.dtMs;
        let askMs: number;
        if (this.speed === null) {
          askMs = this.fullSpeedChunkMs;
        } else {
          owedMs = Math.min(owedMs + Math.max(0, now - last) * this.speed, MAX_CHUNK_MS);
          last = now;
          if (owedMs < dt) continue;
          askMs = owedMs;
        }
        const began = performance.now();
        // Checked again when its turn comes: a pause pressed meanwhile wins.
        const advanced = await this.exclusive(() => (current() ? this.advanceBy(askMs, gen) : Promise.resolve(0)));
        if (this.speed === null) {
          const took = Math.max(1, performance.now() - began);
          this.fullSpeedChunkMs = Math.min(this.summary!.durationMs, Math.max(10 * dt, this.fullSpeedChunkMs * Math.min(2, FULL_SPEED_BUDGET_MS / took)));
        } else owedMs = Math.max(0, owedMs - advanced);
        if (!current()) return;
        if (this.done) {
          this.state = 'finished';
          this.updateButtons();
          this.updateStatus();
          return;
        }
      }
    } catch (err) {
      if (gen === this.generation) this.fail(err);
    }
  }

  /** The injection the worker should apply at the current time: the student's change to the step, plus the poke. */
  private wantedInjection(): number {
    let amount = this.poking ? this.pokeAmplitude : 0;
    const step = this.stepInput;
    if (step && this.simulatedMs >= step.startMs - 1e-9 && this.simulatedMs < step.stopMs - 1e-9) amount += step.amplitude - step.loadedAmplitude;
    return amount;
  }

  private injectionTarget(): { population: string; neurons?: number[] } | null {
    if (this.stepInput) return { population: this.stepInput.population, neurons: this.stepInput.neurons };
    const traced = this.summary?.traces[0];
    return traced ? { population: traced.population } : null;
  }

  private async applyInjection(gen: number): Promise<void> {
    if (gen !== this.generation || !this.summary) return;
    const wanted = this.wantedInjection();
    if (Math.abs(wanted - this.sentInjection) < 1e-12) return;
    const target = this.injectionTarget();
    if (!target) return;
    const result = await this.api.inject(target.population, wanted, target.neurons);
    if (!result.ok) throw Object.assign(new Error(result.error.message), { name: 'InputError' });
    this.sentInjection = wanted;
  }

  /**
   * Advance by `ms`, cut at the edges of the step stimulus so the student's change to its
   * amplitude is on exactly while the step is. Returns the simulated time advanced.
   */
  private async advanceBy(ms: number, gen: number): Promise<number> {
    if (gen !== this.generation || !this.summary || this.done) return 0;
    const summary = this.summary;
    const dt = summary.dtMs;
    let advanced = 0;
    while (ms - advanced >= dt / 2 && !this.done) {
      const t = this.simulatedMs;
      let chunk = ms - advanced;
      const step = this.stepInput;
      if (step) for (const edge of [step.startMs, step.stopMs]) if (edge > t + dt / 2 && edge - t < chunk) chunk = edge - t;
      await this.applyInjection(gen);
      const frame = await this.api.advance(chunk);
      if (gen !== this.generation) return advanced;
      this.simulatedMs = frame.endMs;
      this.done = frame.done;
      advanced += frame.endMs - frame.startMs;
      this.draw(frame, summary);
      if (frame.endMs - frame.startMs <= 0) break;
    }
    const stats = await this.api.stats();
    if (gen !== this.generation) return advanced;
    this.showStats(stats, summary);
    return advanced;
  }

  private show(summary: ScenarioSummary): void {
    ui.title.textContent = summary.name;
    ui.description.textContent = summary.description;
    ui.spikeCount.textContent = '0';
    ui.rate.textContent = formatRate(0);
    ui.simulated.textContent = `0 / ${summary.durationMs} ms`;
    ui.simTime.textContent = 't = 0.0 ms';
    ui.rtFactor.textContent = '–';
    ui.spikeRate.textContent = '0.0 spikes/s';
  }

  private showStats(stats: RunStats, summary: ScenarioSummary): void {
    ui.spikeCount.textContent = String(stats.spikeCount);
    // The scenario's rate window (the time the input is on) when it has one, else the whole run.
    ui.rate.textContent = formatRate(stats.window ? stats.window.meanRateHz : stats.meanRateHz);
    ui.rateLabel.textContent = stats.window ? `Rate ${stats.window.startMs}–${stats.window.stopMs} ms` : 'Mean rate over the run';
    ui.simulated.textContent = `${this.simulatedMs.toFixed(0)} / ${summary.durationMs} ms`;
    this.updateStatus();
  }

  /** Status line: simulated time, real-time factor (over the last second), recent spikes per second per neuron. */
  private updateStatus(): void {
    const summary = this.summary;
    if (!summary) return;
    const t = this.simulatedMs;
    ui.simTime.textContent = `t = ${t.toFixed(1)} ms`;
    const now = performance.now();
    if (this.state === 'running') {
      this.pace.push({ wall: now, sim: t });
      while (this.pace.length > 2 && now - this.pace[1].wall > 1000) this.pace.shift();
      const first = this.pace[0];
      const wall = now - first.wall;
      ui.rtFactor.textContent = wall > 50 ? `${Number(((t - first.sim) / wall).toPrecision(2))}× real time` : '–';
    } else ui.rtFactor.textContent = 'stopped';
    const from = t - RECENT_MS;
    while (this.recentSpikes.length > 0 && this.recentSpikes[0] <= from) this.recentSpikes.shift();
    const neurons = summary.populations.reduce((a, p) => a + p.size, 0);
    const span = Math.min(RECENT_MS, t) / 1000;
    const perSecond = span > 0 ? this.recentSpikes.length / neurons / span : 0;
    ui.spikeRate.textContent = `${perSecond.toFixed(1)} spikes/s`;
    const words: Record<PlayState, string> = {
      loading: 'Loading…',
      running: `Running ${summary.name}`,
      paused: `Paused: ${summary.name}`,
      finished: `Finished: ${summary.durationMs} ms of ${summary.name} simulated. Play or reset to run it again.`,
      failed: 'Stopped: see the message below.',
    };
    if (this.state !== 'failed') setStatus(words[this.state], this.state);
  }

  private updateButtons(): void {
    const running = this.state === 'running';
    ui.playPause.textContent = running ? 'Pause' : this.state === 'finished' ? 'Play again' : 'Play';
    ui.playPause.setAttribute('aria-pressed', String(running));
    ui.playPause.disabled = this.state === 'loading' || this.state === 'failed';
    ui.step.disabled = this.state !== 'running' && this.state !== 'paused';
    ui.reset.disabled = this.state === 'loading' || !this.base;
  }

  private draw(frame: AdvanceFrame, summary: ScenarioSummary): void {
    for (let k = 0; k < frame.spikes.timeMs.length; k++) this.recentSpikes.push(frame.spikes.timeMs[k]);
    if (frame.spikes.timeMs.length > 1) this.recentSpikes.sort((a, b) => a - b);
    const traced = summary.traces[0];
    const trace = traced ? frame.traces.find((t) => t.population === traced.population && t.variable === traced.variable && t.neuron === traced.neuron) : undefined;
    const spikes = traced ? spikeTimesOf(frame, summary, traced.population, traced.neuron) : frame.spikes.timeMs;
    this.plot.append(trace ?? { startMs: frame.startMs, everyMs: summary.dtMs, values: new Float64Array(0) }, spikes);
  }

  /** Controls generated from the model files' parameter tables, plus the step and the poke. */
  private buildControls(): void {
    const base = this.base!;
    ui.parameters.replaceChildren();
    ui.stimulus.replaceChildren();
    const many = base.populations.length > 1;
    for (const pop of base.populations) {
      const table = modelTable(pop.model);
      const heading = document.createElement('h3');
      heading.textContent = `${many ? `${pop.name}: ` : ''}${table?.name ?? pop.model}`;
      ui.parameters.append(heading);
      if (!table) continue;
      for (const row of table.parameters) {
        const field = new NumberField({
          key: many ? `${pop.name}-${row.name}` : row.name,
          label: row.name,
          unit: row.unit,
          min: row.min,
          max: row.max,
          value: this.params[pop.name]?.[row.name] ?? row.value,
          meaning: `${row.name}: ${row.meaning}${row.initialOnly ? ' (an initial value: shows after a reset)' : ''}`,
          note: row.initialOnly ? 'on reset' : undefined,
          onChange: (value) => this.changeParameter(pop.name, row.name, value),
        });
        ui.parameters.append(field.row);
      }
    }
    const step = this.stepInput;
    const scale = step ? Math.max(Math.abs(step.presetAmplitude), 1) : 1;
    if (step) {
      const table = modelTable(base.populations.find((p) => p.name === step.population)?.model ?? '');
      const field = new NumberField({
        key: 'current',
        label: `${table?.input.symbol ?? 'I'} step`,
        unit: step.unit,
        min: -2 * scale,
        max: 4 * scale,
        value: step.amplitude,
        meaning: `The preset's input: ${table?.input.meaning ?? 'current'}, a step on from ${step.startMs} to ${step.stopMs} ms. A change applies at once while the step is on.`,
        note: `${step.startMs}–${step.stopMs} ms`,
        onChange: (value) => {
          step.amplitude = value;
          const gen = this.generation;
          return this.exclusive(() => this.applyInjection(gen)).then(() => null);
        },
      });
      ui.stimulus.append(field.row);
    }
    const target = step?.population ?? base.record?.traces?.[0]?.population ?? base.populations[0]?.name;
    const targetModel = modelTable(base.populations.find((p) => p.name === target)?.model ?? '');
    const poke = new NumberField({
      key: 'poke',
      label: 'poke',
      unit: targetModel?.input.unit ?? '',
      min: -4 * scale,
      max: 4 * scale,
      value: this.pokeAmplitude,
      meaning: 'The extra current injected while the poke button is held.',
      onChange: (value) => {
        this.pokeAmplitude = value;
        const gen = this.generation;
        return this.exclusive(() => this.applyInjection(gen)).then(() => null);
      },
    });
    ui.stimulus.append(poke.row);
  }

  private changeParameter(population: string, name: string, value: number): Promise<string | null> {
    const gen = this.generation;
    return this.exclusive(async () => {
      if (gen !== this.generation) return null;
      const result = await this.api.setParameters(population, { [name]: value });
      if (!result.ok) return result.error.message;
      (this.params[population] ??= {})[name] = value;
      return null;
    });
  }
}

/** Spike times of one neuron (frames carry global neuron indices: populations in order). */
function spikeTimesOf(frame: AdvanceFrame, summary: ScenarioSummary, population: string, neuron: number): Float64Array {
  let offset = 0;
  for (const p of summary.populations) {
    if (p.name === population) break;
    offset += p.size;
  }
  const wanted = offset + neuron;
  const { timeMs, neuron: index } = frame.spikes;
  const out: number[] = [];
  for (let k = 0; k < timeMs.length; k++) if (index[k] === wanted) out.push(timeMs[k]);
  return Float64Array.from(out);
}

function nextAnimationFrame(): Promise<number> {
  return new Promise((resolve) => requestAnimationFrame(resolve));
}

/** Is the key meant for a text field or a select (so the page's shortcuts stay out of its way)? */
function typingInto(target: EventTarget | null): boolean {
  return target instanceof HTMLInputElement || target instanceof HTMLSelectElement || target instanceof HTMLTextAreaElement;
}

function wire(player: Player): void {
  for (const { key, name } of tracedPresets()) {
    const option = document.createElement('option');
    option.value = key;
    option.textContent = name;
    ui.preset.append(option);
  }
  ui.preset.value = DEFAULT_PRESET;
  ui.preset.addEventListener('change', () => void player.choose(preset(ui.preset.value)));

  for (const { label, value } of SPEEDS) {
    const option = document.createElement('option');
    option.value = value === null ? 'max' : String(value);
    option.textContent = label;
    ui.speed.append(option);
  }
  ui.speed.value = String(DEFAULT_SPEED);
  ui.speed.addEventListener('change', () => player.setSpeed(ui.speed.value === 'max' ? null : Number(ui.speed.value)));

  ui.playPause.addEventListener('click', () => player.toggle());
  ui.step.addEventListener('click', () => player.step());
  ui.reset.addEventListener('click', () => void player.reset());

  // Poke: on while held, by pointer or by keyboard (space or enter on the button, or P anywhere).
  ui.poke.addEventListener('pointerdown', (event) => {
    ui.poke.setPointerCapture(event.pointerId);
    player.setPoking(true);
  });
  for (const type of ['pointerup', 'pointercancel', 'lostpointercapture', 'blur'] as const) ui.poke.addEventListener(type, () => player.setPoking(false));
  ui.poke.addEventListener('keydown', (event) => {
    if (event.key === ' ' || event.key === 'Enter') {
      event.preventDefault();
      event.stopPropagation();
      player.setPoking(true);
    }
  });
  ui.poke.addEventListener('keyup', (event) => {
    if (event.key === ' ' || event.key === 'Enter') {
      event.preventDefault();
      player.setPoking(false);
    }
  });
  ui.poke.addEventListener('click', (event) => event.preventDefault());

  document.addEventListener('keydown', (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || typingInto(event.target)) return;
    if (event.key === ' ') {
      event.preventDefault(); // not also a click on a focused button
      if (!event.repeat) player.toggle();
    } else if (event.key === 'ArrowRight') {
      event.preventDefault();
      player.step();
    } else if (event.key === 'r' || event.key === 'R') {
      if (!event.repeat) void player.reset();
    } else if (event.key === 'p' || event.key === 'P') {
      player.setPoking(true);
    }
  });
  document.addEventListener('keyup', (event) => {
    if (event.key === ' ' && !typingInto(event.target)) event.preventDefault();
    if (event.key === 'p' || event.key === 'P') player.setPoking(false);
  });
}

async function start(): Promise<void> {
  setStatus('Starting…', 'loading');
  const style = getComputedStyle(ui.plotHost);
  const contentWidth = ui.plotHost.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  const width = Math.max(480, Math.floor(contentWidth));
  let plot: VoltageTracePlot;
  try {
    plot = await VoltageTracePlot.create(ui.plotHost, width, PLOT_HEIGHT);
  } catch (err) {
    showError('The plot could not start (WebGL is needed):', err instanceof Error ? err.message : String(err));
    return;
  }
  const worker = new Worker(new URL('../../workers/simulation.worker.ts', import.meta.url), { type: 'module' });
  worker.addEventListener('error', (event) => {
    event.preventDefault();
    showError('The simulation worker failed:', event.message || 'it could not be loaded');
  });
  const player = new Player(wrap<SimulationApi>(worker), plot);
  wire(player);
  await player.choose(preset(DEFAULT_PRESET)).catch((err: unknown) => {
    const { title, detail } = describeError(err);
    showError(title, detail);
  });
}

void start();
