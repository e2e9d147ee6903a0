/** A tiny DOM builder: elements with attributes, properties, listeners and children. */

/** A child: nodes and text; null, undefined and false are skipped. */
export type Child = Node | string | null | undefined | false;

/** Attributes (strings, numbers, booleans), `class`, `dataset`, `on<event>` listeners, and the form properties. */
export interface Props {
  readonly class?: string;
  readonly dataset?: Readonly<Record<string, string>>;
  readonly value?: string;
  readonly checked?: boolean;
  readonly disabled?: boolean;
  readonly selected?: boolean;
  readonly [attribute: string]:
    string | number | boolean | undefined | Readonly<Record<string, string>> | ((event: Event) => void);
}

const properties: ReadonlySet<string> = new Set(['value', 'checked', 'disabled', 'selected']);

/** Makes an element. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props = {},
  ...children: readonly Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === false) {
      if (properties.has(key)) Reflect.set(element, key, false);
      continue;
    }
    if (key === 'class' && typeof value === 'string') element.className = value;
    else if (key === 'dataset') Object.assign(element.dataset, value);
    else if (typeof value === 'function') element.addEventListener(key.slice(2).toLowerCase(), value);
    else if (properties.has(key)) Reflect.set(element, key, value);
    else if (typeof value !== 'object') element.setAttribute(key, value === true ? '' : String(value));
  }
  element.append(...children.filter((c): c is Node | string => c !== null && c !== undefined && c !== false));
  return element;
}

/** Replaces an element's children. */
export function fill(parent: Element, ...children: readonly Child[]): void {
  parent.replaceChildren(...children.filter((c): c is Node | string => c !== null && c !== undefined && c !== false));
}

/** The element with this id, of this type, or an error (the page's skeleton is fixed). */
export function byId<T extends HTMLElement>(id: string, type: new () => T): T {
  const element = document.getElementById(id);
  if (!(element instanceof type)) throw new Error(`#${id} is missing from index.html`);
  return element;
}

/** `1,234 bytes`, `1 byte`. */
export function bytes(n: number): string {
  return count(n, 'byte');
}

/** A count and its noun: `1 slot`, `3 slots`, `2 libraries` (with `plural`). */
export function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n.toLocaleString('en')} ${n === 1 ? singular : plural}`;
}

/** Milliseconds with a sensible precision. */
export function ms(value: number): string {
  return value < 10 ? `${value.toFixed(2)} ms` : value < 100 ? `${value.toFixed(1)} ms` : `${Math.round(value)} ms`;
}
