// The network's knobs, read from the worker's summary (its projections and external drives): the
// weight of the synapses from each population (CUBA's we and wi; Brunel's J, and -gJ from the
// inhibitory population, with g shown), their delay, each projection's connection probability or
// in-degree, and each external Poisson drive's rate. A weight applies from the next spike where the
// loop reads it per spike, else on reset; delays and connections apply on reset, as the field says.
// Above them, the network's size and its memory at its peak (the estimate the worker checks against
// the page's limit, shown beside that limit) and the threads it runs on.
import type { NetworkScale, ProjectionSummary, ScenarioSummary } from '../../workers/simulationApi.js';
import { RUN_ENDED_NOTE, type Change, type Panel, type PanelHooks } from './panel.js';
import { NumberField, formatValue, unitText } from './numberField.js';
import { el } from './dom.js';

/** Sizes of a range around a value: a weight from a tenth to ten times it (and its sign). */
function around(value: number): [number, number] {
  const size = Math.max(Math.abs(value), 1e-3);
  return value >= 0 ? [0, 10 * size] : [-10 * size, 0];
}

/** "85 MB", "1.2 GB". */
export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toPrecision(2)} GB`;
  if (bytes >= 1e6) return `${Math.round(bytes / 1e6)} MB`;
  return `${Math.max(1, Math.round(bytes / 1e3))} kB`;
}

/** The network's size and memory in words: "100,000 neurons and 10,000,000 synapses; memory about 85 MB at its peak, of the page's 1.0 GB limit". */
export function scaleSentence(scale: NetworkScale): string {
  const count = (x: number) => Math.round(x).toLocaleString('en-US');
  return `${count(scale.neurons)} neurons and ${count(scale.synapses)} synapses; memory about ${formatBytes(scale.estimatedBytes)} at its peak (estimated before building), of the page's ${formatBytes(scale.limitBytes)} limit.`;
}

export function networkControls(): Panel {
  let hooks: PanelHooks;
  let host: HTMLElement;
  let list: HTMLElement;
  let gLine: HTMLElement;
  let scaleLine: HTMLElement;
  let memoryMeter: HTMLMeterElement;
  let threadsSelect: HTMLSelectElement;
  let threadsSaid: HTMLElement;
  let name = '';
  const defaults = new Map<string, number>();
  /** The fields shown now (a note of theirs may stop holding). */
  let shownFields: NumberField[] = [];
  /** The summary the fields were built from, and the weights edited since (by projection index), for g. */
  let shownSummary: ScenarioSummary | null = null;
  const editedWeights = new Map<number, number>();

  async function send(changes: Change[], resetNote: string): Promise<string | { note: string } | null> {
    let reset = false;
    for (const change of changes) {
      const result = await hooks.apply(change);
      if (!result) return null;
      if (!result.ok) return result.error.message;
      if (result.applies === 'reset') reset = true;
    }
    if (reset) return { note: resetNote };
    return hooks.runEnded() ? { note: RUN_ENDED_NOTE } : null;
  }

  function field(spec: Omit<ConstructorParameters<typeof NumberField>[0], 'defaultValue'>): HTMLElement {
    if (!defaults.has(spec.key)) defaults.set(spec.key, spec.value);
    const made = new NumberField({ ...spec, defaultValue: defaults.get(spec.key) });
    shownFields.push(made);
    return made.row;
  }

  /**
   * g = |w_I| / w_E when every projection from the inhibitory population has one weight and the
   * excitatory ones another: a current or a jump of v from I is negative (CUBA, Brunel), a
   * conductance positive (COBA, COBAHH: 67 nS against 6 nS is g = 11.17, not -11.17).
   */
  function gOf(s: ScenarioSummary): string {
    const byRole = (role: string) => s.projections.filter((p) => s.populations.find((q) => q.name === p.source)?.role === role).map((p) => editedWeights.get(p.index) ?? p.weight);
    const e = byRole('excitatory');
    const i = byRole('inhibitory');
    if (e.length === 0 || i.length === 0 || e.some((w) => w !== e[0]) || i.some((w) => w !== i[0]) || !e[0] || !i[0]) return '';
    return `Relative inhibition g = |w_I| / w_E = ${formatValue(Math.abs(i[0] / e[0]))}`;
  }

  function build(s: ScenarioSummary): void {
    shownFields = [];
    shownSummary = s;
    editedWeights.clear();
    list.replaceChildren();
    const sources = [...new Set(s.projections.map((p) => p.source))];
    for (const source of sources) {
      const from = s.projections.filter((p) => p.source === source);
      const weights = from.filter((p) => p.weight !== null);
      const pop = s.populations.find((p) => p.name === source);
      list.append(el('h3', {}, `Synapses from ${source}${pop?.role ? ` (${pop.role})` : ''}`));
      // One weight for all projections from a source when they share it (else one per projection).
      const shared = weights.length > 0 && weights.every((p) => p.weight === weights[0].weight && p.unit === weights[0].unit);
      const groups: ProjectionSummary[][] = shared ? [weights] : weights.map((p) => [p]);
      for (const group of groups) {
        const first = group[0];
        const [min, max] = around(first.weight!);
        const label = shared ? `w ${source}→` : `w ${first.name}`;
        list.append(
          field({
            key: `weight-${shared ? source : first.index}`,
            label,
            unit: first.unit,
            min,
            max,
            value: first.weight!,
            meaning: `The weight of each synapse from ${source} to ${group.map((p) => p.target).join(' and ')}: each spike adds it to ${first.on}${unitText(first.unit) ? ` (${first.unit})` : ''}. Applies from the next spike where the loop reads it, else on reset.`,
            onChange: async (value) => {
              const said = await send(group.map((p) => ({ kind: 'projection', index: p.index, values: { weight: value } })), `applies on reset: press Reset (r) to build the network with it.`);
              if (typeof said !== 'string') {
                // g follows the weights as they are edited (it was the opening value's until a reset).
                for (const p of group) editedWeights.set(p.index, value);
                gLine.textContent = gOf(shownSummary!);
              }
              return said;
            },
          }),
        );
      }
      const delays = from.filter((p) => p.delayMs !== null);
      if (delays.length > 0 && delays.every((p) => p.delayMs === delays[0].delayMs)) {
        list.append(
          field({
            key: `delay-${source}`,
            label: 'delay',
            unit: 'ms',
            min: 0,
            max: 100,
            value: delays[0].delayMs!,
            meaning: `The delay from a spike of ${source} to its arrival. Applies on reset.`,
            note: 'on reset',
            onChange: (value) => send(delays.map((p) => ({ kind: 'projection', index: p.index, values: { delayMs: value } })), `delay ${formatValue(value)} ms applies on reset: press Reset (r).`),
          }),
        );
      }
      for (const p of from) {
        if (p.probability !== null) {
          list.append(
            field({
              key: `p-${p.index}`,
              label: `p ${p.target}`,
              unit: '1',
              min: 0,
              max: 1,
              value: p.probability,
              meaning: `The probability that a neuron of ${source} connects to a neuron of ${p.target}. Applies on reset (a new network is drawn).`,
              note: 'on reset',
              onChange: (value) => send([{ kind: 'projection', index: p.index, values: { probability: value } }], `p = ${formatValue(value)} applies on reset: press Reset (r).`),
            }),
          );
        } else if (p.inDegree !== null) {
          const size = s.populations.find((q) => q.name === p.source)?.size ?? p.inDegree;
          list.append(
            field({
              key: `k-${p.index}`,
              label: `in ${p.target}`,
              unit: 'synapses',
              min: 0,
              max: size,
              value: p.inDegree,
              meaning: `How many neurons of ${source} each neuron of ${p.target} receives from (in-degree). Applies on reset (a new network is drawn).`,
              note: 'on reset',
              onChange: (value) => {
                if (!Number.isInteger(value)) return Promise.resolve(`in-degree: ${formatValue(value)} is not a whole number; nothing was changed`);
                return send([{ kind: 'projection', index: p.index, values: { inDegree: value } }], `${value} synapses each applies on reset: press Reset (r).`);
              },
            }),
          );
        }
      }
    }
    if (s.drives.length > 0) list.append(el('h3', {}, 'External drive'));
    for (const d of s.drives) {
      list.append(
        field({
          key: `drive-${d.index}`,
          label: `rate ${d.population}`,
          unit: 'Hz',
          min: 0,
          max: Math.max(100, 10 * d.rateHz),
          value: d.rateHz,
          meaning: `The rate of each of the ${d.sources} independent Poisson sources driving each neuron of ${d.population} (each spike adds ${formatValue(d.weight)} to ${d.on}). Applies from the next step.`,
          onChange: (value) => send([{ kind: 'stimulus', index: d.index, values: { rateHz: value } }], 'applies on reset: press Reset (r).'),
        }),
      );
    }
    gLine.textContent = gOf(s);
  }

  function showScale(scale: NetworkScale | null): void {
    scaleLine.parentElement!.hidden = !scale;
    if (!scale) return;
    scaleLine.textContent = scaleSentence(scale);
    memoryMeter.max = scale.limitBytes;
    memoryMeter.value = scale.estimatedBytes;
    memoryMeter.title = `${formatBytes(scale.estimatedBytes)} of ${formatBytes(scale.limitBytes)}`;
    const { used, wanted, auto, available, note } = scale.threads;
    const plural = (n: number) => `${n} thread${n === 1 ? '' : 's'}`;
    threadsSelect.replaceChildren(
      new Option(`auto (${wanted} here)`, 'auto'),
      ...Array.from({ length: available }, (_, k) => new Option(k + 1 === available && available > 1 ? `${k + 1} (all)` : String(k + 1), String(k + 1))),
    );
    threadsSelect.value = auto ? 'auto' : String(wanted);
    threadsSelect.disabled = available === 1;
    // Why auto chose one thread for a network: a step too small to pay for a barrier per step.
    const why = auto && wanted === 1 && available > 1 ? ' (a step of this network costs less than the threads would spend meeting)' : '';
    threadsSaid.textContent =
      available === 1 ? 'the page runs on one thread (it is not cross-origin isolated, or the browser reports one core)'
      : used === wanted ? `runs on ${plural(used)}${why}`
      : `runs on ${plural(used)} of the ${wanted} asked${note ? `: ${note}` : ''}`;
  }

  /** Another thread count: the scenario as it stands is built again on them, from t = 0. */
  async function chooseThreads(threads: number | 'auto'): Promise<void> {
    const result = await hooks.apply({ kind: 'threads', threads });
    if (!result) return;
    if (!result.ok) {
      threadsSaid.textContent = result.error.message;
      return;
    }
    threadsSaid.textContent = threads === 'auto' ? 'starting again on the threads this network is worth…' : `starting again on ${threads} thread${threads === 1 ? '' : 's'}…`;
    const scenario = await hooks.scenario();
    if (scenario) await hooks.open(scenario, hooks.source() ?? undefined);
  }

  return {
    mount(element, panelHooks) {
      hooks = panelHooks;
      host = element;
      host.id = 'network-controls';
      const heading = el('h2', { style: 'margin-top: 10px' }, 'Network');
      gLine = el('p', { class: 'hint', id: 'network-g' });
      list = el('div', { id: 'network-fields' });
      const scaleBox = el('div', { id: 'network-scale' });
      scaleLine = el('p', { id: 'network-memory', class: 'hint' });
      memoryMeter = el('meter', { id: 'network-memory-meter', min: '0', max: '1', value: '0', 'aria-label': 'Memory of the network against the page\'s limit' });
      const threadsRow = el('p', { class: 'hint threads-row' });
      threadsSelect = el('select', { id: 'threads', title: 'How many threads the simulation runs on: choosing starts the run again from t = 0 on them' });
      threadsSelect.addEventListener('change', () => void chooseThreads(threadsSelect.value === 'auto' ? 'auto' : Number(threadsSelect.value)));
      threadsSaid = el('span', { id: 'threads-said', role: 'status' });
      threadsRow.append(el('label', { for: 'threads' }, 'threads '), threadsSelect, ' ', threadsSaid);
      scaleBox.append(scaleLine, memoryMeter, threadsRow);
      host.append(heading, scaleBox, gLine, list);
      host.hidden = true;
    },
    freeRun(on) {
      if (on) for (const made of shownFields) made.clearNote(RUN_ENDED_NOTE);
    },
    loaded(s) {
      if (s.name !== name) defaults.clear();
      name = s.name;
      host.hidden = s.projections.length === 0 && s.drives.length === 0;
      if (!host.hidden) build(s);
      if (!host.hidden) showScale(s.scale ?? null);
    },
  };
}
