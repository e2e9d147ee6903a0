/**
 * The repository text the docs are made of, bundled by Vite as strings: every package's
 * README, its package.json and its non-test TypeScript sources (`?raw` glob imports, resolved at build time).
 */

const readmeFiles: Readonly<Record<string, string>> = import.meta.glob<string>('../../../../packages/*/README.md', {
  query: '?raw', import: 'default', eager: true,
});

const sourceFiles: Readonly<Record<string, string>> = import.meta.glob<string>([
  '../../../../packages/*/src/**/*.ts',
  '!../../../../packages/*/src/**/*.test.ts',
  '!../../../../packages/*/src/**/test-*.ts',
  '!../../../../packages/*/src/**/*-page.ts',
], { query: '?raw', import: 'default', eager: true });

const packageJsonFiles: Readonly<Record<string, string>> = import.meta.glob<string>('../../../../packages/*/package.json', {
  query: '?raw', import: 'default', eager: true,
});

const PACKAGES_PREFIX = '../../../../packages/';

/** `packages/<id>/README.md`, or undefined when the package has none. */
export function readmeOf(packageId: string): string | undefined {
  return readmeFiles[`${PACKAGES_PREFIX}${packageId}/README.md`];
}

/** The package's non-test sources by path relative to its `src/` (`linker.ts`, `dylink/types.ts`). */
export function sourcesOf(packageId: string): Record<string, string> {
  const prefix = `${PACKAGES_PREFIX}${packageId}/src/`;
  const files: Record<string, string> = {};
  for (const [path, text] of Object.entries(sourceFiles)) {
    if (path.startsWith(prefix)) files[path.slice(prefix.length)] = text;
  }
  return files;
}

/** A package's entry points from its package.json `exports`: subpath (`.`, `./node`) → source path under `src/`. */
export function entryPointsOf(packageId: string): { readonly subpath: string; readonly source: string }[] {
  const text = packageJsonFiles[`${PACKAGES_PREFIX}${packageId}/package.json`];
  if (text === undefined) return [{ subpath: '.', source: 'index.ts' }];
  const manifest: unknown = JSON.parse(text);
  const exportsField = isRecord(manifest) ? manifest.exports : undefined;
  if (!isRecord(exportsField)) return [{ subpath: '.', source: 'index.ts' }];
  const entries: { subpath: string; source: string }[] = [];
  for (const [subpath, target] of Object.entries(exportsField)) {
    const source = isRecord(target) ? target['@dl/source'] : undefined;
    if (typeof source === 'string' && source.startsWith('./src/')) entries.push({ subpath, source: source.slice('./src/'.length) });
  }
  return entries.length === 0 ? [{ subpath: '.', source: 'index.ts' }] : entries;
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
