/**
 * Path and URL arithmetic the loaders share, with no platform dependency: POSIX paths for
 * the file system and virtual file systems, URLs for fetch.
 */

/** How names and directories combine: POSIX paths or URLs. */
export interface Locations {
  /** The directory part of a location (`$ORIGIN`), without a trailing slash. */
  dirname(location: string): string;
  /** A name inside a directory. */
  join(directory: string, name: string): string;
  /** Makes a location absolute against the base (cwd, base URL); null if it is not a valid location. */
  resolve(location: string): string | null;
}

/** Normalises a POSIX path: collapses `//`, `.` and `..` (never above the root of an absolute path). */
export function normalizePath(path: string): string {
  const absolute = path.startsWith('/');
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!absolute) out.push('..');
    } else {
      out.push(part);
    }
  }
  const joined = out.join('/');
  return absolute ? `/${joined}` : joined === '' ? '.' : joined;
}

/** POSIX paths resolved against a base directory (the working directory for a file system). */
export function posixLocations(base: string): Locations {
  const root = normalizePath(base.startsWith('/') ? base : `/${base}`);
  return {
    dirname: (location) => {
      const n = normalizePath(location);
      const i = n.lastIndexOf('/');
      return i < 0 ? '.' : i === 0 ? '/' : n.slice(0, i);
    },
    join: (directory, name) => (directory.endsWith('/') ? `${directory}${name}` : `${directory}/${name}`),
    resolve: (location) => normalizePath(location.startsWith('/') ? location : `${root}/${location}`),
  };
}

/** URLs resolved against a base URL (the page, or the parent library's URL). */
export function urlLocations(base: string): Locations {
  return {
    dirname: (location) => {
      const u = new URL(location, base);
      u.search = '';
      u.hash = '';
      const href = u.href;
      return href.slice(0, href.lastIndexOf('/'));
    },
    join: (directory, name) => (directory.endsWith('/') ? `${directory}${name}` : `${directory}/${name}`),
    resolve: (location) => {
      try {
        return new URL(location, base).href;
      } catch {
        return null;
      }
    },
  };
}

/**
 * Confinement to directories: a check of a (canonical) path that returns null when the path is
 * inside one of `roots` (or is one), else the reason it is refused — what `fsLoader` and
 * `virtualLoader` record per place tried when given `roots`.
 */
export function confinement(roots: readonly string[]): (path: string) => string | null {
  const dirs = roots.map((r) => (r.endsWith('/') ? r : `${r}/`));
  return (path) =>
    dirs.some((d) => path.startsWith(d) || `${path}/` === d) ? null : `outside the allowed roots (${path})`;
}
