// Debian's headless Chromium through playwright-core, and running one bundled module in a page.
import { accessSync, constants } from 'node:fs';
import { gateFor } from '@dl/fixtures/gate';
import type { Gate } from '@dl/fixtures/gate';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext } from 'playwright-core';
import { BLANK_PAGE_PATH } from './server.js';

/** The flags every launch uses (Playwright adds `--headless` and its own profile dir). */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The Chromium binary: env `DL_CHROMIUM`, else Debian's `/usr/bin/chromium`. */
export function chromiumExecutable(): string {
  const fromEnv = process.env.DL_CHROMIUM;
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : '/usr/bin/chromium';
}

/** True when {@link chromiumExecutable} exists and is executable (it does not launch it). */
export function chromiumAvailable(): boolean {
  try {
    accessSync(chromiumExecutable(), constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * What a browser test file should do: `run`, or without Chromium `skip` (local machines) or
 * `fail` (when env `CI` is set, so CI cannot pass by silently skipping). `message` says why.
 */
export function chromiumGate(): Gate {
  const what = `@dl/browser: no executable Chromium at ${chromiumExecutable()} (set DL_CHROMIUM, or apt-get install chromium)`;
  return gateFor(chromiumAvailable() ? [] : [chromiumExecutable()], what, `chromium: ${chromiumExecutable()}`);
}

/** Launches headless Chromium ({@link chromiumExecutable}, {@link CHROMIUM_ARGS}). Close it when done. */
export async function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumExecutable(),
    headless: true,
    args: [...CHROMIUM_ARGS, ...extraArgs],
  });
}

/** Launches Chromium, runs `fn` with it and closes it afterwards, also when `fn` throws. */
export async function withChromium<T>(fn: (browser: Browser) => Promise<T>): Promise<T> {
  const browser = await launchChromium();
  try {
    return await fn(browser);
  } finally {
    await browser.close();
  }
}

/** Options for {@link runInPage}. */
export interface RunOptions {
  /** A browser from {@link launchChromium}; one per test file is usual (launching is the slow part). */
  readonly browser: Browser;
  /** The origin the page runs at, normally `TestServer.url`; the script's relative fetches go there. */
  readonly url: string;
  /** An ES module's source, normally from `bundle()`. It must follow the `__dlResult` protocol. */
  readonly script: string;
  /** Give up after this many ms (default 15000). */
  readonly timeoutMs?: number;
  /** The page to load before running the script (default `/__dl/blank.html`, which every `startServer` serves). */
  readonly pagePath?: string;
  /** Run in this context instead of a fresh one (a fresh context has an empty HTTP cache). */
  readonly context?: BrowserContext;
}

/**
 * Runs a bundled module in a page of `browser` at `url` and resolves to its result.
 *
 * Protocol: the module assigns a value or promise to `globalThis.__dlResult` during its
 * evaluation (`reportResult` from `@dl/browser/page` does this); `runInPage` awaits it and
 * returns it, copied out of the page, so it must be JSON-like (plus `undefined`, `Date`,
 * `RegExp`, `Map`/`Set`, `bigint`…). If the module throws, the promise rejects, nothing is assigned,
 * a page error occurs, or `timeoutMs` passes, the returned promise rejects with the reason plus
 * the page's console messages and uncaught errors.
 *
 * The module is imported from a `blob:` URL of the page's origin, so `fetch('/x.wasm')` hits the
 * server. Each run gets a new browser context (fresh cache), closed afterwards, unless `context`
 * is given.
 */
export async function runInPage<T>(options: RunOptions): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const context = options.context ?? (await options.browser.newContext());
  const page = await context.newPage();
  const messages: string[] = [];
  const pageErrors: string[] = [];
  page.on('console', (message) => messages.push(`[${message.type()}] ${message.text()}`));
  let failPage: (error: Error) => void = () => undefined;
  const pageFailed = new Promise<never>((_, fail) => (failPage = fail));
  page.on('pageerror', (error) => {
    pageErrors.push(error.stack ?? error.message);
    failPage(new Error(`uncaught error in the page: ${error.message}`));
  });
  page.on('crash', () => {
    failPage(new Error('the page crashed'));
  });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, fail) => {
    timer = setTimeout(() => {
      fail(new Error(`timed out after ${timeoutMs} ms waiting for globalThis.__dlResult`));
    }, timeoutMs);
  });
  const pageUrl = new URL(options.pagePath ?? BLANK_PAGE_PATH, options.url).href;
  const run = (async (): Promise<T> => {
    const response = await page.goto(pageUrl, { timeout: timeoutMs });
    if (response !== null && !response.ok()) throw new Error(`loading ${pageUrl} gave HTTP ${response.status()}`);
    return page.evaluate<T>(`(${RUNNER})(${JSON.stringify(options.script)})`);
  })();
  try {
    return await Promise.race([run, pageFailed, timedOut]);
  } catch (error) {
    throw new Error(describeFailure(pageUrl, error, messages, pageErrors), { cause: error });
  } finally {
    clearTimeout(timer);
    run.catch(() => undefined);
    pageFailed.catch(() => undefined);
    await (options.context === undefined ? context.close() : page.close()).catch(() => undefined);
  }
}

/**
 * Runs inside the page: import the module from a blob: URL, then await what it reported. Kept as
 * text: a function would be serialized after vitest's transform, which rewrites `import()`.
 */
const RUNNER = `async (code) => {
  const url = URL.createObjectURL(new Blob([code], { type: 'text/javascript' }));
  try {
    await import(url);
  } finally {
    URL.revokeObjectURL(url);
  }
  if (!('__dlResult' in globalThis)) throw new Error('the script finished without assigning globalThis.__dlResult');
  return await globalThis.__dlResult;
}`;

function describeFailure(
  pageUrl: string,
  error: unknown,
  messages: readonly string[],
  pageErrors: readonly string[],
): string {
  const reason = error instanceof Error ? error.message : String(error);
  const lines = [`runInPage(${pageUrl}) failed: ${reason}`];
  lines.push(pageErrors.length > 0 ? `page errors:\n${pageErrors.map(indent).join('\n')}` : 'page errors: none');
  lines.push(messages.length > 0 ? `console:\n${messages.map(indent).join('\n')}` : 'console: empty');
  return lines.join('\n');
}

function indent(text: string): string {
  return text.replace(/^/gm, '  ');
}
