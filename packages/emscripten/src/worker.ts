/**
 * What an Emscripten pthread's worker needs of `@dl/emscripten`, as a classic script for
 * `importScripts` (a browser worker has no `require`): `dist/dl-emscripten-worker.global.js`
 * (`@dl/emscripten/worker`) defines the global `dlEmscriptenWorker`. The `--js-library` loads it
 * on each worker from `Module.dlWorkerApi`, else from next to the program's script.
 */
export { followEmscripten } from './follower.js';
export { getDylinkMetadata } from './metadata.js';
