/**
 * A small Markdown renderer for the subset the package READMEs and TSDoc comments use:
 * ATX headings, paragraphs, fenced code, GFM tables, bullet and ordered lists (nested,
 * tight or loose), block quotes, rules; inline code, links, bold, italics, backslash
 * escapes. Raw HTML is not markup here: it is escaped like any other text.
 */
import { escapeHtml, slugOf } from './escape.js';

export interface MarkdownOptions {
  /** Prefixed to every heading id, so two documents on one page do not collide. */
  readonly idPrefix?: string;
  /**
   * Where a link goes: the href to use, or null to show the link text without a link
   * (a repository path the page cannot reach). Default: keep http(s), mailto and `#` links.
   */
  readonly linkHref?: (href: string) => string | null;
}

interface RenderContext {
  readonly options: MarkdownOptions;
  /** Heading ids already used in this document. */
  readonly usedIds: Set<string>;
}

const fencePattern = /^( {0,3})(`{3,}|~{3,})\s*([^`\s]*)[^`]*$/;
const headingPattern = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const rulePattern = /^ {0,3}(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,})$/;
const listItemPattern = /^( {0,3})([-*+]|\d{1,9}[.)])([ \t]+|$)(.*)$/;
const quotePattern = /^ {0,3}> ?(.*)$/;
const tableDelimiterPattern = /^ {0,3}\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$/;

/** `markdown` as HTML. */
export function renderMarkdown(markdown: string, options: MarkdownOptions = {}): string {
  const lines = markdown.replace(/\r\n?/g, '\n').replace(/\t/g, '    ').split('\n');
  return renderBlocks(lines, { options, usedIds: new Set() }, false);
}

/** Inline Markdown (code, links, emphasis) as HTML: for one line of text. */
export function renderInline(text: string, options: MarkdownOptions = {}): string {
  return inline(text, options);
}

function isBlank(line: string): boolean {
  return line.trim() === '';
}

function startsBlock(line: string, next: string | undefined): boolean {
  return (
    fencePattern.test(line) ||
    headingPattern.test(line) ||
    rulePattern.test(line) ||
    quotePattern.test(line) ||
    listItemPattern.test(line) ||
    (next !== undefined && line.includes('|') && tableDelimiterPattern.test(next))
  );
}

function renderBlocks(lines: readonly string[], context: RenderContext, tight: boolean): string {
  const out: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] ?? '';
    const next = lines[i + 1];
    if (isBlank(line)) {
      i += 1;
      continue;
    }
    const fence = fencePattern.exec(line);
    if (fence !== null) {
      i = renderFence(lines, i, fence, out);
      continue;
    }
    const heading = headingPattern.exec(line);
    if (heading !== null) {
      out.push(renderHeading(heading[1]?.length ?? 1, heading[2] ?? '', context));
      i += 1;
      continue;
    }
    if (rulePattern.test(line)) {
      out.push('<hr>');
      i += 1;
      continue;
    }
    if (quotePattern.test(line)) {
      i = renderQuote(lines, i, context, out);
      continue;
    }
    if (listItemPattern.test(line)) {
      i = renderList(lines, i, context, out);
      continue;
    }
    if (next !== undefined && line.includes('|') && tableDelimiterPattern.test(next)) {
      i = renderTable(lines, i, context, out);
      continue;
    }
    const paragraph: string[] = [line.trim()];
    i += 1;
    while (i < lines.length && !isBlank(lines[i] ?? '') && !startsBlock(lines[i] ?? '', lines[i + 1])) {
      paragraph.push((lines[i] ?? '').trim());
      i += 1;
    }
    const html = inline(paragraph.join('\n'), context.options);
    out.push(tight ? html : `<p>${html}</p>`);
  }
  return out.join('\n');
}

function renderFence(lines: readonly string[], start: number, fence: RegExpExecArray, out: string[]): number {
  const indent = fence[1]?.length ?? 0;
  const marker = fence[2] ?? '```';
  const language = fence[3] ?? '';
  const body: string[] = [];
  let i = start + 1;
  while (i < lines.length) {
    const line = lines[i] ?? '';
    const trimmed = line.trim();
    if (trimmed.startsWith(marker) && /^([`~])\1*$/.test(trimmed)) {
      i += 1;
      break;
    }
    body.push(line.replace(new RegExp(`^ {0,${indent}}`), ''));
    i += 1;
  }
  const className = language === '' ? '' : ` class="language-${escapeHtml(language)}"`;
  out.push(`<pre><code${className}>${escapeHtml(body.join('\n'))}</code></pre>`);
  return i;
}

function renderHeading(level: number, text: string, context: RenderContext): string {
  const html = inline(text, context.options);
  const base = `${context.options.idPrefix ?? ''}${slugOf(html)}`;
  let id = base;
  for (let n = 1; context.usedIds.has(id); n += 1) id = `${base}-${n}`;
  context.usedIds.add(id);
  return `<h${level} id="${escapeHtml(id)}">${html}</h${level}>`;
}

function renderQuote(lines: readonly string[], start: number, context: RenderContext, out: string[]): number {
  const body: string[] = [];
  let i = start;
  while (i < lines.length) {
    const line = lines[i] ?? '';
    const quoted = quotePattern.exec(line);
    if (quoted !== null) body.push(quoted[1] ?? '');
    else if (!isBlank(line) && !startsBlock(line, lines[i + 1]))
      body.push(line); // lazy continuation
    else break;
    i += 1;
  }
  out.push(`<blockquote>\n${renderBlocks(body, context, false)}\n</blockquote>`);
  return i;
}

function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}

interface ListItem {
  /** The item's lines, its content indentation kept (the first line re-indented to it). */
  readonly lines: string[];
  /** Columns of the marker and the space after it: continuation lines indent this far. */
  readonly contentIndent: number;
}

function renderList(lines: readonly string[], start: number, context: RenderContext, out: string[]): number {
  const firstMarker = listItemPattern.exec(lines[start] ?? '')?.[2] ?? '-';
  const ordered = /\d/.test(firstMarker);
  const sameKind = (marker: string): boolean =>
    ordered ? /\d/.test(marker) && marker.endsWith(firstMarker.slice(-1)) : marker === firstMarker;
  const items: ListItem[] = [];
  let i = start;
  let afterBlank = false;
  while (i < lines.length) {
    const line = lines[i] ?? '';
    const current = items[items.length - 1];
    const item = listItemPattern.exec(line);
    const markerIndent = item?.[1]?.length ?? 0;
    if (item !== null && sameKind(item[2] ?? '') && (current === undefined || markerIndent < current.contentIndent)) {
      const marker = item[2] ?? '';
      const spacing = (item[3] ?? ' ').length;
      const contentIndent = markerIndent + marker.length + (spacing > 4 || spacing === 0 ? 1 : spacing);
      items.push({ lines: [`${' '.repeat(contentIndent)}${item[4] ?? ''}`], contentIndent });
      afterBlank = false;
      i += 1;
      continue;
    }
    if (current === undefined) break;
    if (isBlank(line)) {
      afterBlank = true;
      current.lines.push('');
      i += 1;
      continue;
    }
    if (indentOf(line) >= current.contentIndent) {
      afterBlank = false;
      current.lines.push(line);
      i += 1;
      continue;
    }
    // A lazy continuation of the item's paragraph; anything else ends the list.
    if (!afterBlank && !startsBlock(line, lines[i + 1])) {
      current.lines.push(' '.repeat(current.contentIndent) + line.trim());
      i += 1;
      continue;
    }
    break;
  }
  // Blank lines the list ended with belong to what follows.
  const last = items[items.length - 1];
  while (last !== undefined && last.lines.length > 1 && isBlank(last.lines[last.lines.length - 1] ?? ''))
    last.lines.pop();
  // Loose when a blank line separates two items or two blocks of one item.
  const loose = items.some((entry) => entry.lines.some(isBlank));
  const tag = ordered ? 'ol' : 'ul';
  const startNumber = ordered ? Number.parseInt(firstMarker, 10) : 1;
  const startAttribute = ordered && startNumber !== 1 ? ` start="${startNumber}"` : '';
  const itemsHtml = items.map((entry) => {
    const body = entry.lines.map((l) =>
      indentOf(l) >= entry.contentIndent ? l.slice(entry.contentIndent) : l.trimStart(),
    );
    return `<li>${renderBlocks(body, context, !loose)}</li>`;
  });
  out.push(`<${tag}${startAttribute}>\n${itemsHtml.join('\n')}\n</${tag}>`);
  return i;
}

/** One table row's cells: split on unescaped `|`, `\|` kept as a literal pipe (GFM). */
function cellsOf(row: string): string[] {
  let text = row.trim();
  if (text.startsWith('|')) text = text.slice(1);
  if (text.endsWith('|') && !text.endsWith('\\|')) text = text.slice(0, -1);
  const cells: string[] = [];
  let cell = '';
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charAt(i);
    if (c === '\\' && text[i + 1] === '|') {
      cell += '|';
      i += 1;
      continue;
    }
    if (c === '|') {
      cells.push(cell.trim());
      cell = '';
      continue;
    }
    cell += c;
  }
  cells.push(cell.trim());
  return cells;
}

function renderTable(lines: readonly string[], start: number, context: RenderContext, out: string[]): number {
  const header = cellsOf(lines[start] ?? '');
  const alignments = cellsOf(lines[start + 1] ?? '').map((spec) => {
    if (spec.startsWith(':') && spec.endsWith(':')) return 'center';
    if (spec.endsWith(':')) return 'right';
    return spec.startsWith(':') ? 'left' : null;
  });
  const cellHtml = (tag: 'th' | 'td', text: string, column: number): string => {
    const align = alignments[column];
    const style = align === null || align === undefined ? '' : ` style="text-align: ${align}"`;
    return `<${tag}${style}>${inline(text, context.options)}</${tag}>`;
  };
  const rows: string[] = [];
  let i = start + 2;
  while (i < lines.length && !isBlank(lines[i] ?? '') && (lines[i] ?? '').includes('|')) {
    const cells = cellsOf(lines[i] ?? '');
    rows.push(`<tr>${header.map((_, column) => cellHtml('td', cells[column] ?? '', column)).join('')}</tr>`);
    i += 1;
  }
  const head = `<thead><tr>${header.map((text, column) => cellHtml('th', text, column)).join('')}</tr></thead>`;
  out.push(`<table>${head}<tbody>${rows.join('\n')}</tbody></table>`);
  return i;
}

/** The default link policy: absolute web links and fragments pass, everything else is text. */
function defaultHref(href: string): string | null {
  return /^(?:https?:|mailto:|#)/i.test(href) ? href : null;
}

function safeHref(href: string, options: MarkdownOptions): string | null {
  const chosen = (options.linkHref ?? defaultHref)(href);
  if (chosen === null) return null;
  // Whatever a policy returns, script URLs never become links.
  return /^\s*(?:javascript|vbscript|data):/i.test(chosen) ? null : chosen;
}

/**
 * Inline Markdown as HTML. Code spans, links and escapes are cut out first into
 * placeholders, the rest is escaped, then emphasis is applied and the placeholders put back.
 */
function inline(text: string, options: MarkdownOptions): string {
  const held: string[] = [];
  const hold = (html: string): string => `\u0000${held.push(html) - 1}\u0000`;
  let rest = text.replace(/\u0000/g, '');
  // Code spans: a run of backticks up to the next run of the same length.
  rest = rest.replace(/(`+)([\s\S]*?[^`])\1(?!`)/g, (_match, _ticks: string, code: string) => {
    const body = code.replace(/\n/g, ' ');
    const trimmed = /^ .* $/.test(body) && body.trim() !== '' ? body.slice(1, -1) : body;
    return hold(`<code>${escapeHtml(trimmed)}</code>`);
  });
  rest = rest.replace(/\\([!-/:-@[-`{-~])/g, (_match, c: string) => hold(escapeHtml(c)));
  rest = rest.replace(/<((?:https?|mailto):[^\s<>]+)>/gi, (_match, url: string) => {
    const href = safeHref(url, options);
    return hold(href === null ? escapeHtml(url) : `<a href="${escapeHtml(href)}">${escapeHtml(url)}</a>`);
  });
  rest = rest.replace(
    /\[([^\]]*(?:\u0000\d+\u0000[^\]]*)*)\]\(\s*<?([^\s()<>]*(?:\([^\s()]*\)[^\s()<>]*)*)>?(?:\s+"([^"]*)")?\s*\)/g,
    (_match, label: string, url: string, title: string | undefined) => {
      const labelHtml = emphasis(escapeHtml(label));
      const href = safeHref(url, options);
      if (href === null) return hold(`<span class="dl-docs-link-text">${labelHtml}</span>`);
      const titleAttribute = title === undefined ? '' : ` title="${escapeHtml(title)}"`;
      const external = /^https?:/i.test(href) ? ' rel="noopener noreferrer"' : '';
      return hold(`<a href="${escapeHtml(href)}"${titleAttribute}${external}>${labelHtml}</a>`);
    },
  );
  const html = emphasis(escapeHtml(rest));
  // Placeholders can nest (a code span inside a link label): restore until none is left.
  let restored = html;
  for (let round = 0; round < 3 && restored.includes('\u0000'); round += 1) {
    restored = restored.replace(/\u0000(\d+)\u0000/g, (_match, index: string) => held[Number(index)] ?? '');
  }
  return restored;
}

/** `**strong**`, `__strong__`, `*em*` and `_em_` (the underscore forms only between words). */
function emphasis(escaped: string): string {
  return escaped
    .replace(/\*\*(?=\S)([\s\S]*?\S)\*\*/g, '<strong>$1</strong>')
    .replace(/(^|[^\w])__(?=\S)([\s\S]*?\S)__(?!\w)/g, '$1<strong>$2</strong>')
    .replace(/(^|[^*\w\\])\*(?=[^\s*])([^*]*?[^\s*])\*(?![*\w])/g, '$1<em>$2</em>')
    .replace(/(^|[^\w])_(?=[^\s_])([^_]*?[^\s_])_(?!\w)/g, '$1<em>$2</em>');
}
