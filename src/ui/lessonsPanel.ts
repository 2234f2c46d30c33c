// The lessons panel: the seven lessons, one open at a time with its scenario loaded; the current
// step's task; the step checked from the simulation on every frame the page receives (spikes of
// the recent window, the input and parameters in force, the last f-I fit the page reports), never
// from a button; its explanation once passed, then the next step. Progress is kept in
// localStorage per lesson and read back as data (lessonTracker.ts validates it).
import { LESSONS } from '../lessons/lessons.js';
import { loadLesson, nextStep, type BenchObservation, type Observation, type ValidLesson } from '../lessons/lesson.js';
import type { ScenarioSummary } from '../../workers/simulationApi.js';
import type { Panel, PanelHooks } from './panel.js';
import { RecentWindow, populationsInForce, progressKey, readProgress, writeProgress } from './lessonTracker.js';
import { addStyleOnce, button } from './dom.js';

export type Fit = NonNullable<Observation['fit']>;

/**
 * The lessons panel. The f-I panel's finished comparisons (topic 'fit') serve the fit checks of
 * lessons 5 and 7; the poke in force (topic 'pokes') counts as input.
 */
export function lessonsPanel(): Panel {
  let panel: ReturnType<typeof mountLessonsPanel> | null = null;
  return {
    mount(slot, hooks) {
      panel = mountLessonsPanel(slot, hooks);
    },
    loaded: (summary, run) => panel?.loaded(summary, run),
    frame: (frame, info) => panel?.frame(frame, info.run),
  };
}

const STYLE_ID = 'lessons-panel-style';
const CSS = `
.lessons-panel { display: flex; flex-direction: column; gap: 6px; font-size: 13px; padding-bottom: 8px; margin-bottom: 6px; border-bottom: 1px solid var(--line, #dcdcdc); }
.lessons-panel h2 { font-size: 15px; margin: 0; }
.lessons-panel summary { cursor: pointer; color: var(--muted, #5a5a5a); margin-bottom: 3px; }
.lessons-panel ol.lesson-list { margin: 0; padding: 0; list-style: none; display: flex; flex-direction: column; gap: 3px; }
.lessons-panel .lesson-item { display: flex; gap: 6px; align-items: baseline; }
.lessons-panel .lesson-item button { font-size: 13px; padding: 2px 8px; text-align: left; flex: 1; }
.lessons-panel .lesson-item .done { color: #00704f; /* darker than the spike green: 4.5:1 on white */ font-variant-numeric: tabular-nums; min-width: 3.5em; }
.lessons-panel .lesson-item.active button { background: #0072b2; color: #fff; }
.lessons-panel .lesson-body { border-top: 1px solid var(--line, #dcdcdc); padding-top: 6px; display: flex; flex-direction: column; gap: 6px; }
.lessons-panel .lesson-title { font-weight: 650; }
.lessons-panel ol.lesson-steps { margin: 0; padding-left: 20px; display: flex; flex-direction: column; gap: 6px; }
.lessons-panel .lesson-step.current .task { font-weight: 600; }
.lessons-panel .lesson-step.passed .task { color: var(--muted, #5a5a5a); }
.lessons-panel .lesson-step.passed .task::before { content: '✓ '; color: #009e73; font-weight: 700; }
.lessons-panel .lesson-step.later { color: #9a9a9a; }
.lessons-panel .explanation { margin-top: 3px; padding: 4px 8px; background: #eef8f3; border-left: 3px solid #009e73; color: #1f3d30; }
.lessons-panel .watch { color: var(--muted, #5a5a5a); font-variant-numeric: tabular-nums; }
.lessons-panel .lesson-message { color: #7a2e00; }
.lessons-panel .lesson-message:empty, .lessons-panel .watch:empty { display: none; }
.lessons-panel .lesson-actions { display: flex; gap: 6px; }
.lessons-panel .lesson-actions button { font-size: 12px; padding: 2px 8px; }
`;

interface Opened {
  lesson: ValidLesson;
  passed: boolean[];
  /** The scenario name the lesson runs, to notice the student switching to something else. */
  scenarioName: string;
  /** Fits count for the current step only if they finished after it became current. */
  stepSince: number;
}

/** Does a check read the f-I fit (so the recent window of spikes is not what it waits for)? */
function readsFit(check: unknown): boolean {
  const c = check as { kind?: unknown; checks?: unknown[] } | null;
  return !!c && (c.kind === 'fit' || (c.kind === 'all' && Array.isArray(c.checks) && c.checks.some(readsFit)));
}

/** Does a check read the ANN playground's network (checked when a training or spiking run finishes)? */
function readsAnn(check: unknown): boolean {
  const c = check as { kind?: unknown; checks?: unknown[] } | null;
  return !!c && (c.kind === 'ann' || (c.kind === 'all' && Array.isArray(c.checks) && c.checks.some(readsAnn)));
}

/** Storage may be missing or refuse (private mode, quota); progress then lasts the visit. */
function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

function mountLessonsPanel(slot: HTMLElement, hooks: PanelHooks) {
  addStyleOnce(STYLE_ID, CSS);
  let pokes: Record<string, number> = {};
  hooks.subscribe('pokes', (p) => (pokes = p));
  // The shipped lessons, validated like any lesson file (a broken one is listed with its message).
  const lessons = LESSONS.map((raw) => {
    try {
      return { ok: true as const, lesson: loadLesson(raw) };
    } catch (err) {
      return { ok: false as const, message: err instanceof Error ? err.message : String(err) };
    }
  });

  const root = document.createElement('div');
  root.className = 'lessons-panel';
  root.id = 'lessons-panel';
  const heading = document.createElement('h2');
  heading.textContent = 'Lessons';
  // Folded until asked for (and again once a lesson opens), so the input and parameter controls
  // below stay in view on a laptop screen.
  const listBox = document.createElement('details');
  listBox.id = 'lesson-list';
  const listSummary = document.createElement('summary');
  listSummary.textContent = `All lessons (${lessons.length})`;
  const list = document.createElement('ol');
  list.className = 'lesson-list';
  listBox.append(listSummary, list);
  const body = document.createElement('div');
  body.className = 'lesson-body';
  body.hidden = true;
  const message = document.createElement('div');
  message.className = 'lesson-message';
  message.id = 'lesson-message';
  message.setAttribute('role', 'alert');
  root.append(heading, listBox, message, body);
  slot.append(root);

  const window_ = new RecentWindow();
  let opened: Opened | null = null;
  let run = -1;
  let fit: { fit: Fit; at: number } | null = null;
  let bench: BenchObservation = {};
  let clock = 0; // orders fits against step changes
  let watchLine: HTMLElement | null = null;

  function loadProgress(lesson: ValidLesson): boolean[] {
    const id = lesson.lesson.id;
    const store = storage();
    let text: string | null = null;
    try {
      text = store?.getItem(progressKey(id)) ?? null;
    } catch {
      text = null;
    }
    const { passed, problem } = readProgress(text, lesson.checks.length);
    if (problem) message.textContent = `Progress of "${lesson.lesson.title}" was not used: ${problem}. It starts afresh.`;
    return passed;
  }

  function saveProgress(lesson: ValidLesson, passed: boolean[]): void {
    try {
      storage()?.setItem(progressKey(lesson.lesson.id), writeProgress(passed));
    } catch {
      message.textContent = 'Progress cannot be saved in this browser (storage is off or full); it lasts until you leave the page.';
    }
  }

  function doneCount(lesson: ValidLesson): number {
    return loadProgressQuiet(lesson).filter(Boolean).length;
  }

  function loadProgressQuiet(lesson: ValidLesson): boolean[] {
    let text: string | null = null;
    try {
      text = storage()?.getItem(progressKey(lesson.lesson.id)) ?? null;
    } catch {
      text = null;
    }
    return readProgress(text, lesson.checks.length).passed;
  }

  function renderList(): void {
    list.replaceChildren(
      ...lessons.map((entry, k) => {
        const item = document.createElement('li');
        item.className = 'lesson-item';
        const done = document.createElement('span');
        done.className = 'done';
        const b = document.createElement('button');
        b.type = 'button';
        b.className = 'secondary';
        if (!entry.ok) {
          b.textContent = `Lesson ${k + 1} cannot be opened`;
          b.disabled = true;
          b.title = entry.message;
          item.append(done, b);
          return item;
        }
        const l = entry.lesson;
        b.textContent = l.lesson.title;
        b.id = `lesson-${l.lesson.id}`;
        b.title = 'Open this lesson: its scenario replaces what runs now';
        const n = doneCount(l);
        done.textContent = n === l.checks.length ? '✓ done' : `${n}/${l.checks.length}`;
        if (opened?.lesson === l) item.classList.add('active');
        b.addEventListener('click', () => void open(l.lesson.id));
        item.append(done, b);
        return item;
      }),
    );
  }

  function renderBody(): void {
    if (!opened) {
      body.hidden = true;
      return;
    }
    const { lesson, passed } = opened;
    body.hidden = false;
    const title = document.createElement('div');
    title.className = 'lesson-title';
    title.textContent = lesson.lesson.title;
    const current = nextStep(lesson, passed);
    const steps = document.createElement('ol');
    steps.className = 'lesson-steps';
    lesson.lesson.steps.forEach((step, k) => {
      const li = document.createElement('li');
      li.className = `lesson-step ${passed[k] ? 'passed' : k === current ? 'current' : 'later'}`;
      li.id = `lesson-step-${k + 1}`;
      li.dataset.state = passed[k] ? 'passed' : k === current ? 'current' : 'later';
      const task = document.createElement('div');
      task.className = 'task';
      task.textContent = step.task;
      li.append(task);
      if (passed[k]) {
        const explanation = document.createElement('div');
        explanation.className = 'explanation';
        explanation.textContent = step.explanation;
        li.append(explanation);
      }
      steps.append(li);
    });
    watchLine = document.createElement('div');
    watchLine.className = 'watch';
    watchLine.id = 'lesson-watch';
    if (current >= lesson.checks.length) watchLine.textContent = 'Lesson complete: every step passed.';
    const actions = document.createElement('div');
    actions.className = 'lesson-actions';
    const reload = button('Reload its scenario', 'Load the lesson\'s scenario again, as the lesson gives it', 'lesson-reload');
    reload.addEventListener('click', () => void open(lesson.lesson.id));
    const reset = button('Reset progress', 'Forget which steps of this lesson have passed', 'lesson-reset');
    reset.addEventListener('click', () => {
      if (!opened) return;
      opened.passed = opened.passed.map(() => false);
      opened.stepSince = ++clock;
      saveProgress(opened.lesson, opened.passed);
      renderBody();
      renderList();
    });
    actions.append(reload, reset);
    body.replaceChildren(title, steps, watchLine, actions);
  }

  async function open(id: string): Promise<boolean> {
    const entry = lessons.find((e) => e.ok && e.lesson.lesson.id === id);
    if (!entry || !entry.ok) return false;
    message.textContent = '';
    const lesson = entry.lesson;
    const passed = loadProgress(lesson);
    const result = await hooks.open(lesson.scenario.scenario, `lesson:${lesson.lesson.title}`);
    if (!result.ok) {
      message.textContent = `The lesson's scenario was refused: ${result.message}`;
      return false;
    }
    fit = null; // a sweep belongs to the scenario it was made of
    bench = {}; // and so do the bench panels' results
    // Named as the worker's summary names it.
    listBox.open = false;
    opened = { lesson, passed, scenarioName: lesson.scenario.scenario.name ?? 'Untitled scenario', stepSince: ++clock };
    renderList();
    renderBody();
    return true;
  }

  function inForce(summary: ScenarioSummary) {
    return populationsInForce(summary, hooks.scenarioNow(), pokes);
  }

  /** Check the current step against what the page shows now. */
  function check(): void {
    if (!opened) return;
    const summary = hooks.summary();
    if (!summary) return;
    const { lesson, passed } = opened;
    const k = nextStep(lesson, passed);
    if (k >= lesson.checks.length) return;
    if (summary.name !== opened.scenarioName) {
      if (watchLine) watchLine.textContent = `The page shows another scenario; press "Reload its scenario" to go on with this lesson.`;
      return;
    }
    const usable = fit && fit.at > opened.stepSince ? fit.fit : undefined;
    const { showGates, showCurrents } = hooks.view.get();
    const traced = summary.traces.filter((t) => t.kind === 'state' && t.role === 'membrane').map((t) => ({ population: t.population, neuron: t.neuron }));
    const observation = { ...window_.observe(inForce(summary), usable), bench, view: { showGates, showCurrents }, traced };
    if (lesson.checks[k](observation)) {
      passed[k] = true;
      opened.stepSince = ++clock;
      saveProgress(lesson, passed);
      renderBody();
      renderList();
      return;
    }
    if (watchLine && readsFit(lesson.lesson.steps[k].check)) {
      watchLine.textContent = 'This step is checked when an f-I sweep you start now finishes (the f-I panel).';
    } else if (watchLine && readsAnn(lesson.lesson.steps[k].check)) {
      watchLine.textContent = 'This step is checked when a training or spiking run of the ANN playground finishes.';
    } else if (watchLine && window_.protocolOff(inForce(summary)).length > 0) {
      const off = window_.protocolOff(inForce(summary));
      watchLine.textContent = `The input${summary.populations.length > 1 ? ` to ${off.join(', ')}` : ''} was off for most of the last window (its protocol had ended): press Start again, or Reset, to check this step with the input on.`;
    } else if (watchLine) {
      const { observedMs, neededMs } = window_.progress();
      watchLine.textContent = observedMs < neededMs
        ? `Watching: ${Math.max(0, observedMs).toFixed(0)} of ${neededMs.toFixed(0)} ms of simulated time since your last change (reset to start a run with your values).`
        : 'Checking the last window of the run on every frame.';
    }
  }

  renderList();
  // Showing the gates or currents is something a step can ask for: checked as it happens, even after the run has ended.
  hooks.view.subscribe((_, changed) => {
    if (changed.includes('showGates') || changed.includes('showCurrents')) check();
  });
  hooks.subscribe('bench', (b) => {
    bench = { ...bench, ...b };
    check();
  });
  hooks.subscribe('fit', (f: Fit) => {
    fit = { fit: f, at: ++clock };
    check();
  });
  return {
    open,
    loaded(summary: ScenarioSummary, r: number): void {
      run = r;
      window_.startRun(summary.durationMs, inForce(summary));
      check();
    },
    frame(frame: { spikes: { timeMs: Float64Array; neuron: Int32Array }; endMs: number }, r: number): void {
      if (r !== run) return; // fed even before a lesson opens: its first frames may come first
      const summary = hooks.summary();
      if (!summary) return;
      window_.frame(frame.spikes.timeMs, frame.spikes.neuron, frame.endMs, inForce(summary));
      check();
    },
  };
}
