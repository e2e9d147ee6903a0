import { DlError, isDlError } from '@dl/errors';
import { ensureMemory, PAGE } from '@dl/layout';
import { definitionsOf, eagerSource, InstanceSource, Scope } from '@dl/symbols';
import type { Definition } from '@dl/symbols';
import { buildImports, settle } from './load/bind.js';
import type { PendingBinding } from './load/bind.js';
import { check } from './load/check.js';
import { discover, isLoaded, loadOrder } from './discover.js';
import type { Pending } from './discover.js';
import { runInitialisers, setUpTls } from './init.js';
import { Journal } from './journal.js';
import type { Pipeline } from './ops.js';
import { rememberMeta } from './metadata.js';
import { mainAllocator, withBuiltins } from './program.js';
import type { Library, LinkState } from './state.js';
import { dependenciesFirst } from './state.js';
import type { LibrarySource, LinkerOptions, LoadedLibrary, ResolvedFlags } from './types.js';

/** A relocatable main, loaded by the first batch. */
export interface MainRequest {
  readonly pending: Pending;
  readonly memoryBase: number;
  /** Host functions and the like, published with the main's own symbols. */
  readonly extras: readonly Definition[];
  readonly strategy: LinkerOptions['memoryStrategy'];
}

/** What one load asks for. */
export interface BatchRequest {
  readonly roots: readonly LibrarySource[];
  readonly flags: ResolvedFlags;
  readonly main?: MainRequest | undefined;
}

/** The libraries of a finished load: its roots (new or already loaded) and the new ones. */
export interface BatchResult {
  readonly roots: readonly Library[];
  readonly loaded: readonly Library[];
}

function newLibrary(state: LinkState, p: Pending, module: WebAssembly.Module, flags: ResolvedFlags, group: Scope | null): Library {
  const id = p.isMain ? 0 : state.nextId++;
  return {
    id, name: p.name, handle: Object.freeze({ id, name: p.name }), key: p.key, location: p.location, provider: p.isMain ? state.mainProvider : { id, name: p.name }, meta: p.meta, module, isMain: p.isMain,
    needed: [], instance: null, memory: null, memoryBase: 0, table: null, tableBase: 0, tlsBase: null, tlsBlock: null,
    global: flags.global || p.isMain, group: p.isMain ? null : group, symbols: eagerSource({ id, name: p.name }, []), bindings: new Map(), plts: [], lazy: [], refcount: 0, users: 0, nodelete: flags.nodelete,
  };
}

/** Already-loaded libraries the new ones depend on, transitively, dependencies first. */
function existingClosure(order: readonly Pending[]): Library[] {
  return dependenciesFirst(order.flatMap((p) => p.needed.filter(isLoaded)));
}

function wrap(e: unknown, code: 'DL_INSTANTIATE_FAILED', library: string, what: string): DlError {
  if (isDlError(e)) return e;
  return new DlError(code, `${what}: ${e instanceof Error ? e.message : String(e)}`, { library, cause: e });
}

/**
 * One load, as a pipeline of operations (see ops.ts): find the libraries, check them, then
 * compile, place, instantiate, bind and initialise them. Any failure undoes every change
 * made to the shared state (memory and table reservations, GOT entries, scopes, slots).
 */
export function* loadBatch(state: LinkState, req: BatchRequest): Pipeline<BatchResult> {
  const started = performance.now();
  const phases: Record<string, number> = {};
  const mark = (phase: string, since: number): number => {
    const t = performance.now();
    phases[phase] = (phases[phase] ?? 0) + t - since;
    return t;
  };
  const journal = new Journal(state.got);
  const tx = { onRollback: (undo: () => void): void => { journal.record(undo); } };
  const names = req.roots.map((r) => (typeof r === 'string' ? r : r.name));
  try {
    let t = performance.now();
    const found = yield* discover(state, req.roots, req.main?.pending ?? null);
    if (req.flags.noload && found.pending.length > 0) {
      throw new DlError('DL_NOT_LOADED', 'RTLD_NOLOAD: the library is not loaded', { library: found.pending[0]!.name });
    }
    const order = loadOrder(found);
    const group = req.flags.global ? null : new Scope(state.nextScopeId, 'local');
    const existing = existingClosure(order);
    if (group !== null) for (const lib of existing) group.add(lib.provider, lib.symbols);
    // A global load promotes the local libraries it needs (below, once checked): the check must
    // already see them, after the global scope (where promotion appends them).
    const promoting = group === null ? existing.filter((lib) => !lib.global) : [];
    const toPromote = new Scope(-1, 'local');
    for (const lib of promoting) toPromote.add(lib.provider, lib.symbols);
    const pathFor = (p: Pending): readonly Scope[] => {
      if (p.isMain) return [state.global];
      if (group !== null) return [state.global, group];
      return promoting.length === 0 ? [state.global] : [state.global, toPromote];
    };
    t = mark('resolve', t);
    const visible = check(state, order, pathFor, req.flags.now);
    t = mark('check', t);

    const compiled = (yield { op: 'compile', sources: order.map((p) => p.source) }) as (WebAssembly.Module | Error)[];
    compiled.forEach((m, i) => {
      if (m instanceof Error) throw wrap(m, 'DL_INSTANTIATE_FAILED', order[i]!.name, 'compilation failed');
      rememberMeta(m, order[i]!.meta);
    });
    const compileMs = performance.now() - t;
    for (const p of order) state.emit({ type: 'compile', library: p.name, bytes: p.meta.size, ms: compileMs / order.length });
    t = mark('compile', t);

    // From here on the shared state changes; every change is journaled.
    if (group !== null) state.nextScopeId++;
    const promoted: Library[] = [];
    for (const lib of existing) {
      if (!req.flags.global || lib.global) continue;
      state.global.add(lib.provider, lib.symbols);
      lib.global = true;
      promoted.push(lib);
      journal.record(() => { state.global.remove(lib.provider); lib.global = false; });
    }
    const libs = order.map((p, i) => newLibrary(state, p, compiled[i] as WebAssembly.Module, req.flags, group));
    const libOf = new Map(order.map((p, i) => [p, libs[i]!]));
    libs.forEach((lib, i) => { lib.needed = order[i]!.needed.map((d) => (isLoaded(d) ? d : libOf.get(d)!)); });
    let mainReady = req.main === undefined;
    const pending: PendingBinding[] = [];
    const builtinsBefore = state.builtinReservations.length;
    journal.record(() => {
      for (const b of state.builtinReservations.splice(builtinsBefore)) b.allocator.release(b.reservation);
    });
    for (let li = 0; li < libs.length; li++) {
      const lib = libs[li]!;
      const t0 = performance.now();
      place(state, journal, lib, req.main);
      const imports = buildImports(state, journal, lib, pending, visible.get(order[li]!));
      let instance: WebAssembly.Instance;
      try {
        instance = (yield { op: 'instantiate', module: lib.module, imports, bytes: lib.meta.size > 0 ? lib.meta.size : Infinity }) as WebAssembly.Instance;
      } catch (e) {
        throw wrap(e, 'DL_INSTANTIATE_FAILED', lib.name, 'instantiation failed');
      }
      lib.instance = instance;
      if (lib.table !== null) {
        state.slots.registerRange(lib.tableBase, lib.table.size);
        const { tableBase, table } = lib;
        journal.record(() => { state.slots.forgetRange(tableBase, table.size); });
      }
      if (lib.isMain && req.main !== undefined) {
        const host = mainAllocator(state, instance.exports, req.main.strategy, () => mainReady);
        if (host === null && req.main.strategy === 'host') {
          throw new DlError('DL_INCOMPATIBLE', 'memoryStrategy "host" needs a main that exports malloc and free and imports GOT.mem.__heap_base', { library: lib.name });
        }
        if (host !== null) {
          const previous = state.allocator;
          state.allocator = host;
          journal.record(() => { state.allocator = previous; });
        }
      }
      lib.tlsBase = setUpTls(state, journal, lib);
      const relocation = { memoryBase: lib.memoryBase, tlsBase: lib.tlsBase, tlsExports: lib.meta.dylink.tlsExports };
      lib.symbols = lib.isMain
        ? eagerSource(lib.provider, withBuiltins(state, [...definitionsOf(lib.provider, lib.meta.exports, instance.exports, relocation), ...(req.main?.extras ?? [])], true))
        : new InstanceSource(lib.provider, lib.meta.exports, instance.exports, relocation);
      const scope = lib.group ?? state.global;
      scope.add(lib.provider, lib.symbols);
      journal.record(() => { scope.remove(lib.provider); });
      state.runtime?.instantiated?.(runtimeView(lib), tx);
      state.emit({ type: 'instantiate', library: lib.name, handle: lib.handle, memoryBase: lib.memoryBase, memorySize: lib.meta.dylink.memorySize, tableBase: lib.tableBase, tableSize: lib.meta.dylink.tableSize, ms: performance.now() - t0, exports: instance.exports });
    }
    t = mark('instantiate', t);

    settle(state, journal, pending);
    t = mark('bind', t);

    const atexitBefore = state.atexit.length;
    journal.record(() => { state.atexit.length = atexitBefore; });
    // What a constructor sees: the load as if committed — dlsym finds its libraries and graph()
    // lists them — undone with the rest if a constructor fails.
    for (const lib of libs) {
      state.libraries.set(lib.id, lib);
      state.byKey.set(lib.key, lib);
      for (const dep of lib.needed) dep.users++;
    }
    journal.record(() => {
      for (const lib of libs) {
        state.libraries.delete(lib.id);
        state.byKey.delete(lib.key);
        for (const dep of lib.needed) dep.users--;
      }
    });
    const initOrder = lib0Last(libs);
    runInitialisers(state, initOrder, () => {
      mainReady = true;
      state.runtime?.beforeConstructors?.({ loaded: libs.map(runtimeView), promoted: promoted.map(runtimeView) }, tx);
    });
    mark('init', t);

    for (const lib of libs) if (lib.isMain) state.main = lib;
    journal.commit();
    const roots = found.roots.map((r) => (isLoaded(r) ? r : libOf.get(r)!));
    state.emit({ type: 'done', roots: names, libraries: libs.length, loaded: libs.map((l) => ({ id: l.id, name: l.name, global: l.global, handle: l.handle })), ms: performance.now() - started, phases });
    state.trace?.(`loaded ${names.join(', ')}: ${libs.map((l) => `${l.name}@${l.memoryBase}`).join(' ')} in ${(performance.now() - started).toFixed(1)} ms`);
    return { roots, loaded: libs };
  } catch (e) {
    journal.rollback();
    const err = isDlError(e) ? e : new DlError('DL_INSTANTIATE_FAILED', e instanceof Error ? e.message : String(e), { cause: e });
    state.emit({ type: 'failed', roots: names, code: err.code, message: err.message });
    state.trace?.(`failed ${names.join(', ')}: ${err.message}`);
    throw err;
  }
}

/** What a runtime adapter sees of a library of the load. */
function runtimeView(lib: Library): LoadedLibrary {
  return { handle: lib.handle, exports: lib.instance!.exports, published: lib.symbols.names, memoryBase: lib.memoryBase, tableBase: lib.tableBase, global: lib.global };
}

/** Initialisation order: dependencies first; a relocatable main (instantiated first) last. */
function lib0Last(libs: readonly Library[]): Library[] {
  const main = libs.find((l) => l.isMain);
  return main === undefined ? [...libs] : [...libs.filter((l) => l !== main), main];
}

/** Reserves a library's memory and table (the main's data sits at its fixed base). */
function place(state: LinkState, journal: Journal, lib: Library, main: MainRequest | undefined): void {
  const { memorySize, memoryAlign, tableSize, tableAlign } = lib.meta.dylink;
  if (lib.isMain && main !== undefined) {
    lib.memoryBase = main.memoryBase;
  } else {
    const r = state.allocator.reserve(memorySize, Math.max(16, 2 ** memoryAlign), lib.name);
    const allocator = state.allocator;
    journal.record(() => { allocator.release(r); });
    lib.memory = r;
    lib.memoryBase = r.address;
  }
  // The memory and table must be at least as large as the library's imports declare.
  for (const spec of lib.meta.imports) {
    if (spec.role === 'memory' && !ensureMemory(state.memory, spec.minimum * PAGE)) {
      throw new DlError('DL_OUT_OF_MEMORY', `it needs a memory of at least ${spec.minimum} pages`, { library: lib.name });
    }
    if (spec.role === 'table' && state.table.length < spec.minimum) {
      const missing = spec.minimum - state.table.length;
      const range = state.tables.reserve(missing, `${lib.name} (declared table minimum)`);
      journal.record(() => { state.tables.release(range); });
    }
  }
  if (tableSize > 0) {
    const range = state.tables.reserve(tableSize, lib.name, 2 ** tableAlign);
    journal.record(() => { state.tables.release(range); });
    lib.table = range;
    lib.tableBase = range.base;
  }
}
