// The one set of DOM builders the page's panels share: an element with attributes and text, a
// button, a status line, a panel's stylesheet, a canvas as PNG. Text goes in with textContent only:
// labels may carry names from a scenario or a link.

/** An element with attributes (set as given) and text. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attributes)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

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

/** Is the key meant for a text field or a select (so the page's shortcuts stay out of its way)? */
export function typingInto(target: EventTarget | null): boolean {
  return target instanceof HTMLInputElement || target instanceof HTMLSelectElement || target instanceof HTMLTextAreaElement;
}

/** A canvas as PNG: drawn now and copied in the same task (WebGL clears its buffer after showing it). */
export function canvasPng(canvas: HTMLCanvasElement, draw: () => void): Promise<{ blob: Blob; width: number; height: number } | null> {
  draw();
  const copy = document.createElement('canvas');
  copy.width = canvas.width;
  copy.height = canvas.height;
  const context = copy.getContext('2d');
  if (!context) return Promise.resolve(null);
  context.drawImage(canvas, 0, 0);
  return new Promise((resolve) => copy.toBlob((blob) => resolve(blob ? { blob, width: copy.width, height: copy.height } : null), 'image/png'));
}
