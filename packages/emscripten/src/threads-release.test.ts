// A worker's blocks go back to the linker when Emscripten 3.1.6 terminates the worker: the
// differential suite's thr_churn (50 pthreads on a pool of one worker, 10 of its workers killed
// with pthread_kill and replaced), run with this package, reporting the linker's live memory
// reservations after every round and at exit (emsuite-run's --report).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emsuiteDir, emsuiteSourceDir, runEmsuiteMain } from '@dl/fixtures/emsuite';
import { mainPath } from '@dl/fixtures/emsuite-matrix';
import { ciIsSet } from '@dl/fixtures/gate';
import type { Opt } from '@dl/fixtures/emsuite-matrix';
import { describe, expect, it } from 'vitest';

interface Report {
  readonly label: number | 'exit';
  readonly reservations: readonly { readonly owner: string; readonly size: number }[];
}

const ROUNDS = 50;
const mainOf = (opt: Opt): { cwd: string; main: string } => {
  const p = mainPath({ program: 'thr_churn', way: 'own', opt, mm: 2, fs: 'rawfs', reads: 'threads' }, 'dl');
  return { cwd: join(emsuiteDir, p.dir), main: join(emsuiteDir, p.dir, p.file) };
};
const built = (['O0', 'O2'] as const).every((opt) => existsSync(mainOf(opt).main));
const mustRun = ciIsSet();
if (!built && !mustRun) console.warn('thr_churn is not built (pnpm fixtures): skipping');

/** Reservations made for workers (the follower's stack and each library's TLS block per worker). */
const forWorkers = (r: Report): Report['reservations'] =>
  r.reservations.filter((x) => x.owner === 'thread stack' || x.owner.endsWith(' TLS (thread)'));
const bytes = (r: Report): number => r.reservations.reduce((n, x) => n + x.size, 0);

describe.skipIf(!built && !mustRun).concurrent('a terminated worker gives its blocks back (thr_churn, 3.1.6)', () => {
  it.each(['O0', 'O2'] as const)(
    '-%s: 50 pthreads, 10 workers killed and replaced: the linker holds no more',
    async (opt) => {
      const dir = mkdtempSync(join(tmpdir(), 'dl-churn-'));
      try {
        const file = join(dir, 'report.jsonl');
        const run = await runEmsuiteMain({ ...mainOf(opt), linker: 'dl' }, { report: file, timeoutMs: 60_000 });
        expect(run.stdout, run.stderr).toBe(readFileSync(join(emsuiteSourceDir, 'thr_churn', 'expected.txt'), 'utf8'));
        expect(run.status).toBe(0);
        const reports = readFileSync(file, 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as Report);
        expect(reports.map((r) => r.label)).toEqual([...Array.from({ length: ROUNDS }, (_, i) => i), 'exit']);
        const rounds = reports.slice(0, ROUNDS);
        for (const r of rounds) {
          const killed = (r.label as number) % 5 === 4;
          // One worker alive after a joined round (its stack and libtls.so's block), none after a kill.
          expect(
            forWorkers(r).map((x) => x.owner),
            `round ${String(r.label)}`,
          ).toEqual(killed ? [] : ['thread stack', 'libtls.so TLS (thread)']);
        }
        // Rounds alike hold alike: the 10th kill leaves what the first left, the last joined round what the first did.
        expect(bytes(rounds[49]!)).toBe(bytes(rounds[4]!));
        expect(bytes(rounds[48]!)).toBe(bytes(rounds[0]!));
        expect(Math.max(...rounds.map(bytes))).toBe(bytes(rounds[0]!));
        // At exit terminateAllThreads ended the last worker.
        expect(forWorkers(reports[ROUNDS]!)).toEqual([]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
