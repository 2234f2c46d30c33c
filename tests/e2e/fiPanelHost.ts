// Mounts the f-I panel alone (see fiPanelHost.html). ?model=ID[,ID]&set=NAME:VALUE,... chooses the
// models it sweeps; ?network=small-brunel gives it a network too (Brunel A at a tenth of its size
// and half its time, rate window included, so a transfer function takes seconds, not minutes).
import { mountFiPanel } from '../../src/ui/fiPanel';
import { preset } from '../../src/scenario/presets';

const query = new URLSearchParams(location.search);
const parameters = Object.fromEntries(
  (query.get('set') ?? '')
    .split(',')
    .filter(Boolean)
    .map((pair) => {
      const [name, value] = pair.split(':');
      return [name, Number(value)];
    }),
);
// Finished comparisons are kept where a test can read them (as the lessons panel would receive them).
const reported: unknown[] = [];
(window as unknown as { fitsReported: unknown[] }).fitsReported = reported;
const panel = mountFiPanel(document.getElementById('fi-slot')!, { onFit: (fit) => reported.push(fit) });
if (query.get('network') === 'small-brunel') {
  const s = preset('brunel-j0.1') as { name: string; durationMs: number; populations: { name: string; model: string; size: number }[]; projections: { connect: { k: number } }[]; record: { rateWindowMs?: [number, number] } };
  s.name = 'Brunel A (small)';
  s.durationMs = 600;
  s.record.rateWindowMs = [100, 600]; // the preset's window (200-1200 ms), halved with the run
  s.populations[0].size = 400;
  s.populations[1].size = 100;
  for (const p of s.projections) p.connect.k /= 10;
  panel.setModels(s.populations.map((p) => ({ population: p.name, model: p.model, parameters: {} })), s);
} else {
  panel.setModels((query.get('model') ?? 'lif').split(',').map((model, k) => ({ population: k === 0 ? 'neuron' : `neuron ${k + 1}`, model, parameters })));
}
(window as unknown as { fiPanel: typeof panel }).fiPanel = panel;
