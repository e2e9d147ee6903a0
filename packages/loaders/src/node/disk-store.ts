import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PersistentStore } from '../store.js';

/** The headers worth keeping with a stored response. */
const KEPT = ['content-type', 'etag', 'last-modified', 'content-length'];

/**
 * An opt-in {@link PersistentStore} for node: fetched libraries kept as files in a directory
 * (one body and one JSON header file per URL, written atomically), so a later process does not
 * download them again. Node's engine has no persistent compiled-code cache, so what this saves
 * is the download, not the compilation.
 *
 * @param directory - where to keep them (created when needed)
 */
export function diskStore(directory: string): PersistentStore {
  const paths = (url: string): { body: string; meta: string } => {
    const id = createHash('sha256').update(url).digest('hex').slice(0, 32);
    return { body: join(directory, `${id}.wasm`), meta: join(directory, `${id}.json`) };
  };
  return {
    async match(url) {
      const p = paths(url);
      try {
        const meta = JSON.parse(await readFile(p.meta, 'utf8')) as { url: string; headers: Record<string, string> };
        if (meta.url !== url) return undefined;
        const body = await readFile(p.body);
        return new Response(body, { headers: meta.headers });
      } catch {
        return undefined;
      }
    },
    async put(url, response) {
      const p = paths(url);
      const body = new Uint8Array(await response.arrayBuffer());
      const headers = Object.fromEntries(
        KEPT.flatMap((h) => {
          const v = response.headers.get(h);
          return v === null ? [] : [[h, v]];
        }),
      );
      headers['content-length'] = String(body.length);
      await mkdir(directory, { recursive: true });
      const tmp = `.${process.pid}.${Date.now()}.tmp`;
      await writeFile(p.body + tmp, body);
      await writeFile(p.meta + tmp, JSON.stringify({ url, headers }));
      // Body first: a reader that finds the header file finds its body.
      await rename(p.body + tmp, p.body);
      await rename(p.meta + tmp, p.meta);
    },
    async delete(url) {
      const p = paths(url);
      await rm(p.meta, { force: true });
      await rm(p.body, { force: true });
    },
  };
}
