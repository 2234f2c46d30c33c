// What the page's plots share: the colours (Okabe-Ito, distinguishable with the common
// colour-vision deficiencies), the populations' colours, round ticks and axis numbers. No drawing
// library here, so the line plots (uPlot) and the raster (PixiJS, loaded only for a network) can
// both use it without pulling in the other.

export const COLOURS = {
  trace: 0x0072b2, // blue
  threshold: 0xd55e00, // vermillion
  spike: 0x009e73, // bluish green
  background: 0xffffff,
  grid: 0xe8e8e8,
  axis: 0x555555,
  text: 0x2b2b2b,
} as const;

/** Colours for several series on one plot, in order of use. */
export const SERIES_COLOURS = [0x0072b2, 0xcc79a7, 0xe69f00, 0x56b4e9, 0x009e73, 0x000000] as const;

/** Excitatory blue and inhibitory orange: the Okabe-Ito pair that stays apart for colour-blind viewers. */
export const POPULATION_COLOURS = { excitatory: 0x0072b2, inhibitory: 0xe69f00, other: [0xcc79a7, 0x009e73, 0x56b4e9, 0x000000] } as const;

export const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif';

export function populationColour(populations: { role: 'excitatory' | 'inhibitory' | null }[], k: number): number {
  const role = populations[k].role;
  if (role) return POPULATION_COLOURS[role];
  const others = populations.slice(0, k).filter((p) => !p.role).length;
  return POPULATION_COLOURS.other[others % POPULATION_COLOURS.other.length];
}

/** A colour number as CSS. */
export function css(colour: number): string {
  return `#${colour.toString(16).padStart(6, '0')}`;
}

/**
 * Round tick values covering [lo, hi] with about `count` steps of 1, 2 or 5 times a power of ten,
 * and the values themselves (rounded to 12 digits, so 0.1 + 0.2 prints as 0.3).
 */
export function niceTicks(lo: number, hi: number, count: number): { lo: number; hi: number; step: number; values: number[] } {
  const span = Math.max(hi - lo, 1e-9);
  const raw = span / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw * (1 - 1e-9)) ?? 10 * power;
  const first = Math.floor(lo / step + 1e-9) * step;
  const last = Math.ceil(hi / step - 1e-9) * step;
  const values: number[] = [];
  for (let k = 0; first + k * step <= last + step * 1e-9; k++) values.push(Number((first + k * step).toPrecision(12)));
  return { lo: first, hi: last, step, values };
}

/** A number for an axis label: integers as such, a true minus sign for negatives. */
export function formatNumber(x: number): string {
  const rounded = Math.abs(x) < 1e-9 ? 0 : x;
  const text = Number.isInteger(rounded) ? String(rounded) : Number(rounded.toPrecision(4)).toString();
  return text.replace('-', '\u2212');
}

/** A unit after a number (none for a dimensionless "1"). */
export function unitSuffix(unit: string): string {
  return unit && unit !== '1' ? ` ${unit}` : '';
}
