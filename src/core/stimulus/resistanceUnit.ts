// The unit of a clamp's series resistance: the membrane unit per input unit, by its usual name
// where there is one. Apart from clamp.ts so the page can label its field without the clamp's code.
const NAMED_PER_MV: Record<string, string> = { nA: 'MOhm', pA: 'GOhm', uA: 'kOhm', 'uA/cm2': 'kOhm cm2', 'mA/cm2': 'Ohm cm2' };

export function resistanceUnitOf(membraneUnit: string, inputUnit: string): string {
  if (membraneUnit === 'mV' && NAMED_PER_MV[inputUnit]) return NAMED_PER_MV[inputUnit];
  return `${membraneUnit || '1'}/(${inputUnit})`;
}
