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
const panel = mountFiPanel(document.getElementById('fi-slot')!);
panel.setModels((query.get('model') ?? 'lif').split(',').map((model, k) => ({ population: k === 0 ? 'neuron' : `neuron ${k + 1}`, model, parameters })));
(window as unknown as { fiPanel: typeof panel }).fiPanel = panel;
