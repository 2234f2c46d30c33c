// The controls panel, built from the worker's summary of the loaded scenario: the input of each
// step stimulus (its amplitude in the model's input unit), the poke (an extra current while the
// button or the p key is held), each population's size (for a network) and every parameter of its
// model file's table. Each change goes to the worker as a Change; the answer says whether it
// applies live or on reset, or why it was refused, next to the field.
import type { PopulationSummary, ScenarioSummary } from '../../workers/simulationApi.js';
import type { Change, Panel, PanelHooks } from './panel.js';
import { NumberField, formatValue } from './numberField.js';
import { el, typingInto } from './dom.js';

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

  /** Send a change; the field shows a refusal, or a note when it applies on reset. */
  async function send(change: Change, resetNote: string): Promise<string | { note: string } | null> {
    const result = await hooks.apply(change);
    if (!result) return null;
    if (!result.ok) return result.error.message;
    return result.applies === 'reset' ? { note: resetNote } : null;
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

  function sizeField(pop: PopulationSummary, many: boolean): NumberField {
    return new NumberField({
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
    parameters.replaceChildren();
    stimulus.replaceChildren();
    const many = s.populations.length > 1;
    for (const pop of s.populations) {
      parameters.append(el('h3', {}, `${many ? `${pop.name}: ` : ''}${pop.modelName}`));
      if (pop.size > 1) parameters.append(sizeField(pop, many).row);
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
          onChange: (value) => send({ kind: 'parameters', population: pop.name, values: { [row.name]: value } }, `${row.name} = ${formatValue(value)} applies on reset: press Reset (r) to start again with it.`),
        });
        parameters.append(field.row);
      }
    }
    inputHeading.hidden = s.steps.length === 0;
    poke.hidden = s.steps.length === 0;
    s.steps.forEach((step, k) => {
      const pop = s.populations.find((p) => p.name === step.population)!;
      const scale = Math.max(Math.abs(step.amplitude), 1);
      const field = new NumberField({
        key: k === 0 ? 'current' : `current-${k}`,
        label: `${many ? `${pop.name} ` : ''}${pop.input.symbol}`,
        unit: pop.input.unit,
        min: -2 * scale,
        max: 4 * scale,
        value: step.amplitude,
        meaning: `The input${many ? ` to ${pop.name}` : ''}: ${pop.input.meaning} (${pop.input.unit}), a step on from ${step.startMs} to ${step.stopMs} ms. A change applies at once while the step is on.`,
        note: `step ${step.startMs}–${step.stopMs} ms`,
        onChange: (value) => send({ kind: 'stimulus', index: step.index, values: { amplitude: value } }, 'applies on reset: press Reset (r) to start again with it.'),
      });
      stimulus.append(field.row);
    });
    const targets = [...new Set(s.steps.map((step) => step.population))];
    for (const name of targets) {
      const pop = s.populations.find((p) => p.name === name)!;
      const step = s.steps.find((x) => x.population === name)!;
      const scale = Math.max(Math.abs(step.amplitude), 1);
      if (!pokeAmplitudes.has(name)) pokeAmplitudes.set(name, Math.abs(step.amplitude) || 1);
      const field = new NumberField({
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
      stimulus.append(field.row);
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
      heading.append(el('span', { style: 'font-weight: 400; font-size: 12px; color: var(--muted)' }, '(hover a name for its meaning)'));
      parameters = el('div', { id: 'parameters' });
      host.append(inputHeading, stimulus, poke, heading, parameters);

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
    },
    loaded(s) {
      if (s.name !== scenarioName) pokeAmplitudes.clear(); // another scenario: its own poke sizes
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
