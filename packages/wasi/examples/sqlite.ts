/**
 * pnpm example:sqlite [--runtime wasi|native] "SQL" ... — runs each argument as SQL in the
 * SQLite built by `pnpm fixtures` (tooling/fixtures/wasm/sqlite) and prints its rows, one per
 * line (columns joined by '|'). The extensions (libseries.so, libregexp.so, libstats.so) sit
 * beside it under their library names: `SELECT load_extension('libseries.so')` finds them.
 * `--runtime wasi` (default): the wasi-libc main under node:wasi, dlopen by @dl/wasi;
 * `--runtime native`: gcc's build of the same sources (the ground truth).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { sqliteDir, sqliteNativeDir, sqliteWasiMain } from '@dl/fixtures/sqlite';

const args = process.argv.slice(2);
let runtime = 'wasi';
const at = args.indexOf('--runtime');
if (at >= 0) {
  runtime = args[at + 1] ?? '';
  args.splice(at, 2);
}
if (runtime !== 'wasi' && runtime !== 'native') {
  console.error(`example:sqlite: unknown runtime '${runtime}' (wasi or native; the Emscripten build is not done yet)`);
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
// node:wasi warns that it is experimental on first use; this command prints SQLite's rows only.
process.removeAllListeners('warning');
const { runWasiNode } = await import('@dl/wasi/node');
const { exitCode } = runWasiNode({ main: sqliteWasiMain, args: ['sqlite', ...args], cwd: sqliteDir, searchPath: [sqliteDir] });
process.exit(exitCode);
