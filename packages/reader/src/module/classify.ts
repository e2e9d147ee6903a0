import type { DylinkInfo } from '../dylink/types.js';
import { classifyLinkImport, describeImport } from './link-imports.js';
import type { ClassifiedImport } from './link-imports.js';
import type { Export, Import } from './types.js';

/**
 * What an import is, in dynamic-linking terms:
 * - `env-function` / `env-global`: functions and globals from `env` (the main program or other libraries)
 * - `got-mem` / `got-func`: GOT entries holding a data address / a function's table index
 * - `memory` / `table`: the shared linear memory and function table
 * - `tag`: an exception tag
 * - `other`: anything from another module (e.g. `wasi_snapshot_preview1`)
 */
export type ImportCategory =
  'env-function' | 'env-global' | 'got-mem' | 'got-func' | 'memory' | 'table' | 'tag' | 'other';

/**
 * What an export is:
 * - `function`
 * - `data`: an immutable i32/i64 global with a constant value, i.e. an address relative to `__memory_base`
 * - `tls`: the same for a symbol flagged TLS in EXPORT_INFO (relative to `__tls_base`)
 * - `global`: any other global (mutable, or not an address)
 * - `memory`, `table`, `tag`
 */
export type ExportCategory = 'function' | 'data' | 'tls' | 'global' | 'memory' | 'table' | 'tag';

const noWeak: ReadonlySet<string> = new Set();

/** The category of a classified import: its role, with ABI objects by kind and GOT specials as GOT.mem. */
export function categoryOf(i: ClassifiedImport): ImportCategory {
  switch (i.role) {
    case 'memory':
    case 'table':
    case 'tag':
      return i.role;
    case 'function':
      return 'env-function';
    case 'global':
      return 'env-global';
    case 'got':
      return i.space === 'mem' ? 'got-mem' : 'got-func';
    case 'got-special':
      return 'got-mem';
    case 'foreign':
      return 'other';
    case 'abi':
      return i.kind === 'function' ? 'env-function' : i.kind === 'global' ? 'env-global' : 'tag';
  }
}

/**
 * Classifies an import by its module and kind (the coarse view of {@link classifyLinkImport}'s roles).
 *
 * @param imp - an import from `readModule`
 */
export function classifyImport(imp: Import): ImportCategory {
  return categoryOf(classifyLinkImport(describeImport(imp), noWeak));
}

/**
 * Classifies an export; `dylink` tells which data exports are thread-local.
 *
 * @param exp - an export from `readModule`
 * @param dylink - the module's dylink metadata, if any
 */
export function classifyExport(exp: Export, dylink: DylinkInfo | null): ExportCategory {
  if (exp.kind !== 'global') return exp.kind;
  const { type, init } = exp;
  const address =
    !type.mutable &&
    (type.valueType === 'i32' || type.valueType === 'i64') &&
    (init?.op === 'i32.const' || init?.op === 'i64.const');
  if (!address) return 'global';
  return dylink?.tlsExports.has(exp.name) === true ? 'tls' : 'data';
}
