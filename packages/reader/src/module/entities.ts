import type { ByteReader } from '../bytes/byte-reader.js';
import { readConstExpr } from './const-expr.js';
import { readGlobalType, readLimits, readTableType } from './types-section.js';
import type {
  Export,
  FuncType,
  GlobalDef,
  GlobalType,
  Import,
  MemoryType,
  ModuleInfo,
  TableType,
  TypeDef,
} from './types.js';

/** Index spaces as they fill up while sections are read. */
export interface IndexSpaces {
  types: readonly TypeDef[];
  /** Types of the imported functions. */
  readonly importedFunctionTypes: FuncType[];
  /** Type index of each defined function. */
  definedFunctionTypes: Uint32Array;
  readonly globalTypes: GlobalType[];
  tables: number;
  memories: number;
  tags: number;
}

/** Looks up a function type by index, failing on a bad index or a non-function type. */
export function funcTypeAt(
  r: ByteReader,
  types: readonly TypeDef[],
  index: number,
  what: string,
  at: number,
): FuncType {
  const t = types[index];
  if (t === undefined) r.fail('DL_BAD_INDEX', `type index ${index} is out of range (${types.length} types)`, what, at);
  if (t.kind !== 'func') r.fail('DL_BAD_INDEX', `type ${index} is a ${t.kind} type, not a function type`, what, at);
  return t;
}

/** Reads the import section (each entry: module, field, kind, type). */
export function readImportSection(r: ByteReader, spaces: IndexSpaces): Import[] {
  const n = r.count('import count', 4);
  const imports: Import[] = [];
  // Module names repeat (env, GOT.mem, GOT.func): reuse the last string when the bytes match.
  let lastModule = '';
  let lastStart = -1;
  let lastLength = -1;
  for (let i = 0; i < n; i++) {
    const nameAt = r.position;
    const length = r.u32('import module name');
    let module: string;
    if (length === lastLength && r.sameBytes(lastStart, r.position, length)) {
      r.skip(length, 'import module name');
      module = lastModule;
    } else {
      lastStart = r.position;
      lastLength = length;
      r.reset(nameAt);
      module = lastModule = r.name('import module name');
    }
    const name = r.name('import field name');
    const at = r.position;
    const kind = r.u8('import kind');
    switch (kind) {
      case 0: {
        const typeAt = r.position;
        const typeIndex = r.u32('import type index');
        const type = funcTypeAt(r, spaces.types, typeIndex, 'function import', typeAt);
        imports.push({ kind: 'function', module, name, index: spaces.importedFunctionTypes.length, typeIndex, type });
        spaces.importedFunctionTypes.push(type);
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
        if (r.u8('tag attribute') !== 0)
          r.fail('DL_BAD_VALUE', 'tag attribute must be 0 (exception)', 'tag import', attrAt);
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

/** Reads the function section: the type index of each defined function (checked, not resolved). */
export function readFunctionSection(r: ByteReader, spaces: IndexSpaces): Uint32Array {
  const n = r.count('function count', 1);
  const indices = new Uint32Array(n);
  const typeCount = spaces.types.length;
  for (let i = 0; i < n; i++) {
    const at = r.position;
    const t = r.u32('function type index');
    if (t >= typeCount || spaces.types[t]!.kind !== 'func') funcTypeAt(r, spaces.types, t, 'function declaration', at);
    indices[i] = t;
  }
  r.expectEnd('function section');
  spaces.definedFunctionTypes = indices;
  return indices;
}

/** The type of function `index` (imported functions first), or undefined when out of range. */
export function functionTypeAt(
  spaces: Pick<IndexSpaces, 'types' | 'importedFunctionTypes' | 'definedFunctionTypes'>,
  index: number,
): FuncType | undefined {
  const imported = spaces.importedFunctionTypes.length;
  if (index < imported) return spaces.importedFunctionTypes[index];
  const t = spaces.definedFunctionTypes[index - imported];
  return t === undefined ? undefined : (spaces.types[t] as FuncType);
}

/**
 * The function types of a module read by `readModule`, by function index (imported functions
 * first): what an element segment's or a call's function index means.
 */
export function functionTypesOf(info: ModuleInfo): (index: number) => FuncType | undefined {
  const spaces = {
    types: info.types,
    importedFunctionTypes: info.imports.flatMap((i) => (i.kind === 'function' ? [i.type] : [])),
    definedFunctionTypes: info.functionTypeIndices,
  };
  return (index) => functionTypeAt(spaces, index);
}

/** Number of functions: imported + defined. */
export function functionCount(spaces: IndexSpaces): number {
  return spaces.importedFunctionTypes.length + spaces.definedFunctionTypes.length;
}

/** Reads the table section (plain table types, or `0x40 0x00` tables with an initialiser). */
export function readTableSection(r: ByteReader, spaces: IndexSpaces): TableType[] {
  const n = r.count('table count', 2);
  const tables: TableType[] = [];
  for (let i = 0; i < n; i++) {
    if (r.position < r.end && r.bytes[r.position] === 0x40) {
      const at = r.position;
      r.skip(1, 'table with initialiser');
      if (r.u8('reserved byte') !== 0)
        r.fail('DL_BAD_VALUE', 'reserved byte after 0x40 must be 0', 'table definition', at);
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
    if (r.u8('tag attribute') !== 0)
      r.fail('DL_BAD_VALUE', 'tag attribute must be 0 (exception)', 'tag definition', at);
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

/**
 * Reads the export section. The sections defining every index space precede it, so each
 * export is typed as it is read.
 *
 * @param globals - the defined globals, for initialisers of exported globals
 */
export function readExportSection(r: ByteReader, spaces: IndexSpaces, globals: readonly GlobalDef[]): Export[] {
  const n = r.count('export count', 3);
  const out: Export[] = [];
  const { globalTypes } = spaces;
  const definedGlobalBase = globalTypes.length - globals.length;
  for (let i = 0; i < n; i++) {
    const at = r.position;
    const name = r.name('export name');
    const kindAt = r.position;
    const code = r.u8('export kind');
    const index = r.u32('export index');
    switch (code) {
      case 0: {
        const type = functionTypeAt(spaces, index);
        if (type === undefined) badExportIndex(r, name, 'function', index, functionCount(spaces), at);
        out.push({ kind: 'function', name, index, type });
        break;
      }
      case 3: {
        const type = globalTypes[index];
        if (type === undefined) badExportIndex(r, name, 'global', index, globalTypes.length, at);
        const init = index >= definedGlobalBase ? globals[index - definedGlobalBase]!.init : null;
        out.push({ kind: 'global', name, index, type, init });
        break;
      }
      case 1:
      case 2:
      case 4: {
        const kind = code === 1 ? 'table' : code === 2 ? 'memory' : 'tag';
        const size = code === 1 ? spaces.tables : code === 2 ? spaces.memories : spaces.tags;
        if (index >= size) badExportIndex(r, name, kind, index, size, at);
        out.push({ kind, name, index });
        break;
      }
      default:
        r.fail('DL_BAD_VALUE', `unknown export kind ${code}`, 'export kind', kindAt);
    }
  }
  r.expectEnd('export section');
  return out;
}

function badExportIndex(r: ByteReader, name: string, kind: string, index: number, size: number, at: number): never {
  return r.fail(
    'DL_BAD_INDEX',
    `export ${JSON.stringify(name)} refers to ${kind} ${index}, but there are ${size}`,
    'export',
    at,
  );
}
