// One describe block of browser tests: the gates, a test server and Chromium started once, closed after.
import { combineGates } from '@dl/fixtures/gate';
import type { Gate } from '@dl/fixtures/gate';
import { afterAll, beforeAll, beforeEach, describe } from 'vitest';
import type { Browser } from 'playwright-core';
import { chromiumGate, launchChromium } from './chromium.js';
import { startServer } from './server.js';
import type { TestServer } from './server.js';

/** What the tests of a {@link describeInChromium} block use; both throw before the block's set-up ran. */
export interface ChromiumSuite {
  readonly browser: Browser;
  readonly server: TestServer;
}

/** Options of {@link describeInChromium}. */
export interface ChromiumSuiteOptions {
  /** Gates besides Chromium's (a fixture set the tests need): see {@link combineGates}. */
  readonly gates?: readonly Gate[];
  /** Starts the block's server (default: an empty {@link startServer}); it is closed after the block. */
  readonly server?: () => Promise<TestServer>;
  /** Extra Chromium flags. */
  readonly chromiumArgs?: readonly string[];
  /** Time for starting the server and Chromium (default 60 s). */
  readonly setupTimeoutMs?: number;
  /** Per-test timeout of the block. */
  readonly timeout?: number;
}

/**
 * A `describe` block that runs in headless Chromium: skipped (with a warning) when Chromium or
 * another gate is missing on a local machine, failing every test when it is missing under CI (a
 * throwing `beforeAll` would only skip them). The server and the browser start before the
 * block's own `beforeAll` hooks and close after its `afterAll` hooks.
 */
export function describeInChromium(
  title: string,
  options: ChromiumSuiteOptions,
  body: (suite: ChromiumSuite) => void,
): void {
  const gate = combineGates([chromiumGate(), ...(options.gates ?? [])]);
  if (gate.mode === 'skip') console.warn(gate.message);
  const describeOptions = options.timeout === undefined ? {} : { timeout: options.timeout };
  describe.skipIf(gate.mode === 'skip')(title, describeOptions, () => {
    let browser: Browser | undefined;
    let server: TestServer | undefined;
    const started = <T>(value: T | undefined, what: string): T => {
      if (value === undefined) throw new Error(`@dl/browser: the ${what} of "${title}" is not started`);
      return value;
    };
    const suite: ChromiumSuite = {
      get browser() {
        return started(browser, 'browser');
      },
      get server() {
        return started(server, 'server');
      },
    };
    beforeEach(() => {
      if (gate.mode === 'fail') throw new Error(gate.message);
    });
    beforeAll(async () => {
      if (gate.mode === 'fail') return;
      server = await (options.server ?? (() => startServer({})))();
      browser = await launchChromium(options.chromiumArgs);
    }, options.setupTimeoutMs ?? 60_000);
    afterAll(async () => {
      await browser?.close();
      await server?.close();
    });
    body(suite);
  });
}
