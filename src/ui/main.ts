// The page: loads the default scenario into the simulation worker, plays it back in chunks pulled
// once per animation frame, and hands each frame to the plot. The worker simulates; the plot draws;
// this file only moves data between them and reports what happened.
import { wrap, type Remote } from 'comlink';
import { DEFAULT_PRESET, preset } from '../scenario/presets.js';
import type { AdvanceFrame, ScenarioSummary, SimulationApi } from '../../workers/simulationApi.js';
import { VoltageTracePlot } from './voltageTrace.js';

/** Simulated milliseconds shown per wall-clock millisecond (0.25: four times slower than real time). */
const PLAYBACK_RATE = 0.25;
/** The most simulated time asked for in one request, so a stalled tab does not ask for seconds at once. */
const MAX_CHUNK_MS = 50;
const PLOT_HEIGHT = 420;

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page has no element #${id}`);
  return found as T;
}

const ui = {
  title: element<HTMLElement>('scenario-name'),
  description: element<HTMLElement>('scenario-description'),
  status: element<HTMLElement>('status'),
  error: element<HTMLElement>('error'),
  plotHost: element<HTMLElement>('plot'),
  spikeCount: element<HTMLElement>('spike-count'),
  rate: element<HTMLElement>('rate'),
  rateLabel: element<HTMLElement>('rate-label'),
  simulated: element<HTMLElement>('simulated'),
  runAgain: element<HTMLButtonElement>('run-again'),
};

function setStatus(text: string, state: 'loading' | 'running' | 'finished' | 'failed'): void {
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
  ui.runAgain.disabled = false;
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

class Player {
  private runId = 0;

  constructor(private readonly api: Remote<SimulationApi>, private readonly plot: VoltageTracePlot) {}

  /** Load `rawScenario` and play it to its end (or to an error). */
  async run(rawScenario: unknown): Promise<void> {
    const id = ++this.runId;
    clearError();
    ui.runAgain.disabled = true;
    setStatus('Loading the scenario…', 'loading');
    const result = await this.api.load(rawScenario);
    if (!result.ok) {
      this.plot.clear();
      showError('The scenario was refused:', result.error.message);
      return;
    }
    const summary = result.summary;
    this.show(summary);
    const trace = summary.traces[0];
    this.plot.reset({
      durationMs: summary.durationMs,
      label: trace ? `${trace.meaning} ${trace.variable}`.trim() : 'no trace recorded',
      unit: trace?.unit ?? '',
      threshold: trace?.threshold ?? null,
    });
    setStatus(`Running ${summary.name} (${PLAYBACK_RATE}× real time)…`, 'running');
    const wallStart = performance.now();
    let simulatedMs = 0;
    for (;;) {
      const now = await nextAnimationFrame();
      if (id !== this.runId) return; // a newer run took over
      const wantedMs = Math.min(summary.durationMs, (now - wallStart) * PLAYBACK_RATE);
      const askMs = Math.min(MAX_CHUNK_MS, wantedMs - simulatedMs);
      if (askMs < summary.dtMs) continue;
      const frame = await this.api.advance(askMs);
      const stats = await this.api.stats();
      if (id !== this.runId) return;
      simulatedMs = frame.endMs;
      this.draw(frame, summary);
      ui.spikeCount.textContent = String(stats.spikeCount);
      // The scenario's rate window (the time the input is on) when it has one, else the whole run.
      ui.rate.textContent = formatRate(stats.window ? stats.window.meanRateHz : stats.meanRateHz);
      ui.rateLabel.textContent = stats.window ? `Rate ${stats.window.startMs}–${stats.window.stopMs} ms` : 'Mean rate over the run';
      ui.simulated.textContent = `${frame.endMs.toFixed(0)} / ${summary.durationMs} ms`;
      if (frame.done) break;
    }
    const seconds = (performance.now() - wallStart) / 1000;
    setStatus(`Finished: ${summary.durationMs} ms simulated, shown in ${seconds.toFixed(1)} s.`, 'finished');
    ui.runAgain.disabled = false;
  }

  private show(summary: ScenarioSummary): void {
    ui.title.textContent = summary.name;
    ui.description.textContent = summary.description;
    ui.spikeCount.textContent = '0';
    ui.rate.textContent = formatRate(0);
    ui.simulated.textContent = `0 / ${summary.durationMs} ms`;
  }

  private draw(frame: AdvanceFrame, summary: ScenarioSummary): void {
    const traced = summary.traces[0];
    const trace = traced ? frame.traces.find((t) => t.population === traced.population && t.variable === traced.variable && t.neuron === traced.neuron) : undefined;
    const spikes = traced ? spikeTimesOf(frame, summary, traced.population, traced.neuron) : frame.spikes.timeMs;
    this.plot.append(trace ?? { startMs: frame.startMs, everyMs: summary.dtMs, values: new Float64Array(0) }, spikes);
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
    ui.runAgain.disabled = true;
    return;
  }
  const worker = new Worker(new URL('../../workers/simulation.worker.ts', import.meta.url), { type: 'module' });
  worker.addEventListener('error', (event) => {
    event.preventDefault();
    showError('The simulation worker failed:', event.message || 'it could not be loaded');
  });
  const player = new Player(wrap<SimulationApi>(worker), plot);
  const play = () =>
    player.run(preset(DEFAULT_PRESET)).catch((err: unknown) => {
      const { title, detail } = describeError(err);
      showError(title, detail);
    });
  ui.runAgain.addEventListener('click', () => void play());
  await play();
}

void start();
