import type { LoadRequest } from '@dl/linker';
import { dependents } from './errors.js';

/** What an origin policy function is asked about one URL. */
export interface OriginQuery {
  /** The URL code would come from (a candidate, or where a redirect led). */
  readonly url: string;
  /** The NEEDED entry (or root name) being looked up. */
  readonly name: string;
  /** The libraries that led to it, nearest first (empty for a root). */
  readonly neededBy: readonly string[];
  /** The needing library's URL; for a root, the URL it was asked at (null when unknown). */
  readonly from: string | null;
  /** Set when `url` is where a redirect led: the URL asked for. */
  readonly redirectedFrom: string | null;
}

/**
 * Where libraries may come from, beyond their root's own origin (see {@link OriginQuery}):
 * origins (`https://cdn.example`), `"data:"` / `"blob:"` for those URLs, `"*"` for any http(s)
 * origin; or a function that decides alone for every URL it is asked about.
 */
export type OriginPolicy = readonly string[] | ((query: OriginQuery) => boolean);

const opaque = (url: URL): boolean => url.protocol === 'data:' || url.protocol === 'blob:';

/**
 * The loader's origin policy, as a check of one URL for one request: null when allowed, else
 * the reason it is refused (recorded as a place tried). A root's URL is the application's
 * choice and is not checked; where a redirect leads is. By default a library's NEEDED and
 * RUNTIME_PATH URLs, and redirects, must stay on the origin of the library that needs them —
 * so on the root's origin, link after link — and `data:`/`blob:` URLs are refused.
 */
export function originCheck(
  policy: OriginPolicy | undefined,
  base: string,
): (request: LoadRequest, url: string, asked: string) => string | null {
  return (request, url, asked) => {
    const redirected = url !== asked;
    if (request.parent === null && !redirected) return null;
    const from = request.parent === null ? asked : (request.parent.location ?? base);
    if (typeof policy === 'function') {
      const ok = policy({
        url,
        name: request.name,
        neededBy: dependents(request),
        from,
        redirectedFrom: redirected ? asked : null,
      });
      return ok ? null : `refused by the origin policy${redirected ? ` (redirected from ${asked})` : ''}`;
    }
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return 'refused by the origin policy: not a URL';
    }
    const list = policy ?? [];
    if (opaque(target))
      return list.includes(target.protocol)
        ? null
        : `refused by the origin policy: ${target.protocol} URLs are not allowed (options.origins)`;
    if (target.protocol !== 'http:' && target.protocol !== 'https:')
      return `refused by the origin policy: ${target.protocol} URLs are not allowed`;
    const own = new URL(from, base).origin;
    if (target.origin === own || list.includes(target.origin) || list.includes('*')) return null;
    return `refused by the origin policy: ${target.origin} is not the origin of ${request.parent === null ? 'the root' : request.parent.name} (${own}) nor in options.origins${redirected ? ` (redirected from ${asked})` : ''}`;
  };
}
