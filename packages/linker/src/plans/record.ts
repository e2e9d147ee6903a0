import { formatFuncType, isSymbolImport, moduleHeadLength } from '@dl/reader';
import { boundTo } from '../bound-to.js';
import type { FoundLibrary } from '../discover.js';
import { isLoaded } from '../discover.js';
import { digestState, scopeDigests } from '../graph.js';
import type { Library, LinkState } from '../state.js';
import type { ResolvedFlags } from '../types.js';
import type { LinkPlan, PlannedLibrary, PlannedOutcome } from './plan.js';
import { PLAN_FORMAT, PLAN_VERSION } from './plan.js';
import { contentHashSync } from './sha256.js';

/** SHA-256 of some bytes, as `sha256:` and lowercase hex (Web Crypto: browsers and node ≥ 19). */
export async function contentHash(bytes: Uint8Array): Promise<string> {
  const copy = bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : bytes.slice();
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', copy));
  let hex = 'sha256:';
  for (const b of digest) hex += b.toString(16).padStart(2, '0');
  return hex;
}

/**
 * A 64-bit FNV-1a hash of a string, as hex: what a plan keeps of the linker's digest (a
 * digest runs to megabytes for hundreds of libraries). Not for content — libraries are
 * identified by SHA-256 — only to recognise the linker's own state again.
 */
export function shortHash(text: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) ^ (h2 >>> 15);
  }
  return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
}

/**
 * The linker's digest without what a snapshot restores or the load changes later: `__cxa_atexit`
 * registrations, resident libraries, and the scope groups of `loaded` (library ids: the load's
 * own, which become resident after binding — a snapshot taken after an `RTLD_LOCAL` load leaves
 * its group out as the plan, recorded at binding, did).
 */
export function boundDigest(state: LinkState, loaded?: ReadonlySet<number>): string {
  const { atexit: _atexit, libraries: _libraries, ...rest } = JSON.parse(digestState(state)) as Record<string, unknown>;
  // In place: the keys keep their order, so a plan's digest reads as before.
  if (loaded !== undefined) rest.scopes = scopeDigests(state, loaded);
  return shortHash(JSON.stringify(rest));
}

/** What a replay's layout must equal: memory reservations, table ranges, functions with a slot (a hash). */
export function layoutOf(state: LinkState): string {
  return shortHash(JSON.stringify([state.allocator.live(), state.tables.live(), state.slots.size]));
}

/** The program's own symbols with their kinds and types (a host function's type counts: it was checked). */
function programSymbols(state: LinkState): string[] {
  return state.global
    .definitionsOf(state.mainProvider)
    .map((d) => `${d.name}:${d.kind}:${d.kind === 'function' && d.type !== null ? formatFuncType(d.type) : ''}`);
}

/**
 * What a load's outcome depends on besides its libraries and flags: the linker state it starts
 * from (its digest: reservations, slots, GOT, scopes with every symbol name, resident
 * libraries), the ids the next library and scope take, the program's symbols with their
 * types, the limits and the runtime's phases. Equal fingerprints, libraries and flags give the
 * same link.
 */
export function fingerprint(state: LinkState): string {
  const runtime = Object.keys(state.runtime).sort();
  return JSON.stringify({
    digest: digestState(state),
    nextId: state.nextId,
    nextScope: state.nextScopeId,
    program: programSymbols(state),
    limits: state.limits,
    runtime,
    conventions: state.conventions,
    shared: typeof SharedArrayBuffer !== 'undefined' && state.memory.buffer instanceof SharedArrayBuffer,
    imports: Object.entries(state.imports).map(([m, names]) => `${m}:${Object.keys(names).join(',')}`),
  });
}

/** One library's link as a plan records it (`got: false`: without GOT values, as a replay checks it). */
export function outcomeOf(lib: Library, got = true): PlannedOutcome {
  const bindings: string[] = [];
  for (const spec of lib.meta.imports) {
    if (!isSymbolImport(spec)) continue;
    const b = boundTo(lib, spec);
    bindings.push(`${spec.name}=${b === 'late' ? 'plt' : `${b.provider}:${b.name}`}`);
  }
  return {
    id: lib.id,
    memoryBase: lib.memoryBase,
    tableBase: lib.tableBase,
    tlsBase: lib.tlsBase,
    bindings,
    got: got ? lib.got.map((e) => (e.resolved ? (e.global.value as number) : null)) : [],
  };
}

/** What recording a load collects while it runs (the load's hooks fill it). */
export interface Recording {
  fingerprint: string;
  order: readonly FoundLibrary[];
  outcomes: PlannedOutcome[];
  layout: string;
  bound: string;
}

/** A module's head: its bytes up to the code section. */
export function headOf(bytes: Uint8Array): Uint8Array {
  return bytes.subarray(0, moduleHeadLength(bytes, { complete: true }) ?? bytes.length);
}

/** Every part after its length (u32, little-endian), as one run of bytes: what a plan's `heads` and `contents` hash. */
export function framed(parts: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  let size = 0;
  for (const p of parts) size += 4 + p.length;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const p of parts) {
    view.setUint32(at, p.length, true);
    out.set(p, at + 4);
    at += 4 + p.length;
  }
  return out;
}

/** What identifies each library of a load: its head, and its bytes when they were seen. */
interface Parts {
  readonly heads: readonly Uint8Array[];
  readonly bytes: readonly (Uint8Array | undefined)[];
}

/** The heads (each read once) and bytes of a load's libraries, in order; null when one has neither. */
function partsOf(order: readonly FoundLibrary[]): Parts | null {
  const heads: Uint8Array[] = [];
  for (const p of order) {
    const head = p.bytes !== undefined ? headOf(p.bytes) : p.head;
    if (head === undefined) return null;
    heads.push(head);
  }
  return { heads, bytes: order.map((p) => p.bytes) };
}

/** Every library's bytes, or null when one came without them. */
function contentsOf(parts: Parts): Uint8Array[] | null {
  return parts.bytes.every((b) => b !== undefined) ? (parts.bytes as Uint8Array[]) : null;
}

interface LibraryHashes {
  readonly hash: string;
  readonly content: string | null;
}

/**
 * The plan of a finished load, from what its hooks recorded; null when a library cannot be
 * identified by content (a compiled module given without its bytes or head).
 */
export async function planOf(
  rec: Recording,
  flags: ResolvedFlags,
  roots: readonly Library[],
  loaded: readonly Library[],
): Promise<LinkPlan | null> {
  const parts = partsOf(rec.order);
  if (parts === null) return null;
  const contents = contentsOf(parts);
  const [hashes, heads, all] = await Promise.all([
    Promise.all(
      parts.heads.map(async (head, i): Promise<LibraryHashes> => {
        const bytes = parts.bytes[i];
        const [hash, content] = await Promise.all([contentHash(head), bytes && contentHash(bytes)]);
        return { hash, content: content ?? null };
      }),
    ),
    contentHash(framed(parts.heads)),
    contents === null ? null : contentHash(framed(contents)),
  ]);
  return assemble(rec, flags, roots, loaded, hashes, { heads, contents: all });
}

/** {@link planOf}, synchronously (JavaScript SHA-256). */
export function planOfSync(
  rec: Recording,
  flags: ResolvedFlags,
  roots: readonly Library[],
  loaded: readonly Library[],
): LinkPlan | null {
  const parts = partsOf(rec.order);
  if (parts === null) return null;
  const contents = contentsOf(parts);
  const hashes = parts.heads.map((head, i): LibraryHashes => {
    const bytes = parts.bytes[i];
    return { hash: contentHashSync(head), content: bytes === undefined ? null : contentHashSync(bytes) };
  });
  const together = {
    heads: contentHashSync(framed(parts.heads)),
    contents: contents === null ? null : contentHashSync(framed(contents)),
  };
  return assemble(rec, flags, roots, loaded, hashes, together);
}

function assemble(
  rec: Recording,
  flags: ResolvedFlags,
  roots: readonly Library[],
  loaded: readonly Library[],
  hashes: readonly LibraryHashes[],
  together: Pick<LinkPlan, 'heads' | 'contents'>,
): LinkPlan {
  const index = new Map(rec.order.map((p, i) => [p.key, i]));
  const ref = (d: FoundLibrary | Library): { plan: number } | { resident: string } =>
    isLoaded(d) && !loaded.includes(d) ? { resident: d.key } : { plan: index.get(d.key)! };
  const libraries = rec.order.map((p, i): PlannedLibrary => ({
    name: p.name,
    key: p.key,
    location: p.location,
    hash: hashes[i]!.hash,
    content: hashes[i]!.content,
    root: null,
    neededBy: null,
    chain: p.chain,
    needed: p.needed.map(ref),
    meta: p.meta,
    outcome: rec.outcomes[i]!,
  }));
  const byName = new Map(rec.order.map((p, i) => [p.name, i]));
  for (const lib of libraries) {
    const parent = lib.chain.length === 0 ? undefined : byName.get(lib.chain[lib.chain.length - 1]!);
    (lib as { neededBy: number | null }).neededBy = parent ?? null;
  }
  const plannedRoots = roots.map(ref);
  plannedRoots.forEach((r, i) => {
    if ('plan' in r && libraries[r.plan]!.chain.length === 0) (libraries[r.plan] as { root: number | null }).root = i;
  });
  return {
    format: PLAN_FORMAT,
    version: PLAN_VERSION,
    fingerprint: rec.fingerprint,
    flags,
    roots: plannedRoots,
    libraries,
    ...together,
    layout: rec.layout,
    bound: rec.bound,
  };
}
