// What the page allows on top of the core's LIMITS: its simulation runs in a worker of a browser tab,
// which a student's laptop shares with everything else it has open. The command line keeps the
// core's 3 GB; the page refuses a network whose peak memory (core/network/memory.ts's estimate,
// the same one the core checks) is over PAGE_LIMITS.maxNetworkBytes, naming the field and the figure.
import type { HostLimits } from './scenario.js';

export const PAGE_LIMITS = {
  /** 1 GB: about twelve times the 100,000-neuron preset (85 MB), a quarter of what a 32-bit WebAssembly memory can address. */
  maxNetworkBytes: 1e9,
  host: 'the page',
} as const satisfies HostLimits;
