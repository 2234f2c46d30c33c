// Derived traces: the ionic currents a model file declares (its `currents`, e.g. I_Na, I_K, I_L in
// models/hh.json), computed sample by sample from the traced state and the parameters in use.
// A current is offered for a traced neuron when its expression, written out, reads only
// parameters and state variables traced for that same neuron. It carries the input's unit, since
// it enters the membrane equation beside the input.
import { symbolsOf, toClosure, type Evaluator } from '../codegen/expression.js';
import { writtenOut } from '../model/loadModel.js';
import type { Frame, Simulation, TraceFrame } from '../simulation.js';
import type { TraceSummary } from '../summary.js';

/** One derived trace: a named expression evaluated from parameters and traced state. */
export interface CurrentTrace {
  summary: TraceSummary;
  evaluate: Evaluator;
  /** Per slot after the parameters: index of the state trace (in frame order) it reads. */
  sources: number[];
  population: number;
}

/** The declared currents `stateTraces` (in frame order) allow computing. */
export function currentTraces(sim: Simulation, stateTraces: TraceSummary[]): CurrentTrace[] {
  const out: CurrentTrace[] = [];
  sim.populations.forEach((pop, p) => {
    const model = pop.model;
    const declared = model.file.currents ?? {};
    const neurons = [...new Set(stateTraces.filter((t) => t.population === pop.name).map((t) => t.neuron))];
    for (const expression of model.expressions) {
      const display = declared[expression.name];
      if (!display) continue;
      // Written out in parameters and state (skipped if that would be large: it is evaluated per sample).
      const written = writtenOut(model, expression.node, 2000);
      if (!written) continue;
      const reads = [...symbolsOf(written)];
      const stateReads = reads.filter((s) => model.stateNames.includes(s));
      if (!reads.every((s) => model.parameterNames.includes(s) || model.stateNames.includes(s))) continue;
      const np = model.parameterNames.length;
      const evaluate = toClosure(written, (name) => {
        const k = model.parameterNames.indexOf(name);
        return k >= 0 ? k : np + stateReads.indexOf(name);
      });
      for (const neuron of neurons) {
        const sources = stateReads.map((s) => stateTraces.findIndex((t) => t.population === pop.name && t.neuron === neuron && t.variable === s));
        if (sources.some((k) => k < 0)) continue;
        out.push({
          population: p,
          evaluate,
          sources,
          summary: { population: pop.name, variable: expression.name, neuron, kind: 'current', role: 'current', label: display.label, colour: display.colour, unit: model.file.input.unit, meaning: 'ionic current', threshold: null },
        });
      }
    }
  });
  return out;
}

/**
 * `frame` with the currents appended after its state traces, each sample computed from the
 * traced state at that sample and the population's parameters now (the caller drains before a
 * parameter changes, so every sample is computed with the values it was simulated with).
 */
export function withCurrents(sim: Simulation, frame: Frame, currents: CurrentTrace[]): Frame {
  if (currents.length === 0) return frame;
  const added: TraceFrame[] = currents.map((c) => {
    const params = sim.populations[c.population].parameters;
    const np = params.length;
    const inputs = c.sources.map((k) => frame.traces[k].values);
    const first = frame.traces[c.sources[0]] ?? frame.traces[0];
    const n = inputs.length > 0 ? inputs[0].length : 0;
    const slots = new Float64Array(np + inputs.length);
    slots.set(params);
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      for (let s = 0; s < inputs.length; s++) slots[np + s] = inputs[s][i];
      values[i] = c.evaluate(slots);
    }
    return { population: c.summary.population, variable: c.summary.variable, neuron: c.summary.neuron, startMs: first.startMs, everyMs: first.everyMs, values };
  });
  return { ...frame, traces: [...frame.traces, ...added] };
}
