import type { ClassifiedImport } from '@dl/reader';
import type { Library } from './state.js';

/**
 * What one of a library's symbol imports is bound to now — one description shared by the
 * thread image (a follower rebuilds the import from it) and link plans (a replay is checked
 * against it): the provider's id and the definition's name, or `late` when the import goes
 * through the PLT (lazy, or bound later) or nothing defines it yet.
 */
export type BoundTo = { readonly provider: number; readonly name: string } | 'late';

/** {@link BoundTo} of one import of `lib`. */
export function boundTo(lib: Library, spec: ClassifiedImport): BoundTo {
  const d = lib.bindings.get(spec);
  if (d === undefined || d === null || lib.lazy.some((l) => l.name === spec.name)) return 'late';
  return { provider: d.provider.id, name: d.name };
}
