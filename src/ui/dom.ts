// Small DOM builders the page's panels share: a button, a status line, a panel's stylesheet.
// Text goes in with textContent only: labels may carry names from a scenario or a link.

/** A button (the page's secondary style unless `primary`), with its hover title. */
export function button(text: string, title: string, id?: string, primary = false): HTMLButtonElement {
  const b = document.createElement('button');
  b.type = 'button';
  if (!primary) b.className = 'secondary';
  b.textContent = text;
  b.title = title;
  if (id) b.id = id;
  return b;
}

/** A line that says what happened, read out by screen readers. */
export function statusLine(className: string, id: string, tag: 'span' | 'pre' | 'div' = 'span'): HTMLElement {
  const line = document.createElement(tag);
  line.className = className;
  line.id = id;
  line.setAttribute('role', 'status');
  return line;
}

/** Add a panel's stylesheet to the page once, however often the panel mounts. */
export function addStyleOnce(id: string, css: string): void {
  if (document.getElementById(id)) return;
  const style = document.createElement('style');
  style.id = id;
  style.textContent = css;
  document.head.append(style);
}
