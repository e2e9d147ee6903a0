import { DlError } from '@dl/errors';
import type { Definition } from '@dl/symbols';
import type { LoadJob, MainRequest } from './load/job.js';
import { compatGroups } from './compat-wasm.js';
import { resolveFlags } from './flags.js';
import type { Library, LinkState } from './state.js';
import type { CompatGroup, LibrarySource } from './types.js';

/**
 * The compatibility library (`compat/` in this package): the pure, allocation-free parts of the
 * C library (musl, as Emscripten 3.1.6 ships it) and the C++ allocation entry points on the
 * program's `malloc`/`free`, one side module. Opt-in: loaded when a linker is created with
 * `compat`, in a scope of its own, and consulted last — after the program, every library and
 * the runtime's `fallback` — so it never takes a name anyone else defines.
 */

/** The library's name in the graph, events and errors. */
export const COMPAT_LIBRARY = 'libdlcompat.so';

/** The groups, in the order the `compat` option documents them. */
export const compatGroupNames: readonly CompatGroup[] = ['libc', 'libc++abi'];

let groupIndex: Map<string, CompatGroup> | null = null;

/** Name → group, built on first use (an error's advice or a compat linker), not on import. */
function groupOf(): Map<string, CompatGroup> {
  groupIndex ??= new Map(compatGroupNames.flatMap((g) => compatGroups[g].map((n): [string, CompatGroup] => [n, g])));
  return groupIndex;
}

/** The group that provides `name`, or undefined when the library does not have it. */
export function compatGroupOf(name: string): CompatGroup | undefined {
  return groupOf().get(name);
}

/**
 * Advice for an error naming undefined symbols: `; the option compat: ['libc'] provides it`
 * (or the names it provides), or nothing when it provides none of them.
 */
export function compatAdvice(names: readonly string[]): string {
  const unique = [...new Set(names)];
  const index = groupOf();
  const provided = unique.filter((n) => index.has(n));
  if (provided.length === 0) return '';
  const groups = compatGroupNames.filter((g) => provided.some((n) => index.get(n) === g));
  const what = unique.length === 1 ? 'it' : provided.join(', ');
  return `; the option compat: [${groups.map((g) => `'${g}'`).join(', ')}] provides ${what}`;
}

/** The groups each linker offers (for the graph). */
const enabledBy = new WeakMap<LinkState, readonly CompatGroup[]>();

/** The groups of a library when it is its linker's compatibility library, else undefined. */
export function compatOf(state: LinkState, lib: Library): readonly CompatGroup[] | undefined {
  const groups = enabledBy.get(state);
  return groups !== undefined && state.byKey.get(COMPAT_LIBRARY) === lib ? groups : undefined;
}

/** The groups a linker's `compat` option enables (checked), in their documented order; empty for none. */
export function compatEnabled(option: readonly CompatGroup[] | undefined): readonly CompatGroup[] {
  const groups = option ?? [];
  const unknown = groups.filter((g) => !compatGroupNames.includes(g));
  if (unknown.length > 0) {
    throw new DlError(
      'DL_INCOMPATIBLE',
      `unknown compat group${unknown.length === 1 ? '' : 's'} ${unknown.map((g) => JSON.stringify(g)).join(', ')}: the compatibility library has ${compatGroupNames.map((g) => `'${g}'`).join(', ')}`,
    );
  }
  return compatGroupNames.filter((g) => groups.includes(g));
}

/** `createLinkerSync` with `compat` but without the library's bytes: how to give them. */
export function compatBytesMissing(): DlError {
  return new DlError(
    'DL_INCOMPATIBLE',
    "createLinkerSync with compat needs the compatibility library's bytes: pass compatLibrary: compatLibrary() (import { compatLibrary } from '@dl/linker/compat-library'), or use createLinker, which imports them itself",
    { library: COMPAT_LIBRARY },
  );
}

/**
 * Sets a new linker up to consult the compatibility library last (after the scopes and the
 * runtime's fallback), and returns the load that brings it: a local library of its own (not
 * in the global scope, so no later library's definition is ever shadowed by it). Null when
 * `enabled` is empty.
 *
 * @param enabled - the groups ({@link compatEnabled})
 * @param bytes - the library (`compatLibrary()` of `@dl/linker/compat-library`)
 */
export function setUpCompat(state: LinkState, enabled: readonly CompatGroup[], bytes: Uint8Array): LoadJob | null {
  if (enabled.length === 0) return null;
  enabledBy.set(state, enabled);
  let lib: Library | undefined;
  const index = groupOf();
  const runtime = state.global.fallback;
  state.global.fallback = (name: string): Definition | undefined => {
    const made = runtime?.(name);
    if (made !== undefined) return made;
    const group = index.get(name);
    if (group === undefined || !enabled.includes(group)) return undefined;
    lib ??= state.byKey.get(COMPAT_LIBRARY);
    return lib?.symbols.definition(name);
  };
  const source: LibrarySource = { name: COMPAT_LIBRARY, bytes };
  return { roots: [source], flags: resolveFlags({ scope: 'local', nodelete: true }) };
}

/**
 * The loads that create a program: without the compatibility library, one (the main, its
 * NEEDED libraries and `libraries` together); with it, the main first (the library imports
 * the main's `malloc` and `free`), then the library, then `libraries`.
 */
export function creationLoads(
  main: MainRequest | null,
  libraries: readonly LibrarySource[],
  compat: LoadJob | null,
): LoadJob[] {
  const flags = resolveFlags({ scope: 'global' });
  if (compat === null)
    return main === null && libraries.length === 0 ? [] : [{ roots: libraries, flags, main: main ?? undefined }];
  const loads: LoadJob[] = [];
  if (main !== null) loads.push({ roots: [], flags, main });
  loads.push(compat);
  if (libraries.length > 0) loads.push({ roots: libraries, flags });
  return loads;
}
