/**
 * Runs in cross-origin-isolated Chromium (bundled by threads.browser.test.ts): a shared-memory
 * program with libthr_user.so and libthr_base.so, followed by 4 Web Workers.
 */
import { reportResult } from '@dl/browser/page';
import { createLinkerSync, memoryLoader, RTLD } from '../index.js';

declare const WORKER_CODE: string;

async function bytes(name: string): Promise<Uint8Array> {
  return new Uint8Array(await (await fetch(`/lib/${name}`)).arrayBuffer());
}

function follow(url: string, job: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(url);
    worker.onmessage = (e: MessageEvent) => {
      resolve(e.data);
      worker.terminate();
    };
    worker.onerror = (e) => {
      reject(new Error(e.message));
    };
    worker.postMessage(job);
  });
}

reportResult(async () => {
  const files = { 'libthr_base.so': await bytes('libthr_base.so'), 'libthr_user.so': await bytes('libthr_user.so') };
  const linker = createLinkerSync({ program: { kind: 'host', shared: true }, loader: memoryLoader(files) });
  const user = linker.dlopenSync('libthr_user.so', RTLD.NOW);
  const call = (name: string, ...args: number[]): number => {
    const s = linker.dlsym(user, name);
    return s.kind === 'function' ? (s.func as (...a: number[]) => number)(...args) : -1;
  };
  const pointer = call('thr_user_pointer');
  call('thr_user_call', 5);
  const adds = 1000;
  const url = URL.createObjectURL(new Blob([WORKER_CODE], { type: 'text/javascript' }));
  const threads = [0, 1, 2, 3].map(() => linker.threadImage());
  const seen = await Promise.all(threads.map(({ image }) => follow(url, { image, pointer, adds })));
  for (const { resources } of threads) linker.releaseThread(resources);
  return { isolated: crossOriginIsolated, pointer, seen, total: call('thr_total_now'), mine: call('thr_user_call', 0) };
});
