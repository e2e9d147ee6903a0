/** Building SVG/HTML strings: every attribute value and every text goes through `escapeXml`. */
import { escapeXml } from './escape.js';

/** Attribute values; `undefined`/`null`/`false` leave the attribute out, `true` writes it empty. */
export type Attributes = Readonly<Record<string, string | number | boolean | null | undefined>>;

/** ` a="1" b="x"`, escaped, in the given order. */
export function attributes(attrs: Attributes): string {
  let out = '';
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (!/^[A-Za-z_:][-A-Za-z0-9_:.]*$/.test(name)) throw new Error(`not an attribute name: ${name}`);
    out += value === true ? ` ${name}=""` : ` ${name}="${escapeXml(String(value))}"`;
  }
  return out;
}

/** An element with already-built children (strings made by `element`/`text`), or self-closed. */
export function element(tag: string, attrs: Attributes, ...children: readonly string[]): string {
  return children.length === 0
    ? `<${tag}${attributes(attrs)}/>`
    : `<${tag}${attributes(attrs)}>${children.join('')}</${tag}>`;
}

/** Escaped text content. */
export function text(content: string): string {
  return escapeXml(content);
}

/** A `<title>` (hover text in SVG); lines joined with newlines. */
export function svgTitle(lines: readonly string[]): string {
  return `<title>${escapeXml(lines.join('\n'))}</title>`;
}

/** The opening of a standalone SVG document of the given size. */
export function svgRoot(
  className: string,
  width: number,
  height: number,
  label: string,
  ...children: readonly string[]
): string {
  const w = Math.ceil(width);
  const h = Math.ceil(height);
  return element(
    'svg',
    {
      xmlns: 'http://www.w3.org/2000/svg',
      class: `dl-picture ${className}`,
      viewBox: `0 0 ${w} ${h}`,
      width: w,
      height: h,
      role: 'img',
      'aria-label': label,
      'font-family': 'system-ui, -apple-system, "Segoe UI", sans-serif',
      'font-size': 12,
    },
    svgTitle([label]),
    ...children,
  );
}

/** The monospace font used where widths are estimated from character counts. */
export const monospace = 'ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace';
