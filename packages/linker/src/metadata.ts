import { DlError } from '@dl/errors';
import { classifyLinkImports, classifyModuleImports, readDylinkInfo, readModule, readModuleHead } from '@dl/reader';
import type { ModuleInfo } from '@dl/reader';
import type { ClassifiedImport, DylinkInfo, ImportDescription } from '@dl/reader';
import type { ExportLike } from '@dl/symbols';
import { envGlobalIndex, slotTypesOf } from './slot-types.js';
import type { SlotTypes } from './slot-types.js';

/** What the linker knows about a library before instantiating it. */
export interface LibraryMeta {
  readonly dylink: DylinkInfo;
  /** Its imports in order, classified by role once (checking and binding read the same facts). */
  readonly imports: readonly ClassifiedImport[];
  readonly exports: readonly ExportLike[];
  /** Whether the imports and exports carry their wasm types (false for a compiled module without bytes). */
  readonly typed: boolean;
  /** Byte size when known (the bytes were seen, or the loader said), else 0. */
  readonly size: number;
  /** The types of the table slots it fills (null when unknown: no bytes were read, or one cannot be typed). */
  readonly slotTypes: SlotTypes | null;
  /**
   * How many bytes at the start of its memory block its active data segments write when it is
   * instantiated (0 when unknown: its data section was not read): placing it zeroes only the rest.
   */
  readonly dataWritten: number;
}

/**
 * Metadata already read for a compiled module, process-wide: a module that comes back from a
 * loader's cache (another linker, another scope, a reload) is not read again.
 */
const known = new WeakMap<WebAssembly.Module, LibraryMeta>();

/**
 * Metadata reflected from a compiled module given without bytes or head, process-wide and apart
 * from `known`: typed metadata replaces it whenever bytes come. A module that comes back is not
 * reflected again, and its untyped global exports are probed once (see `definitionOf`).
 */
const reflected = new WeakMap<WebAssembly.Module, LibraryMeta>();

/** Remembers a module's metadata (typed metadata only: it is never worse than reflection). */
export function rememberMeta(module: WebAssembly.Module, meta: LibraryMeta): void {
  if (meta.typed) known.set(module, meta);
}

function reflectedMeta(module: WebAssembly.Module, name: string): LibraryMeta {
  let meta = reflected.get(module);
  if (meta === undefined) reflected.set(module, (meta = metaFromModule(module, name)));
  return meta;
}

/**
 * Metadata for what a loader delivered: remembered for its module, else read from its bytes
 * or head, else reflected from the module (untyped).
 */
export function metaFromSource(
  src: {
    readonly bytes?: Uint8Array | undefined;
    readonly head?: Uint8Array | undefined;
    readonly module?: unknown;
    readonly size?: number | undefined;
  },
  name: string,
): LibraryMeta {
  const module = src.module instanceof WebAssembly.Module ? src.module : null;
  const remembered = module === null ? undefined : known.get(module);
  if (remembered !== undefined) return remembered;
  if (src.bytes !== undefined) return metaFromBytes(src.bytes, name);
  if (src.head !== undefined) {
    const m = readModuleHead(src.head, { name, complete: true });
    if (m === null)
      throw new DlError(
        'DL_TRUNCATED',
        `the loader gave ${src.head.length} bytes of its head, which end before the code section`,
        { library: name, offset: src.head.length },
      );
    return metaFromInfo(m, name, src.size ?? 0);
  }
  if (module !== null) return reflectedMeta(module, name);
  throw new DlError('DL_IO', 'the loader delivered neither bytes nor a module', { library: name });
}

/** Metadata from a library's bytes: `readModule`'s view, with types. */
export function metaFromBytes(bytes: Uint8Array, name: string): LibraryMeta {
  return metaFromInfo(readModule(bytes, { name }), name, bytes.length);
}

function metaFromInfo(m: ModuleInfo, name: string, size: number): LibraryMeta {
  if (m.dylink === null)
    throw new DlError('DL_NOT_SIDE_MODULE', 'not a side module: it has no dylink.0 (or dylink) section first', {
      library: name,
    });
  const exports = m.exports.map((e): ExportLike =>
    e.kind === 'function' || e.kind === 'global' ? e : { kind: e.kind, name: e.name },
  );
  return {
    dylink: m.dylink,
    imports: classifyModuleImports(m.imports, m.dylink.weakImports),
    exports,
    typed: true,
    size,
    slotTypes: slotTypesOf(m),
    dataWritten: dataWrittenOf(m),
  };
}

/**
 * How many bytes from `env.__memory_base` a side module's active data segments write when it is
 * instantiated: the longest segment placed exactly there (wasm-ld puts all of a side module's
 * data, its zeroes included, in one such segment). Its memory block needs no zeroing for them.
 */
function dataWrittenOf(m: ModuleInfo): number {
  const base = envGlobalIndex(m, '__memory_base');
  if (base === undefined) return 0;
  let written = 0;
  for (const s of m.data)
    if (s.mode === 'active' && s.memory === 0 && s.offset?.op === 'global.get' && s.offset.index === base)
      written = Math.max(written, s.size);
  return Math.min(written, m.dylink?.memorySize ?? 0);
}

/** Metadata from a compiled module: the dylink section and engine reflection (no types). */
export function metaFromModule(module: WebAssembly.Module, name: string): LibraryMeta {
  const dylink = readDylinkInfo(module, { name });
  const imports = WebAssembly.Module.imports(module).map((i): ImportDescription => ({
    module: i.module,
    name: i.name,
    kind: i.kind,
    funcType: null,
    globalType: null,
    shared: false,
    index64: false,
    minimum: 0,
  }));
  const exports = WebAssembly.Module.exports(module).map((e): ExportLike =>
    e.kind === 'function' || e.kind === 'global'
      ? { kind: e.kind, name: e.name, type: null }
      : { kind: e.kind, name: e.name },
  );
  return {
    dylink,
    imports: classifyLinkImports(imports, dylink.weakImports),
    exports,
    typed: false,
    size: 0,
    slotTypes: null,
    dataWritten: 0,
  };
}
