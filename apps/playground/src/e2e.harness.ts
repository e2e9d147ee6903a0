/**
 * Test support for the playground's end-to-end tests: the app built with vite into a temporary
 * directory, served by vite's preview server, driven in Debian's headless Chromium (`@dl/browser`;
 * skipped without Chromium, failing under CI). `checkView` checks a view with axe-core at 1366 px
 * and 390 px, light and dark, with no sideways scroll, and photographs each into
 * `.ci/artifacts/playground/` (`<view>-<width>-<scheme>.png`); axe's results go to a JSON file there.
 */
import { createRequire } from 'node:module';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromiumGate, launchChromium } from '@dl/browser';
import type { Browser } from '@dl/browser';
import type { AxeResults, RunOptions } from 'axe-core';
import type { Page } from 'playwright-core';
import { build, preview } from 'vite';
import type { PreviewServer } from 'vite';
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';

/** axe-core's browser build, injected into the page (the test's own pinned copy). */
const axeSource = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** The widths and colour schemes every view is checked and photographed at. */
const widths = [1366, 390] as const;
const schemes = ['light', 'dark'] as const;

const appRoot = fileURLToPath(new URL('..', import.meta.url));
/** Where screenshots and axe's results go. */
export const artifacts: string = fileURLToPath(new URL('../../../.ci/artifacts/playground/', import.meta.url));
/** The fixture corpus. */
export const fixtures: string = fileURLToPath(new URL('../../../tooling/fixtures/wasm/', import.meta.url));

/** Whether Chromium is there: run, skip (no Chromium, not CI) or fail (no Chromium under CI). */
export const gate: ReturnType<typeof chromiumGate> = chromiumGate();
if (gate.mode === 'skip') console.warn(gate.message);

/** The playground as a test drives it. */
export interface Playground {
  readonly page: Page;
  /** `http://127.0.0.1:PORT/`. */
  readonly origin: string;
  /** Uncaught errors and console errors of the page. */
  readonly pageErrors: string[];
  readonly shoot: (name: string) => Promise<void>;
  /** axe-core, width and overflow checks of the view as it is now, at each width and scheme. */
  readonly checkView: (name: string) => Promise<void>;
  readonly tab: (view: 'inspect' | 'link' | 'run' | 'pictures') => Promise<void>;
  /** Waits until the link is done. */
  readonly linkDone: () => Promise<void>;
}

/**
 * Builds, serves and opens the playground for the tests of the enclosing `describe` (its hooks
 * are registered there); `axeFile` names the file axe's results are written to.
 */
export function usePlayground(axeFile: string): Playground {
  let outDir = '';
  let server: PreviewServer | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;
  let origin = '';
  const pageErrors: string[] = [];
  /** axe-core's violations per view, width and scheme (all empty when the tests pass). */
  const axeResults: Record<string, string[]> = {};
  const current = (): Page => {
    if (page === undefined) throw new Error('the playground is not open');
    return page;
  };

  // Without Chromium under CI every test fails with the gate's message (a beforeAll throw would only skip them).
  beforeEach(() => {
    if (gate.mode === 'fail') throw new Error(gate.message);
  });

  beforeAll(async () => {
    if (gate.mode === 'fail') return;
    outDir = await mkdtemp(join(tmpdir(), 'dl-playground-'));
    const configFile = join(appRoot, 'vite.config.ts');
    await build({ root: appRoot, configFile, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
    server = await preview({
      root: appRoot,
      configFile,
      logLevel: 'warn',
      build: { outDir },
      preview: { host: '127.0.0.1', port: 0 },
    });
    origin = server.resolvedUrls?.local[0] ?? '';
    expect(origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    await mkdir(artifacts, { recursive: true });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
  }, 120_000);

  afterAll(async () => {
    if (Object.keys(axeResults).length > 0)
      await writeFile(join(artifacts, axeFile), `${JSON.stringify(axeResults, null, 2)}\n`);
    await browser?.close();
    await server?.close();
    if (outDir !== '') await rm(outDir, { recursive: true, force: true });
  });

  const shoot = async (name: string): Promise<void> => {
    await current().screenshot({ path: join(artifacts, `${name}.png`) });
  };
  /** axe-core's violations on the page as it is now, one line per element: `rule-id selector`. */
  const axeViolations = async (): Promise<string[]> => {
    const p = current();
    if (!(await p.evaluate(() => 'axe' in window)))
      await p.addScriptTag({ content: await readFile(axeSource, 'utf8') });
    return p.evaluate(async () => {
      const axe = (
        window as unknown as { axe: { run: (context: Document, options: RunOptions) => Promise<AxeResults> } }
      ).axe;
      const results = await axe.run(document, { resultTypes: ['violations'] });
      return results.violations.flatMap((v) => v.nodes.map((n) => `${v.id} ${n.target.join(' ')}`));
    });
  };
  /**
   * The view as it is now, at each width and colour scheme: axe-core finds nothing, the
   * document is no wider than the window, the header's controls are inside it; a screenshot each.
   */
  const checkView = async (name: string): Promise<void> => {
    const p = current();
    for (const colorScheme of schemes) {
      for (const width of widths) {
        await p.emulateMedia({ colorScheme });
        await p.setViewportSize({ width, height: 900 });
        await p.evaluate(() => new Promise((resolve) => requestAnimationFrame(resolve)));
        const size = await p.evaluate(() => ({
          document: document.documentElement.scrollWidth,
          window: window.innerWidth,
        }));
        expect(size.document, `${name} at ${width} px is wider than the window`).toBeLessThanOrEqual(size.window);
        for (const control of ['#cancel-button', '#nav-docs']) {
          const box = await p.locator(control).boundingBox();
          expect(box !== null && box.x >= 0 && box.x + box.width <= width, `${control} is clipped at ${width} px`).toBe(
            true,
          );
        }
        await shoot(`${name}-${width}-${colorScheme}`);
        const violations = await axeViolations();
        axeResults[`${name} ${width}px ${colorScheme}`] = violations;
        expect(violations, `axe-core on ${name}, ${width} px, ${colorScheme}`).toEqual([]);
      }
    }
    await p.emulateMedia({ colorScheme: 'light' });
    await p.setViewportSize({ width: 1440, height: 900 });
  };
  const tab = async (view: 'inspect' | 'link' | 'run' | 'pictures'): Promise<void> => {
    await current().click(`#tab-${view}`);
    await current().locator(`#view-${view}`).waitFor({ state: 'visible' });
  };
  const linkDone = async (): Promise<void> => {
    await current().locator('#link-progress[data-state="done"]').waitFor({ timeout: 30_000 });
  };
  return {
    get page() {
      return current();
    },
    get origin() {
      return origin;
    },
    pageErrors,
    shoot,
    checkView,
    tab,
    linkDone,
  };
}
