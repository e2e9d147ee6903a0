/**
 * A package's API from its sources: the names its entry file exports, each with its kind,
 * its declaration's head as a one-line signature, and its TSDoc text — and, for classes and
 * interfaces, their public members the same way. Pure: the sources come in as text.
 */
import { compactSignature, declarationEnd, docCommentBefore, docText, skipNonCode } from './source-scan.js';

export type ApiKind = 'function' | 'class' | 'interface' | 'type' | 'const' | 'enum' | 'namespace' | 'method' | 'property' | 'getter' | 'constructor' | 'reexport' | 'unknown';

export interface ApiEntry {
  readonly name: string;
  readonly kind: ApiKind;
  /** The declaration's head on one line, e.g. `function createLinker(options: CreateOptions = {}): Promise<Linker>`. */
  readonly signature: string;
  /** The TSDoc comment's text (Markdown, `{@link X}` as `` `X` ``), or '' when it has none. */
  readonly doc: string;
  /** Public members of a class or interface, in source order; empty for anything else. */
  readonly members: readonly ApiEntry[];
  /** Exported only as a type (`export type { … }`). */
  readonly typeOnly: boolean;
}

/** One name an export clause names: `local as exported`, from `path` (relative, as written). */
interface ExportedName {
  readonly exported: string;
  readonly local: string;
  readonly from: string | null;
  readonly typeOnly: boolean;
}

const declarationKeywords = 'function\\*?|class|interface|type|const|let|var|enum|namespace';

/** How deep re-exports are followed (`index.ts` → `report/index.ts` → `report/ldd.ts`). */
const MAX_REEXPORT_DEPTH = 8;

function escapeRegExp(text: string): string {
  return text.replace(/[$()*+.?[\\\]^{|}]/g, '\\$&');
}

/** The names a module's `export { … } from '…'`, `export { … }` and `export * from '…'` clauses list. */
function exportClauses(source: string): { names: ExportedName[]; stars: string[] } {
  const names: ExportedName[] = [];
  const stars: string[] = [];
  const clause = /(^|\n)\s*export\s+(type\s+)?\{([^}]*)\}(?:\s*from\s*['"]([^'"]+)['"])?/g;
  for (let match = clause.exec(source); match !== null; match = clause.exec(source)) {
    const clauseTypeOnly = match[2] !== undefined;
    for (const raw of (match[3] ?? '').split(',')) {
      const spec = raw.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '').trim();
      if (spec === '') continue;
      const typeOnly = clauseTypeOnly || /^type\s/.test(spec);
      const [local = '', exported = local] = spec.replace(/^type\s+/, '').split(/\s+as\s+/).map((s) => s.trim());
      names.push({ exported, local, from: match[4] ?? null, typeOnly });
    }
  }
  const star = /(^|\n)\s*export\s+(?:type\s+)?\*\s*from\s*['"]([^'"]+)['"]/g;
  for (let match = star.exec(source); match !== null; match = star.exec(source)) stars.push(match[2] ?? '');
  return { names, stars };
}

/** Names declared with `export function|class|…` directly in a module, in source order. */
function declaredExports(source: string): string[] {
  const declared = new RegExp(`(?:^|\\n)export\\s+(?:declare\\s+)?(?:default\\s+)?(?:abstract\\s+)?(?:async\\s+)?(?:${declarationKeywords})\\s+([\\w$]+)`, 'g');
  return [...source.matchAll(declared)].map((m) => m[1] ?? '').filter((name) => name !== '');
}

/** `from` (`./x.js`, `../y/index.js`, `./z`) relative to the module at `importer`, as a key of `files`. */
export function resolveModulePath(importer: string, from: string, files: Readonly<Record<string, string>>): string | null {
  if (!from.startsWith('.')) return null;
  const parts = importer.split('/').slice(0, -1);
  for (const part of from.split('/')) {
    if (part === '..') parts.pop();
    else if (part !== '.' && part !== '') parts.push(part);
  }
  const joined = parts.join('/');
  const base = joined.replace(/\.(?:js|mjs|ts|mts)$/, '');
  const candidates = [`${base}.ts`, `${base}.mts`, `${base}.tsx`, `${base}.d.ts`, `${joined}/index.ts`, joined];
  return candidates.find((candidate) => files[candidate] !== undefined) ?? null;
}

interface Found {
  readonly source: string;
  /** Index of the declaration's first keyword (after `export`, `declare`, …). */
  readonly keywordAt: number;
  /** Index the doc comment precedes: the declaration's first token (`export` when exported). */
  readonly statementAt: number;
  readonly keyword: string;
}

/** Where `name` is declared in the module `path`, following its re-exports; null when nowhere. */
function findDeclaration(path: string, name: string, files: Readonly<Record<string, string>>, depth: number): Found | null {
  const source = files[path];
  if (source === undefined || depth > MAX_REEXPORT_DEPTH) return null;
  const pattern = new RegExp(`(^|\\n)((?:export\\s+)?(?:declare\\s+)?(?:default\\s+)?(?:abstract\\s+)?(?:async\\s+)?)(${declarationKeywords})\\s+${escapeRegExp(name)}(?![\\w$])`, 'g');
  for (let match = pattern.exec(source); match !== null; match = pattern.exec(source)) {
    const statementAt = match.index + (match[1]?.length ?? 0);
    // Skip matches inside comments or strings: the statement must start at code.
    if (skipNonCode(source, statementAt) !== statementAt) continue;
    return { source, statementAt, keywordAt: statementAt + (match[2]?.length ?? 0), keyword: (match[3] ?? '').replace('*', '') };
  }
  const { names, stars } = exportClauses(source);
  const reexport = names.find((n) => n.exported === name);
  if (reexport !== undefined) {
    if (reexport.from === null) return reexport.local === name ? null : findDeclaration(path, reexport.local, files, depth + 1);
    const target = resolveModulePath(path, reexport.from, files);
    return target === null ? null : findDeclaration(target, reexport.local, files, depth + 1);
  }
  for (const from of stars) {
    const target = resolveModulePath(path, from, files);
    const found = target === null ? null : findDeclaration(target, name, files, depth + 1);
    if (found !== null) return found;
  }
  return null;
}

function kindOf(keyword: string): ApiKind {
  switch (keyword) {
    case 'function': case 'class': case 'interface': case 'type': case 'enum': case 'namespace': return keyword;
    case 'const': case 'let': case 'var': return 'const';
    default: return 'unknown';
  }
}

/** The longest initializer shown after a constant with no type annotation. */
const MAX_INITIALIZER = 160;

function signatureOf(found: Found, kind: ApiKind): { signature: string; bodyStart: number; bodyEnd: number } {
  const { source, keywordAt } = found;
  const end = declarationEnd(source, keywordAt);
  const head = compactSignature(source.slice(keywordAt, end.headEnd));
  if (kind !== 'const') return { signature: head, bodyStart: end.bodyStart, bodyEnd: end.end - 1 };
  // `const NAME: Type = …` shows its type; `const NAME = …` its initializer, when short.
  const equals = head.search(/[^=!<>]=(?![=>])/);
  const declared = equals === -1 ? head : head.slice(0, equals + 1).trim();
  const initializer = equals === -1 ? '' : head.slice(equals + 2).trim();
  const annotated = /^(?:const|let|var)\s+[\w$]+\s*:/.test(declared);
  const signature = annotated || initializer === '' ? declared : `${declared} = ${initializer.length <= MAX_INITIALIZER ? initializer : '…'}`;
  return { signature, bodyStart: -1, bodyEnd: -1 };
}

const memberModifiers = /^(?:(?:public|protected|private|static|readonly|async|abstract|override|declare|accessor|get|set)\s+)*/;

/** The public, non-`@internal` members of the class or interface body `[bodyStart, bodyEnd]`. */
function membersOf(source: string, bodyStart: number, bodyEnd: number, isInterface: boolean): ApiEntry[] {
  const members: ApiEntry[] = [];
  const seen = new Set<string>();
  let doc: string | null = null;
  let i = bodyStart + 1;
  while (i < bodyEnd) {
    const c = source[i] ?? '';
    if (/\s|;|,/.test(c)) { i += 1; continue; }
    if (source.startsWith('/**', i)) {
      const close = source.indexOf('*/', i);
      doc = source.slice(i, close === -1 ? bodyEnd : close + 2);
      i = close === -1 ? bodyEnd : close + 2;
      continue;
    }
    const skipped = skipNonCode(source, i);
    if (skipped !== i) { i = skipped; continue; }
    const end = declarationEnd(source, i, bodyEnd);
    const head = compactSignature(source.slice(i, end.headEnd));
    const text = doc === null ? '' : docText(doc);
    doc = null;
    i = Math.max(end.end, i + 1);
    const modifiers = memberModifiers.exec(head)?.[0] ?? '';
    const afterModifiers = head.slice(modifiers.length);
    const name = /^(?:[\w$#]+|\[[^\]]*\]|'[^']*'|"[^"]*")/.exec(afterModifiers)?.[0] ?? '';
    if (name === '' || name.startsWith('#') || /\b(?:private|protected)\s/.test(modifiers) || /(^|\n)@internal\b/.test(text) || seen.has(name)) continue;
    seen.add(name);
    const rest = afterModifiers.slice(name.length).replace(/^\?/, '');
    const kind: ApiKind = name === 'constructor' && !isInterface ? 'constructor'
      : /\bget\s/.test(modifiers) ? 'getter'
        : /^\s*[(<]/.test(rest) ? 'method' : 'property';
    const signature = kind === 'property' ? head.replace(/\s*=(?![=>])[\s\S]*$/, '') : head;
    members.push({ name, kind, signature, doc: text, members: [], typeOnly: false });
  }
  return members;
}

/** One exported name, described; unknown (no declaration found) keeps its name with kind `unknown`. */
function describe(name: ExportedName, path: string, files: Readonly<Record<string, string>>): ApiEntry {
  // Re-exported from another package (`export { DlError } from '@dl/errors'`): documented there.
  if (name.from !== null && !name.from.startsWith('.')) {
    const local = name.local === name.exported ? name.local : `${name.local} as ${name.exported}`;
    return { name: name.exported, kind: 'reexport', signature: `export ${name.typeOnly ? 'type ' : ''}{ ${local} } from '${name.from}'`, doc: `Re-exported from \`${name.from}\`, where it is documented.`, members: [], typeOnly: name.typeOnly };
  }
  const found = name.from === null
    ? findDeclaration(path, name.local, files, 0)
    : (() => {
      const target = resolveModulePath(path, name.from, files);
      return target === null ? null : findDeclaration(target, name.local, files, 0);
    })();
  if (found === null) return { name: name.exported, kind: 'unknown', signature: '', doc: '', members: [], typeOnly: name.typeOnly };
  const kind = kindOf(found.keyword);
  const { signature, bodyStart, bodyEnd } = signatureOf(found, kind);
  const comment = docCommentBefore(found.source, found.statementAt);
  const members = (kind === 'class' || kind === 'interface') && bodyStart !== -1 ? membersOf(found.source, bodyStart, bodyEnd, kind === 'interface') : [];
  return { name: name.exported, kind, signature, doc: comment === null ? '' : docText(comment), members, typeOnly: name.typeOnly };
}

/** The entry module's own path among `files` unless told otherwise: `index.ts`, at the root of `src/`. */
export const INDEX_PATH = 'index.ts';

/**
 * The API an entry module exports, in the order it exports it. `files` holds the package's
 * modules by path relative to the entry's directory (`linker.ts`, `dylink/read-dylink.ts`,
 * `report/index.ts`); `export … from './x.js'` clauses are followed through them.
 */
export function apiOf(indexSource: string, files: Readonly<Record<string, string>>, indexPath: string = INDEX_PATH): ApiEntry[] {
  const withIndex: Record<string, string> = { ...files, [indexPath]: indexSource };
  const { names, stars } = exportClauses(indexSource);
  const listed: ExportedName[] = [
    ...declaredExports(indexSource).map((local) => ({ exported: local, local, from: null, typeOnly: false })),
    ...names,
  ];
  for (const from of stars) {
    const target = resolveModulePath(indexPath, from, withIndex);
    const source = target === null ? undefined : withIndex[target];
    if (source === undefined) continue;
    for (const local of declaredExports(source)) listed.push({ exported: local, local, from, typeOnly: false });
  }
  const seen = new Set<string>();
  return listed.filter((n) => (seen.has(n.exported) ? false : (seen.add(n.exported), true)))
    .map((n) => describe(n, indexPath, withIndex));
}
