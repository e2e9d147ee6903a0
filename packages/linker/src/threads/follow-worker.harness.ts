/**
 * A node worker_threads worker (bundled for node by threads.test.ts): follows the linked
 * program it is given and reports what it sees through its own TLS blocks and the shared memory.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { followLinker } from '../index.js';
import type { ThreadImage } from '../index.js';

const { image, mainCounterAddress } = workerData as { image: ThreadImage; mainCounterAddress: number };
const follower = followLinker(image);
const fn = (name: string): (() => number) => follower.find(name) as () => number;
const view = new Int32Array(image.memory.buffer);
const check = fn('tls_check')();
const address = fn('tls_counter_addr')();
const bumps = [fn('tls_bump')(), fn('tls_bump')()];
parentPort!.postMessage({
  check,
  address,
  bumps,
  stackPointer: follower.stackPointer.value as number,
  // The leading thread's counter, read through the shared memory.
  mainCounter: Atomics.load(view, mainCounterAddress / 4),
});
