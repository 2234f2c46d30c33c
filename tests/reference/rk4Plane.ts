// Classic RK4 of a two-variable system typed out in a reference test, at a fixed small step: v
// sampled every `everyMs`, and the upward crossings of v = `threshold`, linearly interpolated in
// the step. The independent solution the FitzHugh-Nagumo and Morris-Lecar tests compare against.
export type PlaneRhs = (t: number, v: number, w: number) => [number, number];

export function rk4Plane(f: PlaneRhs, start: [number, number], threshold: number, h: number, durationMs: number, everyMs: number): { samples: number[]; spikes: number[] } {
  let [v, w] = start;
  const steps = Math.round(durationMs / h);
  const every = Math.round(everyMs / h);
  const samples: number[] = [v];
  const spikes: number[] = [];
  for (let k = 0; k < steps; k++) {
    const t = k * h;
    const [k1v, k1w] = f(t, v, w);
    const [k2v, k2w] = f(t + h / 2, v + (h / 2) * k1v, w + (h / 2) * k1w);
    const [k3v, k3w] = f(t + h / 2, v + (h / 2) * k2v, w + (h / 2) * k2w);
    const [k4v, k4w] = f(t + h, v + h * k3v, w + h * k3w);
    const vNext = v + (h / 6) * (k1v + 2 * k2v + 2 * k3v + k4v);
    w += (h / 6) * (k1w + 2 * k2w + 2 * k3w + k4w);
    if (v < threshold && vNext >= threshold) spikes.push(t + (h * (threshold - v)) / (vNext - v));
    v = vNext;
    if ((k + 1) % every === 0) samples.push(v);
  }
  return { samples, spikes };
}
