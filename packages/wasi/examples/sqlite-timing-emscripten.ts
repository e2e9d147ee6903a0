/**
 * The Emscripten half of ./sqlite-timing.ts (not a test): the same three `load_extension` calls
 * into Emscripten 3.1.6's SQLite (`emcc/sqlite-dl.js`, MAIN_MODULE=1, its dlopen is
 * `@dl/emscripten`'s as `Module.dl`), each run a fresh instance of the main (compiled once, as
 * the WASI half does), against the floor of compiling and instantiating the same three emcc
 * side modules with stub imports. The glue is evaluated as a function body with a `Module`
 * parameter, as tooling/fixtures/scripts/emsuite-run.cjs does (a require()d glue ignores it).
 */
import * as fs from 'node:fs';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { emscriptenDist } from '@dl/fixtures/emsuite';
import { sqliteEmccDir, sqliteExtensions } from '@dl/fixtures/sqlite';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Milliseconds to read, compile and instantiate the side modules at `paths` with stub imports. */
export function floorMs(paths: readonly string[]): number {
  const t0 = performance.now();
  for (const path of paths) {
    const m = new WebAssembly.Module(readFileSync(path));
    const imports: Record<string, Record<string, WebAssembly.ImportValue>> = {};
    for (const imp of WebAssembly.Module.imports(m)) {
      const value: WebAssembly.ImportValue = imp.kind === 'function' ? (): number => 0
        : imp.kind === 'memory' ? new WebAssembly.Memory({ initial: 16 })
          : imp.kind === 'table' ? new WebAssembly.Table({ initial: 1024, element: 'anyfunc' })
            : new WebAssembly.Global({ value: 'i32', mutable: imp.name === '__stack_pointer' || imp.module.startsWith('GOT.') }, 0);
      (imports[imp.module] ??= {})[imp.name] = value;
    }
    new WebAssembly.Instance(m, imports);
  }
  return performance.now() - t0;
}

type Glue = (module: object, req: NodeJS.Require, dirname: string, filename: string, mod: { exports: object }, exports: object) => void;

const glueFile = join(sqliteEmccDir, 'sqlite-dl.js');
const require = createRequire(import.meta.url);
/**
 * The `fs` the glue gets: NODERAWFS writes the program's stdout straight to fd 1 (dropped here:
 * the rows are not the point) and closes fds 0–2 when the runtime exits (kept open here, for
 * the next run in this process).
 */
const glueFs: typeof fs = {
  ...fs,
  writeSync: ((fd: number, ...rest: unknown[]): number => {
    if (fd !== 1) return (fs.writeSync as (fd: number, ...a: unknown[]) => number)(fd, ...rest);
    const [data, offset, length] = rest as [Uint8Array | string, number | undefined, number | undefined];
    return typeof data === 'string' ? Buffer.byteLength(data) : length ?? data.byteLength - (offset ?? 0);
  }),
  closeSync: (fd: number): void => { if (fd > 2) fs.closeSync(fd); },
};
const glueRequire = Object.assign((id: string): unknown => (id === 'fs' || id === 'node:fs' ? glueFs : require(id)), require) as NodeJS.Require;

/** One run of the Emscripten SQLite on the statements: wall time and the time @dl's loads took ('done' events). */
function runOnce(glue: Glue, main: WebAssembly.Module, dl: unknown, statements: readonly string[]): Promise<{ ms: number; linkMs: number; loads: number }> {
  let linkMs = 0, loads = 0;
  const stderr: string[] = [];
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const Module = {
      dl,
      dlOptions: { onEvent: (e: { type: string; ms?: number }): void => { if (e.type === 'done') { linkMs += e.ms ?? 0; loads++; } } },
      arguments: [...statements],
      print: (): void => undefined,
      printErr: (t: string): void => { stderr.push(t); },
      instantiateWasm: (imports: WebAssembly.Imports, done: (i: WebAssembly.Instance, m: WebAssembly.Module) => void): object => {
        WebAssembly.instantiate(main, imports).then((i) => { done(i, main); }, reject);
        return {};
      },
      onExit: (code: number): void => {
        if (code === 0 && stderr.length === 0) resolve({ ms: performance.now() - t0, linkMs, loads });
        else reject(new Error(`sqlite-dl.js exited ${String(code)}: ${stderr.join('\n')}`));
      },
      quit: (_status: number, toThrow: unknown): never => { throw toThrow; },
    };
    const mod = { exports: {} };
    glue(Module, glueRequire, sqliteEmccDir, glueFile, mod, mod.exports);
  });
}

/** Prints the Emscripten route's medians over `n` runs, formatting milliseconds with `f`. */
export async function timeEmscripten(n: number, f: (ms: number) => string): Promise<void> {
  // eslint-disable-next-line no-new-func, @typescript-eslint/no-implied-eval -- Emscripten's generated glue, run as emsuite-run.cjs runs it
  const glue = new Function('Module', 'require', '__dirname', '__filename', 'module', 'exports', readFileSync(glueFile, 'utf8')) as Glue;
  const main = new WebAssembly.Module(readFileSync(join(sqliteEmccDir, 'sqlite-dl.wasm')));
  const dl: unknown = require(emscriptenDist);
  const paths = sqliteExtensions.map((e) => join(sqliteEmccDir, `lib${e}.so`));
  const load = paths.map((p) => `SELECT load_extension('${p}');`);
  const base: number[] = [], one: number[] = [], withExt: number[] = [], link: number[] = [], floor: number[] = [];
  await runOnce(glue, main, dl, ['SELECT 1;']); await runOnce(glue, main, dl, [...load, 'SELECT 1;']);  // warm up
  for (let i = 0; i < n; i++) {
    base.push((await runOnce(glue, main, dl, ['SELECT 1;'])).ms);
    one.push((await runOnce(glue, main, dl, [load[0]!, 'SELECT 1;'])).ms);
    const r = await runOnce(glue, main, dl, [...load, 'SELECT 1;']);
    if (r.loads !== paths.length) throw new Error(`expected ${String(paths.length)} loads, saw ${String(r.loads)}`);
    withExt.push(r.ms);
    link.push(r.linkMs);
    floor.push(floorMs(paths));
  }
  console.log('Emscripten 3.1.6 route (sqlite-dl.js, Module.dl = @dl/emscripten):');
  console.log(`SQLite run, no extension:                ${f(median(base))}`);
  console.log(`SQLite run, 1 × load_extension:          ${f(median(one))}  (+${f(median(one) - median(base))})`);
  console.log(`SQLite run, 3 × load_extension:          ${f(median(withExt))}  (+${f(median(withExt) - median(base))})`);
  console.log(`  of which @dl's three loads (done.ms):   ${f(median(link))}`);
  console.log(`floor: read+compile+instantiate the 3:   ${f(median(floor))}`);
}
