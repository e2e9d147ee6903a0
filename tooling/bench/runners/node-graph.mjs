// node-graph (loaders suite, b): fsLoader (async, a fresh ModuleCache) and one
// `await linker.load(all names, RTLD_NOW | RTLD_GLOBAL)`: the linker asks for every library
// at once, the loader reads them with bounded concurrency and compiles them in parallel.
import { loaderRunner } from './common.mjs';

await loaderRunner({
  mode: 'batch',
  loader: ({ fsLoader, ModuleCache }, searchPath) => fsLoader({ searchPath, cache: new ModuleCache() }),
});
