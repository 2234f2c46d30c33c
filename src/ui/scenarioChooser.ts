// The scenario chooser in the header: the presets, and "one neuron of" any built-in model (every
// models/*.json, listed by builtinModelInfo) with its firing regimes when the model file names any
// (Izhikevich's RS, FS, ...; Morris-Lecar's type I and type II). A model needs no code here: the
// scenario comes from singleNeuronScenario, the controls and traces from the worker's summary.
import { preset } from '../scenario/presets.js';
import { builtinModelInfo } from '../core/model/builtinFiles.js';
import type { Panel, PanelHooks } from './panel.js';
import { el } from './dom.js';

/** The presets the page offers, in the order a student meets them. */
export const PAGE_PRESETS = ['single-lif', 'single-hh', 'lif-vs-hh', 'cuba', 'cobahh', 'brunel-j0.25', 'brunel-100k'] as const;


export function scenarioChooser(): Panel {
  const models = builtinModelInfo();
  let hooks: PanelHooks;
  let presetSelect: HTMLSelectElement;
  let modelSelect: HTMLSelectElement;
  let regimeSelect: HTMLSelectElement;

  async function open(raw: unknown, source: string): Promise<void> {
    const result = await hooks.open(raw, source);
    if (!result.ok) hooks.showError('The scenario was refused:', result.message);
  }

  async function openModel(): Promise<void> {
    const id = modelSelect.value;
    if (!id) return;
    const regime = regimeSelect.hidden ? undefined : regimeSelect.value || undefined;
    let scenario: unknown;
    try {
      // The scenario layer (and the equation parser under it) loads when a model is first chosen,
      // not before the first frame.
      const { singleNeuronScenario } = await import('../scenario/singleNeuron.js');
      scenario = singleNeuronScenario(id, regime ? { regime } : {});
    } catch (err) {
      hooks.showError('The model could not be set up:', err instanceof Error ? err.message : String(err));
      return;
    }
    void open(scenario, `model:${id}${regime ? `:${regime}` : ''}`);
  }

  function showRegimes(id: string): void {
    const regimes = (id && models.find((m) => m.id === id)?.regimes) || [];
    regimeSelect.replaceChildren(...regimes.map((r) => el('option', { value: r.name, title: r.meaning }, `${r.name}: ${r.meaning}`)));
    regimeSelect.hidden = regimes.length === 0;
  }

  /** The selectors say what runs: a preset, a model (and regime), or neither (a link, a file, a lesson). */
  function follow(source: string | null): void {
    const [kind, name, regime] = (source ?? '').split(':');
    const isPreset = kind === 'preset' && PAGE_PRESETS.includes(name as (typeof PAGE_PRESETS)[number]);
    let none = presetSelect.querySelector<HTMLOptionElement>('option[value=""]');
    if (!isPreset && !none) {
      none = new Option('(another scenario)', '');
      none.disabled = true; // never chosen, only shown
      presetSelect.prepend(none);
    }
    // What runs when it is no preset: a lesson's scenario says whose; a link's or a file's says its name.
    const shownName = hooks.scenarioNow()?.name;
    if (none) none.textContent = kind === 'lesson' ? `(lesson: ${(source ?? '').slice('lesson:'.length)})` : typeof shownName === 'string' && shownName.trim() ? `(${shownName.trim().slice(0, 60)})` : '(another scenario)';
    presetSelect.value = isPreset ? name : '';
    const isModel = kind === 'model';
    modelSelect.value = isModel ? name : '';
    showRegimes(isModel ? name : '');
    if (isModel && regime) regimeSelect.value = regime;
  }

  return {
    mount(host, panelHooks) {
      hooks = panelHooks;
      host.className = 'chooser';
      presetSelect = el('select', { id: 'preset', title: 'Choosing a preset loads it and starts it' });
      for (const key of PAGE_PRESETS) presetSelect.append(new Option((preset(key) as { name?: string }).name ?? key, key));
      modelSelect = el('select', { id: 'model-choice', title: 'One neuron of any model, with a step of input: choosing it loads it and starts it' });
      modelSelect.append(new Option('a model…', ''));
      for (const model of models) {
        const option = new Option(model.name, model.id);
        option.title = model.description;
        modelSelect.append(option);
      }
      regimeSelect = el('select', { id: 'regime-choice', title: 'The firing regime: a parameter set the model file names' });
      regimeSelect.hidden = true;
      host.append(el('label', { for: 'preset' }, 'Preset'), presetSelect, el('label', { for: 'model-choice' }, 'or one neuron of'), modelSelect, regimeSelect);
      presetSelect.addEventListener('change', () => void open(preset(presetSelect.value), `preset:${presetSelect.value}`));
      modelSelect.addEventListener('change', () => {
        showRegimes(modelSelect.value);
        void openModel();
      });
      regimeSelect.addEventListener('change', () => void openModel());
    },
    loaded() {
      follow(hooks.source());
    },
  };
}
