import type { ExternalKind } from '../format/ids.js';
import type { FuncType, GlobalType, Import } from './types.js';

/**
 * An import as read, before it is classified: from `readModule` (with types) or from engine
 * reflection (types `null`, limits unknown).
 */
export interface ImportDescription {
  readonly module: string;
  readonly name: string;
  readonly kind: ExternalKind;
  /** For function and tag imports, when known. */
  readonly funcType: FuncType | null;
  /** For global imports, when known. */
  readonly globalType: GlobalType | null;
  /** For memory imports: shared (threads) and 64-bit addressing. */
  readonly shared: boolean;
  readonly index64: boolean;
  /** For memory imports the minimum pages declared; for table imports the minimum slots. */
  readonly minimum: number;
}

/** `env` names that are the program's own objects, not symbols (the dylink ABI: the loader supplies them). */
export type AbiName =
  'memory' | '__indirect_function_table' | 'table' | '__memory_base' | '__table_base' | '__stack_pointer';
/** `GOT.mem` names a relocatable main asks the loader for: heap and stack bounds, not symbols. */
export type GotSpecialName = '__heap_base' | '__stack_low' | '__stack_high';

const abiNames: ReadonlySet<string> = new Set<AbiName>([
  'memory',
  '__indirect_function_table',
  'table',
  '__memory_base',
  '__table_base',
  '__stack_pointer',
]);
const gotSpecialNames: ReadonlySet<string> = new Set<GotSpecialName>(['__heap_base', '__stack_low', '__stack_high']);

interface Base {
  readonly module: string;
  readonly name: string;
  readonly kind: ExternalKind;
}

/** A symbol the library's lookup path resolves; `weak` when IMPORT_INFO marks it `binding-weak`. */
interface Symbolic extends Base {
  readonly weak: boolean;
}

/**
 * One import of a side module, by the role the dylink ABI gives it: what checking a load and
 * binding it both read, classified once when the library's metadata is read.
 *
 * - `abi`: an `env` object of the program (`__memory_base`, `__table_base`, `__stack_pointer`, …)
 * - `memory` / `table`: a memory or table import (in `env`: the program's)
 * - `function` / `global` / `tag`: an `env` symbol of that kind (tags are shared by name)
 * - `got`: a `GOT.mem` (data address) or `GOT.func` (table index) entry
 * - `got-special`: `GOT.mem.__heap_base` / `__stack_low` / `__stack_high`
 * - `foreign`: any other module, given by the host's imports
 */
export type ClassifiedImport =
  | (Base & { readonly role: 'abi'; readonly name: AbiName })
  | (Base & {
      readonly role: 'memory';
      readonly shared: boolean;
      readonly index64: boolean;
      /** Pages. */ readonly minimum: number;
    })
  | (Base & { readonly role: 'table'; /** Slots. */ readonly minimum: number })
  | (Symbolic & { readonly role: 'function'; readonly type: FuncType | null })
  | (Symbolic & { readonly role: 'global'; readonly type: GlobalType | null })
  | (Base & { readonly role: 'tag'; readonly type: FuncType | null })
  | (Symbolic & {
      readonly role: 'got';
      /** `mem`: a data address (`GOT.mem`); `func`: a table index (`GOT.func`). */ readonly space: 'mem' | 'func';
    })
  | (Base & { readonly role: 'got-special'; readonly name: GotSpecialName })
  | (Base & { readonly role: 'foreign' });

/** The role an import's name and kind give it (see {@link ClassifiedImport}). */
export type ImportRole = ClassifiedImport['role'];

/** The imports whose name is looked up along the library's path. */
export type SymbolImport = Extract<ClassifiedImport, { readonly role: 'function' | 'global' | 'got' }>;

/** Whether an import is resolved by symbol lookup (a function, global or GOT entry). */
export function isSymbolImport(i: ClassifiedImport): i is SymbolImport {
  return i.role === 'function' || i.role === 'global' || i.role === 'got';
}

/**
 * Classifies one import for linking. Memory and table imports are recognised by kind (in any module);
 * then `env` ABI names, `env` tags, functions and globals; `GOT.mem` specials and GOT entries;
 * everything else is foreign.
 *
 * @param weak - the names IMPORT_INFO marks `binding-weak`
 */
export function classifyLinkImport(i: ImportDescription, weak: ReadonlySet<string>): ClassifiedImport {
  const base = { module: i.module, name: i.name, kind: i.kind };
  if (i.kind === 'memory') return { ...base, role: 'memory', shared: i.shared, index64: i.index64, minimum: i.minimum };
  if (i.kind === 'table') return { ...base, role: 'table', minimum: i.minimum };
  if (i.module === 'env') {
    if (abiNames.has(i.name)) return { ...base, role: 'abi', name: i.name as AbiName };
    if (i.kind === 'tag') return { ...base, role: 'tag', type: i.funcType };
    if (i.kind === 'function') return { ...base, role: 'function', type: i.funcType, weak: weak.has(i.name) };
    return { ...base, role: 'global', type: i.globalType, weak: weak.has(i.name) };
  }
  if (i.module === 'GOT.mem' && gotSpecialNames.has(i.name))
    return { ...base, role: 'got-special', name: i.name as GotSpecialName };
  if (i.module === 'GOT.mem' || i.module === 'GOT.func')
    return { ...base, role: 'got', space: i.module === 'GOT.mem' ? 'mem' : 'func', weak: weak.has(i.name) };
  return { ...base, role: 'foreign' };
}

/**
 * Every import of a library, classified, in import order (what a linker keeps in the library's
 * metadata, built once when the module is read). Cost: its imports.
 *
 * @param weak - the names IMPORT_INFO marks `binding-weak` (`DylinkInfo.weakImports`)
 */
export function classifyLinkImports(
  imports: readonly ImportDescription[],
  weak: ReadonlySet<string>,
): ClassifiedImport[] {
  return imports.map((i) => classifyLinkImport(i, weak));
}

/** An import from `readModule` as {@link classifyLinkImport} takes it (with its types and limits). */
export function describeImport(i: Import): ImportDescription {
  return {
    module: i.module,
    name: i.name,
    kind: i.kind,
    funcType: i.kind === 'function' || i.kind === 'tag' ? i.type : null,
    globalType: i.kind === 'global' ? i.type : null,
    shared: i.kind === 'memory' && i.type.limits.shared,
    index64: (i.kind === 'memory' || i.kind === 'table') && i.type.limits.index64,
    minimum: i.kind === 'memory' || i.kind === 'table' ? i.type.limits.min : 0,
  };
}
