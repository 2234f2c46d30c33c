// One or two sentences beside the f-I plot, chosen from the data: what kind of onset the neuron
// has and which activation function it resembles. A pure function, so the page and the CLI say
// the same thing and a test can pin each case.
import { ACTIVATIONS, type ActivationId } from './activations.js';
import type { FitResult } from './fit.js';

export interface ExplainInput {
  currents: ArrayLike<number>;
  ratesHz: ArrayLike<number>;
  /** input unit, e.g. nA or uA/cm2 */
  unit: string;
  /** SD of the membrane potential the input noise causes (mV); 0 = none */
  noiseSigmaMV: number;
  /** fits of this curve, best first (fitActivations) */
  fits: FitResult[];
  /** the model's name as a student reads it, e.g. "The LIF neuron" */
  neuronName?: string;
  /** refractory period (ms), when the model has one: its rate cannot exceed 1/t_ref */
  tRefMs?: number;
}

export type OnsetKind = 'silent' | 'typeII' | 'typeI' | 'noisy';

export interface Explanation {
  kind: OnsetKind;
  text: string;
}

/** Rates below this count as silence (a sweep's count window resolves a few Hz at best). */
const SILENT_HZ = 1;

const round = (x: number, digits = 2) => Number(x.toPrecision(digits));

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

export function explainComparison(input: ExplainInput): Explanation {
  const order = Array.from({ length: input.currents.length }, (_, i) => i).sort((a, b) => input.currents[a] - input.currents[b]);
  const currents = order.map((i) => input.currents[i]);
  const rates = order.map((i) => input.ratesHz[i]);
  const who = input.neuronName ?? 'The neuron';
  const best = input.fits[0];
  const bestText = best ? `${best.name} fits best (RMSE ${round(best.rmseHz)} Hz, R^2 ${best.rSquared.toFixed(4)})` : '';
  const found = onset(currents, rates);
  if (!found) {
    return { kind: 'silent', text: `${who} stays silent from ${currents[0]} to ${currents[currents.length - 1]} ${input.unit}; raise the current range to see it fire.` };
  }
  const x1 = currents[found.index];
  const r1 = rates[found.index];

  if (input.noiseSigmaMV > 0) {
    // Among the ANN functions proper (soft-LIF is the neuron's own shape), which smooth one is closest.
    const ann = input.fits.filter((f) => f.id !== 'softLif');
    const smooth = ann.find((f) => f.id === 'softplus' || f.id === 'sigmoid' || f.id === 'tanh' || f.id === 'elu');
    const relu = ann.find((f) => f.id === 'relu');
    const closest = smooth ? `${ACTIVATIONS[smooth.id as ActivationId].name} (RMSE ${round(smooth.rmseHz)} Hz)` : 'a smooth function';
    const kink = relu && smooth && relu.rmseHz > smooth.rmseHz ? `, not the kink of a ReLU (RMSE ${round(relu.rmseHz)} Hz)` : '';
    const below = found.index === 0 ? ` already fires at ${currents[0]} ${input.unit}` : ` starts to fire gradually near ${x1} ${input.unit}`;
    return {
      kind: 'noisy',
      text: `With ${input.noiseSigmaMV} mV of membrane noise the hard threshold softens: ${who.replace(/^The/, 'the')}${below}, and the curve is closest to ${closest}${kink}.`,
    };
  }
  if (found.jumpRatio >= 3) {
    return {
      kind: 'typeII',
      text: `${who} jumps from silence to about ${round(r1)} Hz at ${x1} ${input.unit}: a type II onset, which no ReLU-like function has (they all start from zero rate). ${bestText}.`,
    };
  }
  const saturation = input.tRefMs && input.tRefMs > 0 ? ` and saturates towards 1/t_ref = ${round(1000 / input.tRefMs, 3)} Hz` : '';
  return {
    kind: 'typeI',
    text: `${who} starts firing at ${x1} ${input.unit} like a ReLU at its kink, but with a logarithmic bend (steep right after rheobase)${saturation}. ${bestText}.`,
  };
}
