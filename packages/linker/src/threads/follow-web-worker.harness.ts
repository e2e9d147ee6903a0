/**
 * A Web Worker (bundled by threads.browser.test.ts, started by threads-page.harness.ts):
 * follows its leader through serveFollower, and answers `call` messages with the follower.
 */
import { serveFollower } from '../index.js';
import type { ThreadPort } from '../index.js';

const port = self as unknown as ThreadPort;
const follower = serveFollower(port);
addEventListener('message', (event: MessageEvent<{ op?: string; name?: string; args?: number[]; id?: number }>) => {
  const m = event.data;
  if (m.op !== 'call') return;
  void follower.then((f) => {
    const fn = f.find(m.name!);
    postMessage({ id: m.id, value: typeof fn === 'function' ? (fn as (...a: number[]) => number)(...m.args!) : null });
  });
});
