// The simulation worker, started before the rest of the page's script runs, so it fetches and
// compiles its bundle (the equation parser and the simulator) while the page's modules load and
// its panels mount, not after. The built page starts it from a line in the document's head (the
// workerFromHead plugin in vite.config.ts), before its script has even arrived; elsewhere (the
// dev server) main.ts imports this module first and it starts one here.

// The page's modules begin to evaluate (this module is the first): a mark the start-up test reads.
performance.mark('spikebridge:modules');

function startWorker(): Worker {
  return new Worker(new URL('../../workers/simulation.worker.ts', import.meta.url), { type: 'module' });
}

const fromHead = (globalThis as { spikebridgeWorker?: unknown }).spikebridgeWorker;
let early: Worker | null = typeof Worker === 'undefined' ? null : fromHead instanceof Worker ? fromHead : startWorker();

/** The worker started early the first time, a new one after (a restart after a crash). */
export function simulationWorker(): Worker {
  const worker = early ?? startWorker();
  early = null;
  return worker;
}
