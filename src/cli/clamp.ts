// `npm run sim -- clamp --model hh --hold -65 --from -100 --to 60 --step 5 --duration 20 [--dt MS]
// [--block g_Na=1,g_K=0.5] [--set NAME=VALUE] [--method NAME] [--series-resistance R]`: a family of
// voltage-clamp steps (core/stimulus/clampFamily.ts) as CSV, one row per command potential: v_mV,
// then for each current the model declares peak_<name> (its value of largest magnitude during the
// step) and end_<name> (at the end of the step), then peak_total and end_total. A comment line
// first gives the units and the protocol. Errors name the flag as typed.
import { InputError } from '../core/errors.js';
import type { ModelFile } from '../core/model/modelFile.js';
import type { MethodName } from '../core/model/loadModel.js';
import { HOLD_BEFORE_MS, clampLevels, runClampFamily, type ClampFamily } from '../core/stimulus/clampFamily.js';
import { validateScenario } from '../scenario/scenario.js';
import { UsageError, fieldToFlag, numberFlag, parseArgs, parseNumberText, setFlags, wordsToFlags } from './flags.js';
import { modelArgument } from './readInput.js';

export const CLAMP_USAGE = `usage: npm run sim -- clamp --model MODEL --hold MV --from MV --to MV --step MV --duration MS
                    [--dt MS] [--block NAME=FRACTION,...] [--set NAME=VALUE ...] [--method NAME] [--series-resistance R]`;

/** --block g_Na=1,g_K=0.5 (or TTX=1): fractions blocked by blocker or conductance name. */
export function blockFlag(flags: Map<string, string[]>): Record<string, number> {
  const text = flags.get('block')?.[0];
  if (text === undefined) return {};
  const out: Record<string, number> = {};
  for (const pair of text.split(',')) {
    const m = /^\s*([A-Za-z][A-Za-z0-9_-]*)\s*=(.*)$/s.exec(pair);
    if (!m) throw new InputError('--block', `${JSON.stringify(pair.slice(0, 60))} is not NAME=FRACTION (a blocker or conductance, =, a fraction from 0 to 1)`);
    const [, name, value] = m;
    if (Object.prototype.hasOwnProperty.call(out, name)) throw new InputError(`--block ${name}`, 'is given more than once; give it once');
    out[name] = parseNumberText(value, `--block ${name}`);
  }
  return out;
}

/** Scenario and request fields the clamp builds, as the flags that set them. */
const CLAMP_FIELDS: Record<string, string> = {
  model: '--model',
  'populations[0].model': '--model',
  'populations[0].method': '--method',
  'populations[0].blockers': '--block',
  'populations[0].ions': '--ions',
  'stimuli[0].holdingMV': '--hold',
  'stimuli[0].commands[0].levelMV': '--from/--to',
  'stimuli[0].seriesResistance': '--series-resistance',
  'stimuli[0].population': '--model',
  dtMs: '--dt',
  durationMs: '--duration',
  stepMV: '--step',
  toMV: '--to',
  fromMV: '--from',
};
const CLAMP_WORDS: Record<string, string> = { dtMs: '--dt', durationMs: '--duration', fromMV: '--from', toMV: '--to', stepMV: '--step' };

/** `work` with what the scenario refuses said in the flags the user typed. */
function inClampFlags<T>(work: () => T): T {
  try {
    return work();
  } catch (err) {
    if (err instanceof UsageError || !(err instanceof InputError)) throw err;
    const blocker = /^populations\[0\]\.blockers\.(.+)$/.exec(err.field);
    const flag = blocker ? `--block ${blocker[1]}` : fieldToFlag(err.field, CLAMP_FIELDS);
    const body = err.field && err.message.startsWith(`${err.field}: `) ? err.message.slice(err.field.length + 2) : err.message;
    throw new InputError(flag, wordsToFlags(body, CLAMP_WORDS));
  }
}

/** Six significant digits, no float noise; -0 prints as 0. */
function sig(x: number): string {
  const y = Number(x.toPrecision(6));
  return String(y === 0 ? 0 : y);
}

/** The table of a family: a comment line, the header, a row per level. */
export function clampTable(family: ClampFamily): string {
  const names = family.currents.map((c) => c.name);
  const blocked = Object.entries(family.blockers).filter(([, f]) => f > 0);
  const lines = [
    `# voltage clamp of ${family.model}: held at ${family.holdingMV} ${family.voltageUnit} for ${HOLD_BEFORE_MS} ms, then stepped for ${family.durationMs} ms to v_mV (${family.voltageUnit}); currents in ${family.currentUnit}, outward positive; peak_ is the value of largest magnitude during the step, end_ the value at its end; dt ${family.dtMs} ms, method ${family.method}${blocked.length > 0 ? `; blocked: ${blocked.map(([p, f]) => `${p} ${f * 100} %`).join(', ')}` : ''}`,
    ['v_mV', ...names.flatMap((n) => [`peak_${n}`, `end_${n}`]), 'peak_total', 'end_total'].join(','),
  ];
  for (const step of family.steps) {
    const row = [sig(step.levelMV)];
    names.forEach((_, q) => row.push(sig(step.peak[q]), sig(step.end[q])));
    row.push(sig(step.peak[names.length]), sig(step.end[names.length]));
    lines.push(row.join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** The clamp command's output for the arguments after `clamp`. */
export function clampOutput(args: string[]): string {
  const { flags } = parseArgs(args, ['model', 'hold', 'from', 'to', 'step', 'duration', 'dt', 'block', 'set', 'method', 'series-resistance']);
  const model = modelArgument(flags);
  const holdingMV = numberFlag(flags, 'hold');
  const fromMV = numberFlag(flags, 'from');
  const toMV = numberFlag(flags, 'to');
  const stepMV = numberFlag(flags, 'step');
  const durationMs = numberFlag(flags, 'duration');
  if (!(durationMs > 0 && durationMs <= 10000)) throw new InputError('--duration', `${durationMs} ms is outside the allowed range (0, 10000] ms`);
  if (!(stepMV > 0)) throw new InputError('--step', `${stepMV} mV must be above 0 mV`);
  if (!(toMV >= fromMV)) throw new InputError('--to', `${toMV} mV is below --from (${fromMV} mV)`);
  const dtMs = flags.has('dt') ? numberFlag(flags, 'dt') : undefined;
  // Before the sample count, which divides by it (a --dt of 0 read as "Infinity samples" of --duration).
  if (dtMs !== undefined && !(dtMs > 0)) throw new InputError('--dt', `${dtMs} ms must be above 0 ms`);
  const seriesResistance = flags.has('series-resistance') ? numberFlag(flags, 'series-resistance') : undefined;
  const method = flags.get('method')?.[0] as MethodName | undefined;
  const blockers = blockFlag(flags);
  const parameters = setFlags(flags);
  try {
    return inClampFlags(() => {
      const levels = clampLevels(fromMV, toMV, stepMV);
      return clampTable(runClampFamily({ model, holdingMV, fromMV, toMV, stepMV, durationMs, dtMs, method, parameters, blockers, seriesResistance }, validateScenario, levels));
    });
  } catch (err) {
    throw levelFlag(err, fromMV, toMV);
  }
}

/**
 * A level out of the membrane's range is said as the flag the user typed with the value typed:
 * the first level is --from itself; any later one comes from --to (the level 310 mV of a family
 * --from -80 --to 5000 --step 10 is not a number the user wrote).
 */
function levelFlag(err: unknown, fromMV: number, toMV: number): unknown {
  if (!(err instanceof InputError) || err.field !== '--from/--to') return err;
  const m = /^--from\/--to: (\S+) is outside the allowed range (.*)$/s.exec(err.message);
  if (!m) return err;
  if (Number(m[1]) === fromMV) return new InputError('--from', `${fromMV} is outside the allowed range ${m[2]}`);
  return new InputError('--to', `${toMV} takes the levels to ${m[1]}, outside the allowed range ${m[2]}`);
}

/** `clamp ...`: the table on stdout. Throws InputError (exit 2) or SimulationError (exit 3) as the other commands do. */
export function clamp(args: string[]): void {
  process.stdout.write(clampOutput(args));
}
