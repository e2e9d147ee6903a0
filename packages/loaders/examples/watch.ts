import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLinker } from '@dl/linker';
import type { DlError } from '@dl/linker';
import { clangSideModule, watchLibrary } from '@dl/loaders/node';
import type { WatchReload } from '@dl/loaders/node';

// A plugin written in C (here in a scratch directory; in a project, your source file).
const dir = mkdtempSync(join(tmpdir(), 'dl-watch-'));
const source = join(dir, 'greet.c');
const output = join(dir, 'libgreet.so');
const save = (body: string): void => {
  writeFileSync(source, `int greet(int x) { ${body} }\n`);
};
const build = clangSideModule({ sources: [source], output }); // clang-16 + wasm-ld-16
save('return x * 2;');
for (const [program, ...args] of build) execFileSync(program, args);

// The running program: the plugin opened reloadable (callers bind through the PLT).
const linker = await createLinker();
const plugin = await linker.dlopen(
  { name: 'libgreet.so', bytes: readFileSync(output) },
  { binding: 'now', scope: 'global', reloadable: true },
);
const greet = (x: number): number => {
  const s = linker.dlsym(plugin, 'greet'); // looked up again after each reload
  return s.kind === 'function' ? (s.func as (x: number) => number)(x) : NaN;
};
console.log(`running:             greet(21) = ${greet(21)}`);

// Every save of greet.c rebuilds libgreet.so and swaps it into the running program.
let next: (e: WatchReload | DlError) => void = () => undefined;
const event = (): Promise<WatchReload | DlError> => new Promise((done) => (next = done));
const watcher = watchLibrary(linker, plugin, {
  files: [source],
  build,
  output,
  onReload: (r) => {
    next(r);
  },
  onError: (e) => {
    next(e);
  },
});

let happened = event();
save('return x * 3;'); // you edit the file in your editor
await happened;
console.log(`after an edit:       greet(21) = ${greet(21)}`);

happened = event();
save('return x * oops;'); // a mistake: the compiler's error, and the old build keeps running
const error = (await happened) as DlError;
console.log(`${error.code}:     ${/error: .*/.exec(error.message)?.[0] ?? ''}`);
console.log(`still running:       greet(21) = ${greet(21)}`);

await watcher.close();
rmSync(dir, { recursive: true });
