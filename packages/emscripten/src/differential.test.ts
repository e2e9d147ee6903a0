// The differential matrix in node: every variant of @dl/fixtures/emsuite-matrix (hand-written
// programs and generated library shapes × -O0/-O2 × MAIN_MODULE=1/2 × file system × way of
// loading, pruned by its rules), run with Emscripten 3.1.6's own loader (stock) and with this
// package (its --js-library). Wherever stock is correct the facade must be indistinguishable from
// it; where stock is not (stockFailures, asserted) the facade must be correct. The counts go to
// .ci/artifacts/emsuite-table.md.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { emsuiteGate, runEmsuiteMain } from '@dl/fixtures/emsuite';
import type { EmsuiteRun } from '@dl/fixtures/emsuite';
import { combineGates, gateFor } from '@dl/fixtures/gate';
import { matrixCoordinates, matrixVariants, pruneRules } from '@dl/fixtures/emsuite-matrix';
import type { MatrixVariant } from '@dl/fixtures/emsuite-matrix';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { count, judge, normalStderr, table, withoutAssertionLog } from './differential-matrix.harness.js';
import type { Judged } from './differential-matrix.harness.js';
import {
  facadeExpected,
  facadeGaps,
  shapeExpected,
  stockFailureOf,
  stockFailures,
} from './differential-tables.harness.js';

const TABLE = fileURLToPath(new URL('../../../.ci/artifacts/emsuite-table.md', import.meta.url));
const variants = matrixVariants();

/** The run, for a failure message. */
const shown = (run: EmsuiteRun): string =>
  `status ${String(run.status)}${run.timedOut ? ' (timed out)' : ''}\n--- stdout\n${run.stdout}--- stderr\n${run.stderr}`;

// Its outputs come from pnpm fixtures (not committed): skipped without them, failing when CI is set.
const matrixMissing = variants.flatMap((v) => [v.stock, v.dl]).filter((f) => !existsSync(f));
const gate = combineGates([
  emsuiteGate(),
  gateFor(
    matrixMissing,
    `the differential matrix is built only in part (${matrixMissing.length} mains missing, e.g. ${matrixMissing[0] ?? ''}): run pnpm fixtures`,
  ),
]);
if (gate.mode === 'skip') console.warn(gate.message);

const judged = new Map<string, Judged>();
const expectedOfFacade = (v: MatrixVariant): string =>
  v.program === undefined
    ? shapeExpected(v.shape ?? '', v.coordinates.way, v.expected.stdout)
    : facadeExpected(v.program.name, v.coordinates.mm, v.expected.stdout);

describe
  .skipIf(gate.mode === 'skip')
  .concurrent('the differential matrix in node: Emscripten 3.1.6 stock vs @dl/emscripten', () => {
    beforeEach(() => {
      if (gate.mode === 'fail') throw new Error(gate.message);
    });

    it.each(variants)('$id', async (v) => {
      const base = { cwd: v.cwd, module: v.module, args: v.args };
      // Each run's limit is the matrix's data (runLimits: MAIN_MODULE=1 pthreads programs need more).
      const limit = { timeoutMs: v.timeoutMs };
      const [stock, facade] = await Promise.all([
        runEmsuiteMain({ ...base, main: v.stock, linker: 'stock' }, limit),
        runEmsuiteMain({ ...base, main: v.dl, linker: 'dl' }, limit),
      ]);
      const want = expectedOfFacade(v);
      const j = judge(v, stock, facade, want);
      judged.set(v.id, j);

      const failure = stockFailureOf(v.coordinates, v.shape);
      if (failure === undefined) {
        // Wherever Emscripten works, the facade is indistinguishable from it.
        expect(j.stockCorrect, `stock is not in the stock-failure table but is not correct:\n${shown(stock)}`).toBe(
          true,
        );
        const seen = (r: EmsuiteRun): unknown => ({
          stdout: r.stdout,
          status: r.status,
          stderr: v.expected.stderr?.test(r.stderr) ?? normalStderr(r.stderr),
        });
        expect(seen(facade), `facade:\n${shown(facade)}\nstock:\n${shown(stock)}`).toEqual(seen(stock));
      } else {
        expect(j.stockCorrect, `stock now works; drop its row from the table (${failure.what})`).toBe(false);
        expect(stock.status, shown(stock)).toBe(failure.status);
        if (failure.stdout !== undefined) expect(stock.stdout, shown(stock)).toMatch(failure.stdout);
        if (failure.stderr !== undefined) expect(stock.stderr, shown(stock)).toMatch(failure.stderr);
        // Where the program marks what may differ, the rest is Emscripten's, line for line.
        if (failure.sameExcept !== undefined) {
          const rest = (text: string): string[] => text.split('\n').filter((l) => !failure.sameExcept!.test(l));
          expect(rest(facade.stdout), `facade:\n${shown(facade)}\nstock:\n${shown(stock)}`).toEqual(rest(stock.stdout));
        }
        // Where Emscripten fails, the facade prints what a correct dynamic linker prints, cleanly.
        expect(facade.stdout, shown(facade)).toBe(want);
        expect(facade.status, shown(facade)).toBe(v.expected.status);
        // At -O0 (-sASSERTIONS) Emscripten logs every failed dlopen on stderr: so does the facade.
        if (v.expected.stderr === undefined) expect(withoutAssertionLog(v, facade.stderr), shown(facade)).toBe('');
        else expect(facade.stderr, shown(facade)).toMatch(v.expected.stderr);
      }
    });
  });

describe.skipIf(gate.mode === 'skip')('the differential matrix: its table', () => {
  afterAll(() => {
    // Written whatever the assertions say, so a failing run leaves its table behind.
    if (judged.size === 0) return;
    const rows = variants.flatMap((v) => judged.get(v.id) ?? []);
    const header = `${rows.length} of ${variants.length} variants run (${matrixCoordinates().length} coordinates × their shapes, each built stock and facade); pruning rules: ${pruneRules.map((r) => r.id).join(', ')}`;
    mkdirSync(dirname(TABLE), { recursive: true });
    writeFileSync(TABLE, table(rows, header));
  });

  it('counts every variant: stock correct except the listed stock failures, the facade failing none', () => {
    if (gate.mode === 'fail') throw new Error(gate.message);
    // Run alone (vitest -t) the variants have not run: nothing to count.
    if (judged.size !== variants.length) return;
    const rows = variants.map((v) => judged.get(v.id)!);
    const listed = variants.filter((v) => stockFailureOf(v.coordinates, v.shape) !== undefined).length;
    const c = count(rows);
    expect(c.variants).toBe(variants.length);
    expect(c.stock).toBe(variants.length - listed);
    expect(rows.filter((r) => !r.facadePasses).map((r) => r.variant.id)).toEqual([]);
  });

  it('names only programs and axes that exist in its tables', () => {
    const programs = new Set(matrixCoordinates().map((c) => c.program));
    for (const f of stockFailures) for (const p of f.match.program ?? []) expect(programs.has(p), p).toBe(true);
    for (const f of stockFailures)
      expect(
        variants.some((v) => stockFailureOf(v.coordinates, v.shape) === f),
        f.what,
      ).toBe(true);
    for (const g of facadeGaps) expect(programs.has(g.program), g.program).toBe(true);
  });
});
