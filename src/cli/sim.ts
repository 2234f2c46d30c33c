// `npm run sim -- run FILE.json | fi ... | fit ...`: a thin shell over the same core the page runs.
// User errors print one line on stderr and exit 2; a numerical blow-up exits 3.
import { readFileSync } from 'node:fs';
import { InputError, SimulationError } from '../core/errors.js';
import { METHODS, type MethodName } from '../core/model/loadModel.js';
import { Simulation } from '../core/simulation.js';
import { validateScenario } from '../scenario/scenario.js';
import { PRESETS, preset } from '../scenario/presets.js';
import { currentRange, fiSweep } from '../bridge/fiSweep.js';
import { compareFiCurve, sweepDefaults } from '../bridge/fiComparison.js';
import { ACTIVATIONS } from '../bridge/activations.js';
import { spikeStatistics } from '../core/record/statistics.js';
import { brian2Script } from '../export/brian2.js';
import { pynnScript } from '../export/pynn.js';

const USAGE = `usage:
  npm run sim -- run FILE.json|PRESET
  npm run sim -- fi --model lif|hh --from A --to B --step S --duration MS --discard MS
                    [--dt MS] [--method NAME] [--set NAME=VALUE ...] [--noise-sigma MV] [--noise-tau MS] [--neurons N] [--seed N]
  npm run sim -- fit --model lif|hh [--noise-sigma MV] [--noise-tau MS] [--set NAME=VALUE ...] [--format csv|json]
                    [--from A --to B --step S --duration MS --discard MS --dt MS --neurons N --seed N]
  npm run sim -- export brian2|pynn FILE.json|PRESET
presets: ${Object.keys(PRESETS).join(', ')}`;

/** Parse --flag value pairs; repeated flags (--set) collect into lists. */
function parseFlags(args: string[], allowed: string[]): Map<string, string[]> {
  const flags = new Map<string, string[]>();
  for (let k = 0; k < args.length; k++) {
    const arg = args[k];
    if (!arg.startsWith('--')) throw new InputError(arg, `unexpected argument; expected one of ${allowed.map((a) => `--${a}`).join(', ')}`);
    const name = arg.slice(2);
    if (!allowed.includes(name)) throw new InputError(arg, `unknown option; expected one of ${allowed.map((a) => `--${a}`).join(', ')}`);
    const value = args[k + 1];
    if (value === undefined || (value.startsWith('--') && !/^--?\d/.test(value))) throw new InputError(arg, 'needs a value');
    flags.set(name, [...(flags.get(name) ?? []), value]);
    k++;
  }
  return flags;
}

function numberFlag(flags: Map<string, string[]>, name: string, fallback?: number): number {
  const values = flags.get(name);
  if (!values) {
    if (fallback === undefined) throw new InputError(`--${name}`, 'is required');
    return fallback;
  }
  if (values.length > 1) throw new InputError(`--${name}`, 'given more than once');
  const text = values[0];
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) throw new InputError(`--${name}`, `${JSON.stringify(text)} is not a number`);
  return value;
}

/** A scenario from a preset name or a JSON file (parsed, not yet validated). */
function readScenario(target: string): unknown {
  if (Object.prototype.hasOwnProperty.call(PRESETS, target)) return preset(target);
  let text: string;
  try {
    text = readFileSync(target, 'utf8');
  } catch (err) {
    throw new InputError(target, `cannot read the scenario file (${(err as NodeJS.ErrnoException).code ?? err}); presets are ${Object.keys(PRESETS).join(', ')}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InputError(target, `is not valid JSON: ${(err as Error).message}`);
  }
}

/** `export brian2|pynn FILE|PRESET`: the scenario as a script for another simulator, on stdout. */
function exportScript(args: string[]): void {
  const targets: Record<string, (raw: unknown) => string> = { brian2: brian2Script, pynn: pynnScript };
  if (args.length !== 2) throw new InputError('export', `expects a simulator (brian2 or pynn) and a scenario file or preset name, got ${args.length} arguments`);
  if (!Object.prototype.hasOwnProperty.call(targets, args[0])) throw new InputError('export', `${JSON.stringify(args[0].slice(0, 40))} is not a simulator we export to (brian2, pynn)`);
  process.stdout.write(targets[args[0]](readScenario(args[1])));
}

function run(args: string[]): void {
  if (args.length !== 1) throw new InputError('run', `expects one scenario file or preset name\n${USAGE}`);
  const target = args[0];
  const raw = readScenario(target);
  const started = performance.now();
  const valid = validateScenario(raw);
  const sim = new Simulation(valid);
  const built = performance.now();
  sim.advance();
  const finished = performance.now();
  const frame = sim.drain();
  const stats = sim.stats();
  const window = valid.scenario.record.rateWindowMs;
  const output = {
    scenario: valid.scenario.name ?? target,
    spikes: { t: Array.from(frame.spikes.timeMs), i: Array.from(frame.spikes.neuron) },
    traces: frame.traces.map((tr) => ({
      population: tr.population,
      variable: tr.variable,
      neuron: tr.neuron,
      startMs: tr.startMs,
      everyMs: tr.everyMs,
      values: Array.from(tr.values),
    })),
    ...(window
      ? {
          rates: {
            windowMs: window,
            populations: sim.windowCounts().map((p) => ({
              name: p.name,
              ratesHz: Array.from(p.counts, (c) => c / ((window[1] - window[0]) / 1000)),
            })),
          },
        }
      : {}),
    stats: {
      ...stats,
      populations: stats.populations.map((p, k) => {
        if (!valid.scenario.record.spikes) return p;
        const pop = sim.populations[k];
        const s = spikeStatistics(frame.spikes.timeMs, frame.spikes.neuron, pop.offset, pop.size, window?.[0] ?? 0, window?.[1] ?? valid.scenario.durationMs);
        return { ...p, isiCv: finite(s.isiCv), fano: finite(s.fano), activeFraction: s.activeFraction };
      }),
      ...(sim.projections.length > 0 ? { network: sim.networkInfo() } : {}),
      durationMs: valid.scenario.durationMs,
      wallTimeMs: { build: round(built - started), run: round(finished - built) },
    },
  };
  process.stdout.write(`${JSON.stringify(output)}\n`);
}

/** JSON has no NaN: a statistic that does not exist (no neuron fired enough) is null. */
function finite(x: number): number | null {
  return Number.isFinite(x) ? Math.round(x * 1e6) / 1e6 : null;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** --set NAME=VALUE pairs (repeatable). */
function setFlags(flags: Map<string, string[]>): Record<string, number> {
  const parameters: Record<string, number> = {};
  for (const pair of flags.get('set') ?? []) {
    const m = /^([A-Za-z][A-Za-z0-9_]*)=(.+)$/.exec(pair);
    if (!m) throw new InputError('--set', `${JSON.stringify(pair)} is not NAME=VALUE`);
    const value = Number(m[2]);
    if (!Number.isFinite(value)) throw new InputError(`--set ${m[1]}`, `${JSON.stringify(m[2])} is not a number`);
    parameters[m[1]] = value;
  }
  return parameters;
}

function fi(args: string[]): void {
  const flags = parseFlags(args, ['model', 'from', 'to', 'step', 'duration', 'discard', 'dt', 'method', 'set', 'noise-sigma', 'noise-tau', 'seed', 'neurons']);
  const model = flags.get('model')?.[0];
  if (!model) throw new InputError('--model', 'is required (lif or hh)');
  const method = flags.get('method')?.[0];
  if (method !== undefined && !(METHODS as readonly string[]).includes(method)) {
    throw new InputError('--method', `${JSON.stringify(method)} is not a method; choose one of ${METHODS.join(', ')}`);
  }
  const parameters = setFlags(flags);
  const durationMs = numberFlag(flags, 'duration');
  const curve = fiSweep({
    model,
    currents: currentRange(numberFlag(flags, 'from'), numberFlag(flags, 'to'), numberFlag(flags, 'step')),
    durationMs,
    discardMs: numberFlag(flags, 'discard'),
    dtMs: numberFlag(flags, 'dt', model === 'hh' ? 0.01 : 0.1),
    method: method as MethodName | undefined,
    parameters,
    noiseSigmaMV: numberFlag(flags, 'noise-sigma', 0),
    noiseTauMs: numberFlag(flags, 'noise-tau', 0),
    neuronsPerCurrent: numberFlag(flags, 'neurons', 1),
    seed: numberFlag(flags, 'seed', 1),
  });
  const lines = ['current,rate_hz'];
  curve.currents.forEach((current, k) => lines.push(`${current},${curve.ratesHz[k]}`));
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** Significant digits enough for a table, none of float noise. */
function sig(x: number): number {
  return Number(x.toPrecision(6));
}

/** CSV field: quoted when it holds a comma or quote. */
function csvField(text: string): string {
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function fit(args: string[]): void {
  const flags = parseFlags(args, ['model', 'from', 'to', 'step', 'duration', 'discard', 'dt', 'method', 'set', 'noise-sigma', 'noise-tau', 'seed', 'neurons', 'format']);
  const model = flags.get('model')?.[0];
  if (model !== 'lif' && model !== 'hh') throw new InputError('--model', `${model === undefined ? 'is required' : `${JSON.stringify(model)} is not a model with a fit`}; choose lif or hh`);
  const format = flags.get('format')?.[0] ?? 'csv';
  if (format !== 'csv' && format !== 'json') throw new InputError('--format', `${JSON.stringify(format)} is not a format; choose csv or json`);
  const method = flags.get('method')?.[0];
  if (method !== undefined && !(METHODS as readonly string[]).includes(method)) {
    throw new InputError('--method', `${JSON.stringify(method)} is not a method; choose one of ${METHODS.join(', ')}`);
  }
  const parameters = setFlags(flags);
  const noiseSigmaMV = numberFlag(flags, 'noise-sigma', 0);
  if (!(noiseSigmaMV >= 0)) throw new InputError('--noise-sigma', `${noiseSigmaMV} mV must be >= 0`);
  const noiseTauMs = numberFlag(flags, 'noise-tau', 0);
  const defaults = sweepDefaults(model, parameters, noiseSigmaMV);
  const dtMs = numberFlag(flags, 'dt', defaults.dtMs);
  const neurons = numberFlag(flags, 'neurons', defaults.neuronsPerCurrent);
  const currents = currentRange(numberFlag(flags, 'from', defaults.fromInput), numberFlag(flags, 'to', defaults.toInput), numberFlag(flags, 'step', defaults.step));
  const curve = fiSweep({
    model,
    currents,
    durationMs: numberFlag(flags, 'duration', defaults.durationMs),
    discardMs: numberFlag(flags, 'discard', defaults.discardMs),
    dtMs,
    method: method as MethodName | undefined,
    parameters,
    noiseSigmaMV,
    noiseTauMs,
    neuronsPerCurrent: neurons,
    seed: numberFlag(flags, 'seed', 1),
  });
  const { fits, theoryHz, explanation } = compareFiCurve(curve, { modelId: model, parameters, noiseSigmaMV, noiseTauMs, dtMs });
  const shapeOf = (f: (typeof fits)[number]) => Object.fromEntries(ACTIVATIONS[f.id].shape.map((p, k) => [p.name, sig(f.parameters.shape[k])]));
  if (format === 'json') {
    const output = {
      model,
      unit: curve.unit,
      noiseSigmaMV,
      noiseTauMs,
      neuronsPerCurrent: neurons,
      sweep: {
        currents: Array.from(curve.currents),
        ratesHz: Array.from(curve.ratesHz, sig),
        semHz: Array.from(curve.semHz, sig),
        ...(theoryHz ? { theoryHz: Array.from(theoryHz, sig) } : {}),
      },
      fits: fits.map((f) => ({
        function: f.id,
        name: f.name,
        inScale: sig(f.parameters.inScale),
        inShift: sig(f.parameters.inShift),
        outScale: sig(f.parameters.outScale),
        outShift: sig(f.parameters.outShift),
        shape: shapeOf(f),
        rmseHz: sig(f.rmseHz),
        rSquared: Number.isNaN(f.rSquared) ? null : sig(f.rSquared),
      })),
      explanation: explanation.text,
    };
    process.stdout.write(`${JSON.stringify(output)}\n`);
    return;
  }
  // Two tables, a blank line between: the sweep, then the fits best first.
  const lines = [theoryHz ? 'current,rate_hz,sem_hz,theory_hz' : 'current,rate_hz,sem_hz'];
  curve.currents.forEach((current, k) => lines.push([current, sig(curve.ratesHz[k]), sig(curve.semHz[k]), ...(theoryHz ? [sig(theoryHz[k])] : [])].join(',')));
  lines.push('', 'function,in_scale,in_shift,out_scale,out_shift,shape,rmse_hz,r_squared');
  for (const f of fits) {
    const shape = Object.entries(shapeOf(f)).map(([name, value]) => `${name}=${value}`).join(';');
    lines.push([f.id, sig(f.parameters.inScale), sig(f.parameters.inShift), sig(f.parameters.outScale), sig(f.parameters.outShift), shape, sig(f.rmseHz), Number.isNaN(f.rSquared) ? '' : sig(f.rSquared)].join(','));
  }
  lines.push('', 'explanation', csvField(explanation.text));
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** One line: a caret block "msg / text / ^" becomes "msg (column N of: text)". */
export function oneLine(message: string): string {
  const lines = message.split('\n');
  if (lines.length === 3 && /^\s*\^$/.test(lines[2])) {
    const column = lines[2].indexOf('^') - 4 + 1;
    return `${lines[0]} (column ${column} of: ${lines[1].trim()})`;
  }
  return lines.join(' ');
}

export function main(argv: string[]): number {
  const [command, ...rest] = argv;
  try {
    if (command === 'run') run(rest);
    else if (command === 'fi') fi(rest);
    else if (command === 'fit') fit(rest);
    else if (command === 'export') exportScript(rest);
    else if (command === undefined || command === '--help' || command === '-h') {
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    } else throw new InputError(command, `is not a command (run, fi, fit, export)\n${USAGE.split('\n').slice(1).join(' ')}`);
    return 0;
  } catch (err) {
    if (err instanceof InputError) {
      process.stderr.write(`error: ${oneLine(err.message)}\n`);
      return 2;
    }
    if (err instanceof SimulationError) {
      process.stderr.write(`simulation stopped: ${oneLine(err.message)}\n`);
      return 3;
    }
    throw err;
  }
}

// A closed pipe (`| head`) is not an error of ours.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});
process.exitCode = main(process.argv.slice(2));
