// The ANN playground's end of its worker (workers/ann.worker.ts), started on first use; a worker
// that dies takes the network it held with it (train again).
import { proxy, type Remote } from 'comlink';
import type { AnnApi, AnnUpdate, StartResult } from '../../workers/annApi.js';
import { LazyWorker } from './lazyWorker.js';

const ann = new LazyWorker<AnnApi>(() => new Worker(new URL('../../workers/ann.worker.ts', import.meta.url), { type: 'module' }));

/** Start a job of the worker with a callback for its updates; a failed worker answers as a refusal with field "worker". */
export function startAnn(start: (api: Remote<AnnApi>, onUpdate: (u: AnnUpdate) => void) => Promise<StartResult>, onUpdate: (u: AnnUpdate) => void): Promise<StartResult> {
  return ann.ask((api) => start(api, proxy(onUpdate)));
}

/** Stop what the worker runs (nothing when it never started). */
export async function stopAnn(): Promise<void> {
  if (!ann.started) return;
  try {
    await ann.remote().stop();
  } catch {
    ann.forget();
  }
}
