// A stimulus of a whole population applied to one thread's slice of it: the stimulus is built and
// run for the whole population (its random draws, if any, are then the same on every thread) and
// the slice's part taken, so each neuron gets the very input it gets on one thread.
import type { Stimulus } from '../stimulus/stimuli.js';

export function sliceStimulus(whole: Stimulus, start: number, size: number, fullSize: number): Stimulus {
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
