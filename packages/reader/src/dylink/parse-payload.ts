import type { ByteReader } from '../bytes/byte-reader.js';
import { BINDING_MASK, dylinkSubsectionNames, dylinkSubsections, symbolFlags } from '../format/ids.js';
import type {
  ByteRange,
  DylinkExportInfo,
  DylinkFormat,
  DylinkImportInfo,
  DylinkInfo,
  DylinkUnknownSubsection,
} from './types.js';

interface Fields {
  memorySize: number;
  memoryAlign: number;
  tableSize: number;
  tableAlign: number;
  needed: readonly string[];
  runtimePaths: readonly string[];
  exportInfo: readonly DylinkExportInfo[];
  importInfo: readonly DylinkImportInfo[];
  unknownSubsections: readonly DylinkUnknownSubsection[];
}

function readNames(r: ByteReader, what: string): string[] {
  const n = r.count(`${what} count`, 1);
  const names: string[] = [];
  for (let i = 0; i < n; i++) names.push(r.name(what));
  return names;
}

function readExportInfo(r: ByteReader): DylinkExportInfo[] {
  const n = r.count('EXPORT_INFO count', 2);
  const out: DylinkExportInfo[] = [];
  for (let i = 0; i < n; i++) out.push({ name: r.name('EXPORT_INFO name'), flags: r.u32('EXPORT_INFO flags') });
  return out;
}

function readImportInfo(r: ByteReader): DylinkImportInfo[] {
  const n = r.count('IMPORT_INFO count', 3);
  const out: DylinkImportInfo[] = [];
  for (let i = 0; i < n; i++) {
    out.push({
      module: r.name('IMPORT_INFO module'),
      field: r.name('IMPORT_INFO field'),
      flags: r.u32('IMPORT_INFO flags'),
    });
  }
  return out;
}

/** Most modules have no TLS exports or weak imports: they share this empty, frozen set. */
const NONE: ReadonlySet<string> = Object.freeze(new Set<string>());

function finish(format: DylinkFormat, f: Fields, section: ByteRange | null): DylinkInfo {
  let tlsExports = NONE;
  for (const e of f.exportInfo) {
    if (e.flags & symbolFlags.TLS)
      (tlsExports === NONE ? (tlsExports = new Set()) : (tlsExports as Set<string>)).add(e.name);
  }
  let weakImports = NONE;
  for (const i of f.importInfo) {
    if ((i.flags & BINDING_MASK) === symbolFlags.BINDING_WEAK)
      (weakImports === NONE ? (weakImports = new Set()) : (weakImports as Set<string>)).add(i.field);
  }
  return { format, ...f, tlsExports, weakImports, section };
}

/**
 * Parses a `dylink.0` payload: a sequence of `id:u8 size:u32 payload` subsections. Each known
 * subsection must be consumed exactly and may appear once; unknown ids are skipped and listed.
 */
export function parseDylink0(r: ByteReader, section: ByteRange | null): DylinkInfo {
  const f: Fields = {
    memorySize: 0,
    memoryAlign: 0,
    tableSize: 0,
    tableAlign: 0,
    needed: [],
    runtimePaths: [],
    exportInfo: [],
    importInfo: [],
    unknownSubsections: [],
  };
  const unknown: DylinkUnknownSubsection[] = [];
  const seen = new Set<number>();
  while (!r.atEnd) {
    const at = r.position;
    const id = r.u8('dylink.0 subsection id');
    const size = r.u32('dylink.0 subsection size');
    const known = dylinkSubsectionNames.get(id);
    const s = r.sub(size, known ?? `dylink.0 subsection ${id}`);
    if (known === undefined) {
      unknown.push({ id, offset: at + r.base, size });
      continue;
    }
    if (seen.has(id)) r.fail('DL_DUPLICATE_SUBSECTION', `${known} appears twice`, 'dylink.0 subsection', at);
    seen.add(id);
    switch (id) {
      case dylinkSubsections.memInfo:
        f.memorySize = s.u32('MEM_INFO memory size');
        f.memoryAlign = s.u32('MEM_INFO memory alignment');
        f.tableSize = s.u32('MEM_INFO table size');
        f.tableAlign = s.u32('MEM_INFO table alignment');
        break;
      case dylinkSubsections.needed:
        f.needed = readNames(s, 'NEEDED library name');
        break;
      case dylinkSubsections.exportInfo:
        f.exportInfo = readExportInfo(s);
        break;
      case dylinkSubsections.importInfo:
        f.importInfo = readImportInfo(s);
        break;
      default:
        f.runtimePaths = readNames(s, 'RUNTIME_PATH entry');
    }
    s.expectEnd(known);
  }
  f.unknownSubsections = unknown;
  return finish('dylink.0', f, section);
}

/**
 * Parses a legacy `dylink` payload (tool-conventions before 2021-09): memory size and
 * alignment, table size and alignment, then the needed libraries; nothing may follow.
 */
export function parseLegacyDylink(r: ByteReader, section: ByteRange | null): DylinkInfo {
  const memorySize = r.u32('dylink memory size');
  const memoryAlign = r.u32('dylink memory alignment');
  const tableSize = r.u32('dylink table size');
  const tableAlign = r.u32('dylink table alignment');
  const needed = readNames(r, 'dylink needed library name');
  r.expectEnd('legacy dylink section');
  return finish(
    'dylink',
    {
      memorySize,
      memoryAlign,
      tableSize,
      tableAlign,
      needed,
      runtimePaths: [],
      exportInfo: [],
      importInfo: [],
      unknownSubsections: [],
    },
    section,
  );
}
