// Bundles a test entry for the browser with esbuild: one ESM string, workspace packages from source.
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, formatMessages } from 'esbuild';
import type { Message } from 'esbuild';

/** Options for {@link bundle}. */
export interface BundleOptions {
  /**
   * esbuild `define`: identifiers replaced by JS expressions at build time, e.g.
   * `{ 'globalThis.FIXTURE': JSON.stringify('/libneed_a.so') }`. The values are source text.
   */
  readonly define?: Readonly<Record<string, string>>;
  /** `browser` (default) or `node` (a worker_threads worker: node built-ins stay imports). */
  readonly platform?: 'browser' | 'node';
}

/** A cached bundle and the modification times of every file it was built from. */
interface CacheEntry {
  readonly code: string;
  readonly inputs: ReadonlyMap<string, number>;
}

const cache = new Map<string, CacheEntry>();

/**
 * Bundles `entry` (a `.ts`/`.js` file path or `file:` URL) and everything it imports into one
 * browser ES module, returned as source text with an inline source map.
 *
 * esbuild settings: `format: 'esm'`, `platform: 'browser'`, `target: 'es2022'`, and the
 * `@dl/source` export condition (plus esbuild's default `module`), so `@dl/*` workspace packages
 * resolve to their TypeScript sources and need no build. Results are cached in this process
 * until the entry or any file it imported changes (mtime) or the options differ.
 *
 * @throws Error listing esbuild's formatted messages when the bundle has errors, e.g. when the
 *   code (or a dependency) imports a node built-in such as `node:fs`.
 */
export async function bundle(entry: string | URL, options: BundleOptions = {}): Promise<string> {
  const path = entry instanceof URL || entry.startsWith('file:') ? fileURLToPath(entry) : resolve(entry);
  const define = options.define ?? {};
  const platform = options.platform ?? 'browser';
  const key = JSON.stringify([path, platform, Object.entries(define).sort(([a], [b]) => a.localeCompare(b))]);
  const cached = cache.get(key);
  if (cached !== undefined && (await unchanged(cached.inputs))) return cached.code;

  let result;
  try {
    result = await build({
      entryPoints: [path],
      bundle: true,
      write: false,
      format: 'esm',
      platform,
      target: 'es2022',
      conditions: ['@dl/source', 'module'],
      sourcemap: 'inline',
      define: { ...define },
      metafile: true,
      logLevel: 'silent',
    });
  } catch (error) {
    throw await bundleError(path, error);
  }
  const output = result.outputFiles[0];
  if (output === undefined) throw new Error(`bundle(${path}): esbuild produced no output`);
  const inputs = new Map<string, number>();
  for (const input of Object.keys(result.metafile.inputs)) {
    const file = resolve(input);
    inputs.set(file, await mtime(file));
  }
  cache.set(key, { code: output.text, inputs });
  return output.text;
}

/** True when every input file still has the recorded modification time. */
async function unchanged(inputs: ReadonlyMap<string, number>): Promise<boolean> {
  for (const [file, time] of inputs) {
    if ((await mtime(file)) !== time) return false;
  }
  return true;
}

/** The file's mtime in ms, or -1 when it cannot be read (virtual or deleted inputs). */
async function mtime(file: string): Promise<number> {
  try {
    return (await stat(file)).mtimeMs;
  } catch {
    return -1;
  }
}

/** esbuild's failure carries structured messages; turn them into one readable error. */
async function bundleError(path: string, error: unknown): Promise<Error> {
  const errors = messagesOf(error, 'errors');
  const warnings = messagesOf(error, 'warnings');
  if (errors.length === 0) {
    return new Error(`bundle(${path}) failed: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  const text = await formatMessages(errors, { kind: 'error', color: false });
  const warningText = warnings.length > 0 ? await formatMessages(warnings, { kind: 'warning', color: false }) : [];
  const count = `${errors.length} error${errors.length === 1 ? '' : 's'}`;
  return new Error(`bundle(${path}) failed with ${count}:\n${[...text, ...warningText].join('\n')}`, { cause: error });
}

/** The `errors`/`warnings` array of an esbuild BuildFailure, or [] for anything else. */
function messagesOf(error: unknown, field: 'errors' | 'warnings'): Message[] {
  if (typeof error !== 'object' || error === null || !(field in error)) return [];
  const value: unknown = (error as Record<string, unknown>)[field];
  return Array.isArray(value) ? (value as Message[]) : [];
}
