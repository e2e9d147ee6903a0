import { classifyExport, classifyImport, formatFuncType, readModule } from '@dl/reader';
import type { ExportCategory, ImportCategory, ModuleInfo } from '@dl/reader';
import { DlError } from '@dl/errors';
import { constValue } from './inspect.js';
import { renderTable } from './table.js';

/** One line of `dl nm`: a defined or an undefined symbol. */
export interface SymbolEntry {
  /** Symbol name (for imports from modules other than `env`/`GOT.*`: `module.field`). */
  readonly name: string;
  /** True for exports, false for imports. */
  readonly defined: boolean;
  /** nm-style letter: see {@link symbolLetters}. */
  readonly letter: string;
  /** Export category for defined symbols, import category for undefined ones. */
  readonly category: ExportCategory | ImportCategory;
  /** Data/TLS address relative to `__memory_base`/`__tls_base`, for data symbols. */
  readonly address: number | null;
  /** Signature or value type, when meaningful. */
  readonly type: string | null;
  /** Import module for undefined symbols. */
  readonly module: string | null;
  /** Undefined and flagged weak in IMPORT_INFO: resolves to 0 / null when nobody defines it. */
  readonly weak: boolean;
}

/** The letters `dl nm` prints, by category (capital = defined, `U`/`w` = undefined). */
export const symbolLetters: Readonly<Record<ExportCategory | 'undefined' | 'weak', string>> = {
  function: 'T',
  data: 'D',
  tls: 'L',
  global: 'G',
  memory: 'M',
  table: 'M',
  tag: 'M',
  undefined: 'U',
  weak: 'w',
};

/** Which symbols `dl nm` lists. */
export type SymbolFilter = 'all' | 'defined' | 'undefined';

/**
 * Lists the symbols of a side module: its exports (defined) and imports (undefined), in
 * section order.
 *
 * @param bytes - the module
 * @param file - its name, for errors
 * @param module - the module already read, to avoid reading it twice
 */
export function listSymbols(
  bytes: Uint8Array,
  file: string,
  module: ModuleInfo = readModule(bytes, { name: file }),
): SymbolEntry[] {
  const d = module.dylink;
  if (d === null) {
    throw new DlError('DL_NOT_SIDE_MODULE', 'not a side module: it has no dylink.0 (or dylink) section first', {
      library: file,
    });
  }
  const defined = module.exports.map((e): SymbolEntry => {
    const category = classifyExport(e, d);
    const value = e.kind === 'global' ? constValue(e.init) : null;
    const address = (category === 'data' || category === 'tls') && typeof value === 'number' ? value : null;
    const type =
      e.kind === 'function'
        ? formatFuncType(e.type)
        : e.kind === 'global'
          ? `${e.type.mutable ? 'mut ' : ''}${e.type.valueType}`
          : e.kind;
    return {
      name: e.name,
      defined: true,
      letter: symbolLetters[category],
      category,
      address,
      type,
      module: null,
      weak: false,
    };
  });
  const undefinedSymbols = module.imports.map((i): SymbolEntry => {
    const category = classifyImport(i);
    const symbolic = i.module === 'env' || i.module === 'GOT.mem' || i.module === 'GOT.func';
    const weak = d.weakImports.has(i.name);
    const type =
      i.kind === 'function' || i.kind === 'tag'
        ? formatFuncType(i.type)
        : i.kind === 'global'
          ? `${i.type.mutable ? 'mut ' : ''}${i.type.valueType}`
          : i.kind;
    return {
      name: symbolic ? i.name : `${i.module}.${i.name}`,
      defined: false,
      letter: weak ? symbolLetters.weak : symbolLetters.undefined,
      category,
      address: null,
      type,
      module: i.module,
      weak,
    };
  });
  return [...defined, ...undefinedSymbols];
}

/**
 * Picks the symbols a filter asks for.
 *
 * @param symbols - from {@link listSymbols}
 * @param filter - all, defined only or undefined only
 */
export function filterSymbols(symbols: readonly SymbolEntry[], filter: SymbolFilter): SymbolEntry[] {
  return symbols.filter((s) => filter === 'all' || s.defined === (filter === 'defined'));
}

const categoryWords: Readonly<Record<ExportCategory | ImportCategory, string>> = {
  function: 'function',
  data: 'data',
  tls: 'TLS data',
  global: 'global',
  memory: 'memory',
  table: 'table',
  tag: 'tag',
  'env-function': 'function',
  'env-global': 'global',
  'got-mem': 'GOT.mem',
  'got-func': 'GOT.func',
  other: 'import',
};

/** Renders symbols like `nm`: address, letter, name, kind and type; sorted by name. */
export function renderSymbols(symbols: readonly SymbolEntry[]): string {
  const sorted = [...symbols].sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : Number(a.defined) - Number(b.defined),
  );
  const rows = sorted.map((s) => [
    s.address === null ? ' '.repeat(8) : s.address.toString(16).padStart(8, '0'),
    s.letter,
    s.name,
    categoryWords[s.category] + (s.weak ? ' (weak)' : ''),
    s.type === null || s.type === s.category ? '' : s.type,
  ]);
  return renderTable(rows);
}
