import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PlanStore, SyncPlanStore } from '@dl/linker/plans';

/**
 * A link-plan store (`PlanStore` of `@dl/linker`) for node: each plan a file in a directory
 * (named by a hash of its key, written atomically), so the next process replays the link the
 * first one recorded (`linkWithPlan(linker, sources, flags, { store, key })`). Synchronous too
 * (`linkWithPlanSync`).
 *
 * @param directory - where to keep them (created when needed)
 */
export function filePlanStore(directory: string): PlanStore & SyncPlanStore {
  const path = (key: string): string =>
    join(directory, `${createHash('sha256').update(key).digest('hex').slice(0, 32)}.plan`);
  return {
    async get(key) {
      try {
        return new Uint8Array(await readFile(path(key)));
      } catch (e) {
        if ((e as { code?: string }).code === 'ENOENT') return undefined;
        throw e;
      }
    },
    async put(key, bytes) {
      await mkdir(directory, { recursive: true });
      const file = path(key);
      const temporary = `${file}.${process.pid}.tmp`;
      await writeFile(temporary, bytes);
      await rename(temporary, file);
    },
    async delete(key) {
      await rm(path(key), { force: true });
    },
    getSync(key) {
      try {
        return new Uint8Array(readFileSync(path(key)));
      } catch (e) {
        if ((e as { code?: string }).code === 'ENOENT') return undefined;
        throw e;
      }
    },
    putSync(key, bytes) {
      mkdirSync(directory, { recursive: true });
      const file = path(key);
      const temporary = `${file}.${process.pid}.tmp`;
      writeFileSync(temporary, bytes);
      renameSync(temporary, file);
    },
    deleteSync(key) {
      rmSync(path(key), { force: true });
    },
  };
}
