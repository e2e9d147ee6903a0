/**
 * pnpm example:sqlite [--runtime wasi|emscripten|native] "SQL" ... — runs each argument as SQL in the
 * SQLite built by `pnpm fixtures` (tooling/fixtures/wasm/sqlite) and prints its rows, one per
 * line (columns joined by '|'). The extensions (libseries.so, libregexp.so, libstats.so) sit
 * beside it under their library names: `SELECT load_extension('libseries.so')` finds them.
 * `--runtime wasi` (default): the wasi-libc main under node:wasi, dlopen by @dl/wasi;
 * `--runtime emscripten`: the Emscripten 3.1.6 MAIN_MODULE build linked with @dl/emscripten's
 * --js-library (needs `pnpm build` for the package's CommonJS build);
 * `--runtime native`: gcc's build of the same sources (the ground truth).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runEmscriptenSqlite, sqliteDir, sqliteNativeDir, sqliteWasiMain } from '@dl/fixtures/sqlite';

const args = process.argv.slice(2);
let runtime = 'wasi';
const at = args.indexOf('--runtime');
if (at >= 0) {
  runtime = args[at + 1] ?? '';
  args.splice(at, 2);
}
if (runtime !== 'wasi' && runtime !== 'emscripten' && runtime !== 'native') {
  console.error(`example:sqlite: unknown runtime '${runtime}' (wasi, emscripten or native)`);
  process.exit(2);
}
if (!existsSync(sqliteWasiMain)) {
  console.error(`example:sqlite: ${sqliteWasiMain} is not built: run pnpm fixtures`);
  process.exit(2);
}
if (runtime === 'native') {
  const r = spawnSync(join(sqliteNativeDir, 'sqlite'), args, { cwd: sqliteNativeDir, stdio: 'inherit', env: { ...process.env, LD_LIBRARY_PATH: sqliteNativeDir } });
  process.exit(r.status ?? 1);
}
if (runtime === 'emscripten') {
  const r = runEmscriptenSqlite(args);
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
  process.exit(r.status);
}
// node:wasi warns that it is experimental on first use; this command prints SQLite's rows only.
process.removeAllListeners('warning');
const { runWasiNode } = await import('@dl/wasi/node');
const { exitCode } = runWasiNode({ main: sqliteWasiMain, args: ['sqlite', ...args], cwd: sqliteDir, searchPath: [sqliteDir] });
process.exit(exitCode);
