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
  if (isAborted(options.signal)) throw aborted(options.signal!);
  if (!compile && !('inspect' in loader))
    throw new TypeError('loadGraph with compile: false needs a loader with inspect()');
  const own = new AbortController();
  const forward = (): void => {
    own.abort(options.signal?.reason);
  };
  options.signal?.addEventListener('abort', forward, { once: true });
  const walk = new GraphWalk(loader, compile, own.signal, options.maxLibraries ?? 10_000);
  let rootKeys: (string | null)[];
  try {
    rootKeys = (await Promise.all(roots.map((name) => walk.visit({ name, parent: null }, [])))).map((r) => r.key);
  } finally {
    options.signal?.removeEventListener('abort', forward);
  }
  if (isAborted(options.signal)) throw aborted(options.signal!);
  const list = [...walk.nodes.values()];
  return {
    roots: rootKeys,
    nodes: list,
    problems: walk.problems,
    cycles: cyclesOf(list),
    loader: { load: (request) => walk.replay(request) },
  };
}

/** One {@link loadGraph}: what it found, by key and by request, and what failed. */
class GraphWalk {
  readonly nodes = new Map<string, GraphNode>();
  readonly problems: GraphProblem[] = [];
  private readonly sources = new Map<string, LoadedSource>();
  private readonly answers = new Map<string, Promise<Resolution>>();
  private readonly failures = new Map<string, DlError>();

  constructor(
    private readonly loader: Loader,
    private readonly compile: boolean,
    private readonly signal: AbortSignal,
    private readonly max: number,
  ) {}

  /** Resolves a request to a key, walking into a new library's NEEDED entries at once. */
  visit(request: LoadRequest, chain: readonly string[]): Promise<Resolution> {
    const alias = aliasOf(request);
    let answer = this.answers.get(alias);
    if (answer === undefined) {
      answer = this.resolve(request, chain, alias);
      this.answers.set(alias, answer);
    }
    return answer;
  }

  /** What the graph's loader gives: a failure again, the library found, or the original loader's. */
  async replay(request: LoadRequest): Promise<LoadedSource> {
    const alias = aliasOf(request);
    const failed = this.failures.get(alias);
    if (failed !== undefined) throw failed;
    // Heads alone (compile: false) cannot be linked: the original loader loads those.
    return (this.compile ? this.sources.get(alias) : undefined) ?? this.loader.load(request);
  }

  private async resolve(request: LoadRequest, chain: readonly string[], alias: string): Promise<Resolution> {
    try {
      const { src, inspected } = await this.fetchOne(request);
      // A compilation nobody awaits (the graph's loader unused) must not fail unhandled.
      Promise.resolve(src.module).catch(() => undefined);
      this.sources.set(alias, src);
      const found: Resolution = { key: src.key, via: inspected?.via ?? null, tried: inspected?.tried ?? [] };
      if (!this.nodes.has(src.key)) await this.enter(request, chain, src, inspected);
      return found;
    } catch (e) {
      const error = isDlError(e) ? e : new DlError('DL_IO', messageOf(e), { library: request.name, cause: e });
      this.failures.set(alias, error);
      this.problems.push({
        name: request.name,
        parent: request.parent?.key ?? null,
        neededBy: [...chain].reverse(),
        error,
      });
      return { key: null, via: null, tried: [] };
    }
  }

  private async fetchOne(asked: LoadRequest): Promise<{ src: LoadedSource; inspected: Inspected | null }> {
    const request = { ...asked, signal: this.signal };
    if (!this.compile) {
      const inspected = await (this.loader as InspectingLoader).inspect(request);
      return {
        src: { key: inspected.key, name: inspected.name, location: inspected.location, head: inspected.head },
        inspected,
      };
    }
    return { src: await this.loader.load(request), inspected: null };
  }

  /** A new library: its node, then its NEEDED entries, visited at once. */
  private async enter(
    request: LoadRequest,
    chain: readonly string[],
    src: LoadedSource,
    inspected: Inspected | null,
  ): Promise<void> {
    if (this.nodes.size >= this.max)
      throw new DlError('DL_LIMIT', `the graph has more than ${this.max} libraries (maxLibraries)`, {
        library: request.name,
      });
    const dylink = readDylinkInfo(src.bytes ?? src.head!, { name: request.name });
    const needed: GraphEdge[] = dylink.needed.map((name) => ({ name, key: null, via: null, tried: [] }));
    this.nodes.set(src.key, {
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
    const edges = await Promise.all(
      dylink.needed.map((name) => this.visit({ name, parent }, [...chain, request.name])),
    );
    edges.forEach((e, i) => {
      needed[i] = { name: needed[i]!.name, ...e };
    });
  }
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
