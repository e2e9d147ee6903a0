// Shared by the linker benchmark's runners: each runner is one fresh plain-node process
// (`node runners/<name>.mjs MANIFEST`) that loads one set and prints one JSON line
// {"totalMs", "compileMs", "instantiateMs", "checksum"}. The manifest (written by the suite,
// src/linker.ts) is {"set", "kind": "bm" | "grammars", "modules": [{"path", "name", "symbol"}],
// "expected": number | null}.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Imports a BUILT workspace package (packages/NAME/dist), or exits with a clear message. */
export async function importDist(name) {
  const entry = `${ROOT}packages/${name}/dist/index.js`;
  if (!existsSync(entry)) fail(`${entry} is missing: the benchmark measures the built packages; run \`pnpm build\` first`, 3);
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

/**
 * Wraps WebAssembly.Module/Instance/compile/instantiate to account the wall time spent
 * compiling and instantiating (overlapping async calls count once: parallel compiles give
 * their wall time, not their sum). Call before anything is compiled.
 */
export function instrument() {
  const compile = { active: 0, since: 0, ms: 0 };
  const instantiate = { active: 0, since: 0, ms: 0 };
  const enter = (a) => { if (a.active++ === 0) a.since = performance.now(); };
  const leave = (a) => { if (--a.active === 0) a.ms += performance.now() - a.since; };
  const W = WebAssembly;
  const ctor = (C, a) => new Proxy(C, {
    construct(target, args, newTarget) {
      enter(a);
      try { return Reflect.construct(target, args, newTarget); } finally { leave(a); }
    },
  });
  const asyncCompile = W.compile;
  const asyncInstantiate = W.instantiate;
  const OriginalModule = W.Module;
  W.Module = ctor(W.Module, compile);
  W.Instance = ctor(W.Instance, instantiate);
  W.compile = (bytes) => { enter(compile); return asyncCompile.call(W, bytes).finally(() => { leave(compile); }); };
  W.instantiate = (source, imports) => {
    const a = source instanceof OriginalModule ? instantiate : compile;
    enter(a);
    return asyncInstantiate.call(W, source, imports).finally(() => { leave(a); });
  };
  return { get compileMs() { return compile.ms; }, get instantiateMs() { return instantiate.ms; } };
}

/** Prints the runner's JSON line; exits 1 when the checksum differs from the expected one. */
export function report(m, timing, checksum) {
  const line = { totalMs: round(timing.totalMs), compileMs: round(timing.compileMs), instantiateMs: round(timing.instantiateMs), checksum };
  if (timing.phases !== undefined) line.phases = Object.fromEntries(Object.entries(timing.phases).map(([k, v]) => [k, round(v)]));
  console.log(JSON.stringify(line));
  if (m.expected !== null && checksum !== null && checksum !== m.expected) fail(`checksum ${checksum}, expected ${m.expected} (set ${m.set})`);
}

/** Sums the per-phase times of @dl/linker's `done` events (resolve, check, compile, instantiate, bind, init). */
export function phaseListener() {
  const ms = {};
  const onEvent = (e) => {
    if (e.type === 'done') for (const [k, v] of Object.entries(e.phases)) ms[k] = (ms[k] ?? 0) + v;
  };
  return { ms, onEvent };
}

const round = (ms) => Math.round(ms * 1000) / 1000;

/** Reads an unsigned LEB128 at `p`: [value, next position]. */
function leb(bytes, p) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const b = bytes[p++];
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (b < 0x80) return [value, p];
  }
}

/** MEM_INFO of a compiled side module's dylink.0 section: { memorySize, memoryAlign, tableSize, tableAlign }. */
export function memInfo(module) {
  const [section] = WebAssembly.Module.customSections(module, 'dylink.0');
  const info = { memorySize: 0, memoryAlign: 0, tableSize: 0, tableAlign: 0 };
  if (section === undefined) return info;
  const bytes = new Uint8Array(section);
  for (let p = 0; p < bytes.length;) {
    const type = bytes[p];
    const [size, start] = leb(bytes, p + 1);
    if (type === 1) {
      let q = start;
      [info.memorySize, q] = leb(bytes, q);
      [info.memoryAlign, q] = leb(bytes, q);
      [info.tableSize, q] = leb(bytes, q);
      [info.tableAlign] = leb(bytes, q);
      return info;
    }
    p = start + size;
  }
  return info;
}
