import { DlFormatError } from '@dl/errors';
import { ByteReader } from '../bytes/byte-reader.js';
import { parseDylink0, parseLegacyDylink } from '../dylink/parse-payload.js';
import type { DylinkInfo } from '../dylink/types.js';
import { sectionIds, sectionNames, sectionRank } from '../format/ids.js';
import { toBytes } from '../input.js';
import type { BinaryInput, ReadOptions } from '../input.js';
import { readModuleName, readProducers, readTargetFeatures } from './custom-sections.js';
import {
  readExportSection, readFunctionSection, readGlobalSection, readImportSection,
  readMemorySection, readTableSection, readTagSection,
} from './entities.js';
import type { IndexSpaces, RawExport } from './entities.js';
import { checkHeader, HEADER_SIZE } from './header.js';
import { readTypeSection } from './types-section.js';
import type { Export, GlobalDef, Import, MemoryType, ModuleInfo, SectionInfo, TableType } from './types.js';

/** Mutable state while walking the sections. */
interface Walk {
  readonly spaces: IndexSpaces;
  imports: Import[];
  rawExports: RawExport[];
  globals: GlobalDef[];
  memories: MemoryType[];
  tables: TableType[];
  functionTypeIndices: Uint32Array;
  start: number | null;
  elementSegments: number;
  dataSegments: number;
  codeCount: number | null;
  dylink: DylinkInfo | null;
  producers: ModuleInfo['producers'];
  targetFeatures: ModuleInfo['targetFeatures'];
  moduleName: string | null;
  readonly warnings: DlFormatError[];
}

/** Reads an optional custom section; a malformed one becomes a warning, not a failure. */
function optional<T>(w: Walk, read: () => T): T | null {
  try {
    return read();
  } catch (e) {
    if (!(e instanceof DlFormatError)) throw e;
    w.warnings.push(e);
    return null;
  }
}

function readCustom(w: Walk, s: ByteReader, name: string, start: number): void {
  if (name === 'dylink.0' || name === 'dylink') {
    if (w.dylink !== null) s.fail('DL_DUPLICATE_SECTION', `a second "${name}" section`, 'custom section', start);
    const range = { start, end: s.end };
    const info = name === 'dylink.0' ? parseDylink0(s, range) : parseLegacyDylink(s, range);
    if (start === HEADER_SIZE) w.dylink = info;
    else w.warnings.push(new DlFormatError('DL_NOT_SIDE_MODULE', `the "${name}" section is not the first section, so loaders ignore it`, start, 'custom section', s.library));
  } else if (name === 'producers') {
    w.producers = optional(w, () => readProducers(s));
  } else if (name === 'target_features') {
    w.targetFeatures = optional(w, () => readTargetFeatures(s));
  } else if (name === 'name') {
    w.moduleName = optional(w, () => readModuleName(s));
  }
}

function readKnown(w: Walk, id: number, s: ByteReader): void {
  const sp = w.spaces;
  switch (id) {
    case sectionIds.type: sp.types = readTypeSection(s); break;
    case sectionIds.import: w.imports = readImportSection(s, sp); break;
    case sectionIds.function: w.functionTypeIndices = readFunctionSection(s, sp); break;
    case sectionIds.table: w.tables = readTableSection(s, sp); break;
    case sectionIds.memory: w.memories = readMemorySection(s, sp); break;
    case sectionIds.tag: readTagSection(s, sp); break;
    case sectionIds.global: w.globals = readGlobalSection(s, sp); break;
    case sectionIds.export: w.rawExports = readExportSection(s); break;
    case sectionIds.start: w.start = s.u32('start function index'); s.expectEnd('start section'); break;
    case sectionIds.datacount: s.u32('data count'); s.expectEnd('datacount section'); break;
    // Bodies and segments are skipped by size, never decoded: only their counts are read.
    case sectionIds.element: w.elementSegments = s.u32('element segment count'); break;
    case sectionIds.code: w.codeCount = s.u32('function body count'); break;
    case sectionIds.data: w.dataSegments = s.u32('data segment count'); break;
  }
}

function typedExports(r: ByteReader, w: Walk): Export[] {
  const { functionTypes, globalTypes, tables, memories, tags } = w.spaces;
  const definedGlobalBase = globalTypes.length - w.globals.length;
  const limits = { table: tables, memory: memories, tag: tags };
  return w.rawExports.map((e): Export => {
    const bad = (size: number): never =>
      r.fail('DL_BAD_INDEX', `export ${JSON.stringify(e.name)} refers to ${e.kind} ${e.index}, but there are ${size}`, 'export', e.at);
    if (e.kind === 'function') {
      const type = functionTypes[e.index] ?? bad(functionTypes.length);
      return { kind: 'function', name: e.name, index: e.index, type };
    }
    if (e.kind === 'global') {
      const type = globalTypes[e.index] ?? bad(globalTypes.length);
      const init = e.index >= definedGlobalBase ? w.globals[e.index - definedGlobalBase]!.init : null;
      return { kind: 'global', name: e.name, index: e.index, type, init };
    }
    if (e.index >= limits[e.kind]) bad(limits[e.kind]);
    return { kind: e.kind, name: e.name, index: e.index };
  });
}

/**
 * Reads the linking view of a whole module: types, imports and exports with their full
 * types, defined globals with their initialisers, the start function, every section's
 * position, the dylink metadata and the producers / target_features sections. Code bodies
 * and data segments are skipped by size, never decoded.
 *
 * @param input - the module's bytes
 * @param options - `name` labels errors with the library name
 * @throws DlFormatError on a malformed module
 */
export function readModule(input: BinaryInput, options: ReadOptions = {}): ModuleInfo {
  const bytes = toBytes(input);
  const library = options.name;
  checkHeader(bytes, library, true);
  const r: ByteReader = new ByteReader(bytes, { start: HEADER_SIZE, library });
  const w: Walk = {
    spaces: { types: [], functionTypes: [], globalTypes: [], tables: 0, memories: 0, tags: 0 },
    imports: [], rawExports: [], globals: [], memories: [], tables: [], functionTypeIndices: new Uint32Array(0),
    start: null, elementSegments: 0, dataSegments: 0, codeCount: null, dylink: null,
    producers: null, targetFeatures: null, moduleName: null, warnings: [],
  };
  const sections: SectionInfo[] = [];
  let lastRank = 0;
  while (!r.atEnd) {
    const start = r.position;
    const id = r.u8('section id');
    const size = r.u32('section size');
    const kind = sectionNames[id];
    if (kind === undefined) r.fail('DL_BAD_VALUE', `unknown section id ${id}`, 'section id', start);
    const s = r.sub(size, `${kind} section`);
    if (id === sectionIds.custom) {
      const name = s.name('custom section name');
      sections.push({ id, name, start, payloadStart: s.position, end: s.end });
      readCustom(w, s, name, start);
      continue;
    }
    const rank = sectionRank[id]!;
    if (rank === lastRank) r.fail('DL_DUPLICATE_SECTION', `a second ${kind} section`, 'section', start);
    if (rank < lastRank) r.fail('DL_SECTION_ORDER', `the ${kind} section comes after a section it must precede`, 'section', start);
    lastRank = rank;
    sections.push({ id, name: kind, start, payloadStart: s.position, end: s.end });
    readKnown(w, id, s);
  }
  const defined = w.functionTypeIndices.length;
  if ((w.codeCount ?? 0) !== defined) {
    r.fail('DL_SIZE_MISMATCH', `the function section declares ${defined} functions but the code section has ${w.codeCount ?? 0} bodies`, 'code section');
  }
  const importedFunctions = w.spaces.functionTypes.length - defined;
  if (w.start !== null && w.start >= w.spaces.functionTypes.length) {
    r.fail('DL_BAD_INDEX', `start function ${w.start} is out of range`, 'start section');
  }
  const exports = typedExports(r, w);
  const importedGlobals = w.spaces.globalTypes.length - w.globals.length;
  return {
    dylink: w.dylink,
    types: w.spaces.types,
    imports: w.imports,
    exports,
    globals: w.globals,
    memories: w.memories,
    tables: w.tables,
    functionTypeIndices: w.functionTypeIndices,
    start: w.start,
    counts: {
      types: w.spaces.types.length,
      importedFunctions,
      definedFunctions: defined,
      importedGlobals,
      definedGlobals: w.globals.length,
      tables: w.spaces.tables,
      memories: w.spaces.memories,
      tags: w.spaces.tags,
      elementSegments: w.elementSegments,
      dataSegments: w.dataSegments,
    },
    sections,
    producers: w.producers,
    targetFeatures: w.targetFeatures,
    moduleName: w.moduleName,
    warnings: w.warnings,
  };
}
