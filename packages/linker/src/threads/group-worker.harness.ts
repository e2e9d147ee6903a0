/**
 * A node worker (bundled for node by threads.test.ts) following its leader through
 * serveFollower, and answering its own `call` messages with the follower.
 */
import { parentPort } from 'node:worker_threads';
import { serveFollower } from '../index.js';

const port = parentPort!;
const follower = serveFollower(port);
port.on('message', (m: { op?: string; name?: string; args?: number[]; id?: number }) => {
  if (m.op !== 'call') return;
  void follower.then((f) => {
    const fn = f.find(m.name!);
    port.postMessage({
      id: m.id,
      value: typeof fn === 'function' ? (fn as (...a: number[]) => number)(...m.args!) : null,
    });
  });
});
