// The clamp and phase-plane panels' end of the bench worker (workers/bench.worker.ts): one worker
// for the page, started on first use, shared by both panels.
import type { Remote } from 'comlink';
import type { BenchApi, BenchResult } from '../../workers/benchApi.js';
import { LazyWorker } from './lazyWorker.js';

const bench = new LazyWorker<BenchApi>(() => new Worker(new URL('../../workers/bench.worker.ts', import.meta.url), { type: 'module' }));

/** Ask the bench worker; a failed worker answers as a refusal with field "worker". */
export function askBench<T>(ask: (api: Remote<BenchApi>) => Promise<BenchResult<T>>): Promise<BenchResult<T>> {
  return bench.ask(ask);
}
