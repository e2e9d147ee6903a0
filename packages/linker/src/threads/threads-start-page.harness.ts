/**
 * Runs in cross-origin-isolated Chromium (bundled by threads.browser.test.ts): `ThreadGroup.start`
 * makes Web Workers already following the program, `stop` ends them, and a worker whose script
 * does not load rejects `start` without leaving anything reserved.
 */
import { reportResult } from '@dl/browser/page';
import { createLinkerSync, memoryLoader } from '../index.js';
import { ThreadGroup } from '../threads.js';
import type { Linker, ThreadWorker } from '../index.js';
import { bytes, callOn, dlopenOn } from './page-parts.harness.js';

declare const WORKER_CODE: string;

/** In a page, start() makes Web Workers. */
function webWorker(w: ThreadWorker): Worker {
  if (!(w instanceof Worker)) throw new Error('not a Web Worker');
  return w;
}

reportResult(async () => {
  const files = {
    'libthr_base.so': await bytes('libthr_base.so'),
    'libthr_user.so': await bytes('libthr_user.so'),
  };
  const linker = createLinkerSync({ program: { kind: 'host', shared: true }, loader: memoryLoader(files) });
  linker.dlopenSync('libthr_base.so', { binding: 'now', scope: 'global' });
  const group = new ThreadGroup(linker, { stackSize: 16384 });
  const held = linker.linkState.allocator.live().length;
  const url = URL.createObjectURL(new Blob([WORKER_CODE], { type: 'text/javascript' }));
  const workers = (await Promise.all([group.start(url), group.start(url)])).map(webWorker);
  const following = group.size;
  const sums = await Promise.all(workers.map((w) => callOn(w, 'thr_add', [3])));
  const removed = await removedWhileRunning(linker, group, workers);
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
    removed,
    released: linker.linkState.allocator.live().length === held,
  };
});

/**
 * A worker removed while it runs: a `dlopen` it then asks for fails and loads nothing, added
 * again it refuses the second image (nothing stays reserved), and its follower still answers;
 * a worker still in the group loads through the leader.
 */
async function removedWhileRunning(linker: Linker, group: ThreadGroup, [kept, gone]: Worker[]) {
  group.remove(gone!);
  const reserved = linker.linkState.allocator.live().length;
  const asked = await dlopenOn(gone!, 'libthr_user.so');
  const loadedForRemoved = linker.handleOf('libthr_user.so') !== undefined;
  const readded = await group.add(gone!).then(
    () => 'resolved',
    (e: unknown) => `${(e as { code?: string }).code ?? '?'}: ${e instanceof Error ? e.message : String(e)}`,
  );
  const result = {
    asked,
    loadedForRemoved,
    readded,
    size: group.size,
    sameReserved: linker.linkState.allocator.live().length === reserved,
    goneAnswers: typeof (await callOn(gone!, 'thr_add', [1])),
    keptLoads: await dlopenOn(kept!, 'libthr_user.so'),
  };
  linker.dlclose(linker.handleOf('libthr_user.so')!);
  await group.sync();
  return result;
}
