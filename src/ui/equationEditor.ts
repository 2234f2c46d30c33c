// The equation editor: a population's model file as text (equations, parameters with units and
// ranges, threshold, reset), checked as one types by the same loader and code generator as the
// shipped models (modelText.ts), the message next to the text with the line it concerns; "Run"
// loads the scenario with the edited model inline, so the share link carries it like any scenario.
import type { ScenarioSummary } from '../../workers/simulationApi.js';
import type { Panel, PanelHooks } from './panel.js';
import { checkModelText, formatModelFile, modelFileOf, scenarioWithModel, type ModelCheck } from './modelText.js';
import { addStyleOnce, button, statusLine } from './dom.js';

export function equationEditor(): Panel {
  let loaded: (summary: ScenarioSummary) => void = () => {};
  return {
    mount(slot, hooks) {
      slot.className = 'panel';
      loaded = mountEquationEditor(slot, hooks);
    },
    loaded: (summary) => loaded(summary),
  };
}

const STYLE_ID = 'equation-editor-style';
const CSS = `
.equation-editor { display: flex; flex-direction: column; gap: 6px; font-size: 13px; }
.equation-editor summary { cursor: pointer; font-size: 15px; font-weight: 650; }
.equation-editor .editor-head { display: flex; gap: 10px; align-items: center; flex-wrap: wrap; }
.equation-editor .editor-head label { color: var(--muted, #5a5a5a); }
.equation-editor textarea { width: 100%; min-height: 300px; font: 12px/1.45 ui-monospace, 'DejaVu Sans Mono', monospace; border: 1px solid #8a8a8a; border-radius: 4px; padding: 6px; resize: vertical; tab-size: 1; }
.equation-editor textarea[aria-invalid='true'] { border: 2px solid #d55e00; background: #fffaf6; }
.equation-editor .editor-message { margin: 0; white-space: pre-wrap; font: 12px/1.4 ui-monospace, 'DejaVu Sans Mono', monospace; }
.equation-editor .editor-message.problem { color: #7a2e00; background: #fff4ec; border: 1px solid #d55e00; border-radius: 4px; padding: 4px 8px; }
.equation-editor .editor-message.good { color: #1f3d30; }
.equation-editor .editor-actions { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
.equation-editor .editor-actions button { font-size: 13px; padding: 4px 12px; }
.equation-editor .run-message:empty { display: none; }
.equation-editor .run-message.problem { color: #7a2e00; }
`;

/** Wait this long after the last key before checking (the loader parses every equation). */
const TYPING_PAUSE_MS = 150;

/** Build the editor; returns what it does when a scenario loads. */
function mountEquationEditor(slot: HTMLElement, hooks: PanelHooks): (summary: ScenarioSummary) => void {
  addStyleOnce(STYLE_ID, CSS);
  const root = document.createElement('details');
  root.className = 'equation-editor';
  root.id = 'equation-editor';
  const summaryLine = document.createElement('summary');
  summaryLine.textContent = 'Equation editor: change the model itself';
  const head = document.createElement('div');
  head.className = 'editor-head';
  const label = document.createElement('label');
  label.htmlFor = 'editor-population';
  label.textContent = 'Population';
  const population = document.createElement('select');
  population.id = 'editor-population';
  const reload = button('Start from the running model', 'Replace the text by the model this population runs now');
  const hint = document.createElement('span');
  hint.style.color = 'var(--muted, #5a5a5a)';
  hint.textContent = 'The model file as JSON: equations "dv/dt = ..." in ms, parameters with units and ranges, threshold, reset.';
  head.append(label, population, reload, hint);

  const text = document.createElement('textarea');
  text.id = 'editor-text';
  text.spellcheck = false;
  text.setAttribute('aria-label', 'Model file (JSON)');
  text.setAttribute('aria-describedby', 'editor-message');
  const message = statusLine('editor-message', 'editor-message', 'pre');
  const actions = document.createElement('div');
  actions.className = 'editor-actions';
  const run = button('Run this model', 'Load the scenario with this model in place of the population\'s (a Share link then carries it)', 'editor-run', true);
  const runMessage = statusLine('run-message', 'editor-run-message');
  actions.append(run, runMessage);
  root.append(summaryLine, head, text, message, actions);
  slot.append(root);

  /** The text differs from what was last filled in: a new scenario must not overwrite it. */
  let edited = false;
  let timer: ReturnType<typeof setTimeout> | null = null;

  function methodOf(name: string) {
    const pop = (hooks.scenarioNow() as { populations?: { name: string; method?: string }[] } | null)?.populations?.find((p) => p.name === name);
    return pop?.method as Parameters<typeof checkModelText>[1];
  }

  function fill(): void {
    const file = modelFileOf(hooks.scenarioNow(), population.value);
    text.value = file ? formatModelFile(file) : '';
    edited = false;
    runMessage.textContent = '';
    check();
  }

  function check(): ModelCheck {
    if (timer) clearTimeout(timer);
    timer = null;
    const result = checkModelText(text.value, methodOf(population.value));
    if (result.ok) {
      const { loaded, method } = result;
      message.textContent = `Valid: ${loaded.stateNames.length} state variable${loaded.stateNames.length === 1 ? '' : 's'} (${loaded.stateNames.join(', ')}), ${loaded.parameterNames.length} parameters, integrated by ${method}.`;
      message.className = 'editor-message good';
      text.removeAttribute('aria-invalid');
      run.disabled = false;
    } else {
      message.textContent = result.line ? `Line ${result.line}: ${result.message}` : result.message;
      message.className = 'editor-message problem';
      text.setAttribute('aria-invalid', 'true');
      run.disabled = true;
    }
    return result;
  }

  text.addEventListener('input', () => {
    edited = true;
    runMessage.textContent = '';
    if (timer) clearTimeout(timer);
    timer = setTimeout(check, TYPING_PAUSE_MS);
  });
  population.addEventListener('change', fill);
  reload.addEventListener('click', fill);
  run.addEventListener('click', async () => {
    const result = check();
    if (!result.ok) return;
    const current = await hooks.scenario();
    if (current === null) return;
    const built = scenarioWithModel(current, population.value, result.model);
    runMessage.classList.toggle('problem', !built.ok);
    if (!built.ok) {
      runMessage.textContent = `Not run: ${built.message}`;
      return;
    }
    run.disabled = true;
    const opened = await hooks.open(built.scenario);
    run.disabled = false;
    runMessage.classList.toggle('problem', !opened.ok);
    runMessage.textContent = opened.ok ? 'Running your model. "Share link" shares it with the scenario.' : `Not run: ${opened.message}`;
    if (opened.ok) edited = false; // the text is now the running model
  });

  return (summary: ScenarioSummary): void => {
    const chosen = population.value;
    population.replaceChildren(
      ...summary.populations.map((p) => {
        const option = document.createElement('option');
        option.value = p.name;
        option.textContent = `${p.name} (${p.modelName})`;
        return option;
      }),
    );
    if (summary.populations.some((p) => p.name === chosen)) population.value = chosen;
    if (!edited) fill();
    };
}
