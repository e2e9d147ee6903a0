import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runWasiNode } from '@dl/wasi/node';

// The sample program and side modules @dl/wasi ships (clang-16 + wasi-libc; see "Building a main").
const samples = dirname(fileURLToPath(import.meta.resolve('@dl/wasi/samples/dl_main.wasm')));
const stdout = join(mkdtempSync(join(tmpdir(), 'dl-wasi-')), 'stdout.txt');
const fd = openSync(stdout, 'w');

// dl_main.wasm is a wasi-libc program (clang-16) whose C code calls dlopen, dlsym, dlclose and
// dlerror; libraries are found on the file system, in these directories.
const { exitCode, linker } = runWasiNode({
  main: join(samples, 'dl_main.wasm'),
  searchPath: [samples],
  stdout: fd,
});
closeSync(fd);

const lines = readFileSync(stdout, 'utf8').split('\n');
console.log(lines.filter((l) => /^(chain|global: dlopen|libc)/.test(l)).join('\n'));
console.log('exit', exitCode, 'libraries', linker.graph().libraries.map((l) => l.name).join(' '));
