// Ion concentrations and the reversal potentials they set. A model file may say which reversal
// belongs to which ion, with default concentrations (mM) and, for the Goldman-Hodgkin-Katz resting
// potential, relative permeabilities and where they come from:
//
//   "ions": {
//     "temperature": "celsius",                       a parameter in degC, or a number
//     "permeabilities": "Hodgkin and Katz (1949) ...", the source of the declared permeabilities
//     "species": { "K": { "reversal": "E_K", "charge": 1, "inside": 400, "outside": 20, "permeability": 1 }, ... }
//   }
//
// A population sets concentrations with `ions: { K: { outside: 10 } }`: each ion listed there gets
// its reversal from the Nernst equation at the model's temperature (the file's concentration for
// the side not given); an ion not listed keeps its reversal parameter as set. So a scenario without
// `ions` runs the model exactly as its parameters say. The GHK potential is an extra: reported, not
// used by the dynamics.
import { InputError, describeValue } from '../errors.js';
import type { LoadedModel } from './loadModel.js';

/** Gas constant (J / (mol K)) and Faraday's constant (C / mol), CODATA 2018 exact values. */
export const GAS_CONSTANT = 8.314462618;
export const FARADAY = 96485.33212;
export const ZERO_CELSIUS_K = 273.15;

/** Nernst potential in mV: (R T / z F) ln(outside / inside), T in degC, concentrations in any one unit. */
export function nernstMV(charge: number, insideMM: number, outsideMM: number, celsius: number): number {
  return ((1000 * GAS_CONSTANT * (celsius + ZERO_CELSIUS_K)) / (charge * FARADAY)) * Math.log(outsideMM / insideMM);
}

export interface IonDeclaration {
  ion: string;
  /** The reversal potential parameter this ion sets, or null (an ion only in the GHK sum). */
  reversal: string | null;
  charge: number;
  insideMM: number;
  outsideMM: number;
  /** Relative permeability for the GHK resting potential, or null where the file gives none. */
  permeability: number | null;
  meaning: string;
}

export interface ModelIons {
  /** The temperature parameter's index, or a fixed temperature in degC. */
  temperature: { parameter: string; index: number } | { celsius: number };
  species: IonDeclaration[];
  /** Where the permeabilities come from, as the file says. */
  permeabilitySource: string;
}

/** Concentrations a population sets, by ion: the side not given keeps the file's value. */
export type IonSettings = Record<string, { insideMM?: number; outsideMM?: number }>;

export const CONCENTRATION_LIMITS_MM = [1e-6, 1e4] as const;

const cache = new WeakMap<LoadedModel, ModelIons | null>();

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** The model's declared ions, or null when it declares none; a bad declaration is refused naming its place. */
export function modelIons(model: LoadedModel): ModelIons | null {
  if (cache.has(model)) return cache.get(model)!;
  const raw = (model.file as unknown as { ions?: unknown }).ions;
  const at = (path: string) => `${model.source}: ions${path}`;
  let out: ModelIons | null = null;
  if (raw !== undefined) {
    if (!isObject(raw)) throw new InputError(at(''), `must be an object { temperature, permeabilities, species }, got ${describeValue(raw)}`);
    for (const key of Object.keys(raw)) if (!['temperature', 'permeabilities', 'species'].includes(key)) throw new InputError(at(`.${key}`), 'is not a known field (allowed: temperature, permeabilities, species)');
    let temperature: ModelIons['temperature'];
    if (typeof raw.temperature === 'string' && model.parameterNames.includes(raw.temperature)) {
      temperature = { parameter: raw.temperature, index: model.parameterNames.indexOf(raw.temperature) };
    } else if (typeof raw.temperature === 'number' && Number.isFinite(raw.temperature) && raw.temperature > -ZERO_CELSIUS_K) {
      temperature = { celsius: raw.temperature };
    } else throw new InputError(at('.temperature'), `must be a parameter of ${model.id} in degC or a temperature in degC, got ${describeValue(raw.temperature)}`);
    if (!isObject(raw.species) || Object.keys(raw.species).length === 0) throw new InputError(at('.species'), 'must declare at least one ion { reversal, charge, inside, outside }');
    const reversals = new Set<string>();
    const species = Object.entries(raw.species).map(([ion, spec]): IonDeclaration => {
      const f = (key: string) => at(`.species.${ion}${key}`);
      if (!/^[A-Z][A-Za-z0-9]{0,7}$/.test(ion)) throw new InputError(f(''), 'an ion is named by its symbol (K, Na, Ca, Cl)');
      if (!isObject(spec)) throw new InputError(f(''), `must be an object { reversal, charge, inside, outside, permeability }, got ${describeValue(spec)}`);
      let reversal: string | null = null;
      if (spec.reversal !== undefined) {
        if (typeof spec.reversal !== 'string' || !model.parameterNames.includes(spec.reversal)) throw new InputError(f('.reversal'), `${describeValue(spec.reversal)} is not a parameter of ${model.id}`);
        if (model.file.parameters[spec.reversal].unit !== 'mV') throw new InputError(f('.reversal'), `${spec.reversal} is in ${model.file.parameters[spec.reversal].unit}; a reversal potential set by the Nernst equation is in mV`);
        if (reversals.has(spec.reversal)) throw new InputError(f('.reversal'), `${spec.reversal} belongs to another ion already`);
        reversals.add(spec.reversal);
        reversal = spec.reversal;
      }
      if (typeof spec.charge !== 'number' || !Number.isInteger(spec.charge) || spec.charge === 0 || Math.abs(spec.charge) > 3) throw new InputError(f('.charge'), `must be the ion's valence, a whole number from -3 to 3 other than 0, got ${describeValue(spec.charge)}`);
      for (const side of ['inside', 'outside'] as const) {
        const c = spec[side];
        if (typeof c !== 'number' || !(c >= CONCENTRATION_LIMITS_MM[0] && c <= CONCENTRATION_LIMITS_MM[1])) throw new InputError(f(`.${side}`), `must be a concentration in mM in [${CONCENTRATION_LIMITS_MM.join(', ')}], got ${describeValue(c)}`);
      }
      let permeability: number | null = null;
      if (spec.permeability !== undefined) {
        if (typeof spec.permeability !== 'number' || !(spec.permeability >= 0 && spec.permeability <= 1e6)) throw new InputError(f('.permeability'), `must be a relative permeability >= 0, got ${describeValue(spec.permeability)}`);
        permeability = spec.permeability;
      }
      if (spec.meaning !== undefined && (typeof spec.meaning !== 'string' || spec.meaning.length > 400)) throw new InputError(f('.meaning'), 'must be a string of at most 400 characters');
      return { ion, reversal, charge: spec.charge, insideMM: spec.inside as number, outsideMM: spec.outside as number, permeability, meaning: (spec.meaning as string | undefined) ?? '' };
    });
    if (raw.permeabilities !== undefined && (typeof raw.permeabilities !== 'string' || raw.permeabilities.length > 400)) throw new InputError(at('.permeabilities'), 'must say in at most 400 characters where the permeabilities come from');
    out = { temperature, species, permeabilitySource: (raw.permeabilities as string | undefined) ?? '' };
  }
  cache.set(model, out);
  return out;
}

/** A population's `ions` ({ K: { outsideMM: 10 } }) checked against the model's declared ions. */
export function resolveIons(model: LoadedModel, raw: unknown, field: string): IonSettings {
  if (raw === undefined) return {};
  const ions = modelIons(model);
  if (!ions) throw new InputError(field, `model ${model.id} declares no ions (its file's "ions"), so concentrations cannot set its reversal potentials`);
  if (!isObject(raw)) throw new InputError(field, `must be an object { ION: { insideMM, outsideMM } }, got ${describeValue(raw)}`);
  const out: IonSettings = {};
  for (const [ion, settings] of Object.entries(raw)) {
    const f = `${field}.${ion}`;
    if (!ions.species.some((s) => s.ion === ion)) throw new InputError(f, `${JSON.stringify(ion.slice(0, 40))} is not an ion of ${model.id} (its ions: ${ions.species.map((s) => s.ion).join(', ')})`);
    if (!isObject(settings)) throw new InputError(f, `must be an object { insideMM, outsideMM } (either may be left out), got ${describeValue(settings)}`);
    const entry: { insideMM?: number; outsideMM?: number } = {};
    for (const [key, value] of Object.entries(settings)) {
      if (key !== 'insideMM' && key !== 'outsideMM') throw new InputError(`${f}.${key}`, 'is not a known field (allowed: insideMM, outsideMM)');
      if (typeof value !== 'number' || !Number.isFinite(value) || value < CONCENTRATION_LIMITS_MM[0] || value > CONCENTRATION_LIMITS_MM[1]) {
        throw new InputError(`${f}.${key}`, `must be a concentration in [${CONCENTRATION_LIMITS_MM.join(', ')}] mM, got ${describeValue(value)}`);
      }
      entry[key] = value;
    }
    out[ion] = entry;
  }
  return out;
}

/** The temperature in degC with these parameters. */
export function temperatureC(ions: ModelIons, parameters: ArrayLike<number>): number {
  return 'celsius' in ions.temperature ? ions.temperature.celsius : parameters[ions.temperature.index];
}

/** One ion as a population has it: concentrations, the Nernst potential, and whether it sets the reversal parameter. */
export interface IonState {
  ion: string;
  charge: number;
  insideMM: number;
  outsideMM: number;
  nernstMV: number;
  reversal: string | null;
  /** Whether the population's `ions` lists it, so its reversal parameter is the Nernst potential. */
  setsReversal: boolean;
  permeability: number | null;
}

export function ionStates(model: LoadedModel, parameters: ArrayLike<number>, settings: IonSettings): IonState[] {
  const ions = modelIons(model);
  if (!ions) return [];
  const celsius = temperatureC(ions, parameters);
  return ions.species.map((s) => {
    const set = settings[s.ion];
    const insideMM = set?.insideMM ?? s.insideMM;
    const outsideMM = set?.outsideMM ?? s.outsideMM;
    return { ion: s.ion, charge: s.charge, insideMM, outsideMM, nernstMV: nernstMV(s.charge, insideMM, outsideMM, celsius), reversal: s.reversal, setsReversal: set !== undefined && s.reversal !== null, permeability: s.permeability };
  });
}

/**
 * `parameters` with the reversal of each ion the population lists set to its Nernst potential, in
 * place; a potential outside the reversal parameter's range is refused naming the concentration.
 */
export function applyIons(model: LoadedModel, parameters: Float64Array, settings: IonSettings, field: string): Float64Array {
  for (const state of ionStates(model, parameters, settings)) {
    if (!state.setsReversal || state.reversal === null) continue;
    const spec = model.file.parameters[state.reversal];
    if (!(state.nernstMV >= spec.min && state.nernstMV <= spec.max)) {
      const given = settings[state.ion];
      const side = given.outsideMM !== undefined ? 'outsideMM' : 'insideMM';
      throw new InputError(`${field}.${state.ion}.${side}`, `[${state.ion}] ${state.insideMM} mM inside and ${state.outsideMM} mM outside give ${state.reversal} = ${state.nernstMV.toFixed(2)} mV, outside its range [${spec.min}, ${spec.max}] mV`);
    }
    parameters[model.parameterNames.indexOf(state.reversal)] = state.nernstMV;
  }
  return parameters;
}

/**
 * The Goldman-Hodgkin-Katz resting potential in mV from the monovalent ions with a declared
 * permeability: (RT/F) ln((sum P c_out over cations + sum P c_in over anions) / (sum P c_in over
 * cations + sum P c_out over anions)). Null, with the reason, when the file declares no
 * permeabilities. Ions of valence other than +-1 are left out (this form of the equation holds for
 * monovalent ions only) and listed.
 */
export function ghkRestMV(model: LoadedModel, parameters: ArrayLike<number>, settings: IonSettings): { restMV: number; ions: string[]; leftOut: string[]; source: string } | { restMV: null; reason: string } {
  const ions = modelIons(model);
  if (!ions) return { restMV: null, reason: `model ${model.id} declares no ions` };
  const states = ionStates(model, parameters, settings);
  const used = states.filter((s) => s.permeability !== null && s.permeability > 0 && Math.abs(s.charge) === 1);
  const leftOut = states.filter((s) => s.permeability !== null && s.permeability > 0 && Math.abs(s.charge) !== 1).map((s) => s.ion);
  if (used.length === 0) return { restMV: null, reason: `model ${model.id} declares no permeability for a monovalent ion` };
  let up = 0;
  let down = 0;
  for (const s of used) {
    const p = s.permeability!;
    if (s.charge > 0) {
      up += p * s.outsideMM;
      down += p * s.insideMM;
    } else {
      up += p * s.insideMM;
      down += p * s.outsideMM;
    }
  }
  const celsius = temperatureC(ions, parameters);
  return { restMV: ((1000 * GAS_CONSTANT * (celsius + ZERO_CELSIUS_K)) / FARADAY) * Math.log(up / down), ions: used.map((s) => s.ion), leftOut, source: ions.permeabilitySource };
}
