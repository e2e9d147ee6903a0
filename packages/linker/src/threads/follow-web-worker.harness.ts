/**
 * A Web Worker (bundled by threads.browser.test.ts, started by threads-page.harness.ts):
 * follows its leader through serveFollower, answers `call` messages with the follower, asks its
 * leader to load a library (`dlopen`), and blocks in `Atomics.wait` when asked (`block`).
 */
import { serveFollower } from '../follow.js';
import type { ThreadPort } from '../follow.js';

const port = self as unknown as ThreadPort;
const follower = serveFollower(port);
interface Ask {
  op?: string;
  name?: string;
  args?: number[];
  id?: number;
  lock?: SharedArrayBuffer;
}
addEventListener('message', (event: MessageEvent<Ask>) => {
  const m = event.data;
  if (m.op === 'block') {
    // Answers, then waits on the lock until notified: no message of this thread is handled meanwhile.
    postMessage({ id: m.id, value: 1 });
    Atomics.wait(new Int32Array(m.lock!), 0, 0);
    return;
  }
  if (m.op === 'dlopen') {
    void follower
      .then((f) => f.dlopen(m.name!))
      .then(
        (h) => {
          postMessage({ id: m.id, value: h.name });
        },
        (e: unknown) => {
          postMessage({ id: m.id, value: `error: ${e instanceof Error ? e.message : String(e)}` });
        },
      );
    return;
  }
  if (m.op !== 'call') return;
  void follower.then((f) => {
    const fn = f.follower.find(m.name!);
    postMessage({ id: m.id, value: typeof fn === 'function' ? (fn as (...a: number[]) => number)(...m.args!) : null });
  });
});
