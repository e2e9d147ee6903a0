import { DlError, isDlError, messageOf } from '@dl/errors';
import type { LoadedSource, Loader, LoadRequest, ParentLibrary } from '@dl/linker';
import { readDylinkInfo, requestAlias as aliasOf } from '@dl/reader';
import type { Tried } from './errors.js';
import type { Inspected, InspectingLoader } from './loader-types.js';
import type { Candidate } from './search.js';

/** One library of a {@link LibraryGraph}. */
export interface GraphNode {
  readonly key: string;
  /** The name it was first asked for by. */
  readonly name: string;
  readonly location: string | null;
  readonly size: number | null;
  readonly runtimePaths: readonly string[];
  /** Its NEEDED entries in order: the key each resolved to (null when it failed) and how. */
  readonly needed: readonly GraphEdge[];
  /** How it was found for the request that found it first, and what was tried before. */
  readonly via: Candidate | null;
  readonly tried: readonly Tried[];
}

/** One NEEDED entry as resolved for its library (each edge has its own search). */
export interface GraphEdge {
  readonly name: string;
  /** The library it resolved to, or null (see the graph's problems). */
  readonly key: string | null;
  /** The search step and entry that found it (loaders that report it: `inspect`). */
  readonly via: Candidate | null;
  /** The places tried before it. */
  readonly tried: readonly Tried[];
}

/** A request that failed: the library not found (or unreadable) and who needed it. */
export interface GraphProblem {
  readonly name: string;
  /** The key of the library whose NEEDED entry failed; null for a root. */
  readonly parent: string | null;
  /** The libraries that led to it, nearest first. */
  readonly neededBy: readonly string[];
  readonly error: DlError;
}

/** The NEEDED graph of some roots, as `loadGraph` found it. */
export interface LibraryGraph {
  /** The roots' keys, in order (null for a root that failed). */
  readonly roots: readonly (string | null)[];
  /** Every library, in discovery order. */
  readonly nodes: readonly GraphNode[];
  readonly problems: readonly GraphProblem[];
  /** Groups of libraries that need each other (each a strongly connected component, keys). */
  readonly cycles: readonly (readonly string[])[];
  /**
   * A loader answering the linker from what was loaded (same resolution, modules already
   * compiled or compiling; failures replayed), asking the original loader for anything else.
   */
  readonly loader: Loader;
}

/** Options of {@link loadGraph}. */
export interface GraphOptions {
  /** Load (read and compile, default) or only inspect heads (needs an inspecting loader). */
  readonly compile?: boolean;
  /** Refuse graphs larger than this (default 10,000 libraries). */
  readonly maxLibraries?: number;
  /**
   * Cancels the walk: its downloads and reads stop and it rejects with `DL_ABORTED`. The
   * loader is given a signal of the walk's own either way (one load: per-load budgets such as
   * `fetchLoader`'s `limits.maxGraphBytes` count the whole graph).
   */
  readonly signal?: AbortSignal;
}

/** What one request resolved to. */
type Resolution = Pick<GraphEdge, 'key' | 'via' | 'tried'>;

/**
 * Discovers the whole NEEDED graph of some roots through a loader, asking for each library's
 * dependencies as soon as its head is known (not level by level), so reads, downloads and
 * compilations overlap as far as the loader's concurrency allows. Failures are recorded, not
 * thrown, so the graph shows every missing library; the graph's `loader` replays them.
 */
export async function loadGraph(
  loader: Loader,
  roots: readonly string[],
  options: GraphOptions = {},
): Promise<LibraryGraph> {
  const compile = options.compile !== false;
  const own = new AbortController();
  const signal = own.signal;
  const forward = (): void => {
    own.abort(options.signal?.reason);
  };
  if (isAborted(options.signal)) throw aborted(options.signal!);
  options.signal?.addEventListener('abort', forward, { once: true });
  const max = options.maxLibraries ?? 10_000;
  if (!compile && !('inspect' in loader))
    throw new TypeError('loadGraph with compile: false needs a loader with inspect()');
  const nodes = new Map<string, GraphNode>();
  const sources = new Map<string, LoadedSource>();
  const answers = new Map<string, Promise<Resolution>>();
  const failures = new Map<string, DlError>();
  const problems: GraphProblem[] = [];

  const fetchOne = async (asked: LoadRequest): Promise<{ src: LoadedSource; inspected: Inspected | null }> => {
    const request = { ...asked, signal };
    if (!compile) {
      const inspected = await (loader as InspectingLoader).inspect(request);
      return {
        src: { key: inspected.key, name: inspected.name, location: inspected.location, head: inspected.head },
        inspected,
      };
    }
    return { src: await loader.load(request), inspected: null };
  };
  /** Resolves a request to a key, walking into a new library's NEEDED entries at once. */
  const visit = (request: LoadRequest, chain: readonly string[]): Promise<Resolution> => {
    const alias = aliasOf(request);
    let answer = answers.get(alias);
    if (answer !== undefined) return answer;
    answer = (async () => {
      try {
        const { src, inspected } = await fetchOne(request);
        // A compilation nobody awaits (the graph's loader unused) must not fail unhandled.
        Promise.resolve(src.module).catch(() => undefined);
        sources.set(alias, src);
        const found: Resolution = { key: src.key, via: inspected?.via ?? null, tried: inspected?.tried ?? [] };
        if (nodes.has(src.key)) return found;
        if (nodes.size >= max)
          throw new DlError('DL_LIMIT', `the graph has more than ${max} libraries (maxLibraries)`, {
            library: request.name,
          });
        const dylink = readDylinkInfo(src.bytes ?? src.head!, { name: request.name });
        const needed: GraphEdge[] = dylink.needed.map((name) => ({ name, key: null, via: null, tried: [] }));
        nodes.set(src.key, {
          key: src.key,
          name: request.name,
          location: src.location ?? null,
          size: src.size ?? src.bytes?.length ?? inspected?.size ?? null,
          runtimePaths: dylink.runtimePaths,
          needed,
          via: inspected?.via ?? null,
          tried: inspected?.tried ?? [],
        });
        const parent: ParentLibrary = {
          name: request.name,
          key: src.key,
          location: src.location ?? null,
          runtimePaths: dylink.runtimePaths,
          chain,
        };
        const edges = await Promise.all(dylink.needed.map((name) => visit({ name, parent }, [...chain, request.name])));
        edges.forEach((e, i) => {
          needed[i] = { name: needed[i]!.name, ...e };
        });
        return found;
      } catch (e) {
        const error = isDlError(e) ? e : new DlError('DL_IO', messageOf(e), { library: request.name, cause: e });
        failures.set(alias, error);
        problems.push({
          name: request.name,
          parent: request.parent?.key ?? null,
          neededBy: [...chain].reverse(),
          error,
        });
        return { key: null, via: null, tried: [] };
      }
    })();
    answers.set(alias, answer);
    return answer;
  };

  let rootKeys: (string | null)[];
  try {
    rootKeys = (await Promise.all(roots.map((name) => visit({ name, parent: null }, [])))).map((r) => r.key);
  } finally {
    options.signal?.removeEventListener('abort', forward);
  }
  if (isAborted(options.signal)) throw aborted(options.signal!);
  const list = [...nodes.values()];
  return {
    roots: rootKeys,
    nodes: list,
    problems,
    cycles: cyclesOf(list),
    loader: {
      load: async (request) => {
        const alias = aliasOf(request);
        const failed = failures.get(alias);
        if (failed !== undefined) throw failed;
        // Heads alone (compile: false) cannot be linked: the original loader loads those.
        return (compile ? sources.get(alias) : undefined) ?? loader.load(request);
      },
    },
  };
}

const isAborted = (signal: AbortSignal | undefined): boolean => signal?.aborted === true;

function aborted(signal: AbortSignal): DlError {
  const reason: unknown = signal.reason;
  const why = reason instanceof Error && reason.name !== 'AbortError' ? `: ${reason.message}` : '';
  return new DlError('DL_ABORTED', `the graph walk was cancelled${why}`, { cause: reason });
}

/** Strongly connected components with a cycle (Tarjan, iterative: deep graphs do not overflow). */
function cyclesOf(nodes: readonly GraphNode[]): string[][] {
  const byKey = new Map(nodes.map((n) => [n.key, n]));
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  let counter = 0;
  for (const start of nodes) {
    if (index.has(start.key)) continue;
    const work: { key: string; next: number }[] = [{ key: start.key, next: 0 }];
    index.set(start.key, counter);
    low.set(start.key, counter++);
    stack.push(start.key);
    onStack.add(start.key);
    while (work.length > 0) {
      const top = work[work.length - 1]!;
      const deps = byKey.get(top.key)!.needed;
      if (top.next < deps.length) {
        const dep = deps[top.next++]!.key;
        if (dep === null || !byKey.has(dep)) continue;
        if (!index.has(dep)) {
          index.set(dep, counter);
          low.set(dep, counter++);
          stack.push(dep);
          onStack.add(dep);
          work.push({ key: dep, next: 0 });
        } else if (onStack.has(dep)) {
          low.set(top.key, Math.min(low.get(top.key)!, index.get(dep)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent !== undefined) low.set(parent.key, Math.min(low.get(parent.key)!, low.get(top.key)!));
      if (low.get(top.key) === index.get(top.key)) {
        const group: string[] = [];
        let k: string;
        do {
          k = stack.pop()!;
          onStack.delete(k);
          group.push(k);
        } while (k !== top.key);
        const selfLoop = byKey.get(top.key)!.needed.some((d) => d.key === top.key);
        if (group.length > 1 || selfLoop) out.push(group.reverse());
      }
    }
  }
  return out;
}
