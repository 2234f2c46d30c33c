// The run's figures under the plots: spikes so far, the mean rate (over the scenario's rate window
// when it has one, else over the run) and the simulated time against the duration.
import type { Panel } from './panel.js';
import { el } from './dom.js';

function formatRate(hz: number): string {
  return `${hz.toFixed(1)} Hz`;
}

export function readout(): Panel {
  let spikeCount: HTMLElement;
  let rate: HTMLElement;
  let rateLabel: HTMLElement;
  let simulated: HTMLElement;
  let durationMs = 0;
  let freeRun = false;

  const figure = (name: HTMLElement, value: HTMLElement) => {
    const box = el('div', { class: 'figure' });
    box.append(name, value);
    return box;
  };

  return {
    mount(host) {
      host.className = 'readout';
      spikeCount = el('span', { class: 'value', id: 'spike-count' }, '0');
      rate = el('span', { class: 'value', id: 'rate' }, formatRate(0));
      rateLabel = el('span', { class: 'name', id: 'rate-label' }, 'Mean rate over the run');
      simulated = el('span', { class: 'value', id: 'simulated' }, '0 ms');
      host.append(figure(el('span', { class: 'name' }, 'Spikes'), spikeCount), figure(rateLabel, rate), figure(el('span', { class: 'name' }, 'Simulated'), simulated));
    },
    loaded(summary) {
      durationMs = summary.durationMs;
      freeRun = summary.freeRun;
      spikeCount.textContent = '0';
      rate.textContent = formatRate(0);
      simulated.textContent = `0 / ${durationMs} ms`;
    },
    frame(_frame, { stats, timeMs }) {
      if (!stats) return;
      spikeCount.textContent = String(stats.spikeCount);
      // A rate window not yet begun has no rate: the run's mean until it does.
      const window = stats.window && timeMs > stats.window.startMs ? stats.window : null;
      rate.textContent = formatRate(window ? window.meanRateHz : stats.meanRateHz);
      rateLabel.textContent = window ? `Rate ${window.startMs}–${window.stopMs} ms` : stats.window ? `Mean rate so far (the window ${stats.window.startMs}–${stats.window.stopMs} ms is ahead)` : 'Mean rate over the run';
      simulated.textContent = freeRun ? `${timeMs.toFixed(0)} ms, no end` : `${timeMs.toFixed(0)} / ${durationMs} ms`;
    },
    freeRun(on) {
      freeRun = on;
    },
  };
}
