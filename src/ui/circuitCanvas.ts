// The circuit drawn as SVG: neurons as circles, spike sources and current sources as squares,
// synapses as lines ending in an arrow (excitatory, blue) or a dot (inhibitory, vermillion), a
// current source's wire dashed. Pointer events, so a finger works as the mouse does: press a node
// and drag to move it, or (with "drag connects") to draw a connection to another node; a press
// that does not move selects. Every node is a focusable button too (Enter selects, arrows move),
// and the panel lists them all. It draws what it is given and reports gestures; it decides nothing
// about the circuit. A neuron lights as it fires; a dot runs along each synapse after a spike.
import type { Circuit, CircuitEdge, CircuitNode } from './circuitGraph.js';
import { synapseSign } from './circuitGraph.js';

const SVG = 'http://www.w3.org/2000/svg';
/** Node radius (px): 48 px across, so a finger hits it (44 px targets). */
const RADIUS = 24;
/** Margin around the drawing (px), so a node at 0 or 1 is whole. */
const PAD = 34;
/** Names up to this many characters are written inside their node. */
const SHORT_NAME = 3;
/** A canvas narrower than this (px) is drawn turned: the circuit runs down the screen. */
const PORTRAIT_BELOW_PX = 520;
/** A press that moves less than this (px) is a click. */
const SLOP = 6;
/** How long a spike lights its neuron, and how long a pulse takes along a synapse (ms of wall time). */
const LIGHT_MS = 220;
const PULSE_MS = 420;
/** Pulses in flight at most (a busy network would otherwise draw thousands). */
const MAX_PULSES = 120;

export const COLOURS = { excitatory: '#0072b2', inhibitory: '#d55e00', wire: '#6b6b6b', node: '#1d4f73', selected: '#e69f00', fire: '#e69f00' } as const;

export interface CanvasEvents {
  select(id: string | null): void;
  /** A node dragged (final: the pointer is up) to x, y in 0..1. */
  move(id: string, x: number, y: number, final: boolean): void;
  connect(from: string, to: string): void;
}

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Record<string, string | number> = {}): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attributes)) node.setAttribute(k, String(v));
  return node;
}

/** A label for a node's kind and model, short enough to sit under it. */
export type NodeCaption = (node: CircuitNode) => string;

export class CircuitCanvas {
  readonly element: SVGSVGElement;
  private readonly edgeLayer: SVGGElement;
  private readonly nodeLayer: SVGGElement;
  private readonly pulseLayer: SVGGElement;
  private readonly ghost: SVGLineElement;
  private width = 600;
  private height = 340;
  private circuit: Circuit | null = null;
  private selected: string | null = null;
  /** Connect rather than move on a drag. */
  connecting = false;
  /** A press on a node: where it began, and the node's centre from there (a drag keeps the grip). */
  private press: { id: string; pointer: number; x0: number; y0: number; dx: number; dy: number; moved: boolean } | null = null;
  private lit = new Map<string, number>();
  private pulses: { edge: string; start: number; sign: 'excitatory' | 'inhibitory' | 'wire' }[] = [];
  private animating = false;
  private readonly nodeElements = new Map<string, SVGGElement>();

  constructor(private readonly events: CanvasEvents, private readonly caption: NodeCaption) {
    this.element = svg('svg', { class: 'circuit-canvas', role: 'group', 'aria-label': 'Circuit canvas: neurons, sources and their connections. Each node is a button; the list below has every node and connection.' });
    this.element.id = 'circuit-canvas';
    const defs = svg('defs');
    defs.append(this.marker('circuit-arrow-e', COLOURS.excitatory, 'arrow'), this.marker('circuit-dot-i', COLOURS.inhibitory, 'dot'), this.marker('circuit-arrow-w', COLOURS.wire, 'arrow'));
    this.edgeLayer = svg('g', { class: 'circuit-edges' });
    this.pulseLayer = svg('g', { class: 'circuit-pulses', 'aria-hidden': 'true' });
    this.nodeLayer = svg('g', { class: 'circuit-nodes' });
    this.ghost = svg('line', { class: 'circuit-ghost', stroke: COLOURS.selected, 'stroke-width': 3, 'stroke-dasharray': '6 4', visibility: 'hidden' });
    this.element.append(defs, this.edgeLayer, this.pulseLayer, this.nodeLayer, this.ghost);
    this.element.addEventListener('pointerdown', (e) => this.down(e));
    this.element.addEventListener('pointermove', (e) => this.moveTo(e));
    this.element.addEventListener('pointerup', (e) => this.up(e));
    this.element.addEventListener('pointercancel', () => this.cancel());
  }

  private marker(id: string, colour: string, shape: 'arrow' | 'dot'): SVGMarkerElement {
    // In the drawing's own units: a selected (thicker) line keeps the same head.
    const m = svg('marker', { id, viewBox: '0 0 10 10', refX: shape === 'arrow' ? 9 : 5, refY: 5, markerWidth: 13, markerHeight: 13, orient: 'auto-start-reverse', markerUnits: 'userSpaceOnUse' });
    m.append(shape === 'arrow' ? svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', fill: colour }) : svg('circle', { cx: 5, cy: 5, r: 4.5, fill: colour }));
    return m;
  }

  /** Size the drawing to its host's width (px). */
  /**
   * Drawn turned a quarter (the circuit's left-to-right running down the screen) on a narrow
   * screen, where a chain across would squeeze its nodes together; positions keep their meaning.
   */
  get portrait(): boolean {
    return this.width < PORTRAIT_BELOW_PX;
  }

  resize(width: number): void {
    this.width = Math.max(280, Math.floor(width));
    this.height = Math.round(this.portrait ? Math.min(560, Math.max(380, this.width * 1.35)) : Math.min(420, Math.max(300, this.width * 0.5)));
    this.element.setAttribute('width', String(this.width));
    this.element.setAttribute('height', String(this.height));
    this.element.setAttribute('viewBox', `0 0 ${this.width} ${this.height}`);
    this.draw();
  }

  /** Where a node is drawn (px). */
  at(node: { x: number; y: number }): { x: number; y: number } {
    const [across, down] = this.portrait ? [node.y, node.x] : [node.x, node.y];
    return { x: PAD + across * (this.width - 2 * PAD), y: PAD + down * (this.height - 2 * PAD) };
  }

  private toUnit(px: number, py: number): { x: number; y: number } {
    const clamp = (v: number) => Math.min(1, Math.max(0, v));
    const across = clamp((px - PAD) / (this.width - 2 * PAD));
    const down = clamp((py - PAD) / (this.height - 2 * PAD));
    return this.portrait ? { x: down, y: across } : { x: across, y: down };
  }

  show(circuit: Circuit, selected: string | null): void {
    this.circuit = circuit;
    this.selected = selected;
    this.draw();
  }

  /** Focus a node's button (after keyboard moves the drawing is rebuilt). */
  focusNode(id: string): void {
    this.nodeElements.get(id)?.focus();
  }

  private draw(): void {
    const circuit = this.circuit;
    this.edgeLayer.replaceChildren();
    this.nodeLayer.replaceChildren();
    this.nodeElements.clear();
    if (!circuit) return;
    const byId = new Map(circuit.nodes.map((n) => [n.id, n]));
    for (const edge of circuit.edges) {
      const from = byId.get(edge.from);
      const to = byId.get(edge.to);
      if (from && to) this.edgeLayer.append(this.drawEdge(edge, from, to));
    }
    for (const node of circuit.nodes) {
      const g = this.drawNode(node);
      this.nodeElements.set(node.id, g);
      this.nodeLayer.append(g);
    }
  }

  /** The segment an edge is drawn along: from boundary to boundary, shifted 6 px to its right so a reciprocal pair shows as two lines. */
  private segment(from: CircuitNode, to: CircuitNode): { x1: number; y1: number; x2: number; y2: number } {
    const a = this.at(from);
    const b = this.at(to);
    const dx = b.x - a.x;
    const dy = b.y - a.y;
    const length = Math.hypot(dx, dy) || 1;
    const ux = dx / length;
    const uy = dy / length;
    const shift = 6;
    const ox = -uy * shift;
    const oy = ux * shift;
    const start = RADIUS + 2;
    const end = RADIUS + 4;
    return { x1: a.x + ux * start + ox, y1: a.y + uy * start + oy, x2: b.x - ux * end + ox, y2: b.y - uy * end + oy };
  }

  /**
   * An edge's course: a straight segment, or for a population onto itself (a winner-take-all's
   * all-to-all inhibition) a loop above the node; with the point a fraction f along it.
   */
  private course(from: CircuitNode, to: CircuitNode): { d: string; at(f: number): { x: number; y: number } } {
    if (from.id === to.id) {
      const c = this.at(from);
      const p0 = { x: c.x - 12, y: c.y - RADIUS + 2 };
      const p1 = { x: c.x - 46, y: c.y - RADIUS - 52 };
      const p2 = { x: c.x + 46, y: c.y - RADIUS - 52 };
      const p3 = { x: c.x + 12, y: c.y - RADIUS - 3 };
      const bez = (f: number, a: number, b: number, cc: number, d: number) => (1 - f) ** 3 * a + 3 * (1 - f) ** 2 * f * b + 3 * (1 - f) * f ** 2 * cc + f ** 3 * d;
      return {
        d: `M ${p0.x} ${p0.y} C ${p1.x} ${p1.y} ${p2.x} ${p2.y} ${p3.x} ${p3.y}`,
        at: (f) => ({ x: bez(f, p0.x, p1.x, p2.x, p3.x), y: bez(f, p0.y, p1.y, p2.y, p3.y) }),
      };
    }
    const s = this.segment(from, to);
    return { d: `M ${s.x1} ${s.y1} L ${s.x2} ${s.y2}`, at: (f) => ({ x: s.x1 + (s.x2 - s.x1) * f, y: s.y1 + (s.y2 - s.y1) * f }) };
  }

  private drawEdge(edge: CircuitEdge, from: CircuitNode, to: CircuitNode): SVGGElement {
    const { d } = this.course(from, to);
    const sign = edge.projection ? synapseSign(edge.projection) : 'wire';
    const colour = sign === 'wire' ? COLOURS.wire : COLOURS[sign];
    const g = svg('g', { class: `circuit-edge ${sign}`, 'data-edge': edge.id });
    const hit = svg('path', { d, fill: 'none', stroke: 'transparent', 'stroke-width': 22, class: 'circuit-edge-hit' });
    const line = svg('path', {
      d,
      fill: 'none',
      stroke: colour,
      'stroke-width': edge.id === this.selected ? 5 : 2.5,
      'marker-end': `url(#${sign === 'excitatory' ? 'circuit-arrow-e' : sign === 'inhibitory' ? 'circuit-dot-i' : 'circuit-arrow-w'})`,
      ...(sign === 'wire' ? { 'stroke-dasharray': '5 4' } : {}),
    });
    g.append(hit, line);
    if (edge.id === this.selected) g.append(svg('path', { d, fill: 'none', stroke: COLOURS.selected, 'stroke-width': 9, 'stroke-opacity': 0.35, 'pointer-events': 'none' }));
    return g;
  }

  private drawNode(node: CircuitNode): SVGGElement {
    const { x, y } = this.at(node);
    const selected = node.id === this.selected;
    const kindName = node.kind === 'neuron' ? 'Neuron' : node.kind === 'spikes' ? 'Spike source' : 'Current source';
    // The name read out starts with the text shown (name, caption), as a voice user says it.
    const g = svg('g', { class: `circuit-node ${node.kind}${selected ? ' selected' : ''}`, 'data-node': node.id, 'data-name': node.name, tabindex: 0, role: 'button', 'aria-pressed': String(selected), 'aria-label': `${node.name} ${this.caption(node)}, ${kindName.toLowerCase()}` });
    g.setAttribute('transform', `translate(${x} ${y})`);
    const halo = svg('circle', { r: RADIUS + 8, fill: COLOURS.fire, opacity: 0, class: 'circuit-halo' });
    const stroke = { stroke: selected ? COLOURS.selected : COLOURS.node, 'stroke-width': selected ? 4 : 2 };
    const shape =
      node.kind === 'neuron'
        ? svg('circle', { r: RADIUS, fill: '#ffffff', class: 'circuit-shape', ...stroke })
        : svg('rect', { x: -RADIUS, y: -RADIUS, width: 2 * RADIUS, height: 2 * RADIUS, rx: node.kind === 'spikes' ? 14 : 4, fill: node.kind === 'spikes' ? '#f1f7ec' : '#f7f3ea', class: 'circuit-shape', ...stroke });
    // A short name inside the node; a longer one ("presynaptic") under it, before the caption.
    const inside = node.name.length <= SHORT_NAME;
    const name = svg('text', { 'text-anchor': 'middle', y: inside ? (node.kind === 'neuron' ? 5 : 0) : 0, class: 'circuit-name' });
    name.textContent = node.name;
    g.append(halo, shape);
    if (inside) g.append(name);
    if (node.kind === 'spikes') g.append(svg('path', { d: 'M -12 12 h 5 v -10 v 10 h 6 v -10 v 10 h 6 v -10 v 10 h 5', stroke: COLOURS.node, 'stroke-width': 1.5, fill: 'none' }));
    if (node.kind === 'current') g.append(svg('path', { d: 'M -13 13 h 7 v -8 h 12 v 8 h 7', stroke: COLOURS.node, 'stroke-width': 1.5, fill: 'none' }));
    // The caption goes under the node; over it where an edge arrives or leaves from below (so the
    // arrowhead shows); beside it where edges come from both.
    const sides = new Set<'above' | 'below'>();
    for (const e of this.circuit?.edges ?? []) {
      if (e.from === e.to) {
        if (e.from === node.id) sides.add('above'); // the loop
        continue;
      }
      if (e.from !== node.id && e.to !== node.id) continue;
      const other = this.circuit!.nodes.find((n) => n.id === (e.from === node.id ? e.to : e.from));
      if (!other) continue;
      const o = this.at(other);
      if (Math.abs(o.y - y) > Math.abs(o.x - x)) sides.add(o.y > y ? 'below' : 'above');
    }
    const place = !sides.has('below') ? 'below' : !sides.has('above') ? 'above' : 'beside';
    const caption = svg('text', { class: 'circuit-caption' });
    caption.textContent = ` ${this.caption(node)}`; // the space: name and caption read as two words, as the aria-label has them
    const lines = inside ? [caption] : [name, caption];
    if (!inside) name.classList.add('outside');
    lines.forEach((line, k) => {
      if (place === 'beside') {
        line.setAttribute('text-anchor', 'start');
        line.setAttribute('x', String(RADIUS + 6));
        line.setAttribute('y', String(4 + 14 * k - 7 * (lines.length - 1)));
      } else {
        line.setAttribute('text-anchor', 'middle');
        line.setAttribute('y', String(place === 'below' ? RADIUS + 14 + 14 * k : -RADIUS - 6 - 14 * (lines.length - 1 - k)));
      }
    });
    g.append(...lines); // name, then caption: read in this order wherever they are drawn, as the aria-label has them
    return g;
  }

  /** The drawing as PNG (white background, its text styled inline: a page's stylesheet does not travel with an SVG image). */
  png(style: string): Promise<{ blob: Blob; width: number; height: number } | null> {
    const copy = this.element.cloneNode(true) as SVGSVGElement;
    copy.setAttribute('xmlns', SVG);
    const css = document.createElementNS(SVG, 'style');
    css.textContent = style;
    copy.prepend(css);
    copy.insertBefore(svg('rect', { width: this.width, height: this.height, fill: '#ffffff' }), css.nextSibling);
    const url = URL.createObjectURL(new Blob([new XMLSerializer().serializeToString(copy)], { type: 'image/svg+xml' }));
    return new Promise((resolve) => {
      const image = new Image();
      image.onload = () => {
        const canvas = document.createElement('canvas');
        canvas.width = this.width;
        canvas.height = this.height;
        const context = canvas.getContext('2d');
        URL.revokeObjectURL(url);
        if (!context) return resolve(null);
        context.drawImage(image, 0, 0);
        canvas.toBlob((blob) => resolve(blob ? { blob, width: canvas.width, height: canvas.height } : null), 'image/png');
      };
      image.onerror = () => {
        URL.revokeObjectURL(url);
        resolve(null);
      };
      image.src = url;
    });
  }

  // --- gestures ---

  private nodeAt(px: number, py: number, except: string): string | null {
    let best: string | null = null;
    let bestDistance = RADIUS + 10;
    for (const node of this.circuit?.nodes ?? []) {
      if (node.id === except) continue;
      const p = this.at(node);
      const d = Math.hypot(p.x - px, p.y - py);
      if (d < bestDistance) {
        best = node.id;
        bestDistance = d;
      }
    }
    return best;
  }

  private local(event: PointerEvent): { x: number; y: number } {
    const box = this.element.getBoundingClientRect();
    return { x: ((event.clientX - box.left) * this.width) / (box.width || 1), y: ((event.clientY - box.top) * this.height) / (box.height || 1) };
  }

  private down(event: PointerEvent): void {
    if (event.button !== 0 && event.pointerType === 'mouse') return;
    const target = event.target instanceof Element ? event.target : null;
    const nodeId = target?.closest('[data-node]')?.getAttribute('data-node') ?? null;
    const edgeId = target?.closest('[data-edge]')?.getAttribute('data-edge') ?? null;
    if (!nodeId) {
      this.events.select(edgeId);
      return;
    }
    event.preventDefault();
    const p = this.local(event);
    const node = this.circuit?.nodes.find((n) => n.id === nodeId);
    const centre = node ? this.at(node) : p;
    this.press = { id: nodeId, pointer: event.pointerId, x0: p.x, y0: p.y, dx: centre.x - p.x, dy: centre.y - p.y, moved: false };
    try {
      this.element.setPointerCapture(event.pointerId);
    } catch {
      // A synthetic pointer (or one already gone) cannot be captured: the moves still reach the canvas.
    }
  }

  private moveTo(event: PointerEvent): void {
    const press = this.press;
    if (!press || event.pointerId !== press.pointer) return;
    const p = this.local(event);
    if (!press.moved && Math.hypot(p.x - press.x0, p.y - press.y0) < SLOP) return;
    press.moved = true;
    event.preventDefault();
    if (this.connecting) {
      const from = this.circuit?.nodes.find((n) => n.id === press.id);
      if (!from) return;
      const a = this.at(from);
      const over = this.nodeAt(p.x, p.y, press.id);
      const b = over ? this.at(this.circuit!.nodes.find((n) => n.id === over)!) : p;
      for (const [k, v] of Object.entries({ x1: a.x, y1: a.y, x2: b.x, y2: b.y })) this.ghost.setAttribute(k, String(v));
      this.ghost.setAttribute('visibility', 'visible');
      for (const [id, g] of this.nodeElements) g.classList.toggle('target', id === over);
      return;
    }
    const unit = this.toUnit(p.x + press.dx, p.y + press.dy);
    this.events.move(press.id, unit.x, unit.y, false);
  }

  private up(event: PointerEvent): void {
    const press = this.press;
    if (!press || event.pointerId !== press.pointer) return;
    this.press = null;
    this.ghost.setAttribute('visibility', 'hidden');
    for (const g of this.nodeElements.values()) g.classList.remove('target');
    if (!press.moved) {
      this.events.select(press.id);
      return;
    }
    const p = this.local(event);
    if (this.connecting) {
      const over = this.nodeAt(p.x, p.y, press.id);
      if (over) this.events.connect(press.id, over);
      return;
    }
    const unit = this.toUnit(p.x + press.dx, p.y + press.dy);
    this.events.move(press.id, unit.x, unit.y, true);
  }

  private cancel(): void {
    if (this.press?.moved && !this.connecting) {
      const node = this.circuit?.nodes.find((n) => n.id === this.press!.id);
      if (node) this.events.move(node.id, node.x, node.y, true);
    }
    this.press = null;
    this.ghost.setAttribute('visibility', 'hidden');
  }

  // --- activity ---

  /** A node's neuron fired: light it, and send a pulse along each of its outgoing edges. */
  fired(id: string, now: number): void {
    if (!this.circuit) return;
    this.lit.set(id, now);
    for (const edge of this.circuit.edges) {
      if (edge.from !== id) continue;
      const existing = this.pulses.findIndex((p) => p.edge === edge.id && now - p.start < PULSE_MS / 3);
      if (existing >= 0) continue; // a burst reads as one pulse at a time per synapse
      if (this.pulses.length >= MAX_PULSES) this.pulses.shift();
      this.pulses.push({ edge: edge.id, start: now, sign: edge.projection ? synapseSign(edge.projection) : 'wire' });
    }
    this.animate();
  }

  /** A current source is on (its input flows now): lit steadily. */
  flowing(id: string, on: boolean, now: number): void {
    if (on) {
      this.lit.set(id, now + 1e9);
      this.animate();
    } else if ((this.lit.get(id) ?? 0) > now + 1e6) this.lit.set(id, now);
  }

  /** Every light and pulse out (a new run). */
  quiet(): void {
    this.lit.clear();
    this.pulses = [];
    this.pulseLayer.replaceChildren();
    for (const g of this.nodeElements.values()) g.querySelector('.circuit-halo')?.setAttribute('opacity', '0');
  }

  /** Lit nodes now (for tests and the text alternative). */
  litNow(now: number): string[] {
    return [...this.lit].filter(([, at]) => now - at < LIGHT_MS).map(([id]) => id);
  }

  private animate(): void {
    if (this.animating) return;
    this.animating = true;
    const step = (now: number) => {
      let active = false;
      for (const [id, g] of this.nodeElements) {
        const at = this.lit.get(id);
        const age = at === undefined ? Infinity : now - at;
        const opacity = age < 0 ? 0.55 : age < LIGHT_MS ? 0.85 * (1 - age / LIGHT_MS) : 0;
        if (opacity > 0) active = true;
        g.querySelector('.circuit-halo')?.setAttribute('opacity', opacity.toFixed(2));
        g.classList.toggle('firing', age < LIGHT_MS);
      }
      this.pulses = this.pulses.filter((p) => now - p.start < PULSE_MS);
      const byId = new Map(this.circuit?.nodes.map((n) => [n.id, n]) ?? []);
      const edges = new Map(this.circuit?.edges.map((e) => [e.id, e]) ?? []);
      const dots = this.pulses.flatMap((p) => {
        const edge = edges.get(p.edge);
        const from = edge && byId.get(edge.from);
        const to = edge && byId.get(edge.to);
        if (!from || !to) return [];
        const at = this.course(from, to).at(Math.max(0, Math.min(1, (now - p.start) / PULSE_MS)));
        return [svg('circle', { cx: at.x, cy: at.y, r: 6, fill: p.sign === 'wire' ? COLOURS.wire : COLOURS[p.sign], class: 'circuit-pulse' })];
      });
      this.pulseLayer.replaceChildren(...dots);
      if (dots.length > 0) active = true;
      if (active) requestAnimationFrame(step);
      else this.animating = false;
    };
    requestAnimationFrame(step);
  }
}
