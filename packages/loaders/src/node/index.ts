export { fsLoader } from './fs-loader.js';
export type { FsLoaderOptions } from './fs-loader.js';
export { diskStore } from './disk-store.js';
