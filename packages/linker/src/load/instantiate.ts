import type { Visible } from './check.js';
import { buildImports } from './bind.js';
import type { PendingBinding } from './bind.js';
import type { Journal } from '../journal.js';
import type { Pipeline } from '../ops.js';
import type { Library, LinkState } from '../state.js';
import { engineError } from './compile.js';
import { loadedView } from './initialise.js';
import { place } from './place.js';
import { setUpTls } from './tls.js';
import { now } from '../clock.js';

/** What checking found each library's imports bound to (the check's answer, by library). */
export type VisibleOf = (lib: Library) => Visible | undefined;

/**
 * Step 4, "instantiate", one library after the other in load order (dependencies first): place
 * it (unless step 3 did), build its imports (what waits for a later library of the load goes to
 * `deferred`), instantiate it, set up its thread-locals, publish its symbols in its scope, and
 * run the runtime's `instantiated` phase.
 *
 * @param relocated - whether the load's relocations ran (a relocatable main's allocator waits for it)
 * @param placed - whether {@link placeAll} placed them already
 */
export function* instantiateAll(
  state: LinkState,
  journal: Journal,
  libs: readonly Library[],
  visible: VisibleOf,
  relocated: () => boolean,
  placed: boolean,
): Pipeline<PendingBinding[]> {
  const deferred: PendingBinding[] = [];
  if (!placed) growAhead(state, libs);
  for (const lib of libs) {
    const started = now();
    journal.current = lib;
    if (!placed) place(state, journal, lib, lib.role);
    const imports = buildImports(state, journal, lib, deferred, visible(lib));
    try {
      lib.instance = (yield {
        op: 'instantiate',
        module: lib.module!,
        imports,
        bytes: lib.meta.size > 0 ? lib.meta.size : Infinity,
      }) as WebAssembly.Instance;
    } catch (e) {
      throw engineError(e, lib.name, 'instantiation failed');
    }
    adopt(state, journal, lib, relocated);
    state.emit({
      type: 'instantiate',
      library: lib.name,
      handle: lib.handle,
      memoryBase: lib.memoryBase,
      memorySize: lib.meta.dylink.memorySize,
      tableBase: lib.tableBase,
      tableSize: lib.meta.dylink.tableSize,
      ms: now() - started,
    });
  }
  journal.current = null;
  return deferred;
}

/** Step 3's placing: every library of a load placed (see {@link place}) while they compile. */
export function placeAll(state: LinkState, journal: Journal, libs: readonly Library[]): void {
  growAhead(state, libs);
  for (const lib of libs) {
    journal.current = lib;
    place(state, journal, lib, lib.role);
  }
  journal.current = null;
}

/**
 * Grows the table once for a load of several libraries, before its first instance: their own
 * ranges and one slot per distinct `GOT.func` name the global GOT has not settled yet (an upper
 * bound: a function may have a slot already). Grows made by the reservations themselves, among
 * the load's instances, would cost time proportional to those instances (V8 11.3); see
 * `TableAllocator.reserveAhead`.
 */
function growAhead(state: LinkState, libs: readonly Library[]): void {
  if (libs.length < 2) return;
  let slots = 0;
  const funcs = new Set<string>();
  for (const lib of libs) {
    const { tableSize, tableAlign } = lib.meta.dylink;
    if (tableSize > 0) slots += tableSize + 2 ** tableAlign - 1;
    for (const i of lib.meta.imports)
      if (i.role === 'got' && i.space === 'func' && state.got.get(state.global, 'func', i.name)?.resolved !== true)
        funcs.add(i.name);
  }
  if (slots + funcs.size > 0) state.tables.reserveAhead(slots + funcs.size, libs[0]!.name);
}

/** What follows an instantiation: its table range, its role's step, TLS, its symbols in its scope, the runtime's phase. */
function adopt(state: LinkState, journal: Journal, lib: Library, relocated: () => boolean): void {
  if (lib.table !== null) {
    const { tableBase, table } = lib;
    state.slots.registerRange(tableBase, table.size);
    journal.record(() => {
      state.slots.forgetRange(tableBase, table.size);
    });
  }
  lib.role.instantiated(state, journal, lib, relocated);
  lib.tlsBase = setUpTls(state, journal, lib);
  lib.symbols = lib.role.symbols(state, lib, {
    memoryBase: lib.memoryBase,
    tlsBase: lib.tlsBase,
    tlsExports: lib.meta.dylink.tlsExports,
  });
  const scope = lib.group ?? state.global;
  scope.add(lib.provider, lib.symbols);
  lib.scopes.add(scope);
  journal.record(() => {
    scope.remove(lib.provider);
  });
  state.runtime.instantiated?.(loadedView(lib), journal.forLibrary(lib));
}
