import { DlError } from '@dl/errors';
import { formatFuncType } from '@dl/reader';
import type { ClassifiedImport, FuncType } from '@dl/reader';
import { addressTarget, lookupPath, pickFunction, resolveSymbol } from '@dl/symbols';
import type { Callable, Definition, FunctionDefinition, GotEntry, Scope } from '@dl/symbols';
import { AbiMismatchError } from '../abi-mismatch.js';
import { compatAdvice } from '../compat.js';
import type { Journal } from '../journal.js';
import { keepDefinition, libraryOf, notePltBinding } from '../keep.js';
import { ALLOCATION_FUNCTIONS, leakWrapper } from '../leak.js';
import { createPlt, createThunk } from '../plt.js';
import type { PltEntry, PltRequest } from '../plt.js';
import type { Library, LinkState } from '../state.js';
import { abiValue, sharedTag, specialGot } from './program-objects.js';
import type { Visible } from './check.js';

type FunctionImport = Extract<ClassifiedImport, { readonly role: 'function' }>;
type GotImport = Extract<ClassifiedImport, { readonly role: 'got' }>;

/** Where a library looks symbols up: the global scope, then its local group (ELF order). */
export function pathOf(state: LinkState, lib: Library): readonly Scope[] {
  return lookupPath(state.global, lib.group);
}

/** A GOT entry still waiting for its definition, or a PLT entry still unbound: finished at the end of the load. */
export type PendingBinding =
  | { readonly kind: 'got'; readonly lib: Library; readonly spec: GotImport; readonly entry: GotEntry }
  | {
      readonly kind: 'plt';
      readonly lib: Library;
      readonly spec: FunctionImport;
      readonly entry: PltEntry;
      readonly type: FuncType;
    };

/** A wasm function to put in the table or a PLT slot for a definition, with the importer's type. */
export function wasmCallable(
  state: LinkState,
  d: FunctionDefinition,
  type: FuncType | null,
  importer: string,
): Callable {
  const picked = pickFunction(d, type);
  if (picked === null) throw mismatch(d, type!, importer);
  if (d.wasm) return picked.func;
  const t = picked.type ?? type;
  if (t === null) {
    throw new DlError(
      'DL_SIGNATURE_MISMATCH',
      `host function ${d.name} needs a signature to be called through the table`,
      { library: importer, symbol: d.name },
    );
  }
  return state.hostFunctions.wrap(picked.func, t);
}

/** The signature-mismatch error, with both types. */
export function mismatch(d: FunctionDefinition, wanted: FuncType, importer: string): DlError {
  const have = d.type === null ? 'unknown' : formatFuncType(d.type);
  return new AbiMismatchError(
    'DL_SIGNATURE_MISMATCH',
    'function-type',
    `${d.name}: ${importer} imports it as ${formatFuncType(wanted)} but ${d.provider.name} defines it as ${have}`,
    { library: importer, symbol: d.name },
  );
}

/** The table slot for `&name` (the `orig$` twin when Emscripten legalised the function). */
export function addressOfFunction(state: LinkState, journal: Journal, d: FunctionDefinition, importer: string): number {
  const target = addressTarget(d);
  const func = d.wasm ? target.func : wasmCallable(state, d, target.type, importer);
  const { slot, created } = state.slots.ensure(func, d.provider.name, d.provider.id);
  if (created) {
    state.changes.slot(slot, true);
    journal.record(() => {
      state.slots.forget(func);
    });
  }
  return slot;
}

/** The value a GOT entry takes for a definition (address or table index), or null when it does not fit. */
export function gotValue(
  state: LinkState,
  journal: Journal,
  space: 'mem' | 'func',
  d: Definition,
  importer: string,
): number | null {
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
function settleGot(state: LinkState, journal: Journal, p: Extract<PendingBinding, { kind: 'got' }>): void {
  const { entry, lib, spec } = p;
  if (entry.resolved) return;
  const d = resolveSymbol(pathOf(state, lib), spec.name);
  if (d !== undefined && resolveGot(state, journal, entry, d, lib.name)) {
    lib.bindings.set(spec, d);
    keepDefinition(state, lib, d);
    return;
  }
  if (!spec.weak) {
    const what =
      d === undefined
        ? 'is not defined'
        : `is a ${d.kind} symbol, not ${entry.space === 'mem' ? 'data' : 'a function'}`;
    throw new DlError(
      'DL_UNDEFINED_SYMBOL',
      `undefined symbol ${spec.name} (GOT.${entry.space}): it ${what}${d === undefined ? compatAdvice([spec.name]) : ''}`,
      { library: lib.name, symbol: spec.name },
    );
  }
  state.got.resolve(entry, 0, null);
  lib.bindings.set(spec, null);
  journal.resolvedEntry(entry);
}

/** Binds a PLT entry whose provider is now instantiated; one nobody defines stays lazy. */
function settlePlt(state: LinkState, p: Extract<PendingBinding, { kind: 'plt' }>): void {
  if (p.entry.bound()) return;
  const d = resolveSymbol(pathOf(state, p.lib), p.spec.name);
  if (d?.kind !== 'function') return;
  p.entry.bind(wasmCallable(state, d, p.type, p.lib.name));
  p.lib.bindings.set(p.spec, d);
  notePltBinding(state, p.lib, p.entry, p.spec.name, d);
}

/**
 * Finishes what instantiation left pending, once every library of the load is in its scope:
 * GOT entries (required unless weak) and PLT entries another library of the load provides.
 *
 * @throws DlError `DL_UNDEFINED_SYMBOL` for a GOT entry nothing defines
 */
export function settle(state: LinkState, journal: Journal, pending: readonly PendingBinding[]): void {
  for (const p of pending) {
    if (p.kind === 'got') settleGot(state, journal, p);
    else settlePlt(state, p);
  }
}

/** Why a called import has no definition: nothing defines it, or its provider was unloaded. */
function undefinedCall(lib: Library, spec: FunctionImport): DlError {
  const gone = lib.goneProviders.get(spec.name);
  const detail =
    gone !== undefined
      ? `undefined symbol ${spec.name} was called: its provider ${gone} was unloaded, and no other library defines it`
      : (spec.weak
          ? `weak undefined function ${spec.name} was called, and nothing defines it`
          : `undefined symbol ${spec.name} was called, and no library defines it`) + compatAdvice([spec.name]);
  return new DlError('DL_UNDEFINED_SYMBOL', detail, { library: lib.name, symbol: spec.name });
}

/** The PLT entry a late request ended up with (set once the PLT is built). */
interface EntryRef {
  entry: PltEntry | null;
}

/** What a lazy or forward import calls: looks the symbol up (again) when first called. */
function lateResolver(
  state: LinkState,
  lib: Library,
  spec: FunctionImport,
  type: FuncType,
  ref: EntryRef,
): () => Callable {
  return () => {
    const d = resolveSymbol(pathOf(state, lib), spec.name);
    if (d?.kind !== 'function') throw undefinedCall(lib, spec);
    lib.bindings.set(spec, d);
    const callable = wasmCallable(state, d, type, lib.name);
    if (ref.entry !== null) notePltBinding(state, lib, ref.entry, spec.name, d);
    lib.goneProviders.delete(spec.name);
    return callable;
  };
}

/**
 * For an importer whose types are unknown (a compiled module given without bytes): a JS
 * function that looks the symbol up on every call and calls it.
 */
function untypedStub(state: LinkState, lib: Library, spec: FunctionImport): WebAssembly.ImportValue {
  return (...args: never[]): unknown => {
    const d = resolveSymbol(pathOf(state, lib), spec.name);
    if (d?.kind !== 'function') {
      throw new DlError(
        'DL_UNDEFINED_SYMBOL',
        `${spec.weak ? 'weak undefined function' : 'undefined symbol'} ${spec.name} was called, and no library defines it${compatAdvice([spec.name])}`,
        { library: lib.name, symbol: spec.name },
      );
    }
    return d.func(...args);
  };
}

/** A PLT request that remembers which import it is for. */
interface LateRequest extends PltRequest {
  readonly spec: FunctionImport;
  readonly ref: EntryRef;
  /** Checking found nothing that defines it (not even in this load): a JS thunk, no wasm PLT entry. */
  readonly undefinedNow: boolean;
}

/** One library's binding in progress: its import object, what waits for a PLT, what stays pending. */
interface Binder {
  readonly state: LinkState;
  readonly journal: Journal;
  readonly lib: Library;
  readonly path: readonly Scope[];
  readonly visible: Visible | undefined;
  readonly imports: WebAssembly.Imports;
  readonly late: LateRequest[];
  readonly pending: PendingBinding[];
}

/** Sets one import's value in the import object. */
function put(b: Binder, spec: ClassifiedImport, value: WebAssembly.ImportValue): void {
  (b.imports[spec.module] ??= importModule())[spec.name] = value;
}

/**
 * An import object's module namespace, in dictionary mode from the start: every library brings
 * its own names (GOT entries above all), and adding them one by one to an ordinary object makes
 * the engine create a hidden class per name — the costliest part of building imports.
 */
function importModule(): Record<string, WebAssembly.ImportValue> {
  return Object.create(null) as Record<string, WebAssembly.ImportValue>;
}

/** Whether a function import goes through the PLT although its provider is there: the provider is reloadable. */
function throughPlt(b: Binder, d: Definition): boolean {
  return d.kind === 'function' && libraryOf(b.state, d)?.reloadable === true && libraryOf(b.state, d) !== b.lib;
}

/** A function import: bound directly to a visible provider, else through a PLT entry (or an untyped stub). */
function bindFunction(b: Binder, spec: FunctionImport): void {
  if (spec.name === '__cxa_atexit' && !b.lib.isMain) {
    // The linker runs a side module's destructors when it is unloaded: they must be recorded here.
    put(b, spec, b.state.registerAtExit);
    return;
  }
  const seen = b.visible?.get(spec);
  const d = seen === null ? undefined : (seen ?? resolveSymbol(b.path, spec.name));
  if (d?.kind === 'function' && !throughPlt(b, d)) {
    const picked = pickFunction(d, spec.type);
    if (picked === null) throw mismatch(d, spec.type!, b.lib.name);
    const checked = b.lib.leakCheck !== null && ALLOCATION_FUNCTIONS.has(spec.name);
    put(b, spec, checked ? leakWrapper(b.state, b.lib, spec.name, picked.func) : picked.func);
    b.lib.bindings.set(spec, d);
    keepDefinition(b.state, b.lib, d);
  } else if (spec.type !== null) {
    const ref: EntryRef = { entry: null };
    const resolve = lateResolver(b.state, b.lib, spec, spec.type, ref);
    b.late.push({ spec, ref, type: spec.type, resolve, undefinedNow: seen === null });
  } else {
    put(b, spec, untypedStub(b.state, b.lib, spec));
  }
}

/** A GOT entry of the library's scope: created (with its final value when the definition is visible) or shared. */
function bindGot(b: Binder, spec: GotImport): void {
  const { state, journal, lib } = b;
  const gotScope = lib.group ?? state.global;
  let entry = state.got.get(gotScope, spec.space, spec.name);
  if (entry === undefined) {
    const d = b.visible?.get(spec) ?? resolveSymbol(b.path, spec.name);
    const value = d === undefined ? null : gotValue(state, journal, spec.space, d, lib.name);
    // The global scope may share a running program's GOT (an attached Emscripten main).
    const shared =
      gotScope === state.global && state.sharedGot !== null && Object.hasOwn(state.sharedGot, spec.name)
        ? state.sharedGot[spec.name]
        : undefined;
    const before = shared?.value as number | undefined;
    entry = state.got.create(
      gotScope,
      spec.space,
      spec.name,
      value === null ? undefined : { value, definition: d! },
      shared,
    );
    journal.createdEntry(entry);
    if (before === 0 && entry.resolved) journal.resolvedEntry(entry);
    if (!entry.resolved) b.pending.push({ kind: 'got', lib, spec, entry });
  } else if (!entry.resolved) {
    const d = resolveSymbol(b.path, spec.name);
    if (d === undefined || !resolveGot(state, journal, entry, d, lib.name))
      b.pending.push({ kind: 'got', lib, spec, entry });
  }
  journal.usedEntry(entry);
  lib.got.push(entry);
  put(b, spec, entry.global);
  if (entry.definition !== null) {
    lib.bindings.set(spec, entry.definition);
    keepDefinition(state, lib, entry.definition);
  }
}

/** An import the host gives in the linker's `imports` option. */
function foreignValue(b: Binder, spec: ClassifiedImport): WebAssembly.ImportValue {
  const value = b.state.imports[spec.module]?.[spec.name];
  if (value === undefined)
    throw new DlError(
      'DL_UNDEFINED_SYMBOL',
      `undefined import ${spec.module}.${spec.name}: give it in the linker's imports option`,
      { library: b.lib.name, symbol: spec.name },
    );
  return value;
}

/** An `env` global symbol: resolved now (a global has no PLT). */
function globalValue(b: Binder, name: string): WebAssembly.ImportValue {
  const d = resolveSymbol(b.path, name);
  if (d?.kind !== 'global')
    throw new DlError('DL_UNDEFINED_SYMBOL', `undefined global ${name}`, { library: b.lib.name, symbol: name });
  keepDefinition(b.state, b.lib, d);
  return d.global;
}

/** Binds one import by its role. */
function bindImport(b: Binder, spec: ClassifiedImport): void {
  switch (spec.role) {
    case 'function':
      bindFunction(b, spec);
      return;
    case 'got':
      bindGot(b, spec);
      return;
    case 'global':
      put(b, spec, globalValue(b, spec.name));
      return;
    case 'abi':
      put(b, spec, abiValue(b.state, b.lib, spec.name));
      return;
    case 'memory':
      put(b, spec, spec.module === 'env' ? b.state.memory : foreignValue(b, spec));
      return;
    case 'table':
      put(b, spec, spec.module === 'env' ? b.state.table : foreignValue(b, spec));
      return;
    case 'tag':
      put(b, spec, sharedTag(b.state, b.journal, spec.name, spec.type) as unknown as WebAssembly.ImportValue);
      return;
    case 'got-special':
      put(b, spec, specialGot(b.state, spec.name));
      return;
    case 'foreign':
      put(b, spec, foreignValue(b, spec));
      return;
  }
}

/**
 * The entries of the library's late-bound function imports, in import order: a JS thunk for
 * each import nothing defines, one small wasm PLT module for those whose provider comes later.
 */
function buildPlt(b: Binder): void {
  if (b.late.length === 0) return;
  const { state, journal, lib } = b;
  const wasm = b.late.filter((r) => !r.undefinedNow);
  const slotted = new Map<LateRequest, PltEntry>();
  if (wasm.length > 0) {
    const plt = createPlt(
      state.table,
      () => {
        const slot = state.tables.reserveSlot(`${lib.name} (PLT)`);
        journal.own(
          lib,
          () => {
            state.tables.release(slot);
          },
          () => {
            state.tables.retire(slot);
          },
        );
        return slot;
      },
      wasm,
    );
    lib.plts.push(plt);
    for (const entry of plt.entries) slotted.set(entry.request, entry);
  }
  for (const request of b.late) {
    const entry = slotted.get(request) ?? createThunk(request);
    const { spec, type, ref } = request;
    ref.entry = entry;
    put(b, spec, entry.stub);
    lib.lazy.push({ entry, name: spec.name, type });
    b.pending.push({ kind: 'plt', lib, spec, entry, type });
  }
}

/**
 * Builds a library's import object from its classified imports and records what is still
 * pending. Cost: the library's own imports (each a map lookup), never a scan of what is loaded.
 *
 * @param visible - what checking found for its imports (reused: a definition visible then stays the winner)
 */
export function buildImports(
  state: LinkState,
  journal: Journal,
  lib: Library,
  pending: PendingBinding[],
  visible: Visible | undefined,
): WebAssembly.Imports {
  const imports: WebAssembly.Imports = { env: importModule(), 'GOT.mem': importModule(), 'GOT.func': importModule() };
  const b: Binder = { state, journal, lib, path: pathOf(state, lib), visible, imports, late: [], pending };
  for (const spec of lib.meta.imports) bindImport(b, spec);
  buildPlt(b);
  return imports;
}
