/**
 * Runs in cross-origin-isolated Chromium (bundled by threads.browser.test.ts): `ThreadGroup.start`
 * makes Web Workers already following the program, `stop` ends them, and a worker whose script
 * does not load rejects `start` without leaving anything reserved.
 */
import { reportResult } from '@dl/browser/page';
import { createLinkerSync, memoryLoader } from '../index.js';
import { ThreadGroup } from '../threads.js';
import type { ThreadWorker } from '../index.js';
import { bytes, callOn } from './page-parts.harness.js';

declare const WORKER_CODE: string;

/** In a page, start() makes Web Workers. */
function webWorker(w: ThreadWorker): Worker {
  if (!(w instanceof Worker)) throw new Error('not a Web Worker');
  return w;
}

reportResult(async () => {
  const files = { 'libthr_base.so': await bytes('libthr_base.so') };
  const linker = createLinkerSync({ program: { kind: 'host', shared: true }, loader: memoryLoader(files) });
  linker.dlopenSync('libthr_base.so', { binding: 'now', scope: 'global' });
  const group = new ThreadGroup(linker, { stackSize: 16384 });
  const held = linker.linkState.allocator.live().length;
  const url = URL.createObjectURL(new Blob([WORKER_CODE], { type: 'text/javascript' }));
  const workers = (await Promise.all([group.start(url), group.start(url)])).map(webWorker);
  const following = group.size;
  const sums = await Promise.all(workers.map((w) => callOn(w, 'thr_add', [3])));
  for (const w of workers) await group.stop(w);
  const missing = await group.start('/no-such-worker.js').then(
    () => 'resolved',
    (e: unknown) => `${(e as { code?: string }).code ?? '?'}: ${e instanceof Error ? e.message : String(e)}`,
  );
  return {
    isolated: crossOriginIsolated,
    following,
    sums,
    after: group.size,
    missing,
    released: linker.linkState.allocator.live().length === held,
  };
});
