import { metaFromBytes, metaFromModule } from './metadata.js';
import type { LibraryMeta } from './metadata.js';
import type { LoadedSource } from './loader.js';
import { asSource } from './ops.js';
import type { Pipeline } from './ops.js';
import type { Library, LinkState } from './state.js';
import type { LibrarySource } from './types.js';

/** A library found by this load and not loaded yet. */
export interface Pending {
  readonly name: string;
  readonly key: string;
  readonly neededBy: string | null;
  readonly meta: LibraryMeta;
  /** What to compile (bytes) or the module itself. */
  readonly source: Uint8Array<ArrayBuffer> | WebAssembly.Module;
  readonly isMain: boolean;
  /** Its NEEDED entries, resolved (filled during discovery). */
  readonly needed: (Pending | Library)[];
}

/** A load's roots and the new libraries it brings, in discovery (breadth-first) order. */
export interface Discovery {
  readonly roots: (Pending | Library)[];
  readonly pending: Pending[];
}

/** Whether an entry is a library already loaded (rather than a new one). */
export function isLoaded(x: Pending | Library): x is Library {
  return 'instance' in x;
}

function pendingFrom(src: LoadedSource | { name: string; key: string; bytes?: Uint8Array; module?: WebAssembly.Module }, neededBy: string | null, isMain: boolean): Pending {
  const bytes = src.bytes === undefined ? undefined : (new Uint8Array(src.bytes.buffer, src.bytes.byteOffset, src.bytes.byteLength) as Uint8Array<ArrayBuffer>);
  const meta = bytes !== undefined ? metaFromBytes(bytes, src.name) : metaFromModule(src.module!, src.name);
  return { name: src.name, key: src.key, neededBy, meta, source: bytes ?? src.module!, isMain, needed: [] };
}

/**
 * Finds every library a load needs: the roots, then their NEEDED entries breadth-first,
 * through the loader. A library already loaded, or already found in this load, under the
 * same canonical key (or a name that resolved to it before) is used, not loaded again.
 */
export function* discover(state: LinkState, roots: readonly LibrarySource[], main: Pending | null): Pipeline<Discovery> {
  const batch = new Map<string, Pending>();
  const pending: Pending[] = [];
  const known = (name: string): Pending | Library | undefined => {
    const key = state.aliases.get(name) ?? name;
    return state.byKey.get(key) ?? batch.get(key);
  };
  const admit = (p: Pending, alias: string): Pending | Library => {
    state.aliases.set(alias, p.key);
    const existing = state.byKey.get(p.key) ?? batch.get(p.key);
    if (existing !== undefined) return existing;
    batch.set(p.key, p);
    pending.push(p);
    state.emit({ type: 'resolve', library: p.name, key: p.key, neededBy: p.neededBy, bytes: p.meta.size });
    return p;
  };
  const rootEntries: (Pending | Library)[] = [];
  if (main !== null) rootEntries.push(admit(main, main.name));
  for (const root of roots) {
    if (typeof root === 'string') {
      const found = known(root);
      if (found !== undefined) {
        rootEntries.push(found);
        continue;
      }
      const src = asSource(yield { op: 'load', name: root, neededBy: null });
      const existing = state.byKey.get(src.key) ?? batch.get(src.key);
      rootEntries.push(existing ?? admit(pendingFrom(src, null, false), root));
      if (existing !== undefined) state.aliases.set(root, src.key);
    } else {
      const found = state.byKey.get(root.name) ?? batch.get(root.name);
      rootEntries.push(found ?? admit(pendingFrom({ ...root, key: root.name }, null, false), root.name));
    }
  }
  // `pending` grows while it is walked: breadth-first.
  for (const p of pending) {
    for (const name of p.meta.dylink.needed) {
      let dep = known(name);
      if (dep === undefined) {
        const src = asSource(yield { op: 'load', name, neededBy: p.name });
        dep = state.byKey.get(src.key) ?? batch.get(src.key);
        if (dep === undefined) dep = admit(pendingFrom(src, p.name, false), name);
        else state.aliases.set(name, src.key);
      }
      p.needed.push(dep);
    }
  }
  return { roots: rootEntries, pending };
}

/**
 * Orders new libraries so that dependencies come before dependents (depth-first
 * post-order from the roots); in a cycle, the member reached first comes last. A
 * relocatable main is placed first regardless: it is instantiated first and its imports
 * from its libraries are bound once they exist (as Emscripten does).
 */
export function loadOrder(d: Discovery): Pending[] {
  const out: Pending[] = [];
  const seen = new Set<Pending>();
  const visit = (p: Pending): void => {
    if (seen.has(p)) return;
    seen.add(p);
    for (const dep of p.needed) if (!isLoaded(dep)) visit(dep);
    out.push(p);
  };
  for (const r of d.roots) if (!isLoaded(r)) visit(r);
  for (const p of d.pending) visit(p);
  const main = out.find((p) => p.isMain);
  return main === undefined ? out : [main, ...out.filter((p) => p !== main)];
}
