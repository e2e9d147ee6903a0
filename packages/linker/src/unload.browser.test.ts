import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundle, describeInChromium, runInPage, startServer } from '@dl/browser';
import type { TestServer } from '@dl/browser';
import { fixturesDir } from '@dl/fixtures';
import { expect, it } from 'vitest';

const lib = (name: string): Uint8Array => new Uint8Array(readFileSync(join(fixturesDir, 'clang16', name)));
const server = (): Promise<TestServer> =>
  startServer({
    '/lib/libunload.so': { bytes: lib('libunload.so') },
    '/lib/libunload_user.so': { bytes: lib('libunload_user.so') },
  });

describeInChromium('unloading in Chromium', { server, chromiumArgs: ['--js-flags=--expose-gc'] }, (chromium) => {
  it('an unloaded library and its dependency (which imports the table) are collected: FinalizationRegistry', async () => {
    const script = await bundle(fileURLToPath(new URL('./unload-gc-page.harness.ts', import.meta.url)));
    const result = await runInPage<{ value: number; gone: string[]; libraries: number }>({
      browser: chromium.browser,
      url: chromium.server.url,
      script,
      timeoutMs: 30_000,
    });
    expect(result).toEqual({ value: 1008, gone: ['libunload.so', 'libunload_user.so'], libraries: 0 });
  });
});
