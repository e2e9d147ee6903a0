/**
 * Lexical helpers for reading TypeScript source text without a parser: skipping strings and
 * comments, and finding where a declaration's head or statement ends at bracket depth 0.
 * Good enough for the hand-written, formatted sources of this repository — not for any
 * TypeScript (regular-expression literals containing brackets would confuse it).
 */

/** Index just past the string, template or comment starting at `at`, or `at` when none does. */
export function skipNonCode(source: string, at: number): number {
  const c = source[at];
  const next = source[at + 1];
  if (c === '/' && next === '/') {
    const end = source.indexOf('\n', at);
    return end === -1 ? source.length : end;
  }
  if (c === '/' && next === '*') {
    const end = source.indexOf('*/', at + 2);
    return end === -1 ? source.length : end + 2;
  }
  if (c === '"' || c === "'") {
    let i = at + 1;
    while (i < source.length && source[i] !== c && source[i] !== '\n') i += source[i] === '\\' ? 2 : 1;
    return i + 1;
  }
  if (c === '`') {
    let i = at + 1;
    while (i < source.length && source[i] !== '`') {
      if (source[i] === '\\') { i += 2; continue; }
      if (source[i] === '$' && source[i + 1] === '{') { i = matchingClose(source, i + 1) + 1; continue; }
      i += 1;
    }
    return i + 1;
  }
  return at;
}

const openers = '([{<';
const closers = ')]}>';

/** Index of the bracket closing the one at `open` (strings and comments skipped). */
export function matchingClose(source: string, open: number): number {
  const opener = source[open] ?? '{';
  const closer = closers[openers.indexOf(opener)] ?? '}';
  let depth = 0;
  let i = open;
  while (i < source.length) {
    const skipped = skipNonCode(source, i);
    if (skipped !== i) { i = skipped; continue; }
    const c = source[i];
    if (c === opener) depth += 1;
    else if (c === closer) {
      depth -= 1;
      if (depth === 0) return i;
    }
    i += 1;
  }
  return source.length;
}

/** Tokens after which a `{` opens an object type, not a body. */
const typeContext = new Set([':', '|', '&', '=>', ',', '=', '?', 'extends', 'keyof', 'typeof', 'readonly', 'in', 'of']);

export interface DeclarationEnd {
  /** Where the declaration's head ends: its body's `{`, its `;`, or the end of the text. */
  readonly headEnd: number;
  /** The body's `{`, or -1 when the declaration has none (a type, an overload, a property). */
  readonly bodyStart: number;
  /** Just past the whole declaration (its body's `}` or its `;`). */
  readonly end: number;
}

/**
 * Scans a declaration from `start` at bracket depth 0: it ends at a `;`, at a `{` that
 * opens a body (one not following a type-context token such as `:` or `|`), at a bracket
 * closing the enclosing body (a last member without `;`), or at `stopAt`.
 */
export function declarationEnd(source: string, start: number, stopAt: number = source.length): DeclarationEnd {
  let depth = 0;
  let previous = '';
  let i = start;
  while (i < stopAt) {
    const skipped = skipNonCode(source, i);
    if (skipped !== i) { i = skipped; continue; }
    const c = source[i] ?? '';
    if (/\s/.test(c)) { i += 1; continue; }
    if (c === '=' && source[i + 1] === '>') { previous = '=>'; i += 2; continue; }
    if (depth === 0 && c === ';') return { headEnd: i, bodyStart: -1, end: i + 1 };
    if (depth === 0 && c === '{' && !typeContext.has(previous)) {
      const close = matchingClose(source, i);
      return { headEnd: i, bodyStart: i, end: close + 1 };
    }
    if ('([{'.includes(c) || (c === '<' && isTypeAngle(source, i))) depth += 1;
    else if (')]}'.includes(c) || (c === '>' && depth > 0)) {
      depth -= 1;
      // A member ends where its enclosing body does (a property without a `;`).
      if (depth < 0) return { headEnd: i, bodyStart: -1, end: i };
    }
    const word = /^[\w$]+/.exec(source.slice(i, i + 40));
    if (word !== null) { previous = word[0]; i += word[0].length; continue; }
    previous = c;
    i += 1;
  }
  return { headEnd: stopAt, bodyStart: -1, end: stopAt };
}

/** A `<` that opens type arguments or parameters (not a less-than comparison). */
function isTypeAngle(source: string, at: number): boolean {
  return /^<\s*[\w$[({'"`]/.test(source.slice(at, at + 3)) && source[at - 1] !== ' ';
}

/** The TSDoc `/** … *\/` block that ends right before `at` (only whitespace between), or null. */
export function docCommentBefore(source: string, at: number): string | null {
  const before = source.slice(0, at).trimEnd();
  if (!before.endsWith('*/')) return null;
  const open = before.lastIndexOf('/**');
  if (open === -1 || before.slice(open, -2).includes('*/')) return null;
  return before.slice(open);
}

/** A doc comment's text: delimiters and leading `*` gone, `{@link X}` as `` `X` ``. */
export function docText(comment: string): string {
  const body = comment.replace(/^\/\*\*/, '').replace(/\*\/$/, '');
  const lines = body.split('\n').map((line) => line.replace(/^\s*\* ?/, '').trimEnd());
  return lines.join('\n').trim()
    .replace(/\{@(?:link|linkcode|linkplain)\s+([^}|\s]+)(?:\s*\|\s*|\s+)?([^}]*)\}/g, (_match, target: string, label: string) => `\`${label.trim() === '' ? target : label.trim()}\``);
}

/** Source text without comments, whitespace runs collapsed, brackets hugged: for display. */
export function compactSignature(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text.charAt(i);
    if (c === '/' && (text[i + 1] === '/' || text[i + 1] === '*')) { i = skipNonCode(text, i); out += ' '; continue; }
    const skipped = skipNonCode(text, i);
    if (skipped !== i) { out += text.slice(i, skipped); i = skipped; continue; }
    out += c;
    i += 1;
  }
  return out.replace(/\s+/g, ' ').replace(/([([{<]) /g, (_m, open: string) => (open === '{' ? '{ ' : open))
    .replace(/,\s*([)\]>])/g, '$1').replace(/,\s*\}/g, ' }').replace(/=\s*\|\s*/g, '= ').replace(/ ([)\]>])/g, '$1').replace(/;\s*\}/g, ' }').trim();
}
