import type { LoadRequest } from '@dl/linker';
import type { Locations } from './paths.js';

/** Where a candidate location came from, in search order. */
export type SearchStep = 'path' | 'runtime-path' | 'search-path' | 'environment' | 'default';

/** What each step means, for messages and `dl ldd`. */
export const searchSteps: Readonly<Record<SearchStep, string>> = {
  path: 'the name contains a slash: a path relative to the needing library (or the base)',
  'runtime-path': "the needing library's RUNTIME_PATH, $ORIGIN expanded",
  'search-path': "the loader's search path",
  environment: 'the search path from the environment (LD_LIBRARY_PATH when enabled)',
  default: "the loader's default locations",
};

/** One place a library may be. */
export interface Candidate {
  readonly location: string;
  readonly step: SearchStep;
  /** The entry it was made from (a RUNTIME_PATH entry before expansion, a search-path directory). */
  readonly entry: string;
}

/** The search configuration a loader was given. */
export interface SearchOptions {
  /** Directories (or URLs) searched for names without a slash, after RUNTIME_PATH (like `LD_LIBRARY_PATH`). */
  readonly searchPath?: readonly string[] | undefined;
  /** More directories from the environment (node: `LD_LIBRARY_PATH` when the loader opts in). */
  readonly environment?: readonly string[] | undefined;
  /** Searched last (default: the base directory itself). */
  readonly defaults?: readonly string[] | undefined;
}

const ORIGIN = /\$ORIGIN|\$\{ORIGIN\}/g;
const HAS_ORIGIN = /\$ORIGIN|\$\{ORIGIN\}/;

/** Expands `$ORIGIN` and `${ORIGIN}` anywhere in a RUNTIME_PATH entry (ld.so semantics). */
export function expandOrigin(entry: string, origin: string): string {
  return entry.replace(ORIGIN, () => origin);
}

/**
 * Every place to look for a library, in order (documented in the README):
 * 1. a name with a slash is a path: relative to the needing library's directory, or to the
 *    base for a root; nothing else is tried;
 * 2. otherwise the needing library's RUNTIME_PATH entries, `$ORIGIN`/`${ORIGIN}` expanded
 *    anywhere to its directory (entries needing an origin are skipped when it has none);
 * 3. the loader's search path, then the environment's;
 * 4. the defaults (the base directory unless configured).
 * Locations are made absolute and duplicates dropped (first wins).
 */
export function searchCandidates(request: LoadRequest, locations: Locations, options: SearchOptions): Candidate[] {
  const { name, parent } = request;
  const parentLocation = parent?.location ?? null;
  const origin = parentLocation === null ? null : locations.dirname(parentLocation);
  const out: Candidate[] = [];
  const seen = new Set<string>();
  const add = (raw: string, step: SearchStep, entry: string): void => {
    const location = locations.resolve(raw);
    if (location === null || seen.has(location)) return;
    seen.add(location);
    out.push({ location, step, entry });
  };
  if (name.includes('/')) {
    add(origin === null || isAbsolute(name) ? name : locations.join(origin, name), 'path', name);
    return out;
  }
  for (const entry of parent?.runtimePaths ?? []) {
    if (HAS_ORIGIN.test(entry) && origin === null) continue;
    add(locations.join(origin === null ? entry : expandOrigin(entry, origin), name), 'runtime-path', entry);
  }
  for (const dir of options.searchPath ?? []) add(locations.join(dir, name), 'search-path', dir);
  for (const dir of options.environment ?? []) add(locations.join(dir, name), 'environment', dir);
  for (const dir of options.defaults ?? ['.']) add(locations.join(dir, name), 'default', dir);
  return out;
}

function isAbsolute(name: string): boolean {
  return name.startsWith('/') || /^[a-z][a-z0-9+.-]*:/i.test(name);
}
