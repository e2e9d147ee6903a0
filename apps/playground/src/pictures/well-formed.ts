/** Test support: a small XML well-formedness check (no DOMParser in node). */

const name = '[A-Za-z_][-A-Za-z0-9_:.]*';
const attribute = `\\s+${name}="[^"<]*"`;
const tag = new RegExp(`<(/?)(${name})((?:${attribute})*)\\s*(/?)>`, 'g');

/**
 * Problems of `markup` as XML: unbalanced or badly nested tags, attributes not in double
 * quotes, `<` or `&` outside tags and entities, duplicate attributes. Empty when well-formed.
 */
export function xmlProblems(markup: string): string[] {
  const problems: string[] = [];
  const open: string[] = [];
  let last = 0;
  const textProblems = (between: string, at: number): void => {
    if (between.includes('<') || between.includes('>'))
      problems.push(`stray markup at ${at}: ${JSON.stringify(between.slice(0, 40))}`);
    if (/&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(between)) problems.push(`bare & at ${at}`);
  };
  for (const m of markup.matchAll(tag)) {
    textProblems(markup.slice(last, m.index), last);
    last = m.index + m[0].length;
    const [, closing, tagName, attrs, selfClosing] = m as unknown as [string, string, string, string, string];
    const names = [...attrs.matchAll(new RegExp(`\\s+(${name})=`, 'g'))].map((a) => a[1]!);
    if (new Set(names).size !== names.length) problems.push(`duplicate attribute in <${tagName}>`);
    if (/&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(attrs)) problems.push(`bare & in <${tagName}>`);
    if (closing === '/') {
      const expected = open.pop();
      if (expected !== tagName) problems.push(`</${tagName}> closes <${expected ?? 'nothing'}>`);
    } else if (selfClosing !== '/') open.push(tagName);
  }
  textProblems(markup.slice(last), last);
  if (open.length > 0) problems.push(`unclosed: ${open.join(' > ')}`);
  return problems;
}

/** The values of `attribute` on every element of `markup` that has it (entities decoded). */
export function attributeValues(markup: string, attributeName: string): string[] {
  return [...markup.matchAll(new RegExp(`\\s${attributeName}="([^"]*)"`, 'g'))].map((m) => decodeEntities(m[1]!));
}

/** Text with the five XML entities and numeric references decoded. */
export function decodeEntities(value: string): string {
  return value.replace(/&(amp|lt|gt|quot|apos|#39|#\d+|#x[0-9a-fA-F]+);/g, (_, e: string) => {
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    if (named[e] !== undefined) return named[e];
    return String.fromCodePoint(e.startsWith('#x') ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
  });
}

/** The elements `<tag …>` of `markup` whose attributes include all of `match`, as attribute maps. */
export function elements(
  markup: string,
  tagName: string,
  match: Readonly<Record<string, string>> = {},
): Record<string, string>[] {
  const found: Record<string, string>[] = [];
  for (const m of markup.matchAll(new RegExp(`<${tagName}((?:\\s+${name}="[^"]*")*)\\s*/?>`, 'g'))) {
    const attrs = Object.fromEntries(
      [...m[1]!.matchAll(new RegExp(`(${name})="([^"]*)"`, 'g'))].map((a) => [a[1]!, decodeEntities(a[2]!)]),
    );
    if (Object.entries(match).every(([k, v]) => attrs[k] === v)) found.push(attrs);
  }
  return found;
}
