// The f-I panel's words under the plot: the sentence the bridge writes from the data, and the fit
// table, one row per activation function ranked best (lowest RMSE) first, with its formula, fitted
// parameters, RMSE and R².
import type { FitResult } from '../bridge/fit.js';
import { fitTableRows } from './fiFormat.js';
import { swatch } from './fiPlot.js';
import { el } from './dom.js';

export class FiTable {
  readonly sentence = el('p', { class: 'fi-sentence', id: 'fi-sentence', 'aria-live': 'polite' });
  readonly table = el('table', { id: 'fi-fits' });
  private readonly tbody = el('tbody');

  constructor() {
    const head = el('tr');
    for (const h of ['#', 'function', 'g(z)', 'fitted parameters (y = out scale · g(in scale · (I − shift)) + out shift)', 'RMSE', 'R²']) head.append(el('th', {}, h));
    const thead = el('thead');
    thead.append(head);
    this.table.append(thead, this.tbody);
    this.table.hidden = true;
  }

  /** A new sweep: no table, no sentence until it is fitted. */
  clear(): void {
    this.tbody.replaceChildren();
    this.table.hidden = true;
    this.sentence.textContent = '';
  }

  say(text: string): void {
    this.sentence.textContent = text;
  }

  fill(fits: FitResult[], unit: string): void {
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
  }
}
