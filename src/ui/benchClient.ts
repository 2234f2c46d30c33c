// The clamp and phase-plane panels' end of the bench worker (workers/bench.worker.ts): one worker
// for the page, started on first use, shared by both panels. A worker that dies is forgotten and the
// request answers with why; the next request starts another.
import { wrap, type Remote } from 'comlink';
import type { BenchApi, BenchResult } from '../../workers/benchApi.js';

let worker: Worker | null = null;
let api: Remote<BenchApi> | null = null;

function bench(): Remote<BenchApi> {
  if (api) return api;
  const started = new Worker(new URL('../../workers/bench.worker.ts', import.meta.url), { type: 'module' });
  started.addEventListener('error', (event) => {
    event.preventDefault();
    if (started === worker) forget();
  });
  worker = started;
  api = wrap<BenchApi>(started);
  return api;
}

function forget(): void {
  worker?.terminate();
  worker = null;
  api = null;
}

/** Ask the bench worker; a failed worker answers as a refusal with field "worker". */
export async function askBench<T>(ask: (api: Remote<BenchApi>) => Promise<BenchResult<T>>): Promise<BenchResult<T>> {
  try {
    return await ask(bench());
  } catch (err) {
    forget();
    return { ok: false, error: { field: 'worker', message: err instanceof Error ? err.message : String(err) } };
  }
}
