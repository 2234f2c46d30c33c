// The form under the circuit canvas for what is selected: a neuron (model, regime, size, traced),
// a spike source (given times, a regular train, bursts or a Poisson train), a current source (a
// step: amplitude, start, stop) or a synapse (excitatory or inhibitory, weight, delay, kinetics
// and short-term plasticity). Each field commits on change and hands the edited spec back; the
// panel makes it a step of the circuit's history. The units come from the model files.
import { builtinFile, builtinModelInfo } from '../core/model/builtinFiles.js';
import type { CircuitEdge, CircuitNode, NeuronNode } from './circuitGraph.js';
import { synapseSign } from './circuitGraph.js';
import { el } from './dom.js';

export interface InspectorActions {
  node(id: string, change: Record<string, unknown>): void;
  edge(id: string, projection: Record<string, unknown>): void;
  /** Trace a neuron's membrane potential (or stop tracing it). */
  trace(id: string, on: boolean): void;
  remove(id: string): void;
  /** Wire the selected node to another (the keyboard's way of drawing a connection). */
  connect(from: string, to: string): void;
  /** A weight (its size) that makes a visible PSP with these kinetics on this target model, or null to keep the one set. */
  weightFor(kinetics: string, model: unknown): number | null;
}

type Field = { wrap: HTMLLabelElement; input: HTMLInputElement };

let fieldCount = 0;

/** A number field that commits on change (invalid text is left for the student to fix, not sent). */
function numberField(label: string, value: number | undefined, commit: (x: number) => void, options: { min?: number; max?: number; unit?: string } = {}): Field {
  const wrap = el('label', { class: 'circuit-field' });
  const input = el('input', { type: 'number', step: 'any', id: `circuit-field-${++fieldCount}` });
  if (value !== undefined) input.value = String(value);
  if (options.min !== undefined) input.min = String(options.min);
  if (options.max !== undefined) input.max = String(options.max);
  input.addEventListener('change', () => {
    const x = Number(input.value);
    const bad = input.value.trim() === '' || !Number.isFinite(x) || (options.min !== undefined && x < options.min) || (options.max !== undefined && x > options.max);
    input.setAttribute('aria-invalid', String(bad));
    if (!bad) commit(x);
  });
  wrap.append(`${label} `, input);
  if (options.unit) wrap.append(el('span', { class: 'circuit-unit' }, options.unit));
  return { wrap, input };
}

function selectField(label: string, options: [string, string][], value: string, commit: (v: string) => void, id?: string): HTMLLabelElement {
  const wrap = el('label', { class: 'circuit-field' });
  const select = el('select', id ? { id } : {});
  for (const [v, text] of options) select.append(new Option(text, v));
  select.value = value;
  select.addEventListener('change', () => commit(select.value));
  wrap.append(`${label} `, select);
  return wrap;
}

function fileOf(model: unknown): Record<string, unknown> | null {
  const file = typeof model === 'string' ? builtinFile(model) : model;
  return file && typeof file === 'object' ? (file as Record<string, unknown>) : null;
}

/** The input unit of a neuron's model (nA for LIF, uA/cm2 for HH). */
export function inputUnit(model: unknown): string {
  const input = fileOf(model)?.input as { unit?: unknown } | undefined;
  return typeof input?.unit === 'string' ? input.unit : '';
}

/** A state variable's unit in a neuron's model. */
function stateUnit(model: unknown, variable: string): string {
  const state = fileOf(model)?.state as Record<string, { unit?: unknown }> | undefined;
  const unit = state?.[variable]?.unit;
  return typeof unit === 'string' && unit !== '1' ? unit : '';
}

/** The kinetics a synapse can have: a jump of a state variable (delta), or a waveform added to the target. */
export const KINETICS: [string, string][] = [
  ['delta', 'instant jump of v (delta)'],
  ['current:exponential', 'current, exponential'],
  ['current:alpha', 'current, alpha'],
  ['current:biexponential', 'current, difference of exponentials'],
  ['conductance:exponential', 'conductance, exponential'],
  ['conductance:alpha', 'conductance, alpha'],
  ['conductance:biexponential', 'conductance, difference of exponentials'],
];

/** Reversal potentials a conductance synapse takes when made excitatory or inhibitory (mV). */
export const REVERSAL_MV = { excitatory: 0, inhibitory: -80 } as const;

/** The key of KINETICS a projection has. */
export function kineticsOf(projection: Record<string, unknown>): string {
  const synapse = projection.synapse as { kind?: string; shape?: string } | undefined;
  return synapse ? `${synapse.kind}:${synapse.shape}` : 'delta';
}

/** A projection with another sign: a current's or a jump's weight flips, a conductance's reversal moves. */
export function withSign(projection: Record<string, unknown>, sign: 'excitatory' | 'inhibitory'): Record<string, unknown> {
  const synapse = projection.synapse as Record<string, unknown> | undefined;
  if (synapse?.kind === 'conductance') {
    const weight = typeof projection.weight === 'number' ? Math.abs(projection.weight) : projection.weight;
    return { ...projection, weight, synapse: { ...synapse, reversalMV: REVERSAL_MV[sign] } };
  }
  const w = typeof projection.weight === 'number' ? projection.weight : 1;
  return { ...projection, weight: sign === 'inhibitory' ? -Math.abs(w) : Math.abs(w) };
}

/** A projection with other kinetics, keeping its sign, weight size and delay. */
export function withKinetics(projection: Record<string, unknown>, key: string, membrane: string, weight: number | null = null): Record<string, unknown> {
  const sign = synapseSign(projection);
  const magnitude = weight ?? (typeof projection.weight === 'number' ? Math.abs(projection.weight) : 1);
  const { on: _on, synapse: _s, ...rest } = projection;
  if (key === 'delta') return withSign({ ...rest, on: membrane, weight: magnitude }, sign);
  const [kind, shape] = key.split(':');
  const timing = shape === 'biexponential' ? { tauRiseMs: 1, tauDecayMs: 5 } : { tauMs: 5 };
  const synapse: Record<string, unknown> = { kind, shape, ...timing };
  if (kind === 'conductance') synapse.reversalMV = REVERSAL_MV[sign];
  return withSign({ ...rest, synapse, weight: magnitude }, sign);
}

export function renderInspector(host: HTMLElement, selected: CircuitNode | CircuitEdge | null, nodes: CircuitNode[], actions: InspectorActions): void {
  host.replaceChildren();
  if (!selected) {
    host.append(el('p', { class: 'circuit-hint' }, 'Select a node or a connection to change it. Press a node and drag it to move it; tick “Drag connects” and drag from one node to another to wire them.'));
    return;
  }
  if ('from' in selected) return renderEdge(host, selected, nodes, actions);
  const heading = el('h3', {}, `${selected.kind === 'neuron' ? 'Neuron' : selected.kind === 'spikes' ? 'Spike source' : 'Current source'} ${selected.name}`);
  const row = el('div', { class: 'circuit-fields' });
  host.append(heading, row);
  if (selected.kind === 'neuron') renderNeuron(row, selected, actions);
  else if (selected.kind === 'spikes') renderSpikes(row, selected.id, selected.population, actions);
  else renderCurrent(row, selected.id, selected.stimulus, nodes, actions);
  // Wiring from here by keyboard: the same as dragging to the node chosen.
  const targets = nodes.filter((n) => n.kind === 'neuron' && n.id !== selected.id);
  if (targets.length > 0) {
    const wire = el('div', { class: 'circuit-fields' });
    const choose = el('select', { id: 'circuit-connect-to', 'aria-label': `Connect ${selected.name} to` });
    for (const n of targets) choose.append(new Option(n.name, n.id));
    const go = el('button', { type: 'button', class: 'secondary', id: 'circuit-connect' }, 'Connect');
    go.addEventListener('click', () => actions.connect(selected.id, choose.value));
    const label = el('label', { class: 'circuit-field', for: 'circuit-connect-to' }, `Connect ${selected.name} to`);
    wire.append(label, choose, go);
    host.append(wire);
  }
  const remove = el('button', { type: 'button', class: 'secondary', id: 'circuit-remove' }, `Delete ${selected.name}`);
  remove.addEventListener('click', () => actions.remove(selected.id));
  host.append(remove);
}

function renderNeuron(row: HTMLElement, node: NeuronNode, actions: InspectorActions): void {
  const population = node.population;
  const models = builtinModelInfo();
  const model = typeof population.model === 'string' ? population.model : '';
  if (model) {
    row.append(selectField('model', models.map((m) => [m.id, m.name]), model, (id) => {
      const { regime: _, parameters: _p, initial: _i, method: _m, ...rest } = population;
      actions.node(node.id, { population: { ...rest, model: id } });
    }, 'circuit-model'));
    const regimes = models.find((m) => m.id === model)?.regimes ?? [];
    if (regimes.length > 0) {
      row.append(selectField('regime', [['', '(defaults)'], ...regimes.map((r): [string, string] => [r.name, `${r.name}: ${r.meaning}`])], String(population.regime ?? ''), (regime) => {
        const { regime: _, ...rest } = population;
        actions.node(node.id, { population: regime ? { ...rest, regime } : rest });
      }, 'circuit-regime'));
    }
  } else row.append(el('span', {}, 'a model of its own (edit it in the equation editor)'));
  row.append(numberField('neurons', Number(population.size ?? 1), (size) => actions.node(node.id, { population: { ...population, size: Math.round(size) } }), { min: 1, max: 100000 }).wrap);
  const traced = el('input', { type: 'checkbox', id: 'circuit-traced' });
  traced.checked = node.traced;
  traced.addEventListener('change', () => actions.trace(node.id, traced.checked));
  const tracedLabel = el('label', { class: 'circuit-field', for: 'circuit-traced' });
  tracedLabel.append(traced, ' show its membrane potential');
  row.append(tracedLabel);
}

const SPIKE_PATTERNS: [string, string][] = [
  ['regular', 'regular train'],
  ['times', 'given times'],
  ['bursts', 'bursts'],
  ['poisson', 'Poisson train (seeded)'],
];

/** A spike pattern of each type, to start from when the student switches type. */
export const DEFAULT_SPIKES: Record<string, Record<string, unknown>> = {
  regular: { type: 'regular', startMs: 20, periodMs: 40, count: 4 },
  times: { type: 'times', timesMs: [20, 25, 60] },
  bursts: { type: 'bursts', startMs: 20, burstPeriodMs: 80, spikesPerBurst: 3, spikeIntervalMs: 5, count: 2 },
  poisson: { type: 'poisson', rateHz: 20, startMs: 0 },
};

function renderSpikes(row: HTMLElement, id: string, population: Record<string, unknown>, actions: InspectorActions): void {
  const spikes = (population.spikes as Record<string, unknown> | undefined) ?? DEFAULT_SPIKES.regular;
  const set = (change: Record<string, unknown>) => actions.node(id, { population: { ...population, spikes: { ...spikes, ...change } } });
  row.append(selectField('pattern', SPIKE_PATTERNS, String(spikes.type), (type) => actions.node(id, { population: { ...population, spikes: DEFAULT_SPIKES[type] } }), 'circuit-pattern'));
  const ms = { min: 0, unit: 'ms' };
  switch (spikes.type) {
    case 'regular':
      row.append(numberField('start', spikes.startMs as number, (x) => set({ startMs: x }), ms).wrap, numberField('every', spikes.periodMs as number, (x) => set({ periodMs: x }), ms).wrap, numberField('spikes', spikes.count as number | undefined, (x) => set({ count: Math.round(x) }), { min: 1 }).wrap);
      break;
    case 'bursts':
      row.append(
        numberField('start', spikes.startMs as number, (x) => set({ startMs: x }), ms).wrap,
        numberField('burst every', spikes.burstPeriodMs as number, (x) => set({ burstPeriodMs: x }), ms).wrap,
        numberField('spikes a burst', spikes.spikesPerBurst as number, (x) => set({ spikesPerBurst: Math.round(x) }), { min: 1 }).wrap,
        numberField('apart', spikes.spikeIntervalMs as number, (x) => set({ spikeIntervalMs: x }), ms).wrap,
        numberField('bursts', spikes.count as number | undefined, (x) => set({ count: Math.round(x) }), { min: 1 }).wrap,
      );
      break;
    case 'poisson':
      row.append(numberField('rate', spikes.rateHz as number, (x) => set({ rateHz: x }), { min: 0, unit: 'Hz' }).wrap, numberField('seed', (spikes.seed as number | undefined) ?? 1, (x) => set({ seed: Math.round(x) }), { min: 0 }).wrap);
      break;
    case 'times': {
      const times = Array.isArray(spikes.timesMs) && spikes.timesMs.every((t) => typeof t === 'number') ? (spikes.timesMs as number[]) : null;
      const wrap = el('label', { class: 'circuit-field' }, 'times (ms) ');
      const input = el('input', { type: 'text', id: 'circuit-times', inputmode: 'decimal', value: times ? times.join(', ') : '' });
      input.addEventListener('change', () => {
        const list = input.value.split(/[\s,;]+/).filter(Boolean).map(Number);
        const bad = list.length === 0 || list.some((t) => !Number.isFinite(t));
        input.setAttribute('aria-invalid', String(bad));
        if (!bad) set({ timesMs: list });
      });
      wrap.append(input);
      row.append(wrap);
      break;
    }
  }
}

function renderCurrent(row: HTMLElement, id: string, stimulus: Record<string, unknown>, nodes: CircuitNode[], actions: InspectorActions): void {
  if (stimulus.type !== 'step' && stimulus.type !== 'constant') {
    row.append(el('span', {}, `a ${String(stimulus.type)} input (as the scenario gives it)`));
    return;
  }
  const set = (change: Record<string, unknown>) => actions.node(id, { stimulus: { ...stimulus, ...change } });
  const units = [...new Set(nodes.filter((n): n is NeuronNode => n.kind === 'neuron').map((n) => inputUnit(n.population.model)).filter(Boolean))];
  row.append(numberField('amplitude', typeof stimulus.amplitude === 'number' ? stimulus.amplitude : undefined, (x) => set({ amplitude: x }), { unit: units.length === 1 ? units[0] : 'in each target’s input unit' }).wrap);
  if (stimulus.type === 'step') {
    row.append(numberField('from', stimulus.startMs as number, (x) => set({ startMs: x }), { min: 0, unit: 'ms' }).wrap, numberField('to', stimulus.stopMs as number, (x) => set({ stopMs: x }), { min: 0, unit: 'ms' }).wrap);
  }
}

function renderEdge(host: HTMLElement, edge: CircuitEdge, nodes: CircuitNode[], actions: InspectorActions): void {
  const from = nodes.find((n) => n.id === edge.from);
  const to = nodes.find((n) => n.id === edge.to);
  const heading = el('h3', {}, `${edge.projection ? 'Synapse' : 'Input'} ${from?.name ?? '?'} → ${to?.name ?? '?'}`);
  const row = el('div', { class: 'circuit-fields' });
  host.append(heading, row);
  const projection = edge.projection;
  if (projection && to?.kind === 'neuron') {
    const model = to.population.model;
    const membrane = (fileOf(model)?.membrane as { variable?: string } | undefined)?.variable ?? 'v';
    const set = (next: Record<string, unknown>) => actions.edge(edge.id, next);
    const sign = synapseSign(projection);
    const signs = el('fieldset', { class: 'circuit-sign' });
    signs.append(el('legend', {}, 'acts'));
    for (const s of ['excitatory', 'inhibitory'] as const) {
      const radio = el('input', { type: 'radio', name: `circuit-sign-${edge.id}`, value: s, id: `circuit-sign-${s}` });
      radio.checked = sign === s;
      radio.addEventListener('change', () => radio.checked && set(withSign(projection, s)));
      const label = el('label', { for: `circuit-sign-${s}` });
      label.append(radio, ` ${s}`);
      signs.append(label);
    }
    row.append(signs);
    const kinetics = kineticsOf(projection);
    const synapse = projection.synapse as Record<string, unknown> | undefined;
    const weightUnit = !synapse ? stateUnit(model, String(projection.on ?? membrane)) : synapse.kind === 'conductance' ? `${inputUnit(model)} per mV` : inputUnit(model);
    if (typeof projection.weight === 'number') {
      const magnitude = Math.abs(projection.weight);
      row.append(numberField('weight', magnitude, (x) => set(withSign({ ...projection, weight: x }, sign)), { min: 0, unit: weightUnit }).wrap);
    } else row.append(el('span', {}, 'weights drawn per synapse (as the scenario gives them)'));
    if (typeof (projection.delayMs ?? 0) === 'number') row.append(numberField('delay', (projection.delayMs as number | undefined) ?? 0, (x) => set({ ...projection, delayMs: x }), { min: 0, max: 1000, unit: 'ms' }).wrap);
    row.append(selectField('kinetics', KINETICS, kinetics, (key) => set(withKinetics(projection, key, membrane, actions.weightFor(key, model))), 'circuit-kinetics'));
    if (synapse) {
      const setSynapse = (change: Record<string, unknown>) => set({ ...projection, synapse: { ...synapse, ...change } });
      if (synapse.shape === 'biexponential') {
        row.append(numberField('rise τ', synapse.tauRiseMs as number, (x) => setSynapse({ tauRiseMs: x }), { min: 0, unit: 'ms' }).wrap, numberField('decay τ', synapse.tauDecayMs as number, (x) => setSynapse({ tauDecayMs: x }), { min: 0, unit: 'ms' }).wrap);
      } else row.append(numberField('τ', synapse.tauMs as number, (x) => setSynapse({ tauMs: x }), { min: 0, unit: 'ms' }).wrap);
      if (synapse.kind === 'conductance') row.append(numberField('reversal', synapse.reversalMV as number, (x) => setSynapse({ reversalMV: x }), { unit: 'mV' }).wrap);
    }
    renderPlasticity(row, projection, set);
  } else if (!projection) {
    host.append(el('p', { class: 'circuit-hint' }, `${from?.name ?? 'The source'} injects its current into ${to?.name ?? 'this neuron'}: select ${from?.name ?? 'it'} to set the current.`));
  }
  const remove = el('button', { type: 'button', class: 'secondary', id: 'circuit-remove' }, 'Delete this connection');
  remove.addEventListener('click', () => actions.remove(edge.id));
  host.append(remove);
}

/** Short-term plasticity (Tsodyks-Markram): none, depressing or facilitating, with U and the time constants. */
function renderPlasticity(row: HTMLElement, projection: Record<string, unknown>, set: (next: Record<string, unknown>) => void): void {
  const stp = projection.stp as { U: number; tauRecMs: number; tauFacilMs?: number } | undefined;
  const kind = !stp ? 'none' : (stp.tauFacilMs ?? 0) > 0 ? 'facilitating' : 'depressing';
  const { stp: _, ...rest } = projection;
  row.append(selectField('short-term plasticity', [['none', 'none'], ['depressing', 'depressing'], ['facilitating', 'facilitating']], kind, (k) => {
    if (k === 'none') set(rest);
    else if (k === 'depressing') set({ ...rest, stp: { U: 0.5, tauRecMs: 200, tauFacilMs: 0 } });
    else set({ ...rest, stp: { U: 0.15, tauRecMs: 50, tauFacilMs: 300 } });
  }, 'circuit-stp'));
  if (stp) {
    const setStp = (change: Record<string, unknown>) => set({ ...rest, stp: { ...stp, ...change } });
    row.append(
      numberField('U', stp.U, (x) => setStp({ U: x }), { min: 0, max: 1 }).wrap,
      numberField('recovery τ', stp.tauRecMs, (x) => setStp({ tauRecMs: x }), { min: 0, unit: 'ms' }).wrap,
      numberField('facilitation τ', stp.tauFacilMs ?? 0, (x) => setStp({ tauFacilMs: x }), { min: 0, unit: 'ms' }).wrap,
    );
  }
}
