// The transport's controls: play/pause, step, reset, the speed and "run without end", and the
// keyboard shortcuts (space, right arrow, r), wired to the page shell (main.ts) and to the view
// settings a link carries. The shortcuts act only where the focus does not read keys itself.
import type { ViewSettings } from './panel.js';
import { speedLabel } from './shareLink.js';
import { typingInto } from './dom.js';

/** Speeds offered: simulated ms per wall-clock ms; null is "as fast as the worker can go". */
const SPEEDS: { label: string; value: number | null }[] = [0.1, 0.25, 0.5, 1, 2, 5, 10]
  .map((value) => ({ label: `${value}× real time`, value: value as number | null }))
  .concat([{ label: 'as fast as possible', value: null }]);
/** What the transport drives: the page shell. */
export interface TransportTarget {
  view: ViewSettings;
  toggle(): void;
  step(): Promise<void>;
  reset(): Promise<void>;
  setSpeed(speed: number | null): Promise<void>;
  setFreeRun(on: boolean): Promise<void>;
  setStatsWindow(ms: number): Promise<void>;
}

export interface TransportElements {
  speed: HTMLSelectElement;
  freeRun: HTMLInputElement;
  playPause: HTMLButtonElement;
  step: HTMLButtonElement;
  reset: HTMLButtonElement;
}

export function wireTransport(page: TransportTarget, ui: TransportElements): void {
  for (const { label, value } of SPEEDS) ui.speed.append(new Option(label, value === null ? 'max' : String(value)));
  const showSpeed = (speed: number | null) => {
    const value = speed === null ? 'max' : String(speed);
    if (![...ui.speed.options].some((o) => o.value === value)) ui.speed.append(new Option(speedLabel(speed), value));
    ui.speed.value = value;
  };
  showSpeed(page.view.get().speed);
  ui.speed.addEventListener('change', () => page.view.set({ speed: ui.speed.value === 'max' ? null : Number(ui.speed.value) }));
  page.view.subscribe((view, changed) => {
    if (!changed.includes('speed')) return;
    showSpeed(view.speed);
    void page.setSpeed(view.speed);
  });
  ui.freeRun.checked = page.view.get().freeRun;
  ui.freeRun.addEventListener('change', () => page.view.set({ freeRun: ui.freeRun.checked }));
  page.view.subscribe((view, changed) => {
    if (changed.includes('freeRun')) {
      ui.freeRun.checked = view.freeRun;
      void page.setFreeRun(view.freeRun);
    }
    if (changed.includes('rasterWindowMs')) void page.setStatsWindow(view.rasterWindowMs);
  });
  ui.playPause.addEventListener('click', () => page.toggle());
  ui.step.addEventListener('click', () => void page.step());
  ui.reset.addEventListener('click', () => void page.reset());
  // The shortcuts act where the focus is not already taken: never in a text field or a select,
  // never on an element that reads the keys itself (the f-I plot's arrows: data-keys), and space
  // on a button presses that button (the play button is a toggle itself).
  const ownKeys = (target: EventTarget | null): boolean =>
    typingInto(target) || (target instanceof Element && target.closest('[data-keys]') !== null);
  document.addEventListener('keydown', (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented || ownKeys(event.target)) return;
    if (event.key === ' ') {
      if (event.target instanceof HTMLButtonElement || (event.target instanceof Element && event.target.closest('summary, [role="button"], a[href]'))) return;
      event.preventDefault(); // not a scroll of the page
      if (!event.repeat) page.toggle();
    } else if (event.key === 'ArrowRight') {
      event.preventDefault();
      void page.step();
    } else if (event.key === 'r' || event.key === 'R') {
      if (!event.repeat) void page.reset();
    }
  });
  document.addEventListener('keyup', (event) => {
    if (event.key === ' ' && !ownKeys(event.target) && !(event.target instanceof HTMLButtonElement)) event.preventDefault();
  });
}
