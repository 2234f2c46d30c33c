// What the f-I panel sweeps, from what the page knows: one entry per population of the loaded
// scenario, with the model it runs (any model: a built-in id, or the file itself when the scenario
// carries one inline, since an id alone would name a different, built-in model) and the parameter
// values in force (the loaded values, with the parameters of the worker's snapshot of the scenario,
// where the student's accepted changes are written, on top).
import type { ModelFile } from '../core/model/modelFile.js';

/** One model the panel can sweep: a population of the page's scenario, with its parameters in force. */
export interface FiPanelModel {
  /** The population's name, shown when there are several. */
  population: string;
  /** A model id of models/ or a whole model file. */
  model: string | ModelFile;
  /** Parameter values in force (the page's current ones). */
  parameters: Record<string, number>;
}

/** The parts of a population summary this needs (workers/simulationApi.ts PopulationSummary). */
export interface PopulationLike {
  name: string;
  model: string;
  parameters: { name: string; value: number }[];
}

export function fiPanelModels(populations: readonly PopulationLike[], scenario: unknown): FiPanelModel[] {
  const raw = (scenario as { populations?: { name?: unknown; model?: unknown; parameters?: unknown }[] } | null)?.populations;
  return populations.map((p) => {
    const spec = Array.isArray(raw) ? raw.find((q) => q?.name === p.name) : undefined;
    const inline = spec?.model;
    const model = typeof inline === 'object' && inline !== null ? (inline as ModelFile) : p.model;
    const parameters: Record<string, number> = Object.fromEntries(p.parameters.map((row) => [row.name, row.value]));
    const edited = spec?.parameters;
    if (typeof edited === 'object' && edited !== null) {
      for (const [name, value] of Object.entries(edited)) if (typeof value === 'number' && name in parameters) parameters[name] = value;
    }
    return { population: p.name, model, parameters };
  });
}
