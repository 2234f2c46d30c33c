/**
 * A user-facing error: something in a model file, a scenario or a command line is wrong.
 * `field` names the place (for example `populations[0].parameters.tau_m` or `equations[2]`),
 * and the message says the value and what is allowed. The CLI prints it on one line and exits 2;
 * the page shows it next to the field.
 */
export class InputError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(field ? `${field}: ${message}` : message);
    this.name = 'InputError';
    this.field = field;
  }
}

/** A numerical blow-up during a run (NaN, Inf, a state outside what the model allows). */
export class SimulationError extends Error {
  readonly timeMs: number;
  readonly population: string;
  constructor(population: string, timeMs: number, message: string) {
    super(`population "${population}" at t = ${timeMs.toFixed(3)} ms: ${message}`);
    this.name = 'SimulationError';
    this.population = population;
    this.timeMs = timeMs;
  }
}

/** How many characters of a value a message shows. */
const SHOWN_CHARS = 80;

/**
 * Show a value in a message without letting a huge, deep or hostile value flood it. Written
 * without recursion and stopping once enough is shown, so neither depth nor size matters (a
 * JSON.stringify of a value nested 10^5 levels deep overflows the stack). A number JSON cannot
 * hold, as JSON.parse reads 1e999, is said to be too large rather than printed as JSON's null.
 */
export function describeValue(value: unknown): string {
  // JSON has no undefined: a field the user left out.
  if (value === undefined) return 'no value (the field is missing)';
  if (typeof value === 'number' && !Number.isFinite(value)) {
    return Number.isNaN(value) ? 'NaN (not a number)' : `a number too large to hold (${value > 0 ? '' : '-'}1e999 and beyond read as ${value})`;
  }
  let text = '';
  // Items to print, last first: a value, or literal text (punctuation).
  const stack: ({ text: string } | { value: unknown })[] = [{ value }];
  while (stack.length > 0 && text.length <= SHOWN_CHARS) {
    const item = stack.pop()!;
    if ('text' in item) {
      text += item.text;
      continue;
    }
    const x = item.value;
    if (typeof x === 'string') text += JSON.stringify(x.length > SHOWN_CHARS ? x.slice(0, SHOWN_CHARS + 1) : x);
    else if (typeof x === 'number') text += Number.isFinite(x) ? JSON.stringify(x) : String(x);
    else if (typeof x === 'bigint') text += `${x}n`;
    else if (x === null || typeof x === 'boolean' || x === undefined) text += String(x);
    else if (Array.isArray(x)) {
      // Only as many elements as could be shown: each takes at least two characters.
      const shown = Math.min(x.length, SHOWN_CHARS / 2 + 1);
      stack.push({ text: ']' });
      for (let k = shown - 1; k >= 0; k--) {
        stack.push({ value: x[k] });
        if (k > 0) stack.push({ text: ',' });
      }
      text += '[';
    } else if (typeof x === 'object') {
      const keys: string[] = [];
      for (const key in x) {
        if (!Object.prototype.hasOwnProperty.call(x, key)) continue;
        keys.push(key);
        if (keys.length > SHOWN_CHARS / 4) break;
      }
      stack.push({ text: '}' });
      for (let k = keys.length - 1; k >= 0; k--) {
        stack.push({ value: (x as Record<string, unknown>)[keys[k]] });
        stack.push({ text: `${JSON.stringify(keys[k].slice(0, SHOWN_CHARS + 1))}:` });
        if (k > 0) stack.push({ text: ',' });
      }
      text += '{';
    } else text += typeof x; // a function or symbol: never from JSON
  }
  return text.length > SHOWN_CHARS || stack.length > 0 ? `${text.slice(0, SHOWN_CHARS - 3)}...` : text;
}

/**
 * Why a value read as a number cannot be one, or null if it is a finite number. JSON.parse turns
 * 1e999 into Infinity, so an infinite value is a number written too large, not a missing one.
 */
export function numberProblem(value: unknown): string | null {
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'is not a number (NaN)';
    if (!Number.isFinite(value)) return `is too large: ${value < 0 ? '-' : ''}1e999 and beyond read as ${value}`;
    return null;
  }
  return `must be a number, got ${describeValue(value)}`;
}
