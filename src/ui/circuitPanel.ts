// The circuit panel: a canvas where a student wires neurons (any model file, with its regime),
// spike sources and current sources, draws synapses by dragging from node to node (mouse, pen or
// finger), makes each excitatory or inhibitory with a weight, a delay and kinetics, and moves,
// deletes, undoes and redoes. The circuit is a scenario (circuitGraph.ts): Run opens it through
// the page like any other, in the same worker, so the traces, the raster, export and share links
// work on it unchanged; a scenario opened any other way (a preset, a link) is drawn here in turn,
// from its `layout` when it has one. The canvas lights a neuron as it fires and runs a dot along
// each of its synapses. Everything on the canvas is also a list of buttons, for the keyboard and
// screen readers.
import type { ScenarioSummary } from '../../workers/simulationApi.js';
import type { Panel, PanelHooks } from './panel.js';
import { builtinFile, builtinModelInfo } from '../core/model/builtinFiles.js';
import { PRESETS, preset } from '../scenario/presets.js';
import {
  CircuitError,
  CircuitHistory,
  addNode,
  circuitFromScenario,
  connect,
  emptyCircuit,
  liveChanges,
  modelFactsFrom,
  moveNode,
  removeEdge,
  removeNode,
  scenarioFromCircuit,
  synapseSign,
  updateEdge,
  updateNode,
  SPIKE_SOURCE_MODEL,
  type Circuit,
  type CircuitNode,
  type NodeKind,
} from './circuitGraph.js';
import { CircuitCanvas } from './circuitCanvas.js';
import { DEFAULT_SPIKES, inputUnit, kineticsOf, renderInspector } from './circuitInspector.js';
import { addStyleOnce, button, el, statusLine, typingInto } from './dom.js';

const facts = modelFactsFrom(builtinFile);
/** The page opens what Run sends with this source, so the panel knows its own circuit when it loads. */
const SOURCE = 'circuit';
/** A new synapse: a jump of the target's membrane potential by this much (its unit: mV for most models). */
const DEFAULT_JUMP = 2;
const DEFAULT_DELAY_MS = 1;
/** Neurons traced by default (more are traced on demand; the rest show in the raster). */
const TRACED_BY_DEFAULT = 4;

/** What a scenario's circuit is, for telling whether another scenario was opened. */
function structureKey(raw: Record<string, unknown> | null): string {
  if (!raw) return '';
  return JSON.stringify([raw.populations, raw.projections ?? [], raw.stimuli ?? []]);
}

/** The shipped presets that are circuits: a few small populations wired together or driven by spike sources. */
export function circuitPresets(): { id: string; name: string }[] {
  return Object.entries(PRESETS).flatMap(([id, raw]) => {
    const s = raw as { name?: string; populations?: { size?: number; model?: unknown }[]; projections?: unknown[]; layout?: unknown };
    const populations = s.populations ?? [];
    const small = populations.length <= 16 && populations.every((p) => (p.size ?? 1) <= 10);
    const wired = (s.projections?.length ?? 0) > 0 || populations.some((p) => p.model === SPIKE_SOURCE_MODEL);
    return (s.layout !== undefined || (small && wired)) ? [{ id, name: s.name ?? id }] : [];
  });
}

/** A short caption for a node: its model (and regime, size), its spike pattern, or its current. */
function caption(node: CircuitNode, circuit?: Circuit): string {
  if (node.kind === 'neuron') {
    const p = node.population;
    const file = typeof p.model === 'string' ? (builtinFile(p.model) as { shortName?: string; name?: string } | undefined) : (p.model as { shortName?: string; name?: string } | undefined);
    const name = file?.shortName ?? file?.name ?? String(p.model);
    return `${name}${p.regime ? ` ${String(p.regime)}` : ''}${Number(p.size ?? 1) > 1 ? ` ×${String(p.size)}` : ''}`;
  }
  if (node.kind === 'spikes') {
    const s = (node.population.spikes ?? {}) as Record<string, unknown>;
    switch (s.type) {
      case 'regular': return `every ${String(s.periodMs)} ms${typeof s.count === 'number' ? ` ×${s.count}` : ''}`;
      case 'times': {
        const n = Array.isArray(s.timesMs) ? s.timesMs.length : 0;
        return `${n} given time${n === 1 ? '' : 's'}`;
      }
      case 'bursts': return `bursts of ${String(s.spikesPerBurst)}`;
      case 'poisson': return `Poisson ${String(s.rateHz)} Hz`;
      default: return 'spikes';
    }
  }
  const s = node.stimulus;
  const target = circuit?.edges.find((e) => e.from === node.id);
  const to = target && circuit?.nodes.find((n) => n.id === target.to);
  const unit = to?.kind === 'neuron' ? ` ${inputUnit(to.population.model)}` : '';
  return s.type === 'step' || s.type === 'constant' ? `${String(s.type)} ${String(s.amplitude)}${unit}` : String(s.type);
}

/** The drawing's text styles, also written into its PNG. */
const SVG_TEXT_CSS = `
.circuit-name { font: 600 14px system-ui, sans-serif; fill: #1f1f1f; pointer-events: none; }
.circuit-name.outside { font-size: 12px; paint-order: stroke; stroke: #fbfbfc; stroke-width: 3px; }
.circuit-caption { font: 11px system-ui, sans-serif; fill: #3d3d3d; pointer-events: none; paint-order: stroke; stroke: #fbfbfc; stroke-width: 3px; }
`;

const CSS = SVG_TEXT_CSS + `
.circuit-panel { display: flex; flex-direction: column; gap: 6px; font-size: 14px; }
.circuit-panel h2 { font-size: 15px; margin: 0; }
.circuit-panel h3 { font-size: 14px; margin: 4px 0; }
.circuit-bar, .circuit-fields { display: flex; flex-wrap: wrap; gap: 6px 10px; align-items: center; }
.circuit-bar button, .circuit-fields button { font-size: 14px; padding: 4px 10px; }
.circuit-bar select, .circuit-fields select { max-width: min(18em, 100%); }
.circuit-field { display: inline-flex; align-items: center; gap: 4px; color: #3d3d3d; flex-wrap: wrap; }
.circuit-field input[type='number'] { width: 5.5em; font: inherit; padding: 2px 4px; border: 1px solid #8a8a8a; border-radius: 4px; }
.circuit-field input[type='text'] { width: 12em; font: inherit; padding: 2px 4px; border: 1px solid #8a8a8a; border-radius: 4px; }
.circuit-field input[aria-invalid='true'] { border: 2px solid #d55e00; background: #fff4ec; }
.circuit-unit { color: #5a5a5a; font-size: 12px; }
.circuit-sign { border: 1px solid #ddd; border-radius: 4px; padding: 0 8px 2px; margin: 0; display: inline-flex; gap: 10px; align-items: center; }
.circuit-sign legend { font-size: 12px; color: #3d3d3d; }
.circuit-sign label { display: inline-flex; align-items: center; gap: 3px; }
.circuit-canvas { display: block; max-width: 100%; border: 1px solid #dcdcdc; border-radius: 6px; background: #fbfbfc; touch-action: none; user-select: none; -webkit-user-select: none; }
.circuit-node { cursor: grab; }
.circuit-node:focus { outline: none; }
.circuit-node:focus-visible .circuit-shape { stroke: #e69f00; stroke-width: 5px; }
.circuit-node.target .circuit-shape { stroke: #e69f00; stroke-width: 5px; }
.circuit-edge { cursor: pointer; }
.circuit-hint, .circuit-note { color: #3d3d3d; font-size: 13px; margin: 2px 0; }
.circuit-message.problem { color: #7a2e00; }
.circuit-lists { font-size: 13px; }
.circuit-lists summary { cursor: pointer; min-height: 24px; }
.circuit-lists ul { list-style: none; padding: 0; margin: 2px 0 6px; display: flex; flex-direction: column; gap: 2px; }
.circuit-lists li { display: flex; flex-wrap: wrap; align-items: center; gap: 6px; }
.circuit-lists li button { font-size: 13px; padding: 2px 8px; }
.circuit-lists li.selected > span { font-weight: 600; }
.circuit-toggle[aria-pressed='true'] { background: #1d4f73; color: #fff; }
#circuit-inspector { border-top: 1px solid #eee; padding-top: 4px; }
#circuit-inspector > button { margin-top: 6px; }
`;

export function circuitPanel(): Panel {
  let hooks: PanelHooks;
  let host: HTMLElement;
  let history = new CircuitHistory(emptyCircuit());
  let selected: string | null = null;
  /** What the page runs (as opened or imported): another scenario opened shows here. */
  let runningKey = '';
  /** The circuit's scenario as last Run (to say when the drawing differs). */
  let ranKey: string | null = null;
  /** Current sources not yet given an amplitude (they take their first target's default). */
  const unsetCurrents = new Set<string>();
  let summary: ScenarioSummary | null = null;
  /** Global neuron index ranges of the populations running, by population (a node of that name shows it). */
  let ranges: { name: string; first: number; end: number }[] = [];
  const counts = new Map<string, number>();

  const canvas = new CircuitCanvas({
    select: (id) => {
      selected = id;
      render();
    },
    move: (id, x, y, final) => {
      if (final) commit(moveNode(history.now, id, x, y), id);
      else canvas.show(moveNode(history.now, id, x, y), selected);
    },
    connect: (from, to) => wire(from, to),
  }, (node) => caption(node, history.now));

  const modelSelect = el('select', { id: 'circuit-add-model', 'aria-label': 'Model of the neuron to add' });
  const regimeSelect = el('select', { id: 'circuit-add-regime', 'aria-label': 'Regime of the neuron to add' });
  const addNeuron = button('Add neuron', 'Add a neuron of this model to the circuit', 'circuit-add-neuron');
  const addSpikes = button('Add spike source', 'Add a source of spikes (a regular train to start; change it when selected)', 'circuit-add-spikes');
  const addCurrent = button('Add current source', 'Add a step of current; wire it to a neuron', 'circuit-add-current');
  const connectToggle = button('Drag connects', 'When pressed, dragging from a node to another wires them; otherwise dragging moves the node', 'circuit-connect-mode');
  connectToggle.classList.add('circuit-toggle');
  connectToggle.setAttribute('aria-pressed', 'false');
  const undoButton = button('Undo', 'Undo the last change to the circuit (Ctrl+Z in the circuit)', 'circuit-undo');
  const redoButton = button('Redo', 'Redo (Ctrl+Shift+Z in the circuit)', 'circuit-redo');
  const clearButton = button('New circuit', 'Start an empty circuit (Undo brings the old one back)', 'circuit-clear');
  const runButton = button('Run circuit', 'Run the circuit as drawn, in the page’s simulation', 'circuit-run', true);
  const presetSelect = el('select', { id: 'circuit-preset', 'aria-label': 'Open a circuit preset' });
  const duration = el('input', { type: 'number', id: 'circuit-duration', min: '1', max: '100000', step: 'any' });
  const durationLabel = el('label', { class: 'circuit-field', for: 'circuit-duration' }, 'run for ');
  const message = statusLine('circuit-message', 'circuit-message');
  const activity = el('p', { id: 'circuit-activity', class: 'circuit-note', 'aria-live': 'off' });
  const inspector = el('div', { id: 'circuit-inspector' });
  const nodeList = el('ul', { id: 'circuit-node-list', 'aria-label': 'Nodes' });
  const edgeList = el('ul', { id: 'circuit-edge-list', 'aria-label': 'Connections' });
  const listSummary = el('summary', {}, 'Nodes and connections as a list');

  /** What the panel says while its circuit runs (and stops saying once the run has ended). */
  const RUNNING_SAID = 'Running. Neurons light as they fire; dots run along the synapses.';

  function say(text: string, problem = false): void {
    message.textContent = text;
    message.classList.toggle('problem', problem);
  }

  function commit(next: Circuit, select: string | null = selected): void {
    history.push(next);
    // The spike counts are the run's: an edited circuit shows them again only while that run goes on.
    activity.textContent = '';
    selected = select;
    render();
  }

  /** The circuit's scenario, or null while it cannot be one (no neuron yet). */
  function scenarioOf(c: Circuit): Record<string, unknown> | null {
    try {
      return scenarioFromCircuit(c, facts);
    } catch {
      return null;
    }
  }

  /**
   * An edit of the form: a step of the history and, when the circuit runs as drawn and the edit is
   * a weight, a delay or a current's numbers, the same change to the running experiment (live, or
   * from its next run), as a slider of the controls does.
   */
  function edit(next: Circuit): void {
    const before = scenarioOf(history.now);
    commit(next);
    const after = scenarioOf(next);
    if (!before || !after || hooks.source() !== SOURCE || structureKey(before) !== ranKey) return;
    const changes = liveChanges(before, after);
    if (!changes || changes.length === 0) return;
    void (async () => {
      let applies: 'live' | 'reset' = 'live';
      for (const change of changes) {
        const result = await hooks.apply(change);
        if (!result) return;
        if (!result.ok) return say(`Not applied to the run: ${result.error.message}. Run the circuit again.`, true);
        if (result.applies === 'reset') applies = 'reset';
      }
      ranKey = structureKey(after);
      runningKey = ranKey;
      render();
      say(applies === 'live' ? 'Applied to the run as it goes.' : 'Applies when the circuit runs again (Run again, or Reset).');
    })();
  }

  function nodeOrEdge(id: string | null) {
    if (!id) return null;
    const c = history.now;
    return c.nodes.find((n) => n.id === id) ?? c.edges.find((e) => e.id === id) ?? null;
  }

  function edgeText(c: Circuit, id: string): string {
    const e = c.edges.find((x) => x.id === id)!;
    const from = c.nodes.find((n) => n.id === e.from)?.name ?? '?';
    const to = c.nodes.find((n) => n.id === e.to)?.name ?? '?';
    if (!e.projection) return `${from} → ${to}: current input`;
    const p = e.projection;
    const weight = typeof p.weight === 'number' ? `weight ${Math.abs(p.weight)}` : 'drawn weights';
    const delay = typeof p.delayMs === 'number' ? `, delay ${p.delayMs} ms` : '';
    const kinetics = kineticsOf(p) === 'delta' ? '' : `, ${kineticsOf(p).replace(':', ' ')}`;
    return `${from} → ${to}: ${synapseSign(p)}, ${weight}${delay}${kinetics}${p.stp ? ', short-term plasticity' : ''}`;
  }

  function render(): void {
    const c = history.now;
    if (selected && !nodeOrEdge(selected)) selected = null;
    const focusedNode = document.activeElement?.closest?.('[data-node]')?.getAttribute('data-node') ?? null;
    canvas.show(c, selected);
    if (focusedNode) canvas.focusNode(focusedNode);
    renderInspector(inspector, nodeOrEdge(selected), c.nodes, {
      node: (id, change) => edit(updateNode(history.now, id, change)),
      edge: (id, projection) => edit(updateEdge(history.now, id, projection)),
      trace: (id, on) => void trace(id, on),
      remove: (id) => remove(id),
      connect: (from, to) => wire(from, to),
      weightFor: (kinetics, model) => weightFor(kinetics, model),
    });
    nodeList.replaceChildren(...c.nodes.map((n) => listItem(n.id, `${n.kind === 'neuron' ? 'Neuron' : n.kind === 'spikes' ? 'Spike source' : 'Current source'} ${n.name}: ${caption(n, c)}`, n.name)));
    edgeList.replaceChildren(...c.edges.map((e) => listItem(e.id, edgeText(c, e.id), edgeText(c, e.id).split(':')[0])));
    listSummary.textContent = `Nodes and connections as a list (${c.nodes.length} nodes, ${c.edges.length} connections)`;
    if (document.activeElement !== duration) duration.value = String(c.meta.durationMs ?? '');
    undoButton.disabled = !history.canUndo;
    redoButton.disabled = !history.canRedo;
    const scenario = scenarioOf(c);
    const scenarioKey = scenario ? structureKey(scenario) : null;
    const shown = ranKey !== null && scenarioKey === ranKey;
    runButton.textContent = shown ? 'Run again' : 'Run circuit';
    host.dataset.state = shown ? 'running' : 'changed';
  }

  function listItem(id: string, text: string, name: string): HTMLLIElement {
    const li = el('li', id === selected ? { class: 'selected' } : {});
    const choose = el('button', { type: 'button', class: 'secondary', 'aria-label': `Select ${name}`, 'aria-pressed': String(id === selected), 'data-select': id }, 'Select');
    choose.addEventListener('click', () => {
      selected = id;
      render();
    });
    const drop = el('button', { type: 'button', class: 'secondary', 'aria-label': `Delete ${name}`, 'data-delete': id }, 'Delete');
    drop.addEventListener('click', () => remove(id));
    li.append(el('span', {}, text), choose, drop);
    return li;
  }

  function remove(id: string): void {
    const c = history.now;
    if (c.nodes.some((n) => n.id === id)) commit(removeNode(c, id), null);
    else if (c.edges.some((e) => e.id === id)) commit(removeEdge(c, id), null);
  }

  /** A free place for a new node: sources on the left, neurons to the right, away from the others. */
  function freeSpot(kind: NodeKind): { x: number; y: number } {
    // Across first (a chain reads left to right), then down.
    const xs = kind === 'neuron' ? [0.45, 0.75, 0.6, 0.95, 0.3] : [0.05, 0.2, 0.12];
    const ys = [0.5, 0.2, 0.8, 0.35, 0.65, 0.05, 0.95];
    const nodes = history.now.nodes;
    let best = { x: xs[0], y: ys[0] };
    let bestGap = -1;
    for (const y of ys) {
      for (const x of xs) {
        const gap = Math.min(Infinity, ...nodes.map((n) => Math.hypot((n.x - x) * 2, n.y - y)));
        if (gap > 0.35) return { x, y };
        if (gap > bestGap) {
          best = { x, y };
          bestGap = gap;
        }
      }
    }
    return best;
  }

  function add(kind: NodeKind): void {
    const c = history.now;
    const spot = freeSpot(kind);
    let made: { circuit: Circuit; id: string };
    if (kind === 'neuron') {
      const regime = regimeSelect.hidden ? '' : regimeSelect.value;
      const traced = c.nodes.filter((n) => n.kind === 'neuron' && n.traced).length < TRACED_BY_DEFAULT;
      made = addNode(c, { kind, ...spot, traced, population: { model: modelSelect.value, size: 1, ...(regime ? { regime } : {}) } });
      void defaultAmplitude(modelSelect.value, regime || undefined); // for the weights of kinetics chosen later
    } else if (kind === 'spikes') made = addNode(c, { kind, ...spot, population: { model: SPIKE_SOURCE_MODEL, size: 1, spikes: { ...DEFAULT_SPIKES.regular } } });
    else {
      const duration = typeof c.meta.durationMs === 'number' ? c.meta.durationMs : 200;
      made = addNode(c, { kind, ...spot, stimulus: { type: 'step', amplitude: 1, startMs: Math.round(duration * 0.1), stopMs: Math.round(duration * 0.9) } });
      unsetCurrents.add(made.id);
    }
    commit(made.circuit, made.id);
    const name = made.circuit.nodes.find((n) => n.id === made.id)!.name;
    say(`Added ${name}. ${kind === 'current' ? 'Drag connects: wire it to a neuron.' : 'Drag it to move it; with Drag connects, drag to another node to wire them.'}`);
  }

  const amplitudes = new Map<string, number>();
  /** The step a model's single-neuron scenario uses (about twice its rheobase), loaded with the scenario layer on first use. */
  async function defaultAmplitude(model: unknown, regime: unknown): Promise<number | null> {
    if (typeof model !== 'string') return null;
    const key = `${model}/${String(regime ?? '')}`;
    if (!amplitudes.has(key)) {
      try {
        const { singleNeuronScenario } = await import('../scenario/singleNeuron.js');
        const s = singleNeuronScenario(model, typeof regime === 'string' ? { regime } : {});
        amplitudes.set(key, (s.stimuli[0] as { amplitude: number }).amplitude);
      } catch {
        return null;
      }
    }
    return amplitudes.get(key) ?? null;
  }

  /**
   * A weight for new kinetics that gives a PSP of a few mV: a jump of DEFAULT_JUMP; a current
   * peaking at the model's default step (about twice its rheobase); a conductance that, 60 mV from
   * its reversal, passes that current. Null (keep the weight) before the model's step is known.
   */
  function weightFor(kinetics: string, model: unknown): number | null {
    if (kinetics === 'delta') return DEFAULT_JUMP;
    const step = typeof model === 'string' ? [...amplitudes].find(([key]) => key.startsWith(`${model}/`))?.[1] : undefined;
    if (step === undefined) return null;
    const peak = kinetics.startsWith('conductance') ? step / 60 : step;
    return Number(Math.abs(peak).toPrecision(2));
  }

  function wire(from: string, to: string): void {
    const c = history.now;
    const target = c.nodes.find((n) => n.id === to);
    const membrane = target?.kind === 'neuron' ? facts.membrane(target.population.model) ?? 'v' : 'v';
    try {
      const made = connect(c, from, to, { connect: { rule: 'all' }, on: membrane, weight: DEFAULT_JUMP, delayMs: DEFAULT_DELAY_MS });
      commit(made.circuit, made.id);
      const a = c.nodes.find((n) => n.id === from)!;
      say(`Wired ${a.name} to ${target!.name}${a.kind === 'current' ? '' : ': an excitatory synapse; select it to change it'}.`);
      if (a.kind === 'current' && unsetCurrents.has(from) && target?.kind === 'neuron') {
        unsetCurrents.delete(from);
        void defaultAmplitude(target.population.model, target.population.regime).then((amplitude) => {
          const now = history.now.nodes.find((n) => n.id === from);
          if (amplitude === null || now?.kind !== 'current') return;
          // The default belongs with the wiring: the same step of the history.
          history.replace(updateNode(history.now, from, { stimulus: { ...now.stimulus, amplitude } }));
          render();
        });
      }
    } catch (err) {
      if (err instanceof CircuitError) say(err.message, true);
      else throw err;
    }
  }

  async function trace(id: string, on: boolean): Promise<void> {
    commit(updateNode(history.now, id, { traced: on }));
    const node = history.now.nodes.find((n) => n.id === id);
    if (!on || !node || hooks.source() !== SOURCE || !summary?.populations.some((p) => p.name === node.name)) {
      say(on ? `${node?.name ?? 'It'} is traced when the circuit runs.` : `${node?.name ?? 'It'} is no longer traced from the next run.`);
      return;
    }
    const result = await hooks.apply({ kind: 'trace', population: node.name, neuron: 0 });
    if (result && !result.ok) say(result.error.message, true);
    else say(`Tracing ${node.name}'s membrane potential from now on.`);
  }

  async function run(): Promise<void> {
    let raw: Record<string, unknown>;
    try {
      raw = scenarioFromCircuit(history.now, facts);
    } catch (err) {
      if (err instanceof CircuitError) return say(err.message, true);
      throw err;
    }
    runButton.disabled = true;
    say('Opening the circuit…');
    const view = hooks.scenarioNow()?.view;
    const withView = view ? { ...raw, view } : raw;
    const result = await hooks.open(withView, SOURCE);
    runButton.disabled = false;
    if (!result.ok) return say(`The circuit was not run: ${result.field ? `${result.field}: ` : ''}${result.message}`, true);
    ranKey = structureKey(raw);
    runningKey = ranKey;
    say(RUNNING_SAID);
    render();
  }

  /** Draw the scenario the page runs (a preset, a link, a lesson) as the circuit: a step Undo takes back. */
  function follow(): void {
    const now = hooks.scenarioNow();
    const key = structureKey(now);
    if (!now || key === runningKey) return;
    runningKey = key;
    if (hooks.source() === SOURCE) return;
    const imported = circuitFromScenario(now, facts);
    const pristine = !history.canUndo && history.now.nodes.length === 0;
    if (pristine) history = new CircuitHistory(imported);
    else history.push(imported);
    try {
      ranKey = structureKey(scenarioFromCircuit(imported, facts));
    } catch {
      ranKey = null;
    }
    selected = null;
    render();
  }

  function keys(event: KeyboardEvent): void {
    const mod = event.ctrlKey || event.metaKey;
    if (mod && !event.altKey && !typingInto(event.target)) {
      const key = event.key.toLowerCase();
      if (key === 'z' || key === 'y') {
        // The circuit's own history, not the page's parameter history.
        event.preventDefault();
        event.stopPropagation();
        const redo = key === 'y' || event.shiftKey;
        if (redo ? history.redo() : history.undo()) render();
        return;
      }
    }
    const nodeId = event.target instanceof Element ? event.target.closest('[data-node]')?.getAttribute('data-node') : null;
    if (!nodeId || mod || event.altKey) return;
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      event.stopPropagation();
      selected = nodeId;
      render();
    } else if (event.key === 'Delete' || event.key === 'Backspace') {
      event.preventDefault();
      remove(nodeId);
    } else if (event.key.startsWith('Arrow')) {
      event.preventDefault();
      event.stopPropagation();
      const node = history.now.nodes.find((n) => n.id === nodeId)!;
      const step = event.shiftKey ? 0.1 : 0.02;
      const across = event.key === 'ArrowLeft' ? -step : event.key === 'ArrowRight' ? step : 0;
      const down = event.key === 'ArrowUp' ? -step : event.key === 'ArrowDown' ? step : 0;
      // The arrows move it on the screen, also where the drawing is turned (a narrow screen).
      const [dx, dy] = canvas.portrait ? [down, across] : [across, down];
      commit(moveNode(history.now, nodeId, node.x + dx, node.y + dy), nodeId);
    }
  }

  function fillRegimes(): void {
    const regimes = builtinModelInfo().find((m) => m.id === modelSelect.value)?.regimes ?? [];
    regimeSelect.replaceChildren(...regimes.map((r) => new Option(`${r.name}: ${r.meaning}`, r.name)));
    regimeSelect.hidden = regimes.length === 0;
  }

  function resize(): void {
    canvas.resize(Math.min(host.clientWidth - 18, 1200));
  }

  return {
    mount(element, panelHooks) {
      hooks = panelHooks;
      host = element;
      addStyleOnce('circuit-panel-style', CSS);
      host.id = 'circuit-panel';
      host.className = 'panel circuit-panel';
      for (const m of builtinModelInfo()) modelSelect.append(new Option(m.name, m.id));
      modelSelect.value = builtinModelInfo().some((m) => m.id === 'lif') ? 'lif' : modelSelect.options[0]?.value ?? '';
      fillRegimes();
      modelSelect.addEventListener('change', fillRegimes);
      const presets = circuitPresets();
      presetSelect.append(new Option(presets.length > 0 ? 'Open a circuit preset…' : 'no circuit presets', ''));
      for (const p of presets) presetSelect.append(new Option(p.name, p.id));
      presetSelect.disabled = presets.length === 0;
      presetSelect.addEventListener('change', async () => {
        const id = presetSelect.value;
        if (!id) return;
        presetSelect.value = '';
        const result = await hooks.open(preset(id), `preset:${id}`);
        if (!result.ok) say(`The preset was refused: ${result.message}`, true);
      });
      const lists = el('details', { class: 'circuit-lists', id: 'circuit-lists', open: '' });
      lists.append(listSummary, el('h3', {}, 'Nodes'), nodeList, el('h3', {}, 'Connections'), edgeList);
      host.append(
        el('h2', {}, 'Circuit: wire neurons and watch them act'),
        el('div', { class: 'circuit-bar' }),
        el('div', { class: 'circuit-bar' }),
        message,
        canvas.element,
        activity,
        inspector,
        lists,
      );
      const [addBar, editBar] = host.querySelectorAll<HTMLElement>('.circuit-bar');
      addBar.append(modelSelect, regimeSelect, addNeuron, addSpikes, addCurrent);
      durationLabel.append(duration, el('span', { class: 'circuit-unit' }, 'ms'));
      editBar.append(connectToggle, undoButton, redoButton, clearButton, durationLabel, runButton, presetSelect);
      duration.addEventListener('change', () => {
        const ms = Number(duration.value);
        const bad = !(ms >= 1 && ms <= 100000);
        duration.setAttribute('aria-invalid', String(bad));
        if (!bad) commit({ ...history.now, meta: { ...history.now.meta, durationMs: ms } });
      });
      addNeuron.addEventListener('click', () => add('neuron'));
      addSpikes.addEventListener('click', () => add('spikes'));
      addCurrent.addEventListener('click', () => add('current'));
      connectToggle.addEventListener('click', () => {
        canvas.connecting = !canvas.connecting;
        connectToggle.setAttribute('aria-pressed', String(canvas.connecting));
        say(canvas.connecting ? 'Drag from one node to another to wire them.' : 'Drag a node to move it.');
      });
      undoButton.addEventListener('click', () => history.undo() && render());
      redoButton.addEventListener('click', () => history.redo() && render());
      clearButton.addEventListener('click', () => commit(emptyCircuit(), null));
      runButton.addEventListener('click', () => void run());
      host.addEventListener('keydown', keys);
      resize();
      window.addEventListener('resize', resize);
      render();
    },
    loaded(s) {
      summary = s;
      follow();
      ranges = s.populations.map((p) => ({ name: p.name, first: p.offset, end: p.offset + p.size }));
      counts.clear();
      activity.textContent = '';
      canvas.quiet();
    },
    frame(frame, info) {
      if (!summary) return;
      if (info.state !== 'running' && message.textContent === RUNNING_SAID) say(info.state === 'finished' ? `The run has ended (t = ${info.timeMs.toFixed(0)} ms): press Run again to see it again.` : '');
      const now = performance.now();
      const { neuron } = frame.spikes;
      const idOf = new Map(history.now.nodes.map((n) => [n.name, n.id]));
      // Counted per spike, lit once per node and frame (a network's thousands of spikes light it once).
      const fired = new Set<string>();
      for (let k = 0; k < neuron.length; k++) {
        const i = neuron[k];
        const range = ranges.find((r) => i >= r.first && i < r.end);
        if (!range) continue;
        counts.set(range.name, (counts.get(range.name) ?? 0) + 1);
        fired.add(range.name);
      }
      for (const name of fired) {
        const id = idOf.get(name);
        if (id) canvas.fired(id, now);
      }
      // Current sources glow while their step is on (in the run that shows them).
      if (hooks.source() === SOURCE || runningKey === ranKey) {
        for (const node of history.now.nodes) {
          if (node.kind !== 'current' || !history.now.edges.some((e) => e.from === node.id)) continue;
          const s = node.stimulus;
          const on = s.type === 'constant' || (typeof s.startMs === 'number' && typeof s.stopMs === 'number' && info.timeMs >= s.startMs && info.timeMs < s.stopMs);
          canvas.flowing(node.id, on, now);
        }
      }
      // The activity in words (not announced: read on demand): who fired how often.
      const names = ranges.map((r) => `${r.name} ${counts.get(r.name) ?? 0}`);
      const said = names.length > 0 ? `Spikes so far (t = ${info.timeMs.toFixed(0)} ms): ${names.join(', ')}.` : '';
      if (activity.textContent !== said) activity.textContent = said;
    },
    images: () => [{ name: 'circuit', shown: () => host.offsetParent !== null && history.now.nodes.length > 0, png: () => canvas.png(SVG_TEXT_CSS) }],
    dispose() {
      window.removeEventListener('resize', resize);
    },
  };
}
