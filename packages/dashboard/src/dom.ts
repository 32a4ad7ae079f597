type Child = Node | string | number | false | null | undefined;
type Attributes = Record<string, string | number | boolean | undefined | null | EventListener>;

/**
 * Creates an element: `on…` attributes become listeners, `true` boolean attributes are set, `false`/null/undefined
 * are left out. Children are appended as nodes or text (never parsed as HTML).
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.slice(2).toLowerCase(), value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

export function append(parent: Element, children: (Child | Child[])[]): void {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : String(child));
  }
}

const SVG = 'http://www.w3.org/2000/svg';

export function svg(
  tag: string,
  attributes: Record<string, string | number> = {},
  ...children: Node[]
): SVGElement {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  element.append(...children);
  return element;
}

/** Replaces an element's content. */
export function replace(parent: Element, ...children: (Child | Child[])[]): void {
  parent.replaceChildren();
  append(parent, children);
}

let idCounter = 0;
/** A unique element id (labels, aria-describedby). */
export function uid(prefix: string): string {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

/** Today's times as a time only; other days with a short date too. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return '—';
  if (at.toDateString() === new Date().toDateString()) return at.toLocaleTimeString();
  return at.toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });
}

/** A `<time>` with the local rendering and the ISO value. */
export function timeCell(iso: string | null | undefined): Node {
  if (!iso) return document.createTextNode('—');
  return h('time', { datetime: iso, title: iso }, formatTime(iso));
}
