/**
 * Build time (node): runs TypeDoc over the packages' entry points and returns its JSON output,
 * and the docs' API model made from it (./api-model.ts). Vite's `virtual:dl-api` module
 * (vite.config.ts) and the docs tests call this; the browser only gets the model.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Application, normalizePath } from 'typedoc';
import type { JSONOutput } from 'typedoc';
import { apiModelFrom } from './api-model.js';
import type { ApiEntryFile, ApiModel } from './api-model.js';

const packagesDir = fileURLToPath(new URL('../../../../packages/', import.meta.url));
const tsconfig = fileURLToPath(new URL('../../tsconfig.api.json', import.meta.url));

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A package's entry files from its package.json `exports` (the `@dl/source` condition names the source). */
export function entryFilesOf(packageId: string): (ApiEntryFile & { readonly path: string })[] {
  const manifest: unknown = JSON.parse(readFileSync(`${packagesDir}${packageId}/package.json`, 'utf8'));
  const exportsField = isRecord(manifest) ? manifest.exports : undefined;
  const files: (ApiEntryFile & { path: string })[] = [];
  for (const [subpath, target] of Object.entries(isRecord(exportsField) ? exportsField : {})) {
    const source = isRecord(target) ? target['@dl/source'] : undefined;
    if (typeof source !== 'string' || !source.startsWith('./src/')) continue;
    const moduleName = `${packageId}/${source.slice(2)}`.replace(/\.ts$/, '').replace(/\/index$/, '');
    files.push({ packageId, subpath, moduleName, path: `${packagesDir}${packageId}/${source.slice(2)}` });
  }
  // The main entry point first: subpaths list only what it lacks.
  return files.sort((a, b) => Number(b.subpath === '.') - Number(a.subpath === '.'));
}

/** TypeDoc's JSON output for the packages' entry points (internal and private members left out). */
export async function typedocJson(files: readonly { readonly path: string }[]): Promise<JSONOutput.ProjectReflection> {
  const app = await Application.bootstrap({
    entryPoints: files.map((f) => f.path),
    tsconfig,
    excludeInternal: true,
    excludePrivate: true,
    excludeProtected: true,
    excludeExternals: true,
    // The packages are type-checked by `pnpm typecheck`; TypeDoc only reads them.
    skipErrorChecking: true,
    sort: ['kind', 'alphabetical'],
    logLevel: 'Error',
  });
  const project = await app.convert();
  if (project === undefined) throw new Error('TypeDoc could not convert the packages');
  return app.serializer.projectToObject(project, normalizePath(packagesDir));
}

/** The docs' API model of these packages, from TypeDoc's JSON. */
export async function buildApiModel(packageIds: readonly string[]): Promise<ApiModel> {
  const files = packageIds.flatMap((id) => entryFilesOf(id));
  return apiModelFrom(await typedocJson(files), files, (id) => `@dl/${id}`);
}
