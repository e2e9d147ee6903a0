/**
 * A node worker (bundled for node by threads.test.ts) following its leader through
 * serveFollower, and answering its own `call` and `dlopen`/`dlclose` messages.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { serveFollower } from '../follow.js';
import type { Handle } from '../follow.js';

const port = parentPort!;
const options = (workerData ?? {}) as { tableMaximum?: number; exitAtStart?: boolean };
// A thread that ends before it follows (workerData.exitAtStart): its leader must not wait for it.
if (options.exitAtStart === true) process.exit(0);
// A test may start a thread with a table limit (workerData.tableMaximum): a real cause for an update to fail.
const served = serveFollower(port, options);
// A thread that cannot take its first image answers every question with that error.
served.catch(() => undefined);
let opened: Handle | null = null;

async function handle(m: { op?: string; name?: string; args?: number[] }): Promise<unknown> {
  const s = await served;
  if (m.op === 'call') {
    const fn = s.follower.find(m.name!);
    return typeof fn === 'function' ? (fn as (...a: number[]) => number)(...m.args!) : null;
  }
  if (m.op === 'dlopen') {
    opened = await s.dlopen(m.name!);
    return opened.name;
  }
  if (m.op === 'dlclose') {
    await s.dlclose(opened!);
    return 'closed';
  }
  return undefined;
}

port.on('message', (m: { op?: string; id?: number; lock?: SharedArrayBuffer }) => {
  if (m.op === undefined) return;
  if (m.op === 'block') {
    // Answers, then waits on the lock until notified: no message of this thread is handled meanwhile.
    port.postMessage({ id: m.id, value: 'blocked' });
    Atomics.wait(new Int32Array(m.lock!), 0, 0);
    return;
  }
  void handle(m).then(
    (value) => {
      port.postMessage({ id: m.id, value });
    },
    (e: unknown) => {
      port.postMessage({ id: m.id, value: `error: ${e instanceof Error ? e.message : String(e)}` });
    },
  );
});
