import type { Options } from 'tsup';

/**
 * The one build recipe every published @dl package uses: ESM + CJS + `.d.ts`,
 * one entry per public subpath, ES2022, source maps, no bundled dependencies.
 *
 * @param entry - map of output name → source file, e.g. `{ index: 'src/index.ts' }`
 */
export function packageBuild(entry: Record<string, string>, extra: Options = {}): Options {
  return {
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'es2022',
    splitting: true,
    treeshake: true,
    ...extra,
  };
}
