import type { Options } from 'tsup';

/**
 * The one build recipe every published @dl package uses: ESM + CJS + `.d.ts`,
 * one entry per public subpath, ES2022, no bundled dependencies.
 *
 * - No source maps: tsup's output is unminified, readable ES2022 next to its `.d.ts`, and the maps
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
