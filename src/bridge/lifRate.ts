// Analytic firing rate of the noiseless LIF neuron (constant input from reset).

export interface LifParameters {
  E_L: number;
  V_th: number;
  V_reset?: number;
  tau_m: number;
  R: number;
  t_ref: number;
}

/**
 * 1 / (t_ref + tau_m ln((R I + E_L - V_reset) / (R I + E_L - V_th))), 0 at and below the
 * rheobase (V_th - E_L) / R. Current in nA, R in MOhm, times in ms; returns Hz.
 */
export function lifRateHz(currentNA: number, p: LifParameters): number {
  const reset = p.V_reset ?? p.E_L;
  const drive = p.R * currentNA + p.E_L; // steady-state potential, mV
  if (drive <= p.V_th) return 0;
  const isiMs = p.t_ref + p.tau_m * Math.log((drive - reset) / (drive - p.V_th));
  return 1000 / isiMs;
}
