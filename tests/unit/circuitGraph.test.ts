// The circuit canvas's graph and the scenario it is: what the canvas makes from its nodes and
// edges is a scenario the validator accepts and that runs (an EPSP in the target), and a scenario
// comes back to the same graph (positions from its layout, or laid out by depth without one).
import { describe, expect, it } from 'vitest';
import {
  CircuitHistory,
  addNode,
  circuitFromScenario,
  connect,
  emptyCircuit,
  layoutByDepth,
  liveChanges,
  modelFactsFrom,
  moveNode,
  removeNode,
  scenarioFromCircuit,
  synapseSign,
  updateEdge,
  updateNode,
  withoutLayout,
  type Circuit,
} from '../../src/ui/circuitGraph';
import { withKinetics, withSign } from '../../src/ui/circuitInspector';
import { builtinFile } from '../../src/core/model/builtinFiles';
import { validateScenario } from '../../src/scenario/scenario';
import { openExperiment } from '../../src/scenario/scenario';
import { PRESETS, preset } from '../../src/scenario/presets';

const facts = modelFactsFrom(builtinFile);

/** The two-neuron circuit of the browser test: a step into A, A excites B (a jump of 2 mV after 1 ms). */
function twoNeurons(): { circuit: Circuit; ids: Record<string, string> } {
  let c = emptyCircuit();
  const a = addNode(c, { kind: 'neuron', x: 0.45, y: 0.5, traced: true, population: { model: 'lif', size: 1 } });
  c = a.circuit;
  const b = addNode(c, { kind: 'neuron', x: 0.75, y: 0.2, traced: true, population: { model: 'lif', size: 1 } });
  c = b.circuit;
  const i = addNode(c, { kind: 'current', x: 0.05, y: 0.5, stimulus: { type: 'step', amplitude: 3, startMs: 20, stopMs: 180 } });
  c = i.circuit;
  c = connect(c, i.id, a.id, null).circuit;
  const syn = connect(c, a.id, b.id, { connect: { rule: 'all' }, on: 'v', weight: 2, delayMs: 1 });
  return { circuit: syn.circuit, ids: { a: a.id, b: b.id, i: i.id, syn: syn.id } };
}

describe('the scenario a circuit is', () => {
  it('names neurons A, B, ..., current sources I1 ...; makes populations, a projection and a stimulus', () => {
    const { circuit } = twoNeurons();
    expect(circuit.nodes.map((n) => n.name)).toEqual(['A', 'B', 'I1']);
    const raw = scenarioFromCircuit(circuit, facts);
    expect(raw.populations).toEqual([
      { name: 'A', model: 'lif', size: 1 },
      { name: 'B', model: 'lif', size: 1 },
    ]);
    expect(raw.projections).toEqual([{ source: 'A', target: 'B', connect: { rule: 'all' }, on: 'v', weight: 2, delayMs: 1 }]);
    expect(raw.stimuli).toEqual([{ type: 'step', amplitude: 3, startMs: 20, stopMs: 180, population: 'A' }]);
    expect((raw.record as { traces: unknown[] }).traces).toEqual([
      { population: 'A', variable: 'v', neurons: [0] },
      { population: 'B', variable: 'v', neurons: [0] },
    ]);
    expect(raw.layout).toEqual({ nodes: [
      { kind: 'neuron', name: 'A', x: 0.45, y: 0.5 },
      { kind: 'neuron', name: 'B', x: 0.75, y: 0.2 },
      { kind: 'current', name: 'I1', x: 0.05, y: 0.5, stimuli: [0] },
    ] });
    expect((validateScenario(raw).scenario as { layout?: unknown }).layout).toEqual(raw.layout); // carried as drawn
  });

  it('runs: A fires under its step and each of its spikes lifts B by the weight, 1 ms later (an EPSP, B below threshold)', () => {
    const raw = (scenarioFromCircuit(twoNeurons().circuit, facts));
    const exp = openExperiment(raw);
    exp.advance(200);
    const frame = exp.drain();
    const offsets = { A: 0, B: 1 };
    const spikesA = [...frame.spikes.neuron].filter((i) => i === offsets.A).length;
    const spikesB = [...frame.spikes.neuron].filter((i) => i === offsets.B).length;
    expect(spikesA).toBeGreaterThan(2);
    expect(spikesB).toBe(0);
    const b = frame.traces.find((t) => t.population === 'B' && t.variable === 'v')!;
    const rest = b.values[0];
    const firstSpike = frame.spikes.timeMs[[...frame.spikes.neuron].indexOf(offsets.A)];
    // The sample just after the arrival (spike + 1 ms delay, at the next step boundary) is up by almost the whole weight.
    const k = Math.ceil((firstSpike + 1 - b.startMs) / b.everyMs) + 1;
    expect(b.values[k] - rest).toBeGreaterThan(1.8);
    expect(b.values[k] - rest).toBeLessThanOrEqual(2 + 1e-9);
    // and not before it.
    const before = Math.floor((firstSpike + 1 - b.startMs) / b.everyMs) - 1;
    expect(Math.abs(b.values[before] - rest)).toBeLessThan(1e-9);
  });

  it('takes the finest step its models ask for (HH beside a LIF: 0.01 ms)', () => {
    let { circuit } = twoNeurons();
    circuit = addNode(circuit, { kind: 'neuron', x: 0.9, y: 0.9, traced: false, population: { model: 'hh', size: 1 } }).circuit;
    const raw = scenarioFromCircuit(circuit, facts);
    expect(raw.dtMs).toBe(0.01);
    expect((raw.record as { traces: { population: string }[] }).traces.map((t) => t.population)).toEqual(['A', 'B']);
  });

  it('refuses a circuit without neurons, an edge into a source, a self-connection and a second edge between the same nodes', () => {
    expect(() => scenarioFromCircuit(emptyCircuit(), facts)).toThrow(/no neuron/);
    const { circuit, ids } = twoNeurons();
    expect(() => connect(circuit, ids.a, ids.i, null)).toThrow(/connections go into neurons/);
    expect(() => connect(circuit, ids.a, ids.a, {})).toThrow(/itself/);
    expect(() => connect(circuit, ids.a, ids.b, {})).toThrow(/already connected/);
  });

  it('removes a node with its edges; undo and redo step through the edits', () => {
    const { circuit, ids } = twoNeurons();
    const history = new CircuitHistory(circuit);
    history.push(removeNode(history.now, ids.a));
    expect(history.now.nodes.map((n) => n.name)).toEqual(['B', 'I1']);
    expect(history.now.edges).toEqual([]);
    history.push(moveNode(history.now, ids.b, 0.3, 1.7));
    expect(history.now.nodes[0]).toMatchObject({ x: 0.3, y: 1 });
    expect(history.undo()!.nodes[0]).toMatchObject({ x: 0.75, y: 0.2 });
    expect(history.undo()!.edges).toHaveLength(2);
    expect(history.canUndo).toBe(false);
    expect(history.redo()!.edges).toEqual([]);
    expect(history.canRedo).toBe(true);
    history.push(history.now);
    expect(history.canRedo).toBe(false);
  });
});

describe('a scenario as a circuit', () => {
  it('comes back from its own scenario as the same graph, positions included', () => {
    const { circuit } = twoNeurons();
    const raw = scenarioFromCircuit(circuit, facts);
    const back = circuitFromScenario(raw, facts);
    const strip = (c: Circuit) => ({ nodes: c.nodes.map(({ id: _, ...n }) => n), edges: c.edges.map((e) => ({ from: c.nodes.find((n) => n.id === e.from)!.name, to: c.nodes.find((n) => n.id === e.to)!.name, projection: e.projection })).sort((x, y) => (x.from + x.to < y.from + y.to ? -1 : 1)) });
    expect(strip(back)).toEqual(strip(circuit));
    expect(scenarioFromCircuit(back, facts)).toEqual(raw);
  });

  it('lays out a scenario without positions by depth from its inputs: sources left, then each neuron a column further', () => {
    const raw = withoutLayout(scenarioFromCircuit(twoNeurons().circuit, facts));
    const c = circuitFromScenario(raw, facts);
    const at = Object.fromEntries(c.nodes.map((n) => [n.name, [n.x, n.y]]));
    expect(at.I1[0]).toBeLessThan(at.A[0]);
    expect(at.A[0]).toBeLessThan(at.B[0]);
    for (const [x, y] of Object.values(at)) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThanOrEqual(1);
      expect(y).toBeGreaterThan(0);
      expect(y).toBeLessThan(1);
    }
    // The same scenario (what the core runs) whatever the positions.
    expect(withoutLayout(scenarioFromCircuit(c, facts))).toEqual(raw);
  });

  it('keeps what it does not draw: a network preset round-trips (parameters, rules, drives, record)', () => {
    const cuba = preset('cuba') as Record<string, unknown>;
    const c = circuitFromScenario(cuba, facts);
    expect(c.nodes.filter((n) => n.kind === 'neuron').map((n) => n.name)).toEqual((cuba.populations as { name: string }[]).map((p) => p.name));
    const again = withoutLayout(scenarioFromCircuit(c, facts));
    const normal = (s: Record<string, unknown>) => validateScenario(s).scenario;
    expect(normal(again)).toEqual(normal(cuba));
  });

  it('every shipped scenario (presets, circuits, networks) comes back from its circuit as the same scenario', () => {
    const normal = (s: Record<string, unknown>) => validateScenario(s).scenario;
    for (const [name, raw] of Object.entries(PRESETS)) {
      const c = circuitFromScenario(structuredClone(raw) as Record<string, unknown>, facts);
      expect(normal(withoutLayout(scenarioFromCircuit(c, facts))), name).toEqual(normal(raw as Record<string, unknown>));
    }
    // The winner-take-all's population inhibits itself: an edge from its node to itself.
    const wta = circuitFromScenario(preset('winner-take-all') as Record<string, unknown>, facts);
    expect(wta.edges.filter((e) => e.from === e.to)).toHaveLength(1);
  });

  it('merges one step driving several neurons into one current source (without a layout)', () => {
    const raw = {
      format: 'spikebridge-scenario/1', durationMs: 100, dtMs: 0.1,
      populations: [{ name: 'X', model: 'lif', size: 1 }, { name: 'Y', model: 'lif', size: 1 }],
      stimuli: [{ type: 'step', population: 'X', amplitude: 3, startMs: 10, stopMs: 90 }, { type: 'step', population: 'Y', amplitude: 3, startMs: 10, stopMs: 90 }],
      record: { spikes: true },
    };
    const c = circuitFromScenario(raw, facts);
    expect(c.nodes.filter((n) => n.kind === 'current')).toHaveLength(1);
    expect(c.edges.filter((e) => !e.projection)).toHaveLength(2);
    expect(scenarioFromCircuit(c, facts).stimuli).toEqual([raw.stimuli[0], raw.stimuli[1]].map(({ population, ...s }) => ({ ...s, population })));
  });

  it('draws a spike source as one, wired by its projection', () => {
    const raw = {
      format: 'spikebridge-scenario/1', durationMs: 100, dtMs: 0.1,
      populations: [{ name: 'input', size: 1, spikes: { type: 'times', timesMs: [10, 30.5] } }, { name: 'cell', model: 'lif', size: 1 }],
      projections: [{ source: 'input', target: 'cell', connect: { rule: 'all' }, synapse: { kind: 'current', shape: 'exponential', tauMs: 5 }, weight: 1, delayMs: 1 }],
      stimuli: [],
      record: { spikes: true, traces: [{ population: 'cell', variable: 'v', neurons: [0] }] },
    };
    const c = circuitFromScenario(raw, facts);
    expect(c.nodes.map((n) => [n.kind, n.name])).toEqual([['spikes', 'input'], ['neuron', 'cell']]);
    expect(c.nodes[1]).toMatchObject({ traced: true });
    expect(c.nodes[0].x).toBeLessThan(c.nodes[1].x);
    expect(withoutLayout(scenarioFromCircuit(c, facts))).toEqual(raw);
  });
});

describe('excitatory or inhibitory', () => {
  it('reads a jump or a current by its weight\'s sign, a conductance by its reversal potential, and sets them so', () => {
    const jump = { connect: { rule: 'all' }, on: 'v', weight: 2 };
    expect(synapseSign(jump)).toBe('excitatory');
    expect(withSign(jump, 'inhibitory')).toMatchObject({ weight: -2 });
    expect(synapseSign(withSign(jump, 'inhibitory'))).toBe('inhibitory');
    const current = withKinetics(withSign(jump, 'inhibitory'), 'current:alpha', 'v');
    expect(current).toEqual({ connect: { rule: 'all' }, synapse: { kind: 'current', shape: 'alpha', tauMs: 5 }, weight: -2 });
    const conductance = withKinetics(current, 'conductance:biexponential', 'v', 0.05);
    expect(conductance).toEqual({ connect: { rule: 'all' }, synapse: { kind: 'conductance', shape: 'biexponential', tauRiseMs: 1, tauDecayMs: 5, reversalMV: -80 }, weight: 0.05 });
    expect(synapseSign(conductance)).toBe('inhibitory');
    expect(withSign(conductance, 'excitatory')).toMatchObject({ weight: 0.05, synapse: { reversalMV: 0 } });
    // Back to a jump of the membrane.
    expect(withKinetics(conductance, 'delta', 'v', 2)).toEqual({ connect: { rule: 'all' }, on: 'v', weight: -2 });
  });

  it('every kinetics the inspector offers validates on a LIF target', () => {
    const { circuit, ids } = twoNeurons();
    for (const key of ['current:exponential', 'current:alpha', 'current:biexponential', 'conductance:exponential', 'conductance:alpha', 'conductance:biexponential']) {
      const edge = circuit.edges.find((e) => e.id === ids.syn)!;
      const next = structuredClone(circuit);
      next.edges.find((e) => e.id === ids.syn)!.projection = withKinetics(edge.projection!, key, 'v', 0.1);
      expect(() => validateScenario(scenarioFromCircuit(next, facts)), key).not.toThrow();
    }
  });

  it('lays out a cycle (reciprocal inhibition) without looping', () => {
    let c = emptyCircuit();
    const a = addNode(c, { kind: 'neuron', x: 0, y: 0, traced: true, population: { model: 'lif', size: 1 } });
    const b = addNode(a.circuit, { kind: 'neuron', x: 0, y: 0, traced: true, population: { model: 'lif', size: 1 } });
    c = connect(b.circuit, a.id, b.id, { on: 'v', weight: -1, connect: { rule: 'all' } }).circuit;
    c = connect(c, b.id, a.id, { on: 'v', weight: -1, connect: { rule: 'all' } }).circuit;
    layoutByDepth(c);
    expect(c.nodes.map((n) => [n.x, n.y])).toEqual([[0.88, 0.333], [0.88, 0.667]]);
  });
});

describe('edits the running circuit takes in place', () => {
  it('a weight, a delay or a current\'s numbers become the worker\'s changes; anything else needs a new run', () => {
    const { circuit, ids } = twoNeurons();
    const before = scenarioFromCircuit(circuit, facts);
    const synapse = circuit.edges.find((e) => e.id === ids.syn)!.projection!;
    const heavier = scenarioFromCircuit(updateEdge(circuit, ids.syn, { ...synapse, weight: 3, delayMs: 2 }), facts);
    expect(liveChanges(before, heavier)).toEqual([{ kind: 'projection', index: 0, values: { weight: 3, delayMs: 2 } }]);
    const stronger = scenarioFromCircuit(updateNode(circuit, ids.i, { stimulus: { type: 'step', amplitude: 5, startMs: 20, stopMs: 150 } }), facts);
    expect(liveChanges(before, stronger)).toEqual([{ kind: 'stimulus', index: 0, values: { amplitude: 5, stopMs: 150 } }]);
    expect(liveChanges(before, scenarioFromCircuit(moveNode(circuit, ids.a, 0.1, 0.1), facts))).toEqual([]);
    expect(liveChanges(before, scenarioFromCircuit(updateEdge(circuit, ids.syn, withKinetics(synapse, 'current:exponential', 'v')), facts))).toBeNull();
    expect(liveChanges(before, scenarioFromCircuit(removeNode(circuit, ids.i), facts))).toBeNull();
    // The changes, applied by the experiment, give the scenario drawn.
    const exp = openExperiment(before);
    for (const change of liveChanges(before, heavier)!) expect(exp.apply(change)).not.toHaveProperty('refused');
    expect(exp.snapshot().projections).toEqual(heavier.projections);
  });
});
