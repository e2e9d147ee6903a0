// @dl/browser: bundle an entry, serve it and fixtures over HTTP, run it in headless Chromium.
export { bundle } from './bundle.js';
export type { BundleOptions } from './bundle.js';
export { BLANK_PAGE_PATH, contentTypeFor, sendInChunks, startServer } from './server.js';
export type {
  ChunkOptions,
  RequestLog,
  Route,
  RouteHandler,
  RouteMap,
  RouteOptions,
  RouteSource,
  RouteValue,
  ServerOptions,
  TestServer,
} from './server.js';
export {
  CHROMIUM_ARGS,
  chromiumAvailable,
  chromiumExecutable,
  chromiumGate,
  launchChromium,
  runInPage,
  withChromium,
} from './chromium.js';
export type { RunOptions } from './chromium.js';
export { describeInChromium } from './suite.js';
export type { ChromiumSuite, ChromiumSuiteOptions } from './suite.js';
export type { Browser, BrowserContext } from 'playwright-core';
