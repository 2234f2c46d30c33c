// A stimulus of a whole population as one thread's slice of it takes it, so each neuron of the
// slice gets the very input it gets on one thread:
// - one that depends on the time alone (stimulusPart) is built for the slice's targets only, with
//   their amounts, in their order: the same numbers for the slice's share of the work;
// - one with a random stream (sliceStimulus) is built and run for the whole population, its draws
//   then the same on every thread, and the slice's part taken.
import { createStimulus, type Amount, type CurrentStimulusSpec, type Stimulus } from '../stimulus/stimuli.js';

/** Fields of a stimulus of the time alone that may give one amount per target. */
const PER_TARGET = ['amplitude', 'from', 'to', 'offset'] as const;

/**
 * The part of `spec` (on `targets`, indices in the whole population) that falls on the slice
 * [start, start + size): its targets made local to the slice, per-target amounts kept with them.
 */
export function stimulusPart(spec: CurrentStimulusSpec, targets: Int32Array, start: number, size: number): { spec: CurrentStimulusSpec; targets: Int32Array } {
  const keep: number[] = [];
  for (let k = 0; k < targets.length; k++) if (targets[k] >= start && targets[k] < start + size) keep.push(k);
  const part: Record<string, unknown> = { ...spec };
  for (const field of PER_TARGET) {
    const amount = part[field] as Amount | undefined;
    if (Array.isArray(amount)) part[field] = keep.map((k) => amount[k]);
  }
  return { spec: part as unknown as CurrentStimulusSpec, targets: Int32Array.from(keep, (k) => targets[k] - start) };
}

function sliceStimulus(whole: Stimulus, start: number, size: number, fullSize: number): Stimulus {
  const scratch = new Float64Array(fullSize);
  const end = start + size;
  let whiteNoise: Stimulus['whiteNoise'];
  const noise = whole.whiteNoise;
  if (noise) {
    // Drawn in the kernel from streams per block of neurons (random.ts): the targets in the slice, made local.
    const keep: number[] = [];
    for (let k = 0; k < noise.targets.length; k++) if (noise.targets[k] >= start && noise.targets[k] < end) keep.push(k);
    whiteNoise = {
      targets: Int32Array.from(keep, (k) => noise.targets[k] - start),
      mean: Float64Array.from(keep, (k) => noise.mean[k]),
      sigma: Float64Array.from(keep, (k) => noise.sigma[k]),
      seed: noise.seed,
    };
  }
  return {
    isStatic: whole.isStatic,
    whiteNoise,
    // The slice's values go through the whole stimulus in place, so each sum is made as on one thread.
    add(input: Float64Array, t: number, dt: number): void {
      scratch.set(input, start);
      whole.add(scratch, t, dt);
      input.set(scratch.subarray(start, end));
    },
  };
}

/** `spec` on `targets` of a population of `fullSize`, as its slice [start, start + size) takes it. */
export function stimulusForSlice(spec: CurrentStimulusSpec, targets: Int32Array, seed: number, timeOnly: boolean, start: number, size: number, fullSize: number): Stimulus {
  if (start === 0 && size === fullSize) return createStimulus(spec, targets, seed);
  if (timeOnly) {
    const part = stimulusPart(spec, targets, start, size);
    return createStimulus(part.spec, part.targets, seed);
  }
  return sliceStimulus(createStimulus(spec, targets, seed), start, size, fullSize);
}
