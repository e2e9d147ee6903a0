// --pre-js of the facade build of main_emcc.c: the program's side modules are linked by
// @dl/emscripten (the --js-library packages/emscripten/emscripten/library_dl.js), which it finds
// as Module.dl — here the built package of this checkout (run `pnpm build` first).
/* global Module */
Module['dl'] = require(require('path').resolve(__dirname, '../../../../packages/emscripten/dist/index.cjs'));
