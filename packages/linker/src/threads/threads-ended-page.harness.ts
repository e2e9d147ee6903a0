/**
 * Runs in cross-origin-isolated Chromium (bundled by threads.browser.test.ts): 3 Web Workers
 * follow a program; one blocks in `Atomics.wait`, so an unload waits for it — until the page
 * terminates it and removes it from the group (a Web Worker tells no exit). Then the unload
 * goes on and the group keeps serving the other two.
 */
import { reportResult } from '@dl/browser/page';
import { createLinkerSync, memoryLoader, RTLD } from '../index.js';
import { ThreadGroup } from '../threads.js';
import { blockOn, bytes, callOn, settlesWithin } from './page-parts.harness.js';

declare const WORKER_CODE: string;

reportResult(async () => {
  const files = {
    'libthr_base.so': await bytes('libthr_base.so'),
    'libthr_user.so': await bytes('libthr_user.so'),
  };
  const holder: { group?: ThreadGroup } = {};
  const linker = createLinkerSync({
    program: { kind: 'host', shared: true },
    loader: memoryLoader(files),
    beforeUnload: (handles) => holder.group!.beforeUnload(handles),
  });
  linker.dlopenSync('libthr_base.so', { binding: 'now', scope: 'global' });
  const url = URL.createObjectURL(new Blob([WORKER_CODE], { type: 'text/javascript' }));
  const workers = [0, 1, 2].map(() => new Worker(url));
  const group = new ThreadGroup(linker, { stackSize: 16384 });
  holder.group = group;
  await Promise.all(workers.map((w) => group.add(w)));
  const user = linker.dlopenSync('libthr_user.so', RTLD.NOW);
  await group.sync();
  const [stuck, ...rest] = workers as [Worker, Worker, Worker];
  const loaded = await Promise.all(rest.map((w) => callOn(w, 'thr_user_call', [1])));
  await blockOn(stuck, new SharedArrayBuffer(4));
  linker.dlclose(user);
  const synced = group.sync();
  const heldBack = !(await settlesWithin(synced, 300)) && linker.handleOf('libthr_user.so') !== undefined;
  stuck.terminate();
  group.remove(stuck);
  await synced;
  const unloaded = linker.handleOf('libthr_user.so') === undefined;
  const dropped = await Promise.all(rest.map((w) => callOn(w, 'thr_user_call', [1])));
  linker.dlopenSync('libthr_user.so', RTLD.NOW);
  await group.sync();
  const again = await Promise.all(rest.map((w) => callOn(w, 'thr_user_call', [2])));
  const size = group.size;
  for (const w of rest) {
    group.remove(w);
    w.terminate();
  }
  return { isolated: crossOriginIsolated, loaded, heldBack, unloaded, dropped, again, size };
});
