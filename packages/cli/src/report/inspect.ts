import { classifyExport, classifyImport, formatFuncType, readModule } from '@dl/reader';
import type {
  ConstExpr,
  DylinkInfo,
  Export,
  ExportCategory,
  Import,
  ImportCategory,
  ModuleInfo,
  ProducerField,
} from '@dl/reader';
import { DlError } from '@dl/errors';
import { printable } from './printable.js';
import { groupDigits, listOrNone, plural, renderTable } from './table.js';

/** Import counts by dynamic-linking category. */
export type ImportCounts = Readonly<Record<ImportCategory, number>>;
/** Export counts by category. */
export type ExportCounts = Readonly<Record<ExportCategory, number>>;

/** An import as plain JSON data. */
export interface ImportEntry {
  /** Import module, e.g. `env` or `GOT.mem`. */
  readonly module: string;
  /** Import field: the symbol name. */
  readonly name: string;
  /** Wasm import kind. */
  readonly kind: Import['kind'];
  /** Dynamic-linking category. */
  readonly category: ImportCategory;
  /** Function/tag signature `(i32) -> i32`, global `i32` / `mut i32`, or memory/table limits. */
  readonly type: string;
  /** True when IMPORT_INFO marks the import weak. */
  readonly weak: boolean;
}

/** An export as plain JSON data. */
export interface ExportEntry {
  /** Export name. */
  readonly name: string;
  /** Wasm export kind. */
  readonly kind: Export['kind'];
  /** Dynamic-linking category. */
  readonly category: ExportCategory;
  /** Index in the index space of its kind. */
  readonly index: number;
  /** Signature for functions, value type for globals. */
  readonly type: string | null;
  /** Constant value of a global (i64 values as decimal strings); data addresses are relative to `__memory_base`. */
  readonly value: number | string | null;
}

/**
 * What `dl inspect` reports about one side module (also its `--json` shape): every
 * `DylinkInfo` field under the same name (the sets as arrays), plus counts and entries.
 */
export interface InspectReport extends Omit<DylinkInfo, 'tlsExports' | 'weakImports' | 'section'> {
  /** The file name as given. */
  readonly file: string;
  /** File size in bytes. */
  readonly size: number;
  /** Names of TLS exports. */
  readonly tlsExports: readonly string[];
  /** Fields of weak imports. */
  readonly weakImports: readonly string[];
  /** Imports by category. */
  readonly importCounts: ImportCounts;
  /** Exports by category. */
  readonly exportCounts: ExportCounts;
  /** Start function: index and export name when exported. */
  readonly start: { readonly index: number; readonly name: string | null } | null;
  /** The producers section (empty when absent). */
  readonly producers: readonly ProducerField[];
  /** Every import in section order. */
  readonly imports: readonly ImportEntry[];
  /** Every export in section order. */
  readonly exports: readonly ExportEntry[];
}

function describeImportType(imp: Import): string {
  switch (imp.kind) {
    case 'function':
    case 'tag':
      return formatFuncType(imp.type);
    case 'global':
      return `${imp.type.mutable ? 'mut ' : ''}${imp.type.valueType}`;
    case 'memory':
    case 'table': {
      const l = imp.type.limits;
      const range = `${l.min}${l.max === null ? '' : `..${l.max}`}`;
      const flags = [l.shared ? 'shared' : '', l.index64 ? '64-bit' : ''].filter(Boolean).join(' ');
      const unit = imp.kind === 'table' ? `${imp.type.elementType} ` : '';
      return `${unit}${range}${flags === '' ? '' : ` ${flags}`}`;
    }
  }
}

/** Constant value of an initialiser, JSON-safe: numbers, i64 as decimal strings. */
export function constValue(init: ConstExpr | null): number | string | null {
  if (init === null) return null;
  switch (init.op) {
    case 'i32.const':
    case 'f32.const':
    case 'f64.const':
      return init.value;
    case 'i64.const':
      return init.value.toString();
    default:
      return null;
  }
}

const importCategories: readonly ImportCategory[] = [
  'env-function',
  'env-global',
  'got-mem',
  'got-func',
  'memory',
  'table',
  'tag',
  'other',
];
const exportCategories: readonly ExportCategory[] = ['function', 'data', 'tls', 'global', 'memory', 'table', 'tag'];

function count<K extends string>(keys: readonly K[], values: readonly K[]): Record<K, number> {
  const out = Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
  for (const v of values) out[v]++;
  return out;
}

/**
 * Builds the `dl inspect` report of a side module.
 *
 * @param bytes - the module
 * @param file - its name, used in the report and in errors
 * @param module - the module already read with `readModule`, to avoid reading it twice
 * @throws DlError when the module is malformed or not a side module
 */
export function buildInspectReport(
  bytes: Uint8Array,
  file: string,
  module: ModuleInfo = readModule(bytes, { name: file }),
): InspectReport {
  const d = module.dylink;
  if (d === null) {
    throw new DlError('DL_NOT_SIDE_MODULE', 'not a side module: it has no dylink.0 (or dylink) section first', {
      library: file,
    });
  }
  const imports = module.imports.map((i): ImportEntry => ({
    module: i.module,
    name: i.name,
    kind: i.kind,
    category: classifyImport(i),
    type: describeImportType(i),
    weak: d.weakImports.has(i.name),
  }));
  const exports = module.exports.map((e): ExportEntry => ({
    name: e.name,
    kind: e.kind,
    category: classifyExport(e, d),
    index: e.index,
    type:
      e.kind === 'function'
        ? formatFuncType(e.type)
        : e.kind === 'global'
          ? `${e.type.mutable ? 'mut ' : ''}${e.type.valueType}`
          : null,
    value: e.kind === 'global' ? constValue(e.init) : null,
  }));
  const startName =
    module.start === null
      ? null
      : (module.exports.find((e) => e.kind === 'function' && e.index === module.start)?.name ?? null);
  const { tlsExports, weakImports, section, ...fields } = d;
  return {
    file,
    size: bytes.length,
    ...fields,
    tlsExports: [...tlsExports],
    weakImports: [...weakImports],
    importCounts: count(
      importCategories,
      imports.map((i) => i.category),
    ),
    exportCounts: count(
      exportCategories,
      exports.map((e) => e.category),
    ),
    start: module.start === null ? null : { index: module.start, name: startName },
    producers: module.producers ?? [],
    imports,
    exports,
  };
}

function alignment(log2: number, unit: string): string {
  return log2 < 53
    ? `aligned to ${groupDigits(2 ** log2)} ${unit}${log2 === 0 ? '' : 's'} (2^${log2})`
    : `alignment 2^${log2}`;
}

/** Renders an inspect report for people: aligned label/value lines. */
export function renderInspect(r: InspectReport): string {
  const ic = r.importCounts;
  const ec = r.exportCounts;
  const weak = r.importInfo.filter((i) => r.weakImports.includes(i.field)).map((i) => `${i.module}.${i.field}`);
  const lines: string[][] = [
    ['format', r.format],
    ['file size', plural(r.size, 'byte')],
    ['memory', `${plural(r.memorySize, 'byte')}, ${alignment(r.memoryAlign, 'byte')}`],
    ['table', `${plural(r.tableSize, 'slot')}, ${alignment(r.tableAlign, 'slot')}`],
    ['needed', listOrNone(r.needed)],
    ['runtime paths', listOrNone(r.runtimePaths)],
    [
      'imports',
      `${groupDigits(r.imports.length)}: env functions ${ic['env-function']}, env globals ${ic['env-global']}, GOT.mem ${ic['got-mem']}, GOT.func ${ic['got-func']}, memory ${ic.memory}, table ${ic.table}, tags ${ic.tag}, other modules ${ic.other}`,
    ],
    [
      'exports',
      `${groupDigits(r.exports.length)}: functions ${ec.function}, data ${ec.data}, TLS data ${ec.tls}, other globals ${ec.global}, memory ${ec.memory}, table ${ec.table}, tags ${ec.tag}`,
    ],
    [
      'start function',
      r.start === null ? '(none)' : `function ${r.start.index}${r.start.name === null ? '' : ` (${r.start.name})`}`,
    ],
    ['TLS exports', listOrNone(r.tlsExports)],
    ['weak imports', listOrNone(weak)],
  ];
  if (r.unknownSubsections.length > 0) {
    lines.push([
      'unknown subsections',
      r.unknownSubsections.map((u) => `id ${u.id} (${plural(u.size, 'byte')} at byte ${u.offset})`).join(', '),
    ]);
  }
  if (r.producers.length > 0) {
    lines.push([
      'producers',
      r.producers
        .map((f) => `${f.field}: ${f.values.map((v) => `${v.name} ${v.version}`.trim()).join(', ')}`)
        .join('; '),
    ]);
  }
  return `${printable(r.file)}\n${renderTable(lines, [], '  ')}`;
}
