// What the page's panels read off the worker's summary of a loaded scenario, in one place.
import type { ScenarioSummary, TraceSummary } from '../../workers/simulationApi.js';

/** A raster is worth showing when there are neurons the traces do not show. */
export function isNetwork(summary: ScenarioSummary): boolean {
  const neurons = summary.populations.reduce((a, p) => a + p.size, 0);
  const traced = new Set(summary.traces.map((t) => `${t.population}/${t.neuron}`)).size;
  return neurons > traced;
}

/** Who a trace belongs to, in as few words as the scenario allows ("E #0", "#3", "LIF", or ""). */
export function whoseTrace(summary: ScenarioSummary, t: TraceSummary): string {
  const pop = summary.populations.find((p) => p.name === t.population)!;
  if (summary.populations.length > 1) return pop.size > 1 ? `${t.population} #${t.neuron}` : t.population;
  return pop.size > 1 ? `#${t.neuron}` : '';
}

/** A trace of a frame is this summary's trace. */
export function sameTrace(a: { population: string; variable: string; neuron: number }, b: { population: string; variable: string; neuron: number }): boolean {
  return a.population === b.population && a.variable === b.variable && a.neuron === b.neuron;
}

/** A model file's '#rrggbb' as a number, or null. */
export function colourNumber(colour: string | null): number | null {
  return colour && /^#[0-9a-fA-F]{6}$/.test(colour) ? parseInt(colour.slice(1), 16) : null;
}

/** The width a canvas may take in a host: its content box, and no less than `least` (a phone's width). */
export function contentWidth(host: HTMLElement, least = 300): number {
  const style = getComputedStyle(host);
  return Math.max(least, Math.floor(host.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight)));
}
