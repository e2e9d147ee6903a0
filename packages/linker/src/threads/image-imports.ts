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
 */

function exportImport(state: LinkState, lib: Library, spec: ClassifiedImport, index: Indexed): ImageImport {
  const base = { module: spec.module, name: spec.name };
  const d = boundTo(lib, spec);
  if (d === 'late') return { ...base, how: 'late', symbol: spec.name };
  if (index.has(d.provider) && lib.bindings.get(spec)?.kind === 'function')
    return { ...base, how: 'export', library: d.provider, export: d.name };
  if (d.provider === 0) return { ...base, how: 'host', symbol: d.name };
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
): ImageImport {
  const base = { module: spec.module, name: spec.name };
  const entry = state.got.get(lib.group ?? state.global, spec.space, spec.name);
  if (entry === undefined) return { ...base, entry: 0, how: 'got', value: 0 };
  const value = entryValue(state, entry, index);
  if (value === null)
    throw new DlError('DL_INCOMPATIBLE', `thread-local ${spec.name} has no TLS block`, { library: lib.name });
  return { ...base, entry: mayChange(state, entry) ? entry.id : 0, ...value };
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

/** The changed GOT entries as a thread takes them (a thread-local whose library it will not have: 0). */
export function gotUpdates(state: LinkState, entries: readonly GotEntry[], index: Indexed): ImageGotUpdate[] {
  return entries.map((entry): ImageGotUpdate => {
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
): ImageImport {
  const base = { module: spec.module, name: spec.name };
  const d = resolveSymbol(pathOf(state, lib), spec.name);
  if (d?.kind === 'global' && index.has(d.provider.id))
    return { ...base, how: 'export', library: d.provider.id, export: d.name };
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
  return { ...base, how: 'global', valueType, value: d.global.value as number | bigint, mutable: type!.mutable };
}

/** How a follower makes each import of a library, from what the leading thread bound. */
export function importsOf(state: LinkState, lib: Library, index: Indexed): ImageImport[] {
  return lib.meta.imports.map((spec): ImageImport => {
    const base = { module: spec.module, name: spec.name };
    switch (spec.role) {
      case 'memory':
        return { ...base, how: 'memory' };
      case 'table':
        return { ...base, how: 'table' };
      case 'abi':
        if (spec.name === '__stack_pointer') return { ...base, how: 'stack-pointer' };
        if (spec.name === '__memory_base') return { ...base, how: 'const', value: lib.memoryBase, mutable: false };
        if (spec.name === '__table_base') return { ...base, how: 'const', value: lib.tableBase, mutable: false };
        return { ...base, how: spec.name === 'memory' ? 'memory' : 'table' };
      case 'got':
        return gotImport(state, lib, spec, index);
      case 'function':
        if (spec.name === '__cxa_atexit') return { ...base, how: 'host', symbol: '__cxa_atexit' };
        if (spec.name === state.conventions.alignedAlloc && lib.runtimeTls !== null)
          return { ...base, how: 'tls-alloc' };
        return exportImport(state, lib, spec, index);
      case 'global':
        return globalImport(state, lib, spec, index);
      case 'tag':
        return { ...base, how: 'tag', parameters: spec.type?.params ?? ['i32'] };
      default:
        throw new DlError(
          'DL_INCOMPATIBLE',
          `a follower thread cannot rebuild a ${spec.role} import (${spec.name}) yet`,
          {
            library: lib.name,
          },
        );
    }
  });
}
