// What the f-I panel sweeps, from what the page knows: one entry per population of the loaded
// scenario, with the model it runs (the file itself when the scenario carries one inline, since
// an id alone would name a different, built-in model) and the parameter values in force (the
// loaded values with the student's accepted changes on top).
import type { ModelFile } from '../core/model/modelFile.js';
import type { FiPanelModel } from './fiPanel.js';

/** The parts of a population summary this needs (workers/simulationApi.ts PopulationSummary). */
export interface PopulationLike {
  name: string;
  model: string;
  parameters: { name: string; value: number }[];
}

export function fiPanelModels(
  populations: readonly PopulationLike[],
  scenario: unknown,
  chosen: Record<string, Record<string, number>> = {},
): FiPanelModel[] {
  const raw = (scenario as { populations?: { name?: unknown; model?: unknown }[] } | null)?.populations;
  return populations.map((p) => {
    const inline = Array.isArray(raw) ? raw.find((q) => q?.name === p.name)?.model : undefined;
    const model = typeof inline === 'object' && inline !== null ? (inline as ModelFile) : p.model;
    const parameters: Record<string, number> = Object.fromEntries(p.parameters.map((row) => [row.name, row.value]));
    return { population: p.name, model, parameters: { ...parameters, ...(chosen[p.name] ?? {}) } };
  });
}
