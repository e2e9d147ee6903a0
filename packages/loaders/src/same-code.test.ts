import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestServer } from '@dl/browser';
import { concat, custom } from '@dl/fixtures/writer';
import { createLinker, createLinkerSync, RTLD } from '@dl/linker';
import type { Loader } from '@dl/linker';
import { afterAll, describe, expect, it } from 'vitest';
import { ModuleCache } from './cache.js';
import { fetchLoader } from './fetch-loader.js';
import { SectionFraming } from './framing.js';
import { moduleHeadLength } from '@dl/reader';
import { fsLoader } from './node/fs-loader.js';
import { clangFiles, fixtureServer } from './test-server.harness.js';
import { virtualLoader } from './virtual-loader.js';

/** A real module whose last section, a custom one, announces one byte more than it has. */
const extra = custom('notes', new Uint8Array(300).fill(7));
const cut = concat(clangFiles.get('libneed_a.so')!, extra.subarray(0, extra.length - 1));
const dir = mkdtempSync(join(tmpdir(), 'dl-same-code-'));
writeFileSync(join(dir, 'libcut.so'), cut);
const servers: TestServer[] = [];
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await Promise.all(servers.map((s) => s.close()));
});

async function codeOf(loader: Loader | null, source: string | { name: string; bytes: Uint8Array }): Promise<string> {
  const linker = await createLinker(loader === null ? {} : { loader });
  const before = linker.digest();
  try {
    await linker.dlopen(source, RTLD.NOW);
    return 'ok';
  } catch (e) {
    expect(linker.digest()).toBe(before);
    return (e as { code?: string }).code ?? 'no code';
  }
}

describe('the same bytes give the same code by every route (issue 15 item 7)', () => {
  it('a custom section one byte too long is DL_TRUNCATED through bytes, virtualLoader, fsLoader and fetchLoader (streaming or not)', async () => {
    const server = await fixtureServer({
      '/lib/stream/libcut.so': { bytes: cut, contentType: 'application/wasm' },
      '/lib/plain/libcut.so': { bytes: cut, contentType: 'application/octet-stream' },
    });
    servers.push(server);
    const routes: Record<string, Promise<string>> = {
      bytes: codeOf(null, { name: 'libcut.so', bytes: cut }),
      virtualLoader: codeOf(virtualLoader({ '/libcut.so': cut }), '/libcut.so'),
      fsLoader: codeOf(fsLoader({ cache: null }), join(dir, 'libcut.so')),
      'fetchLoader (streaming)': codeOf(
        fetchLoader({ base: `${server.url}/lib/stream/`, cache: new ModuleCache() }),
        'libcut.so',
      ),
      'fetchLoader (read, then compiled)': codeOf(
        fetchLoader({ base: `${server.url}/lib/plain/`, cache: new ModuleCache() }),
        'libcut.so',
      ),
    };
    const codes = Object.fromEntries(
      await Promise.all(Object.entries(routes).map(async ([k, v]) => [k, await v] as const)),
    );
    expect(codes).toEqual(Object.fromEntries(Object.keys(routes).map((k) => [k, 'DL_TRUNCATED'])));
    expect(() => createLinkerSync({ loader: fsLoader({ cache: null }) }).dlopenSync(join(dir, 'libcut.so'))).toThrow(
      expect.objectContaining({ code: 'DL_TRUNCATED' }) as Error,
    );
    expect(() => createLinkerSync({ loader: virtualLoader({ '/libcut.so': cut }) }).dlopenSync('/libcut.so')).toThrow(
      expect.objectContaining({ code: 'DL_TRUNCATED' }) as Error,
    );
  });
});

describe('SectionFraming', () => {
  it('follows sections however the bytes are cut into chunks', () => {
    for (const [bytes, ok] of [
      [clangFiles.get('libneed_c.so')!, true],
      [cut, false],
    ] as const) {
      const head = moduleHeadLength(bytes, { complete: true })!;
      for (const step of [1, 2, 3, 7, 64, bytes.length]) {
        const f = new SectionFraming(head, 'lib');
        for (let at = head; at < bytes.length; at += step)
          f.feed(bytes.subarray(at, Math.min(at + step, bytes.length)), at);
        if (ok) f.end(bytes.length);
        else
          expect(() => {
            f.end(bytes.length);
          }).toThrow(expect.objectContaining({ code: 'DL_TRUNCATED' }) as Error);
      }
    }
  });
});
