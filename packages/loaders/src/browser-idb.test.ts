import { fileURLToPath } from 'node:url';
import { bundle, describeInChromium, runInPage } from '@dl/browser';
import type { BrowserContext } from '@dl/browser';
import { beforeEach, expect, it } from 'vitest';
import { clangFiles, fixtureServer } from './test-server.harness.js';

interface Planned {
  readonly replayed: boolean;
  readonly stale: string | null;
  readonly notStored: string | null;
  readonly checks: number[];
  readonly digest: string;
  readonly stored: number;
}

type Step = 'link' | 'corrupt' | 'small' | 'evict';

/** What the server answers for /lib/libreload.so (a test swaps the build). */
let reload = clangFiles.get('libreload.so')!;
const server = (): ReturnType<typeof fixtureServer> =>
  fixtureServer({
    '/lib/libreload.so': (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/wasm', 'Cache-Control': 'no-store' });
      res.end(reload);
    },
  });

describeInChromium('indexedDbPlanStore in Chromium', { server }, (chromium) => {
  beforeEach(() => {
    reload = clangFiles.get('libreload.so')!;
  });

  const page = async <T = Planned>(context: BrowserContext, step: Step): Promise<T> => {
    const entry = fileURLToPath(new URL('./browser-idb-plan-page.harness.ts', import.meta.url));
    const script = await bundle(entry, { define: { 'globalThis.IDB_STEP': JSON.stringify(step) } });
    return runInPage<T>({ browser: chromium.browser, context, url: chromium.server.url, script, timeoutMs: 30_000 });
  };
  const inContext = async (fn: (context: BrowserContext) => Promise<void>): Promise<void> => {
    const context = await chromium.browser.newContext();
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
