/**
 * The READMEs the docs show, bundled by Vite as strings (`?raw` glob imports, resolved at build
 * time). The API reference comes from TypeDoc's JSON instead (./api-typedoc.ts): no package
 * source is shipped to the browser.
 */

const readmeFiles: Readonly<Record<string, string>> = import.meta.glob<string>('../../../../packages/*/README.md', {
  query: '?raw',
  import: 'default',
  eager: true,
});

const PACKAGES_PREFIX = '../../../../packages/';

/** `packages/<id>/README.md`, or undefined when the package has none. */
export function readmeOf(packageId: string): string | undefined {
  return readmeFiles[`${PACKAGES_PREFIX}${packageId}/README.md`];
}
