/** Test support: an HTTP server over the fixture corpus. Not exported by the package. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fixturesDir } from '@dl/fixtures';
import { startServer } from '@dl/browser';
import type { RouteMap, RouteValue, TestServer } from '@dl/browser';

/** Every file under a directory, by its path relative to it. */
export function filesUnder(dir: string): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(dir, p), new Uint8Array(readFileSync(p)));
    }
  };
  walk(dir);
  return out;
}

/** The clang-16 side modules, rpath tree included. */
export const clangFiles: ReadonlyMap<string, Uint8Array> = filesUnder(join(fixturesDir, 'clang16'));

/**
 * Serves the clang fixtures under `/lib/` as `application/wasm` with an ETag (unless
 * `plain`), plus any extra routes (which win).
 */
export function fixtureServer(extra: RouteMap = {}, plain = false): Promise<TestServer> {
  const routes: Record<string, RouteValue> = {};
  for (const [path, bytes] of clangFiles) {
    routes[`/lib/${path}`] = plain ? { bytes, contentType: 'application/octet-stream' } : { bytes, headers: { ETag: `"${path}-${bytes.length}"` } };
  }
  return startServer({ ...routes, ...extra });
}
