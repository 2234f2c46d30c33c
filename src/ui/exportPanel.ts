// Export and import: the run's spikes and traces as CSV (from the frames the page received), each
// picture the panels offer (Panel.images) as PNG, the scenario as it stands (the worker's snapshot,
// with the page's view) as JSON, Brian2 and PyNN scripts; and a scenario JSON file brought
// in by drag and drop or a file picker. A file is data: it is parsed and validated before the
// page sees it, and a bad one is refused next to the import control with the field and message
// while the running simulation and the student's settings go on untouched.
import { brian2Script } from '../export/brian2.js';
import { pynnScript } from '../export/pynn.js';
import { InputError } from '../core/errors.js';
import type { ScenarioSummary } from '../../workers/simulationApi.js';
import type { Panel, PanelHooks } from './panel.js';
import { FrameRecorder, MAX_SCENARIO_FILE_BYTES, fileStem, readScenarioText, spikesCsv, tracesCsv } from './exportData.js';
import { addStyleOnce, button, statusLine } from './dom.js';

const STYLE_ID = 'export-panel-style';
const CSS = `
.export-panel { display: flex; flex-direction: column; gap: 6px; font-size: 13px; }
.export-panel .export-row { display: flex; align-items: center; gap: 6px; flex-wrap: wrap; }
.export-panel .export-row > span:first-child { color: var(--muted, #5a5a5a); min-width: 52px; }
.export-panel button { font-size: 13px; padding: 3px 9px; }
.export-panel .export-message, .export-panel .import-message { font-size: 13px; }
.export-panel .export-message:empty, .export-panel .import-message:empty { display: none; }
.export-panel .problem { color: #7a2e00; background: #fff4ec; border: 1px solid #d55e00; border-radius: 4px; padding: 4px 8px; }
.export-panel .drop-zone { border: 2px dashed #8a8a8a; border-radius: 6px; padding: 8px; color: var(--muted, #5a5a5a); text-align: center; }
body.dragging-file .export-panel .drop-zone { border-color: #0072b2; background: #eef6fb; color: #0b3b5c; }
`;


/** Save bytes as a file (the object URL is released once the download has started). */
function download(name: string, type: string, data: BlobPart): void {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function exportPanel(): Panel {
  const recorder = new FrameRecorder();
  let summary: ScenarioSummary | null = null;
  let rebuild = () => {};
  return {
    mount(slot, hooks) {
      slot.className = 'panel';
      rebuild = mountExportPanel(slot, hooks, recorder, () => summary);
    },
    loaded(s) {
      summary = s;
      recorder.clear();
      rebuild();
    },
    frame(frame) {
      recorder.add(frame);
    },
  };
}

/** Build the panel; returns the function that lists the picture buttons again. */
function mountExportPanel(slot: HTMLElement, hooks: PanelHooks, recorder: FrameRecorder, loaded: () => ScenarioSummary | null): () => void {
  addStyleOnce(STYLE_ID, CSS);

  const root = document.createElement('div');
  root.className = 'export-panel';
  root.id = 'export-panel';
  const heading = document.createElement('h2');
  heading.textContent = 'Save and open';
  heading.style.cssText = 'font-size: 15px; margin: 0';

  const dataRow = document.createElement('div');
  dataRow.className = 'export-row';
  const spikesButton = button('Spikes CSV', 'The spikes of this run so far: time_ms, neuron, population, index_in_population', 'export-spikes');
  const tracesButton = button('Traces CSV', 'The traced variables of this run so far, one column per trace', 'export-traces');
  const dataLabel = document.createElement('span');
  dataLabel.textContent = 'Data';
  dataRow.append(dataLabel, spikesButton, tracesButton);

  const pngRow = document.createElement('div');
  pngRow.className = 'export-row';
  const pngLabel = document.createElement('span');
  pngLabel.textContent = 'Images';
  const pngButtons = document.createElement('span');
  pngButtons.className = 'export-row';
  pngRow.append(pngLabel, pngButtons);

  const scenarioRow = document.createElement('div');
  scenarioRow.className = 'export-row';
  const scenarioLabel = document.createElement('span');
  scenarioLabel.textContent = 'Scenario';
  const jsonButton = button('JSON', 'The scenario with your parameters, inputs and view, as a file you can open again here or run with npm run sim', 'export-json');
  const brian2Button = button('Brian2 script', 'A Python script for Brian2 that runs this scenario', 'export-brian2');
  const pynnButton = button('PyNN script', 'A Python script for PyNN 0.10 (NEST) that runs this scenario', 'export-pynn');
  scenarioRow.append(scenarioLabel, jsonButton, brian2Button, pynnButton);

  const exportMessage = statusLine('export-message', 'export-message', 'div');

  const importRow = document.createElement('div');
  importRow.className = 'drop-zone';
  importRow.id = 'drop-zone';
  const picker = document.createElement('input');
  picker.type = 'file';
  picker.accept = '.json,application/json';
  picker.id = 'import-file';
  picker.hidden = true;
  const pick = button('Open a scenario file…', 'Open a scenario JSON file (or drop one anywhere on the page)', 'import-button');
  const dropText = document.createElement('span');
  dropText.textContent = ' or drop a scenario .json file anywhere on the page';
  importRow.append(pick, dropText, picker);
  const importMessage = document.createElement('div');
  importMessage.className = 'import-message';
  importMessage.id = 'import-message';
  importMessage.setAttribute('role', 'alert');

  root.append(heading, dataRow, pngRow, scenarioRow, exportMessage, importRow, importMessage);
  slot.append(root);

  const say = (where: HTMLElement, text: string, problem = false): string => {
    where.textContent = text;
    where.classList.toggle('problem', problem);
    return text;
  };
  const stem = () => fileStem(loaded()?.name);

  spikesButton.addEventListener('click', () => {
    const summary = loaded();
    if (!summary) return void say(exportMessage, 'Nothing is loaded yet.', true);
    download(`${stem()}-spikes.csv`, 'text/csv', spikesCsv(recorder.spikes(), summary.populations));
    const dropped = recorder.spikesDropped > 0 ? ` (the first ${recorder.spikeCount} kept; ${recorder.spikesDropped} later spikes were not)` : '';
    // A large network sends the page an even sample of its neurons: the file holds theirs only.
    const sample = summary.scale?.rasterSample;
    const sampled = sample ? ` of the ${sample.length.toLocaleString('en')} sampled neurons (and the traced ones), not all ${summary.scale!.neurons.toLocaleString('en')}; npm run sim -- run gives every spike` : '';
    say(exportMessage, `Saved ${recorder.spikeCount} spikes${sampled}, 0–${recorder.endMs.toFixed(1)} ms${dropped}.`);
  });
  tracesButton.addEventListener('click', () => {
    const traces = recorder.traceSeries();
    if (traces.length === 0) return void say(exportMessage, 'This run records no traces.', true);
    download(`${stem()}-traces.csv`, 'text/csv', tracesCsv(traces));
    const dropped = recorder.samplesDropped > 0 ? ` (${recorder.samplesDropped} later samples were not kept)` : '';
    say(exportMessage, `Saved ${traces.length} traces, 0–${recorder.endMs.toFixed(1)} ms${dropped}.`);
  });
  jsonButton.addEventListener('click', async () => {
    const scenario = await hooks.scenario();
    if (scenario === null) return void say(exportMessage, 'Nothing is loaded yet.', true);
    download(`${stem()}.json`, 'application/json', JSON.stringify(scenario, null, 1) + '\n');
    say(exportMessage, 'Saved the scenario with your settings as JSON.');
  });
  const script = async (kind: 'Brian2' | 'PyNN', make: (raw: unknown) => string, suffix: string) => {
    const scenario = await hooks.scenario();
    if (scenario === null) return void say(exportMessage, 'Nothing is loaded yet.', true);
    try {
      download(`${stem()}${suffix}.py`, 'text/x-python', make(scenario));
      say(exportMessage, `Saved the ${kind} script.`);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      say(exportMessage, `No ${kind} script: ${err.message}`, true);
    }
  };
  brian2Button.addEventListener('click', () => void script('Brian2', brian2Script, '_brian2'));
  pynnButton.addEventListener('click', () => void script('PyNN', pynnScript, '_pynn'));

  /** One button per panel, disabled while the panel is not shown (its scenario or toggles hide it). */
  function rebuildPngButtons(): void {
    pngButtons.replaceChildren(
      ...hooks.images().map((image, k) => {
        const b = button(image.name, `The ${image.name} panel as a PNG image`, `export-png-${k}`);
        b.disabled = !image.shown();
        b.addEventListener('click', async () => {
          // Asked again: the panels shown depend on the scenario and the toggles.
          if (!image.shown()) return void say(exportMessage, `The ${image.name} panel is not shown for this scenario.`, true);
          const png = await image.png();
          if (!png) return void say(exportMessage, `The ${image.name} panel could not be read as an image.`, true);
          download(`${stem()}-${fileStem(image.name)}.png`, 'image/png', png.blob);
          say(exportMessage, `Saved the ${image.name} panel (${png.width}×${png.height} px).`);
        });
        return b;
      }),
    );
  }

  async function importFile(file: File): Promise<string> {
    if (file.size > MAX_SCENARIO_FILE_BYTES) {
      return say(importMessage, `${file.name}: is ${file.size} bytes; a scenario file may have at most ${MAX_SCENARIO_FILE_BYTES}. Nothing was changed.`, true);
    }
    const result = readScenarioText(await file.text(), file.name);
    if (!result.ok) return say(importMessage, `${file.name} was not opened: ${result.message}. The simulation and your settings are as they were.`, true);
    const opened = await hooks.open(result.scenario);
    if (!opened.ok) return say(importMessage, `${file.name} was not opened: ${opened.message}`, true);
    return say(importMessage, `Opened ${file.name}${result.scenario.name ? ` (${result.scenario.name})` : ''}.`);
  }

  // The trace-view checkboxes show and hide panels.
  document.addEventListener('change', (event) => {
    if (event.target instanceof HTMLInputElement && event.target.type === 'checkbox') rebuildPngButtons();
  });

  pick.addEventListener('click', () => picker.click());
  picker.addEventListener('change', () => {
    const file = picker.files?.[0];
    picker.value = ''; // choosing the same file again fires change again
    if (file) void importFile(file);
  });
  // Anywhere on the page: a file dragged over it is offered to the import, not opened by the browser.
  let depth = 0;
  const hasFiles = (event: DragEvent) => !!event.dataTransfer && Array.from(event.dataTransfer.types).includes('Files');
  document.addEventListener('dragenter', (event) => {
    if (!hasFiles(event)) return;
    depth++;
    document.body.classList.add('dragging-file');
  });
  document.addEventListener('dragleave', (event) => {
    if (!hasFiles(event)) return;
    depth = Math.max(0, depth - 1);
    if (depth === 0) document.body.classList.remove('dragging-file');
  });
  document.addEventListener('dragover', (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    event.dataTransfer!.dropEffect = 'copy';
  });
  document.addEventListener('drop', (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    depth = 0;
    document.body.classList.remove('dragging-file');
    const files = Array.from(event.dataTransfer!.files);
    if (files.length !== 1) return void say(importMessage, `Drop one scenario file at a time (${files.length} were dropped). Nothing was changed.`, true);
    void importFile(files[0]);
  });

  return rebuildPngButtons;
}
