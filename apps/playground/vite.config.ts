import { defaultClientConditions, defineConfig } from 'vite';
import type { Plugin, UserConfig } from 'vite';
import { buildApiModel } from './src/docs/api-typedoc.js';
import { docsPages } from './src/docs/pages.js';

/**
 * `virtual:dl-api`: the docs' API reference, generated at build time by TypeDoc (its JSON
 * output, turned into the small model the docs render), so no package source ships to the browser.
 */
function apiReference(): Plugin {
  const id = 'virtual:dl-api';
  const resolved = `\0${id}`;
  return {
    name: 'dl-api-reference',
    resolveId: (source) => (source === id ? resolved : undefined),
    load: async (source) => {
      if (source !== resolved) return undefined;
      const model = await buildApiModel(docsPages.filter((p) => p.id !== 'concepts').map((p) => p.id));
      return `export default JSON.parse(${JSON.stringify(JSON.stringify(model))});`;
    },
  };
}

/**
 * The playground: a static app. `@dl/*` packages resolve to their TypeScript sources (the
 * `@dl/source` condition), so it builds without their dist; the example modules are emitted
 * as assets (`?url` imports in src/examples.ts), so `dist/` is self-contained. The docs' API
 * reference is made by TypeDoc at build time (`virtual:dl-api`).
 */
const config: UserConfig = defineConfig({
  base: './',
  plugins: [apiReference()],
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
