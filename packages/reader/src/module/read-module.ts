import { DlFormatError } from '@dl/errors';
import { ByteReader } from '../bytes/byte-reader.js';
import { parseDylink0, parseLegacyDylink } from '../dylink/parse-payload.js';
import type { DylinkInfo } from '../dylink/types.js';
import { sectionIds, sectionNames, sectionRank } from '../format/ids.js';
import { toBytes } from '../input.js';
import type { BinaryInput, ReadOptions } from '../input.js';
import { readModuleName, readProducers, readTargetFeatures } from './custom-sections.js';
import {
  readExportSection,
  readFunctionSection,
  readGlobalSection,
  readImportSection,
  readMemorySection,
  readTableSection,
  readTagSection,
} from './entities.js';
import type { IndexSpaces } from './entities.js';
import { readDataSection } from './data.js';
import { readElementSection } from './elements.js';
import { checkHeader, HEADER_SIZE } from './header.js';
import { readTypeSection } from './types-section.js';
import type {
  DataSegment,
  ElementSegment,
  Export,
  GlobalDef,
  Import,
  MemoryType,
  ModuleInfo,
  SectionInfo,
  TableType,
} from './types.js';

/** Options of {@link readModule}. */
export interface ModuleReadOptions extends ReadOptions {
  /**
   * The bytes are a module's head (they end before its code section, as measured by
   * `moduleHeadLength`): the function bodies are not expected.
   */
  readonly head?: boolean | undefined;
}

/** Mutable state while walking the sections. */
interface Walk {
  readonly spaces: IndexSpaces;
  imports: Import[];
  exports: Export[];
  globals: GlobalDef[];
  memories: MemoryType[];
  tables: TableType[];
  functionTypeIndices: Uint32Array;
  start: number | null;
  elements: ElementSegment[];
  data: DataSegment[];
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
    const range = { start, end: s.end };
    const parse = (): DylinkInfo => (name === 'dylink.0' ? parseDylink0(s, range) : parseLegacyDylink(s, range));
    // Only a dylink section in first position counts (loaders look nowhere else); any other is
    // read for diagnostics only and can never make the module unreadable.
    if (start === HEADER_SIZE) {
      w.dylink = parse();
    } else if (optional(w, parse) !== null) {
      w.warnings.push(
        new DlFormatError(
          'DL_NOT_SIDE_MODULE',
          `a "${name}" section that is not the first section is ignored`,
          start,
          'custom section',
          s.library,
        ),
      );
    }
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
    case sectionIds.type:
      sp.types = readTypeSection(s);
      break;
    case sectionIds.import:
      w.imports = readImportSection(s, sp);
      break;
    case sectionIds.function:
      w.functionTypeIndices = readFunctionSection(s, sp);
      break;
    case sectionIds.table:
      w.tables = readTableSection(s, sp);
      break;
    case sectionIds.memory:
      w.memories = readMemorySection(s, sp);
      break;
    case sectionIds.tag:
      readTagSection(s, sp);
      break;
    case sectionIds.global:
      w.globals = readGlobalSection(s, sp);
      break;
    case sectionIds.export:
      w.exports = readExportSection(s, sp, w.globals);
      break;
    case sectionIds.start:
      w.start = s.u32('start function index');
      s.expectEnd('start section');
      break;
    case sectionIds.datacount:
      s.u32('data count');
      s.expectEnd('datacount section');
      break;
    case sectionIds.element:
      w.elements = readElementSection(s, sp);
      break;
    // Bodies are skipped by size, never decoded: only their count is read; of the data
    // segments only the headers (their bytes are skipped).
    case sectionIds.code:
      w.codeCount = s.u32('function body count');
      break;
    case sectionIds.data:
      w.data = readDataSection(s);
      break;
  }
}

/** Pass 1 of a whole module: every section's header (ids, order, duplicates, sizes), nothing decoded. */
function walkSections(r: ByteReader): SectionInfo[] {
  const sections: SectionInfo[] = [];
  let lastRank = 0;
  while (!r.atEnd) {
    const start = r.position;
    const id = r.u8('section id');
    const size = r.u32('section size');
    const kind = sectionNames[id];
    if (kind === undefined) r.fail('DL_BAD_VALUE', `unknown section id ${id}`, 'section id', start);
    const payloadStart = r.position;
    if (id === sectionIds.custom) {
      const s = r.sub(size, 'custom section');
      sections.push({ id, name: s.name('custom section name'), start, payloadStart: s.position, end: s.end });
      continue;
    }
    r.skip(size, `${kind} section`);
    const rank = sectionRank[id]!;
    if (rank === lastRank) r.fail('DL_DUPLICATE_SECTION', `a second ${kind} section`, 'section', start);
    if (rank < lastRank)
      r.fail('DL_SECTION_ORDER', `the ${kind} section comes after a section it must precede`, 'section', start);
    lastRank = rank;
    sections.push({ id, name: kind, start, payloadStart, end: payloadStart + size });
  }
  return sections;
}

/**
 * Checks a whole module's framing — header, every section's id, size (within the bytes), order
 * and custom section name — reading headers only (cost: the number of sections). What
 * `readModule` refuses in its first pass, this refuses with the same code and message, so a
 * loader can check bytes this cheaply before handing them to the engine's compiler.
 *
 * @param input - the module's bytes
 * @throws DlFormatError (`DL_TRUNCATED`, `DL_BAD_VALUE`, `DL_SECTION_ORDER`, ...)
 */
export function checkModuleFraming(input: BinaryInput, options: ModuleReadOptions = {}): void {
  const bytes = toBytes(input);
  checkHeader(bytes, options.name, true);
  walkSections(new ByteReader(bytes, { start: HEADER_SIZE, library: options.name }));
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
export function readModule(input: BinaryInput, options: ModuleReadOptions = {}): ModuleInfo {
  const bytes = toBytes(input);
  const library = options.name;
  checkHeader(bytes, library, true);
  const r: ByteReader = new ByteReader(bytes, { start: HEADER_SIZE, library });
  const w = emptyWalk();
  // Pass 1, headers only: ids, order, duplicates and sizes, so a misplaced section is
  // reported as such rather than through the first symptom it causes.
  const sections = walkSections(r);
  // Pass 2: decode what linking needs.
  for (const sec of sections) {
    const s = new ByteReader(bytes, { start: sec.payloadStart, end: sec.end, library, bounded: true });
    if (sec.id === sectionIds.custom) readCustom(w, s, sec.name, sec.start);
    else readKnown(w, sec.id, s);
  }
  checkCounts(r, w, options.head === true);
  return moduleInfoOf(w, sections);
}

/** Nothing read yet. */
function emptyWalk(): Walk {
  return {
    spaces: {
      types: [],
      importedFunctionTypes: [],
      definedFunctionTypes: new Uint32Array(0),
      globalTypes: [],
      tables: 0,
      memories: 0,
      tags: 0,
    },
    imports: [],
    exports: [],
    globals: [],
    memories: [],
    tables: [],
    functionTypeIndices: new Uint32Array(0),
    start: null,
    elements: [],
    data: [],
    codeCount: null,
    dylink: null,
    producers: null,
    targetFeatures: null,
    moduleName: null,
    warnings: [],
  };
}

/** The counts sections must agree on: one body per declared function (unless only the head was read), a start in range. */
function checkCounts(r: ByteReader, w: Walk, headOnly: boolean): void {
  const defined = w.functionTypeIndices.length;
  if (!headOnly && (w.codeCount ?? 0) !== defined) {
    r.fail(
      'DL_SIZE_MISMATCH',
      `the function section declares ${defined} functions but the code section has ${w.codeCount ?? 0} bodies`,
      'code section',
    );
  }
  if (w.start !== null && w.start >= w.spaces.importedFunctionTypes.length + defined) {
    r.fail('DL_BAD_INDEX', `start function ${w.start} is out of range`, 'start section');
  }
}

/** What was read, as the public {@link ModuleInfo}. */
function moduleInfoOf(w: Walk, sections: ModuleInfo['sections']): ModuleInfo {
  return {
    dylink: w.dylink,
    types: w.spaces.types,
    imports: w.imports,
    exports: w.exports,
    globals: w.globals,
    memories: w.memories,
    tables: w.tables,
    functionTypeIndices: w.functionTypeIndices,
    start: w.start,
    elements: w.elements,
    data: w.data,
    counts: {
      types: w.spaces.types.length,
      importedFunctions: w.spaces.importedFunctionTypes.length,
      definedFunctions: w.functionTypeIndices.length,
      importedGlobals: w.spaces.globalTypes.length - w.globals.length,
      definedGlobals: w.globals.length,
      tables: w.spaces.tables,
      memories: w.spaces.memories,
      tags: w.spaces.tags,
      elementSegments: w.elements.length,
      dataSegments: w.data.length,
    },
    sections,
    producers: w.producers,
    targetFeatures: w.targetFeatures,
    moduleName: w.moduleName,
    warnings: w.warnings,
  };
}
