/**
 * pnpm demo: links a real main program and its side modules (the clang-built fixtures
 * shipped in tooling/fixtures), calls across them, and says what happened in plain words.
 */
import { readFileSync } from 'node:fs';
import { createLinker, RTLD, RTLD_DEFAULT } from '@dl/linker';
import type { Handle, Linker, LinkerEvent, Loader } from '@dl/linker';

const dir = new URL('../../../tooling/fixtures/wasm/clang16/', import.meta.url);
const hex = (n: number): string => `0x${n.toString(16)}`;

/** A loader over the fixture directory (the real file-system loader arrives with @dl/loaders). */
const loader: Loader = {
  loadSync: ({ name }) => ({ key: name, name, bytes: readFileSync(new URL(name, dir)) }),
  load: ({ name }) => Promise.resolve({ key: name, name, bytes: readFileSync(new URL(name, dir)) }),
};

function narrate(e: LinkerEvent): void {
  switch (e.type) {
    case 'resolve':
      console.log(`  found ${e.library} (${e.bytes} bytes)${e.neededBy === null ? '' : `, needed by ${e.neededBy}`}`);
      break;
    case 'instantiate':
      console.log(`  placed ${e.library}: data at ${hex(e.memoryBase)} (${e.memorySize} bytes)${e.tableSize > 0 ? `, table slots ${e.tableBase}..${e.tableBase + e.tableSize - 1}` : ''}`);
      break;
    case 'done':
      console.log(`  done: ${e.libraries} librar${e.libraries === 1 ? 'y' : 'ies'} in ${e.ms.toFixed(1)} ms`);
      break;
    case 'failed':
      console.log(`  failed: ${e.message}`);
      break;
    default:
  }
}

function callInt(linker: Linker, where: Handle | typeof RTLD_DEFAULT, name: string, ...args: number[]): number {
  const s = linker.dlsym(where, name);
  if (s.kind !== 'function') throw new Error(`${name} is not a function`);
  return (s.func as (...a: number[]) => number)(...args);
}

console.log('1. Load the main program (a clang -pie main module) with the libraries it NEEDs:');
const linker = await createLinker({
  program: { kind: 'relocatable', module: readFileSync(new URL('main.wasm', dir)) },
  loader,
  onEvent: narrate,
});
console.log(`   main_run() checks calls and pointers between main, libreloc and libfptr: ${callInt(linker, RTLD_DEFAULT, 'main_run') === 0 ? 'all passed' : 'FAILED'}`);

console.log('\n2. dlopen("libneed_c.so", RTLD_NOW | RTLD_LOCAL): it and its dependencies form a private group:');
const c = await linker.dlopen('libneed_c.so', RTLD.NOW | RTLD.LOCAL);
console.log(`   need_c_check() (c calls b, b calls a, data points across them): ${callInt(linker, c, 'need_c_check') === 0 ? 'passed' : 'FAILED'}`);
try {
  linker.dlsym(RTLD_DEFAULT, 'need_a');
} catch {
  console.log('   need_a is not visible to the rest of the program (RTLD_LOCAL), but dlsym(c, "need_a") finds it');
}

console.log('\n3. dlopen("libctor.so", RTLD_NOW | RTLD_GLOBAL): C++ constructors run, in priority order:');
const ctor = await linker.dlopen('libctor.so', RTLD.NOW | RTLD.GLOBAL);
console.log(`   ctor_check(): ${callInt(linker, ctor, 'ctor_check') === 0 ? 'passed' : 'FAILED'}`);

const add1 = linker.dlsym(RTLD_DEFAULT, 'main_add1');
if (add1.kind === 'function') {
  console.log(`\n4. One address per function: &main_add1 is table slot ${add1.address} for everyone;`);
  console.log(`   main_apply(&main_add1, 41) = ${callInt(linker, RTLD_DEFAULT, 'main_apply', add1.address, 41)}`);
}

const graph = linker.graph();
console.log('\n5. What is loaded, and who sees whom:');
for (const lib of graph.libraries) {
  const needs = lib.needed.map((id) => graph.libraries.find((l) => l.id === id)?.name).join(', ');
  const scope = lib.global ? 'global' : `local group ${lib.group ?? '?'}`;
  console.log(`   ${lib.name.padEnd(14)} ${scope.padEnd(14)} data ${hex(lib.memory.base)}+${lib.memory.size}${needs === '' ? '' : `, needs ${needs}`}`);
}
for (const s of graph.scopes) console.log(`   scope ${s.id} (${s.kind}): ${s.members.join(' → ')}`);
const providers = graph.libraries.find((l) => l.name === 'libfptr.so')?.bindings ?? {};
console.log(`   libfptr.so gets ${Object.entries(providers).map(([imp, from]) => `${imp} from ${from}`).join(', ')}`);
console.log(`   memory: ${graph.memory.bytes / 65536} pages; table: ${graph.table.length} slots`);
