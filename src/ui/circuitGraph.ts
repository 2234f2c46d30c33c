// The circuit a student wires on the page, as a graph, and the scenario it is, both ways. Nodes are
// neurons (a population of any model file, one neuron unless given a size), spike sources (a
// population that emits spikes) and current sources (a stimulus: one per neuron it is wired to);
// edges are synapses (a projection each) or the wire from a current source to a neuron. The graph
// keeps every field of the scenario it does not draw (parameters, initial values, a projection's
// rule, the record's sampling) so a scenario opened by link comes back as it went out, and the
// node positions travel in the scenario's `layout` (0..1 across and down the canvas); a scenario
// without one is laid out by depth from its inputs. Pure data: no DOM (the unit tests run it in Node).
import { membraneVariable } from './defaultTraces.js';

export type NodeKind = 'neuron' | 'spikes' | 'current';

interface NodeBase {
  id: string;
  /** The population's name (neurons, spike sources), or the current source's label. */
  name: string;
  /** Position across and down the canvas, 0..1. */
  x: number;
  y: number;
}

export interface NeuronNode extends NodeBase {
  kind: 'neuron';
  /** The population spec without its name: model, size, regime, parameters, ... as the scenario has it. */
  population: Record<string, unknown>;
  /** Its membrane potential is recorded (drawn under the canvas). */
  traced: boolean;
}

export interface SpikeSourceNode extends NodeBase {
  kind: 'spikes';
  population: Record<string, unknown>;
}

export interface CurrentNode extends NodeBase {
  kind: 'current';
  /** The stimulus without its population (type, amplitude, startMs, stopMs, ...). */
  stimulus: Record<string, unknown>;
}

export type CircuitNode = NeuronNode | SpikeSourceNode | CurrentNode;

export interface CircuitEdge {
  id: string;
  from: string;
  to: string;
  /** A synapse's projection without source and target (connect, on, weight, delayMs, ...); absent for a current source's wire. */
  projection?: Record<string, unknown>;
}

export interface Circuit {
  /** The scenario's other fields (format, name, durationMs, dtMs, seed, record without traces, view). */
  meta: Record<string, unknown>;
  nodes: CircuitNode[];
  edges: CircuitEdge[];
  /** The traces the scenario recorded (membranes, several neurons, gates, a synapse's g), kept for the populations still here. */
  extraTraces: { population: string; variable: string; neurons: number[] }[];
  /** Models the scenario's step was chosen with (an opened scenario's own): only another model can make it finer. */
  steppedModels: string[];
}

/** Where node positions travel in a scenario: `layout.nodes`, one entry per node. */
export interface LayoutSpec {
  nodes: { kind: NodeKind; name: string; x: number; y: number; stimuli?: number[] }[];
}

export const SCENARIO_FORMAT = 'spikebridge-scenario/1';
/** The model a spike-source population names. */
export const SPIKE_SOURCE_MODEL = 'spike_source';
/** The core's limit on populations (neurons and spike sources are one each). */
export const MAX_POPULATIONS = 16;
export const MAX_PROJECTIONS = 64;
export const MAX_STIMULI = 64;

/** What a circuit needs to know of a model file (read from the shipped files as data). */
export interface ModelFacts {
  /** The step size its default sweep uses (HH: 0.01 ms), or null. */
  dtMs(model: unknown): number | null;
  /** Its membrane variable, or null. */
  membrane(model: unknown): string | null;
  /** Its state variables (what a synapse may increment). */
  state(model: unknown): string[];
}

export class CircuitError extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
  }
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const round3 = (x: number) => Math.round(Math.min(1, Math.max(0, x)) * 1000) / 1000;

/** Whether a population spec is a spike source rather than a neuron model. */
export function isSpikeSource(population: Record<string, unknown>): boolean {
  return population.model === SPIKE_SOURCE_MODEL || population.spikes !== undefined;
}

/** An empty circuit: a run of 200 ms at 0.1 ms (a finer step comes with a model that needs one). */
export function emptyCircuit(): Circuit {
  return {
    meta: { format: SCENARIO_FORMAT, name: 'My circuit', description: 'A circuit wired on the canvas.', durationMs: 200, dtMs: 0.1, seed: 1, record: { spikes: true, traceEveryMs: 0.1 } },
    nodes: [],
    edges: [],
    extraTraces: [],
    steppedModels: [],
  };
}

// --- from a scenario -------------------------------------------------------------------------

/** The circuit a scenario is (any valid scenario: a network's populations become nodes too). */
export function circuitFromScenario(raw: Record<string, unknown>, facts: ModelFacts): Circuit {
  const populations = (Array.isArray(raw.populations) ? raw.populations : []) as Record<string, unknown>[];
  const projections = (Array.isArray(raw.projections) ? raw.projections : []) as Record<string, unknown>[];
  const stimuli = (Array.isArray(raw.stimuli) ? raw.stimuli : []) as Record<string, unknown>[];
  const record = isObject(raw.record) ? raw.record : {};
  const traces = (Array.isArray(record.traces) ? record.traces : []) as { population: string; variable: string; neurons: number[] }[];
  const layout = readLayout(raw.layout);

  const nodes: CircuitNode[] = [];
  let next = 1;
  const newId = () => `n${next++}`;
  for (const p of populations) {
    const { name, ...population } = p;
    const node: CircuitNode = isSpikeSource(p)
      ? { id: newId(), kind: 'spikes', name: String(name), x: 0, y: 0, population }
      : { id: newId(), kind: 'neuron', name: String(name), x: 0, y: 0, population, traced: traces.some((t) => t.population === name && t.variable === facts.membrane(p.model)) };
    nodes.push(node);
  }
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const edges: CircuitEdge[] = [];
  let nextEdge = 1;
  for (const pr of projections) {
    const { source, target, ...projection } = pr;
    const from = byName.get(String(source));
    const to = byName.get(String(target));
    if (from && to) edges.push({ id: `e${nextEdge++}`, from: from.id, to: to.id, projection });
  }

  // Current sources: the layout says which stimuli one node stands for; else one node per
  // stimulus spec, merged where the same spec drives several neurons.
  const claimed = new Set<number>();
  const currentNodes: { node: CurrentNode; indices: number[] }[] = [];
  for (const entry of layout?.nodes ?? []) {
    if (entry.kind !== 'current' || !entry.stimuli) continue;
    const indices = entry.stimuli.filter((k) => k >= 0 && k < stimuli.length && !claimed.has(k) && byName.has(String(stimuli[k].population)));
    if (indices.length === 0) continue;
    indices.forEach((k) => claimed.add(k));
    const { population: _, ...stimulus } = stimuli[indices[0]];
    currentNodes.push({ node: { id: newId(), kind: 'current', name: entry.name, x: entry.x, y: entry.y, stimulus }, indices });
  }
  let nextCurrent = 1;
  stimuli.forEach((s, k) => {
    if (claimed.has(k) || !byName.has(String(s.population))) return;
    const { population: _, ...stimulus } = s;
    const key = JSON.stringify(stimulus);
    const same = layout ? undefined : currentNodes.find((c) => JSON.stringify(c.node.stimulus) === key);
    if (same) {
      same.indices.push(k);
      return;
    }
    let name = `I${nextCurrent++}`;
    while (nodes.some((n) => n.name === name) || currentNodes.some((c) => c.node.name === name)) name = `I${nextCurrent++}`;
    currentNodes.push({ node: { id: newId(), kind: 'current', name, x: 0, y: 0, stimulus }, indices: [k] });
  });
  for (const { node, indices } of currentNodes) {
    nodes.push(node);
    for (const k of indices) edges.push({ id: `e${nextEdge++}`, from: node.id, to: byName.get(String(stimuli[k].population))!.id });
  }

  // Every trace the scenario records, in its order (several neurons, gates, a synapse's g): a node traced keeps its own.
  const extraTraces = traces.filter((t) => byName.has(t.population)).map((t) => structuredClone(t));
  const { populations: _p, projections: _pr, stimuli: _s, layout: _l, ...meta } = raw;
  const { traces: _t, ...recordRest } = record;
  const steppedModels = [...new Set(populations.map((p) => p.model).filter((m): m is string => typeof m === 'string'))];
  const circuit: Circuit = { meta: { ...meta, record: recordRest }, nodes, edges, extraTraces, steppedModels };

  // Positions: from the layout where it names the node, the rest laid out by depth.
  const placed = new Set<string>();
  for (const entry of layout?.nodes ?? []) {
    if (entry.kind === 'current') continue;
    const node = nodes.find((n) => n.kind === entry.kind && n.name === entry.name);
    if (!node) continue;
    node.x = round3(entry.x);
    node.y = round3(entry.y);
    placed.add(node.id);
  }
  for (const { node } of currentNodes) if (layout && layout.nodes.some((e) => e.kind === 'current' && e.name === node.name && e.stimuli)) placed.add(node.id);
  if (placed.size < nodes.length) layoutByDepth(circuit, placed);
  return circuit;
}

function readLayout(value: unknown): LayoutSpec | null {
  if (!isObject(value) || !Array.isArray(value.nodes)) return null;
  const nodes = value.nodes.filter((n): n is LayoutSpec['nodes'][number] =>
    isObject(n) && (n.kind === 'neuron' || n.kind === 'spikes' || n.kind === 'current') && typeof n.name === 'string' && typeof n.x === 'number' && typeof n.y === 'number' && Number.isFinite(n.x) && Number.isFinite(n.y));
  return { nodes };
}

/**
 * Place the nodes not in `fixed`: inputs (current and spike sources) in the first column, each
 * neuron one column further than its nearest input (those no input reaches in the second), spread
 * down each column.
 */
export function layoutByDepth(circuit: Circuit, fixed: Set<string> = new Set()): void {
  const depth = new Map<string, number>();
  const queue: string[] = [];
  for (const n of circuit.nodes) {
    if (n.kind !== 'neuron') {
      depth.set(n.id, 0);
      queue.push(n.id);
    }
  }
  while (queue.length > 0) {
    const id = queue.shift()!;
    for (const e of circuit.edges) {
      if (e.from !== id || depth.has(e.to)) continue;
      depth.set(e.to, depth.get(id)! + 1);
      queue.push(e.to);
    }
  }
  for (const n of circuit.nodes) if (!depth.has(n.id)) depth.set(n.id, 1);
  const deepest = Math.max(1, ...depth.values());
  const columns = new Map<number, CircuitNode[]>();
  for (const n of circuit.nodes) {
    if (fixed.has(n.id)) continue;
    const d = depth.get(n.id)!;
    columns.set(d, [...(columns.get(d) ?? []), n]);
  }
  for (const [d, column] of columns) {
    column.forEach((n, k) => {
      n.x = round3(0.12 + (0.76 * d) / deepest);
      n.y = round3((k + 1) / (column.length + 1));
    });
  }
}

// --- to a scenario ---------------------------------------------------------------------------

/** The scenario the circuit is. Refuses (CircuitError naming what) what the core would not build. */
export function scenarioFromCircuit(circuit: Circuit, facts: ModelFacts): Record<string, unknown> {
  const populationNodes = circuit.nodes.filter((n): n is NeuronNode | SpikeSourceNode => n.kind !== 'current');
  if (!circuit.nodes.some((n) => n.kind === 'neuron')) throw new CircuitError('nodes', 'The circuit has no neuron yet: add one.');
  if (populationNodes.length > MAX_POPULATIONS) throw new CircuitError('nodes', `${populationNodes.length} neurons and spike sources; a circuit runs at most ${MAX_POPULATIONS} (make a node a population of several neurons instead).`);
  const byId = new Map(circuit.nodes.map((n) => [n.id, n]));
  const synapses = circuit.edges.filter((e) => e.projection);
  if (synapses.length > MAX_PROJECTIONS) throw new CircuitError('edges', `${synapses.length} synapses; a circuit runs at most ${MAX_PROJECTIONS}.`);
  const wires = circuit.edges.filter((e) => !e.projection);
  if (wires.length > MAX_STIMULI) throw new CircuitError('edges', `${wires.length} current inputs; a circuit runs at most ${MAX_STIMULI}.`);

  const populations = populationNodes.map((n) => ({ name: n.name, ...n.population }));
  const projections = synapses.map((e) => ({ source: byId.get(e.from)!.name, target: byId.get(e.to)!.name, ...e.projection }));
  const layoutNodes: LayoutSpec['nodes'] = [];
  const stimuli: Record<string, unknown>[] = [];
  for (const n of circuit.nodes) {
    if (n.kind !== 'current') {
      layoutNodes.push({ kind: n.kind, name: n.name, x: round3(n.x), y: round3(n.y) });
      continue;
    }
    const indices: number[] = [];
    for (const e of wires) {
      if (e.from !== n.id) continue;
      indices.push(stimuli.length);
      stimuli.push({ ...n.stimulus, population: byId.get(e.to)!.name });
    }
    layoutNodes.push({ kind: 'current', name: n.name, x: round3(n.x), y: round3(n.y), stimuli: indices });
  }

  // The step the finest model added asks for (HH's 0.01 ms beside a LIF's 0.1 ms); a scenario's own models keep its step.
  let dtMs = typeof circuit.meta.dtMs === 'number' ? circuit.meta.dtMs : 0.1;
  for (const n of populationNodes) {
    const added = n.kind === 'neuron' && !(typeof n.population.model === 'string' && (circuit.steppedModels ?? []).includes(n.population.model));
    const wanted = added ? facts.dtMs(n.population.model) : null;
    if (wanted !== null && wanted < dtMs) dtMs = wanted;
  }
  const record: Record<string, unknown> = isObject(circuit.meta.record) ? { ...circuit.meta.record } : { spikes: true };
  if (typeof record.traceEveryMs === 'number' && record.traceEveryMs < dtMs) record.traceEveryMs = dtMs;
  // The traces kept from the scenario (a membrane only while its node is traced; neurons the node still has),
  // then the membrane of each traced node that has none yet.
  const nodeOf = new Map(populationNodes.map((n) => [n.name, n]));
  const traces: { population: string; variable: string; neurons: number[] }[] = [];
  for (const t of circuit.extraTraces) {
    const n = nodeOf.get(t.population);
    if (!n) continue;
    const membrane = n.kind === 'neuron' ? facts.membrane(n.population.model) : null;
    if (t.variable === membrane && !(n as NeuronNode).traced) continue;
    if (n.kind === 'neuron' && t.variable !== membrane && !facts.state(n.population.model).includes(t.variable) && !/^[gh]_syn\d+$/.test(t.variable)) continue; // another model now
    const size = Number(n.population.size ?? 1);
    const neurons = t.neurons.filter((i) => i < size);
    traces.push({ ...t, neurons: neurons.length > 0 ? neurons : [0] });
  }
  for (const n of populationNodes) {
    const variable = n.kind === 'neuron' && n.traced ? facts.membrane(n.population.model) : null;
    if (variable && !traces.some((t) => t.population === n.name && t.variable === variable)) traces.push({ population: n.name, variable, neurons: [0] });
  }
  return {
    ...circuit.meta,
    format: SCENARIO_FORMAT,
    dtMs,
    populations,
    ...(projections.length > 0 ? { projections } : {}),
    stimuli,
    record: { ...record, traces },
    layout: { nodes: layoutNodes },
  };
}

/** The same scenario without its layout (for a validator that does not accept one yet, or to compare two). */
export function withoutLayout(raw: Record<string, unknown>): Record<string, unknown> {
  const { layout: _, ...rest } = raw;
  return rest;
}

/** A change the running experiment takes without a new run (the worker's Change kinds 'projection' and 'stimulus'). */
export type LiveChange =
  | { kind: 'projection'; index: number; values: { weight?: number; delayMs?: number } }
  | { kind: 'stimulus'; index: number; values: Record<string, number> };

/**
 * What turns the scenario `before` (running) into `after` as changes the experiment applies in
 * place: a synapse's weight or delay, a stimulus's numbers (amplitude, start, stop). Null when
 * anything else differs (a node, a wire, kinetics, a spike pattern): that needs a new run.
 */
export function liveChanges(before: Record<string, unknown>, after: Record<string, unknown>): LiveChange[] | null {
  const strip = (raw: Record<string, unknown>) => {
    const projections = ((raw.projections ?? []) as Record<string, unknown>[]).map(({ weight: _w, delayMs: _d, ...rest }) => rest);
    const stimuli = ((raw.stimuli ?? []) as Record<string, unknown>[]).map((st) => Object.fromEntries(Object.entries(st).filter(([, v]) => typeof v !== 'number')));
    const { layout: _l, view: _v, ...rest } = raw;
    return JSON.stringify({ ...rest, projections, stimuli });
  };
  if (strip(before) !== strip(after)) return null;
  const changes: LiveChange[] = [];
  const p0 = (before.projections ?? []) as Record<string, unknown>[];
  const p1 = (after.projections ?? []) as Record<string, unknown>[];
  for (let k = 0; k < p1.length; k++) {
    const values: { weight?: number; delayMs?: number } = {};
    for (const key of ['weight', 'delayMs'] as const) {
      if (JSON.stringify(p0[k][key]) === JSON.stringify(p1[k][key])) continue;
      const value = p1[k][key] ?? (key === 'delayMs' ? 0 : undefined);
      if (typeof value !== 'number') return null; // a drawn weight or delay: a new run draws it
      values[key] = value;
    }
    if (Object.keys(values).length > 0) changes.push({ kind: 'projection', index: k, values });
  }
  const s0 = (before.stimuli ?? []) as Record<string, unknown>[];
  const s1 = (after.stimuli ?? []) as Record<string, unknown>[];
  for (let k = 0; k < s1.length; k++) {
    const values: Record<string, number> = {};
    const keys = new Set([...Object.keys(s0[k]), ...Object.keys(s1[k])]);
    for (const key of keys) {
      if (s0[k][key] === s1[k][key]) continue;
      if (typeof s1[k][key] !== 'number') return null;
      values[key] = s1[k][key] as number;
    }
    if (Object.keys(values).length > 0) changes.push({ kind: 'stimulus', index: k, values });
  }
  return changes;
}

// --- edits: each returns a new circuit (the old one stays in the history) ---------------------

const clone = (c: Circuit): Circuit => structuredClone(c);

function freshId(circuit: Circuit, prefix: string): string {
  let k = circuit.nodes.length + circuit.edges.length + 1;
  while (circuit.nodes.some((n) => n.id === `${prefix}${k}`) || circuit.edges.some((e) => e.id === `${prefix}${k}`)) k++;
  return `${prefix}${k}`;
}

/** A population name no node has yet: A, B, ... Z, then A2, B2 ... (spike sources S1, S2 ...; currents I1 ...). */
export function freshName(circuit: Circuit, kind: NodeKind): string {
  const taken = new Set(circuit.nodes.map((n) => n.name));
  if (kind === 'neuron') {
    for (let round = 1; ; round++) {
      for (let c = 0; c < 26; c++) {
        const name = String.fromCharCode(65 + c) + (round > 1 ? String(round) : '');
        if (!taken.has(name)) return name;
      }
    }
  }
  const prefix = kind === 'spikes' ? 'S' : 'I';
  for (let k = 1; ; k++) if (!taken.has(`${prefix}${k}`)) return `${prefix}${k}`;
}

export function addNode(circuit: Circuit, node: Omit<NeuronNode, 'id' | 'name'> | Omit<SpikeSourceNode, 'id' | 'name'> | Omit<CurrentNode, 'id' | 'name'>, name?: string): { circuit: Circuit; id: string } {
  const next = clone(circuit);
  const id = freshId(next, 'n');
  next.nodes.push({ ...structuredClone(node), id, name: name ?? freshName(next, node.kind), x: round3(node.x), y: round3(node.y) } as CircuitNode);
  return { circuit: next, id };
}

/** Remove a node with every edge to or from it. */
export function removeNode(circuit: Circuit, id: string): Circuit {
  const next = clone(circuit);
  next.nodes = next.nodes.filter((n) => n.id !== id);
  next.edges = next.edges.filter((e) => e.from !== id && e.to !== id);
  return next;
}

export function removeEdge(circuit: Circuit, id: string): Circuit {
  const next = clone(circuit);
  next.edges = next.edges.filter((e) => e.id !== id);
  return next;
}

export function moveNode(circuit: Circuit, id: string, x: number, y: number): Circuit {
  const next = clone(circuit);
  const node = next.nodes.find((n) => n.id === id);
  if (node) {
    node.x = round3(x);
    node.y = round3(y);
  }
  return next;
}

/** Replace fields of a node (its population, stimulus, traced flag or name). */
export function updateNode(circuit: Circuit, id: string, change: Partial<Omit<NeuronNode, 'id' | 'kind'>> & Partial<Omit<CurrentNode, 'id' | 'kind'>>): Circuit {
  const next = clone(circuit);
  const node = next.nodes.find((n) => n.id === id);
  if (node) Object.assign(node, structuredClone(change));
  return next;
}

export function updateEdge(circuit: Circuit, id: string, projection: Record<string, unknown>): Circuit {
  const next = clone(circuit);
  const edge = next.edges.find((e) => e.id === id);
  if (edge?.projection) edge.projection = structuredClone(projection);
  return next;
}

/**
 * Wire `from` to `to`: a synapse (the projection given) from a neuron or spike source to a neuron,
 * or a current source's wire to a neuron. Refused: into a source, from a node to itself, and a
 * second edge between the same two nodes (edit the one there).
 */
export function connect(circuit: Circuit, from: string, to: string, projection: Record<string, unknown> | null): { circuit: Circuit; id: string } {
  const a = circuit.nodes.find((n) => n.id === from);
  const b = circuit.nodes.find((n) => n.id === to);
  if (!a || !b) throw new CircuitError('edge', 'Both ends of a connection must be nodes of the circuit.');
  if (from === to) throw new CircuitError('edge', `${a.name} cannot connect to itself here.`);
  if (b.kind !== 'neuron') throw new CircuitError('edge', `${b.name} is a ${b.kind === 'spikes' ? 'spike source' : 'current source'}: connections go into neurons.`);
  if (circuit.edges.some((e) => e.from === from && e.to === to)) throw new CircuitError('edge', `${a.name} is already connected to ${b.name}: select that connection to change it.`);
  const next = clone(circuit);
  const id = freshId(next, 'e');
  next.edges.push(a.kind === 'current' ? { id, from, to } : { id, from, to, projection: structuredClone(projection ?? {}) });
  return { circuit: next, id };
}

// --- excitatory or inhibitory ----------------------------------------------------------------

/** A conductance synapse reversing below this (mV) inhibits. */
export const INHIBITORY_REVERSAL_MV = -20;

/** A synapse's sign as the student reads it: inhibitory when its weight is negative, it increments an inhibitory variable (gi), or its conductance reverses below INHIBITORY_REVERSAL_MV. */
export function synapseSign(projection: Record<string, unknown>): 'excitatory' | 'inhibitory' {
  // A conductance acts by its reversal potential: below about -20 mV it pulls v down (or holds it near rest: shunting).
  const synapse = projection.synapse;
  if (isObject(synapse) && synapse.kind === 'conductance') return typeof synapse.reversalMV === 'number' && synapse.reversalMV < INHIBITORY_REVERSAL_MV ? 'inhibitory' : 'excitatory';
  const w = projection.weight;
  const mean = typeof w === 'number' ? w : isObject(w) && Array.isArray(w.normal) ? Number(w.normal[0]) : isObject(w) && Array.isArray(w.uniform) ? (Number(w.uniform[0]) + Number(w.uniform[1])) / 2 : 0;
  if (mean < 0) return 'inhibitory';
  return typeof projection.on === 'string' && /^g_?i(nh)?$/.test(projection.on) ? 'inhibitory' : 'excitatory';
}

// --- undo and redo ---------------------------------------------------------------------------

/** Circuits as they were, to go back and forth through (at most `limit` steps back). */
export class CircuitHistory {
  private past: Circuit[] = [];
  private future: Circuit[] = [];
  constructor(private present: Circuit, private readonly limit = 200) {}

  get now(): Circuit {
    return this.present;
  }

  /** A new state after an edit; what was undone cannot be redone after it. */
  push(next: Circuit): void {
    this.past.push(this.present);
    if (this.past.length > this.limit) this.past.shift();
    this.present = next;
    this.future = [];
  }

  /** Change the present state in place (a default filled in after the edit that made it): no new step. */
  replace(next: Circuit): void {
    this.present = next;
  }

  get canUndo(): boolean {
    return this.past.length > 0;
  }

  get canRedo(): boolean {
    return this.future.length > 0;
  }

  undo(): Circuit | null {
    const previous = this.past.pop();
    if (!previous) return null;
    this.future.push(this.present);
    this.present = previous;
    return previous;
  }

  redo(): Circuit | null {
    const next = this.future.pop();
    if (!next) return null;
    this.past.push(this.present);
    this.present = next;
    return next;
  }
}

// --- model facts from the shipped files (data, no parser) --------------------------------------

/** ModelFacts read from model files as data: a built-in id through `file`, or an inline model object. */
export function modelFactsFrom(file: (id: string) => unknown): ModelFacts {
  const of = (model: unknown): Record<string, unknown> | null => {
    const f = typeof model === 'string' ? file(model) : model;
    return isObject(f) ? f : null;
  };
  return {
    dtMs(model) {
      const sweep = of(model)?.sweep;
      return isObject(sweep) && typeof sweep.dtMs === 'number' ? sweep.dtMs : null;
    },
    membrane(model) {
      return membraneVariable(model, (id) => of(id) as never);
    },
    state(model) {
      const state = of(model)?.state;
      return isObject(state) ? Object.keys(state) : [];
    },
  };
}
