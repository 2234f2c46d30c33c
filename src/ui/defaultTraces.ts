// A scenario that records no traces (a network preset, say) gets its populations' first neurons
// traced, so the page can show a few membranes beside the raster. The variable traced is the one
// each population's model file declares as its membrane potential (`membrane.variable`); a
// population whose model declares none is left out.
import { builtinFile as shippedFile } from '../core/model/builtinFiles.js';
import type { ModelFile } from '../core/model/modelFile.js';

interface ScenarioShape {
  populations: { name: string; model: unknown }[];
  record?: { traces?: unknown[] };
}

/** The membrane variable a population's model declares: an inline model file, or a built-in model by id. */
export function membraneVariable(model: unknown, builtin: (id: string) => Pick<ModelFile, 'membrane'> | undefined = builtinFile): string | null {
  const file = typeof model === 'string' ? builtin(model) : (model as Pick<ModelFile, 'membrane'> | null);
  const variable = file && typeof file === 'object' ? file.membrane?.variable : undefined;
  return typeof variable === 'string' ? variable : null;
}

/** The shipped file as data (read before the worker validates it; an unknown id is its to name). */
function builtinFile(id: string): Pick<ModelFile, 'membrane'> | undefined {
  const file = shippedFile(id);
  return file && typeof file === 'object' ? (file as Pick<ModelFile, 'membrane'>) : undefined;
}

/** The scenario with membrane traces added when it records none (changed in place and returned). */
export function withMembraneTraces(raw: unknown, builtin?: (id: string) => Pick<ModelFile, 'membrane'> | undefined): unknown {
  const s = raw as ScenarioShape | null;
  if (!s || typeof s !== 'object' || !Array.isArray(s.populations)) return raw;
  if (s.record !== undefined && (typeof s.record !== 'object' || s.record === null)) return raw;
  if ((s.record?.traces?.length ?? 0) > 0) return raw;
  const traces = s.populations.flatMap((p) => {
    const variable = p && typeof p === 'object' ? membraneVariable(p.model, builtin) : null;
    return variable ? [{ population: p.name, variable, neurons: [0] }] : [];
  });
  if (traces.length > 0) (s.record ??= {}).traces = traces;
  return raw;
}
