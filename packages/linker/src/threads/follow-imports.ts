import { DlError } from '@dl/errors';
import { mutableI32 } from '@dl/symbols';
import { newTag } from '../wasm-tag.js';
import type { Fn, Thread } from './follow-thread.js';
import type { ImageGotUpdate, ImageGotValue, ImageImport, ImageLibrary } from './image.js';

/**
 * An i32 global import: a plain number for an immutable one (the engine makes it); a mutable one
 * from the engine-made pool of `@dl/symbols` (a JS-made Global owns an array buffer of its own).
 */
function constGlobal(value: number, mutable: boolean): WebAssembly.Global | number {
  return mutable ? mutableI32(value) : value;
}

/** A GOT entry's value on this thread (a thread-local's: this thread's block of its library, plus the offset). */
function gotValue(t: Thread, v: ImageGotValue): number {
  return v.how === 'got' ? v.value : (t.tlsBlocks.get(v.library) ?? 0) + v.offset;
}

/**
 * This thread's global for a GOT entry: made on its first importer (from the entry's latest
 * value an update brought, if any), then shared and kept for updates; for entry 0 (one that
 * cannot move) a global of this import's own, not kept.
 */
function gotGlobal(t: Thread, spec: { readonly entry: number } & ImageGotValue): WebAssembly.Global {
  if (spec.entry === 0) return mutableI32(gotValue(t, spec));
  let global = t.got.get(spec.entry);
  if (global !== undefined) return global;
  const value = t.gotLatest.get(spec.entry) ?? spec;
  t.gotLatest.delete(spec.entry);
  t.got.set(spec.entry, (global = mutableI32(gotValue(t, value))));
  if (value.how === 'tls') t.gotTls.set(spec.entry, value.library);
  return global;
}

/**
 * Sets this thread's copies of the changed GOT entries, forgets the deleted ones. For an entry
 * the thread has no copy of yet, the value is kept: a library not instantiated yet that imports
 * it must start from it, not from the value its image had (updates name only the entries some
 * thread was sent by id, so this holds few). Returns the libraries whose
 * thread-locals a copy in use now locates: they must have their blocks set up (be
 * instantiated) before code reading the copy runs.
 */
export function updateGot(t: Thread, updates: readonly ImageGotUpdate[]): number[] {
  const located: number[] = [];
  for (const u of updates) {
    const global = t.got.get(u.entry);
    if (u.how === 'gone') {
      t.got.delete(u.entry);
      t.gotTls.delete(u.entry);
      t.gotLatest.delete(u.entry);
    } else if (global === undefined) t.gotLatest.set(u.entry, u);
    else {
      global.value = gotValue(t, u);
      if (u.how === 'tls') {
        t.gotTls.set(u.entry, u.library);
        located.push(u.library);
      } else t.gotTls.delete(u.entry);
    }
  }
  return located;
}

/** The library whose thread-local a GOT import locates now, if any (an entry that moved: its latest value's). */
export function tlsProvider(t: Thread, spec: ImageImport): number | undefined {
  if (spec.how !== 'got' && spec.how !== 'tls') return undefined;
  if (spec.entry !== 0) {
    if (t.got.has(spec.entry)) return t.gotTls.get(spec.entry);
    const latest = t.gotLatest.get(spec.entry);
    if (latest !== undefined) return latest.how === 'tls' ? latest.library : undefined;
  }
  return spec.how === 'tls' ? spec.library : undefined;
}

const exportNames = new WeakMap<WebAssembly.Module, ReadonlySet<string>>();

/** The names a module exports (reflected once per module). */
function namesOf(module: WebAssembly.Module): ReadonlySet<string> {
  let names = exportNames.get(module);
  if (names === undefined)
    exportNames.set(module, (names = new Set(WebAssembly.Module.exports(module).map((e) => e.name))));
  return names;
}

/** The first library (in load order) exporting `name`; one not instantiated yet is, then. */
export function find(t: Thread, name: string): WebAssembly.ExportValue | undefined {
  for (const [id, e] of t.entries) {
    const instance = e.instance ?? (namesOf(e.lib.module).has(name) ? t.arrive(id) : null);
    if (instance !== null && Object.hasOwn(instance.exports, name)) return instance.exports[name];
  }
  return undefined;
}

function hostFunction(t: Thread, symbol: string, library: string): Fn {
  const f = t.host[symbol];
  if (f !== undefined) return f;
  return () => {
    throw new DlError(
      'DL_UNDEFINED_SYMBOL',
      `host function ${symbol} is not given to this thread (FollowOptions.host)`,
      {
        library,
        symbol,
      },
    );
  };
}

/** A lazily bound import: the first library exporting it, looked up on the first call. */
function lateFunction(t: Thread, symbol: string, library: string): Fn {
  let target: Fn | undefined;
  return (...args) => {
    target ??= find(t, symbol) as Fn | undefined;
    if (typeof target !== 'function')
      throw new DlError('DL_UNDEFINED_SYMBOL', `undefined symbol ${symbol} was called on a follower thread`, {
        library,
        symbol,
      });
    return target(...args);
  };
}

/** How this thread makes one import of `lib` (a provider it has not instantiated yet is, first). */
export function importValue(t: Thread, spec: ImageImport, lib: ImageLibrary): WebAssembly.ImportValue {
  switch (spec.how) {
    case 'memory':
      return t.memory;
    case 'table':
      return t.table;
    case 'stack-pointer':
      return t.stackPointer;
    case 'const':
      return constGlobal(spec.value, spec.mutable);
    case 'got':
    case 'tls':
      return gotGlobal(t, spec);
    case 'export': {
      const provider = t.arrive(spec.library);
      return provider === null
        ? lateFunction(t, spec.export, lib.name)
        : (provider.exports[spec.export] as WebAssembly.ImportValue);
    }
    case 'host':
      return hostFunction(t, spec.symbol, lib.name);
    case 'late':
      return lateFunction(t, spec.symbol, lib.name);
    case 'tag': {
      let tag = t.tags.get(spec.name);
      if (tag === undefined) t.tags.set(spec.name, (tag = newTag(spec.parameters)));
      return tag as WebAssembly.ImportValue;
    }
    case 'global':
      return new WebAssembly.Global({ value: spec.valueType, mutable: spec.mutable }, spec.value);
    case 'tls-alloc':
      return () => {
        if (lib.tlsBlock === null)
          throw new DlError('DL_OUT_OF_MEMORY', 'no TLS block reserved for this thread', { library: lib.name });
        return lib.tlsBlock;
      };
  }
}
