/** The "API reference" section of a package page, from the API model's entries (TypeDoc's JSON, ./api-model.ts). */
import type { ApiEntry, ApiKind } from './api-model.js';
import { escapeHtml } from './escape.js';
import { renderInline, renderMarkdown } from './markdown.js';

/** Signatures longer than this put each top-level union member on a line of its own. */
const WRAP_AT = 100;

/** A type alias's top-level `|` alternatives on separate lines, when the line is long. */
export function wrapSignature(signature: string): string {
  if (signature.length <= WRAP_AT || !signature.startsWith('type ')) return signature;
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  let quote = '';
  for (let i = 0; i < signature.length; i += 1) {
    const c = signature[i] ?? '';
    if (quote !== '') {
      if (c === quote) quote = '';
      continue;
    }
    if (c === "'" || c === '"' || c === '`') quote = c;
    else if ('([{<'.includes(c)) depth += 1;
    else if (')]}'.includes(c) || (c === '>' && signature[i - 1] !== '=')) depth -= 1;
    else if (c === '|' && depth === 0 && signature[i - 1] === ' ') {
      parts.push(signature.slice(start, i).trimEnd());
      start = i;
    }
  }
  parts.push(signature.slice(start));
  return parts.length === 1 ? signature : parts.join('\n  ');
}

interface DocParts {
  readonly summary: string;
  readonly tags: readonly { readonly tag: string; readonly text: string }[];
}

/** A doc comment's text split into its summary and its block tags (`@param`, `@returns`, …). */
export function splitDoc(doc: string): DocParts {
  const summary: string[] = [];
  const tags: { tag: string; text: string }[] = [];
  let inFence = false;
  for (const line of doc.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) inFence = !inFence;
    const tag = inFence ? null : /^@(\w+)\s?(.*)$/.exec(line.trim());
    const current = tags[tags.length - 1];
    if (tag !== null) tags.push({ tag: tag[1] ?? '', text: tag[2] ?? '' });
    else if (current !== undefined) current.text += `\n${line}`;
    else summary.push(line);
  }
  return { summary: summary.join('\n').trim(), tags: tags.map((t) => ({ tag: t.tag, text: t.text.trim() })) };
}

const tagLabels: Readonly<Record<string, string>> = {
  param: 'Parameter',
  typeParam: 'Type parameter',
  returns: 'Returns',
  throws: 'Throws',
  example: 'Example',
  see: 'See',
  remarks: 'Remarks',
  deprecated: 'Deprecated',
  defaultValue: 'Default',
};

function renderTag(tag: string, text: string): string {
  if (tag === 'internal' || tag === 'packageDocumentation') return '';
  const label = escapeHtml(tagLabels[tag] ?? `@${tag}`);
  if (tag === 'param' || tag === 'typeParam') {
    const param = /^([\w$.[\]]+)\s*(?:-\s*)?([\s\S]*)$/.exec(text);
    const name = param?.[1] ?? text;
    return `<dt>${label} <code>${escapeHtml(name)}</code></dt><dd>${renderInline(param?.[2] ?? '')}</dd>`;
  }
  if (tag === 'example') {
    const body = text.includes('```')
      ? renderMarkdown(text)
      : `<pre><code class="language-ts">${escapeHtml(text)}</code></pre>`;
    return `<dt>${label}</dt><dd>${body}</dd>`;
  }
  return `<dt>${label}</dt><dd>${renderInline(text)}</dd>`;
}

/** A doc comment as HTML: the summary as Markdown, the tags as a definition list. */
export function renderDoc(doc: string): string {
  const { summary, tags } = splitDoc(doc);
  const tagsHtml = tags
    .map((t) => renderTag(t.tag, t.text))
    .filter((html) => html !== '')
    .join('');
  const summaryHtml = summary === '' ? '' : renderMarkdown(summary);
  return `${summaryHtml}${tagsHtml === '' ? '' : `<dl class="dl-api-tags">${tagsHtml}</dl>`}`;
}

function entryId(packageId: string, name: string): string {
  return `${packageId}-api-${name.replace(/[^\w$-]/g, '_')}`;
}

function renderMembers(members: readonly ApiEntry[]): string {
  if (members.length === 0) return '';
  const rows = members.map((m) => {
    const doc = m.doc === '' ? '' : renderDoc(m.doc);
    return `<dt><code class="language-ts">${escapeHtml(m.signature)}</code></dt><dd>${doc}</dd>`;
  });
  return `<dl class="dl-api-members">${rows.join('')}</dl>`;
}

function renderEntry(packageId: string, entry: ApiEntry): string {
  const kind =
    entry.typeOnly && entry.kind !== 'interface' && entry.kind !== 'type' ? `${entry.kind}, type only` : entry.kind;
  const signature =
    entry.signature === ''
      ? '<p class="dl-api-missing">Declaration not found in the sources.</p>'
      : `<pre class="dl-api-signature"><code class="language-ts">${escapeHtml(wrapSignature(entry.signature))}</code></pre>`;
  const doc = entry.doc === '' ? '<p class="dl-api-undocumented">No TSDoc comment.</p>' : renderDoc(entry.doc);
  return (
    `<section class="dl-api-entry" id="${escapeHtml(entryId(packageId, entry.name))}" data-kind="${escapeHtml(entry.kind)}">` +
    `<h4><code>${escapeHtml(entry.name)}</code> <span class="dl-api-kind">${escapeHtml(kind)}</span></h4>` +
    `${signature}<div class="dl-api-doc">${doc}</div>${renderMembers(entry.members)}</section>`
  );
}

const groups: readonly { readonly title: string; readonly kinds: readonly ApiKind[] }[] = [
  { title: 'Functions', kinds: ['function'] },
  { title: 'Classes', kinds: ['class'] },
  { title: 'Constants', kinds: ['const', 'enum', 'namespace'] },
  { title: 'Types', kinds: ['interface', 'type'] },
  { title: 'Re-exported', kinds: ['reexport'] },
  { title: 'Other exports', kinds: ['unknown', 'method', 'property', 'getter', 'constructor'] },
];

/** One entry point's API: an index of names, then each group's entries. */
export function renderApi(packageId: string, entryPoint: string, entries: readonly ApiEntry[]): string {
  const sections = groups
    .map((group) => {
      const inGroup = entries.filter((e) => group.kinds.includes(e.kind));
      if (inGroup.length === 0) return '';
      return `<h3>${escapeHtml(group.title)} <span class="dl-api-count">(${inGroup.length})</span></h3>${inGroup.map((e) => renderEntry(packageId, e)).join('\n')}`;
    })
    .join('\n');
  const index = entries
    .map((e) => `<li><a href="#${escapeHtml(entryId(packageId, e.name))}"><code>${escapeHtml(e.name)}</code></a></li>`)
    .join('');
  return (
    `<div class="dl-api-entry-point" data-entry-point="${escapeHtml(entryPoint)}">` +
    `<p class="dl-api-intro">Everything <code>${escapeHtml(entryPoint)}</code> exports, with its TSDoc.</p>` +
    `<ul class="dl-api-index">${index}</ul>\n${sections}</div>`
  );
}
