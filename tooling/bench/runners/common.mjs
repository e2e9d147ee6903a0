// Shared by the node runners of the linker and loaders suites: each runner is one fresh
// plain-node process (`node runners/<name>.mjs MANIFEST`) that loads one set and prints one
// JSON line {"totalMs", "compileMs", "instantiateMs", "checksum", "phases"?}. The manifest
// (written by the suite, src/linker-run.ts) is {"set", "kind": "bm" | "grammars",
// "modules": [{"path", "name", "symbol"}], "expected": number | null}.
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { linkingRun } from './hosts.mjs';
import { rounded, timeRun } from './timing.mjs';

export { instrument, phaseListener } from './timing.mjs';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Imports a BUILT workspace package (packages/NAME/dist/ENTRY.js), or exits with a clear message. */
export async function importDist(name, entryName = 'index') {
  const entry = `${ROOT}packages/${name}/dist/${entryName}.js`;
  if (!existsSync(entry))
    fail(`${entry} is missing: the benchmark measures the built packages; run \`pnpm build\` first`, 3);
  return import(pathToFileURL(entry).href);
}

/** Prints a message and exits (1: a wrong result or a failure; 2: usage; 3: not built). */
export function fail(message, code = 1) {
  process.stderr.write(`${process.argv[1]?.split('/').pop() ?? 'runner'}: ${message}\n`);
  process.exit(code);
}

/** Reads the manifest named on the command line. */
export function manifest() {
  const file = process.argv[2];
  if (file === undefined) fail('usage: node runners/<runner>.mjs MANIFEST.json', 2);
  return JSON.parse(readFileSync(file, 'utf8'));
}

/** Prints the runner's JSON line; exits 1 when the checksum differs from the expected one. */
export function report(m, timing, checksum) {
  console.log(JSON.stringify(rounded({ ...timing, checksum })));
  if (m.expected !== null && checksum !== null && checksum !== m.expected)
    fail(`checksum ${checksum}, expected ${m.expected} (set ${m.set})`);
}

/**
 * What the loader runners ask for: the modules' file names (in order) and the directories a
 * loader searches (the set's directory; the grammars' package directory).
 */
function byName(m) {
  return {
    names: m.modules.map(({ path }) => basename(path)),
    searchPath: [...new Set(m.modules.map(({ path }) => dirname(path)))],
  };
}

/**
 * A loaders-suite runner (node-seq, node-graph, node-warm): the built @dl/linker and
 * @dl/loaders (with `fsLoader`), the manifest's modules by file name. `loader(exports,
 * searchPath)` makes the loader (untimed); with `prime`, one linker loads through it first
 * (untimed); then a fresh linker loads every module in `mode` (hosts.mjs `linkingRun`), timed.
 * Prints the JSON line.
 */
export async function loaderRunner({ mode, loader: make, prime = false }) {
  const dl = await importDist('linker');
  const fs = { ...(await importDist('loaders')), ...(await importDist('loaders', 'node')) };
  const m = manifest();
  const { names, searchPath } = byName(m);
  const loader = make(fs, searchPath);
  const first = prime ? await linkingRun(dl, m, names, loader, mode) : null;
  await first?.run();
  const result = await timeRun((onEvent) => linkingRun(dl, m, names, loader, mode, onEvent));
  // The grammars have no expected checksum: the second load must agree with the first.
  report({ ...m, expected: m.expected ?? first?.check() ?? null }, result, result.checksum);
}
