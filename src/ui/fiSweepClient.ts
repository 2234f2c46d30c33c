// The f-I panel's end of the sweep worker (workers/sweep.worker.ts, a worker of its own so the
// live simulation runs on): started on first use, asked to describe a model (unit, noise, default
// range), to start a neuron's sweep or a network's transfer function (updates stream back through a
// proxied callback), and to cancel. A worker that dies is forgotten; the next request starts another.
import { proxy, wrap, type Remote } from 'comlink';
import type { DescribeResult, StartResult, SweepApi, SweepPlan, SweepRequest, SweepUpdate, TransferRequest } from '../../workers/sweepApi.js';

export class FiSweepClient {
  private worker: Worker | null = null;
  private api: Remote<SweepApi> | null = null;

  constructor(
    private readonly createWorker: () => Worker,
    /** Told when the worker died or a request to it failed, with why. */
    private readonly onFailed: (why: string) => void,
  ) {}

  private sweepApi(): Remote<SweepApi> {
    if (this.api) return this.api;
    const worker = this.createWorker();
    worker.addEventListener('error', (event) => {
      event.preventDefault();
      if (worker === this.worker) this.failed(event.message || 'it could not run');
    });
    this.worker = worker;
    this.api = wrap<SweepApi>(worker);
    return this.api;
  }

  private failed(err: unknown): void {
    this.destroy();
    this.onFailed(err instanceof Error ? err.message : String(err));
  }

  /** The model's unit, noise and default range; null when the worker failed (onFailed was told). */
  async describe(model: SweepRequest['model'], parameters: Record<string, number>, sigmaMV: number): Promise<DescribeResult | null> {
    try {
      return await this.sweepApi().describe(model, parameters, sigmaMV);
    } catch (err) {
      this.failed(err);
      return null;
    }
  }

  /** Start a neuron's sweep; the plan, or the refusal's message, or null when the worker failed. */
  start(request: SweepRequest, onUpdate: (u: SweepUpdate) => void): Promise<SweepPlan | string | null> {
    return this.started((api) => api.start(request, proxy(onUpdate)));
  }

  /** Start a network's transfer function (one run of the whole network per drive value). */
  startTransfer(request: TransferRequest, onUpdate: (u: SweepUpdate) => void): Promise<SweepPlan | string | null> {
    return this.started((api) => api.startTransfer(request, proxy(onUpdate)));
  }

  private async started(start: (api: Remote<SweepApi>) => Promise<StartResult>): Promise<SweepPlan | string | null> {
    let result: StartResult;
    try {
      result = await start(this.sweepApi());
    } catch (err) {
      this.failed(err);
      return null;
    }
    return result.ok ? result.plan : result.error.message;
  }

  async cancel(): Promise<void> {
    try {
      await this.api?.cancel();
    } catch (err) {
      this.failed(err);
    }
  }

  destroy(): void {
    this.worker?.terminate();
    this.worker = null;
    this.api = null;
  }
}
