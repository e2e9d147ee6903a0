import { defaultClientConditions, defineConfig } from 'vite';
import type { UserConfig } from 'vite';

/**
 * The playground: a static app. `@dl/*` packages resolve to their TypeScript sources (the
 * `@dl/source` condition), so it builds without their dist; the example modules are emitted
 * as assets (`?url` imports in src/examples.ts), so `dist/` is self-contained.
 */
const config: UserConfig = defineConfig({
  base: './',
  resolve: { conditions: ['@dl/source', ...defaultClientConditions] },
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    // Every example module stays a file of its own (none inlined as a data: URL).
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1024,
  },
});

export default config;
