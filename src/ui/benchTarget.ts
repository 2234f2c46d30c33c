// What the bench panels (clamp, ions and blockers, phase plane) work on: a population of the page's
// scenario as it stands, with its model (a built-in id or the inline file), the parameters in force
// (fiPanelModels: the summary's values with the student's accepted changes on top), the blockers and
// ion concentrations the scenario gives it, and the input in force (the amplitude of its first step
// stimulus). Read from the worker's summary and the page's snapshot of the scenario, no round trip.
import type { PopulationSummary, ScenarioSummary } from '../../workers/simulationApi.js';
import type { IonSettings } from '../core/model/ions.js';
import { fiPanelModels, type FiPanelModel } from './fiPanelModels.js';
import { addStyleOnce } from './dom.js';
import { stepSummaries } from '../core/stepSummary.js';

export interface BenchTarget extends FiPanelModel {
  summary: PopulationSummary;
  blockers: Record<string, number>;
  ions: IonSettings;
  /** The input in force, and the stimulus that sets it (index in scenario.stimuli), if any. */
  input: number;
  stimulus: number | null;
}

type RawPopulation = { name?: unknown; blockers?: unknown; ions?: unknown };

export function benchTargets(summary: ScenarioSummary | null, scenario: Record<string, unknown> | null): BenchTarget[] {
  if (!summary) return [];
  const models = fiPanelModels(summary.populations, scenario);
  const populations = (scenario?.populations as RawPopulation[] | undefined) ?? [];
  const protocols = stepSummaries((scenario?.stimuli as unknown[] | undefined) ?? [], Infinity);
  return summary.populations.map((p, k) => {
    const raw = populations.find((q) => q?.name === p.name);
    const blockers = typeof raw?.blockers === 'object' && raw.blockers !== null ? ({ ...(raw.blockers as Record<string, number>) }) : {};
    const ions = typeof raw?.ions === 'object' && raw.ions !== null ? (structuredClone(raw.ions) as IonSettings) : {};
    const protocol = protocols.find((x) => x.population === p.name);
    return { ...models[k], summary: p, blockers, ions, input: protocol?.amplitude ?? 0, stimulus: protocol?.index ?? null };
  });
}

/** A labelled number field for the bench panels' controls. */
export function numberInput(label: string, value: number, attributes: { min?: number; max?: number; step?: number | 'any'; id: string }): { wrap: HTMLLabelElement; input: HTMLInputElement } {
  const wrap = document.createElement('label');
  wrap.append(`${label} `);
  const input = document.createElement('input');
  input.type = 'number';
  input.id = attributes.id;
  input.value = String(value);
  if (attributes.min !== undefined) input.min = String(attributes.min);
  if (attributes.max !== undefined) input.max = String(attributes.max);
  input.step = String(attributes.step ?? 'any');
  wrap.append(input);
  return { wrap, input };
}

/** Numbers for text: a few significant digits, no "-0". */
export function fmt(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return String(value);
  const text = Math.abs(value) >= 1000 || (Math.abs(value) < 0.01 && value !== 0) ? value.toPrecision(digits) : Number(value.toPrecision(digits)).toString();
  return text === '-0' ? '0' : text;
}

const CSS = `
.bench-panel { display: flex; flex-direction: column; gap: 6px; font-size: 13px; }
.bench-panel h2 { font-size: 15px; margin: 0; }
.bench-panel .bench-controls { display: flex; flex-wrap: wrap; gap: 6px 12px; align-items: center; }
/* At most the panel's width: a select with long names (a network's populations) shrinks instead of pushing past it. */
.bench-panel label { display: inline-flex; align-items: center; gap: 4px; color: #3d3d3d; max-width: 100%; }
.bench-panel input[type='number'] { width: 64px; font: inherit; padding: 2px 4px; border: 1px solid #8a8a8a; border-radius: 4px; font-variant-numeric: tabular-nums; }
.bench-panel input[type='range'] { width: 120px; accent-color: #0072b2; }
.bench-panel select { font: inherit; padding: 2px 4px; }
.bench-panel .bench-plots { display: flex; flex-wrap: wrap; gap: 10px; }
.bench-panel figure { margin: 0; }
.bench-panel .bench-plots > figure { flex: 1 1 300px; min-width: 0; max-width: 560px; }
.bench-panel figcaption { color: #3d3d3d; font-size: 12px; }
.bench-panel .bench-legend { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: 2px 12px; font-size: 12px; }
.bench-panel .bench-legend span { display: inline-block; width: 16px; height: 3px; margin-right: 4px; vertical-align: middle; }
.bench-panel .bench-status { color: #3d3d3d; }
.bench-panel .bench-status.error { color: #7a2e00; }
.bench-panel .bench-note { color: #0b3b5c; max-width: 100ch; }
.bench-panel p, .bench-panel ul { margin: 2px 0; }
.bench-panel .bench-note:empty { display: none; }
.bench-panel details summary { cursor: pointer; }
.bench-panel fieldset { border: 1px solid #ddd; border-radius: 4px; padding: 2px 8px 4px; margin: 0; display: flex; flex-wrap: wrap; gap: 4px 10px; }
.bench-panel legend { color: #3d3d3d; }
.bench-panel [hidden] { display: none !important; }
.bench-panel .bench-table { overflow-x: auto; max-width: 100%; }
.bench-panel table { border-collapse: collapse; font-variant-numeric: tabular-nums; font-size: 12px; }
.bench-panel th, .bench-panel td { text-align: right; padding: 1px 8px 1px 0; border-bottom: 1px solid #eee; white-space: nowrap; }
.bench-panel th { color: #3d3d3d; font-weight: 600; }
`;

/** The bench panels' stylesheet. */
export function addBenchStyle(): void {
  addStyleOnce('bench-panel-style', CSS);
}

