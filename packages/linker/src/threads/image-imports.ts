import { DlError } from '@dl/errors';
import type { ClassifiedImport } from '@dl/reader';
import { resolveSymbol } from '@dl/symbols';
import type { GotEntry } from '@dl/symbols';
import { boundTo } from '../bound-to.js';
import { pathOf } from '../load/bind.js';
import type { Library, LinkState } from '../state.js';
import type { ImageGotUpdate, ImageGotValue, ImageImport } from './image.js';
import type { Indexed } from './plan.js';

/**
 * How a following thread makes each import of a library, from what the leading thread bound,
 * and the GOT entries whose value changed since a thread's last update.
 *
 * A library's imports are kept per instance once made, when none of them can change while it
 * is resident (no lazy binding, no GOT entry that may move, no host global's value): every
 * later thread's image reuses them (at N=500 they were most of the leading thread's cost of
 * one more image). A kept list is reused only while every library it names is on the thread
 * and no resolved GOT entry has moved since (an unload or reload with no thread following may
 * move any entry: the next image makes every list again). Entries resolved or deleted meanwhile
 * do not matter: a kept list holds no pending entry, and an entry goes only with its last
 * importer.
 */

/** What making one library's imports found: the libraries they name, and whether they can change. */
interface Gathered {
  readonly needs: Set<number>;
  stable: boolean;
}

/** A library's imports as made once, the libraries (ids) they name, and the GOT change count then. */
interface Kept {
  readonly imports: readonly ImageImport[];
  readonly needs: readonly number[];
  readonly gotChanges: number;
}

const kept = new WeakMap<WebAssembly.Instance, Kept>();

function exportImport(lib: Library, spec: ClassifiedImport, index: Indexed, acc: Gathered): ImageImport {
  const d = boundTo(lib, spec);
  if (d === 'late') {
    acc.stable = false;
    return { module: spec.module, name: spec.name, how: 'late', symbol: spec.name };
  }
  if (index.has(d.provider) && lib.bindings.get(spec)?.kind === 'function') {
    acc.needs.add(d.provider);
    return { module: spec.module, name: spec.name, how: 'export', library: d.provider, export: d.name };
  }
  if (d.provider === 0) return { module: spec.module, name: spec.name, how: 'host', symbol: d.name };
  throw new DlError('DL_INCOMPATIBLE', `a follower thread cannot rebuild import ${spec.name}`, { library: lib.name });
}

/** A GOT entry's value for threads; null for a thread-local whose library has no block on them. */
function entryValue(state: LinkState, entry: GotEntry, index: Indexed): ImageGotValue | null {
  const d = entry.definition;
  if (d?.kind !== 'tls') return { how: 'got', value: entry.global.value as number };
  const owner = state.libraries.get(d.provider.id);
  if (owner?.tlsBase === null || owner === undefined || !index.has(d.provider.id)) return null;
  return { how: 'tls', library: d.provider.id, offset: d.address - owner.tlsBase };
}

function gotImport(
  state: LinkState,
  lib: Library,
  spec: Extract<ClassifiedImport, { role: 'got' }>,
  index: Indexed,
  acc: Gathered,
): ImageImport {
  const entry = state.got.get(lib.group ?? state.global, spec.space, spec.name);
  if (entry === undefined) {
    acc.stable = false;
    return { module: spec.module, name: spec.name, entry: 0, how: 'got', value: 0 };
  }
  const value = entryValue(state, entry, index);
  if (value === null)
    throw new DlError('DL_INCOMPATIBLE', `thread-local ${spec.name} has no TLS block`, { library: lib.name });
  const changing = mayChange(state, entry);
  if (changing) acc.stable = false;
  const id = changing ? entry.id : 0;
  if (changing) sentById.add(entry);
  if (value.how === 'got') return { module: spec.module, name: spec.name, entry: id, how: 'got', value: value.value };
  acc.needs.add(value.library);
  return { module: spec.module, name: spec.name, entry: id, how: 'tls', library: value.library, offset: value.offset };
}

/**
 * Whether a GOT entry's value may still change while its importers are resident: it is pending
 * (a later load resolves it), or its definition is in a reloadable library (a reload moves it).
 * Any other definition stays put: its library is kept by every importer, and with threads
 * following only reloadable libraries reload. A thread keeps (and updates) its copy of such an
 * entry only — keeping the others made a follower's instantiation ~9 % slower at N=500.
 */
function mayChange(state: LinkState, entry: GotEntry): boolean {
  const d = entry.definition;
  if (!entry.resolved) return true;
  return d !== null && state.libraries.get(d.provider.id)?.reloadable === true;
}

/**
 * The GOT entries some thread was sent by id (it keeps a copy of each, which updates set). Only
 * their changes are sent: an importer given any other entry copied its value once, and such an
 * entry does not move while threads follow.
 */
const sentById = new WeakSet<GotEntry>();

/** The changed GOT entries as a thread takes them (a thread-local whose library it will not have: 0). */
export function gotUpdates(state: LinkState, entries: readonly GotEntry[], index: Indexed): ImageGotUpdate[] {
  return entries.flatMap((entry): ImageGotUpdate | [] => {
    if (!sentById.has(entry)) return [];
    if (!state.got.has(entry)) return { entry: entry.id, how: 'gone' };
    return { entry: entry.id, ...(entryValue(state, entry, index) ?? { how: 'got', value: 0 }) };
  });
}

/**
 * An `env` global: a library's export is this thread's instance's own (wasm globals are per
 * instance, so per thread, as on the leader); a host's is copied with its current value.
 */
function globalImport(
  state: LinkState,
  lib: Library,
  spec: Extract<ClassifiedImport, { role: 'global' }>,
  index: Indexed,
  acc: Gathered,
): ImageImport {
  const d = resolveSymbol(pathOf(state, lib), spec.name);
  if (d?.kind === 'global' && index.has(d.provider.id)) {
    acc.needs.add(d.provider.id);
    return { module: spec.module, name: spec.name, how: 'export', library: d.provider.id, export: d.name };
  }
  const type = d?.kind === 'global' ? (d.type ?? spec.type) : null;
  const valueType = type?.valueType;
  if (
    d?.kind !== 'global' ||
    d.provider.id !== 0 ||
    (valueType !== 'i32' && valueType !== 'i64' && valueType !== 'f32' && valueType !== 'f64')
  )
    throw new DlError('DL_INCOMPATIBLE', `a follower thread cannot rebuild global import ${spec.name}`, {
      library: lib.name,
      symbol: spec.name,
    });
  // The host's value now: a later thread starts from the value then.
  acc.stable = false;
  const value = d.global.value as number | bigint;
  return { module: spec.module, name: spec.name, how: 'global', valueType, value, mutable: type!.mutable };
}

/** One import, as a follower makes it (`acc` gathers what it names and whether it can change). */
function importOf(state: LinkState, lib: Library, spec: ClassifiedImport, index: Indexed, acc: Gathered): ImageImport {
  const { module, name } = spec;
  switch (spec.role) {
    case 'memory':
      return { module, name, how: 'memory' };
    case 'table':
      return { module, name, how: 'table' };
    case 'abi':
      if (name === '__stack_pointer') return { module, name, how: 'stack-pointer' };
      if (name === '__memory_base') return { module, name, how: 'const', value: lib.memoryBase, mutable: false };
      if (name === '__table_base') return { module, name, how: 'const', value: lib.tableBase, mutable: false };
      return { module, name, how: name === 'memory' ? 'memory' : 'table' };
    case 'got':
      return gotImport(state, lib, spec, index, acc);
    case 'function':
      if (name === '__cxa_atexit') return { module, name, how: 'host', symbol: '__cxa_atexit' };
      if (name === state.conventions.alignedAlloc && lib.runtimeTls !== null) return { module, name, how: 'tls-alloc' };
      return exportImport(lib, spec, index, acc);
    case 'global':
      return globalImport(state, lib, spec, index, acc);
    case 'tag':
      return { module, name, how: 'tag', parameters: spec.type?.params ?? ['i32'] };
    default:
      throw new DlError('DL_INCOMPATIBLE', `a follower thread cannot rebuild a ${spec.role} import (${name}) yet`, {
        library: lib.name,
      });
  }
}

/**
 * How a follower makes each import of a resident library, from what the leading thread bound:
 * the list kept for its instance while every library it names is in `index`, else made now
 * (and kept when none of its imports can change).
 */
export function importsOf(state: LinkState, lib: Library, index: Indexed): readonly ImageImport[] {
  const instance = lib.instance!;
  const gotChanges = state.changes.gotChangeCount;
  const known = kept.get(instance);
  if (known?.gotChanges === gotChanges && known.needs.every((id) => index.has(id))) return known.imports;
  const acc: Gathered = { needs: new Set(), stable: true };
  const imports = lib.meta.imports.map((spec) => importOf(state, lib, spec, index, acc));
  if (acc.stable) kept.set(instance, { imports, needs: [...acc.needs], gotChanges });
  return imports;
}
