import type { DlFormatError } from '@dl/errors';
import type { DylinkInfo } from '../dylink/types.js';
import type { ExternalKind } from '../format/ids.js';

/**
 * A value type in text-format spelling: `i32`, `i64`, `f32`, `f64`, `v128`, an abbreviated
 * reference type (`funcref`, `externref`, `exnref`, …) or `(ref null? <heap type>)`.
 */
export type ValueType = string;

/** A function type. */
export interface FuncType {
  /** Discriminant: a function type. */
  readonly kind: 'func';
  /** Parameter types. */
  readonly params: readonly ValueType[];
  /** Result types. */
  readonly results: readonly ValueType[];
}

/** A GC struct or array type (listed so type indices stay right; not otherwise described). */
export interface AggregateType {
  /** Which GC aggregate type. */
  readonly kind: 'struct' | 'array';
}

/** An entry of the type section. */
export type TypeDef = FuncType | AggregateType;

/** Memory or table limits. */
export interface Limits {
  /** Initial size (pages for memories, elements for tables). */
  readonly min: number;
  /** Maximum size, or `null` when unbounded. */
  readonly max: number | null;
  /** Shared memory (threads). Always false for tables. */
  readonly shared: boolean;
  /** 64-bit addressing (memory64 / table64). */
  readonly index64: boolean;
  /** Page size in bytes for memories (65536 unless the custom-page-sizes proposal is used); 1 for tables. */
  readonly pageSize: number;
}

/** A memory type. */
export interface MemoryType {
  /** Size limits, in pages. */
  readonly limits: Limits;
}

/** A table type. */
export interface TableType {
  /** Element reference type, e.g. `funcref`. */
  readonly elementType: ValueType;
  /** Size limits, in elements. */
  readonly limits: Limits;
}

/** A global type. */
export interface GlobalType {
  /** The global's value type. */
  readonly valueType: ValueType;
  /** Whether the global may change after instantiation (GOT entries are mutable). */
  readonly mutable: boolean;
}

/**
 * A constant expression (global initialiser). Single-instruction expressions are decoded;
 * longer ones (extended-const, GC) are reported as `extended` with their length.
 */
export type ConstExpr =
  | { readonly op: 'i32.const'; readonly value: number }
  | { readonly op: 'i64.const'; readonly value: bigint }
  | { readonly op: 'f32.const' | 'f64.const'; readonly value: number }
  | { readonly op: 'v128.const'; readonly bytes: Uint8Array }
  | { readonly op: 'global.get'; readonly index: number }
  | { readonly op: 'ref.null'; readonly heapType: string }
  | { readonly op: 'ref.func'; readonly index: number }
  | { readonly op: 'extended'; readonly instructions: number };

/** A global defined by the module. */
export interface GlobalDef {
  /** Index in the global index space (imported globals come first). */
  readonly index: number;
  /** Type and mutability. */
  readonly type: GlobalType;
  /** Initial value. */
  readonly init: ConstExpr;
}

interface ImportBase {
  /** Module name, e.g. `env`, `GOT.mem`, `GOT.func`, `wasi_snapshot_preview1`. */
  readonly module: string;
  /** Field name (the symbol name for `env`/`GOT.*`). */
  readonly name: string;
  /** Index in the index space of its kind. */
  readonly index: number;
}

/** An import, with its full type. */
export type Import =
  | (ImportBase & { readonly kind: 'function'; readonly typeIndex: number; readonly type: FuncType })
  | (ImportBase & { readonly kind: 'table'; readonly type: TableType })
  | (ImportBase & { readonly kind: 'memory'; readonly type: MemoryType })
  | (ImportBase & { readonly kind: 'global'; readonly type: GlobalType })
  | (ImportBase & { readonly kind: 'tag'; readonly typeIndex: number; readonly type: FuncType });

interface ExportBase {
  /** Export name. */
  readonly name: string;
  /** Index in the index space of its kind. */
  readonly index: number;
}

/**
 * An export. Functions carry their signature; globals their type and, when the module
 * defines them, their initialiser (for data symbols an `i32.const` address relative to
 * `__memory_base`, or to `__tls_base` for TLS symbols).
 */
export type Export =
  | (ExportBase & { readonly kind: 'function'; readonly type: FuncType })
  | (ExportBase & { readonly kind: 'global'; readonly type: GlobalType; readonly init: ConstExpr | null })
  | (ExportBase & { readonly kind: Exclude<ExternalKind, 'function' | 'global'> });

/** One section as it lies in the file. */
export interface SectionInfo {
  /** Section id (0 for custom sections). */
  readonly id: number;
  /** Section name: the kind for known sections, the custom name for custom sections. */
  readonly name: string;
  /** Offset of the section's id byte. */
  readonly start: number;
  /** Offset of the payload (for custom sections: after the name). */
  readonly payloadStart: number;
  /** Offset one past the section's last byte. */
  readonly end: number;
}

/** A value of the `producers` custom section. */
export interface ProducerValue {
  /** Tool or language name, e.g. `clang`. */
  readonly name: string;
  /** Its version text (may be empty). */
  readonly version: string;
}

/** A field of the `producers` custom section: `language`, `processed-by` or `sdk`. */
export interface ProducerField {
  /** Field name: `language`, `processed-by` or `sdk`. */
  readonly field: string;
  /** Its values, in section order. */
  readonly values: readonly ProducerValue[];
}

/** An entry of the `target_features` custom section, e.g. `{ prefix: '+', name: 'atomics' }`. */
export interface TargetFeature {
  /** `+` used, `-` must not be used, `=` required. */
  readonly prefix: '+' | '-' | '=';
  /** Feature name, e.g. `atomics`. */
  readonly name: string;
}

/** Counts of the index spaces and segments of a module. */
export interface ModuleCounts {
  /** Entries of the type section. */
  readonly types: number;
  /** Functions imported. */
  readonly importedFunctions: number;
  /** Functions defined (with bodies). */
  readonly definedFunctions: number;
  /** Globals imported. */
  readonly importedGlobals: number;
  /** Globals defined. */
  readonly definedGlobals: number;
  /** Tables, imported and defined. */
  readonly tables: number;
  /** Memories, imported and defined. */
  readonly memories: number;
  /** Exception tags, imported and defined. */
  readonly tags: number;
  /** Element segments (decoded in `ModuleInfo.elements`). */
  readonly elementSegments: number;
  /** Data segments (their headers in `ModuleInfo.data`). */
  readonly dataSegments: number;
}

/** One element segment: where it goes and the functions it holds. */
export interface ElementSegment {
  /** `active` segments fill a table at instantiation; `passive` ones wait for `table.init`; `declarative` ones only declare references. */
  readonly mode: 'active' | 'passive' | 'declarative';
  /** The table an active segment fills (0 otherwise). */
  readonly table: number;
  /** Where an active segment starts in its table (null otherwise). */
  readonly offset: ConstExpr | null;
  /** Each element's function index; −1 for `ref.null`, −2 for another constant expression. */
  readonly functions: Int32Array;
}

/** One data segment's header: where it goes and how long it is (its bytes are not copied). */
export interface DataSegment {
  /** `active` segments are written into a memory at instantiation; `passive` ones wait for `memory.init`. */
  readonly mode: 'active' | 'passive';
  /** The memory an active segment is written into (0 otherwise). */
  readonly memory: number;
  /** Where an active segment starts in its memory (null otherwise). */
  readonly offset: ConstExpr | null;
  /** Its length in bytes. */
  readonly size: number;
  /** Where its bytes start in the module. */
  readonly start: number;
}

/** The linking view of a whole module, as returned by `readModule`. */
export interface ModuleInfo {
  /** Dynamic-linking metadata when the first section is `dylink.0`/`dylink`, else `null`. */
  readonly dylink: DylinkInfo | null;
  /** The type section, by type index. */
  readonly types: readonly TypeDef[];
  /** Imports in section order. */
  readonly imports: readonly Import[];
  /** Exports in section order. */
  readonly exports: readonly Export[];
  /** Globals the module defines. */
  readonly globals: readonly GlobalDef[];
  /** Memories the module defines. */
  readonly memories: readonly MemoryType[];
  /** Tables the module defines. */
  readonly tables: readonly TableType[];
  /** Type index of each defined function (function index − imported functions). */
  readonly functionTypeIndices: Uint32Array;
  /** Start function index, or `null`. */
  readonly start: number | null;
  /** The element segments (what a module puts into tables). */
  readonly elements: readonly ElementSegment[];
  /** The data segments' headers (none when only the module's head was read). */
  readonly data: readonly DataSegment[];
  /** Index-space sizes and segment counts. */
  readonly counts: ModuleCounts;
  /** Every section in file order. */
  readonly sections: readonly SectionInfo[];
  /** The `producers` section, or `null` when absent or unreadable (see `warnings`). */
  readonly producers: readonly ProducerField[] | null;
  /** The `target_features` section, or `null` when absent or unreadable. */
  readonly targetFeatures: readonly TargetFeature[] | null;
  /** Module name from the `name` section, or `null`. */
  readonly moduleName: string | null;
  /** Non-fatal problems: unreadable optional custom sections, a dylink section not first. */
  readonly warnings: readonly DlFormatError[];
}
