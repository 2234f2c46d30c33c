// Text of the f-I panel: the fit table's rows (ranked best first, as the bridge returns them),
// numbers to a sensible precision, and the progress line with the time left. Pure, so tested
// without a browser.
import { ACTIVATIONS, type ActivationId, type ActivationParameters } from '../bridge/activations.js';

export interface FitLike {
  id: ActivationId;
  name: string;
  parameters: ActivationParameters;
  rmseHz: number;
  rSquared: number;
}

export interface FitRow {
  rank: number;
  id: ActivationId;
  name: string;
  /** g(z) with z = inScale (x - inShift), and y = outScale g(z) + outShift. */
  formula: string;
  /** Parameter list as text, with units where they have one. */
  parameters: string;
  rmse: string;
  rSquared: string;
}

/** A number to `digits` significant digits, without a trailing ".0" or exponent noise. */
export function formatNumber(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? '–' : x > 0 ? '∞' : '−∞';
  if (x === 0) return '0';
  const magnitude = Math.abs(x);
  if (magnitude >= 1e6 || magnitude < 1e-4) return x.toExponential(digits - 1).replace('-', '−');
  return Number(x.toPrecision(digits)).toString().replace('-', '−');
}

/** Rows of the fit table, best (lowest RMSE) first, ranked 1 to n (equal RMSEs keep their order). */
export function fitTableRows(fits: readonly FitLike[], unit: string): FitRow[] {
  return [...fits].sort((a, b) => a.rmseHz - b.rmseHz).map((f, index) => {
    const def = ACTIVATIONS[f.id];
    const p = f.parameters;
    const parts = [
      // "per uA/cm2", not "/uA/cm2" or "Hz/uA/cm2", which read as two divisions.
      ...(def.inScaleFixed ? [] : [`in scale ${formatNumber(p.inScale)} per ${unit}`]),
      `shift ${formatNumber(p.inShift)} ${unit}`,
      `out scale ${formatNumber(p.outScale)} ${def.inScaleFixed ? `Hz per ${unit}` : 'Hz'}`,
      `out shift ${formatNumber(p.outShift)} Hz`,
      ...def.shape.map((s, k) => `${s.name} ${formatNumber(p.shape[k])}`),
    ];
    return {
      rank: index + 1,
      id: f.id,
      name: f.name,
      formula: def.formula,
      parameters: parts.join(', '),
      rmse: `${formatNumber(f.rmseHz)} Hz`,
      rSquared: Number.isNaN(f.rSquared) ? '–' : f.rSquared.toFixed(4),
    };
  });
}

/** The computed rheobase as the panel says it: its value and how it was found (the file's expression, or a bisection and its tolerance). */
export interface RheobaseLike {
  input: number | null;
  unit: string;
  method: 'expression' | 'bisection';
  expression?: string;
  toleranceInput: number;
  note?: string;
}

export function rheobaseText(r: RheobaseLike): string {
  if (r.input === null) return `Rheobase: not in this range (${r.note ?? 'the neuron is silent throughout or fires throughout'}).`;
  const how = r.method === 'expression' ? `from the model file's ${(r.expression ?? 'expression').replace(/-/g, '−')}` : `by bisection on noiseless runs of this sweep's protocol, to within ${formatNumber(r.toleranceInput, 2)} ${r.unit}`;
  return `Rheobase (computed, not read off the grid): ${formatNumber(r.input, 4)} ${r.unit}, ${how}.`;
}

/** "about 3 s left", "about 1 min 10 s left", or "" when there is no estimate yet. */
export function formatRemaining(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms) || ms < 0) return '';
  if (ms < 1000) return 'under a second left';
  const s = Math.round(ms / 1000);
  if (s < 60) return `about ${s} s left`;
  return `about ${Math.floor(s / 60)} min ${s % 60} s left`;
}

/** The progress line under the bar. */
export function progressText(fraction: number, remaining: number | null, phase: 'simulating' | 'fitting' | 'done' | 'cancelled' | 'failed', elapsedMs?: number): string {
  const percent = `${Math.floor(Math.min(Math.max(fraction, 0), 1) * 100)} %`;
  if (phase === 'fitting') return `${percent} · fitting the activations…`;
  if (phase === 'done') return elapsedMs !== undefined ? `100 % · done in ${formatNumber(elapsedMs / 1000, 2)} s` : '100 % · done';
  if (phase === 'cancelled') return `cancelled at ${percent}`;
  if (phase === 'failed') return `stopped at ${percent}`;
  const left = formatRemaining(remaining);
  return left ? `${percent} · ${left}` : percent;
}
