/**
 * Identifiers of the WebAssembly binary format and the dynamic-linking conventions, as data.
 * Sources: WebAssembly core spec §5 (binary format); tool-conventions DynamicLinking.md and
 * Linking.md (dylink.0 subsections, symbol flags).
 */

/** Section ids of the core binary format (spec §5.5.2). */
export const sectionIds = {
  custom: 0,
  type: 1,
  import: 2,
  function: 3,
  table: 4,
  memory: 5,
  global: 6,
  export: 7,
  start: 8,
  element: 9,
  code: 10,
  data: 11,
  datacount: 12,
  tag: 13,
} as const;

/** Name of a section, indexed by id. */
export const sectionNames: readonly string[] = [
  'custom',
  'type',
  'import',
  'function',
  'table',
  'memory',
  'global',
  'export',
  'start',
  'element',
  'code',
  'data',
  'datacount',
  'tag',
];

/**
 * Required order of the non-custom sections, by id → rank. The tag section sits between
 * memory and global; datacount between element and code (spec §5.5.16, exception-handling).
 */
export const sectionRank: readonly number[] = [0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 12, 13, 11, 6];

/** The kinds of imports and exports, indexed by their binary code. */
export const externalKinds = ['function', 'table', 'memory', 'global', 'tag'] as const;

/** An import or export kind. */
export type ExternalKind = (typeof externalKinds)[number];

/** Value types with a one-byte encoding (numeric, vector and the abbreviated reference types). */
export const valueTypeCodes: ReadonlyMap<number, string> = new Map([
  [0x7f, 'i32'],
  [0x7e, 'i64'],
  [0x7d, 'f32'],
  [0x7c, 'f64'],
  [0x7b, 'v128'],
  [0x70, 'funcref'],
  [0x6f, 'externref'],
  [0x69, 'exnref'],
  [0x6e, 'anyref'],
  [0x6d, 'eqref'],
  [0x6c, 'i31ref'],
  [0x6b, 'structref'],
  [0x6a, 'arrayref'],
  [0x71, 'nullref'],
  [0x72, 'nullexternref'],
  [0x73, 'nullfuncref'],
  [0x74, 'nullexnref'],
]);

/** Abstract heap types, for `(ref null? ht)` (GC and exception-handling proposals). */
export const heapTypeCodes: ReadonlyMap<number, string> = new Map([
  [0x70, 'func'],
  [0x6f, 'extern'],
  [0x69, 'exn'],
  [0x6e, 'any'],
  [0x6d, 'eq'],
  [0x6c, 'i31'],
  [0x6b, 'struct'],
  [0x6a, 'array'],
  [0x71, 'none'],
  [0x72, 'noextern'],
  [0x73, 'nofunc'],
  [0x74, 'noexn'],
]);

/** Type-section forms. */
export const typeForms = {
  func: 0x60,
  struct: 0x5f,
  array: 0x5e,
  sub: 0x50,
  subFinal: 0x4f,
  rec: 0x4e,
  refNull: 0x63,
  ref: 0x64,
  packedI8: 0x78,
  packedI16: 0x77,
} as const;

/** Subsection ids of the `dylink.0` custom section. */
export const dylinkSubsections = {
  memInfo: 1,
  needed: 2,
  exportInfo: 3,
  importInfo: 4,
  runtimePath: 5,
} as const;

/** Human name of each known `dylink.0` subsection, by id. */
export const dylinkSubsectionNames: ReadonlyMap<number, string> = new Map([
  [1, 'WASM_DYLINK_MEM_INFO'],
  [2, 'WASM_DYLINK_NEEDED'],
  [3, 'WASM_DYLINK_EXPORT_INFO'],
  [4, 'WASM_DYLINK_IMPORT_INFO'],
  [5, 'WASM_DYLINK_RUNTIME_PATH'],
]);

/** Symbol flags used in EXPORT_INFO / IMPORT_INFO (Linking.md "Symbol flags"). */
export const symbolFlags = {
  BINDING_WEAK: 0x1,
  BINDING_LOCAL: 0x2,
  VISIBILITY_HIDDEN: 0x4,
  UNDEFINED: 0x10,
  EXPORTED: 0x20,
  EXPLICIT_NAME: 0x40,
  NO_STRIP: 0x80,
  TLS: 0x100,
  ABSOLUTE: 0x200,
} as const;

/** The two binding bits; a symbol is weak when `(flags & BINDING_MASK) === BINDING_WEAK`. */
export const BINDING_MASK = 0x3;

/** Flag bit → text-format keyword, in bit order (tool-conventions "Text format of dylink.0"). */
export const symbolFlagKeywords: readonly (readonly [number, string])[] = [
  [0x1, 'binding-weak'],
  [0x2, 'binding-local'],
  [0x4, 'visibility-hidden'],
  [0x10, 'undefined'],
  [0x20, 'exported'],
  [0x40, 'explicit-name'],
  [0x80, 'no-strip'],
  [0x100, 'tls'],
  [0x200, 'absolute'],
];

/** Opcodes allowed in constant expressions (core spec + extended-const, GC, SIMD prefixes). */
export const constOpcodes = {
  end: 0x0b,
  globalGet: 0x23,
  i32Const: 0x41,
  i64Const: 0x42,
  f32Const: 0x43,
  f64Const: 0x44,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32Mul: 0x6c,
  i64Add: 0x7c,
  i64Sub: 0x7d,
  i64Mul: 0x7e,
  refNull: 0xd0,
  refFunc: 0xd2,
  prefixGc: 0xfb,
  prefixSimd: 0xfd,
} as const;

/** The binary magic `\0asm` and the only core-module version. */
export const WASM_MAGIC = 0x6d736100;
/** Core module binary version (component binaries use a different layer/version word). */
export const WASM_VERSION = 1;
