import type { DlErrorCode } from '@dl/errors';
import { LibraryNotFoundError } from '@dl/loaders';
import type { Candidate, LibraryGraph, SearchStep, Tried } from '@dl/loaders';
import { printable } from './printable.js';
import { plural } from './table.js';

/** A place the loader looked, and why the library was not there. */
export interface LddTried {
  /** The location looked at (absolute). */
  readonly location: string;
  /** The search step that proposed it. */
  readonly step: SearchStep;
  /** The entry it was made from: a RUNTIME_PATH entry before `$ORIGIN` expansion, a directory. */
  readonly entry: string;
  /** `not found`, `not a file`, `permission denied`, ... */
  readonly reason: string;
}

/** How a library was found: the search step and the entry that produced its location. */
export interface LddVia {
  readonly step: SearchStep;
  readonly entry: string;
}

/** One library of the graph. */
export interface LddLibrary {
  /** Its key: the canonical real path for files. */
  readonly key: string;
  /** The name it was first asked for by (FILE as given for the root). */
  readonly name: string;
  /** Where it was found (absolute, symbolic links resolved). */
  readonly location: string | null;
  /** File size in bytes, when known. */
  readonly size: number | null;
  /** Its RUNTIME_PATH entries, unexpanded. */
  readonly runtimePaths: readonly string[];
  /** Its NEEDED entries in order: the key each resolved to (null: see `problems`), and how. */
  readonly needed: readonly LddEdge[];
  /** The search step and entry that found it (for FILE: how FILE was found). */
  readonly via: LddVia | null;
  /** The places tried before it was found, with why each failed. */
  readonly tried: readonly LddTried[];
}

/** One NEEDED entry: each has its own search (RUNTIME_PATH is the needing library's). */
export interface LddEdge {
  readonly name: string;
  readonly key: string | null;
  /** The search step and entry that found it for this library. */
  readonly via: LddVia | null;
  /** The places tried before it, for this library. */
  readonly tried: readonly LddTried[];
}

/** A library that could not be found or read. */
export interface LddProblem {
  /** The name asked for (a NEEDED entry, or FILE). */
  readonly name: string;
  /** The libraries that led to it, nearest first (empty for FILE itself). */
  readonly neededBy: readonly string[];
  /** Key of the library whose NEEDED entry this is; null for FILE itself. */
  readonly parent: string | null;
  readonly code: DlErrorCode;
  readonly message: string;
  /** For `DL_NOT_FOUND`: every place tried, in order; otherwise empty. */
  readonly tried: readonly LddTried[];
}

/** What `dl ldd` reports (also its `--json` shape): libraries and problems in tree order. */
export interface LddReport {
  /** The key of FILE, or null when FILE itself failed. */
  readonly root: string | null;
  readonly libraries: readonly LddLibrary[];
  readonly problems: readonly LddProblem[];
  /** Groups of libraries that need each other (keys, in tree order). */
  readonly cycles: readonly (readonly string[])[];
}

/** The parts of a {@link LibraryGraph} the report reads (the graph of exactly one root). */
export type LddGraph = Pick<LibraryGraph, 'roots' | 'nodes' | 'problems' | 'cycles'>;

interface TreeNode {
  readonly key: string;
  readonly needed: readonly {
    readonly name: string;
    readonly key: string | null;
    readonly via: LddVia | null;
    readonly tried: readonly LddTried[];
  }[];
}

/** One NEEDED edge of a depth-first walk from the root, each library expanded once. */
interface Edge<N extends TreeNode> {
  /** The libraries from the root to the needing one (the last). */
  readonly path: readonly N[];
  /** For each level below the root down to this edge: whether it is its parent's last entry. */
  readonly lasts: readonly boolean[];
  readonly name: string;
  readonly key: string | null;
  /** How this entry was found, and what was tried before. */
  readonly via: LddVia | null;
  readonly tried: readonly LddTried[];
  /** The library it resolved to (undefined when it failed). */
  readonly node: N | undefined;
  /** False when the library was already reached: its subtree is not walked again. */
  readonly first: boolean;
}

/** Depth-first, NEEDED order, iterative (deep chains do not overflow the stack). */
function* walk<N extends TreeNode>(root: N, byKey: ReadonlyMap<string, N>): Generator<Edge<N>> {
  const seen = new Set([root.key]);
  const stack: { node: N; next: number; path: readonly N[]; lasts: readonly boolean[] }[] = [
    { node: root, next: 0, path: [root], lasts: [] },
  ];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.next >= top.node.needed.length) {
      stack.pop();
      continue;
    }
    const i = top.next++;
    const { name, key, via, tried } = top.node.needed[i]!;
    const node = key === null ? undefined : byKey.get(key);
    const first = node !== undefined && !seen.has(node.key);
    const lasts = [...top.lasts, i === top.node.needed.length - 1];
    yield { path: top.path, lasts, name, key, via, tried, node, first };
    if (first) {
      seen.add(node.key);
      stack.push({ node, next: 0, path: [...top.path, node], lasts });
    }
  }
}

const viaOf = (c: Candidate | null): LddVia | null => (c === null ? null : { step: c.step, entry: c.entry });

const placeOf = (t: Tried): LddTried => ({ location: t.location, step: t.step, entry: t.entry, reason: t.reason });

/**
 * Builds the `dl ldd` report from a graph of one root (`loadGraph(loader, [file])`): the
 * libraries in tree order (depth first, NEEDED order), each problem attached to the NEEDED
 * entry that failed, and cycles with their members in tree order. Does no I/O.
 *
 * @param graph - the graph `loadGraph` returned, with exactly one root
 */
export function buildLddReport(graph: LddGraph): LddReport {
  if (graph.roots.length !== 1)
    throw new TypeError(`buildLddReport needs a graph of one root, not ${graph.roots.length}`);
  const root = graph.roots[0] ?? null;
  const byKey = new Map(graph.nodes.map((n) => [n.key, n]));
  const rootNode = root === null ? undefined : byKey.get(root);
  const order = rootNode === undefined ? [] : [rootNode];
  if (rootNode !== undefined) for (const edge of walk(rootNode, byKey)) if (edge.first) order.push(edge.node!);
  const rank = new Map(order.map((n, i) => [n.key, i]));
  const byRank = (a: string, b: string): number => (rank.get(a) ?? Infinity) - (rank.get(b) ?? Infinity);
  const parentRank = (key: string | null): number => (key === null ? -1 : (rank.get(key) ?? Infinity));
  return {
    root,
    libraries: [...order, ...graph.nodes.filter((n) => !rank.has(n.key))].map((n) => ({
      key: n.key,
      name: n.name,
      location: n.location,
      size: n.size,
      runtimePaths: [...n.runtimePaths],
      needed: n.needed.map((d) => ({ name: d.name, key: d.key, via: viaOf(d.via), tried: d.tried.map(placeOf) })),
      via: viaOf(n.via),
      tried: n.tried.map(placeOf),
    })),
    problems: [...graph.problems]
      .sort((a, b) => parentRank(a.parent) - parentRank(b.parent))
      .map((p) => ({
        name: p.name,
        neededBy: [...p.neededBy],
        parent: p.parent,
        code: p.error.code,
        message: p.error.message,
        tried: p.error instanceof LibraryNotFoundError ? p.error.tried.map(placeOf) : [],
      })),
    cycles: graph.cycles.map((c) => [...c].sort(byRank)).sort((a, b) => byRank(a[0]!, b[0]!)),
  };
}

const baseName = (path: string): string => path.slice(path.lastIndexOf('/') + 1);

const triedLine = (t: LddTried): string => `tried ${t.location} (${t.reason}; ${t.step} ${t.entry})`;

/** The lines under a problem: every place tried, or the error's message. */
function problemDetails(p: LddProblem): string[] {
  return p.code === 'DL_NOT_FOUND' && p.tried.length > 0 ? p.tried.map(triedLine) : [`${p.message} [${p.code}]`];
}

/** Dependents named in a problem's line (the tree shows the whole chain). */
const SHOWN_DEPENDENTS = 8;

/** `not found (needed by …)` or `error CODE (needed by …)`. */
function problemSummary(p: LddProblem): string {
  const what = p.code === 'DL_NOT_FOUND' ? 'not found' : `error ${p.code}`;
  if (p.neededBy.length === 0) return what;
  const names = p.neededBy.slice(0, SHOWN_DEPENDENTS);
  if (p.neededBy.length > SHOWN_DEPENDENTS) names.push(`and ${p.neededBy.length - SHOWN_DEPENDENTS} more`);
  return `${what} (needed by ${names.join(', ')})`;
}

/**
 * Renders the report as a tree for people, root first:
 * `NAME => LOCATION (STEP ENTRY)` per NEEDED entry, then the places tried before it;
 * `NAME => not found (needed by …)` with every place tried; `NAME => error CODE` with the
 * message; a library reached again as `(already shown)`; cycles marked where first shown.
 * No trailing newline.
 */
export function renderLdd(report: LddReport): string {
  const byKey = new Map(report.libraries.map((l) => [l.key, l]));
  const problems = new Map(report.problems.map((p) => [`${p.parent ?? ''}\u0000${p.name}`, p]));
  const cycleOf = new Map<string, string>();
  for (const group of report.cycles) {
    const names = group.map((k) => baseName(byKey.get(k)?.location ?? k));
    const mark = names.length === 1 ? `(cycle: ${names[0]!} needs itself)` : `(cycle: ${names.join(' ↔ ')})`;
    for (const k of group) cycleOf.set(k, mark);
  }
  const suffix = (key: string): string => (cycleOf.has(key) ? ` ${cycleOf.get(key)!}` : '');
  const lines: string[] = [];
  /** Detail lines go under the entry, left of its children's branch when it has some. */
  const details = (prefix: string, hasChildren: boolean, texts: readonly string[]): void => {
    for (const t of texts) lines.push(`${prefix}${hasChildren ? '│' : ' '} ${t}`);
  };

  const root = report.root === null ? undefined : byKey.get(report.root);
  if (root === undefined) {
    for (const p of report.problems.filter((q) => q.parent === null)) {
      lines.push(`${p.name} => ${problemSummary(p)}`);
      details('', false, problemDetails(p));
    }
    return lines.map(printable).join('\n');
  }
  const via = root.via === null || root.via.step === 'path' ? '' : `, ${root.via.step} ${root.via.entry}`;
  lines.push(
    `${root.location ?? root.key} (${root.size === null ? 'size unknown' : plural(root.size, 'byte')}${via})${suffix(root.key)}`,
  );
  details('', root.needed.length > 0, root.tried.map(triedLine));
  for (const edge of walk(root, byKey)) {
    const prefix = edge.lasts
      .slice(0, -1)
      .map((last) => (last ? '   ' : '│  '))
      .join('');
    const last = edge.lasts[edge.lasts.length - 1]!;
    const head = `${prefix}${last ? '└─' : '├─'} ${edge.name} => `;
    const childPrefix = `${prefix}${last ? '   ' : '│  '}`;
    const lib = edge.node;
    if (lib === undefined) {
      const p = problems.get(`${edge.path[edge.path.length - 1]!.key}\u0000${edge.name}`);
      lines.push(head + (p === undefined ? 'not resolved' : problemSummary(p)));
      if (p !== undefined) details(childPrefix, false, problemDetails(p));
      continue;
    }
    const where = lib.location ?? lib.key;
    if (!edge.first) {
      lines.push(`${head}${where} (already shown)`);
      continue;
    }
    lines.push(`${head}${where}${edge.via === null ? '' : ` (${edge.via.step} ${edge.via.entry})`}${suffix(lib.key)}`);
    details(childPrefix, lib.needed.length > 0, edge.tried.map(triedLine));
  }
  // Each line escaped whole: a name with a newline or an escape sequence stays on its line.
  return lines.map(printable).join('\n');
}
