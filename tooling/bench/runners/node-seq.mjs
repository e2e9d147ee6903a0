// node-seq (loaders suite, a): @dl/linker with the JS host program and @dl/loaders' fsLoader
// (the set's directory as search path, no compiled-module cache), then module by module in
// order: linker.dlopenSync(name, RTLD_NOW | RTLD_GLOBAL) (find, read, compile, link).
import { loaderRunner } from './common.mjs';

await loaderRunner({ mode: 'sync', loader: ({ fsLoader }, searchPath) => fsLoader({ searchPath, cache: null }) });
