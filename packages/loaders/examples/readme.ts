import { basename, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLinker, RTLD } from '@dl/linker';
import { ModuleCache, trackProgress } from '@dl/loaders';
import { fsLoader } from '@dl/loaders/node';

const lib = fileURLToPath(new URL('../../../tooling/fixtures/wasm/clang16/', import.meta.url));
const cache = new ModuleCache();
let progress = '';
const loader = fsLoader({
  searchPath: [lib], // like LD_LIBRARY_PATH
  cache,
  onProgress: trackProgress((p) => { progress = `${p.libraries.done}/${p.libraries.total} libraries, ${p.bytes.done}/${p.bytes.total} bytes`; }),
});

// libneed_c.so needs libneed_b.so, which needs libneed_a.so; librpath_user.so finds its
// dependency through its RUNTIME_PATH (${ORIGIN}/../rpath/deps), and that one its own ($ORIGIN/leaf).
const linker = await createLinker({ loader });
await linker.load(['libneed_c.so', `${lib}rpath/librpath_user.so`], RTLD.NOW | RTLD.GLOBAL);
for (const l of linker.graph().libraries) console.log(`${basename(l.name)} => ${relative(lib, l.location!)}`);
console.log(progress);

// A second linker: every library comes from the compiled-module cache (nothing is read).
await (await createLinker({ loader })).load(['libneed_c.so'], RTLD.NOW);
console.log(cache.stats());
