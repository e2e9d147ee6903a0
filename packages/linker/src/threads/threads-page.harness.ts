/**
 * Runs in cross-origin-isolated Chromium (bundled by threads.browser.test.ts): a shared-memory
 * program followed by 4 Web Workers through a ThreadGroup; libthr_user.so is opened after they
 * started, called on every thread through its stored pointer, closed, and dropped everywhere.
 */
import { reportResult } from '@dl/browser/page';
import { createLinkerSync, memoryLoader, RTLD } from '../index.js';
import { ThreadGroup } from '../threads.js';
import { bytes, callOn } from './page-parts.harness.js';

declare const WORKER_CODE: string;

reportResult(async () => {
  const files = { 'libthr_base.so': await bytes('libthr_base.so'), 'libthr_user.so': await bytes('libthr_user.so') };
  const linker = createLinkerSync({ program: { kind: 'host', shared: true }, loader: memoryLoader(files) });
  const base = linker.dlopenSync('libthr_base.so', { binding: 'now', scope: 'global' });
  const total = (): number => {
    const s = linker.dlsym(base, 'thr_total_now');
    return s.kind === 'function' ? (s.func as () => number)() : -1;
  };
  const url = URL.createObjectURL(new Blob([WORKER_CODE], { type: 'text/javascript' }));
  const workers = [0, 1, 2, 3].map(() => new Worker(url));
  const group = new ThreadGroup(linker);
  await Promise.all(workers.map((w) => group.add(w)));
  const before = await Promise.all(workers.map((w) => callOn(w, 'thr_user_call', [1])));
  const user = linker.dlopenSync('libthr_user.so', RTLD.NOW);
  await group.sync();
  const during = await Promise.all(workers.map((w) => callOn(w, 'thr_user_call', [10])));
  linker.dlclose(user);
  await group.sync();
  const after = await Promise.all(workers.map((w) => callOn(w, 'thr_user_call', [1])));
  for (const w of workers) {
    group.remove(w);
    w.terminate();
  }
  return { isolated: crossOriginIsolated, before, during, after, total: total() };
});
