// Blockers and ions on the page: for a population whose model file declares them, a slider per
// blocker named as the file names it (TTX, TEA: the fraction of its conductance blocked), and per
// declared ion its concentrations inside and outside, with its Nernst potential at the temperature
// in force and the Goldman-Hodgkin-Katz resting potential as numbers. Each change goes to the
// running experiment through apply (blockers, ions, or the temperature parameter), so raising [K]o
// moves E_K and the membrane potential of the running trace at once; the membrane potential now is
// shown beside the GHK prediction, from the frames. Where several populations declare blockers or
// ions, a chooser picks the one shown. The temperature box follows the temperature in force, however
// it was set (this box, its parameter control, undo), except while the student is typing in it.
import type { Frame } from '../core/simulation.js';
import type { Panel, PanelHooks } from './panel.js';
import type { PopulationSummary } from '../../workers/simulationApi.js';
import { nernstMV, FARADAY, GAS_CONSTANT, ZERO_CELSIUS_K } from '../core/model/ions.js';
import { el, statusLine } from './dom.js';
import { addBenchStyle, benchTargets, fmt, numberInput, type BenchTarget } from './benchTarget.js';

/** GHK resting potential (mV) over the monovalent ions with a permeability. */
export function ghkMV(species: { charge: number; insideMM: number; outsideMM: number; permeability: number | null }[], celsius: number): number | null {
  let up = 0;
  let down = 0;
  for (const s of species) {
    if (!s.permeability || Math.abs(s.charge) !== 1) continue;
    up += s.permeability * (s.charge > 0 ? s.outsideMM : s.insideMM);
    down += s.permeability * (s.charge > 0 ? s.insideMM : s.outsideMM);
  }
  if (!(up > 0 && down > 0)) return null;
  return ((1000 * GAS_CONSTANT * (celsius + ZERO_CELSIUS_K)) / FARADAY) * Math.log(up / down);
}

/** How long the membrane potential must stay within 1 mV to count as a rest (ms). */
const SETTLED_MS = 20;

export function ionsPanel(): Panel {
  const recent: number[] = [];
  let hooks: PanelHooks;
  let host: HTMLElement;
  let target: BenchTarget | null = null;
  let shownFor = '';
  /** Concentrations and temperature as the page has set them (the summary is as loaded). */
  let concentrations: Record<string, { insideMM: number; outsideMM: number }> = {};
  let celsius = NaN;
  /** Ions whose concentrations the population sets (so Nernst sets their reversal); others keep the file's reversal value. */
  let setting = new Set<string>();
  const body = el('div', { class: 'bench-controls', id: 'ions-body' });
  const numbers = el('p', { id: 'ions-numbers', 'aria-live': 'polite' });
  const status = statusLine('bench-status', 'ions-status');
  let vNow = NaN;
  const vLine = el('p', { id: 'ions-v-now' });
  const who = el('select', { id: 'ions-population', 'aria-label': 'Population whose blockers and ions are shown' });
  const whoLabel = el('label', {}, 'population ');
  let temperatureInput: HTMLInputElement | null = null;

  function candidates(): BenchTarget[] {
    return benchTargets(hooks.summary(), hooks.scenarioNow()).filter((t) => t.summary.blockers.length > 0 || (t.summary.ions?.species.length ?? 0) > 0);
  }

  function temperatureRow(p: PopulationSummary) {
    return p.parameters.find((row) => row.unit === 'degC') ?? null;
  }

  async function send(change: Parameters<PanelHooks['apply']>[0], what: string): Promise<void> {
    const result = await hooks.apply(change);
    if (!result) return;
    status.className = result.ok ? 'bench-status' : 'bench-status error';
    status.textContent = result.ok ? `${what}: applied ${result.applies === 'live' ? 'live' : 'at the next reset'}.` : `${what} refused: ${result.error.message}`;
  }

  function build(): void {
    const all = candidates();
    const names = all.map((t) => t.population);
    if (who.options.length !== names.length || [...who.options].some((o, k) => o.value !== names[k])) {
      const before = who.value;
      who.replaceChildren(...all.map((t) => el('option', { value: t.population }, `${t.population} (${t.summary.modelName})`)));
      if (names.includes(before)) who.value = before;
    }
    whoLabel.hidden = names.length < 2;
    target = all.find((t) => t.population === who.value) ?? all[0] ?? null;
    host.hidden = !target;
    if (!target) return;
    const p = target.summary;
    const key = `${p.name}/${p.model}`;
    if (key === shownFor) {
      showNumbers(); // a parameter (a reversal, the temperature) may have changed
      return;
    }
    shownFor = key;
    vNow = NaN;
    recent.length = 0;
    vLine.textContent = '';
    temperatureInput = null;
    setting = new Set((p.ions?.species ?? []).filter((s) => s.setsReversal || target!.ions[s.ion] !== undefined).map((s) => s.ion));
    concentrations = Object.fromEntries((p.ions?.species ?? []).map((s) => [s.ion, { insideMM: target!.ions[s.ion]?.insideMM ?? s.insideMM, outsideMM: target!.ions[s.ion]?.outsideMM ?? s.outsideMM }]));
    const temp = temperatureRow(p);
    celsius = temp ? temp.value : (p.ions?.temperatureC ?? NaN);
    body.replaceChildren();
    for (const b of p.blockers) {
      const wrap = el('label', { title: b.meaning });
      const slider = el('input', { type: 'range', min: '0', max: '1', step: '0.05', id: `block-${b.name}`, 'aria-label': `${b.name}: fraction of ${b.parameter} blocked` });
      slider.value = String(target.blockers[b.name] ?? b.fraction);
      const out = el('output', { for: slider.id }, `${fmt(Number(slider.value) * 100)} %`);
      wrap.append(`${b.name} (blocks ${b.parameter})`, slider, out);
      slider.addEventListener('input', () => (out.textContent = `${fmt(Number(slider.value) * 100)} %`));
      slider.addEventListener('change', () => void send({ kind: 'blockers', population: p.name, values: { [b.name]: Number(slider.value) } }, `${b.name} ${fmt(Number(slider.value) * 100)} %`));
      body.append(wrap);
    }
    for (const s of p.ions?.species ?? []) {
      const group = el('fieldset', { class: 'ion' });
      group.append(el('legend', {}, `${s.ion}${s.reversal ? ` (sets ${s.reversal})` : ''}`));
      for (const side of ['insideMM', 'outsideMM'] as const) {
        const field = numberInput(side === 'insideMM' ? `[${s.ion}]i mM` : `[${s.ion}]o mM`, concentrations[s.ion][side], { id: `ion-${s.ion}-${side === 'insideMM' ? 'in' : 'out'}`, min: 1e-6, max: 1e4 });
        field.input.addEventListener('change', () => {
          const value = Number(field.input.value);
          if (!(value > 0)) {
            status.className = 'bench-status error';
            status.textContent = `[${s.ion}] must be above 0 mM, got ${field.input.value}`;
            return;
          }
          concentrations[s.ion][side] = value;
          setting.add(s.ion);
          showNumbers();
          void send({ kind: 'ions', population: p.name, values: { [s.ion]: { [side]: value } } }, `[${s.ion}]${side === 'insideMM' ? 'i' : 'o'} ${fmt(value)} mM`);
        });
        group.append(field.wrap);
      }
      body.append(group);
    }
    if (temp) {
      const field = numberInput(`temperature (${temp.name}, degC)`, temp.value, { id: 'ions-temperature', min: temp.min, max: temp.max });
      field.input.addEventListener('change', () => {
        celsius = Number(field.input.value);
        showNumbers();
        void send({ kind: 'parameters', population: p.name, values: { [temp.name]: celsius } }, `${temp.name} ${fmt(celsius)} degC`);
      });
      body.append(field.wrap);
      temperatureInput = field.input;
    }
    showNumbers();
  }

  function showNumbers(): void {
    const p = target?.summary;
    if (!p) return;
    // The temperature in force: the parameter as the page has it (the controls may have changed it too).
    const temp = temperatureRow(p);
    if (temp && target?.parameters[temp.name] !== undefined) celsius = target.parameters[temp.name];
    // The box shows the temperature in force, unless the student is editing it now.
    if (temperatureInput && document.activeElement !== temperatureInput && Number(temperatureInput.value) !== celsius) temperatureInput.value = String(celsius);
    if (!p.ions) {
      numbers.textContent = '';
      return;
    }
    const species = p.ions.species.map((s) => ({ ...s, ...concentrations[s.ion] }));
    const parts = species.filter((s) => s.reversal).map((s) => {
      const nernst = `E_${s.ion} = ${fmt(nernstMV(s.charge, s.insideMM, s.outsideMM, celsius), 4)} mV`;
      if (setting.has(s.ion)) return nernst;
      const given = target?.parameters[s.reversal!];
      return `${nernst} (until you change [${s.ion}], ${s.reversal} = ${given !== undefined ? fmt(given, 4) : '?'} mV as given is in use)`;
    });
    const ghk = ghkMV(species, celsius);
    numbers.textContent = `At ${fmt(celsius)} degC (Nernst): ${parts.join(', ')}. ${ghk === null ? 'No GHK rest: the file gives no permeabilities.' : `GHK resting potential ${fmt(ghk, 4)} mV.`}`;
  }

  return {
    mount(h, hooks_) {
      host = h;
      hooks = hooks_;
      addBenchStyle();
      host.id = 'ions-panel';
      host.className = 'panel bench-panel';
      whoLabel.append(who);
      whoLabel.hidden = true;
      who.addEventListener('change', () => {
        shownFor = '';
        build();
      });
      host.append(el('h2', {}, 'Blockers and ions'), whoLabel, body, numbers, vLine, status);
    },
    loaded() {
      shownFor = '';
      vNow = NaN;
      recent.length = 0;
      vLine.textContent = '';
      build();
    },
    changed() {
      build();
    },
    frame(frame: Frame) {
      if (!target?.summary.membrane) return;
      const trace = frame.traces.find((t) => t.population === target!.population && t.variable === target!.summary.membrane!.variable);
      if (!trace || trace.values.length === 0) return;
      vNow = trace.values[trace.values.length - 1];
      // Settled: the last SETTLED_MS of samples within 1 mV of each other (a spike passing through a range is not a rest).
      const keep = Math.max(1, Math.round(SETTLED_MS / trace.everyMs));
      recent.push(...trace.values);
      if (recent.length > keep) recent.splice(0, recent.length - keep);
      const settled = recent.length === keep && Math.max(...recent) - Math.min(...recent) < 1 ? recent.reduce((a, b) => a + b, 0) / keep : null;
      vLine.textContent = `Membrane potential of ${target.population} now: ${fmt(vNow, 4)} ${target.summary.membrane.unit}${settled === null ? ' (not settled)' : ', settled'}.`;
      if (target.summary.ions) hooks.publish('bench', { ions: { population: target.population, concentrations: structuredClone(concentrations), membraneMV: settled } });
    },
  };
}
