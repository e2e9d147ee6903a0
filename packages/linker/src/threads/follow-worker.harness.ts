/**
 * A node worker_threads worker (bundled for node by threads.test.ts): follows the linked
 * program it is given, runs the job named in its data, and reports what it saw through its own
 * TLS blocks, its own table and the shared memory.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { followLinker } from '../follow.js';
import type { ThreadImage } from '../follow.js';

interface Job {
  readonly image: ThreadImage;
  readonly job: 'tls' | 'calls';
  readonly mainCounterAddress?: number;
  readonly pointer?: number;
  readonly adds?: number;
}

const data = workerData as Job;
const follower = followLinker(data.image);
const fn = (name: string): ((...args: number[]) => number) => follower.find(name) as (...args: number[]) => number;

function tls(): unknown {
  const view = new Int32Array(data.image.memory.buffer);
  return {
    check: fn('tls_check')(),
    address: fn('tls_counter_addr')(),
    bumps: [fn('tls_bump')(), fn('tls_bump')()],
    stackPointer: follower.stackPointer.value as number,
    // The leading thread's counter, read through the shared memory.
    mainCounter: Atomics.load(view, data.mainCounterAddress! / 4),
  };
}

function calls(): unknown {
  // &thr_add as this thread sees it, and calls through the stored pointer and through the
  // leading thread's number for it (the same slot must be the same function here).
  const pointer = fn('thr_user_pointer')();
  let mine = 0;
  for (let i = 0; i < data.adds!; i++) mine = fn('thr_user_call')(1);
  const viaSlot = (follower.table.get(data.pointer!) as (x: number) => number)(0);
  return { pointer, mine, viaSlot };
}

parentPort!.postMessage(data.job === 'tls' ? tls() : calls());
