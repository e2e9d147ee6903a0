/**
 * Runs in Chromium (bundled by browser-hardening.test.ts): the fetch loader's limits, a per-call
 * AbortSignal and the origin policy against misbehaving and cross-origin servers, as a page sees
 * them (CORS included). Each scenario reports the code and message it ended with.
 */
import { reportResult } from '@dl/browser/page';
import { createLinker, RTLD } from '@dl/linker';
import { ModuleCache } from './cache.js';
import { fetchLoader } from './fetch-loader.js';
import type { FetchLoaderOptions } from './fetch-loader.js';

/** What one scenario ended with. */
export interface Outcome {
  readonly code: string;
  readonly message: string;
  readonly libraries: readonly string[];
}

async function attempt(
  dir: string,
  name: string,
  options: Partial<FetchLoaderOptions>,
  signal?: AbortSignal,
): Promise<Outcome> {
  const linker = await createLinker({
    loader: fetchLoader({ base: new URL(`/lib/${dir}`, location.href).href, cache: new ModuleCache(), ...options }),
  });
  const before = linker.digest();
  try {
    await linker.dlopen(name, RTLD.NOW, { signal });
    return { code: 'ok', message: '', libraries: linker.graph().libraries.map((l) => l.location ?? l.name) };
  } catch (e) {
    if (linker.digest() !== before) throw new Error('a failed load changed the linker');
    const err = e as { code?: string; message?: string };
    return { code: err.code ?? 'not a DlError', message: err.message ?? String(e), libraries: [] };
  }
}

reportResult(async () => {
  const { other } = (await (await fetch('/config.json')).json()) as { other: string };
  const aborted = new AbortController();
  const pending = attempt('silent/', 'libneed_b.so', {}, aborted.signal);
  setTimeout(() => {
    aborted.abort();
  }, 200);
  return {
    headers: await attempt('silent/', 'libneed_b.so', { limits: { headersMs: 300 } }),
    idle: await attempt('stalls/', 'libneed_b.so', { limits: { idleMs: 300 } }),
    total: await attempt('trickles/', 'libneed_b.so', { limits: { idleMs: 5_000, totalMs: 400 } }),
    endless: await attempt('endless/', 'libneed_b.so', { limits: { maxBytes: 1024 * 1024 } }),
    huge: await attempt('huge/', 'libneed_b.so', {}),
    aborted: await pending,
    // A NEEDED URL on another origin whose server sends no CORS headers: the browser refuses it
    // even when the policy allows it.
    corsRefused: await attempt('', 'cross-nocors.so', { origins: [other] }),
    // The same with CORS allowed (Access-Control-Allow-Origin: *): the policy refuses it by default...
    policyRefused: await attempt('', 'cross-cors.so', {}),
    // ...and allows it when listed.
    policyAllowed: await attempt('', 'cross-cors.so', { origins: [other] }),
    redirected: await attempt('', 'redirect.so', {}),
    dataUrl: await attempt('', 'data.so', {}),
  };
});
