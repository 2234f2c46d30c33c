// The parameters a population runs with: the values it was given (defaults, regime, overrides),
// then the reversal potentials its ion concentrations set (ions.ts), then its blocked conductances
// scaled down (blockers.ts). The given values are kept apart so a later change of any of the three
// is applied to them afresh, never to an already blocked or Nernst-set value.
import type { LoadedModel } from './loadModel.js';
import { applyBlockers } from './blockers.js';
import { applyIons, type IonSettings } from './ions.js';

export interface ParameterModifiers {
  /** Fraction blocked by conductance parameter. */
  blockers: Record<string, number>;
  /** Concentrations by ion; each listed ion sets its reversal parameter. */
  ions: IonSettings;
}

/** `given` with ions and blockers applied (a new array). `field` names the population's `ions` in messages. */
export function effectiveParameters(model: LoadedModel, given: Float64Array, modifiers: ParameterModifiers, field: string): Float64Array {
  const out = Float64Array.from(given);
  applyIons(model, out, modifiers.ions, field);
  applyBlockers(model, out, modifiers.blockers);
  return out;
}

/** Which parameters the modifiers set, and by what: the page greys out their controls. */
export function modifiedParameters(model: LoadedModel, modifiers: ParameterModifiers): Map<string, 'blocker' | 'ions'> {
  const out = new Map<string, 'blocker' | 'ions'>();
  for (const [parameter, fraction] of Object.entries(modifiers.blockers)) if (fraction > 0) out.set(parameter, 'blocker');
  const declared = (model.file as unknown as { ions?: { species?: Record<string, { reversal?: string }> } }).ions?.species ?? {};
  for (const ion of Object.keys(modifiers.ions)) {
    const reversal = declared[ion]?.reversal;
    if (reversal) out.set(reversal, 'ions');
  }
  return out;
}
