// The built-in models (models/*.json, gathered by builtinFiles.ts), each loaded and validated once,
// on first use, and cached.
import { InputError } from '../errors.js';
import { loadModel, type LoadedModel } from './loadModel.js';
import { BUILTIN_MODEL_IDS, builtinFile } from './builtinFiles.js';
import { SPIKE_SOURCE_MODEL, spikeSourceModel } from '../network/spikeSource.js';

export { BUILTIN_MODEL_IDS, builtinModelInfo, type BuiltinModelInfo } from './builtinFiles.js';

const cache = new Map<string, LoadedModel>();

export function builtinModel(id: string, field = 'model'): LoadedModel {
  // A spike source's model is built in code, not listed among the neuron models a user chooses.
  if (id === SPIKE_SOURCE_MODEL) return spikeSourceModel();
  const file = builtinFile(id);
  if (file === undefined) {
    throw new InputError(field, `${JSON.stringify(String(id).slice(0, 40))} is not a known model; choose one of ${BUILTIN_MODEL_IDS.join(', ')}`);
  }
  let model = cache.get(id);
  if (!model) {
    model = loadModel(file, `models/${id}.json`);
    if (model.id !== id) throw new InputError(`models/${id}.json: id`, `${JSON.stringify(model.id)} must be the file's name, "${id}"`);
    cache.set(id, model);
  }
  return model;
}
