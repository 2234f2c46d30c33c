// The protocols of input a scenario puts under the student's hand, read from its stimulus list
// alone (no model, no parser): the worker's summary, the page's controls, the lessons and the
// bench panels all find "the input" of a population here.

/**
 * A protocol of input the page puts under the student's hand: a step, a held (constant) input, a
 * pulse train (a pair, say) or a ramp, with one amplitude (a ramp's end value) in the model's
 * input unit. The page offers its amplitude and timing as controls.
 */
export interface StepSummary {
  /** Index in scenario.stimuli. */
  index: number;
  type: 'step' | 'constant' | 'pulses' | 'ramp';
  population: string;
  startMs: number;
  /** Where it stops (a pulse train: after its last pulse); Infinity for a held input. */
  stopMs: number;
  amplitude: number;
  /** A pulse train's pulse width and the gap between pulses. */
  widthMs: number | null;
  gapMs: number | null;
  count: number | null;
  neurons: number[] | null;
}

/** The step stimuli (with one amplitude for all their targets) of a scenario's stimulus list. */
export function stepSummaries(stimuli: readonly unknown[], durationMs: number): StepSummary[] {
  const steps: StepSummary[] = [];
  stimuli.forEach((s, index) => {
    const spec = s as { type: string; population: string; amplitude?: unknown; to?: unknown; startMs?: number; stopMs?: number; widthMs?: number; periodMs?: number; count?: number; targets?: unknown };
    const amplitude = spec.type === 'ramp' ? spec.to : spec.amplitude;
    if (!['step', 'constant', 'pulses', 'ramp'].includes(spec.type) || typeof amplitude !== 'number') return;
    const startMs = spec.startMs ?? 0;
    const pulses = spec.type === 'pulses';
    const lastPulse = pulses && spec.count !== undefined ? startMs + (spec.count - 1) * (spec.periodMs ?? 0) + (spec.widthMs ?? 0) : Infinity;
    steps.push({
      index,
      type: spec.type as StepSummary['type'],
      population: spec.population,
      startMs,
      stopMs: Math.min(spec.stopMs ?? (spec.type === 'step' || spec.type === 'ramp' ? durationMs : Infinity), lastPulse),
      amplitude,
      widthMs: pulses ? (spec.widthMs ?? null) : null,
      gapMs: pulses && spec.periodMs !== undefined && spec.widthMs !== undefined ? spec.periodMs - spec.widthMs : null,
      count: pulses ? (spec.count ?? null) : null,
      neurons: Array.isArray(spec.targets) ? [...(spec.targets as number[])] : null,
    });
  });
  return steps;
}
