/**
 * Timings for the closing note of issue 14 (not a test): opening the three extensions into the
 * WASI SQLite — `load_extension` from SQL, so SQLite → dlopen → @dl — against the bare floor of
 * compiling and instantiating the same three modules (with stub imports). Median of N runs,
 * each in a fresh instance of the main; the module cache is off so every load compiles.
 * Then the same for the Emscripten 3.1.6 route (`emcc/sqlite-dl.js`, its dlopen is
 * `@dl/emscripten`'s `Module.dl`, from the package's CommonJS build: run `pnpm build` first) and
 * its own three extensions (see ./sqlite-timing-emscripten.ts).
 * Usage: pnpm exec tsx --conditions=@dl/source packages/wasi/examples/sqlite-timing.ts [N]
 */
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sqliteDir, sqliteExtensions, sqliteWasiMain } from '@dl/fixtures/sqlite';
import { fsLoader } from '@dl/loaders/node';
import { floorMs, timeEmscripten } from './sqlite-timing-emscripten.js';

process.removeAllListeners('warning');
const { runWasiNode } = await import('@dl/wasi/node');
const n = Number(process.argv[2] ?? 15);
const main = new WebAssembly.Module(readFileSync(sqliteWasiMain));
const devnull = openSync('/dev/null', 'w');
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function run(statements: string[]): { ms: number; linkMs: number } {
  let linkMs = 0;
  const loader = fsLoader({ cwd: sqliteDir, searchPath: [sqliteDir], cache: null });
  const t0 = performance.now();
  runWasiNode({ main, args: ['sqlite', ...statements], loader, stdout: devnull, linker: { onEvent: (e) => { if (e.type === 'done') linkMs += e.ms; } } });
  return { ms: performance.now() - t0, linkMs };
}

const load = sqliteExtensions.map((e) => `SELECT load_extension('lib${e}.so');`);
const base: number[] = [], withExt: number[] = [], link: number[] = [], floor: number[] = [];
run(['SELECT 1;']); run([...load, 'SELECT 1;']);  // warm up
for (let i = 0; i < n; i++) {
  base.push(run(['SELECT 1;']).ms);
  const r = run([...load, 'SELECT 1;']);
  withExt.push(r.ms);
  link.push(r.linkMs);
  floor.push(floorMs(sqliteExtensions.map((e) => join(sqliteDir, `lib${e}.so`))));
}
closeSync(devnull);
const f = (x: number): string => `${x.toFixed(2)} ms`;
console.log(`runs: ${String(n)} (median)`);
console.log(`SQLite run, no extension:                ${f(median(base))}`);
console.log(`SQLite run, 3 × load_extension:          ${f(median(withExt))}  (+${f(median(withExt) - median(base))})`);
console.log(`  of which @dl's three loads (done.ms):   ${f(median(link))}`);
console.log(`floor: read+compile+instantiate the 3:   ${f(median(floor))}`);

await timeEmscripten(n, f);
