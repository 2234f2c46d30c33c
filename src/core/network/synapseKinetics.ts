// Synapse kinetics as data: a projection's `synapse` (exponential, alpha or difference of
// exponentials; current or conductance) becomes equations added to the target's model file, so
// every integrator (the exact one too, where the result stays linear) integrates them and the
// exporters write them as they write any equation. Each distinct kinetics on a target is one
// receptor with state variables of its own:
//   exponential:   dg/dt = -g / tau                      (a spike adds w to g)
//   alpha:         dh/dt = -h / tau, dg/dt = (h - g) / tau    (a spike adds w e to h)
//   biexponential: dh/dt = -h / tauRise, dg/dt = h / tauRise - g / tauDecay (a spike adds w / peak to h)
// so g's peak after one spike is the weight w. The receptor's current, g (current) or
// g (E_rev - v) (conductance, v the model's membrane variable), is added to the model's input
// symbol wherever the equations read it: the synaptic current enters exactly as injected current does.
import { InputError } from '../errors.js';
import type { ModelFile } from '../model/modelFile.js';
import type { LoadedModel } from '../model/loadModel.js';
import type { SynapseSpec } from '../scenarioSpec.js';

export const SYNAPSE_KINDS = ['current', 'conductance'] as const;
export const SYNAPSE_SHAPES = ['exponential', 'alpha', 'biexponential'] as const;

/** One distinct kinetics on a target: the names of its state variables and what a spike does. */
export interface Receptor {
  spec: SynapseSpec;
  /** The conductance (or current) g, and the variable a spike increments (g itself for an exponential). */
  g: string;
  jumped: string;
  /** Factor on the weight added to `jumped`, so g peaks at the weight. */
  weightScale: number;
  /** The named expression of its current into the input. */
  current: string;
}

/** A canonical key: two projections with the same kinetics share one receptor. */
export function receptorKey(spec: SynapseSpec): string {
  return spec.shape === 'biexponential'
    ? `${spec.kind}|${spec.shape}|${spec.tauRiseMs}|${spec.tauDecayMs}|${spec.reversalMV ?? ''}`
    : `${spec.kind}|${spec.shape}|${spec.tauMs}|${spec.reversalMV ?? ''}`;
}

/** The factor on the weight that makes g's peak after one spike equal to the weight. */
export function peakScale(spec: SynapseSpec): number {
  if (spec.shape === 'exponential') return 1;
  if (spec.shape === 'alpha') return Math.E;
  // h jumps by a: g = a tauDecay/(tauDecay - tauRise) (e^(-t/tauDecay) - e^(-t/tauRise)), peak at t_p.
  const r = spec.tauRiseMs;
  const d = spec.tauDecayMs;
  const tp = ((r * d) / (d - r)) * Math.log(d / r);
  const peak = (d / (d - r)) * (Math.exp(-tp / d) - Math.exp(-tp / r));
  return 1 / peak;
}

/** The time of g's peak after a spike (ms). */
export function peakTimeMs(spec: SynapseSpec): number {
  if (spec.shape === 'exponential') return 0;
  if (spec.shape === 'alpha') return spec.tauMs;
  const r = spec.tauRiseMs;
  const d = spec.tauDecayMs;
  return ((r * d) / (d - r)) * Math.log(d / r);
}

const num = (x: number) => (Number.isInteger(x) ? String(x) : String(x));

/**
 * The target's model file with `receptors` added (in order; names syn0, syn1, ...). `field`
 * names the projection in messages. Returns the file and each receptor's names.
 */
export function withReceptors(model: LoadedModel, specs: SynapseSpec[], fields: string[]): { file: ModelFile; receptors: Receptor[] } {
  const base = model.file;
  const membrane = model.display.membrane;
  const taken = new Set([...model.parameterNames, ...model.stateNames, ...model.expressions.map((e) => e.name), model.inputSymbol]);
  const fresh = (name: string) => {
    let candidate = name;
    for (let k = 2; taken.has(candidate); k++) candidate = `${name}_${k}`;
    taken.add(candidate);
    return candidate;
  };
  const state: ModelFile['state'] = { ...base.state };
  const equations = [...base.equations];
  const expressions = [...(base.expressions ?? [])];
  const bounds: Record<string, [number, number]> = { ...((base as { bounds?: Record<string, [number, number]> }).bounds ?? {}) };
  const inputUnit = base.input.unit;
  const receptors = specs.map((spec, k): Receptor => {
    const tag = `syn${k}`;
    const g = fresh(`g_${tag}`);
    const current = fresh(`I_${tag}`);
    const unit = spec.kind === 'current' ? inputUnit : `${inputUnit}/${membrane?.unit ?? 'mV'}`;
    state[g] = { initial: '0', unit, meaning: `${spec.kind === 'current' ? 'synaptic current' : 'synaptic conductance'} of receptor ${tag} (${spec.shape})` };
    bounds[g] = [-1e9, 1e9];
    let jumped = g;
    if (spec.shape === 'exponential') equations.push(`d${g}/dt = -${g} / ${num(spec.tauMs)}`);
    else {
      jumped = fresh(`h_${tag}`);
      state[jumped] = { initial: '0', unit, meaning: `rising phase of receptor ${tag}: each spike adds to it, and it flows into ${g}` };
      bounds[jumped] = [-1e9, 1e9];
      if (spec.shape === 'alpha') {
        equations.push(`d${jumped}/dt = -${jumped} / ${num(spec.tauMs)}`);
        equations.push(`d${g}/dt = (${jumped} - ${g}) / ${num(spec.tauMs)}`);
      } else {
        equations.push(`d${jumped}/dt = -${jumped} / ${num(spec.tauRiseMs)}`);
        equations.push(`d${g}/dt = ${jumped} / ${num(spec.tauRiseMs)} - ${g} / ${num(spec.tauDecayMs)}`);
      }
    }
    if (spec.kind === 'conductance') {
      if (!membrane) throw new InputError(`${fields[k]}.kind`, `"conductance" needs the target's membrane potential, and model ${model.id} declares none (its file's "membrane"); use "current"`);
      expressions.push(`${current} = ${g} * (${num(spec.reversalMV!)} - ${membrane.name})`);
    } else expressions.push(`${current} = ${g}`);
    return { spec, g, jumped, weightScale: peakScale(spec), current };
  });
  // The input symbol, as a whole word, becomes the injected input plus the receptors' currents.
  const input = model.inputSymbol;
  const word = new RegExp(`(?<![A-Za-z0-9_])${input}(?![A-Za-z0-9_])`, 'g');
  const total = `(${input} + ${receptors.map((r) => r.current).join(' + ')})`;
  const rewrite = (text: string) => {
    const eq = text.indexOf('=');
    return text.slice(0, eq + 1) + text.slice(eq + 1).replace(word, total);
  };
  const file: ModelFile = {
    ...base,
    id: base.id,
    state,
    equations: [...equations.slice(0, base.equations.length).map(rewrite), ...equations.slice(base.equations.length)],
    expressions: [...expressions.slice(0, (base.expressions ?? []).length).map(rewrite), ...expressions.slice((base.expressions ?? []).length)],
    bounds,
  } as ModelFile;
  return { file, receptors };
}
