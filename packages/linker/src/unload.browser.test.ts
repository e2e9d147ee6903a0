import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundle, chromiumGate, launchChromium, runInPage, startServer } from '@dl/browser';
import type { Browser, TestServer } from '@dl/browser';
import { fixturesDir } from '@dl/fixtures';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

const gate = chromiumGate();
if (gate.mode === 'skip') console.warn(gate.message);

describe.skipIf(gate.mode === 'skip')('unloading in Chromium', () => {
  let browser: Browser | undefined;
  let server: TestServer | undefined;
  beforeEach(() => {
    if (gate.mode === 'fail') throw new Error(gate.message);
  });
  beforeAll(async () => {
    if (gate.mode === 'fail') return;
    const lib = (name: string): Uint8Array => new Uint8Array(readFileSync(join(fixturesDir, 'clang16', name)));
    server = await startServer({
      '/lib/libunload.so': { bytes: lib('libunload.so') },
      '/lib/libunload_user.so': { bytes: lib('libunload_user.so') },
    });
    browser = await launchChromium(['--js-flags=--expose-gc']);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('an unloaded library and its dependency (which imports the table) are collected: FinalizationRegistry', async () => {
    const script = await bundle(fileURLToPath(new URL('./unload-gc-page.harness.ts', import.meta.url)));
    const result = await runInPage<{ value: number; gone: string[]; libraries: number }>({
      browser: browser!,
      url: server!.url,
      script,
      timeoutMs: 30_000,
    });
    expect(result).toEqual({ value: 1008, gone: ['libunload.so', 'libunload_user.so'], libraries: 0 });
  });
});
