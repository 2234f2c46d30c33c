// `npm run sim -- phase --model NAME [--set I=VALUE] [--set NAME=VALUE ...] [--regime NAME]`: the
// fixed points of the model's phase plane (core/analysis/phasePlane.ts) at that input, with their
// type, stability and Jacobian eigenvalues, as JSON. --set with the model's input symbol (I) sets
// the input (default 0); with a parameter's name, the parameter. Errors name the flag as typed.
import { InputError } from '../core/errors.js';
import { fixedPoints, phasePlane } from '../core/analysis/phasePlane.js';
import { validateScenario } from '../scenario/scenario.js';
import { fieldToFlag, parseArgs, setFlags } from './flags.js';
import { modelArgument } from './readInput.js';

export const PHASE_USAGE = 'usage: npm run sim -- phase --model MODEL [--set I=VALUE] [--set NAME=VALUE ...] [--regime NAME]';

function sig(x: number): number {
  const y = Number(x.toPrecision(8));
  return y === 0 ? 0 : y;
}

/** The phase command's JSON for the arguments after `phase`. */
export function phaseOutput(args: string[]): string {
  const { flags } = parseArgs(args, ['model', 'set', 'regime']);
  const model = modelArgument(flags);
  const sets = setFlags(flags);
  const regime = flags.get('regime')?.[0];
  let valid;
  try {
    // The model and parameters are checked as a one-neuron scenario's (ranges, constraints, regime).
    const probe = validateScenario({ format: 'spikebridge-scenario/1', durationMs: 1, dtMs: 0.01, populations: [{ name: 'cell', model, size: 1 }] }).populations[0].model;
    const input = probe.inputSymbol;
    const parameters = Object.fromEntries(Object.entries(sets).filter(([name]) => name !== input));
    valid = validateScenario({ format: 'spikebridge-scenario/1', durationMs: 1, dtMs: 0.01, populations: [{ name: 'cell', model, size: 1, ...(regime !== undefined ? { regime } : {}), parameters }] }).populations[0];
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    const flag = /\.regime$/.test(err.field) ? '--regime' : fieldToFlag(err.field, { 'populations[0].model': '--model', 'populations[0]': '--set' });
    const body = err.field && err.message.startsWith(`${err.field}: `) ? err.message.slice(err.field.length + 2) : err.message;
    throw new InputError(flag, body);
  }
  const loaded = valid.model;
  const inputValue = sets[loaded.inputSymbol] ?? 0;
  if (Math.abs(inputValue) > 1e6) throw new InputError(`--set ${loaded.inputSymbol}`, `${inputValue} is outside the allowed range [-1e6, 1e6] ${loaded.file.input.unit}`);
  const plane = phasePlane(loaded, valid.parameters, inputValue, '--model');
  const points = fixedPoints(plane, loaded);
  const output = {
    model: loaded.id,
    input: { symbol: loaded.inputSymbol, value: inputValue, unit: loaded.file.input.unit },
    ...(regime !== undefined ? { regime } : {}),
    parameters: Object.fromEntries(loaded.parameterNames.map((name, k) => [name, valid.parameters[k]])),
    plane: { x: plane.x.name, y: plane.y.name, ...(plane.reduction ? { reduction: plane.reduction } : {}) },
    fixedPoints: points.map((p) => ({
      [plane.x.name]: sig(p.x),
      [plane.y.name]: sig(p.y),
      type: p.type,
      stable: p.stable,
      eigenvalues: p.eigenvalues.re.map((re, k) => ({ re: sig(re), im: sig(p.eigenvalues.im[k]) })),
      trace: sig(p.trace),
      determinant: sig(p.determinant),
    })),
  };
  return `${JSON.stringify(output, null, 2)}\n`;
}

/** `phase ...`: the JSON on stdout; throws InputError (exit 2) as the other commands do. */
export function phase(args: string[]): void {
  process.stdout.write(phaseOutput(args));
}
