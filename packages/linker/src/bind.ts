import { DlError } from '@dl/errors';
import { formatFuncType } from '@dl/reader';
import type { FuncType } from '@dl/reader';
import { addressTarget, pickFunction } from '@dl/symbols';
import type { Callable, Definition, FunctionDefinition, GotEntry, Scope } from '@dl/symbols';
import type { Journal } from './journal.js';
import type { ImportSpec } from './metadata.js';
import { compatAdvice } from './compat.js';
import { createPlt } from './plt.js';
import { newTag } from './wasm-tag.js';
import type { WasmTag } from './wasm-tag.js';
import type { PltEntry, PltRequest } from './plt.js';
import type { Library, LinkState } from './state.js';

/** Where a library looks symbols up: the global scope, then its local group (ELF order). */
export function pathOf(state: LinkState, lib: Library): readonly Scope[] {
  return lib.group === null ? [state.global] : [state.global, lib.group];
}

/**
 * The first definition of `name` along a path, then the global scope's fallback (symbols a
 * runtime makes on demand). Cost: one map lookup per scope.
 */
export function lookup(path: readonly Scope[], name: string): Definition | undefined {
  return lookupScopes(path, name) ?? path[0]?.fallback?.(name);
}

/** The first definition of `name` along a path, without the fallback. */
export function lookupScopes(path: readonly Scope[], name: string): Definition | undefined {
  for (const scope of path) {
    const d = scope.lookup(name);
    if (d !== undefined) return d;
  }
  return undefined;
}

/** A GOT entry still waiting for its definition, or a PLT entry still unbound. */
export interface PendingBinding {
  readonly lib: Library;
  /** Index of the import in the library's import list. */
  readonly index: number;
  readonly name: string;
  readonly weak: boolean;
  readonly got?: GotEntry;
  readonly plt?: { readonly entry: PltEntry; readonly type: FuncType };
}

/** A wasm function to put in the table or a PLT slot for a definition, with the importer's type. */
export function wasmCallable(state: LinkState, d: FunctionDefinition, type: FuncType | null, importer: string): Callable {
  const picked = pickFunction(d, type);
  if (picked === null) throw mismatch(d, type!, importer);
  if (d.wasm) return picked.func;
  const t = picked.type ?? type;
  if (t === null) {
    throw new DlError('DL_SIGNATURE_MISMATCH', `host function ${d.name} needs a signature to be called through the table`, { library: importer, symbol: d.name });
  }
  return state.hostFunctions.wrap(picked.func, t);
}

/** The signature-mismatch error, with both types. */
export function mismatch(d: FunctionDefinition, wanted: FuncType, importer: string): DlError {
  const have = d.type === null ? 'unknown' : formatFuncType(d.type);
  return new DlError('DL_SIGNATURE_MISMATCH', `${d.name}: ${importer} imports it as ${formatFuncType(wanted)} but ${d.provider.name} defines it as ${have}`, { library: importer, symbol: d.name });
}

/** The table slot for `&name` (the `orig$` twin when Emscripten legalised the function). */
export function addressOfFunction(state: LinkState, journal: Journal, d: FunctionDefinition, importer: string): number {
  const target = addressTarget(d);
  const func = d.wasm ? target.func : wasmCallable(state, d, target.type, importer);
  const { slot, created } = state.slots.ensure(func, d.provider.name);
  if (created) journal.record(() => { state.slots.forget(func); });
  return slot;
}

/** The value a GOT entry takes for a definition (address or table index), or null when it does not fit. */
function gotValue(state: LinkState, journal: Journal, space: 'mem' | 'func', d: Definition, importer: string): number | null {
  if (space === 'mem') return d.kind === 'data' || d.kind === 'tls' ? d.address : null;
  return d.kind === 'function' ? addressOfFunction(state, journal, d, importer) : null;
}

function resolveGot(state: LinkState, journal: Journal, entry: GotEntry, d: Definition, importer: string): boolean {
  const value = gotValue(state, journal, entry.space, d, importer);
  if (value === null) return false;
  state.got.resolve(entry, value, d);
  journal.resolvedEntry(entry);
  return true;
}

/** Finishes a pending GOT entry; weak ones with no definition become 0. */
export function settleGot(state: LinkState, journal: Journal, p: PendingBinding): void {
  const entry = p.got!;
  if (entry.resolved) return;
  const d = lookup(pathOf(state, p.lib), p.name);
  if (d !== undefined && resolveGot(state, journal, entry, d, p.lib.name)) {
    p.lib.bindings[p.index] = d.provider.name;
    return;
  }
  if (!p.weak) {
    const what = d === undefined ? 'is not defined' : `is a ${d.kind} symbol, not ${entry.space === 'mem' ? 'data' : 'a function'}`;
    throw new DlError('DL_UNDEFINED_SYMBOL', `undefined symbol ${p.name} (GOT.${entry.space}): it ${what}${d === undefined ? compatAdvice([p.name]) : ''}`, { library: p.lib.name, symbol: p.name });
  }
  state.got.resolve(entry, 0, null);
  p.lib.bindings[p.index] = '(weak, undefined)';
  journal.resolvedEntry(entry);
}

/** What a lazy or forward import calls: looks the symbol up (again) when first called. */
function resolver(state: LinkState, lib: Library, index: number, name: string, type: FuncType, weak: boolean): () => Callable {
  return () => {
    const d = lookup(pathOf(state, lib), name);
    if (d?.kind !== 'function') {
      const detail = (weak ? `weak undefined function ${name} was called, and nothing defines it` : `undefined symbol ${name} was called, and no library defines it`) + compatAdvice([name]);
      throw new DlError('DL_UNDEFINED_SYMBOL', detail, { library: lib.name, symbol: name });
    }
    lib.bindings[index] = d.provider.name;
    return wasmCallable(state, d, type, lib.name);
  };
}

/**
 * For an importer whose types are unknown (a compiled module given without bytes): a JS
 * function that looks the symbol up on every call and calls it.
 */
function untypedStub(state: LinkState, lib: Library, name: string, weak: boolean): WebAssembly.ImportValue {
  return ((...args: never[]): unknown => {
    const d = lookup(pathOf(state, lib), name);
    if (d?.kind !== 'function') {
      throw new DlError('DL_UNDEFINED_SYMBOL', `${weak ? 'weak undefined function' : 'undefined symbol'} ${name} was called, and no library defines it${compatAdvice([name])}`, { library: lib.name, symbol: name });
    }
    return d.func(...args);
  });
}

/** Names in `env` that are the program's own objects, not symbols. */
const abi = new Set(['memory', '__indirect_function_table', 'table', '__memory_base', '__table_base', '__stack_pointer']);

/**
 * Builds a library's import object and records what is still pending. Cost: the
 * library's own imports (each a map lookup), never a scan of what is loaded.
 */
export function buildImports(state: LinkState, journal: Journal, lib: Library, weak: ReadonlySet<string>, pending: PendingBinding[], visible: readonly (Definition | undefined)[] | undefined): WebAssembly.Imports {
  const path = pathOf(state, lib);
  const gotScope = lib.group ?? state.global;
  const env: Record<string, WebAssembly.ImportValue> = {};
  const mem: Record<string, WebAssembly.ImportValue> = {};
  const func: Record<string, WebAssembly.ImportValue> = {};
  const imports: WebAssembly.Imports = { env, 'GOT.mem': mem, 'GOT.func': func };
  const requests: PltRequest[] = [];
  const waiting: { spec: ImportSpec; type: FuncType; index: number }[] = [];
  const specs = lib.meta.imports;
  for (let index = 0; index < specs.length; index++) {
    const spec = specs[index]!;
    const { module, name } = spec;
    if (module === 'env') {
      if (abi.has(name)) env[name] = abiValue(state, lib, name);
      else if (spec.kind === 'function') {
        const d = visible?.[index] ?? lookup(path, name);
        if (d?.kind === 'function') {
          const picked = pickFunction(d, spec.funcType);
          if (picked === null) throw mismatch(d, spec.funcType!, lib.name);
          env[name] = picked.func;
          lib.bindings[index] = d.provider.name;
        } else if (spec.funcType !== null) {
          requests.push({ type: spec.funcType, resolve: resolver(state, lib, index, name, spec.funcType, weak.has(name)) });
          waiting.push({ spec, type: spec.funcType, index });
        } else {
          env[name] = untypedStub(state, lib, name, weak.has(name));
        }
      } else if (spec.kind === 'tag') env[name] = sharedTag(state, journal, name, spec.funcType) as unknown as WebAssembly.ImportValue;
      else {
        const d = lookup(path, name);
        if (d?.kind !== 'global') throw new DlError('DL_UNDEFINED_SYMBOL', `undefined global ${name}`, { library: lib.name, symbol: name });
        env[name] = d.global;
      }
    } else if (module === 'GOT.mem' || module === 'GOT.func') {
      const special = module === 'GOT.mem' ? specialGot(state, name) : null;
      if (special !== null) {
        mem[name] = special;
        continue;
      }
      const space = module === 'GOT.mem' ? 'mem' : 'func';
      let entry = state.got.get(gotScope, space, name);
      if (entry === undefined) {
        // A new entry: created with its final value when the definition is already visible.
        const d = visible?.[index] ?? lookup(path, name);
        const value = d === undefined ? null : gotValue(state, journal, space, d, lib.name);
        // The global scope may share a running program's GOT (an attached Emscripten main).
        const shared = gotScope === state.global && state.sharedGot !== null && Object.hasOwn(state.sharedGot, name) ? state.sharedGot[name] : undefined;
        const before = shared?.value as number | undefined;
        entry = state.got.obtain(gotScope, space, name, value === null ? undefined : { value, definition: d! }, shared).entry;
        journal.createdEntry(entry);
        if (before === 0 && entry.resolved) journal.resolvedEntry(entry);
        if (!entry.resolved) pending.push({ lib, index, name, weak: weak.has(name), got: entry });
      } else if (!entry.resolved) {
        const d = lookup(path, name);
        if (d === undefined || !resolveGot(state, journal, entry, d, lib.name)) pending.push({ lib, index, name, weak: weak.has(name), got: entry });
      }
      (space === 'mem' ? mem : func)[name] = entry.global;
      if (entry.definition !== null) lib.bindings[index] = entry.definition.provider.name;
    } else {
      const value = state.imports[module]?.[name];
      if (value === undefined) throw new DlError('DL_UNDEFINED_SYMBOL', `undefined import ${module}.${name}: give it in the linker's imports option`, { library: lib.name, symbol: name });
      (imports[module] ??= {})[name] = value;
    }
  }
  if (requests.length > 0) {
    const plt = createPlt(state.table, () => {
      const slot = state.tables.reserveSlot(`${lib.name} (PLT)`);
      journal.record(() => { state.tables.release(slot); });
      return slot;
    }, requests);
    lib.plts.push(plt);
    plt.entries.forEach((entry, i) => {
      const { spec, type, index } = waiting[i]!;
      env[spec.name] = entry.stub;
      lib.lazy.push({ entry, name: spec.name, type });
      pending.push({ lib, index, name: spec.name, weak: weak.has(spec.name), plt: { entry, type } });
    });
  }
  return imports;
}

/** `__table_base` of the many libraries without a table range: one immutable global for all. */
const zeroBase = new WebAssembly.Global({ value: 'i32', mutable: false }, 0);

function abiValue(state: LinkState, lib: Library, name: string): WebAssembly.ImportValue {
  switch (name) {
    case 'memory': return state.memory;
    case '__indirect_function_table': case 'table': return state.table;
    case '__stack_pointer': return state.stackPointer;
    case '__memory_base': return new WebAssembly.Global({ value: 'i32', mutable: false }, lib.memoryBase);
    default: return lib.tableBase === 0 ? zeroBase : new WebAssembly.Global({ value: 'i32', mutable: false }, lib.tableBase);
  }
}

/** `GOT.mem.__heap_base` / `__stack_low` / `__stack_high`, which a relocatable main asks the loader for. */
function specialGot(state: LinkState, name: string): WebAssembly.Global | null {
  if (name === '__heap_base') {
    state.heapBase ??= new WebAssembly.Global({ value: 'i32', mutable: true }, state.stack.high);
    return state.heapBase;
  }
  if (name === '__stack_low') return new WebAssembly.Global({ value: 'i32', mutable: true }, state.stack.low);
  if (name === '__stack_high') return new WebAssembly.Global({ value: 'i32', mutable: true }, state.stack.high);
  return null;
}

/** One exception tag per name, shared by every library (so a throw in one is caught in another). */
function sharedTag(state: LinkState, journal: Journal, name: string, type: FuncType | null): WasmTag {
  const found = state.tags.get(name);
  if (found !== undefined) return found;
  const tag = newTag(type?.params ?? ['i32']);
  state.tags.set(name, tag);
  journal.record(() => { state.tags.delete(name); });
  return tag;
}
