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
 * The bundles are minified for whitespace and syntax (a third smaller: ~3 ms less to import on
 * node 20, measured by `pnpm bench startup`), not for identifiers: class and function names stay
 * as written (an error's class name is observable: `instanceof` across copies compares it, and
 * stack traces stay readable), and renaming them saved nothing measurable.
 */
export const bundleDl: Options = {
  noExternal: [/^@dl\//],
  minifyWhitespace: true,
  minifySyntax: true,
  esbuildOptions(options) {
    options.conditions = ['@dl/source', ...(options.conditions ?? [])];
  },
};
