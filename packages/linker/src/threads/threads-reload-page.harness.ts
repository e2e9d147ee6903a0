/**
 * Runs in cross-origin-isolated Chromium (bundled by threads.browser.test.ts): 4 Web Workers
 * follow a program where libthr_data_user.so reads libthr_data.so's data through its GOT; a hot
 * reload of libthr_data.so moves that data, and every thread must read the new build's.
 */
import { reportResult } from '@dl/browser/page';
import { createLinkerSync, memoryLoader, RTLD } from '../index.js';
import { ThreadGroup } from '../threads.js';
import type { Handle, Linker } from '../index.js';
import { bytes, callOn } from './page-parts.harness.js';

declare const WORKER_CODE: string;

function call(linker: Linker, handle: Handle, name: string, ...args: number[]): number {
  const s = linker.dlsym(handle, name);
  return s.kind === 'function' ? (s.func as (...a: number[]) => number)(...args) : -1;
}

reportResult(async () => {
  const files = {
    'libthr_data.so': await bytes('libthr_data.so'),
    'libthr_data_user.so': await bytes('libthr_data_user.so'),
  };
  const linker = createLinkerSync({ program: { kind: 'host', shared: true }, loader: memoryLoader(files) });
  const data = linker.dlopenSync('libthr_data.so', { binding: 'now', scope: 'global', reloadable: true });
  const user = linker.dlopenSync('libthr_data_user.so', RTLD.NOW);
  const url = URL.createObjectURL(new Blob([WORKER_CODE], { type: 'text/javascript' }));
  const workers = [0, 1, 2, 3].map(() => new Worker(url));
  const group = new ThreadGroup(linker);
  const onEvery = (name: string): Promise<(number | null)[]> => Promise.all(workers.map((w) => callOn(w, name, [])));
  await Promise.all(workers.map((w) => group.add(w)));
  call(linker, data, 'thr_data_set', 42);
  const before = await onEvery('thr_data_read');
  linker.reloadSync(data, { name: 'libthr_data.so', bytes: files['libthr_data.so'] });
  await group.sync();
  const where = call(linker, user, 'thr_data_where');
  const moved = (await onEvery('thr_data_where')).map((w) => w === where);
  const after = await onEvery('thr_data_read');
  call(linker, data, 'thr_data_set', 9);
  const set = await onEvery('thr_data_read');
  for (const w of workers) {
    group.remove(w);
    w.terminate();
  }
  return { isolated: crossOriginIsolated, before, moved, after, set, leader: call(linker, user, 'thr_data_read') };
});
