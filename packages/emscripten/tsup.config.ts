import type { Options } from 'tsup';
import { bundleDl, packageBuild } from '../../tooling/config/tsup.js';

// The package, and the classic script a pthread's worker loads with importScripts (src/worker.ts).
// The package is one file. The linker's compatibility library stays out of it, in a file of its
// own (ESM only: CommonJS loads it with `import()` too) that the facade imports on demand, for
// its `compat` option: an import of the package then compiles no base64 it may never use.
const config: Options[] = [
  packageBuild({ index: 'src/index.ts' }, { ...bundleDl, external: ['./compat-library.js'], splitting: false }),
  {
    ...bundleDl,
    entry: { 'compat-library': 'src/compat-library.ts' },
    format: ['esm'],
    target: 'es2022',
    sourcemap: false,
    dts: false,
    clean: false,
  },
  {
    ...bundleDl,
    entry: { 'dl-emscripten-worker': 'src/worker.ts' },
    format: ['iife'],
    globalName: 'dlEmscriptenWorker',
    platform: 'browser',
    target: 'es2022',
    sourcemap: false,
    dts: false,
    clean: false,
    // esbuild's own IIFE (rollup's, which tree-shaking uses, assigns `exports.name`), with local
    // names minified (the code stays readable otherwise): a classic script must not look like
    // CommonJS to tools that sniff a file (publint), as `exports.x` or a local `global.x` would.
    treeshake: false,
    minifyIdentifiers: true,
    minifyWhitespace: false,
    minifySyntax: false,
  },
];

export default config;
