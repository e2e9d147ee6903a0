export { fsLoader } from './fs-loader.js';
export type { FsLoaderOptions } from './fs-loader.js';
export { diskStore } from './disk-store.js';
export { filePlanStore } from './plan-store.js';
export { clangSideModule, watchLibrary } from './watch.js';
export type {
  BuildCommand,
  ClangSideModuleOptions,
  LibraryWatcher,
  Reloadable,
  WatchLibraryOptions,
  WatchReload,
} from './watch.js';
