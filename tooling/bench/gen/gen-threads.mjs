// Generates the C sources of the threads suite's set N: gen-set.mjs's module i (a dependency
// chain: 10 GOT.mem imports + data relocations, a GOT.func pointer, an env call into module
// i-1, the host's bench_host_add / bench_host_data) plus a thread-local and two functions:
//   _Thread_local int bm<i>_t = <i % 89 + 1>;   (.tdata: every thread's block starts there)
//   int bm<i>_tls(int x)    adds x to this thread's bm<i>_t and returns it
//   int *bm<i>_tls_addr()   this thread's &bm<i>_t
// Built with clang-16 for shared memory (gen/build.sh threads N). The output is a pure
// function of N.
// usage: node gen/gen-threads.mjs N OUT_DIR   → OUT_DIR/src/bm_<i>.c and OUT_DIR/expected.json
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { checkValue, expectedChecksum, HOST_DATA, moduleSource } from './gen-set.mjs';

/** Bump when the generated C changes. */
export const THREADS_GEN_VERSION = 1;

/** The initial value of bm<i>_t on every thread. */
export const tlsInitial = (i) => (i % 89) + 1;

/** The C source of module i: the linker set's module plus its thread-local. */
export function threadModuleSource(i) {
  return [
    moduleSource(i),
    `_Thread_local int bm${i}_t = ${tlsInitial(i)};`,
    `int bm${i}_tls(int x) { bm${i}_t += x; return bm${i}_t; }`,
    `int *bm${i}_tls_addr(void) { return &bm${i}_t; }`,
    '',
  ].join('\n');
}

/** Writes set N's sources and expected.json (checksum of bm<i>_check, each check, each thread-local's start). */
export function writeThreadSet(n, dir) {
  mkdirSync(join(dir, 'src'), { recursive: true });
  for (let i = 0; i < n; i++) writeFileSync(join(dir, 'src', `bm_${i}.c`), threadModuleSource(i));
  const expected = {
    n,
    checksum: expectedChecksum(n),
    hostData: HOST_DATA,
    genVersion: THREADS_GEN_VERSION,
    checks: Array.from({ length: n }, (_, i) => checkValue(i)),
    tls: Array.from({ length: n }, (_, i) => tlsInitial(i)),
  };
  writeFileSync(join(dir, 'expected.json'), `${JSON.stringify(expected)}\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const [nArg, dir] = process.argv.slice(2);
  const n = Number(nArg);
  if (!Number.isInteger(n) || n < 1 || dir === undefined) {
    console.error('usage: node gen/gen-threads.mjs N OUT_DIR');
    process.exit(2);
  }
  writeThreadSet(n, dir);
}
