// The ANN playground's end of its worker (workers/ann.worker.ts): started on first use, so a page
// that never trains pays nothing. A worker that dies is forgotten and the request answers with why;
// the next request starts another (the network it held is gone: train again).
import { proxy, wrap, type Remote } from 'comlink';
import type { AnnApi, AnnUpdate, StartResult } from '../../workers/annApi.js';

let worker: Worker | null = null;
let api: Remote<AnnApi> | null = null;

function annWorker(): Remote<AnnApi> {
  if (api) return api;
  const started = new Worker(new URL('../../workers/ann.worker.ts', import.meta.url), { type: 'module' });
  started.addEventListener('error', (event) => {
    event.preventDefault();
    if (started === worker) forget();
  });
  worker = started;
  api = wrap<AnnApi>(started);
  return api;
}

function forget(): void {
  worker?.terminate();
  worker = null;
  api = null;
}

/** Start a job of the worker with a callback for its updates; a failed worker answers as a refusal with field "worker". */
export async function startAnn(start: (api: Remote<AnnApi>, onUpdate: (u: AnnUpdate) => void) => Promise<StartResult>, onUpdate: (u: AnnUpdate) => void): Promise<StartResult> {
  try {
    return await start(annWorker(), proxy(onUpdate));
  } catch (err) {
    forget();
    return { ok: false, error: { field: 'worker', message: err instanceof Error ? err.message : String(err) } };
  }
}

/** Stop what the worker runs (nothing when it never started). */
export async function stopAnn(): Promise<void> {
  if (!api) return;
  try {
    await api.stop();
  } catch {
    forget();
  }
}
