// The PyNN export. NEST is not packaged in Debian and pyNN.neuron needs NEURON mechanisms compiled
// by nrnivmodl, so these tests run each script on PyNN's mock backend (Debian's python3-pynn,
// installed by npm run setup): every cell type, parameter name, connector, source and recorder call is
// checked by PyNN itself, without simulating. Unit conversions are checked here, by value.
import { beforeAll, describe, expect, it } from 'vitest';
import { pynnScript } from '../../src/export/pynn';
import { preset } from '../../src/scenario/presets';
import { lastJsonLine, runPythonBatch, type PythonRun } from './pythonBatch';

const PYNN = "PyNN's mock backend (Debian's python3-pynn at /usr/bin/python3; npm run setup installs it)";
const PRESETS = ['single-lif', 'cuba', 'coba', 'cobahh'];

/** Every preset's script on the mock backend, all in one Python process started before the tests. */
let runs: Promise<Record<string, PythonRun>>;
beforeAll(() => {
  runs = runPythonBatch(PRESETS.map((name) => ({ name, text: pynnScript(preset(name)), args: ['mock'] })), PYNN);
  runs.catch(() => undefined); // each test reports it
});

describe('exported to PyNN', () => {
  it.each(PRESETS)('%s: PyNN builds and runs the script (mock backend)', async (name) => {
    const out = lastJsonLine<{ populations: { name: string; size: number }[] }>(await runs, name, PYNN);
    const scenario = preset(name) as { populations: { name: string; size: number }[] };
    expect(out.populations.map((p) => [p.name, p.size])).toEqual(scenario.populations.map((p) => [p.name, p.size]));
  });

  it('converts units to PyNN\'s (nF, uS, nA)', () => {
    const lif = pynnScript(preset('single-lif'));
    // tau_m 10 ms / R 10 MOhm = 1 nF; the 2.5 nA step from 50 to 450 ms
    expect(lif).toContain('sim.IF_curr_exp(cm=1.0, tau_m=10.0, v_rest=-70.0, v_thresh=-50.0, v_reset=-70.0, tau_refrac=2.0)');
    expect(lif).toContain('sim.DCSource(amplitude=2.5, start=50.0, stop=450.0)');
    const cuba = pynnScript(preset('cuba'));
    // ge jumps 1.62 mV and enters as ge / tau_m: a current of 1.62 mV / 10 MOhm = 0.162 nA; gi -9 mV: -0.9 nA
    expect(cuba).toMatch(/StaticSynapse\(weight=0\.162, delay=step_delay\), receptor_type='excitatory'/);
    expect(cuba).toMatch(/StaticSynapse\(weight=-0\.9, delay=step_delay\), receptor_type='inhibitory'/);
    expect(cuba).toContain('sim.FixedProbabilityConnector(0.02');
    const cobahh = pynnScript(preset('cobahh'));
    // 200 pF, 10 nS leak, 20000 nS Na, 6000 nS K: PyNN's COBAHH benchmark values in nF and uS
    expect(cobahh).toContain('sim.HH_cond_exp(cm=0.2, g_leak=0.01, gbar_Na=20.0, gbar_K=6.0,');
  });

  it('on NEURON, sets the initial states PyNN\'s NEURON cells ignore, and lengthens one-step delays by a nanosecond', () => {
    // Run on NEURON by tests/reference/neuronMpi.test.ts: COBA is silent there without its initial conductances.
    const coba = pynnScript(preset('coba'));
    expect(coba).toContain("step_delay = 0.1 + (1e-6 if backend == 'neuron' else 0.0)");
    expect(coba).toMatch(/if backend == 'neuron':\n(.*\n)*    sim\.run\(0\.0\)\n    for _cell in P_E:\n        _cell\._cell\.esyn\.g = _cell\._cell\.gsyn_exc_init\n/);
    const cobahh = pynnScript(preset('cobahh'));
    expect(cobahh).toContain('_cell._cell.seg.hh_traub.m = _cell._cell.m_init');
    // CUBA sets no synaptic state, so nothing is run before the run.
    expect(pynnScript(preset('cuba'))).not.toContain('sim.run(0.0)');
  });

  it('refuses what has no PyNN standard counterpart, saying why', () => {
    expect(() => pynnScript(preset('single-hh'))).toThrow(/^populations\[0\]\.model: hh has no PyNN standard cell type .*export it to Brian2 instead/);
    expect(() => pynnScript(preset('brunel-j0.25'))).toThrow(/^projections\[0\]\.on: synapses onto v of lif have no PyNN standard synapse/);
    const noisy = { ...(preset('single-lif') as object), stimuli: [{ type: 'whiteNoise', population: 'neuron', sigma: 1 }] };
    expect(() => pynnScript(noisy)).toThrow(/^stimuli\[0\]\.type: "whiteNoise" does not translate to PyNN/);
  });
});
