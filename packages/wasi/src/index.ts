export { Dlfcn } from './dlfcn.js';
export type { DlfcnImports } from './dlfcn.js';
export { instantiateWasiMain } from './instantiate.js';
export type { WasiMain, WasiMainOptions } from './instantiate.js';
