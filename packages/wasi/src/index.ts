export { Dlfcn } from './dlfcn.js';
export type { DlfcnImports } from './dlfcn.js';
export { instantiateWasiMain, jspiSupported } from './instantiate.js';
export type { WasiMain, WasiMainOptions } from './instantiate.js';
