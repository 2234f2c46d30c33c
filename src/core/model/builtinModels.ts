// The model files shipped in models/, loaded once and cached.
import lif from '../../../models/lif.json';
import hh from '../../../models/hh.json';
import lifExpCurrent from '../../../models/lif_exp_current.json';
import lifExpConductance from '../../../models/lif_exp_conductance.json';
import traubMiles from '../../../models/traub_miles.json';
import izhikevich from '../../../models/izhikevich.json';
import adex from '../../../models/adex.json';
import { InputError } from '../errors.js';
import { loadModel, type LoadedModel } from './loadModel.js';

const FILES: Record<string, unknown> = {
  lif,
  hh,
  lif_exp_current: lifExpCurrent,
  lif_exp_conductance: lifExpConductance,
  traub_miles: traubMiles,
  izhikevich,
  adex,
};
const cache = new Map<string, LoadedModel>();

export const BUILTIN_MODEL_IDS = Object.keys(FILES);

export function builtinModel(id: string, field = 'model'): LoadedModel {
  if (!Object.prototype.hasOwnProperty.call(FILES, id)) {
    throw new InputError(field, `${JSON.stringify(String(id).slice(0, 40))} is not a known model; choose one of ${BUILTIN_MODEL_IDS.join(', ')}`);
  }
  let model = cache.get(id);
  if (!model) {
    model = loadModel(FILES[id], `models/${id}.json`);
    cache.set(id, model);
  }
  return model;
}
