// Mounts the f-I panel alone (see fiPanelHost.html): the model and parameters come from the URL.
import { mountFiPanel } from '../../src/ui/fiPanel';

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
panel.setModels((query.get('model') ?? 'lif').split(',').map((model, k) => ({ population: k === 0 ? 'neuron' : `neuron ${k + 1}`, model, parameters })));
(window as unknown as { fiPanel: typeof panel }).fiPanel = panel;
