import { basename, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLinker, RTLD } from '@dl/linker';
import { ModuleCache, trackProgress } from '@dl/loaders';
import { fsLoader } from '@dl/loaders/node';

// The directory of the sample side modules @dl/reader ships (emcc 3.1.6 -sSIDE_MODULE).
const lib = dirname(fileURLToPath(import.meta.resolve('@dl/reader/samples/libneed_c.so')));
const cache = new ModuleCache();
let progress = '';
const loader = fsLoader({
  searchPath: [lib], // like LD_LIBRARY_PATH
  cache,
  onProgress: trackProgress((p) => { progress = `${p.libraries.done}/${p.libraries.total} libraries, ${p.bytes.done}/${p.bytes.total} bytes`; }),
});

// libneed_c.so needs libneed_b.so, which needs libneed_a.so: found in the search path, loaded in parallel.
const program = { kind: 'host', functions: { main_add1: { func: (x: number) => x + 1, type: '(i32) -> i32' } } } as const;
const linker = await createLinker({ program, loader });
await linker.load(['libneed_c.so'], RTLD.NOW | RTLD.GLOBAL);
for (const l of linker.graph().libraries) console.log(`${l.name} => ${basename(l.location!)}`);
console.log(progress);

// A second linker: every library comes from the compiled-module cache (nothing is read).
await (await createLinker({ program, loader })).load(['libneed_c.so'], RTLD.NOW);
console.log(cache.stats());
