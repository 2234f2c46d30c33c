// The phase-plane panel: for a population whose model has two state variables (FitzHugh-Nagumo,
// Morris-Lecar, Izhikevich, AdEx) or whose file declares a reduction to two (HH's V-n plane, the
// reduction stated on the panel), the vector field, both nullclines, the fixed points (filled when
// stable, open when not, their type in words) for the input in force now, and the trajectory of
// the running frames on it (HH's full trajectory projected onto the plane). The input where the rest
// state loses stability (saddle-node: type I, Hopf: type II) is stated from the core's continuation.
// Clicking or tapping the plane (or the "start from" fields) puts the population in that state
// (steady and tied variables filled in by the plane) and the run goes on from it: an `initial`
// change applied live, the time going on. Where the run has ended, or does not trace the plane's
// two variables, the scenario is opened again from t = 0 in that state (with those traces added).
import type { Frame } from '../core/simulation.js';
import type { FrameInfo, Panel, PanelHooks } from './panel.js';
import type { Bifurcation, PlaneRequest, PlaneView } from '../../workers/benchApi.js';
import { button, el, statusLine } from './dom.js';
import { askBench } from './benchClient.js';
import { BenchPlot } from './benchPlot.js';
import { addBenchStyle, benchTargets, fmt, numberInput, type BenchTarget } from './benchTarget.js';

const TRAIL = 6000;
const X_NULLCLINE = '#d55e00';
const Y_NULLCLINE = '#0072b2';

export function phasePlanePanel(): Panel {
  let hooks: PanelHooks;
  let host: HTMLElement;
  let target: BenchTarget | null = null;
  let view: PlaneView | null = null;
  let bifurcation: Bifurcation | null | undefined;
  let planeKey = '';
  let bifurcationKey = '';
  let asking = 0;
  let timeMs = 0;
  let runState: FrameInfo['state'] = 'empty';
  // The trajectory: the last TRAIL samples kept of every trace of neuron 0 of each population, as
  // rings (kept from the run's first frame, before the plane is known; a population's traces are
  // kept or dropped together, so they align).
  const trails = new Map<string, { values: Float64Array; length: number; start: number }>();
  const trailOf = (population: string, variable: string) => trails.get(`${population}/${variable}`) ?? null;
  /**
   * After a click set the state live: samples of that population before the change took hold
   * (`fromMs`, which the worker's answer gives) are the old trajectory's; frames that arrive before
   * the answer are held until it comes.
   */
  let jump: { population: string; fromMs: number | null; held: Frame['traces'][] } | null = null;
  let drawPending = false;

  /**
   * Add the traced neuron's samples to the trails (those of a clicked population from the change
   * on). On the plane's population a sample is kept only where the point has moved (by 1/500 of
   * the plane, about a pixel) since the last one kept: a state at rest does not fill the trail with
   * copies of itself and push the path that led there out.
   */
  function append(traces: Frame['traces']): void {
    const byPopulation = new Map<string, Frame['traces']>();
    for (const trace of traces) if (trace.neuron === 0) byPopulation.set(trace.population, [...(byPopulation.get(trace.population) ?? []), trace]);
    for (const [population, list] of byPopulation) {
      let first = 0;
      if (jump && population === jump.population) {
        if (jump.fromMs === null) continue; // held until the worker says when the change took hold
        // Strictly after: a sample at the change's own time may have been taken before it.
        first = Math.max(0, Math.floor((jump.fromMs - list[0].startMs) / list[0].everyMs + 1e-9) + 1);
      }
      const rings = list.map((trace) => {
        const key = `${population}/${trace.variable}`;
        let ring = trails.get(key);
        if (!ring) trails.set(key, (ring = { values: new Float64Array(TRAIL), length: 0, start: 0 }));
        return ring;
      });
      const plane = view && target?.population === population ? view : null;
      const xi = plane ? list.findIndex((t) => t.variable === plane.x.name) : -1;
      const yi = plane ? list.findIndex((t) => t.variable === plane.y.name) : -1;
      const [gapX, gapY] = plane ? [(plane.ranges.x[1] - plane.ranges.x[0]) / 500, (plane.ranges.y[1] - plane.ranges.y[0]) / 500] : [0, 0];
      const last = (ring: (typeof rings)[number]) => ring.values[(ring.start + ring.length - 1) % TRAIL];
      const n = Math.min(...list.map((t) => t.values.length));
      for (let q = first; q < n; q++) {
        if (xi >= 0 && yi >= 0 && rings[xi].length > 0) {
          const moved = Math.abs(list[xi].values[q] - last(rings[xi])) >= gapX || Math.abs(list[yi].values[q] - last(rings[yi])) >= gapY;
          if (!moved) continue;
        }
        for (let k = 0; k < list.length; k++) {
          const ring = rings[k];
          ring.values[(ring.start + ring.length) % TRAIL] = list[k].values[q];
          if (ring.length < TRAIL) ring.length++;
          else ring.start = (ring.start + 1) % TRAIL;
        }
      }
    }
  }

  const plot = new BenchPlot('Phase plane: vector field, nullclines, fixed points and the trajectory', 0.75);
  const title = el('p', { id: 'phase-title' });
  const reduction = el('p', { class: 'bench-note', id: 'phase-reduction' });
  const points = el('ul', { id: 'phase-points' });
  const onset = el('p', { id: 'phase-bifurcation' });
  const traceNote = el('p', { class: 'bench-note', id: 'phase-trace-note' });
  const status = statusLine('bench-status', 'phase-status');
  const startX = numberInput('x', 0, { id: 'phase-start-x' });
  const startY = numberInput('y', 0, { id: 'phase-start-y' });
  const startButton = button('Start from here', 'Set the initial state to this point of the plane and run from it', 'phase-start');
  const legend = el('ul', { class: 'bench-legend' });
  const who = el('select', { id: 'phase-population', 'aria-label': 'Population whose plane is shown' });
  const whoLabel = el('label', {}, 'population ');

  function inputNow(t: BenchTarget): number {
    const summary = hooks.summary();
    const step = summary?.steps.find((s) => s.index === t.stimulus);
    if (!summary || !step) return t.input;
    // A run that has ended shows the plane of its last step (a step to the run's end is still on then).
    const at = summary.freeRun ? timeMs : Math.min(timeMs, summary.durationMs - summary.dtMs);
    return at >= step.startMs && at < step.stopMs ? t.input : 0;
  }

  function request(t: BenchTarget): PlaneRequest {
    return { model: t.model, parameters: t.parameters, input: inputNow(t), blockers: t.blockers, ions: t.ions };
  }

  /** Ask for the plane (and the bifurcation) when what it depends on changed. */
  async function refresh(): Promise<void> {
    const all = benchTargets(hooks.summary(), hooks.scenarioNow());
    const names = all.map((t) => t.population);
    if (who.options.length !== names.length || [...who.options].some((o, k) => o.value !== names[k])) {
      who.replaceChildren(...all.map((t) => el('option', { value: t.population }, `${t.population} (${t.summary.modelName})`)));
      if (target && names.includes(target.population)) who.value = target.population;
    }
    whoLabel.hidden = names.length < 2;
    // The chosen population first, then the others (the first with a plane is shown).
    const targets = [...all.filter((t) => t.population === who.value), ...all.filter((t) => t.population !== who.value)];
    for (const t of targets) {
      const req = request(t);
      const key = JSON.stringify([t.population, req]);
      if (key === planeKey && target?.population === t.population) return;
      const id = ++asking;
      const answer = await askBench((api) => api.plane(req));
      if (id !== asking) return;
      if (!answer.ok) continue;
      if (target?.population !== t.population || view?.modelName !== answer.value.modelName) {
        startX.input.value = String(Number(answer.value.home[0].toPrecision(4)));
        startY.input.value = String(Number(answer.value.home[1].toPrecision(4)));
      }
      target = t;
      who.value = t.population;
      planeKey = key;
      view = answer.value;
      host.hidden = false;
      describe();
      noteTraces();
      schedule();
      if (bifurcation !== undefined) tell();
      const bKey = JSON.stringify([t.population, { ...req, input: 0 }]);
      if (bKey !== bifurcationKey) {
        bifurcationKey = bKey;
        bifurcation = undefined;
        onset.textContent = 'Finding where the rest state loses stability…';
        const found = await askBench((api) => api.bifurcation(req));
        if (bKey !== bifurcationKey) return;
        bifurcation = found.ok ? found.value : null;
        describe();
        tell();
      }
      return;
    }
    // No population has a plane.
    target = null;
    view = null;
    host.hidden = true;
  }

  /** The lessons' part: whether the rest is stable at the input in force, and how it loses stability. */
  function tell(): void {
    if (!view || !target || bifurcation === undefined) return;
    hooks.publish('bench', { plane: { population: target.population, restStable: view.fixedPoints.some((p) => p.stable), bifurcation: bifurcation?.kind ?? null } });
  }

  function describe(): void {
    if (!view || !target) return;
    const v = view;
    title.textContent = `${v.modelName} (${target.population}): the ${v.x.name}-${v.y.name} plane at ${v.input.symbol} = ${fmt(v.input.value)} ${v.input.unit}, the input in force now.`;
    reduction.textContent = v.reduction ? `A reduced plane: ${v.reduction}. The trajectory drawn is the full model's, projected onto it.` : '';
    points.replaceChildren(
      ...(v.fixedPoints.length === 0
        ? [el('li', {}, 'No fixed point in view: the state cannot rest, so it cycles (repetitive firing).')]
        : v.fixedPoints.map((p) => el('li', {}, `${p.type[0].toUpperCase()}${p.type.slice(1)}${/stable/.test(p.type) ? '' : p.stable ? ' (stable)' : ' (unstable)'} at ${v.x.name} = ${fmt(p.x, 4)}, ${v.y.name} = ${fmt(p.y, 4)} (eigenvalues ${p.eigenvalues.re.map((re, k) => `${fmt(re)}${p.eigenvalues.im[k] ? `${p.eigenvalues.im[k] > 0 ? ' + ' : ' - '}${fmt(Math.abs(p.eigenvalues.im[k]))}i` : ''}`).join(', ')}); ${p.stable ? 'a filled' : 'an open'} marker.`))),
    );
    if (bifurcation === undefined) return;
    if (bifurcation === null) onset.textContent = `The rest state stays stable (or there is none) for ${v.input.symbol} over the model's sweep range.`;
    else {
      const kind = bifurcation.kind === 'hopf' ? 'a Hopf bifurcation: the rest turns unstable where it is and firing starts at a finite rate (type II)' : 'a saddle-node: the rest meets the saddle and both vanish, so firing starts on the invariant circle at any low rate (type I, SNIC)';
      onset.textContent = `As ${v.input.symbol} rises, the rest state loses stability at ${v.input.symbol} = ${fmt(bifurcation.input, 4)} ${bifurcation.unit} in ${kind}.`;
    }
    startX.wrap.firstChild!.textContent = `${v.x.name} `;
    startY.wrap.firstChild!.textContent = `${v.y.name} `;
  }

  /** Say when the run does not trace the plane's two variables (after its first frame: none have come before). */
  function noteTraces(): void {
    if (!target || !view || trails.size === 0) return;
    const traced = trailOf(target.population, view.x.name) && trailOf(target.population, view.y.name);
    traceNote.textContent = traced ? '' : `The trajectory needs traces of ${view.x.name} and ${view.y.name}; click the plane to run with them.`;
  }

  function schedule(): void {
    if (drawPending) return;
    drawPending = true;
    requestAnimationFrame(() => {
      drawPending = false;
      draw();
    });
  }

  function draw(): void {
    if (!view || host.hidden) return;
    const v = view;
    plot.begin({ x: v.ranges.x, y: v.ranges.y, xTitle: `${v.x.name}${v.x.unit && v.x.unit !== '1' ? ` (${v.x.unit})` : ''}`, yTitle: `${v.y.name}${v.y.unit && v.y.unit !== '1' ? ` (${v.y.unit})` : ''}` });
    plot.clip();
    const c = plot.context;
    // Arrows of the field, all the same length on screen: direction, not speed.
    const { xs, ys, dx, dy } = v.field;
    c.strokeStyle = '#9a9a9a';
    c.lineWidth = 1;
    for (let j = 0; j < ys.length; j++) {
      for (let i = 0; i < xs.length; i++) {
        const k = j * xs.length + i;
        const px = plot.px(xs[i]);
        const py = plot.py(ys[j]);
        const ux = plot.px(xs[i] + dx[k]) - px;
        const uy = plot.py(ys[j] + dy[k]) - py;
        const length = Math.hypot(ux, uy);
        if (!(length > 0)) continue;
        const ex = (9 * ux) / length;
        const ey = (9 * uy) / length;
        c.beginPath();
        c.moveTo(px, py);
        c.lineTo(px + ex, py + ey);
        c.lineTo(px + ex - 0.35 * ex + 0.25 * ey, py + ey - 0.35 * ey - 0.25 * ex);
        c.stroke();
      }
    }
    for (const line of v.nullclines.x) plot.line(line.filter((_, k) => k % 2 === 0), line.filter((_, k) => k % 2 === 1), X_NULLCLINE, 2);
    for (const line of v.nullclines.y) plot.line(line.filter((_, k) => k % 2 === 0), line.filter((_, k) => k % 2 === 1), Y_NULLCLINE, 2);
    const tx = trailOf(target!.population, v.x.name);
    const ty = trailOf(target!.population, v.y.name);
    const n = tx && ty ? Math.min(tx.length, ty.length) : 0;
    if (tx && ty && n > 1) {
      const xsT = new Float64Array(n);
      const ysT = new Float64Array(n);
      for (let k = 0; k < n; k++) {
        xsT[k] = tx.values[(tx.start + tx.length - n + k) % TRAIL];
        ysT[k] = ty.values[(ty.start + ty.length - n + k) % TRAIL];
      }
      plot.line(xsT, ysT, '#222222', 1.4);
      plot.marker(xsT[n - 1], ysT[n - 1], '#222222', true, 3.5);
    }
    for (const p of v.fixedPoints) plot.marker(p.x, p.y, '#6a3d9a', p.stable, 5.5);
    plot.end();
  }

  /** Run from (x, y): the plane fills in the rest of the state, set live where the run goes on and traces both variables. */
  async function startFrom(x: number, y: number): Promise<void> {
    if (!target || !view) return;
    const t = target;
    const v = view;
    const state = await askBench((api) => api.stateAt(request(t), x, y));
    if (!state.ok) {
      status.className = 'bench-status error';
      status.textContent = `Cannot start there: ${state.error.message}`;
      return;
    }
    const where = `${v.x.name} = ${fmt(x, 4)}, ${v.y.name} = ${fmt(y, 4)}`;
    startX.input.value = String(Number(x.toPrecision(4)));
    startY.input.value = String(Number(y.toPrecision(4)));
    const traced = trailOf(t.population, v.x.name) && trailOf(t.population, v.y.name);
    if (traced && (runState === 'running' || runState === 'paused')) {
      const waiting: NonNullable<typeof jump> = { population: t.population, fromMs: null, held: [] };
      jump = waiting;
      for (const [key, ring] of trails) if (key.startsWith(`${t.population}/`)) ring.length = ring.start = 0;
      const result = await hooks.apply({ kind: 'initial', population: t.population, values: state.value });
      if (jump === waiting) {
        if (result?.ok) {
          // The frames that came meanwhile, from the change on.
          waiting.fromMs = result.atMs;
          for (const traces of waiting.held) append(traces);
          waiting.held = [];
          schedule();
        } else jump = null;
      }
      if (!result) return;
      status.className = result.ok ? 'bench-status' : 'bench-status error';
      status.textContent = result.ok ? `Started from ${where} at ${fmt(timeMs, 5)} ms${runState === 'paused' ? ' (paused: play to run on)' : ''}.` : `Not started: ${result.error.message}`;
      return;
    }
    const scenario = await hooks.scenario();
    if (!scenario) return;
    const populations = scenario.populations as { name: string; initial?: Record<string, number> }[];
    const population = populations.find((p) => p.name === t.population);
    if (!population) return;
    population.initial = state.value;
    const record = (scenario.record ??= {}) as { traces?: { population: string; variable: string; neurons: number[] }[] };
    record.traces ??= [];
    for (const variable of [v.x.name, v.y.name]) {
      if (!record.traces.some((tr) => tr.population === t.population && tr.variable === variable)) record.traces.push({ population: t.population, variable, neurons: [0] });
    }
    const opened = await hooks.open(scenario);
    status.className = opened.ok ? 'bench-status' : 'bench-status error';
    status.textContent = opened.ok ? `Started from ${where} (the run opened again at 0 ms${traced ? ', as the last had ended' : `, tracing ${v.x.name} and ${v.y.name}`}).` : `Not started: ${opened.message}`;
  }

  return {
    mount(h, hooks_) {
      host = h;
      hooks = hooks_;
      addBenchStyle();
      host.id = 'phase-panel';
      host.className = 'panel bench-panel';
      host.hidden = true;
      const swatch = (colour: string, text: string, dashed = false) => {
        const item = el('li');
        const mark = el('span');
        mark.style.background = dashed ? `repeating-linear-gradient(90deg, ${colour} 0 5px, transparent 5px 8px)` : colour;
        item.append(mark, text);
        return item;
      };
      legend.append(swatch(X_NULLCLINE, 'x-nullcline (no horizontal motion)'), swatch(Y_NULLCLINE, 'y-nullcline (no vertical motion)'), swatch('#222222', 'trajectory'), swatch('#6a3d9a', 'fixed point: filled stable, open unstable'));
      const start = el('div', { class: 'bench-controls' });
      start.append(startX.wrap, startY.wrap, startButton);
      const figure = el('figure');
      figure.append(plot.canvas, legend, el('figcaption', {}, 'Click or tap the plane to start from that state.'));
      whoLabel.append(who);
      who.addEventListener('change', () => void refresh());
      host.append(el('h2', {}, 'Phase plane'), whoLabel, title, reduction, figure, traceNote, points, onset, start, status);
      plot.canvas.style.cursor = 'crosshair';
      plot.canvas.addEventListener('click', (event) => {
        const box = plot.canvas.getBoundingClientRect();
        const at = plot.dataAt(event.clientX - box.left, event.clientY - box.top);
        if (at) void startFrom(at[0], at[1]);
      });
      startButton.addEventListener('click', () => void startFrom(Number(startX.input.value), Number(startY.input.value)));
      window.addEventListener('resize', schedule);
    },
    loaded() {
      trails.clear();
      jump = null;
      traceNote.textContent = '';
      status.textContent = ''; // a start from the plane says so after the run it opened has loaded
      view = null; // the plane of the run before is not this run's; frames are kept until the new one comes
      timeMs = 0;
      planeKey = '';
      void refresh();
    },
    changed() {
      void refresh();
    },
    frame(frame: Frame, info: FrameInfo) {
      const before = target ? inputNow(target) : 0;
      timeMs = info.timeMs;
      runState = info.state;
      if (jump && jump.fromMs === null) jump.held.push(frame.traces.filter((tr) => tr.population === jump!.population && tr.neuron === 0));
      append(frame.traces);
      if (!target || !view) return;
      if (inputNow(target) !== before) void refresh();
      noteTraces();
      schedule();
    },
    images: () => [{ name: 'phase plane', shown: () => view !== null && plot.canvas.offsetParent !== null, png: () => new Promise((resolve) => plot.canvas.toBlob((blob) => resolve(blob ? { blob, width: plot.canvas.width, height: plot.canvas.height } : null), 'image/png')) }],
    dispose() {
      window.removeEventListener('resize', schedule);
    },
  };
}
