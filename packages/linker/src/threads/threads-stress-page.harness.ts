/**
 * Runs in cross-origin-isolated Chromium (bundled by threads.browser.test.ts): 4 Web Workers
 * follow through a ThreadGroup while libthr_user.so is opened and closed 1,000 times; after each
 * open every worker calls it (through its stored pointer to libthr_base.so's thr_add), after each
 * close one worker must find it gone. Reports what went wrong (nothing, when it passes).
 */
import { reportResult } from '@dl/browser/page';
import { createLinkerSync, memoryLoader, RTLD } from '../index.js';
import { ThreadGroup } from '../threads.js';
import { bytes, callOn } from './page-parts.harness.js';

declare const WORKER_CODE: string;
declare const CYCLES: number;

reportResult(async () => {
  const files = { 'libthr_base.so': await bytes('libthr_base.so'), 'libthr_user.so': await bytes('libthr_user.so') };
  const linker = createLinkerSync({ program: { kind: 'host', shared: true }, loader: memoryLoader(files) });
  const base = linker.dlopenSync('libthr_base.so', { binding: 'now', scope: 'global' });
  const url = URL.createObjectURL(new Blob([WORKER_CODE], { type: 'text/javascript' }));
  const workers = [0, 1, 2, 3].map(() => new Worker(url));
  const group = new ThreadGroup(linker, { stackSize: 16384 });
  await Promise.all(workers.map((w) => group.add(w)));
  const wrong: string[] = [];
  // Each worker's own sum (its thread-local in libthr_base.so) grows by one per cycle.
  for (let cycle = 1; cycle <= CYCLES; cycle++) {
    const user = linker.dlopenSync('libthr_user.so', RTLD.NOW);
    await group.sync();
    const results = await Promise.all(workers.map((w) => callOn(w, 'thr_user_call', [1])));
    results.forEach((r, i) => {
      if (r !== cycle) wrong.push(`cycle ${cycle}, worker ${i}: thr_user_call(1) = ${String(r)}, expected ${cycle}`);
    });
    linker.dlclose(user);
    await group.sync();
    if (cycle % 100 === 0) {
      const gone = await callOn(workers[cycle % 4]!, 'thr_user_call', [1]);
      if (gone !== null) wrong.push(`cycle ${cycle}: libthr_user.so still callable after its close`);
    }
    if (wrong.length > 10) break;
  }
  const s = linker.dlsym(base, 'thr_total_now');
  const total = s.kind === 'function' ? (s.func as () => number)() : -1;
  for (const w of workers) {
    group.remove(w);
    w.terminate();
  }
  return { isolated: crossOriginIsolated, wrong, total, resident: linker.graph().libraries.map((l) => l.name) };
});
