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

/** Show a value in a message without letting a huge or hostile value flood it. */
export function describeValue(value: unknown): string {
  let text: string;
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  if (text === undefined) text = String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
