// One or two sentences beside the f-I plot, chosen from the data: what kind of onset the neuron
// has and which activation function it resembles. A pure function, so the page and the CLI say
// the same thing and a test can pin each case. The sentence ranks as the table does (it names the
// table's first fit) and every number in it is a number of the table (a fit's RMSE, kink, gain or
// steepest point, rounded to two digits) or of the comparison (the computed rheobase, the
// neuron's own steepest point).
import type { FitResult } from './fit.js';
import { SILENT_HZ } from './fit.js';
import type { Rheobase } from './rheobase.js';

export interface ExplainInput {
  currents: ArrayLike<number>;
  ratesHz: ArrayLike<number>;
  /** input unit, e.g. nA or uA/cm2 */
  unit: string;
  /** SD of the membrane potential the input noise causes (mV); 0 = none */
  noiseSigmaMV: number;
  /** fits of this curve, best first (fitActivations): the table's order */
  fits: FitResult[];
  /** the model's name as a student reads it, e.g. "The LIF neuron" */
  neuronName?: string;
  /** refractory period (ms), when the model has one: its rate cannot exceed 1/t_ref */
  tRefMs?: number;
  /** the computed rheobase (noiseless), when known */
  rheobase?: Rheobase;
}

export type OnsetKind = 'silent' | 'typeII' | 'typeI' | 'noisy';

export interface Explanation {
  kind: OnsetKind;
  text: string;
  /** Where the neuron's own slope (from the data) is largest, in input units; null if it never fires. */
  neuronSteepestInput?: number | null;
}

export const round = (x: number, digits = 2) => Number(x.toPrecision(digits));

/** Fits whose curve is smooth everywhere (no kink): where a slope can have a bump. */
const SMOOTH = new Set(['sigmoid', 'softplus', 'softLif']);

/**
 * Type II: the first firing rate is large against how the rate grows afterwards. Compare the jump
 * from silence with the rise over the next 15 % of the firing range: HH jumps to ~55 Hz and then
 * gains ~12 Hz (ratio ~5); the LIF's logarithmic onset rises steeply right after rheobase (ratio
 * 0.4-2.2 over its usual ranges, grids 0.05-0.25 nA), so a ratio of 3 separates them.
 */
function onset(currents: number[], rates: number[]): { index: number; jumpRatio: number } | null {
  const first = rates.findIndex((r) => r > SILENT_HZ);
  if (first <= 0) return first === 0 ? { index: 0, jumpRatio: 0 } : null;
  const x1 = currents[first];
  const r1 = rates[first];
  const width = 0.15 * (currents[currents.length - 1] - x1);
  let later = first;
  while (later + 1 < currents.length && currents[later + 1] <= x1 + width) later++;
  const rise = rates[later] - r1;
  return { index: first, jumpRatio: rise > 0 ? r1 / rise : Infinity };
}

/**
 * Where the neuron's slope is largest: a straight line through each run of five neighbouring
 * points (so the noise of single points does not decide), its slope at the run's middle.
 */
export function steepestFromData(currents: ArrayLike<number>, ratesHz: ArrayLike<number>): number | null {
  const n = currents.length;
  if (n < 5) return null;
  let best = -Infinity;
  let at: number | null = null;
  for (let c = 2; c < n - 2; c++) {
    let mx = 0;
    let my = 0;
    for (let k = c - 2; k <= c + 2; k++) {
      mx += currents[k] / 5;
      my += ratesHz[k] / 5;
    }
    let sxy = 0;
    let sxx = 0;
    for (let k = c - 2; k <= c + 2; k++) {
      sxy += (currents[k] - mx) * (ratesHz[k] - my);
      sxx += (currents[k] - mx) ** 2;
    }
    const slope = sxx > 0 ? sxy / sxx : 0;
    if (slope > best) {
      best = slope;
      at = currents[c];
    }
  }
  return best > 0 ? at : null;
}

function rheobaseText(r: Rheobase | undefined, unit: string): string | null {
  if (!r || r.input === null) return null;
  const how = r.method === 'expression' ? `from its file's ${r.expression}` : `found by bisection to ${round(r.toleranceInput, 1)} ${unit}`;
  return `${round(r.input, 3)} ${unit} (${how})`;
}

function fitText(f: FitResult): string {
  return `${f.name} (RMSE ${round(f.rmseHz)} Hz${Number.isNaN(f.rSquared) ? '' : `, R^2 ${f.rSquared.toFixed(4)}`})`;
}

export function explainComparison(input: ExplainInput): Explanation {
  const order = Array.from({ length: input.currents.length }, (_, i) => i).sort((a, b) => input.currents[a] - input.currents[b]);
  const currents = order.map((i) => input.currents[i]);
  const rates = order.map((i) => input.ratesHz[i]);
  const who = input.neuronName ?? 'The neuron';
  const unit = input.unit;
  const best = input.fits[0];
  const bestText = best ? `Of the table, ${fitText(best)} fits best` : '';
  const found = onset(currents, rates);
  const neuronSteepestInput = found ? steepestFromData(currents, rates) : null;
  if (!found) {
    return { kind: 'silent', neuronSteepestInput, text: `${who} stays silent from ${currents[0]} to ${currents[currents.length - 1]} ${unit}; raise the current range to see it fire.` };
  }
  const x1 = currents[found.index];
  const r1 = rates[found.index];
  const rheobase = rheobaseText(input.rheobase, unit);
  const relu = input.fits.find((f) => f.id === 'relu');
  const reluText = relu ? `ReLU's kink sits at ${round(relu.parameters.inShift)} ${unit} with a gain of ${round(relu.parameters.outScale)} Hz per ${unit} (RMSE ${round(relu.rmseHz)} Hz)` : '';

  if (input.noiseSigmaMV > 0) {
    const below = found.index === 0 ? `already fires at ${currents[0]} ${unit}` : `starts to fire gradually near ${x1} ${unit}`;
    const noiseless = rheobase ? `, below its noiseless rheobase of ${rheobase}` : '';
    // The best smooth fit and its slope: a bump where the neuron's slope peaks, or why not.
    const smooth = input.fits.find((f) => SMOOTH.has(f.id));
    let slope = '';
    if (smooth && neuronSteepestInput !== null) {
      const where = `the neuron's slope peaks near ${round(neuronSteepestInput)} ${unit}`;
      slope = smooth.slopeBump
        ? ` The best smooth fit, ${smooth.name}, has its slope's bump at ${round(smooth.steepestInput)} ${unit}; ${where}.`
        : ` The best smooth fit, ${smooth.name}, has no bump in its slope (it is steepest at ${round(smooth.steepestInput)} ${unit}, an end of its rise), so it cannot show where ${where.slice(4)}.`;
    }
    const kink = relu && best && best.id !== 'relu' ? ` A ReLU's kink fits worse: ${reluText}.` : '';
    return {
      kind: 'noisy',
      neuronSteepestInput,
      text: `With ${input.noiseSigmaMV} mV of membrane noise the hard threshold softens: ${who.replace(/^The/, 'the')} ${below}${noiseless}. ${bestText}.${slope}${kink}`,
    };
  }
  if (found.jumpRatio >= 3) {
    const at = rheobase ? `at its rheobase, ${rheobase}` : `at ${x1} ${unit}`;
    return {
      kind: 'typeII',
      neuronSteepestInput,
      text: `${who} jumps from silence to about ${round(r1)} Hz ${at}: a type II onset, which no function rising from rate 0 has. ${bestText}.`,
    };
  }
  const saturation = input.tRefMs && input.tRefMs > 0 ? ` and saturates towards 1/t_ref = ${round(1000 / input.tRefMs, 3)} Hz` : '';
  const start = rheobase ? `at its rheobase, ${rheobase},` : `at ${x1} ${unit}`;
  return {
    kind: 'typeI',
    neuronSteepestInput,
    text: `${who} starts firing ${start} like a ReLU at its kink, but with a logarithmic bend (steep right after rheobase)${saturation}. ${bestText}${reluText && best?.id !== 'relu' ? `; ${reluText}` : ''}.`,
  };
}
