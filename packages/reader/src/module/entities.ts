import type { ByteReader } from '../bytes/byte-reader.js';
import { externalKinds } from '../format/ids.js';
import { readConstExpr } from './const-expr.js';
import { readGlobalType, readLimits, readTableType } from './types-section.js';
import type { FuncType, GlobalDef, GlobalType, Import, MemoryType, TableType, TypeDef } from './types.js';

/** Index spaces as they fill up while sections are read. */
export interface IndexSpaces {
  types: readonly TypeDef[];
  /** Types of functions: imported first, then defined. */
  readonly functionTypes: FuncType[];
  readonly globalTypes: GlobalType[];
  tables: number;
  memories: number;
  tags: number;
}

/** Looks up a function type by index, failing on a bad index or a non-function type. */
export function funcTypeAt(r: ByteReader, types: readonly TypeDef[], index: number, what: string, at: number): FuncType {
  const t = types[index];
  if (t === undefined) r.fail('DL_BAD_INDEX', `type index ${index} is out of range (${types.length} types)`, what, at);
  if (t.kind !== 'func') r.fail('DL_BAD_INDEX', `type ${index} is a ${t.kind} type, not a function type`, what, at);
  return t;
}

/** Reads the import section (each entry: module, field, kind, type). */
export function readImportSection(r: ByteReader, spaces: IndexSpaces): Import[] {
  const n = r.count('import count', 4);
  const imports: Import[] = [];
  for (let i = 0; i < n; i++) {
    const module = r.name('import module name');
    const name = r.name('import field name');
    const at = r.position;
    const kind = r.u8('import kind');
    switch (kind) {
      case 0: {
        const typeAt = r.position;
        const typeIndex = r.u32('import type index');
        const type = funcTypeAt(r, spaces.types, typeIndex, 'function import', typeAt);
        imports.push({ kind: 'function', module, name, index: spaces.functionTypes.length, typeIndex, type });
        spaces.functionTypes.push(type);
        break;
      }
      case 1:
        imports.push({ kind: 'table', module, name, index: spaces.tables++, type: readTableType(r) });
        break;
      case 2:
        imports.push({ kind: 'memory', module, name, index: spaces.memories++, type: { limits: readLimits(r, true) } });
        break;
      case 3: {
        const type = readGlobalType(r);
        imports.push({ kind: 'global', module, name, index: spaces.globalTypes.length, type });
        spaces.globalTypes.push(type);
        break;
      }
      case 4: {
        const attrAt = r.position;
        if (r.u8('tag attribute') !== 0) r.fail('DL_BAD_VALUE', 'tag attribute must be 0 (exception)', 'tag import', attrAt);
        const typeAt = r.position;
        const typeIndex = r.u32('tag type index');
        const type = funcTypeAt(r, spaces.types, typeIndex, 'tag import', typeAt);
        imports.push({ kind: 'tag', module, name, index: spaces.tags++, typeIndex, type });
        break;
      }
      default:
        r.fail('DL_BAD_VALUE', `unknown import kind ${kind}`, 'import kind', at);
    }
  }
  r.expectEnd('import section');
  return imports;
}

/** Reads the function section: the type index of each defined function. */
export function readFunctionSection(r: ByteReader, spaces: IndexSpaces): Uint32Array {
  const n = r.count('function count', 1);
  const indices = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const at = r.position;
    const t = r.u32('function type index');
    indices[i] = t;
    spaces.functionTypes.push(funcTypeAt(r, spaces.types, t, 'function declaration', at));
  }
  r.expectEnd('function section');
  return indices;
}

/** Reads the table section (plain table types, or `0x40 0x00` tables with an initialiser). */
export function readTableSection(r: ByteReader, spaces: IndexSpaces): TableType[] {
  const n = r.count('table count', 2);
  const tables: TableType[] = [];
  for (let i = 0; i < n; i++) {
    if (r.position < r.end && r.bytes[r.position] === 0x40) {
      const at = r.position;
      r.skip(1, 'table with initialiser');
      if (r.u8('reserved byte') !== 0) r.fail('DL_BAD_VALUE', 'reserved byte after 0x40 must be 0', 'table definition', at);
      const type = readTableType(r);
      readConstExpr(r);
      tables.push(type);
    } else {
      tables.push(readTableType(r));
    }
    spaces.tables++;
  }
  r.expectEnd('table section');
  return tables;
}

/** Reads the memory section. */
export function readMemorySection(r: ByteReader, spaces: IndexSpaces): MemoryType[] {
  const n = r.count('memory count', 2);
  const memories: MemoryType[] = [];
  for (let i = 0; i < n; i++) memories.push({ limits: readLimits(r, true) });
  spaces.memories += n;
  r.expectEnd('memory section');
  return memories;
}

/** Reads the tag section (exception tags). */
export function readTagSection(r: ByteReader, spaces: IndexSpaces): void {
  const n = r.count('tag count', 2);
  for (let i = 0; i < n; i++) {
    const at = r.position;
    if (r.u8('tag attribute') !== 0) r.fail('DL_BAD_VALUE', 'tag attribute must be 0 (exception)', 'tag definition', at);
    const typeAt = r.position;
    funcTypeAt(r, spaces.types, r.u32('tag type index'), 'tag definition', typeAt);
  }
  spaces.tags += n;
  r.expectEnd('tag section');
}

/** Reads the global section: type and initialiser of each defined global. */
export function readGlobalSection(r: ByteReader, spaces: IndexSpaces): GlobalDef[] {
  const n = r.count('global count', 3);
  const globals: GlobalDef[] = [];
  for (let i = 0; i < n; i++) {
    const type = readGlobalType(r);
    const init = readConstExpr(r);
    globals.push({ index: spaces.globalTypes.length, type, init });
    spaces.globalTypes.push(type);
  }
  r.expectEnd('global section');
  return globals;
}

/** A raw export entry, typed later once all index spaces are known. */
export interface RawExport {
  readonly name: string;
  readonly kind: (typeof externalKinds)[number];
  readonly index: number;
  readonly at: number;
}

/** Reads the export section; export names must be unique. */
export function readExportSection(r: ByteReader): RawExport[] {
  const n = r.count('export count', 3);
  const out: RawExport[] = [];
  const names = new Set<string>();
  for (let i = 0; i < n; i++) {
    const at = r.position;
    const name = r.name('export name');
    const kindAt = r.position;
    const code = r.u8('export kind');
    const kind = externalKinds[code];
    if (kind === undefined) r.fail('DL_BAD_VALUE', `unknown export kind ${code}`, 'export kind', kindAt);
    if (names.has(name)) r.fail('DL_BAD_VALUE', `duplicate export name ${JSON.stringify(name)}`, 'export', at);
    names.add(name);
    out.push({ name, kind, index: r.u32('export index'), at });
  }
  r.expectEnd('export section');
  return out;
}
