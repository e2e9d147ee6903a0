import { defineConfig, globalIgnores } from 'eslint/config';
import { dlPreset } from './tooling/config/eslint.js';

export default defineConfig(
  // packages/emscripten/emscripten/: emcc --js-library files, evaluated by Emscripten's preprocessor, not modules.
  globalIgnores([
    '**/dist/',
    '**/node_modules/',
    '**/coverage/',
    'tooling/fixtures/wasm/',
    'tooling/fixtures/.build/',
    'tooling/fixtures/.emsuite-cache/',
    '.ci/',
    '.fuzz/',
    'packages/emscripten/emscripten/',
  ]),
  dlPreset,
);
