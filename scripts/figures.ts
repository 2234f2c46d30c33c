// The figures the README quotes, computed: `npm run figures` prints them as markdown.
// Each one says how it was made (seeds, window, definition), so the README can quote this output
// instead of numbers written by hand. It takes about a minute (most of it COBAHH).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildSimulation } from '../src/scenario/scenario.js';
import { preset } from '../src/scenario/presets.js';
import { SpikeTrainStatistics } from '../src/core/record/statistics.js';
import { currentRange, fiSweep } from '../src/bridge/fiSweep.js';
import { lifRateHz } from '../src/bridge/lifRate.js';
import { siegertRateForCurrentHz } from '../src/bridge/siegert.js';
import { fitActivations } from '../src/bridge/fit.js';

const out: string[] = [];
const say = (line = '') => out.push(line);
const f = (x: number, digits = 2) => x.toFixed(digits);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const range = (xs: number[], digits = 2) => `${f(Math.min(...xs), digits)}-${f(Math.max(...xs), digits)}`;

/** One run of a preset at a seed: its synapses and statistics over all neurons in its rate window. */
function network(name: string, seed: number) {
  const scenario = preset(name) as { seed: number; durationMs: number; record: { rateWindowMs?: [number, number] } };
  scenario.seed = seed;
  const sim = buildSimulation(scenario);
  sim.advance();
  const frame = sim.drain();
  const [start, stop] = scenario.record.rateWindowMs ?? [0, scenario.durationMs];
  const neurons = sim.populations.reduce((a, p) => a + p.size, 0);
  const statistics = new SpikeTrainStatistics(0, neurons, start, stop);
  statistics.add(frame.spikes.timeMs, frame.spikes.neuron);
  return {
    synapses: sim.networkInfo().synapses,
    all: statistics.result(),
    pooled: statistics.result({ variance: 'population' }),
    populations: sim.populations.map((p) => ({ name: p.name, ...statistics.result({ first: p.offset, count: p.size }) })),
  };
}

say('# Figures (scripts/figures.ts)');
say();
say('Mean rates are spikes / neurons / window (the preset\'s rate window, else the whole run), over all');
say('neurons. ISI CV "ours": per neuron with n - 1, the mean over neurons with at least 3 spikes, per');
say('population as `run` prints it; "pooled": the same per neuron with n, over all neurons together, as');
say('Brian2\'s usual analysis (np.std / np.mean per neuron).');
say();

// CUBA: seeds 1-6, and Brian2's seed 42 for the synapse count.
const cuba = [1, 2, 3, 4, 5, 6].map((seed) => network('cuba', seed));
const cuba42 = network('cuba', 42);
const cubaRates = cuba.map((r) => r.all.meanRateHz);
say('## Networks');
say();
say('| network | figure | value |');
say('|---|---|---|');
say(`| CUBA | synapses, seed 42 | ${cuba42.synapses.toLocaleString('en-US')} |`);
say(`| CUBA | mean rate, seeds 1-3 | ${f(mean(cubaRates.slice(0, 3)))} Hz (${cubaRates.slice(0, 3).map((r) => f(r)).join(', ')}) |`);
say(`| CUBA | mean rate, seeds 1-6 | ${f(mean(cubaRates))} Hz, range ${range(cubaRates)} Hz |`);
for (const [k, name] of ['E', 'I'].entries()) {
  say(`| CUBA | ISI CV of ${name}, ours (n - 1, per population), seeds 1-6 | ${range(cuba.map((r) => r.populations[k].isiCv))} |`);
}
say(`| CUBA | ISI CV pooled (n, all neurons), seeds 1-6 | ${range(cuba.map((r) => r.pooled.isiCv))} (seed 42: ${f(cuba42.pooled.isiCv)}) |`);
say(`| CUBA | Fano factor ours / pooled, seeds 1-6 | ${range(cuba.map((r) => r.populations[0].fano))} (E) / ${range(cuba.map((r) => r.pooled.fano))} |`);

const coba = [1, 2, 3].map((seed) => network('coba', seed).all.meanRateHz);
say(`| COBA | mean rate, seeds 1-3 | ${range(coba, 1)} Hz (mean ${f(mean(coba), 1)}) |`);

const cobahh = [1, 2, 3, 4, 5, 6].map((seed) => network('cobahh', seed).all.meanRateHz);
say(`| COBAHH | mean rate, seeds 1-2 (what the test compares) | ${f(mean(cobahh.slice(0, 2)), 1)} Hz (${cobahh.slice(0, 2).map((r) => f(r, 1)).join(', ')}) |`);
say(`| COBAHH | mean rate, seeds 1-6 | ${range(cobahh, 1)} Hz (mean ${f(mean(cobahh), 1)}) |`);

const brunel01 = network('brunel-j0.1', 1);
say(`| Brunel J = 0.1 mV | mean rate, seed 1 | ${f(brunel01.all.meanRateHz, 1)} Hz, ISI CV ours ${f(brunel01.all.isiCv)} |`);
const brunel025 = [1, 2, 3].map((seed) => network('brunel-j0.25', seed));
say(`| Brunel J = 0.25 mV | mean rate, seeds 1-3 | ${range(brunel025.map((r) => r.all.meanRateHz), 1)} Hz, ISI CV ours ${range(brunel025.map((r) => r.all.isiCv))} (seed 1: ${f(brunel025[0].all.meanRateHz, 1)} Hz) |`);
say();

// Single neurons.
say('## Single neurons');
say();
say('| check | value |');
say('|---|---|');
const lif = { E_L: -70, V_th: -50, tau_m: 10, R: 10, t_ref: 2, V_reset: -70 };
{
  const currents = currentRange(0, 5, 0.1);
  const curve = fiSweep({ model: 'lif', currents, durationMs: 20100, discardMs: 100, dtMs: 0.1 });
  let worst = 0;
  let silent = true;
  currents.forEach((current, k) => {
    if (current <= 2 + 1e-9) silent &&= curve.ratesHz[k] === 0;
    if (current < 2.1 - 1e-9) return;
    const analytic = lifRateHz(current, lif);
    worst = Math.max(worst, Math.abs(curve.ratesHz[k] - analytic) / analytic);
  });
  say(`| LIF f-I, dt 0.1 ms, 2.1-5 nA, 20 s per current: worst error against the analytic rate | ${f(worst * 100, 2)} % |`);
  say(`| LIF at and below the 2 nA rheobase | ${silent ? '0 Hz at every current' : 'fires below rheobase'} |`);
}
{
  const sim = buildSimulation({ format: 'spikebridge-scenario/1', durationMs: 200, dtMs: 0.01, populations: [{ name: 'hh', model: 'hh', size: 1 }], record: { spikes: true, traces: [{ population: 'hh', variable: 'v', neurons: [0] }], traceEveryMs: 1 } });
  sim.advance();
  const v = sim.drain().traces[0].values;
  say(`| HH rest (200 ms, no input) | ${f(v[v.length - 1], 2)} mV |`);
}
{
  const reference = JSON.parse(readFileSync(resolve(import.meta.dirname, '../tests/reference/data/hh_spikes.json'), 'utf8')) as { runs: Record<string, { spikes: number[] }> };
  const exact = reference.runs.scipy_dop853.spikes;
  for (const dtMs of [0.01, 0.025]) {
    const sim = buildSimulation({ format: 'spikebridge-scenario/1', durationMs: 120, dtMs, populations: [{ name: 'hh', model: 'hh', size: 1 }], stimuli: [{ type: 'step', population: 'hh', amplitude: 10, startMs: 10, stopMs: 110 }] });
    sim.advance();
    const t = sim.drain().spikes.timeMs;
    const worst = t.length === exact.length ? Math.max(...exact.map((x, k) => Math.abs(t[k] - x))) : NaN;
    say(`| HH 10 uA/cm2 step, default method, dt ${dtMs} ms: worst spike-time error against scipy DOP853 | ${t.length === exact.length ? `${worst.toPrecision(2)} ms` : `${t.length} spikes against ${exact.length}`} |`);
  }
}
{
  const currents = currentRange(6.0, 7.0, 0.05);
  const curve = fiSweep({ model: 'hh', currents, durationMs: 1000, discardMs: 200, dtMs: 0.01 });
  const first = currents.findIndex((_, k) => curve.ratesHz[k] > 0);
  const current = currents[first];
  // The same neuron alone, its spike times: the rate from the mean interval after the discard.
  const sim = buildSimulation({ format: 'spikebridge-scenario/1', durationMs: 1000, dtMs: 0.01, populations: [{ name: 'hh', model: 'hh', size: 1 }], stimuli: [{ type: 'constant', population: 'hh', amplitude: current }] });
  sim.advance();
  const t = Array.from(sim.drain().spikes.timeMs).filter((x) => x >= 200);
  const meanIsi = (t[t.length - 1] - t[0]) / (t.length - 1);
  say(`| HH repetitive-firing rheobase (6-7 uA/cm2 in steps of 0.05, 1 s, first 200 ms discarded) | between ${f(currents[first - 1], 2)} and ${f(current, 2)} uA/cm2 |`);
  say(`| HH first rate at ${f(current, 2)} uA/cm2: spikes counted in 800 ms | ${f(curve.ratesHz[first], 1)} Hz (${Math.round(curve.ratesHz[first] * 0.8)} spikes) |`);
  say(`| HH first rate at ${f(current, 2)} uA/cm2: 1000 / mean interspike interval | ${f(1000 / meanIsi, 1)} Hz (mean interval ${f(meanIsi, 2)} ms) |`);
}
{
  const c = fiSweep({ model: 'lif', currents: currentRange(0, 20, 0.25), durationMs: 1100, discardMs: 100, dtMs: 0.1 });
  const fits = fitActivations(c.currents, c.ratesHz);
  const by = (id: string) => fits.find((x) => x.id === id)!;
  const reluLike = ['relu', 'leakyRelu', 'softplus', 'elu'].map((id) => by(id).rmseHz);
  say(`| noiseless LIF, 0-20 nA: soft-LIF fit | R^2 ${by('softLif').rSquared.toFixed(6)}, RMSE ${f(by('softLif').rmseHz, 3)} Hz |`);
  say(`| noiseless LIF, 0-20 nA: sigmoid / tanh RMSE | ${f(by('sigmoid').rmseHz, 1)} / ${f(by('tanh').rmseHz, 1)} Hz |`);
  say(`| noiseless LIF, 0-20 nA: ReLU-like RMSE (relu, leaky ReLU, softplus, ELU) | ${range(reluLike, 1)} Hz |`);
}
{
  const currents = [0.75, 1, 1.5, 2, 3, 4, 5];
  const curve = fiSweep({ model: 'lif', currents, durationMs: 10100, discardMs: 100, dtMs: 0.1, noiseSigmaMV: 5, neuronsPerCurrent: 300, seed: 11 });
  const corrected = currents.map((c, k) => curve.ratesHz[k] / siegertRateForCurrentHz(c, 5, lif, 0.1) - 1);
  const uncorrected = currents.map((c, k) => curve.ratesHz[k] / siegertRateForCurrentHz(c, 5, lif) - 1);
  const worst = (xs: number[]) => xs.reduce((a, b) => (Math.abs(b) > Math.abs(a) ? b : a), 0);
  say(`| noisy LIF (sigma_V 5 mV, dt 0.1 ms, 0.75-5 nA, ${range(Array.from(curve.ratesHz), 0)} Hz, 300 neurons x 10 s each) against Siegert with the time-step shift | worst ${f(worst(corrected) * 100, 1)} % (without the shift: ${f(worst(uncorrected) * 100, 1)} %) |`);
}

process.stdout.write(`${out.join('\n')}\n`);
