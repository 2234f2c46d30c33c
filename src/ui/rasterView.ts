// The spike raster panel, shown for a network (more neurons than traces): the scrolling raster
// (rasterPlot.ts), a legend of the populations in their colours, the window (0.5-10 s, a view
// setting a link carries) and the neuron and time under the pointer.
import type { ScenarioSummary } from '../../workers/simulationApi.js';
import type { Panel, PanelHooks } from './panel.js';
import { RasterPlot, populationColour, type RasterHover } from './rasterPlot.js';
import { canvasPng, el } from './dom.js';
import { contentWidth, isNetwork } from './summaryFacts.js';

/** Raster windows offered (ms of simulated time across the raster). */
const RASTER_WINDOWS_MS = [500, 1000, 2000, 5000, 10000];
const RASTER_HEIGHT = 240;

function hoverText(at: RasterHover | null): string {
  if (!at) return 'Point at the raster to name a neuron and a time.';
  const who = at.first === at.last ? `neuron ${at.first}` : `neurons ${at.first}–${at.last}`;
  return `${at.population} ${who} at t = ${at.timeMs.toFixed(1)} ms`;
}

export function rasterView(): Panel {
  let plot: RasterPlot;
  let section: HTMLElement;
  let legend: HTMLElement;
  let windowSelect: HTMLSelectElement;
  let summary: ScenarioSummary | null = null;
  let windowMs = 1000;

  function restart(): void {
    if (!summary || section.hidden) return;
    plot.reset(summary.populations, windowMs); // a new window starts empty, from now on
    plot.render();
  }

  function showWindow(ms: number): void {
    if (![...windowSelect.options].some((o) => o.value === String(ms))) windowSelect.append(new Option(`${ms / 1000} s`, String(ms)));
    windowSelect.value = String(ms);
  }

  return {
    async mount(host: HTMLElement, hooks: PanelHooks) {
      section = host;
      section.id = 'raster-section';
      section.className = 'panel';
      const head = el('div', { class: 'panel-head' });
      legend = el('span', { id: 'raster-legend' });
      windowSelect = el('select', { id: 'raster-window', title: 'Simulated time across the raster (it scrolls, newest at the right)' });
      for (const ms of RASTER_WINDOWS_MS) windowSelect.append(new Option(`${ms / 1000} s`, String(ms)));
      head.append(el('h2', {}, 'Spike raster'), legend, el('label', { for: 'raster-window' }, 'window'), windowSelect);
      const canvasHost = el('div', { id: 'raster' });
      const hover = el('p', { id: 'raster-hover', 'aria-live': 'off' });
      section.append(head, canvasHost, hover);
      // Sized while visible, then hidden until a network needs it.
      plot = await RasterPlot.create(canvasHost, contentWidth(canvasHost), RASTER_HEIGHT, (at) => (hover.textContent = hoverText(at)));
      hover.textContent = hoverText(null);
      section.hidden = true;
      windowMs = hooks.view.get().rasterWindowMs;
      showWindow(windowMs);
      windowSelect.addEventListener('change', () => hooks.view.set({ rasterWindowMs: Number(windowSelect.value) }));
      hooks.view.subscribe((view, changed) => {
        if (!changed.includes('rasterWindowMs')) return;
        windowMs = view.rasterWindowMs;
        showWindow(windowMs);
        restart();
      });
    },
    loaded(s) {
      summary = s;
      section.hidden = !isNetwork(s);
      if (section.hidden) return;
      restart();
      legend.replaceChildren(
        ...s.populations.map((p, k) => {
          const item = el('span');
          const key = el('span', { class: 'key dot' });
          key.style.background = `#${populationColour(s.populations, k).toString(16).padStart(6, '0')}`;
          item.append(key, `${p.name}${p.role ? ` (${p.role})` : ''}: ${p.size} neurons`);
          return item;
        }),
      );
    },
    frame(frame) {
      if (section.hidden) return;
      plot.frame(frame.spikes.timeMs, frame.spikes.neuron, frame.endMs);
      plot.render();
    },
    images: () => [
      {
        name: 'raster',
        shown: () => !section.hidden,
        png: () => canvasPng(section.querySelector('canvas')!, () => plot.redraw()),
      },
    ],
  };
}
