import { fileURLToPath } from 'node:url';
import { bundle, chromiumGate, launchChromium, runInPage } from '@dl/browser';
import type { Browser, BrowserContext, TestServer } from '@dl/browser';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { clangFiles, fixtureServer } from './test-server.harness.js';

const gate = chromiumGate();
if (gate.mode === 'skip') console.warn(gate.message);

interface Planned {
  readonly replayed: boolean;
  readonly stale: string | null;
  readonly notStored: string | null;
  readonly checks: number[];
  readonly digest: string;
  readonly stored: number;
}

type Step = 'link' | 'corrupt' | 'small' | 'evict';

describe.skipIf(gate.mode === 'skip')('indexedDbPlanStore in Chromium', () => {
  let browser: Browser | undefined;
  let server: TestServer | undefined;
  /** What the server answers for /lib/libreload.so (a test swaps the build). */
  let reload = clangFiles.get('libreload.so')!;
  beforeEach(() => {
    if (gate.mode === 'fail') throw new Error(gate.message);
    reload = clangFiles.get('libreload.so')!;
  });
  beforeAll(async () => {
    if (gate.mode === 'fail') return;
    server = await fixtureServer({
      '/lib/libreload.so': (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/wasm', 'Cache-Control': 'no-store' });
        res.end(reload);
      },
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const page = async <T = Planned>(context: BrowserContext, step: Step): Promise<T> => {
    const entry = fileURLToPath(new URL('./browser-idb-plan-page.harness.ts', import.meta.url));
    const script = await bundle(entry, { define: { 'globalThis.IDB_STEP': JSON.stringify(step) } });
    return runInPage<T>({ browser: browser!, context, url: server!.url, script, timeoutMs: 30_000 });
  };
  const inContext = async (fn: (context: BrowserContext) => Promise<void>): Promise<void> => {
    const context = await browser!.newContext();
    try {
      await fn(context);
    } finally {
      await context.close();
    }
  };

  it('keeps a link plan in IndexedDB: a later page replays the link (same results, same digest)', async () => {
    await inContext(async (context) => {
      const first = await page(context, 'link');
      expect(first).toMatchObject({ replayed: false, stale: null, notStored: null, checks: [0, 0, 0, 1] });
      expect(first.stored).toBeGreaterThan(1000);
      expect(await page(context, 'link')).toEqual({ ...first, replayed: true });
    });
  });

  it('does not replay a plan once a library’s bytes change: the new build is linked and its plan kept', async () => {
    await inContext(async (context) => {
      const first = await page(context, 'link');
      expect(first.checks).toEqual([0, 0, 0, 1]);
      // reload_value(void) → reload_value(int): another type, another head.
      reload = clangFiles.get('libreload_sig.so')!;
      const changed = await page(context, 'link');
      expect(changed).toMatchObject({ replayed: false, checks: [0, 0, 0, 6] });
      expect(changed.stale).toMatch(/libreload\.so/);
      expect(await page(context, 'link')).toEqual({ ...changed, replayed: true, stale: null });
    });
  });

  it('drops a corrupt record (DL_PLAN_CORRUPT) and links afresh, storing a good plan again', async () => {
    await inContext(async (context) => {
      const first = await page(context, 'link');
      const fresh = await page(context, 'corrupt');
      expect(fresh.stale).toMatch(/dropped: link plan "page" in IndexedDB: its bytes do not match their SHA-256/);
      expect(fresh).toMatchObject({
        replayed: false,
        checks: first.checks,
        digest: first.digest,
        stored: first.stored,
      });
      expect(await page(context, 'link')).toEqual({ ...first, replayed: true });
    });
  });

  it('is bounded: a plan over maxPlanBytes is neither returned nor kept (DL_LIMIT), and the link stands', async () => {
    await inContext(async (context) => {
      const first = await page(context, 'link');
      const small = await page(context, 'small');
      expect(small.stale).toMatch(/dropped: .* over maxPlanBytes \(1000\)/);
      expect(small.notStored).toMatch(/over maxPlanBytes \(1000\)/);
      expect(small).toMatchObject({
        replayed: false,
        checks: first.checks,
        digest: first.digest,
        stored: 0,
      });
    });
  });

  it('keeps all plans under maxTotalBytes by dropping the least recently written', async () => {
    await inContext(async (context) => {
      expect(await page<unknown>(context, 'evict')).toEqual({
        both: [500, 400],
        after: [0, 400, 3],
        tooBig: 'DL_LIMIT',
      });
    });
  });
});
