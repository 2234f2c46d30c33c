// The audio monitor, as on a recording rig: a click per spike of the traced neuron (the first
// membrane trace), off by default. WebAudio schedules each click at its spike's time within the
// frame, stretched to the wall time the frame took to arrive, so the clicks keep the spike train's
// rhythm at any speed. The AudioContext is made by the click that turns it on (browsers allow
// sound only after a gesture) and suspended when it is turned off.
import type { ScenarioSummary } from '../../workers/simulationApi.js';
import type { Panel } from './panel.js';
import { el } from './dom.js';

/** Clicks scheduled per frame at most (a network's fast neuron at full speed is a buzz either way). */
const MAX_CLICKS_PER_FRAME = 60;
/** How far ahead of now clicks are scheduled, so a late frame still plays its clicks in order. */
const LEAD_S = 0.05;

export function audioMonitor(): Panel {
  let box: HTMLInputElement;
  let label: HTMLLabelElement;
  let context: AudioContext | null = null;
  let click: AudioBuffer | null = null;
  /** The global index of the neuron whose spikes click, or -1. */
  let neuron = -1;
  let lastFrameAt = 0;
  let clicks = 0;

  function clickBuffer(audio: AudioContext): AudioBuffer {
    // 4 ms: a sharp edge decaying fast, what a spike sounds like through a rig's speaker.
    const length = Math.round(audio.sampleRate * 0.004);
    const buffer = audio.createBuffer(1, length, audio.sampleRate);
    const data = buffer.getChannelData(0);
    for (let k = 0; k < length; k++) data[k] = (k % 2 === 0 ? 1 : -0.6) * Math.exp(-k / (length / 5)) * 0.6;
    return buffer;
  }

  async function toggle(): Promise<void> {
    if (box.checked) {
      context ??= new AudioContext();
      click ??= clickBuffer(context);
      await context.resume();
    } else {
      await context?.suspend();
    }
  }

  return {
    mount(host) {
      host.className = 'audio-monitor';
      box = el('input', { type: 'checkbox', id: 'audio-monitor' });
      label = el('label', { for: 'audio-monitor', title: 'A click per spike of the traced neuron, as on a recording rig (sound on)' });
      label.append(box, ' Audio');
      host.append(label);
      box.addEventListener('change', () => void toggle());
    },
    loaded(s: ScenarioSummary) {
      const traced = s.traces.find((t) => t.role === 'membrane');
      const pop = traced ? s.populations.find((p) => p.name === traced.population) : undefined;
      neuron = traced && pop ? pop.offset + traced.neuron : -1;
      label.title = traced ? `A click per spike of ${pop && pop.size > 1 ? `${traced.population} #${traced.neuron}` : 'the traced neuron'}, as on a recording rig (sound on)` : 'No neuron is traced';
      lastFrameAt = 0;
    },
    frame(frame) {
      const now = performance.now();
      const wallMs = lastFrameAt > 0 ? Math.min(now - lastFrameAt, 500) : 16;
      lastFrameAt = now;
      if (!box.checked || !context || !click || neuron < 0 || context.state !== 'running') return;
      const spanMs = frame.endMs - frame.startMs;
      const { timeMs, neuron: who } = frame.spikes;
      let scheduled = 0;
      for (let k = 0; k < timeMs.length && scheduled < MAX_CLICKS_PER_FRAME; k++) {
        if (who[k] !== neuron) continue;
        const offsetS = spanMs > 0 ? ((timeMs[k] - frame.startMs) / spanMs) * (wallMs / 1000) : 0;
        const source = context.createBufferSource();
        source.buffer = click;
        source.connect(context.destination);
        source.start(context.currentTime + LEAD_S + offsetS);
        scheduled++;
      }
      clicks += scheduled;
      box.dataset.clicks = String(clicks); // what a test (or a curious student's devtools) can read
    },
  };
}
