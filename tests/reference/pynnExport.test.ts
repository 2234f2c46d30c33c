// The PyNN export. NEST is not packaged in Debian and pyNN.neuron needs NEURON mechanisms compiled
// by nrnivmodl, so these tests run each script on PyNN's mock backend (Debian's python3-pynn,
// installed by npm run setup): every cell type, parameter name, connector, source and recorder call is
// checked by PyNN itself, without simulating. Unit conversions are checked here, by value.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pynnScript } from '../../src/export/pynn';
import { preset } from '../../src/scenario/presets';

const dir = mkdtempSync(join(tmpdir(), 'spikebridge-pynn-'));

function runMock(name: string, scenario: unknown) {
  const file = join(dir, `${name}.py`);
  writeFileSync(file, pynnScript(scenario));
  const result = spawnSync('/usr/bin/python3', [file, 'mock'], { encoding: 'utf8', timeout: 300_000, env: { ...process.env, PYTHONWARNINGS: 'ignore' } });
  if (result.error || result.status !== 0) {
    throw new Error(`PyNN (mock) refused the export of ${name} (it needs Debian's python3-pynn at /usr/bin/python3; .ci/run installs it): ${result.error?.message ?? result.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  }
  return JSON.parse(result.stdout.trim().split('\n').pop()!) as { populations: { name: string; size: number }[] };
}

describe('exported to PyNN', () => {
  it.each(['single-lif', 'cuba', 'coba', 'cobahh'])('%s: PyNN builds and runs the script (mock backend)', (name) => {
    const out = runMock(name, preset(name));
    const scenario = preset(name) as { populations: { name: string; size: number }[] };
    expect(out.populations.map((p) => [p.name, p.size])).toEqual(scenario.populations.map((p) => [p.name, p.size]));
  }, 120_000);

  it('converts units to PyNN\'s (nF, uS, nA)', () => {
    const lif = pynnScript(preset('single-lif'));
    // tau_m 10 ms / R 10 MOhm = 1 nF; the 2.5 nA step from 50 to 450 ms
    expect(lif).toContain('sim.IF_curr_exp(cm=1.0, tau_m=10.0, v_rest=-70.0, v_thresh=-50.0, v_reset=-70.0, tau_refrac=2.0)');
    expect(lif).toContain('sim.DCSource(amplitude=2.5, start=50.0, stop=450.0)');
    const cuba = pynnScript(preset('cuba'));
    // ge jumps 1.62 mV and enters as ge / tau_m: a current of 1.62 mV / 10 MOhm = 0.162 nA; gi -9 mV: -0.9 nA
    expect(cuba).toMatch(/StaticSynapse\(weight=0\.162, delay=0\.1\), receptor_type='excitatory'/);
    expect(cuba).toMatch(/StaticSynapse\(weight=-0\.9, delay=0\.1\), receptor_type='inhibitory'/);
    expect(cuba).toContain('sim.FixedProbabilityConnector(0.02');
    const cobahh = pynnScript(preset('cobahh'));
    // 200 pF, 10 nS leak, 20000 nS Na, 6000 nS K: PyNN's COBAHH benchmark values in nF and uS
    expect(cobahh).toContain('sim.HH_cond_exp(cm=0.2, g_leak=0.01, gbar_Na=20.0, gbar_K=6.0,');
  });

  it('refuses what has no PyNN standard counterpart, saying why', () => {
    expect(() => pynnScript(preset('single-hh'))).toThrow(/^populations\[0\]\.model: hh has no PyNN standard cell type .*export it to Brian2 instead/);
    expect(() => pynnScript(preset('brunel-j0.25'))).toThrow(/^projections\[0\]\.on: synapses onto v of lif have no PyNN standard synapse/);
    const noisy = { ...(preset('single-lif') as object), stimuli: [{ type: 'whiteNoise', population: 'neuron', sigma: 1 }] };
    expect(() => pynnScript(noisy)).toThrow(/^stimuli\[0\]\.type: "whiteNoise" does not translate to PyNN/);
  });
});
