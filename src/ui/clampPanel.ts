// The voltage-clamp panel: the experiment Hodgkin and Huxley did, on the page's population (any
// model whose file declares a membrane variable and currents). A command protocol (a holding level,
// then either a family of steps from/to/step or one ramp from/to, over a duration; an ideal clamp
// or one through a series resistance R_s) runs in the bench worker (an HH family takes seconds),
// with the blockers, ion concentrations and parameters in force. It shows the currents over time
// (each declared current, the total, the clamp current, or a gate, with the model file's labels and
// colours), the I-V curves (for steps: each current's peak, the total's most inward value and its
// late value at the end of the step, against the command potential; for a ramp: each current, the
// total and the clamp current along the command) and, as the text alternative, the I-V data as a table.
import type { Panel, PanelHooks } from './panel.js';
import type { ClampFamily } from '../../workers/benchApi.js';
import { button, el, statusLine } from './dom.js';
import { askBench } from './benchClient.js';
import { BenchPlot, rangeOf } from './benchPlot.js';
import { resistanceUnitOf } from '../core/stimulus/resistanceUnit.js';
import { addBenchStyle, benchTargets, fmt, numberInput, type BenchTarget } from './benchTarget.js';

/** Populations the clamp can hold: those whose model declares a membrane variable (the worker names any other want). */
function clampable(targets: BenchTarget[]): BenchTarget[] {
  return targets.filter((t) => t.summary.membrane !== null);
}

export function clampPanel(): Panel {
  let hooks: PanelHooks;
  let host: HTMLElement;
  let targets: BenchTarget[] = [];
  let family: ClampFamily | null = null;
  let running = 0;
  const who = el('select', { id: 'clamp-population', 'aria-label': 'Population to clamp' });
  const hold = numberInput('hold (mV)', -65, { id: 'clamp-hold', min: -200, max: 200 });
  const from = numberInput('from (mV)', -100, { id: 'clamp-from', min: -200, max: 200 });
  const to = numberInput('to (mV)', 60, { id: 'clamp-to', min: -200, max: 200 });
  const step = numberInput('step (mV)', 10, { id: 'clamp-step', min: 0.1, max: 100 });
  const protocol = el('select', { id: 'clamp-protocol', 'aria-label': 'Command protocol' });
  protocol.append(el('option', { value: 'steps' }, 'family of steps'), el('option', { value: 'ramp' }, 'ramp'));
  const duration = numberInput('duration (ms)', 20, { id: 'clamp-duration', min: 0.1, max: 1000 });
  const mode = el('select', { id: 'clamp-mode', 'aria-label': 'Clamp' });
  mode.append(el('option', { value: 'ideal' }, 'ideal clamp'), el('option', { value: 'rs' }, 'series resistance R_s'));
  const rs = numberInput('R_s', 2, { id: 'clamp-rs', min: 0.0001, max: 1e6 });
  rs.wrap.hidden = true;
  const show = el('select', { id: 'clamp-show', 'aria-label': 'Show over time' });
  const run = button('Run clamp family', 'Run the family of command steps in the bench worker', 'clamp-run', true);
  const status = statusLine('bench-status', 'clamp-status');
  const note = el('p', { class: 'bench-note', id: 'clamp-note' });
  const timePlot = new BenchPlot('Clamp currents over time for each command step');
  const ivPlot = new BenchPlot('I-V curves: peak and late current against command potential');
  const legend = el('ul', { class: 'bench-legend', id: 'clamp-legend' });
  const ivLegend = el('ul', { class: 'bench-legend', id: 'clamp-iv-legend' });
  const table = el('table', { id: 'clamp-iv-table' });

  const target = () => targets.find((t) => t.population === who.value) ?? targets[0] ?? null;

  function setTargets(): void {
    targets = clampable(benchTargets(hooks.summary(), hooks.scenarioNow()));
    const before = who.value;
    who.replaceChildren(...targets.map((t) => el('option', { value: t.population }, `${t.population} (${t.summary.modelName})`)));
    if (targets.some((t) => t.population === before)) who.value = before;
    who.parentElement!.hidden = targets.length < 2;
    run.disabled = targets.length === 0;
    if (targets.length === 0) status.textContent = 'No population here has a membrane potential to clamp.';
    else if (!family) status.textContent = 'Set a protocol and run the family.';
    relabel();
  }

  /** Units from the clamped population's model file: its membrane's, and the series resistance's (membrane per input unit). */
  function relabel(): void {
    const t = target();
    const v = t?.summary.membrane?.unit ?? 'mV';
    const named: [{ wrap: HTMLLabelElement }, string][] = [[hold, `hold (${v})`], [from, `from (${v})`], [to, `to (${v})`], [step, `step (${v})`], [rs, `R_s (${resistanceUnitOf(v, t?.summary.input.unit ?? '')})`]];
    for (const [field, text] of named) field.wrap.firstChild!.textContent = `${text} `;
  }

  async function runFamily(): Promise<void> {
    const t = target();
    if (!t) return;
    const id = ++running;
    run.disabled = true;
    status.className = 'bench-status';
    status.textContent = `Running the clamp family of ${t.population} in the background…`;
    const seriesResistance = mode.value === 'rs' ? Number(rs.input.value) : undefined;
    const ramp = protocol.value === 'ramp';
    const result = await askBench((api) =>
      api.clampFamily({
        model: t.model,
        protocol: ramp ? 'ramp' : 'steps',
        parameters: t.parameters,
        blockers: t.blockers,
        ions: t.ions,
        holdingMV: Number(hold.input.value),
        fromMV: Number(from.input.value),
        toMV: Number(to.input.value),
        stepMV: Number(step.input.value),
        durationMs: Number(duration.input.value),
        ...(seriesResistance !== undefined ? { seriesResistance } : {}),
        traceEveryMs: 0.05,
      }),
    );
    if (id !== running) return;
    run.disabled = false;
    if (!result.ok) {
      status.className = 'bench-status error';
      status.textContent = `Not run: ${result.error.message}`;
      return;
    }
    family = result.value;
    const blocked = Object.entries(family.blockers).filter(([, f]) => f > 0);
    const what =
      family.protocol === 'ramp'
        ? `A ramp from ${fmt(family.fromMV)} to ${fmt(family.toMV)} ${family.voltageUnit} in ${fmt(family.durationMs)} ms (${fmt((family.toMV - family.fromMV) / family.durationMs)} ${family.voltageUnit}/ms)`
        : `${family.steps.length} steps from ${fmt(family.steps[0].levelMV)} to ${fmt(family.steps[family.steps.length - 1].levelMV)} ${family.voltageUnit}`;
    const rsUnit = resistanceUnitOf(family.voltageUnit, target()?.summary.input.unit ?? '');
    status.textContent = `${what}, held at ${fmt(family.holdingMV)} ${family.voltageUnit}; ${seriesResistance !== undefined ? `series resistance ${fmt(seriesResistance)}${rsUnit ? ` ${rsUnit}` : ''}` : 'ideal clamp'}${blocked.length > 0 ? `; blocked: ${blocked.map(([p, f]) => `${p} ${fmt(f * 100)} %`).join(', ')}` : ''}.`;
    fillShow();
    draw();
    fillTable();
    const done = family;
    hooks.publish('bench', { clamp: { population: t.population, currents: done.currents.map((c, i) => ({ name: c.name, reversalMV: reversalMV(done, i), zero: done.steps.every((s) => s.peak[i] === 0) })) } });
  }

  function fillShow(): void {
    if (!family) return;
    const before = show.value;
    const gates = Object.keys(family.steps[0]?.state ?? {});
    const options = [
      ...family.currents.map((c) => el('option', { value: `current:${c.name}` }, c.label)),
      el('option', { value: 'total' }, 'total ionic current'),
      el('option', { value: 'clamp' }, 'clamp current'),
      el('option', { value: 'v' }, 'membrane potential'),
      ...gates.map((g) => el('option', { value: `gate:${g}` }, `gate ${g}`)),
    ];
    show.replaceChildren(...options);
    show.value = options.some((o) => o.value === before) ? before : 'total';
  }

  /** The selected series of a step, its label and colour. */
  function series(s: ClampFamily['steps'][number]): Float64Array {
    const v = show.value;
    if (v.startsWith('current:')) return s.currents[family!.currents.findIndex((c) => c.name === v.slice(8))];
    if (v.startsWith('gate:')) return s.state[v.slice(5)];
    return v === 'clamp' ? s.clampCurrent : v === 'v' ? s.v : s.total;
  }

  function draw(): void {
    if (!family || family.steps.length === 0) return;
    const chosen = show.value;
    const unit = chosen === 'v' ? family.voltageUnit : chosen.startsWith('gate:') ? '' : family.currentUnit;
    const colour = chosen.startsWith('current:') ? family.currents.find((c) => `current:${c.name}` === chosen)!.colour : '#222222';
    const all = family.steps.flatMap((s) => [...series(s)]);
    timePlot.begin({ x: [0, family.durationMs], y: rangeOf(all), xTitle: family.protocol === 'ramp' ? 'time from the ramp\'s start (ms)' : 'time from the step (ms)', yTitle: `${show.selectedOptions[0]?.textContent ?? ''}${unit ? ` (${unit})` : ''}` });
    timePlot.clip();
    const n = family.steps.length;
    family.steps.forEach((s, k) => {
      // Lighter for the lower command levels: the family reads from bottom to top.
      timePlot.context.globalAlpha = n === 1 ? 1 : 0.35 + (0.65 * k) / (n - 1);
      timePlot.line(s.timeMs, series(s), colour, 1.2);
    });
    timePlot.context.globalAlpha = 1;
    timePlot.end();
    if (family.protocol === 'ramp') {
      legend.replaceChildren(el('li', {}, `one ramp, ${fmt(family.fromMV)} to ${fmt(family.toMV)} ${family.voltageUnit}`));
      drawRampIV(family);
      note.textContent = reversalNote(family);
      return;
    }
    legend.replaceChildren(el('li', {}, `${n} command steps, lighter for the lower levels (${fmt(family.steps[0].levelMV)} … ${fmt(family.steps[n - 1].levelMV)} ${family.voltageUnit})`));

    const levels = Float64Array.from(family.steps, (s) => s.levelMV);
    const curves: { label: string; colour: string; values: Float64Array; dash: number[] }[] = family.currents.map((c, i) => ({ label: `peak ${c.label}`, colour: c.colour, values: Float64Array.from(family!.steps, (s) => s.peak[i]), dash: [] }));
    const ci = family.currents.length;
    curves.push({ label: 'peak inward total (most negative)', colour: '#222222', values: Float64Array.from(family.steps, inwardPeak), dash: [] });
    curves.push({ label: 'late total (end of step)', colour: '#222222', values: Float64Array.from(family.steps, (s) => s.end[ci]), dash: [6, 4] });
    ivPlot.begin({ x: rangeOf(levels), y: rangeOf(curves.flatMap((c) => [...c.values, 0])), xTitle: `command potential (${family.voltageUnit})`, yTitle: `current (${family.currentUnit}), outward +` });
    ivPlot.clip();
    ivPlot.line([ivPlot.axes.x[0], ivPlot.axes.x[1]], [0, 0], '#888888', 1);
    for (const c of curves) {
      ivPlot.line(levels, c.values, c.colour, 1.8, c.dash);
      for (let k = 0; k < levels.length; k++) ivPlot.marker(levels[k], c.values[k], c.colour, c.dash.length === 0, 2.5);
    }
    ivPlot.end();
    showIvLegend(curves);
    note.textContent = reversalNote(family);
  }

  function showIvLegend(curves: { label: string; colour: string; dash: number[] }[]): void {
    ivLegend.replaceChildren(...curves.map((c) => {
      const item = el('li');
      const swatch = el('span');
      swatch.style.background = c.dash.length ? `repeating-linear-gradient(90deg, ${c.colour} 0 5px, transparent 5px 8px)` : c.colour;
      item.append(swatch, c.label);
      return item;
    }));
  }

  /** A ramp's I-V: each current, the total and the clamp current (ionic and capacitive) against the command along it. */
  function drawRampIV(f: ClampFamily): void {
    const s = f.steps[0];
    const curves = [
      ...f.currents.map((c, i) => ({ label: c.label, colour: c.colour, values: s.currents[i], dash: [] as number[] })),
      { label: 'total ionic current', colour: '#222222', values: s.total, dash: [] as number[] },
      { label: 'clamp current (ionic + C dV/dt)', colour: '#222222', values: s.clampCurrent, dash: [6, 4] },
    ];
    ivPlot.begin({ x: rangeOf([f.fromMV, f.toMV]), y: rangeOf(curves.flatMap((c) => [...c.values, 0])), xTitle: `command potential along the ramp (${f.voltageUnit})`, yTitle: `current (${f.currentUnit}), outward +` });
    ivPlot.clip();
    ivPlot.line([ivPlot.axes.x[0], ivPlot.axes.x[1]], [0, 0], '#888888', 1);
    for (const c of curves) ivPlot.line(s.commandMV, c.values, c.colour, 1.8, c.dash);
    ivPlot.end();
    showIvLegend(curves);
  }

  function fillTable(): void {
    if (!family) return;
    if (family.protocol === 'ramp') return fillRampTable(family);
    const u = family.currentUnit;
    const head = el('tr');
    const names = [...family.currents.map((c) => c.name), 'total'];
    head.append(el('th', { scope: 'col' }, `V (${family.voltageUnit})`), ...names.flatMap((n) => [el('th', { scope: 'col' }, `peak ${n} (${u})`), el('th', { scope: 'col' }, `end ${n} (${u})`)]), el('th', { scope: 'col' }, `inward total (${u})`));
    const rows = family.steps.map((s) => {
      const row = el('tr');
      row.append(el('th', { scope: 'row' }, fmt(s.levelMV, 4)), ...names.flatMap((_, i) => [el('td', {}, fmt(s.peak[i], 4)), el('td', {}, fmt(s.end[i], 4))]), el('td', {}, fmt(inwardPeak(s), 4)));
      return row;
    });
    table.replaceChildren(el('caption', {}, 'I-V data: each current at its largest magnitude during the step (peak) and at its end, and the most inward total, outward positive'), el('thead'), el('tbody'));
    table.tHead!.append(head);
    table.tBodies[0].append(...rows);
  }

  /** A ramp's table: the samples nearest 17 evenly spaced commands along it. */
  function fillRampTable(f: ClampFamily): void {
    const s = f.steps[0];
    const u = f.currentUnit;
    const head = el('tr');
    head.append(el('th', { scope: 'col' }, `V (${f.voltageUnit})`), el('th', { scope: 'col' }, 't (ms)'), ...f.currents.map((c) => el('th', { scope: 'col' }, `${c.name} (${u})`)), el('th', { scope: 'col' }, `total (${u})`), el('th', { scope: 'col' }, `clamp (${u})`));
    const last = s.timeMs.length - 1;
    const picks = [...new Set(Array.from({ length: 17 }, (_, k) => Math.round((k * last) / 16)))];
    const rows = picks.map((j) => {
      const row = el('tr');
      row.append(el('th', { scope: 'row' }, fmt(s.commandMV[j], 4)), el('td', {}, fmt(s.timeMs[j], 4)), ...f.currents.map((_, i) => el('td', {}, fmt(s.currents[i][j], 4))), el('td', {}, fmt(s.total[j], 4)), el('td', {}, fmt(s.clampCurrent[j], 4)));
      return row;
    });
    table.replaceChildren(el('caption', {}, 'I-V data along the ramp: each current at 17 points of the command, outward positive; the clamp current adds the capacitive current'), el('thead'), el('tbody'));
    table.tHead!.append(head);
    table.tBodies[0].append(...rows);
  }

  return {
    mount(h, hooks_) {
      host = h;
      hooks = hooks_;
      addBenchStyle();
      host.id = 'clamp-panel';
      host.className = 'panel bench-panel';
      const whoLabel = el('label', {}, 'population ');
      whoLabel.append(who);
      const tableBox = el('details', { class: 'bench-table' });
      tableBox.append(el('summary', {}, 'I-V data as a table'), table);
      const timeFigure = el('figure');
      timeFigure.append(timePlot.canvas, legend, el('figcaption', {}, 'Over time from the command\'s start; choose what to show.'));
      const ivFigure = el('figure');
      ivFigure.append(ivPlot.canvas, ivLegend);
      const plots = el('div', { class: 'bench-plots' });
      plots.append(timeFigure, ivFigure);
      const showLabel = el('label', {}, 'show ');
      showLabel.append(show);
      const controls = el('div', { class: 'bench-controls' });
      controls.append(whoLabel, protocol, hold.wrap, from.wrap, to.wrap, step.wrap, duration.wrap, mode, rs.wrap, run);
      host.append(el('h2', {}, 'Voltage clamp'), controls, status, showLabel, plots, note, tableBox);
      mode.addEventListener('change', () => (rs.wrap.hidden = mode.value !== 'rs'));
      who.addEventListener('change', relabel);
      protocol.addEventListener('change', () => {
        step.wrap.hidden = protocol.value === 'ramp';
        run.textContent = protocol.value === 'ramp' ? 'Run clamp ramp' : 'Run clamp family';
      });
      run.addEventListener('click', () => void runFamily());
      show.addEventListener('change', draw);
      window.addEventListener('resize', draw);
    },
    loaded() {
      setTargets();
    },
    changed() {
      setTargets();
    },
    images: () => [
      { name: 'clamp currents', shown: () => family !== null && timePlot.canvas.offsetParent !== null, png: () => png(timePlot.canvas) },
      { name: 'I-V curves', shown: () => family !== null && ivPlot.canvas.offsetParent !== null, png: () => png(ivPlot.canvas) },
    ],
    dispose() {
      window.removeEventListener('resize', draw);
    },
  };
}

/** The total current's most inward (negative) value during a step, 0 when it never flows inward: the early current of an I-V curve. */
export function inwardPeak(step: ClampFamily['steps'][number]): number {
  let low = 0;
  for (const x of step.total) if (x < low) low = x;
  return low;
}

/** Where each current's peak changes sign between two command levels: its reversal potential, read off the I-V curve. */
export function reversalNote(family: ClampFamily): string {
  const parts: string[] = [];
  family.currents.forEach((c, i) => {
    if (family.steps.every((s) => s.peak[i] === 0)) {
      parts.push(`${c.label} is zero at every level`);
      return;
    }
    const v = reversalMV(family, i);
    if (v !== null) parts.push(`${c.label} reverses near ${fmt(v)} ${family.voltageUnit}`);
  });
  return parts.length > 0 ? `Read off the I-V curve: ${parts.join('; ')}.` : '';
}

/**
 * Where current `i`'s peak changes sign along the command levels: at a level where it is exactly 0
 * between levels of opposite sign (a step onto the reversal), else interpolated between the two
 * levels it changes sign between; null when it keeps one sign.
 */
export function reversalMV(family: ClampFamily, i: number): number | null {
  if (family.protocol === 'ramp') return rampCrossing(family.steps[0].commandMV, family.steps[0].currents[i]);
  const steps = family.steps;
  let last = -1; // the last level with a non-zero peak
  for (let k = 0; k < steps.length; k++) {
    const y = steps[k].peak[i];
    if (y === 0) continue;
    if (last >= 0 && Math.sign(y) !== Math.sign(steps[last].peak[i])) {
      if (k - last > 1) return steps[last + 1].levelMV;
      const ya = steps[last].peak[i];
      return steps[last].levelMV + ((steps[k].levelMV - steps[last].levelMV) * ya) / (ya - y);
    }
    last = k;
  }
  return null;
}

function png(canvas: HTMLCanvasElement): Promise<{ blob: Blob; width: number; height: number } | null> {
  return new Promise((resolve) => canvas.toBlob((blob) => resolve(blob ? { blob, width: canvas.width, height: canvas.height } : null), 'image/png'));
}

/** Along a ramp: the command where a current first changes sign (interpolated; a sample exactly at 0 between opposite signs is it), null if it keeps one sign. */
function rampCrossing(command: Float64Array, current: Float64Array): number | null {
  let last = -1;
  for (let k = 0; k < current.length; k++) {
    const y = current[k];
    if (y === 0) continue;
    if (last >= 0 && Math.sign(y) !== Math.sign(current[last])) {
      if (k - last > 1) return command[last + 1];
      const ya = current[last];
      return command[last] + ((command[k] - command[last]) * ya) / (ya - y);
    }
    last = k;
  }
  return null;
}
