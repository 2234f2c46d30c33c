// The model files shipped in models/, found by themselves: every models/*.json is a built-in
// model, named by its file name, so adding a model is adding a file. The files are gathered at
// build time by `import.meta.glob` (Vite for the page and its workers, Vitest for the tests, and
// scripts/importMeta.mjs for the esbuild bundles of the CLI, the benchmark and the figures
// script); each is loaded and validated once, on first use, and cached.
import { InputError } from '../errors.js';
import { loadModel, type LoadedModel } from './loadModel.js';

const FOUND: Record<string, unknown> = import.meta.glob('../../../models/*.json', { eager: true, import: 'default' });

/** Model file contents by id (the file name without .json). */
const FILES: Record<string, unknown> = Object.fromEntries(
  Object.entries(FOUND)
    .map(([path, file]) => [/([^/]+)\.json$/.exec(path)![1], file] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
);
const cache = new Map<string, LoadedModel>();

/** Every built-in model's id, in alphabetical order. */
export const BUILTIN_MODEL_IDS: readonly string[] = Object.freeze(Object.keys(FILES));

export interface BuiltinModelInfo {
  id: string;
  name: string;
  description: string;
}

export function builtinModel(id: string, field = 'model'): LoadedModel {
  if (!Object.prototype.hasOwnProperty.call(FILES, id)) {
    throw new InputError(field, `${JSON.stringify(String(id).slice(0, 40))} is not a known model; choose one of ${BUILTIN_MODEL_IDS.join(', ')}`);
  }
  let model = cache.get(id);
  if (!model) {
    model = loadModel(FILES[id], `models/${id}.json`);
    if (model.id !== id) throw new InputError(`models/${id}.json: id`, `${JSON.stringify(model.id)} must be the file's name, "${id}"`);
    cache.set(id, model);
  }
  return model;
}

/** What a page lists of each built-in model: its id, name and description (each file loaded and checked). */
export function builtinModelInfo(): BuiltinModelInfo[] {
  return BUILTIN_MODEL_IDS.map((id) => {
    const { file } = builtinModel(id);
    return { id, name: file.name, description: file.description };
  });
}
