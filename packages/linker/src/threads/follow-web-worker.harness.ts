/**
 * A Web Worker (bundled by threads.browser.test.ts, started by threads-page.harness.ts):
 * follows the program it is posted and calls across its libraries.
 */
import { followLinker } from '../index.js';
import type { ThreadImage } from '../index.js';

interface Job {
  readonly image: ThreadImage;
  readonly pointer: number;
  readonly adds: number;
}

addEventListener('message', (event: MessageEvent<Job>) => {
  const { image, pointer, adds } = event.data;
  const follower = followLinker(image);
  const fn = (name: string): ((...args: number[]) => number) => follower.find(name) as (...args: number[]) => number;
  let mine = 0;
  for (let i = 0; i < adds; i++) mine = fn('thr_user_call')(1);
  const viaSlot = (follower.table.get(pointer) as (x: number) => number)(0);
  postMessage({ pointer: fn('thr_user_pointer')(), mine, viaSlot });
});
