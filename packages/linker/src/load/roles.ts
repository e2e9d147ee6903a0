import { DlError } from '@dl/errors';
import { definitionsOf, eagerSource, InstanceSource } from '@dl/symbols';
import type { Provider, Scope, SymbolSource } from '@dl/symbols';
import type { FoundLibrary } from '../discover.js';
import type { Journal } from '../journal.js';
import { mainAllocator, withBuiltins } from '../program.js';
import type { Library, LinkState, Placement, Registry, SymbolSpace } from '../state.js';
import type { MainRequest } from './job.js';
import type { LoadScopes } from './scopes.js';

/** Where a library's data exports point: its data, and its thread-locals' block. */
export type Relocation = ConstructorParameters<typeof InstanceSource>[3];

/**
 * What a library is to the program — a side module, or the relocatable main loaded with its
 * libraries — and everything a load does differently for it. The program's kind decides
 * which roles a load has: a host or an attached main brings side modules only; a relocatable
 * main's first load brings the main too.
 */
export interface LibraryRole {
  /** Its id and the provider its symbols are published as. */
  identity(state: Registry & SymbolSpace, name: string): { readonly id: number; readonly provider: Provider };
  /** The program's main module: in the global scope whatever the load's flags, in no group. */
  readonly isMain: boolean;
  /** The scopes its imports resolve in, given the load's. */
  scopes(load: LoadScopes): readonly Scope[];
  /** Puts its data in memory: reserved from the allocator, or at the program's fixed place. */
  placeData(state: Placement, journal: Journal, lib: Library): void;
  /** Once instantiated, before its thread-locals are set up and its symbols published. */
  instantiated(state: LinkState, journal: Journal, lib: Library, relocated: () => boolean): void;
  /** The symbols it publishes. */
  symbols(state: LinkState, lib: Library, relocation: Relocation): SymbolSource;
  /** Its initialisers run after those of the rest of its load (it was instantiated first). */
  readonly initialisesLast: boolean;
}

/** A side module: a fresh id, the load's scopes, data from the allocator, symbols made when looked up. */
export const sideModule: LibraryRole = {
  identity: (state, name) => {
    const id = state.nextId++;
    return { id, provider: { id, name } };
  },
  isMain: false,
  scopes: (load) => load.path,
  placeData: (state, journal, lib) => {
    const { memorySize, memoryAlign } = lib.meta.dylink;
    // What its data segments write at instantiation is not zeroed first: for wasm-ld's side
    // modules that is the whole block, which zeroing only made a second pass over.
    const r = state.allocator.reserve(memorySize, Math.max(16, 2 ** memoryAlign), lib.name, {
      written: lib.meta.dataWritten,
    });
    const allocator = state.allocator;
    journal.own(lib, () => {
      allocator.release(r);
    });
    lib.memory = r;
    lib.memoryBase = r.address;
  },
  instantiated: () => undefined,
  symbols: (_state, lib, relocation) =>
    new InstanceSource(lib.provider, lib.meta.exports, lib.instance!.exports, relocation),
  initialisesLast: false,
};

/**
 * A relocatable main: the program's id and provider, the global scope only, its data at its
 * fixed base; once instantiated, its own `malloc` becomes the allocator (bumping its
 * `__heap_base` until its relocations ran); it publishes its symbols with the host's extras and
 * the linker's builtins.
 */
export function relocatableMain(request: MainRequest): LibraryRole {
  return {
    identity: (state) => ({ id: 0, provider: state.mainProvider }),
    isMain: true,
    scopes: (load) => [load.global],
    placeData: (_state, _journal, lib) => {
      lib.memoryBase = request.memoryBase;
    },
    instantiated: (state, journal, lib, relocated) => {
      const host = mainAllocator(state, lib.instance!.exports, request.strategy, relocated);
      if (host === null && request.strategy === 'host') {
        throw new DlError(
          'DL_INCOMPATIBLE',
          'memoryStrategy "host" needs a main that exports malloc and free and imports GOT.mem.__heap_base',
          { library: lib.name },
        );
      }
      if (host === null) return;
      const previous = state.allocator;
      state.allocator = host;
      journal.record(() => {
        state.allocator = previous;
      });
    },
    symbols: (state, lib, relocation) =>
      eagerSource(
        lib.provider,
        withBuiltins(
          state,
          [...definitionsOf(lib.provider, lib.meta.exports, lib.instance!.exports, relocation), ...request.extras],
          true,
        ),
      ),
    initialisesLast: true,
  };
}

/** The role of each library a load found: the main's for the main, a side module's otherwise. */
export function rolesOf(main: MainRequest | undefined): (found: FoundLibrary) => LibraryRole {
  if (main === undefined) return () => sideModule;
  const role = relocatableMain(main);
  return (found) => (found === main.found ? role : sideModule);
}
