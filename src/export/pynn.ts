// A scenario as a PyNN script (PyNN 0.10), for NEST or NEURON, which scale over many machines with MPI.
// PyNN describes neurons by standard cell types, not by equations, so only models with a standard
// counterpart translate, each with its units converted (our model files use mV, ms, nA, MOhm, pF, nS;
// PyNN uses mV, ms, nA, nF, uS). Everything else is refused with the reason.
import { InputError } from '../core/errors.js';
import { validateScenario, type ValidScenario } from '../scenario/scenario.js';
import type { SynapseSpec } from '../core/scenarioSpec.js';
import { SpikeGenerator } from '../core/network/spikeSource.js';
import { SpikeRecorder } from '../core/record/recorders.js';

type Values = Record<string, number>;

interface CellMapping {
  cell: string;
  /** PyNN parameters from ours. */
  parameters(p: Values): Values;
  /** Our input unit to nA. */
  inputToNA: number;
  /** Our synaptic weight on a variable to PyNN's (nA for current, uS for conductance synapses). */
  weight(variable: string, w: number, p: Values): number;
  receptor(variable: string): 'excitatory' | 'inhibitory' | null;
  /** PyNN's names for our state variables that can be initialised, and the unit factor. */
  state: Record<string, [string, (p: Values) => number]>;
}

const synapseReceptor = (variable: string) => (variable === 'ge' ? 'excitatory' : variable === 'gi' ? 'inhibitory' : null);

const CELLS: Record<string, CellMapping> = {
  lif: {
    cell: 'IF_curr_exp',
    parameters: (p) => ({ cm: p.tau_m / p.R, tau_m: p.tau_m, v_rest: p.E_L, v_thresh: p.V_th, v_reset: p.V_reset, tau_refrac: p.t_ref }),
    inputToNA: 1,
    weight: () => NaN,
    receptor: () => null, // delta synapses onto v: PyNN 0.10's standard models have none (IF_curr_delta is NEST-only)
    state: { v: ['v', () => 1] },
  },
  lif_exp_current: {
    cell: 'IF_curr_exp',
    parameters: (p) => ({ cm: p.tau_m / p.R, tau_m: p.tau_m, v_rest: p.E_L, v_thresh: p.V_th, v_reset: p.V_reset, tau_refrac: p.t_ref, tau_syn_E: p.tau_e, tau_syn_I: p.tau_i }),
    inputToNA: 1,
    // ge (mV) enters as ge / tau_m; PyNN's current I_syn as I_syn / cm: I_syn = ge / R.
    weight: (_, w, p) => w / p.R,
    receptor: synapseReceptor,
    state: { v: ['v', () => 1], ge: ['isyn_exc', (p) => 1 / p.R], gi: ['isyn_inh', (p) => 1 / p.R] },
  },
  lif_exp_conductance: {
    cell: 'IF_cond_exp',
    parameters: (p) => ({ cm: p.tau_m / p.R, tau_m: p.tau_m, v_rest: p.E_L, v_thresh: p.V_th, v_reset: p.V_reset, tau_refrac: p.t_ref, tau_syn_E: p.tau_e, tau_syn_I: p.tau_i, e_rev_E: p.E_e, e_rev_I: p.E_i }),
    inputToNA: 1,
    // ge is in units of the leak conductance 1/R (uS for R in MOhm).
    weight: (_, w, p) => w / p.R,
    receptor: synapseReceptor,
    state: { v: ['v', () => 1], ge: ['gsyn_exc', (p) => 1 / p.R], gi: ['gsyn_inh', (p) => 1 / p.R] },
  },
  traub_miles: {
    // PyNN's HH_cond_exp is this very model (Traub and Miles, as in the COBAHH benchmark).
    cell: 'HH_cond_exp',
    parameters: (p) => ({ cm: p.C_m / 1000, g_leak: p.g_L / 1000, gbar_Na: p.g_Na / 1000, gbar_K: p.g_Kd / 1000, e_rev_leak: p.E_L, e_rev_Na: p.E_Na, e_rev_K: p.E_K, v_offset: p.V_T, e_rev_E: p.E_e, e_rev_I: p.E_i, tau_syn_E: p.tau_e, tau_syn_I: p.tau_i }),
    inputToNA: 1e-3, // pA
    weight: (_, w) => w / 1000, // nS -> uS
    receptor: synapseReceptor,
    state: { v: ['v', () => 1], m: ['m', () => 1], h: ['h', () => 1], n: ['n', () => 1], ge: ['gsyn_exc', () => 1e-3], gi: ['gsyn_inh', () => 1e-3] },
  },
  izhikevich: {
    cell: 'Izhikevich',
    parameters: (p) => ({ a: p.a, b: p.b, c: p.c, d: p.d }),
    // PyNN (and NEST's izhikevich) take the paper's input as pA: I = 10 is 0.01 nA.
    inputToNA: 1e-3,
    weight: () => NaN,
    receptor: () => null,
    state: { v: ['v', () => 1], u: ['u', () => 1] },
  },
  adex: {
    cell: 'EIF_cond_exp_isfa_ista',
    parameters: (p) => ({ cm: p.C / 1000, tau_m: p.C / p.g_L, v_rest: p.E_L, v_thresh: p.V_T, delta_T: p.Delta_T, tau_w: p.tau_w, a: p.a, b: p.b / 1000, v_reset: p.V_r, v_spike: p.V_T + 5 * p.Delta_T, tau_refrac: 0 }),
    inputToNA: 1e-3,
    weight: () => NaN,
    receptor: () => null,
    state: { v: ['v', () => 1], w: ['w', () => 1e-3] }, // w: pA -> nA
  },
};

/**
 * PyNN 0.10's NEURON cells start their synapses at zero and HH_cond_exp's gates at zero whatever
 * initialize() says (their memb_init sets v only), so an exported script sets these after NEURON's
 * initialisation: PyNN's name, where NEURON holds it in the cell, and the sign (PyNN's ExpISyn holds
 * the outward current).
 */
const NEURON_IGNORED_STATE: Record<string, [string, number]> = {
  gsyn_exc: ['esyn.g', 1],
  gsyn_inh: ['isyn.g', 1],
  isyn_exc: ['esyn.i', -1],
  isyn_inh: ['isyn.i', -1],
  m: ['seg.hh_traub.m', 1],
  h: ['seg.hh_traub.h', 1],
  n: ['seg.hh_traub.n', 1],
};

const py = (x: number) => (Number.isInteger(x) ? `${x}.0` : String(Number(x.toPrecision(12))));
const pyName = (name: string) => name.replace(/[^A-Za-z0-9_]/g, '_');

function mapping(valid: ValidScenario, k: number): CellMapping {
  const pop = valid.populations[k];
  const m = CELLS[typeof pop.spec.model === 'string' ? pop.spec.model : ''];
  if (!m) {
    throw new InputError(`populations[${k}].model`, `${pop.model.id} has no PyNN standard cell type (models that translate: ${Object.keys(CELLS).join(', ')}); export it to Brian2 instead, which takes equations`);
  }
  return m;
}

/** A PyNN synapse channel of a cell type: which receptor of ours it carries. */
interface Channel {
  receptor: 'excitatory' | 'inhibitory';
  spec: SynapseSpec;
}

/**
 * The standard cell for a LIF population that synapse kinetics target: IF_curr_exp, IF_curr_alpha,
 * IF_cond_exp or IF_cond_alpha, whose two channels (excitatory, inhibitory) carry at most two
 * kinetics of one kind and shape. Current channels go by the sign of their weights, conductance
 * channels by their reversal (the higher one excitatory). Returns each projection's channel.
 */
function synapseCell(valid: ValidScenario, t: number): { mapping: CellMapping; channels: Map<number, Channel> } | null {
  const pop = valid.populations[t];
  const projections = (valid.scenario.projections ?? []).map((pr, k) => ({ pr, k })).filter(({ pr }) => pr.target === pop.spec.name && pr.synapse);
  if (projections.length === 0) return null;
  const first = projections[0];
  const field = (k: number) => `projections[${k}].synapse`;
  if (pop.spec.model !== 'lif') throw new InputError(field(first.k), `PyNN's standard cells fix their synapses: kinetics translate onto "lif" populations only (as IF_curr_exp, IF_curr_alpha, IF_cond_exp, IF_cond_alpha), not onto ${pop.model.id}; export to Brian2, which takes the equations`);
  const kinds = new Map<string, { spec: SynapseSpec; sign: number; ks: number[] }>();
  for (const { pr, k } of projections) {
    const spec = pr.synapse!;
    if (spec.shape === 'biexponential') throw new InputError(`${field(k)}.shape`, 'PyNN 0.10 has no standard cell with difference-of-exponential synapses; use exponential or alpha, or export to Brian2');
    if (spec.kind !== first.pr.synapse!.kind || spec.shape !== first.pr.synapse!.shape) throw new InputError(field(k), `${pop.spec.name} receives ${first.pr.synapse!.kind} ${first.pr.synapse!.shape} and ${spec.kind} ${spec.shape} synapses; a PyNN standard cell has one kind and shape for both its channels`);
    const w = pr.weight;
    const low = typeof w === 'number' ? w : 'uniform' in w ? w.uniform[0] : -Infinity;
    const high = typeof w === 'number' ? w : 'uniform' in w ? w.uniform[1] : Infinity;
    const sign = low >= 0 ? 1 : high <= 0 ? -1 : 0;
    const key = JSON.stringify(spec);
    const entry = kinds.get(key) ?? { spec, sign, ks: [] };
    if (entry.sign !== sign) entry.sign = 0;
    entry.ks.push(k);
    kinds.set(key, entry);
  }
  const list = [...kinds.values()];
  if (list.length > 2) throw new InputError(field(list[2].ks[0]), `${pop.spec.name} receives ${list.length} distinct synapse kinetics; a PyNN standard cell has two channels (excitatory, inhibitory)`);
  const conductance = first.pr.synapse!.kind === 'conductance';
  let order: ('excitatory' | 'inhibitory')[];
  if (conductance) {
    const rev = list.map((e) => e.spec.reversalMV!);
    order = list.length === 1 ? [rev[0] >= -55 ? 'excitatory' : 'inhibitory'] : rev[0] >= rev[1] ? ['excitatory', 'inhibitory'] : ['inhibitory', 'excitatory'];
  } else {
    const bad = list.find((e) => e.sign === 0);
    if (bad) throw new InputError(`projections[${bad.ks[0]}].weight`, 'weights of both signs on one current synapse kinetics do not translate to PyNN, whose excitatory channel takes positive and inhibitory channel negative currents; give each sign its own projection and kinetics');
    order = list.map((e) => (e.sign > 0 ? 'excitatory' : 'inhibitory'));
    if (order.length === 2 && order[0] === order[1]) throw new InputError(field(list[1].ks[0]), `${pop.spec.name} receives two ${order[0]} current kinetics; a PyNN standard cell has one channel of each sign`);
  }
  const channels = new Map<number, Channel>();
  list.forEach((e, j) => e.ks.forEach((k) => channels.set(k, { receptor: order[j], spec: e.spec })));
  const tau = (r: 'excitatory' | 'inhibitory') => {
    const j = order.indexOf(r);
    return j < 0 ? null : (list[j].spec as { tauMs: number }).tauMs;
  };
  const base = CELLS.lif;
  const shape = first.pr.synapse!.shape === 'alpha' ? 'alpha' : 'exp';
  const mapping: CellMapping = {
    ...base,
    cell: `IF_${conductance ? 'cond' : 'curr'}_${shape}`,
    parameters: (p) => {
      const out: Values = { ...base.parameters(p) };
      const tE = tau('excitatory');
      const tI = tau('inhibitory');
      if (tE !== null) out.tau_syn_E = tE;
      if (tI !== null) out.tau_syn_I = tI;
      if (conductance) {
        const jE = order.indexOf('excitatory');
        const jI = order.indexOf('inhibitory');
        if (jE >= 0) out.e_rev_E = list[jE].spec.reversalMV!;
        if (jI >= 0) out.e_rev_I = list[jI].spec.reversalMV!;
      }
      return out;
    },
    // nA for currents and uS for conductances onto a LIF in nA and mV: PyNN's units already.
    weight: (_, w) => w,
    receptor: () => null,
  };
  return { mapping, channels };
}

/** A spike source as a PyNN population: SpikeSourceArray (the times of the run, per neuron) or SpikeSourcePoisson. */
function spikeSourcePopulation(valid: ValidScenario, k: number): string {
  const pop = valid.populations[k];
  const spec = pop.spec.spikes!;
  const { dtMs, durationMs, seed } = valid.scenario;
  const size = pop.spec.size;
  const label = JSON.stringify(pop.spec.name);
  if (spec.type === 'poisson') {
    const start = spec.startMs ?? 0;
    const stop = Math.min(spec.stopMs ?? durationMs, durationMs);
    return `sim.Population(${size}, sim.SpikeSourcePoisson(rate=${py(spec.rateHz)}, start=${py(start)}, duration=${py(Math.max(0, stop - start))}), label=${label})  # PyNN's random stream: the same rate, not the same spikes`;
  }
  const generator = new SpikeGenerator(spec, size, seed, pop.spec.name);
  const recorder = new SpikeRecorder(0, size, 0);
  const count = new Float64Array(size);
  const trains: number[][] = Array.from({ length: size }, () => []);
  let total = 0;
  for (let s = 0, steps = Math.round(durationMs / dtMs); s < steps; s++) {
    generator.step(s, s * dtMs, dtMs, recorder, count);
    for (let q = 0; q < recorder.stepCount; q++) trains[recorder.stepNeurons[q]].push(recorder.stepTimes[q]);
    total += recorder.stepCount;
    if (total > 2_000_000) throw new InputError(`populations[${k}].spikes`, `${pop.spec.name} emits more than 2e6 spikes in the run, too many to write into a script; shorten the run or use fewer neurons`);
  }
  return `sim.Population(${size}, sim.SpikeSourceArray(spike_times=[${trains.map((t) => `Sequence([${t.map(py).join(', ')}])`).join(', ')}]), label=${label})`;
}

/** The PyNN script for a scenario. Throws InputError for what does not translate. */
export function pynnScript(raw: unknown): string {
  const valid = validateScenario(raw);
  const { scenario } = valid;
  // Before the cell types: no cell type of PyNN could take a clamp.
  scenario.stimuli.forEach((st, k) => {
    if (st.type === 'voltageClamp') throw new InputError(`stimuli[${k}].type`, '"voltageClamp" does not translate to PyNN: PyNN 0.10 has no voltage clamp for its standard cells, only current sources (DCSource, StepCurrentSource, ACSource, NoisyCurrentSource); export the scenario to Brian2, which holds v at the command, or use a current stimulus');
  });
  const dt = scenario.dtMs;
  const lines: string[] = [];
  lines.push(`# ${scenario.name ?? 'SpikeBridge scenario'}, exported from SpikeBridge for PyNN 0.10.`);
  lines.push('# Run with NEST: python3 this_file.py nest   (or: neuron, brian2; mock checks the script without simulating)');
  lines.push('# On several processes (NEST or NEURON, with mpi4py): mpirun -np 4 python3 this_file.py nest');
  lines.push('# Units are PyNN\'s: mV, ms, nA, nF, uS. It prints one JSON line: spike counts and mean rates');
  lines.push('# (process 0 does, for all processes; under MPI each process also says its share on standard error).');
  lines.push('import importlib, json, sys');
  lines.push('from pyNN.random import NumpyRNG, RandomDistribution');
  lines.push('from pyNN.parameters import Sequence');
  lines.push("backend = sys.argv[1] if len(sys.argv) > 1 else 'nest'");
  lines.push("sim = importlib.import_module('pyNN.' + backend)");
  lines.push('# The shortest delay is one step, as in SpikeBridge (a spike arrives on the next step). NEURON\'s parallel');
  lines.push('# solver refuses a delay of exactly one step (it wants more by 1e-10 ms); one a nanosecond longer still');
  lines.push('# arrives on the next step, as NEURON delivers the events due within half a step.');
  lines.push(`step_delay = ${py(dt)} + (1e-6 if backend == 'neuron' else 0.0)`);
  lines.push(`sim.setup(timestep=${py(dt)}, min_delay=step_delay)`);
  lines.push(`rng = NumpyRNG(seed=${scenario.seed})  # PyNN's own random stream: the same statistics, not the same draws`);
  lines.push('');
  const synapseCells = valid.populations.map((_, k) => synapseCell(valid, k));
  const cells = valid.populations.map((p, k) => (p.spec.spikes ? null : (synapseCells[k]?.mapping ?? mapping(valid, k))));
  const P = (name: string) => `P_${pyName(name)}`;
  const neuronStates: string[] = [];
  const atLeastStep = (delayMs: number) => (delayMs <= dt ? 'step_delay' : py(delayMs));
  valid.populations.forEach((pop, k) => {
    if (pop.spec.spikes) {
      lines.push(`${P(pop.spec.name)} = ${spikeSourcePopulation(valid, k)}`);
      lines.push(`${P(pop.spec.name)}.record('spikes')`);
      return;
    }
    const m = cells[k]!;
    const values = Object.fromEntries(pop.model.parameterNames.map((n, j) => [n, pop.parameters[j]]));
    const params = Object.entries(m.parameters(values)).map(([n, v]) => `${n}=${py(v)}`);
    lines.push(`${P(pop.spec.name)} = sim.Population(${pop.spec.size}, sim.${m.cell}(${params.join(', ')}), label=${JSON.stringify(pop.spec.name)})`);
    for (const [name, value] of Object.entries(pop.initial)) {
      if (!m.state[name]) throw new InputError(`populations[${k}].initial.${name}`, `${pop.model.id}'s ${name} cannot be initialised in PyNN's ${m.cell}`);
      const [target, unit] = m.state[name];
      const f = unit(values);
      const v = typeof value === 'number' ? py(value * f) : 'uniform' in value ? `RandomDistribution('uniform', (${py(value.uniform[0] * f)}, ${py(value.uniform[1] * f)}), rng=rng)` : `RandomDistribution('normal', (${py(value.normal[0] * f)}, ${py(value.normal[1] * Math.abs(f))}), rng=rng)`;
      lines.push(`${P(pop.spec.name)}.initialize(${target}=${v})`);
      const ignored = NEURON_IGNORED_STATE[target];
      if (ignored) {
        const [where, sign] = ignored;
        neuronStates.push(`    for _cell in ${P(pop.spec.name)}:`, `        _cell._cell.${where} = ${sign < 0 ? '-' : ''}_cell._cell.${target}_init`);
      }
    }
    lines.push(`${P(pop.spec.name)}.record('spikes')`);
  });

  (scenario.projections ?? []).forEach((pr, k) => {
    const field = `projections[${k}]`;
    const t = valid.populations.findIndex((p) => p.spec.name === pr.target);
    const m = cells[t]!;
    const receptor = synapseCells[t]?.channels.get(k)?.receptor ?? m.receptor(pr.on ?? '');
    if (!receptor) throw new InputError(`${field}.on`, `synapses onto ${pr.on} of ${valid.populations[t].model.id} have no PyNN standard synapse (PyNN 0.10 has no delta synapses in its standard cells; use lif_exp_current or lif_exp_conductance)`);
    const targetValues = Object.fromEntries(valid.populations[t].model.parameterNames.map((n, j) => [n, valid.populations[t].parameters[j]]));
    const w = (x: number) => m.weight(pr.on ?? '', x, targetValues);
    const weight = typeof pr.weight === 'number' ? py(w(pr.weight)) : 'normal' in pr.weight ? `RandomDistribution('normal', (${py(w(pr.weight.normal[0]))}, ${py(Math.abs(w(pr.weight.normal[1])))}), rng=rng)` : `RandomDistribution('uniform', (${py(w(pr.weight.uniform[0]))}, ${py(w(pr.weight.uniform[1]))}), rng=rng)`;
    // PyNN needs delays of at least one step; SpikeBridge's zero delay is the next step too.
    const d = pr.delayMs ?? 0;
    const delay = typeof d === 'number' ? atLeastStep(d) : `RandomDistribution('uniform', (${atLeastStep(d.uniform[0])}, ${atLeastStep(d.uniform[1])}), rng=rng)`;
    const self = pr.source === pr.target;
    const c = pr.connect;
    const allowSelf = (x: { allowSelf?: boolean }) => (self ? `, allow_self_connections=${x.allowSelf === false ? 'False' : 'True'}` : '');
    const connector =
      c.rule === 'all' ? `sim.AllToAllConnector(${allowSelf(c).slice(2)})`
      : c.rule === 'probability' ? `sim.FixedProbabilityConnector(${py(c.p)}${allowSelf(c)}, rng=rng)`
      : c.rule === 'inDegree' ? `sim.FixedNumberPreConnector(${c.k}${allowSelf(c)}, rng=rng)`
      : c.rule === 'oneToOne' ? 'sim.OneToOneConnector()'
      : `sim.FromListConnector(${JSON.stringify(c.pairs)})`;
    // Tsodyks-Markram in PyNN (NEST's tsodyks_synapse) releases u x of the weight as ours does; NEST's x, y, z kinetics
    // also fold in the postsynaptic current's decay, a small difference when tau_psc is short against tau_rec.
    const synapse = pr.stp
      ? `sim.TsodyksMarkramSynapse(U=${py(pr.stp.U)}, tau_rec=${py(pr.stp.tauRecMs)}, tau_facil=${py(pr.stp.tauFacilMs ?? 0)}, weight=${weight}, delay=${delay})`
      : `sim.StaticSynapse(weight=${weight}, delay=${delay})`;
    lines.push(`sim.Projection(${P(pr.source)}, ${P(pr.target)}, ${connector}, ${synapse}, receptor_type='${receptor}')`);
  });

  scenario.stimuli.forEach((st, k) => {
    const field = `stimuli[${k}]`;
    const p = valid.populations.findIndex((x) => x.spec.name === st.population);
    const m = cells[p]!;
    const nA = (x: unknown) => {
      if (typeof x !== 'number') throw new InputError(field, 'per-neuron amounts do not translate to PyNN current sources (one source drives all its targets alike)');
      return py(x * m.inputToNA);
    };
    const targets = st.targets === undefined || st.targets === 'all' ? P(st.population) : `${P(st.population)}[${JSON.stringify(st.targets)}]`;
    const window = (s: { startMs?: number; stopMs?: number }) => `start=${py(s.startMs ?? 0)}, stop=${py(Math.min(s.stopMs ?? scenario.durationMs, scenario.durationMs))}`;
    switch (st.type) {
      case 'constant':
      case 'step':
        lines.push(`sim.DCSource(amplitude=${nA(st.amplitude)}, ${window(st)}).inject_into(${targets})`);
        break;
      case 'sine':
        lines.push(`sim.ACSource(amplitude=${nA(st.amplitude)}, offset=${nA(st.offset ?? 0)}, frequency=${py(st.frequencyHz)}, phase=${py(st.phaseDeg ?? 0)}, ${window(st)}).inject_into(${targets})`);
        break;
      case 'pulses': {
        const first = st.startMs ?? 0;
        const stop = Math.min(st.stopMs ?? scenario.durationMs, scenario.durationMs);
        const times: number[] = [];
        const amps: string[] = [];
        for (let q = 0; q < (st.count ?? Infinity) && first + q * st.periodMs < stop; q++) {
          times.push(first + q * st.periodMs, Math.min(first + q * st.periodMs + st.widthMs, stop));
          amps.push(nA(st.amplitude), '0.0');
        }
        lines.push(`sim.StepCurrentSource(times=[${times.map(py).join(', ')}], amplitudes=[${amps.join(', ')}]).inject_into(${targets})`);
        break;
      }
      case 'poissonInput': {
        const receptor = m.receptor(st.on);
        if (!receptor) throw new InputError(`${field}.on`, `a Poisson input onto ${st.on} has no PyNN standard synapse`);
        const values = Object.fromEntries(valid.populations[p].model.parameterNames.map((n, j) => [n, valid.populations[p].parameters[j]]));
        // C independent sources of rate r sum to one Poisson source of rate C r per neuron.
        lines.push(`_drive${k} = sim.Population(${valid.populations[p].spec.size}, sim.SpikeSourcePoisson(rate=${py(st.sources * st.rateHz)}))`);
        lines.push(`sim.Projection(_drive${k}, ${P(st.population)}, sim.OneToOneConnector(), sim.StaticSynapse(weight=${py(m.weight(st.on, st.weight, values))}, delay=step_delay), receptor_type='${receptor}')`);
        break;
      }
      default:
        throw new InputError(`${field}.type`, `"${st.type}" does not translate to PyNN here (its random stream or its shape is ours); use constant, step, pulses or sine`);
    }
  });

  lines.push('');
  if (neuronStates.length > 0) {
    lines.push("if backend == 'neuron':");
    lines.push('    # PyNN\'s NEURON cells start their synapses (and HH gates) at zero whatever initialize() said: sim.run(0)');
    lines.push('    # lets NEURON initialise, then the neurons of this process take their initial values before the first step.');
    lines.push('    sim.run(0.0)');
    lines.push(...neuronStates);
  }
  lines.push(`sim.run(${py(scenario.durationMs)})`);
  // Under MPI each process simulates its share of every population: the counts are gathered on
  // process 0 (get_spike_counts gathers there), which alone prints the result.
  lines.push('result = []');
  lines.push('share = {}');
  for (const pop of valid.populations) {
    const name = JSON.stringify(pop.spec.name);
    lines.push(`_count = sum(${P(pop.spec.name)}.get_spike_counts().values())`);
    lines.push(`result.append({"name": ${name}, "size": ${pop.spec.size}, "spikeCount": int(_count), "meanRateHz": _count / ${pop.spec.size} / ${py(scenario.durationMs / 1000)}})`);
    lines.push(`share[${name}] = {"neurons": int(${P(pop.spec.name)}.local_size), "spikeCount": int(sum(${P(pop.spec.name)}.get_spike_counts(gather=False).values()))}`);
  }
  lines.push('if sim.num_processes() > 1:');
  lines.push('    sys.stderr.write(json.dumps({"process": sim.rank(), "processes": sim.num_processes(), "share": share}) + "\\n")');
  lines.push('if sim.rank() == 0:');
  lines.push('    print(json.dumps({"populations": result}))');
  lines.push('sim.end()');
  return lines.join('\n') + '\n';
}
