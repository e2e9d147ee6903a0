import { defineConfig, globalIgnores } from 'eslint/config';
import { dlPreset } from './tooling/config/eslint.js';

export default defineConfig(
  globalIgnores(['**/dist/', '**/node_modules/', '**/coverage/', 'tooling/fixtures/wasm/', 'tooling/fixtures/.build/', '.ci/', '.fuzz/']),
  dlPreset,
);
