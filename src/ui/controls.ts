// The controls panel, built from the worker's summary of the loaded scenario: the input of each
// step stimulus (its amplitude in the model's input unit), the poke (an extra current while the
// button or the p key is held), each population's size (for a network) and every parameter of its
// model file's table. Each change goes to the worker as a Change; the answer says whether it
// applies live or on reset, or why it was refused, next to the field.
import type { PopulationSummary, ScenarioSummary } from '../../workers/simulationApi.js';
import { RUN_ENDED_NOTE, type Change, type Panel, type PanelHooks } from './panel.js';
import { NumberField, formatValue } from './numberField.js';
import { button, el, typingInto } from './dom.js';

interface Protocol {
  type: 'step' | 'constant' | 'pulses' | 'ramp';
  startMs: number;
  stopMs: number;
  widthMs: number;
  gapMs: number;
}

export function controls(): Panel {
  let hooks: PanelHooks;
  let stimulus: HTMLElement;
  let parameters: HTMLElement;
  let inputHeading: HTMLElement;
  let poke: HTMLButtonElement;
  let summary: ScenarioSummary | null = null;
  let scenarioName = '';
  const pokeAmplitudes = new Map<string, number>();
  let poking = false;
  /** The fields now shown, by key; the value each had when the scenario opened (what restore brings back). */
  const fields = new Map<string, NumberField>();
  const defaults = new Map<string, number>();
  /** Edits by the student's hand, oldest first, and those undone (redo takes them back). */
  let done: { key: string; before: number; after: number }[] = [];
  let undone: { key: string; before: number; after: number }[] = [];
  let undoButton: HTMLButtonElement;
  let redoButton: HTMLButtonElement;

  function showHistory(): void {
    undoButton.disabled = done.length === 0;
    redoButton.disabled = undone.length === 0;
    const last = done.at(-1);
    undoButton.title = last ? `Undo ${last.key.replace(/^.*-/, '')} = ${formatValue(last.after)} (back to ${formatValue(last.before)}) (Ctrl+Z)` : 'Nothing to undo (Ctrl+Z)';
    const next = undone.at(-1);
    redoButton.title = next ? `Redo ${next.key.replace(/^.*-/, '')} = ${formatValue(next.after)} (Ctrl+Shift+Z)` : 'Nothing to redo (Ctrl+Shift+Z)';
  }

  function edited(key: string, before: number, after: number): void {
    done.push({ key, before, after });
    undone = [];
    showHistory();
  }

  /** Undo (or redo) the last edit: the field shows the value and sends it as the student would. */
  function travel(back: boolean): void {
    const from = back ? done : undone;
    const to = back ? undone : done;
    const entry = from.pop();
    if (!entry) return;
    to.push(entry);
    fields.get(entry.key)?.set(back ? entry.before : entry.after);
    showHistory();
  }

  /** A field of this panel: restore goes back to the value it opened with, edits go into the history. */
  function field(spec: Omit<ConstructorParameters<typeof NumberField>[0], 'defaultValue' | 'onEdit'>): NumberField {
    if (!defaults.has(spec.key)) defaults.set(spec.key, spec.value);
    const made = new NumberField({ ...spec, defaultValue: defaults.get(spec.key), onEdit: (before, after) => edited(spec.key, before, after) });
    fields.set(spec.key, made);
    return made;
  }

  /** Send a change; the field shows a refusal, or a note when it applies on reset. */
  async function send(change: Change, resetNote: string): Promise<string | { note: string } | null> {
    const result = await hooks.apply(change);
    if (!result) return null;
    if (!result.ok) return result.error.message;
    if (result.applies === 'reset') return { note: resetNote };
    return hooks.runEnded() ? { note: RUN_ENDED_NOTE } : null;
  }

  function pokes(on: boolean): Record<string, number> {
    if (!on || !summary) return {};
    return Object.fromEntries(summary.steps.map((s) => [s.population, pokeAmplitudes.get(s.population) ?? 0]));
  }

  async function setPoking(on: boolean): Promise<void> {
    if (poking === on || !summary) return;
    poking = on;
    poke.classList.toggle('active', on);
    poke.setAttribute('aria-pressed', String(on));
    const targets = on ? summary.steps.map((s) => ({ population: s.population, amplitude: pokeAmplitudes.get(s.population) ?? 0, neurons: s.neurons ?? undefined })) : [];
    hooks.publish('pokes', pokes(on));
    const result = await hooks.apply({ kind: 'poke', targets });
    if (result && !result.ok) hooks.showError('The poke was refused:', result.error.message);
  }

  /** The protocol of each input (by stimulus index) as the student set it: its kind and timing. */
  const protocols = new Map<number, Protocol>();
  /** Simulated time now (from the frames), where a protocol started again begins. */
  let nowMs = 0;

  /** What runs on the protocol's stimulus: a step, a held input, a pulse pair or a ramp, from `startMs`. */
  function protocolSpec(population: string, protocol: Protocol, amplitude: number): Record<string, unknown> {
    const { startMs, widthMs, gapMs } = protocol;
    switch (protocol.type) {
      case 'constant':
        return { type: 'constant', population, amplitude };
      case 'pulses':
        return { type: 'pulses', population, amplitude, widthMs, periodMs: widthMs + gapMs, count: 2, startMs };
      case 'ramp':
        return { type: 'ramp', population, from: 0, to: amplitude, startMs, stopMs: startMs + widthMs };
      default:
        return { type: 'step', population, amplitude, startMs, stopMs: startMs + widthMs };
    }
  }

  function describeProtocol(p: Protocol): string {
    const at = (ms: number) => String(Number(ms.toFixed(1))); // times in full: 12345.5 ms, not 1.235e+4
    switch (p.type) {
      case 'constant':
        return 'held on, no end';
      case 'pulses':
        return `two pulses of ${at(p.widthMs)} ms, ${at(p.gapMs)} ms apart, from ${at(p.startMs)} ms`;
      case 'ramp':
        return `a ramp from 0 over ${at(p.startMs)}–${at(p.startMs + p.widthMs)} ms`;
      default:
        return `a step on ${at(p.startMs)}–${at(p.startMs + p.widthMs)} ms, ${at(p.widthMs)} ms`;
    }
  }

  /** The protocol's kind, its timing and "Start again": each applies from now (a step starts 20 ms after the press). */
  function protocolRow(index: number, protocol: Protocol, amplitude: () => number, k: number): HTMLElement {
    const row = el('div', { class: 'protocol' });
    const suffix = k === 0 ? '' : `-${k}`;
    const kind = el('select', { id: `protocol${suffix}`, 'aria-label': 'Protocol of the input' });
    for (const [value, words] of [['step', 'step'], ['constant', 'held'], ['pulses', 'pulse pair'], ['ramp', 'ramp']] as const) kind.append(new Option(words, value));
    kind.value = protocol.type;
    const said = el('span', { class: 'protocol-said', id: `protocol-said${suffix}`, role: 'status' }, describeProtocol(protocol));
    const again = button('Start again', 'Run the protocol again from now (its onset 20 ms from now)', `protocol-again${suffix}`);
    const start = async () => {
      protocol.startMs = Math.round(nowMs + 20);
      const step = summary!.steps.find((x) => x.index === index)!;
      const result = await hooks.apply({ kind: 'protocol', index, spec: protocolSpec(step.population, protocol, amplitude()) });
      if (!result) return;
      said.textContent = result.ok ? `${describeProtocol(protocol)}${result.applies === 'reset' ? ' (on reset)' : ''}` : result.error.message;
    };
    kind.addEventListener('change', () => {
      protocol.type = kind.value as Protocol['type'];
      // A pulse pair of 400 ms pulses is no pair: short pulses for it, a longer step or ramp back.
      if (protocol.type === 'pulses' && protocol.widthMs > 50) width.set(5);
      else if (protocol.type !== 'pulses' && protocol.widthMs < 20) width.set(400);
      timing.hidden = protocol.type === 'constant';
      gap.row.hidden = protocol.type !== 'pulses';
      void start();
    });
    again.addEventListener('click', () => void start());
    const timing = el('div', { class: 'protocol-timing' });
    const width = new NumberField({ key: `width${suffix}`, label: 'width', unit: 'ms', min: 0.1, max: 10000, value: protocol.widthMs, meaning: 'How long the step or ramp lasts, or each pulse of a pair; applies when the protocol starts again.', onChange: (v) => void (protocol.widthMs = v) });
    const gap = new NumberField({ key: `gap${suffix}`, label: 'gap', unit: 'ms', min: 0, max: 10000, value: protocol.gapMs, meaning: 'Time between the end of the first pulse and the start of the second; applies when the protocol starts again.', onChange: (v) => void (protocol.gapMs = v) });
    gap.row.hidden = protocol.type !== 'pulses';
    timing.hidden = protocol.type === 'constant';
    timing.append(width.row, gap.row);
    const line = el('div', { class: 'protocol-line' });
    line.append(kind, again);
    row.append(line, said, timing);
    return row;
  }

  function sizeField(pop: PopulationSummary, many: boolean): NumberField {
    return field({
      key: many ? `${pop.name}-size` : 'size',
      label: 'size',
      unit: 'neurons',
      min: 1,
      max: 100_000,
      value: pop.size,
      meaning: `size: the number of neurons in ${pop.name}. A new network is built on reset.`,
      note: 'on reset',
      onChange: async (value) => {
        if (!Number.isInteger(value)) return `size: ${formatValue(value)} is not a whole number of neurons; nothing was changed`;
        const said = await send({ kind: 'populationSize', population: pop.name, size: value }, '');
        return typeof said === 'string' ? said : { note: `${value} neurons after a reset: press Reset (r) to build it.` };
      },
    });
  }

  function build(s: ScenarioSummary): void {
    fields.clear();
    parameters.replaceChildren();
    stimulus.replaceChildren();
    const many = s.populations.length > 1;
    for (const pop of s.populations) {
      parameters.append(el('h3', {}, `${many ? `${pop.name}: ` : ''}${pop.modelName}`));
      if (pop.size > 1) parameters.append(sizeField(pop, many).row);
      for (const row of pop.parameters) {
        const made = field({
          key: many ? `${pop.name}-${row.name}` : row.name,
          label: row.name,
          unit: row.unit,
          min: row.min,
          max: row.max,
          value: row.value,
          meaning: `${row.name}: ${row.meaning}${row.applies === 'reset' ? ' (an initial value: shows after a reset)' : ''}`,
          note: row.applies === 'reset' ? 'on reset' : undefined,
          onChange: (value) => send({ kind: 'parameters', population: pop.name, values: { [row.name]: value } }, `${row.name} = ${formatValue(value)} applies on reset: press Reset (r) to start again with it.`),
        });
        parameters.append(made.row);
      }
    }
    inputHeading.hidden = s.steps.length === 0;
    poke.hidden = s.steps.length === 0;
    s.steps.forEach((step, k) => {
      const pop = s.populations.find((p) => p.name === step.population)!;
      const scale = Math.max(Math.abs(step.amplitude), 1);
      const protocol = protocols.get(step.index) ?? { type: step.type, widthMs: step.type === 'pulses' ? (step.widthMs ?? 5) : Number.isFinite(step.stopMs) ? step.stopMs - step.startMs : 400, gapMs: step.gapMs ?? 20, startMs: step.startMs, stopMs: step.stopMs };
      protocols.set(step.index, protocol);
      const made = field({
        key: k === 0 ? 'current' : `current-${k}`,
        // Two inputs into one population are numbered (not both "I").
        label: `${many ? `${pop.name} ` : ''}${pop.input.symbol}${s.steps.filter((x) => x.population === step.population).length > 1 ? ` ${s.steps.filter((x) => x.population === step.population).indexOf(step) + 1}` : ''}`,
        unit: pop.input.unit,
        min: -4 * scale, // room to explore: HH at 15 uA/cm2 goes to 120 (lesson 4 asks for 80)
        max: 8 * scale,
        value: step.amplitude,
        meaning: `The input${many ? ` to ${pop.name}` : ''}: ${pop.input.meaning} (${pop.input.unit}), the amplitude of its protocol (a step, a held input, a pulse pair or a ramp's end value). A change applies at once while it is on; Start again runs the protocol from now.`,
        onChange: (value) => send({ kind: 'stimulus', index: step.index, values: protocol.type === 'ramp' ? { to: value } : { amplitude: value } }, 'applies on reset: press Reset (r) to start again with it.'),
      });
      stimulus.append(made.row, protocolRow(step.index, protocol, () => made.value, k));
    });
    const targets = [...new Set(s.steps.map((step) => step.population))];
    for (const name of targets) {
      const pop = s.populations.find((p) => p.name === name)!;
      const step = s.steps.find((x) => x.population === name)!;
      const scale = Math.max(Math.abs(step.amplitude), 1);
      if (!pokeAmplitudes.has(name)) pokeAmplitudes.set(name, Math.abs(step.amplitude) || 1);
      const made = field({
        key: targets.length > 1 ? `poke-${name}` : 'poke',
        label: targets.length > 1 ? `poke ${name}` : 'poke',
        unit: pop.input.unit,
        min: -4 * scale,
        max: 4 * scale,
        value: pokeAmplitudes.get(name)!,
        meaning: `The extra current injected into ${name} while the poke button is held.`,
        onChange: (value) => {
          pokeAmplitudes.set(name, value);
          if (poking) {
            poking = false;
            void setPoking(true);
          }
        },
      });
      stimulus.append(made.row);
    }
  }

  return {
    mount(host, panelHooks) {
      hooks = panelHooks;
      host.id = 'controls-panel';
      inputHeading = el('h2', { id: 'input-heading' }, 'Input');
      stimulus = el('div', { id: 'stimulus' });
      poke = el('button', { id: 'poke', type: 'button', 'aria-pressed': 'false', title: 'Hold to inject the poke current (or hold p)' }, 'Poke the neuron (hold)');
      const heading = el('h2', { style: 'margin-top: 10px' }, 'Parameters ');
      heading.append(el('span', { class: 'hint' }, '(hover a name for its meaning and range; ↺ restores the value it opened with)'));
      parameters = el('div', { id: 'parameters' });
      undoButton = button('Undo', '', 'undo');
      redoButton = button('Redo', '', 'redo');
      const history = el('div', { class: 'history', role: 'group', 'aria-label': 'Undo and redo of parameter and input changes' });
      history.append(undoButton, redoButton);
      undoButton.addEventListener('click', () => travel(true));
      redoButton.addEventListener('click', () => travel(false));
      showHistory();
      host.append(inputHeading, stimulus, poke, history, heading, parameters);

      // Poke: on while held, by pointer or by keyboard (space or enter on the button, or p anywhere).
      poke.addEventListener('pointerdown', (event) => {
        poke.setPointerCapture(event.pointerId);
        void setPoking(true);
      });
      for (const type of ['pointerup', 'pointercancel', 'lostpointercapture', 'blur'] as const) poke.addEventListener(type, () => void setPoking(false));
      poke.addEventListener('keydown', (event) => {
        if (event.key !== ' ' && event.key !== 'Enter') return;
        event.preventDefault();
        event.stopPropagation();
        void setPoking(true);
      });
      poke.addEventListener('keyup', (event) => {
        if (event.key !== ' ' && event.key !== 'Enter') return;
        event.preventDefault();
        void setPoking(false);
      });
      poke.addEventListener('click', (event) => event.preventDefault());
      document.addEventListener('keydown', (event) => {
        if (event.ctrlKey || event.metaKey || event.altKey || typingInto(event.target)) return;
        if ((event.key === 'p' || event.key === 'P') && !poke.hidden) void setPoking(true);
      });
      document.addEventListener('keyup', (event) => {
        if (event.key === 'p' || event.key === 'P') void setPoking(false);
      });
      // Ctrl+Z / Ctrl+Shift+Z (or Ctrl+Y): the page's history, except in a text field (its own text's).
      document.addEventListener('keydown', (event) => {
        const slider = event.target instanceof HTMLInputElement && event.target.type === 'range';
        if (!(event.ctrlKey || event.metaKey) || event.altKey || (typingInto(event.target) && !slider)) return;
        const key = event.key.toLowerCase();
        if (key === 'z' || key === 'y') {
          event.preventDefault();
          travel(key === 'z' && !event.shiftKey);
        }
      });
    },
    freeRun(on) {
      if (on) for (const made of fields.values()) made.clearNote(RUN_ENDED_NOTE);
    },
    frame(_frame, info) {
      nowMs = info.timeMs;
    },
    loaded(s) {
      nowMs = 0;
      protocols.clear(); // the summary says what each input now is
      if (s.name !== scenarioName) {
        // Another scenario: its own poke sizes, defaults and history.
        pokeAmplitudes.clear();
        defaults.clear();
        done = [];
        undone = [];
        showHistory();
      }
      scenarioName = s.name;
      summary = s;
      poking = false;
      poke.classList.remove('active');
      poke.setAttribute('aria-pressed', 'false');
      hooks.publish('pokes', {});
      build(s);
    },
  };
}
