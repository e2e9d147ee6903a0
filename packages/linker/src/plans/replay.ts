import { DlError } from '@dl/errors';
import { requestAlias } from '@dl/reader';
import type { FoundLibrary } from '../discover.js';
import { askRuntime } from '../discover.js';
import type { LoadedSource, LoadRequest, ParentLibrary } from '../loader.js';
import type { PlanHooks } from '../load/job.js';
import type { Library, LinkState } from '../state.js';
import type { LibrarySource } from '../types.js';
import type { LinkPlan, PlannedLibrary, PlannedOutcome } from './plan.js';
import { contentHash, fingerprint, framed, headOf, layoutOf, outcomeOf } from './record.js';
import { contentHashSync } from './sha256.js';

/** What a replay compiles for each planned library: bytes, or a compiled module (by content-hash key). */
type Source = FoundLibrary['source'];

/** The parent part of the request that found a planned library, as discovery made it. */
function parentOf(plan: LinkPlan, lib: PlannedLibrary): ParentLibrary | null {
  if (lib.neededBy === null) return null;
  const p = plan.libraries[lib.neededBy]!;
  return { name: p.name, key: p.key, location: p.location, runtimePaths: p.meta.dylink.runtimePaths, chain: p.chain };
}

/** Why a plan does not fit (a replay falls back to a normal link). */
export class Stale extends DlError {
  constructor(why: string) {
    super('DL_PLAN_STALE', `the link plan does not fit: ${why}`);
  }
}

/** What a replay needs of each planned library: what to compile, the loader request that found it, and what its check hashes. */
export interface Gathered {
  readonly source: Source;
  readonly request: LoadRequest | null;
  /** Its head (bytes up to the code section), when it came without its bytes (see {@link headOfGathered}). */
  readonly head: Uint8Array | null;
  /** All its bytes, when they came (a snapshot's restore needs them). */
  readonly bytes: Uint8Array | null;
}

/** A gathered library's head: given, or read from its bytes (only when a check needs it). */
function headOfGathered(g: Gathered): Uint8Array {
  return g.head ?? headOf(g.bytes!);
}

/** The first planned library whose hashes differ from the gathered one's (given as computed), as the replay's refusal. */
function changed(plan: LinkPlan, heads: readonly string[], contents: readonly (string | null)[] | null): Stale {
  for (const [i, lib] of plan.libraries.entries()) {
    if (heads[i] !== lib.hash) return new Stale(`${lib.name} changed`);
    if (contents !== null && (lib.content === null || contents[i] !== lib.content))
      return new Stale(`${lib.name} changed (its code or data)`);
  }
  return new Stale('its libraries changed');
}

/**
 * Checks the gathered libraries against the plan with one digest — of every head, or (`whole`,
 * a snapshot's restore) of every library's whole content. Only when it differs is each library
 * hashed, to name the one that changed.
 */
async function checkAll(plan: LinkPlan, gathered: readonly Gathered[], whole: boolean): Promise<void> {
  const expected = whole ? plan.contents : plan.heads;
  const parts = gathered.map((g) => (whole ? g.bytes! : headOfGathered(g)));
  if (expected !== null && (await contentHash(framed(parts))) === expected) return;
  const heads = await Promise.all(gathered.map((g) => contentHash(headOfGathered(g))));
  const contents = whole ? await Promise.all(gathered.map((g) => contentHash(g.bytes!))) : null;
  throw changed(plan, heads, contents);
}

/** {@link checkAll}, synchronously (JavaScript SHA-256). */
function checkAllSync(plan: LinkPlan, gathered: readonly Gathered[], whole: boolean): void {
  const expected = whole ? plan.contents : plan.heads;
  const parts = gathered.map((g) => (whole ? g.bytes! : headOfGathered(g)));
  if (expected !== null && contentHashSync(framed(parts)) === expected) return;
  const heads = gathered.map((g) => contentHashSync(headOfGathered(g)));
  throw changed(plan, heads, whole ? gathered.map((g) => contentHashSync(g.bytes!)) : null);
}

/**
 * One planned library's source, from the load's own sources or the loader (its hashes are
 * checked with every other library's, by {@link checkAll}; `whole`: its bytes are needed).
 */
async function sourceOf(
  state: LinkState,
  plan: LinkPlan,
  lib: PlannedLibrary,
  given: readonly LibrarySource[],
  options: { readonly signal?: AbortSignal | undefined; readonly whole: boolean },
): Promise<Gathered> {
  // Compilation starts before the hashes are checked (the engine compiles in the background).
  const compiling = (bytes: Uint8Array): PromiseLike<WebAssembly.Module> => {
    const p = WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
    p.catch(() => undefined); // a failure is the load's to report (its compile step awaits it)
    return p;
  };
  const root = lib.root === null ? undefined : given[lib.root];
  if (root !== undefined && typeof root !== 'string') {
    if (root.name !== lib.key) throw new Stale(`source ${String(lib.root)} is ${root.name}, not ${lib.key}`);
    if (!('bytes' in root))
      throw new Stale(`${lib.name} was given as a compiled module: its content cannot be checked`);
    return { source: compiling(root.bytes), request: null, head: null, bytes: root.bytes };
  }
  const request: LoadRequest = { name: root ?? lib.name, parent: parentOf(plan, lib), signal: options.signal };
  if (state.loader === null) throw new Stale(`no loader for ${lib.name}`);
  const src: LoadedSource = await state.loader.load(request);
  if (src.key !== lib.key) throw new Stale(`${lib.name} is now ${src.key}`);
  if (src.bytes !== undefined) return { source: compiling(src.bytes), request, head: null, bytes: src.bytes };
  if (src.head === undefined || src.module === undefined || options.whole)
    throw new Stale(`${lib.name} came without its bytes${options.whole ? '' : ' or head'}`);
  // The loaders' compiled-module cache: the head identifies what the module links as.
  return { source: src.module, request, head: src.head, bytes: null };
}

/** {@link sourceOf}, synchronously: the loader's `loadSync`, bytes compiled by the load. */
function sourceOfSync(
  state: LinkState,
  plan: LinkPlan,
  lib: PlannedLibrary,
  given: readonly LibrarySource[],
  whole: boolean,
): Gathered {
  const root = lib.root === null ? undefined : given[lib.root];
  if (root !== undefined && typeof root !== 'string') {
    if (root.name !== lib.key) throw new Stale(`source ${String(lib.root)} is ${root.name}, not ${lib.key}`);
    if (!('bytes' in root))
      throw new Stale(`${lib.name} was given as a compiled module: its content cannot be checked`);
    return { source: root.bytes, request: null, head: null, bytes: root.bytes };
  }
  const request: LoadRequest = { name: root ?? lib.name, parent: parentOf(plan, lib) };
  const loadSync = state.loader?.loadSync?.bind(state.loader);
  if (loadSync === undefined) throw new Stale(`no synchronous loader for ${lib.name}`);
  const src = loadSync(request);
  if (src.key !== lib.key) throw new Stale(`${lib.name} is now ${src.key}`);
  if (src.bytes !== undefined) return { source: src.bytes, request, head: null, bytes: src.bytes };
  if (src.head === undefined || src.module === undefined || whole)
    throw new Stale(`${lib.name} came without its bytes${whole ? '' : ' or head'}`);
  return { source: src.module, request, head: src.head, bytes: null };
}

/** {@link gatherSources}, synchronously. */
export function gatherSourcesSync(
  state: LinkState,
  plan: LinkPlan,
  given: readonly LibrarySource[],
  whole = false,
): Gathered[] {
  if (given.length !== plan.roots.length) throw new Stale('a different number of sources');
  const gathered = plan.libraries.map((lib) => sourceOfSync(state, plan, lib, given, whole));
  checkAllSync(plan, gathered, whole);
  return gathered;
}

/** Every planned library's source, fetched at once and checked against the plan's hashes. */
export async function gatherSources(
  state: LinkState,
  plan: LinkPlan,
  given: readonly LibrarySource[],
  options: { readonly signal?: AbortSignal | undefined; readonly whole?: boolean } = {},
): Promise<Gathered[]> {
  if (given.length !== plan.roots.length) throw new Stale('a different number of sources');
  const o = { signal: options.signal, whole: options.whole === true };
  const gathered = await Promise.all(plan.libraries.map((lib) => sourceOf(state, plan, lib, given, o)));
  await checkAll(plan, gathered, o.whole);
  return gathered;
}

/** The found libraries a replay loads, from the plan: no loader walk, no metadata read. */
function foundOf(
  state: LinkState,
  plan: LinkPlan,
  sources: readonly Gathered[],
): ReturnType<NonNullable<PlanHooks['replay']>> {
  const order = plan.libraries.map((lib, i): FoundLibrary => ({
    name: lib.name,
    key: lib.key,
    location: lib.location,
    neededBy: lib.neededBy === null ? null : plan.libraries[lib.neededBy]!.name,
    chain: lib.chain,
    meta: lib.meta,
    source: sources[i]!.source,
    bytes: undefined,
    isMain: false,
    needed: [],
  }));
  const refTo = (r: { plan: number } | { resident: string }): FoundLibrary | Library => {
    const found = 'plan' in r ? order[r.plan] : state.byKey.get(r.resident);
    if (found === undefined) throw new Stale('a library resident when the plan was made is gone');
    return found;
  };
  plan.libraries.forEach((lib, i) => {
    order[i]!.needed.push(...lib.needed.map(refTo));
  });
  // The runtime's say on each library (its `admit` phase: a refusal, what it learns), as discovery asks it.
  for (const p of order) askRuntime(state, p);
  // What discovery would remember: the names the loader resolved.
  sources.forEach(({ request }, i) => {
    if (request !== null) state.aliases.set(requestAlias(request), plan.libraries[i]!.key);
  });
  return { roots: plan.roots.map(refTo), order };
}

/** Compares a replayed library's link with the plan's: any difference refuses the replay. */
function sameList<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameOutcome(a: PlannedOutcome, b: PlannedOutcome): boolean {
  return (
    a.id === b.id &&
    a.memoryBase === b.memoryBase &&
    a.tableBase === b.tableBase &&
    a.tlsBase === b.tlsBase &&
    sameList(a.bindings, b.bindings)
  );
}

/**
 * Compares the replayed link with the plan: each library's place and bindings, then the whole
 * layout (reservations, table ranges, functions with a slot), which with the bindings fixes
 * every GOT value (an address in a placed library, or a slot given in binding order).
 */
function verify(state: LinkState, plan: LinkPlan, libs: readonly Library[]): void {
  if (layoutOf(state) !== plan.layout)
    throw new DlError('DL_PLAN_STALE', 'the replayed layout differs from its plan: linked normally instead');
  libs.forEach((lib, i) => {
    if (!sameOutcome(outcomeOf(lib, false), plan.libraries[i]!.outcome))
      throw new DlError('DL_PLAN_STALE', 'the replayed link differs from its plan: linked normally instead', {
        library: lib.name,
      });
  });
}

/**
 * The load hooks of a replay: the libraries from the plan when the linker state and flags are
 * those the plan was recorded from (else null: the load finds them as usual), and a check of
 * every library's placement, bindings and GOT values against the plan before anything runs.
 */
export function replayHooks(plan: LinkPlan, sources: readonly Gathered[], restore?: PlanHooks['restore']): PlanHooks {
  return {
    replay: (state) => {
      if (fingerprint(state) !== plan.fingerprint)
        throw new DlError('DL_PLAN_STALE', 'the linker changed since the plan was checked: linked normally instead');
      return foundOf(state, plan, sources);
    },
    bound: (state, libs) => {
      verify(state, plan, libs);
    },
    ...(restore === undefined ? {} : { restore }),
  };
}
