/**
 * A node worker_threads worker (bundled for node by threads.test.ts) that keeps following:
 * it answers `follow`, `update`, `call` (a function by name) and `slot` (a table slot) messages.
 */
import { parentPort } from 'node:worker_threads';
import { followLinker } from '../follow.js';
import type { Follower, ThreadImage } from '../follow.js';

type Message =
  | { readonly op: 'follow' | 'update'; readonly image: ThreadImage }
  | { readonly op: 'call'; readonly name: string; readonly args: readonly number[] }
  | { readonly op: 'slot'; readonly index: number; readonly args: readonly number[] };

let follower: Follower | null = null;

function handle(m: Message): unknown {
  switch (m.op) {
    case 'follow':
      // libthr_eh_user.so's catch needs the C++ runtime's two calls (no libc++abi in the fixtures).
      follower = followLinker(m.image, { host: { __cxa_begin_catch: (p) => p, __cxa_end_catch: () => undefined } });
      return [...follower.libraries.keys()];
    case 'update':
      follower!.update(m.image);
      return [...follower!.libraries.keys()];
    case 'call': {
      const f = follower!.find(m.name);
      if (typeof f !== 'function') return { missing: m.name };
      return (f as (...a: number[]) => number)(...m.args);
    }
    case 'slot': {
      const f = follower!.table.get(m.index) as ((...a: number[]) => number) | null;
      return f === null ? { empty: m.index } : f(...m.args);
    }
  }
}

parentPort!.on('message', (m: Message) => {
  try {
    parentPort!.postMessage({ value: handle(m) });
  } catch (e) {
    parentPort!.postMessage({ error: e instanceof Error ? e.message : String(e) });
  }
});
