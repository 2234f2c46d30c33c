// A panel's own worker, started on first use so a page that never opens the panel pays nothing.
// A worker that dies is forgotten and the request that met it answers with why, as a refusal with
// field "worker"; the next request starts another. The factory holds the `new Worker(new URL(...))`
// expression, which Vite must see where the worker's file is named.
import { wrap, type Remote } from 'comlink';

export type WorkerRefusal = { ok: false; error: { field: string; message: string } };

export class LazyWorker<Api> {
  private worker: Worker | null = null;
  private api: Remote<Api> | null = null;

  constructor(private readonly start: () => Worker) {}

  /** Whether a worker is running now. */
  get started(): boolean {
    return this.api !== null;
  }

  /** The running worker's API, starting one if none runs. */
  remote(): Remote<Api> {
    if (this.api) return this.api;
    const started = this.start();
    started.addEventListener('error', (event) => {
      event.preventDefault();
      if (started === this.worker) this.forget();
    });
    this.worker = started;
    this.api = wrap<Api>(started);
    return this.api;
  }

  forget(): void {
    this.worker?.terminate();
    this.worker = null;
    this.api = null;
  }

  /** Call the worker; a worker that fails answers as a refusal naming the field "worker". */
  async ask<T>(call: (api: Remote<Api>) => Promise<T>): Promise<T | WorkerRefusal> {
    try {
      return await call(this.remote());
    } catch (err) {
      this.forget();
      return { ok: false, error: { field: 'worker', message: err instanceof Error ? err.message : String(err) } };
    }
  }
}
