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

/** What checking found each library's imports bound to (the check's answer, by library). */
export type VisibleOf = (lib: Library) => Visible | undefined;

/**
 * Step 4, "place and instantiate", one library after the other in load order (dependencies
 * first): place it, build its imports (what waits for a later library of the load goes to
 * `deferred`), instantiate it, set up its thread-locals, publish its symbols in its scope, and
 * run the runtime's `instantiated` phase.
 *
 * @param relocated - whether the load's relocations ran (a relocatable main's allocator waits for it)
 */
export function* instantiateAll(
  state: LinkState,
  journal: Journal,
  libs: readonly Library[],
  visible: VisibleOf,
  relocated: () => boolean,
): Pipeline<PendingBinding[]> {
  const deferred: PendingBinding[] = [];
  for (const lib of libs) {
    const started = performance.now();
    journal.current = lib;
    place(state, journal, lib, lib.role);
    const imports = buildImports(state, journal, lib, deferred, visible(lib));
    try {
      lib.instance = (yield {
        op: 'instantiate',
        module: lib.module,
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
      ms: performance.now() - started,
    });
  }
  journal.current = null;
  return deferred;
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
