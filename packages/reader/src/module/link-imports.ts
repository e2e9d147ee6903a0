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
 * Every classified import has the same hidden class (all fields, in this order, those its role
 * does not use set to their empty value): a library brings dozens of imports and every stage
 * of a load reads them, so one shape keeps those reads monomorphic — and building them is a
 * plain literal, not a spread (which costs the engine several times more).
 */
function classified(
  role: ImportRole,
  module: string,
  name: string,
  kind: ExternalKind,
  weak: boolean,
  space: 'mem' | 'func' | null,
  type: FuncType | GlobalType | null,
  shared: boolean,
  index64: boolean,
  minimum: number,
): ClassifiedImport {
  return { role, module, name, kind, weak, space, type, shared, index64, minimum } as ClassifiedImport;
}

/** The one classification rule, on an import's parts (no intermediate objects). */
function classifyParts(
  module: string,
  name: string,
  kind: ExternalKind,
  funcType: FuncType | null,
  globalType: GlobalType | null,
  limits: { readonly shared: boolean; readonly index64: boolean; readonly minimum: number } | null,
  weak: ReadonlySet<string>,
): ClassifiedImport {
  if (kind === 'memory' || kind === 'table') {
    const { shared = false, index64 = false, minimum = 0 } = limits ?? {};
    return kind === 'memory'
      ? classified('memory', module, name, kind, false, null, null, shared, index64, minimum)
      : classified('table', module, name, kind, false, null, null, false, false, minimum);
  }
  if (module === 'env') {
    if (abiNames.has(name)) return classified('abi', module, name, kind, false, null, null, false, false, 0);
    if (kind === 'tag') return classified('tag', module, name, kind, false, null, funcType, false, false, 0);
    return kind === 'function'
      ? classified('function', module, name, kind, weak.has(name), null, funcType, false, false, 0)
      : classified('global', module, name, kind, weak.has(name), null, globalType, false, false, 0);
  }
  if (module === 'GOT.mem' && gotSpecialNames.has(name))
    return classified('got-special', module, name, kind, false, null, null, false, false, 0);
  if (module === 'GOT.mem' || module === 'GOT.func')
    return classified(
      'got',
      module,
      name,
      kind,
      weak.has(name),
      module === 'GOT.mem' ? 'mem' : 'func',
      null,
      false,
      false,
      0,
    );
  return classified('foreign', module, name, kind, false, null, null, false, false, 0);
}

/**
 * Classifies one import for linking. Memory and table imports are recognised by kind (in any module);
 * then `env` ABI names, `env` tags, functions and globals; `GOT.mem` specials and GOT entries;
 * everything else is foreign.
 *
 * @param weak - the names IMPORT_INFO marks `binding-weak`
 */
export function classifyLinkImport(i: ImportDescription, weak: ReadonlySet<string>): ClassifiedImport {
  return classifyParts(i.module, i.name, i.kind, i.funcType, i.globalType, i, weak);
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

/**
 * {@link classifyLinkImports} straight from `readModule`'s imports (with their types and limits),
 * without describing each first.
 */
export function classifyModuleImports(imports: readonly Import[], weak: ReadonlySet<string>): ClassifiedImport[] {
  const out: ClassifiedImport[] = new Array<ClassifiedImport>(imports.length);
  for (let k = 0; k < imports.length; k++) {
    const i = imports[k]!;
    const limits =
      i.kind === 'memory' || i.kind === 'table'
        ? { shared: i.type.limits.shared, index64: i.type.limits.index64, minimum: i.type.limits.min }
        : null;
    out[k] = classifyParts(
      i.module,
      i.name,
      i.kind,
      i.kind === 'function' || i.kind === 'tag' ? i.type : null,
      i.kind === 'global' ? i.type : null,
      limits,
      weak,
    );
  }
  return out;
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
