// startup: one fresh process of the startup suite, `node runners/startup.mjs MODE FIXTURE [ENTRY]`.
// Imports nothing of the bench (common.mjs would load code before the timed import); prints one
// JSON line. The fixture's bytes are read before any timer: every figure is the packages' or the
// engine's work, not the disk's.
// - linker: `await import(@dl/linker)` → importMs; `createLinkerSync()` (the default JS host
//   program) → createMs; the process's first `dlopenSync({ name, bytes }, RTLD.NOW)` → dlopenMs
//   (compile, place, bind, relocate, construct); checksum = the library's `need_a_check()`.
// - emscripten: `await import(@dl/emscripten)` → importMs.
// - follow: `await import(@dl/linker/follow)` (what a following worker imports) → importMs.
// - bare: the process's first `new WebAssembly.Module` + `new WebAssembly.Instance` of the same
//   bytes, with a memory and the globals it imports (no relocations, no constructors) → totalMs.
// ENTRY (optional) replaces the built entry (packages/<pkg>/dist/index.js), e.g. to time an older build.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { pathToFileURL } from 'node:url';

const [mode, fixture, entryArg] = process.argv.slice(2);
if (fixture === undefined || !['linker', 'emscripten', 'follow', 'bare'].includes(mode ?? '')) {
  process.stderr.write('usage: node runners/startup.mjs linker|emscripten|follow|bare FIXTURE.so [ENTRY.js]\n');
  process.exit(2);
}
const bytes = readFileSync(fixture);
const entry = (pkg, name = 'index') =>
  entryArg === undefined
    ? new URL(`../../../packages/${pkg}/dist/${name}.js`, import.meta.url).href
    : pathToFileURL(entryArg).href;
const round = (x) => Math.round(x * 1000) / 1000;

if (mode === 'bare') {
  const t0 = performance.now();
  const module = new WebAssembly.Module(bytes);
  const memory = new WebAssembly.Memory({ initial: 2 });
  const env = { memory };
  const got = {};
  for (const { module: from, name, kind } of WebAssembly.Module.imports(module)) {
    if (from === 'env' && kind === 'global') env[name] = new WebAssembly.Global({ value: 'i32' }, 1024);
    else if (from === 'GOT.mem') got[name] = new WebAssembly.Global({ value: 'i32', mutable: true }, 0);
    else if (from === 'env' && kind === 'function') env[name] = () => 0;
  }
  const instance = new WebAssembly.Instance(module, { env, 'GOT.mem': got });
  const totalMs = performance.now() - t0;
  console.log(JSON.stringify({ totalMs: round(totalMs), checksum: Object.keys(instance.exports).length }));
} else if (mode === 'emscripten' || mode === 'follow') {
  const t0 = performance.now();
  const dl = await import(mode === 'emscripten' ? entry('emscripten') : entry('linker', 'follow'));
  const importMs = performance.now() - t0;
  console.log(
    JSON.stringify({ totalMs: round(importMs), importMs: round(importMs), checksum: Object.keys(dl).length }),
  );
} else {
  const t0 = performance.now();
  const { createLinkerSync, RTLD } = await import(entry('linker'));
  const t1 = performance.now();
  const linker = createLinkerSync();
  const t2 = performance.now();
  const handle = linker.dlopenSync({ name: basename(fixture), bytes }, RTLD.NOW);
  const t3 = performance.now();
  const check = linker.dlsym(handle, 'need_a_check');
  console.log(
    JSON.stringify({
      totalMs: round(t3 - t0),
      importMs: round(t1 - t0),
      createMs: round(t2 - t1),
      dlopenMs: round(t3 - t2),
      checksum: check.kind === 'function' ? Number(check.func()) : null,
    }),
  );
}
