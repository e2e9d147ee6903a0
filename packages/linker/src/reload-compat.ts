import { DlError } from '@dl/errors';
import { formatFuncType } from '@dl/reader';
import type { LibraryMeta } from './metadata.js';
import type { Library } from './state.js';

/**
 * What a hot reload may change: code, freely; the types of exported functions and the sizes
 * of exported data, not — importers hold addresses into the old data (their own data
 * relocations copied them, and GOT entries are read on every access), and call the old
 * functions with the old types through stored pointers and PLT entries. Wasm exports carry no
 * data sizes: a datum's extent is the distance to the next exported datum (or the end of the
 * library's data), so a change of layout counts as a change of size.
 */

/** Exported functions by name, with their printed types. */
function functionsOf(meta: LibraryMeta): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of meta.exports)
    if (e.kind === 'function') out.set(e.name, e.type === null ? '?' : formatFuncType(e.type));
  return out;
}

/** Exported data symbols by name, with their extents in bytes. */
export function dataExtents(meta: LibraryMeta): Map<string, number> {
  const data: [string, number][] = [];
  for (const e of meta.exports) {
    if (e.kind !== 'global' || e.name.startsWith('__') || meta.dylink.tlsExports.has(e.name)) continue;
    if (e.type?.mutable === true || e.init?.op !== 'i32.const' || typeof e.init.value !== 'number') continue;
    data.push([e.name, e.init.value]);
  }
  data.sort((a, b) => a[1] - b[1]);
  const end = meta.dylink.memorySize;
  return new Map(data.map(([name, at], i) => [name, (data[i + 1]?.[1] ?? Math.max(end, at)) - at]));
}

/** How a new build differs from the running one in what importers depend on (empty: compatible). */
export function reloadDifferences(old: LibraryMeta, fresh: LibraryMeta): string[] {
  const out: string[] = [];
  const newFunctions = functionsOf(fresh);
  for (const [name, type] of functionsOf(old)) {
    const now = newFunctions.get(name);
    if (now === undefined) out.push(`function ${name} is gone`);
    else if (now !== type) out.push(`function ${name} was ${type}, is ${now}`);
  }
  const newData = dataExtents(fresh);
  for (const [name, size] of dataExtents(old)) {
    const now = newData.get(name);
    if (now === undefined) out.push(`data ${name} is gone`);
    else if (now !== size) out.push(`data ${name} was ${size} bytes, is ${now}`);
  }
  return out;
}

/** Refuses a new build that differs (unless allowed): nothing is allocated yet. */
export function vetReload(old: Library, fresh: LibraryMeta, allowIncompatible: boolean): void {
  if (allowIncompatible) return;
  const diff = reloadDifferences(old.meta, fresh);
  if (diff.length === 0) return;
  throw new DlError(
    'DL_RELOAD_INCOMPATIBLE',
    `the new build differs from the running one: ${diff.join('; ')} — importers hold the old addresses and types (pass allowIncompatible to reload anyway)`,
    { library: old.name },
  );
}

/**
 * The resident libraries bound to the library's functions or globals directly (imports fixed
 * at their instantiation): a reload could not reach them.
 */
export function boundDirectly(old: Library): string[] {
  const out: string[] = [];
  for (const k of old.keptBy) {
    const lazy = new Set(k.lazy.map((l) => l.name));
    for (const [spec, d] of k.bindings) {
      if (d?.provider !== old.provider || lazy.has(spec.name)) continue;
      if (spec.role === 'function' || spec.role === 'global') out.push(`${k.name} (${spec.name})`);
    }
  }
  return out;
}
