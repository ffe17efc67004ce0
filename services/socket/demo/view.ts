/** Small DOM helpers for the demo: no framework, text only (never innerHTML with data from the wire). */

/** The element with this id; throws when the page lacks it (a broken page should fail loudly). */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`#${id} is missing from the page`);
  return element as T;
}

/** Creates an element with text and attributes (`data-*`, `class`, ...). */
export function el(tag: string, text = '', attributes: Record<string, string> = {}): HTMLElement {
  const element = document.createElement(tag);
  element.textContent = text;
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  return element;
}

/** Replaces a container's children. */
export function fill(container: HTMLElement, children: HTMLElement[]): void {
  container.replaceChildren(...children);
}

const LOG_LINES = 60;

/** Prepends a line to the event log, keeping the last `LOG_LINES`. */
export function log(line: string): void {
  const list = byId('log');
  list.prepend(el('li', `${new Date().toLocaleTimeString()} ${line}`));
  while (list.childElementCount > LOG_LINES) list.lastElementChild?.remove();
}
