import { readFileSync } from 'node:fs';
import { createLinkerSync, memoryLoader, RTLD } from '@dl/linker';

// Sample side modules shipped by @dl/reader (emcc 3.1.6 -sSIDE_MODULE, a few hundred bytes each).
const lib = (name: string): Uint8Array => readFileSync(new URL(import.meta.resolve(`@dl/reader/samples/${name}`)));

// The program is a JS host; libraries come from memory (filesystem and fetch loaders plug in the same way).
const linker = createLinkerSync({
  program: { kind: 'host', functions: { main_add1: { func: (x: number) => x + 1, type: '(i32) -> i32' } } },
  loader: memoryLoader({ 'libneed_b.so': lib('libneed_b.so'), 'libneed_a.so': lib('libneed_a.so') }),
});

// libneed_b.so NEEDs libneed_a.so: both load, bind and initialise in one pass.
const b = linker.dlopenSync('libneed_b.so', RTLD.NOW | RTLD.LOCAL);
const check = linker.dlsym(b, 'need_b_check'); // a function: callable, with its table index
const value = linker.dlsym(b, 'need_a_value'); // data in the NEEDED library: its address
console.log(check.kind === 'function' && (check.func as () => number)(), value);
console.log(linker.graph().libraries.map((l) => `${l.name}: data at ${l.memory.base}, needs [${l.needed.join()}]`));
