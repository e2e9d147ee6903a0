// node-warm (loaders suite, c): node-graph once, untimed, then a second, fresh linker loads
// the same names through the same fsLoader and ModuleCache: nothing is read or compiled again
// (the cache is keyed by file identity; a hit costs a realpath and a stat). Only the second
// load is timed; its checksum must equal the first's.
import { loaderRunner } from './common.mjs';

await loaderRunner({
  mode: 'batch',
  prime: true,
  loader: ({ fsLoader, ModuleCache }, searchPath) => fsLoader({ searchPath, cache: new ModuleCache() }),
});
