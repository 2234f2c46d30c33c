// The f-I panel's words under the plot: the sentence the bridge writes from the data, the fit
// table (one row per ranked activation function, best, lowest RMSE, first, with its formula,
// fitted parameters, RMSE and R²), under it a line each for tanh and leaky ReLU (the sigmoid and
// the ReLU on a rate axis, so not ranked apart), and the computed rheobase.
import type { FitEquivalent, FitResult } from '../bridge/fit.js';
import { fitTableRows, rheobaseText, type RheobaseLike } from './fiFormat.js';
import { swatch } from './fiPlot.js';
import { el } from './dom.js';

export class FiTable {
  readonly sentence = el('p', { class: 'fi-sentence', id: 'fi-sentence', 'aria-live': 'polite' });
  readonly table = el('table', { id: 'fi-fits' });
  /** tanh and leaky ReLU, one line each. */
  readonly equivalents = el('ul', { class: 'fi-equivalents', id: 'fi-equivalents' });
  readonly rheobase = el('p', { class: 'fi-rheobase', id: 'fi-rheobase' });
  private readonly tbody = el('tbody');

  constructor() {
    const head = el('tr');
    for (const h of ['#', 'function', 'g(z)', 'fitted parameters (y = out scale · g(in scale · (I − shift)) + out shift)', 'RMSE', 'R²']) head.append(el('th', {}, h));
    const thead = el('thead');
    thead.append(head);
    this.table.append(thead, this.tbody);
    this.clear();
  }

  /** A new sweep: no table, no sentence until it is fitted. */
  clear(): void {
    this.tbody.replaceChildren();
    this.table.hidden = true;
    this.equivalents.replaceChildren();
    this.equivalents.hidden = true;
    this.rheobase.textContent = '';
    this.rheobase.hidden = true;
    this.sentence.textContent = '';
  }

  say(text: string): void {
    this.sentence.textContent = text;
  }

  fill(fits: FitResult[], unit: string, equivalents: readonly FitEquivalent[] = [], rheobase?: RheobaseLike): void {
    this.tbody.replaceChildren(
      ...fitTableRows(fits, unit).map((r) => {
        const tr = el('tr', { 'data-fit': r.id });
        const name = el('td', { class: 'name' });
        name.append(swatch(r.id), ` ${r.name}`);
        tr.append(el('td', { class: 'num' }, String(r.rank)), name, el('td', { class: 'formula' }, r.formula), el('td', { class: 'params' }, r.parameters), el('td', { class: 'num' }, r.rmse), el('td', { class: 'num' }, r.rSquared));
        return tr;
      }),
    );
    this.table.hidden = false;
    this.equivalents.replaceChildren(...equivalents.map((e) => el('li', { 'data-equivalent': e.id, 'data-same-as': e.sameAs }, e.text)));
    this.equivalents.hidden = equivalents.length === 0;
    this.rheobase.textContent = rheobase ? rheobaseText(rheobase) : '';
    this.rheobase.hidden = !rheobase;
  }
}
