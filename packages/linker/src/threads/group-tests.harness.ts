import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { bundle } from '@dl/browser';
import { afterAll, beforeAll } from 'vitest';
import type { Linker } from '../linker.js';
import { hostLinkerSync } from '../test-support.harness.js';
import { ThreadGroup } from './group.js';

/**
 * Bundles `group-worker.harness.ts` for node workers once per test file (before its tests,
 * removed after them); `path()` is the script to start a `Worker` from.
 */
export function useGroupWorkerScript(): { path: () => string } {
  let dir = '';
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dl-group-worker-'));
    writeFileSync(
      join(dir, 'grouped.mjs'),
      await bundle(new URL('./group-worker.harness.ts', import.meta.url), { platform: 'node' }),
    );
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return { path: () => join(dir, 'grouped.mjs') };
}

let nextId = 0;

/** Asks a group-worker.harness worker one thing (`call`, `dlopen`, `dlclose`) and waits for its answer. */
export function askWorker(w: Worker, m: Record<string, unknown>): Promise<unknown> {
  return new Promise((resolve) => {
    const id = ++nextId;
    const listener = (r: { id?: number; value?: unknown }): void => {
      if (r.id !== id) return;
      w.off('message', listener);
      resolve(r.value ?? null);
    };
    w.on('message', listener);
    w.postMessage({ ...m, id });
  });
}

/** Calls a function by name on a group-worker.harness worker: its result, null when the thread has no such function, or the error's text. */
export function callOn(w: Worker, name: string, args: number[]): Promise<number | string | null> {
  return askWorker(w, { op: 'call', name, args }) as Promise<number | string | null>;
}

/** Ends the workers and forgets them in the group. */
export async function stop(group: ThreadGroup, workers: readonly Worker[]): Promise<void> {
  for (const w of workers) {
    group.remove(w);
    await w.terminate();
  }
}

/**
 * A shared-memory clang-16 host linker with `libthr_base.so` loaded global, and a
 * `ThreadGroup` that is its `beforeUnload` (an unload waits until every thread dropped the library).
 */
export function groupAsBeforeUnload(stackSize?: number): { linker: Linker; group: ThreadGroup } {
  const holder: { group?: ThreadGroup } = {};
  const { linker } = hostLinkerSync('clang16', {
    program: { shared: true },
    beforeUnload: (handles) => holder.group!.beforeUnload(handles),
  });
  linker.dlopenSync('libthr_base.so', { binding: 'now', scope: 'global' });
  const group = new ThreadGroup(linker, stackSize === undefined ? {} : { stackSize });
  holder.group = group;
  return { linker, group };
}

/**
 * A shared-memory clang-16 host program with `libthr_base.so` (thread-locals) global, a group of
 * threads following it (16 KiB stacks), and how many blocks its allocator held before any thread.
 */
export function baseProgram(): { linker: Linker; group: ThreadGroup; held: number } {
  const { linker } = hostLinkerSync('clang16', { program: { shared: true } });
  linker.dlopenSync('libthr_base.so', { binding: 'now', scope: 'global' });
  return {
    linker,
    group: new ThreadGroup(linker, { stackSize: 16384 }),
    held: linker.linkState.allocator.live().length,
  };
}
