import { closeSync, fstatSync, openSync, readSync, realpathSync, statSync } from 'node:fs';
import type { BigIntStats } from 'node:fs';
import { open, realpath, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';

/**
 * The file-system steps of a loader, written once as plans (generators that yield these and
 * receive their results) and carried out by a synchronous or an asynchronous driver. A failed
 * step is thrown into the plan, so plans handle errors with plain try/catch.
 */
export type FileOp =
  | { readonly op: 'realpath'; readonly path: string }
  | { readonly op: 'stat'; readonly path: string }
  | { readonly op: 'open'; readonly path: string }
  | { readonly op: 'fstat' }
  | { readonly op: 'read'; readonly buffer: Uint8Array; readonly from: number; readonly to: number }
  | { readonly op: 'close' };

/** A plan: yields file ops, receives their results (string, BigIntStats, number or nothing). */
export type FilePlan<T> = Generator<FileOp, T, unknown>;

/** Runs a plan with node's synchronous file API (one open file at a time). */
export function runFileSync<T>(plan: FilePlan<T>): T {
  let fd: number | null = null;
  let step = plan.next();
  try {
    while (step.done !== true) {
      const op = step.value;
      let result: unknown;
      try {
        switch (op.op) {
          // The native realpath: one libc call, where the JS one lstat()s every path component.
          case 'realpath':
            result = realpathSync.native(op.path);
            break;
          case 'stat':
            result = statSync(op.path, { bigint: true });
            break;
          case 'open':
            fd = openSync(op.path, 'r');
            break;
          case 'fstat':
            result = fstatSync(fd!, { bigint: true });
            break;
          case 'read':
            result = readSync(fd!, op.buffer, op.from, op.to - op.from, op.from);
            break;
          case 'close':
            if (fd !== null) closeSync(fd);
            fd = null;
            break;
        }
      } catch (e) {
        step = plan.throw(e);
        continue;
      }
      step = plan.next(result);
    }
    return step.value;
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/** Runs a plan with node's promise-based file API. */
export async function runFileAsync<T>(plan: FilePlan<T>): Promise<T> {
  let file: FileHandle | null = null;
  let step = plan.next();
  try {
    while (step.done !== true) {
      const op = step.value;
      let result: unknown;
      try {
        switch (op.op) {
          case 'realpath':
            result = await realpath(op.path);
            break; // libc realpath on the thread pool
          case 'stat':
            result = await stat(op.path, { bigint: true });
            break;
          case 'open':
            file = await open(op.path, 'r');
            break;
          case 'fstat':
            result = await file!.stat({ bigint: true });
            break;
          case 'read':
            result = (await file!.read(op.buffer, op.from, op.to - op.from, op.from)).bytesRead;
            break;
          case 'close':
            if (file !== null) await file.close();
            file = null;
            break;
        }
      } catch (e) {
        step = plan.throw(e);
        continue;
      }
      step = plan.next(result);
    }
    return step.value;
  } finally {
    if (file !== null) await file.close();
  }
}

/** Typed result helpers for plans. */
export const asStats = (x: unknown): BigIntStats => x as BigIntStats;
export const asString = (x: unknown): string => x as string;
export const asCount = (x: unknown): number => x as number;
