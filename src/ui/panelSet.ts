// The page's panels as the shell holds them: mounted in page order into their regions (those the
// registry lists with `load` come after the first frame, as chunks of their own), told of every
// loaded scenario and every frame, and handed the frames of the current run they missed when they
// mount late (export writes every spike of the run).
import type { ScenarioSummary } from '../../workers/simulationApi.js';
import type { Frame } from '../core/simulation.js';
import { PANELS } from './panels.js';
import type { FrameInfo, Panel, PanelHooks, Region } from './panel.js';

export class PanelSet {
  readonly panels: Panel[] = [];
  /** Hosts of the panels mounted later, in page order. */
  private later: { host: HTMLElement; load: () => Promise<() => Panel> }[] = [];
  /** Frames of the current run drawn before the later panels mounted; no longer kept once they have. */
  private early: { frame: Frame; info: FrameInfo }[] | null = [];
  private current: { summary: ScenarioSummary; run: number } | null = null;

  constructor(
    private readonly regions: Record<Region, HTMLElement>,
    private readonly hooks: PanelHooks,
  ) {}

  /** Mount the panels made at once into their regions, in order; keep a place for the later ones. */
  async mount(): Promise<void> {
    for (const entry of PANELS) {
      const host = document.createElement('div');
      this.regions[entry.region].append(host);
      if ('load' in entry) {
        this.later.push({ host, load: entry.load });
        continue;
      }
      const panel = entry.create();
      await panel.mount(host, this.hooks);
      this.panels.push(panel);
    }
  }

  /** Mount the later panels (after the first frame is drawn), tell them what is loaded and what they missed. */
  async mountLater(): Promise<void> {
    const later = this.later;
    this.later = [];
    const made = await Promise.all(later.map((entry) => entry.load()));
    const panels: Panel[] = [];
    for (const [k, create] of made.entries()) {
      const panel = create();
      await panel.mount(later[k].host, this.hooks);
      panels.push(panel);
    }
    this.panels.push(...panels);
    const early = this.early ?? [];
    this.early = null;
    const current = this.current;
    if (!current) return;
    for (const panel of panels) {
      panel.loaded?.(current.summary, current.run);
      for (const { frame, info } of early) if (info.run === current.run) panel.frame?.(frame, info);
    }
  }

  /** A new run (a load or a reset): every panel starts its displays again. */
  loaded(summary: ScenarioSummary, run: number): void {
    this.current = { summary, run };
    if (this.early) this.early = [];
    for (const panel of this.panels) panel.loaded?.(summary, run);
  }

  frame(frame: Frame, info: FrameInfo): void {
    for (const panel of this.panels) panel.frame?.(frame, info);
    this.early?.push({ frame, info });
  }
}
