import { DlError } from '@dl/errors';
import { PAGE } from '@dl/layout';
import type { Linker } from '../linker.js';
import type { AtExit, LinkState } from '../state.js';
import type { Handle, LibrarySource, LoadOptions } from '../types.js';
import { decodePlan, encodePlan } from './codec.js';
import { crc32 } from './crc32.js';
import type { LinkPlan } from './plan.js';
import { boundDigest, fingerprint } from './record.js';
import { gatherSources, gatherSourcesSync, replayHooks } from './replay.js';
import type { Gathered } from './replay.js';
import type { PlanHooks } from '../load/job.js';

/**
 * A linked program after its constructors ran, to restore in another process without running
 * relocations or constructors. It holds exactly: the plan of the load that linked it, the
 * program's linear memory up to its last non-zero byte (and the memory's size in pages), the
 * stack pointer, and the `__cxa_atexit` registrations. Nothing else: JavaScript state — the
 * host's functions and whatever they keep, a runtime's — is the host's to restore.
 */
export interface Snapshot {
  readonly plan: LinkPlan;
  readonly pages: number;
  readonly memory: Uint8Array;
  readonly stackPointer: number;
  readonly atexit: readonly AtExit[];
}

const MAGIC = [0x00, 0x64, 0x6c, 0x73, 0x6e, 0x61, 0x70, 0x32]; // "\0dlsnap2"

/** Why the program's state cannot be held by a snapshot, or null. */
function unsupported(state: LinkState, plan: LinkPlan): string | null {
  if (state.programKind === 'attached')
    return "an attached main's runtime keeps state outside the linker (its JavaScript, its own tables)";
  if (state.memory.buffer instanceof SharedArrayBuffer)
    return 'shared memory: threads keep state a snapshot does not see';
  if (Object.values(state.runtime).some((v) => typeof v === 'function'))
    return "a runtime adapter: the runtime's state is its own";
  if (state.held.size > 0) return "the leak check's record of blocks lives in JavaScript";
  const unseen = plan.libraries.find((l) => l.content === null);
  if (unseen !== undefined)
    return `${unseen.name} was loaded without its bytes: its code and data cannot be checked on a restore`;
  const last = plan.libraries.at(-1)?.outcome.id;
  if (last === undefined || state.nextId !== last + 1 || plan.libraries.some((l) => !state.libraries.has(l.outcome.id)))
    return 'the libraries resident are not those of the plan (loaded or unloaded since)';
  if (boundDigest(state, new Set(plan.libraries.map((l) => l.outcome.id))) !== plan.bound)
    return 'constructors or the host took memory, table slots or GOT entries from the linker (host malloc, dlopen, a function address): a snapshot holds linear memory only';
  return null;
}

/**
 * Takes a snapshot of a program just linked by `linkWithPlan` or `linkWithPlanSync` whose
 * constructors have run.
 *
 * @param plan - the plan `linkWithPlan` returned for the load
 * @throws DlError `DL_SNAPSHOT_UNSUPPORTED` when the program holds state a snapshot cannot restore
 *   (an attached main, shared memory, a runtime adapter, the leak check, reservations or table
 *   slots made since the libraries were bound, or a load or unload since)
 */
export function takeSnapshot(linker: Linker, plan: LinkPlan): Snapshot {
  const state = linker.linkState;
  const why = unsupported(state, plan);
  if (why !== null) throw new DlError('DL_SNAPSHOT_UNSUPPORTED', `no snapshot: ${why}`);
  const bytes = new Uint8Array(state.memory.buffer);
  let used = bytes.length;
  while (used > 0 && bytes[used - 1] === 0) used--;
  return {
    plan,
    pages: bytes.length / PAGE,
    memory: bytes.slice(0, used),
    stackPointer: state.stackPointer.value as number,
    atexit: state.atexit.map((a) => ({ ...a })),
  };
}

/**
 * A snapshot as bytes: `\0dlsnap2`, two length-prefixed (u32) parts — the header (JSON: pages,
 * stack pointer, registrations) and the plan (as `encodePlan` writes it) — then the memory, then
 * the memory's length (u32) and the CRC-32 of the header and the memory (u32): a file cut short or
 * damaged where no check of the plan would see it is refused, never restored.
 */
export function encodeSnapshot(s: Snapshot): Uint8Array {
  const header = new TextEncoder().encode(
    JSON.stringify({ pages: s.pages, stackPointer: s.stackPointer, atexit: s.atexit }),
  );
  const plan = encodePlan(s.plan);
  const memoryAt = 16 + header.length + plan.length;
  const out = new Uint8Array(memoryAt + s.memory.length + 8);
  const view = new DataView(out.buffer);
  out.set(MAGIC);
  view.setUint32(8, header.length, true);
  out.set(header, 12);
  view.setUint32(12 + header.length, plan.length, true);
  out.set(plan, 16 + header.length);
  out.set(s.memory, memoryAt);
  view.setUint32(out.length - 8, s.memory.length, true);
  view.setUint32(out.length - 4, crc32([header, s.memory]), true);
  return out;
}

/** A length-prefixed part of a snapshot at `at`: its bytes and where the next begins. */
function part(bytes: Uint8Array, at: number): { body: Uint8Array; next: number } {
  if (at + 4 > bytes.length) throw new DlError('DL_PLAN_CORRUPT', 'snapshot: it ends inside a length', { offset: at });
  const length = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(at, true);
  if (at + 4 + length > bytes.length)
    throw new DlError('DL_PLAN_CORRUPT', `snapshot: a part of ${length} bytes reaches past its end`, { offset: at });
  return { body: bytes.subarray(at + 4, at + 4 + length), next: at + 4 + length };
}

type Header = Pick<Snapshot, 'pages' | 'stackPointer' | 'atexit'>;

function headerOf(body: Uint8Array): Header {
  let head: Partial<Header>;
  try {
    head = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body)) as Partial<Header>;
  } catch (e) {
    throw new DlError('DL_PLAN_CORRUPT', 'snapshot: its header does not decode', { offset: 12, cause: e });
  }
  if (!Number.isInteger(head.pages) || !Number.isInteger(head.stackPointer) || !Array.isArray(head.atexit))
    throw new DlError('DL_PLAN_CORRUPT', 'snapshot: its header is incomplete');
  return head as Header;
}

/**
 * A snapshot from bytes `encodeSnapshot` wrote.
 *
 * @throws DlError `DL_PLAN_FOREIGN` (not a snapshot), `DL_PLAN_CORRUPT` (damaged)
 */
export function decodeSnapshot(bytes: Uint8Array): Snapshot {
  if (bytes.length < 12 || MAGIC.some((b, i) => bytes[i] !== b))
    throw new DlError('DL_PLAN_FOREIGN', 'not a snapshot: it does not start with "\\0dlsnap2"');
  const header = part(bytes, 8);
  const plan = part(bytes, header.next);
  const end = bytes.length - 8;
  if (end < plan.next) throw new DlError('DL_PLAN_CORRUPT', 'snapshot: it ends before its memory', { offset: end });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const memory = bytes.slice(plan.next, end);
  const [length, crc] = [view.getUint32(end, true), view.getUint32(end + 4, true)];
  if (length !== memory.length)
    throw new DlError(
      'DL_PLAN_CORRUPT',
      `snapshot: its memory is ${memory.length} bytes where ${length} were written`,
      {
        offset: plan.next,
      },
    );
  if (crc !== crc32([header.body, memory]))
    throw new DlError('DL_PLAN_CORRUPT', 'snapshot: its header or memory is damaged (its CRC-32 differs)', {
      offset: plan.next,
    });
  const head = headerOf(header.body);
  if (memory.length > head.pages * PAGE)
    throw new DlError('DL_PLAN_CORRUPT', 'snapshot: its memory is larger than its pages', { offset: plan.next });
  return { ...head, plan: decodePlan(plan.body, header.next + 4), memory };
}

/** Writes the snapshot's memory, stack pointer and registrations (instead of relocations and constructors). */
function restoreInto(state: LinkState, s: Snapshot): void {
  const have = state.memory.buffer.byteLength / PAGE;
  if (have < s.pages) state.memory.grow(s.pages - have);
  const bytes = new Uint8Array(state.memory.buffer);
  bytes.set(s.memory);
  bytes.fill(0, s.memory.length);
  state.stackPointer.value = s.stackPointer;
  state.atexit.push(...s.atexit);
}

/** Refuses a linker a snapshot cannot be restored into (nothing is loaded then). */
function checkRestorable(state: LinkState, snapshot: Snapshot): void {
  if (Object.values(state.runtime).some((v) => typeof v === 'function') || state.programKind === 'attached')
    throw new DlError(
      'DL_SNAPSHOT_UNSUPPORTED',
      'a snapshot restores into a JS host or a relocatable main without a runtime adapter',
    );
  if (fingerprint(state) !== snapshot.plan.fingerprint)
    throw new DlError(
      'DL_PLAN_STALE',
      'the snapshot was taken in another program (host functions, limits or resident libraries differ)',
    );
}

/** The plan's replay, with the snapshot's memory and registrations written in place of relocations and constructors. */
function restoreHooks(snapshot: Snapshot, found: readonly Gathered[]): PlanHooks {
  return replayHooks(snapshot.plan, found, (s) => {
    restoreInto(s, snapshot);
  });
}

/**
 * Restores a snapshot into a new linker made like the one it was taken from (same program,
 * host function names and types, limits, libraries loaded before): the libraries are compiled
 * and instantiated at the planned places with the planned bindings, then the memory is written
 * — no relocation, no constructor runs. The program then behaves as the one snapshotted: the
 * same calls give the same results, `digest()` is equal, `dlopen`/`dlclose` work on it.
 *
 * @param sources - the sources the snapshotted load was given (checked against the plan's hashes)
 * @returns one handle per source
 * @throws DlError `DL_PLAN_STALE` when a library, the flags, the host or the linker differ (nothing
 *   was changed: link normally instead), `DL_SNAPSHOT_UNSUPPORTED` for a linker with a runtime
 *   adapter or shared memory
 */
export async function restoreSnapshot(
  linker: Linker,
  snapshot: Snapshot,
  sources: readonly LibrarySource[],
  options: LoadOptions = {},
): Promise<Handle[]> {
  const state = linker.linkState;
  checkRestorable(state, snapshot);
  const found = await gatherSources(state, snapshot.plan, sources, { signal: options.signal, whole: true });
  return (await linker.loadPlanned(sources, snapshot.plan.flags, restoreHooks(snapshot, found), options)).handles;
}

/**
 * {@link restoreSnapshot} without awaiting anything (a program that links with `dlopenSync` or
 * `linkWithPlanSync`): the loader's `loadSync`, synchronous compilation, SHA-256 in JavaScript.
 * A snapshot taken after either kind of load restores with either.
 *
 * @throws DlError as {@link restoreSnapshot}; `DL_PLAN_STALE` too when the loader has no
 *   `loadSync` for a library the sources do not give
 */
export function restoreSnapshotSync(linker: Linker, snapshot: Snapshot, sources: readonly LibrarySource[]): Handle[] {
  const state = linker.linkState;
  checkRestorable(state, snapshot);
  const found = gatherSourcesSync(state, snapshot.plan, sources, true);
  return linker.loadPlannedSync(sources, snapshot.plan.flags, restoreHooks(snapshot, found)).handles;
}
