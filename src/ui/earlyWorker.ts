// The simulation worker, started before the rest of the page's script runs: main.ts imports this
// module first, so the worker fetches and compiles its bundle (the equation parser and the
// simulator) while the page's modules evaluate and its panels mount, not after.

// The page's modules begin to evaluate (this module is the first): a mark the start-up test reads.
performance.mark('spikebridge:modules');

function startWorker(): Worker {
  return new Worker(new URL('../../workers/simulation.worker.ts', import.meta.url), { type: 'module' });
}

let early: Worker | null = typeof Worker === 'undefined' ? null : startWorker();

/** The worker started early the first time, a new one after (a restart after a crash). */
export function simulationWorker(): Worker {
  const worker = early ?? startWorker();
  early = null;
  return worker;
}
