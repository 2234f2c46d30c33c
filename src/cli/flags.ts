// Command-line flags: `--name value` (or `--name=value`), switches without a value (`--long`), and
// the numbers in them. Everything here reads text a user typed, so it is strict: a flag given twice
// is refused unless it collects a list (--set), and a number is a plain decimal, never Number()'s
// idea of one (Number(' ') is 0, Number('0x10') is 16, Number('1e999') is Infinity).
import { InputError } from '../core/errors.js';

/** Flags that may be given more than once, each adding to a list. */
const REPEATABLE = new Set(['set']);

export interface ParsedArgs {
  flags: Map<string, string[]>;
  switches: Set<string>;
  positionals: string[];
}

/** A usage error: the command line is not one of the shapes the usage shows, so the usage follows the message. */
export class UsageError extends InputError {}

const listOf = (names: string[]) => names.map((a) => `--${a}`).join(', ');

/**
 * Split a command line into flags with values (`allowed`), switches and at most `positionals`
 * plain arguments; anything else is a usage error naming what was typed.
 */
export function parseArgs(args: string[], allowed: string[], switches: string[] = [], positionals = 0): ParsedArgs {
  const out: ParsedArgs = { flags: new Map(), switches: new Set(), positionals: [] };
  const every = [...allowed, ...switches];
  for (let k = 0; k < args.length; k++) {
    const arg = args[k];
    if (!arg.startsWith('--')) {
      if (out.positionals.length < positionals) {
        out.positionals.push(arg);
        continue;
      }
      throw new UsageError(arg.slice(0, 80), `unexpected argument; expected ${every.length > 0 ? `one of ${listOf(every)}` : 'nothing more'}`);
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const typed = `--${name}`.slice(0, 80);
    if (switches.includes(name)) {
      if (eq >= 0) throw new InputError(typed, 'takes no value');
      if (out.switches.has(name)) throw new InputError(typed, 'is given more than once');
      out.switches.add(name);
      continue;
    }
    if (!allowed.includes(name)) throw new UsageError(typed, `unknown option; expected one of ${listOf(every)}`);
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else {
      value = args[k + 1];
      // A value may be negative (-5) but is not the next flag.
      if (value === undefined || (value.startsWith('--') && !/^--?\d/.test(value))) throw new InputError(typed, 'needs a value');
      k++;
    }
    const list = out.flags.get(name);
    if (list && !REPEATABLE.has(name)) throw new InputError(typed, `is given more than once (${list.map((v) => JSON.stringify(v.slice(0, 40))).join(' and ')} and ${JSON.stringify(value.slice(0, 40))}); give it once`);
    out.flags.set(name, [...(list ?? []), value]);
  }
  return out;
}

/** Parse --flag value pairs; repeated flags (--set) collect into lists, other repeats are refused. */
export function parseFlags(args: string[], allowed: string[]): Map<string, string[]> {
  return parseArgs(args, allowed).flags;
}

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/**
 * A number a user typed, as a plain decimal (2, -0.5, 1e-3). `where` names it in messages (the
 * flag as typed). Refused: blank text, hex/octal/binary, Infinity, NaN, digits with _, and values
 * a double cannot hold (1e999 is too large; 1e-999 would silently become 0).
 */
export function parseNumberText(text: string, where: string): number {
  const trimmed = text.trim();
  if (trimmed === '') throw new InputError(where, `needs a number, got ${text === '' ? 'nothing' : 'only spaces'}`);
  const shown = JSON.stringify(trimmed.length > 40 ? `${trimmed.slice(0, 37)}...` : trimmed);
  if (!DECIMAL.test(trimmed)) {
    const kind = /^[+-]?0[xob]/i.test(trimmed) ? 'is not a decimal number (hexadecimal, octal and binary are not read)' : /^[+-]?(infinity|inf|nan)$/i.test(trimmed) ? 'is not a finite number' : 'is not a number';
    throw new InputError(where, `${shown} ${kind}`);
  }
  const value = Number(trimmed);
  if (!Number.isFinite(value)) throw new InputError(where, `${shown} is too large: numbers go up to about 1.8e308`);
  if (value === 0 && /[1-9]/.test(trimmed.replace(/[eE].*$/, ''))) throw new InputError(where, `${shown} is too small to hold: it would read as 0`);
  return value;
}

/** A number flag: given once, or its fallback; without a fallback it is required. */
export function numberFlag(flags: Map<string, string[]>, name: string, fallback?: number): number {
  const values = flags.get(name);
  if (!values) {
    if (fallback === undefined) throw new InputError(`--${name}`, 'is required');
    return fallback;
  }
  if (values.length > 1) throw new InputError(`--${name}`, 'is given more than once; give it once');
  return parseNumberText(values[0], `--${name}`);
}

/** A whole-number flag in [low, high] (--threads 2), or its fallback when not given. */
export function integerFlag(flags: Map<string, string[]>, name: string, low: number, high: number, fallback: number): number {
  const value = numberFlag(flags, name, fallback);
  if (!Number.isInteger(value) || value < low || value > high) throw new InputError(`--${name}`, `${JSON.stringify(flags.get(name)?.[0]?.slice(0, 40) ?? String(value))} is not allowed; give a whole number from ${low} to ${high}`);
  return value;
}

/** A flag with one value from a fixed list. */
export function choiceFlag<T extends string>(flags: Map<string, string[]>, name: string, choices: readonly T[], fallback: T, what = 'value'): T {
  const value = flags.get(name)?.[0];
  if (value === undefined) return fallback;
  if (!(choices as readonly string[]).includes(value)) throw new InputError(`--${name}`, `${JSON.stringify(value.slice(0, 40))} is not a ${what}; choose ${choices.join(', ')}`);
  return value as T;
}

/** --set NAME=VALUE pairs (repeatable); a name set twice is refused. */
export function setFlags(flags: Map<string, string[]>): Record<string, number> {
  const parameters: Record<string, number> = {};
  for (const pair of flags.get('set') ?? []) {
    const m = /^([A-Za-z][A-Za-z0-9_]*)=(.*)$/s.exec(pair);
    if (!m) throw new InputError('--set', `${JSON.stringify(pair.slice(0, 60))} is not NAME=VALUE (a parameter name, =, a number)`);
    const [, name, text] = m;
    if (Object.prototype.hasOwnProperty.call(parameters, name)) throw new InputError(`--set ${name}`, 'is set more than once; set it once');
    parameters[name] = parseNumberText(text, `--set ${name}`);
  }
  return parameters;
}

/**
 * The flag a field of a request or of the scenario the CLI builds came from, so a message names
 * what the user typed (`--dt`, not `dtMs`). `fields` maps a field (or a prefix of one) to a flag.
 */
export function fieldToFlag(field: string, fields: Record<string, string>): string {
  // A request's parameters are checked with the field "parameters.NAME" (a scenario's "populations[0].parameters.NAME").
  const set = /^(?:--set|parameters|populations\[0\]\.parameters)\.(.+)$/.exec(field);
  if (set) return `--set ${set[1]}`;
  let best = '';
  for (const prefix of Object.keys(fields)) {
    if ((field === prefix || field.startsWith(`${prefix}.`) || field.startsWith(`${prefix}[`) || field.startsWith(`${prefix}: `)) && prefix.length > best.length) best = prefix;
  }
  // A place inside a file the flag named (a model file's "model: parameters.R") keeps its rest.
  if (best && field.startsWith(`${best}: `)) return fields[best] + field.slice(best.length);
  return best ? fields[best] : field;
}

/** A message with the request's field names in it (dtMs = 0.1, range.fromInput) spoken as flags (--dt = 0.1, --from). */
export function wordsToFlags(message: string, words: Record<string, string>): string {
  return message.replace(/\b[A-Za-z]+(?:\.[A-Za-z]+)*\b/g, (word) => (Object.prototype.hasOwnProperty.call(words, word) ? words[word] : word));
}
