// `npm run sim -- run FILE.json | fi ... | fit ...`: a thin shell over the same core the page runs.
// fi and fit turn their flags into a sweep request for the bridge's planner (planFiSweep, the one
// the page's sweep worker uses), so any model file works and its defaults come from the file; the
// planner's errors name request fields, said here as the flags they came from (SWEEP_FIELDS).
// User errors print one line on stderr and exit 2 (a usage error adds the usage after it); a
// numerical blow-up exits 3; Ctrl-C during `run` writes what was computed and exits 130.
import { InputError, SimulationError } from '../core/errors.js';
import type { MethodName } from '../core/model/loadModel.js';
import { BUILTIN_MODEL_IDS } from '../core/model/builtinModels.js';
import type { ModelFile } from '../core/model/modelFile.js';
import { stepSizeWarnings, sweepStepSizeCheck, type StepSizeWarning } from '../core/model/timescale.js';
import { validateScenario } from '../scenario/scenario.js';
import { PRESETS } from '../scenario/presets.js';
import { fiScenario, fiSweepSteps, type FiCurve, type FiSweepOptions } from '../bridge/fiSweep.js';
import { compareFiCurve, comparisonContext } from '../bridge/fiComparison.js';
import { BATCH_BUDGET, PAGE_BUDGET, planFiSweep, type FiSweepPlan, type FiSweepRequest, type SweepBudget } from '../bridge/fiPlan.js';
import { JSON_LIMITS, decodeUtf8, parseJson } from '../scenario/json.js';
import { ACTIVATIONS } from '../bridge/activations.js';
import { LONG_RUN_SECONDS, describeRunCost, estimateRunCost, type RunCost } from '../core/cost.js';
import { brian2Script } from '../export/brian2.js';
import { pynnScript } from '../export/pynn.js';
import { UsageError, choiceFlag, fieldToFlag, integerFlag, numberFlag, parseArgs, setFlags, wordsToFlags } from './flags.js';
import { availableParallelism } from 'node:os';
import { createSimulation, MAX_THREADS, ThreadedSimulation } from '../core/parallel/threadedSimulation.js';
import { AUTO_THREADS_RULE, defaultThreads } from '../core/parallel/partition.js';
import { nodeThreadHost } from './simThread.js';
import { modelArgument, readScenario } from './readInput.js';
import { RUN_FORMATS, runAndWrite } from './runOutput.js';
import { PROGRESS_AFTER_SECONDS, Progress } from './progress.js';
import { CLAMP_USAGE, clamp } from './clamp.js';
import { PHASE_USAGE, phase } from './phase.js';
import { ANN_USAGE, annCommand } from './ann.js';

const USAGE = `usage:
  npm run sim -- run FILE.json|PRESET|- [--format json|csv|ndjson] [--threads N] [--long]
  npm run sim -- fi --model MODEL [--from A --to B --step S --duration MS --discard MS --dt MS]
                    [--method NAME] [--set NAME=VALUE ...] [--noise-sigma MV] [--noise-tau MS] [--neurons N] [--seed N] [--long]
  npm run sim -- fit --model MODEL [--noise-sigma MV] [--noise-tau MS] [--set NAME=VALUE ...] [--format csv|json]
                    [--from A --to B --step S --duration MS --discard MS --dt MS --neurons N --seed N] [--long]
  npm run sim -- export brian2|pynn FILE.json|PRESET|-
${[CLAMP_USAGE, PHASE_USAGE].map((u) => u.replace(/^usage: /, '  ')).join('\n')}
${ANN_USAGE}
run reads - as standard input; --long lets a run estimated over ${LONG_RUN_SECONDS / 60} minutes start.
run --threads N splits the network across N threads (the same spikes and traces for any N); without it:
  ${AUTO_THREADS_RULE}.
run, fi and fit take --force to run a time step far too coarse for the model's fastest time constant.
MODEL is a model id (${BUILTIN_MODEL_IDS.join(', ')}) or a model file's path; fi and fit take what is
not given from the model file's default sweep. clamp prints a CSV row per command potential; phase prints
the fixed points at the input in force, with their type and stability, as JSON.
presets: ${Object.keys(PRESETS).join(', ')}`;

/** `export brian2|pynn FILE|PRESET`: the scenario as a script for another simulator, on stdout. */
async function exportScript(args: string[]): Promise<void> {
  const targets: Record<string, (raw: unknown) => string> = { brian2: brian2Script, pynn: pynnScript };
  if (args.length !== 2) throw new UsageError('export', `expects a simulator (brian2 or pynn) and a scenario file or preset name, got ${args.length} arguments`);
  if (!Object.prototype.hasOwnProperty.call(targets, args[0])) throw new InputError('export', `${JSON.stringify(args[0].slice(0, 40))} is not a simulator we export to (brian2, pynn)`);
  process.stdout.write(targets[args[0]](await readScenario(args[1])));
}

/**
 * A run estimated over LONG_RUN_SECONDS needs --long; one over a couple of seconds says its
 * estimate on stderr before it starts. Returns the estimate in seconds.
 */
function checkLong(cost: RunCost | null, long: boolean, what: string): number {
  if (!cost) return 0;
  if (cost.seconds > LONG_RUN_SECONDS && !long) {
    throw new InputError(what, `is estimated at ${describeRunCost(cost)}, more than ${LONG_RUN_SECONDS / 60} minutes; add --long to run it anyway (progress goes to stderr; Ctrl-C stops a run and keeps what was computed)`);
  }
  if (cost.seconds > PROGRESS_AFTER_SECONDS) process.stderr.write(`estimate: ${describeRunCost(cost)}\n`);
  return cost.seconds;
}

/**
 * A time step too coarse for a model's fastest time constant: a warning on stderr, or a refusal
 * (the results would be wrong, not just less accurate) unless --force.
 */
function checkStepSize(warnings: (StepSizeWarning | null)[], force: boolean, flag: string): void {
  for (const warning of warnings) {
    if (!warning) continue;
    if (warning.severity === 'refusal' && !force) throw new InputError(flag, `${warning.message}; add --force to run it anyway`);
    process.stderr.write(`warning: ${flag}: ${warning.message}\n`);
  }
}

async function run(args: string[]): Promise<number> {
  const { flags, switches, positionals } = parseArgs(args, ['format', 'threads'], ['long', 'force'], 1);
  if (positionals.length !== 1) throw new UsageError('run', 'expects one scenario file or preset name (or - for standard input)');
  const format = choiceFlag(flags, 'format', RUN_FORMATS, 'json', 'format');
  const target = positionals[0];
  const raw = await readScenario(target);
  const started = performance.now();
  const valid = validateScenario(raw);
  checkStepSize(stepSizeWarnings(valid), switches.has('force'), 'dtMs');
  const expectedSeconds = checkLong(estimateRunCost(valid.scenario), switches.has('long'), target);
  // Every core by default where a step has work enough to gain from them (partition.ts
  // AUTO_THREADS): a step of a small network (CUBA's 4000 LIF neurons) takes microseconds, about
  // what the threads' barrier costs. The same spikes for any number (src/core/parallel).
  const cores = availableParallelism();
  const threads = integerFlag(flags, 'threads', 1, MAX_THREADS, Math.min(MAX_THREADS, defaultThreads(valid, cores)));
  const { simulation: sim, note } = await createSimulation(valid, { threads, host: nodeThreadHost(), cores });
  if (note) process.stderr.write(`${note}\n`);
  const built = performance.now();
  try {
    return await runAndWrite(sim, valid, { target, format, expectedSeconds, started, built });
  } finally {
    if (sim instanceof ThreadedSimulation) {
      for (const line of sim.notes) process.stderr.write(`${line}\n`);
      sim.dispose();
    }
  }
}

/**
 * fiSweep with progress on stderr for a long sweep: the same chunks as fiSweep (with noise the
 * page's, without one run), advanced in slices, which gives the same numbers.
 */
function sweep(options: FiSweepOptions, expectedSeconds: number): FiCurve {
  const noisy = (options.noiseSigmaMV ?? 0) > 0;
  const progress = new Progress(1, expectedSeconds, process.stderr, 'of the sweep');
  const steps = fiSweepSteps(options, { ...(noisy ? {} : { pointsPerChunk: options.currents.length }), sliceMs: options.durationMs / 50 });
  try {
    for (;;) {
      const next = steps.next();
      if (next.done) return next.value;
      progress.update(next.value.fraction);
    }
  } finally {
    progress.finish();
  }
}

/** Flags fi and fit share: the sweep request's fields. */
const SWEEP_FLAGS = ['model', 'from', 'to', 'step', 'duration', 'discard', 'dt', 'method', 'set', 'noise-sigma', 'noise-tau', 'seed', 'neurons'];

/**
 * The sweep request the flags of fi and fit state (a flag not given leaves its field to the
 * model file's default sweep); planFiSweep checks it. --noise-tau above 0 is Ornstein-Uhlenbeck
 * noise of that correlation time, 0 (or none) white noise.
 */
function sweepRequest(flags: Map<string, string[]>): FiSweepRequest {
  const optional = (name: string) => (flags.has(name) ? numberFlag(flags, name) : undefined);
  const tauMs = optional('noise-tau');
  const method = flags.get('method')?.[0];
  return {
    model: modelArgument(flags),
    parameters: setFlags(flags),
    noise: { type: tauMs !== undefined && tauMs !== 0 ? 'ou' : 'white', sigmaMV: optional('noise-sigma') ?? 0, ...(tauMs !== undefined && tauMs !== 0 ? { tauMs } : {}) },
    range: { fromInput: optional('from'), toInput: optional('to'), step: optional('step') },
    neuronsPerCurrent: optional('neurons'),
    durationMs: optional('duration'),
    discardMs: optional('discard'),
    dtMs: optional('dt'),
    method: method as MethodName | undefined,
    seed: optional('seed'),
  };
}

/**
 * Plan, check the step size and the cost, and run the sweep: what fi and fit share. A value out
 * of range is said before a step too coarse, and that before a run too long.
 */
function planAndSweep(flags: Map<string, string[]>, switches: Set<string>, command: string, budget: SweepBudget): { plan: FiSweepPlan; curve: FiCurve } {
  const plan = planFiSweep(sweepRequest(flags), budget);
  const scenario = validateScenario(fiScenario(plan.options)).scenario;
  checkStepSize([sweepStepSizeCheck({ model: plan.model, parameters: plan.parameters, method: plan.method, dtMs: plan.dtMs })], switches.has('force'), '--dt');
  const expectedSeconds = checkLong(estimateRunCost(scenario), switches.has('long'), command);
  return { plan, curve: sweep(plan.options, expectedSeconds) };
}

function fi(args: string[]): void {
  const { flags, switches } = parseArgs(args, SWEEP_FLAGS, ['long', 'force']);
  const { curve } = planAndSweep(flags, switches, 'fi', BATCH_BUDGET);
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
  const { flags, switches } = parseArgs(args, [...SWEEP_FLAGS, 'format'], ['long', 'force']);
  const format = flags.get('format')?.[0] ?? 'csv';
  if (format !== 'csv' && format !== 'json') throw new InputError('--format', `${JSON.stringify(format.slice(0, 40))} is not a format; choose csv or json`);
  // A fit needs 6 points at least.
  const { plan, curve } = planAndSweep(flags, switches, 'fit', { ...BATCH_BUDGET, minPoints: PAGE_BUDGET.minPoints });
  const { noise, parameters, dtMs } = plan;
  const noiseSigmaMV = noise.sigmaMV;
  const noiseTauMs = plan.options.noiseTauMs ?? 0;
  const neurons = plan.neuronsPerCurrent;
  const model = plan.modelId;
  const { fits, equivalents, rheobase, theoryHz, explanation } = compareFiCurve(curve, comparisonContext(plan));
  const rheobaseOut = { input: rheobase.input === null ? null : sig(rheobase.input), unit: rheobase.unit, method: rheobase.method, ...(rheobase.expression ? { expression: rheobase.expression } : {}), toleranceInput: sig(rheobase.toleranceInput), ...(rheobase.note ? { note: rheobase.note } : {}) };
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
        steepestInput: sig(f.steepestInput),
      })),
      equivalents: equivalents.map((e) => ({ function: e.id, sameAs: e.sameAs, rmseHz: sig(e.rmseHz), text: e.text })),
      rheobase: rheobaseOut,
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
  // After the three blocks the page and scripts already split on: the rheobase, and the functions
  // that are a ranked one on a rate axis (tanh is the sigmoid rescaled; leaky ReLU is ReLU above its kink).
  lines.push('', 'rheobase,unit,method,tolerance', [rheobaseOut.input ?? '', csvField(rheobase.unit), rheobase.method, rheobaseOut.toleranceInput].join(','));
  lines.push('', 'function,same_as,text', ...equivalents.map((e) => [e.id, e.sameAs, csvField(e.text)].join(',')));
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

/**
 * fi and fit build a sweep request (dtMs, range.fromInput, ...) and from it a scenario; what those
 * refuse is said in the flags the user typed.
 */
const SWEEP_FIELDS: Record<string, string> = {
  range: '--from/--to/--step',
  'range.fromInput': '--from',
  'range.toInput': '--to',
  'range.step': '--step',
  noise: '--noise-sigma',
  'noise.sigmaMV': '--noise-sigma',
  'noise.tauMs': '--noise-tau',
  'noise.type': '--noise-tau',
  parameters: '--set',
  dtMs: '--dt',
  durationMs: '--duration',
  discardMs: '--discard',
  seed: '--seed',
  currents: '--from/--to/--step',
  neuronsPerCurrent: '--neurons',
  noiseSigmaMV: '--noise-sigma',
  noiseTauMs: '--noise-tau',
  method: '--method',
  model: '--model',
  populations: '--neurons',
  'populations[0].size': '--neurons',
  'populations[0].method': '--method',
  'populations[0].model': '--model',
  'stimuli[0]': '--from/--to',
  'stimuli[1]': '--noise-sigma',
  'stimuli[1].tauMs': '--noise-tau',
  'record.rateWindowMs': '--discard',
};
const SWEEP_WORDS: Record<string, string> = {
  dtMs: '--dt',
  durationMs: '--duration',
  discardMs: '--discard',
  neuronsPerCurrent: '--neurons',
  noiseSigmaMV: '--noise-sigma',
  noiseTauMs: '--noise-tau',
  'noise.sigmaMV': '--noise-sigma',
  'noise.tauMs': '--noise-tau',
  'range.fromInput': '--from',
  'range.toInput': '--to',
  'range.step': '--step',
};

function inFlagTerms<T>(work: () => T): T {
  try {
    return work();
  } catch (err) {
    if (err instanceof UsageError) throw err;
    if (err instanceof InputError) {
      const body = err.field && err.message.startsWith(`${err.field}: `) ? err.message.slice(err.field.length + 2) : err.message;
      throw new InputError(fieldToFlag(err.field, SWEEP_FIELDS), wordsToFlags(body, SWEEP_WORDS));
    }
    if (err instanceof SimulationError) err.message = wordsToFlags(err.message, SWEEP_WORDS);
    throw err;
  }
}

/** Anything not an InputError or SimulationError is our fault; still one line, no stack trace. */
function unexpected(err: unknown): number {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof RangeError && /call stack/i.test(message)) {
    // A guard should have caught the input first; say what it means rather than crash.
    process.stderr.write('error: the input is nested too deeply to read\n');
    return 2;
  }
  process.stderr.write(`internal error: ${oneLine(message).slice(0, 500)} (please report it with the command line${process.env.SPIKEBRIDGE_DEBUG ? '' : '; SPIKEBRIDGE_DEBUG=1 shows where'})\n`);
  if (process.env.SPIKEBRIDGE_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  return 1;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === 'run') return await run(rest);
    if (command === 'fi') inFlagTerms(() => fi(rest));
    else if (command === 'fit') inFlagTerms(() => fit(rest));
    else if (command === 'export') await exportScript(rest);
    else if (command === 'clamp') clamp(rest);
    else if (command === 'phase') phase(rest);
    else if (command === 'ann') annCommand(rest);
    else if (command === '--help' || command === '-h' || command === 'help') process.stdout.write(`${USAGE}\n`);
    else if (command === undefined) throw new UsageError('', 'no command given');
    else throw new UsageError(command.slice(0, 80), 'is not a command (run, fi, fit, export, clamp, phase, ann)');
    return 0;
  } catch (err) {
    if (err instanceof InputError) {
      process.stderr.write(`error: ${oneLine(err.message)}\n`);
      if (err instanceof UsageError) process.stderr.write(`${USAGE}\n`);
      return 2;
    }
    if (err instanceof SimulationError) {
      process.stderr.write(`simulation stopped: ${oneLine(err.message)}\n`);
      return 3;
    }
    return unexpected(err);
  }
}

// A closed pipe (`| head`) is not an error of ours.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});
process.exitCode = await main(process.argv.slice(2));
