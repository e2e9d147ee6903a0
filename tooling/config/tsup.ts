import type { Options } from 'tsup';

/**
 * The one build recipe every published @dl package uses: ESM + CJS + `.d.ts`,
 * one entry per public subpath, ES2022, no bundled dependencies (except with {@link bundleDl}).
 *
 * - No source maps: tsup's output is readable ES2022 next to its `.d.ts` (the {@link bundleDl}
 *   entries minified for whitespace and syntax only: names as in the sources), and the maps
 *   (which embed every source file) were 60-65 % of each tarball. Debug against the repository.
 * - `stripInternal`: members tagged `@internal` in TSDoc (e.g. `Linker.batch`, `adopt`) are left
 *   out of the published `.d.ts`; the workspace still sees them through the sources.
 *
 * @param entry - map of output name → source file, e.g. `{ index: 'src/index.ts' }`
 */
export function packageBuild(entry: Record<string, string>, extra: Options = {}): Options {
  return {
    entry,
    format: ['esm', 'cjs'],
    dts: { compilerOptions: { stripInternal: true } },
    sourcemap: false,
    clean: true,
    target: 'es2022',
    splitting: true,
    treeshake: true,
    ...extra,
  };
}

/**
 * For the entries whose import time matters (`@dl/linker`, `@dl/emscripten`): bundle the @dl
 * packages they use into their own files, from their sources (the `@dl/source` condition), so an
 * import is one file to resolve and compile instead of one per package and chunk. The @dl
 * packages stay `dependencies` (the `.d.ts` refer to them). What a second copy of a package could
 * break is covered where it is shared: `instanceof DlError` (and of its subclasses) recognises
 * errors from any copy by the `@dl/errors` brand, and no public object carries state in a
 * module-level map that another package reads.
 *
 * The bundles are minified, identifiers included: an import parses and compiles less, and a
 * first load lazily compiles less of each function it runs. On node 20, 12 alternating fresh
 * processes: importing `@dl/linker` 9.64 → 8.45 ms (median), and its first `dlopenSync` of a
 * small library 9.70 → 9.05 ms (whitespace and syntax only had cut ~3 ms before). Names that are
 * observable do not depend on identifiers: an error's class name is its class's `errorName`
 * (`instanceof` across copies compares it), and the public API is its export names. A stack
 * trace through a bundle shows minified names; debug against the repository (the build is
 * deterministic, so a trace's positions map back by rebuilding its commit with source maps).
 * `DL_READABLE_BUILD=1 pnpm build` keeps the identifiers, for CPU profiles that name functions
 * (`pnpm bench … --profile`).
 */
export const bundleDl: Options = {
  noExternal: [/^@dl\//],
  minifyWhitespace: true,
  minifySyntax: true,
  minifyIdentifiers: process.env.DL_READABLE_BUILD !== '1',
  esbuildOptions(options) {
    options.conditions = ['@dl/source', ...(options.conditions ?? [])];
  },
};
