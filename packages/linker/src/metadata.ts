import { DlError } from '@dl/errors';
import { readDylinkInfo, readModule } from '@dl/reader';
import type { DylinkInfo, ExternalKind, FuncType, GlobalType } from '@dl/reader';
import type { ExportLike } from '@dl/symbols';

/** An import as the linker needs it; types are `null` when only engine reflection was available. */
export interface ImportSpec {
  readonly module: string;
  readonly name: string;
  readonly kind: ExternalKind;
  readonly funcType: FuncType | null;
  readonly globalType: GlobalType | null;
  /** For memory imports: shared (threads) and 64-bit addressing. */
  readonly shared: boolean;
  readonly index64: boolean;
  /** For memory imports: the minimum pages declared; for table imports: the minimum slots. */
  readonly minPages: number;
}

/** What the linker knows about a library before instantiating it. */
export interface LibraryMeta {
  readonly dylink: DylinkInfo;
  readonly imports: readonly ImportSpec[];
  readonly exports: readonly ExportLike[];
  /** Whether the imports and exports carry their wasm types (false for a compiled module without bytes). */
  readonly typed: boolean;
  /** Byte size, when the bytes were seen. */
  readonly size: number;
}

/** Metadata from a library's bytes: `readModule`'s view, with types. */
export function metaFromBytes(bytes: Uint8Array, name: string): LibraryMeta {
  const m = readModule(bytes, { name });
  if (m.dylink === null) throw new DlError('DL_NOT_SIDE_MODULE', 'not a side module: it has no dylink.0 (or dylink) section first', { library: name });
  const imports = m.imports.map((i): ImportSpec => ({
    module: i.module, name: i.name, kind: i.kind,
    funcType: i.kind === 'function' || i.kind === 'tag' ? i.type : null,
    globalType: i.kind === 'global' ? i.type : null,
    shared: i.kind === 'memory' && i.type.limits.shared,
    index64: (i.kind === 'memory' || i.kind === 'table') && i.type.limits.index64,
    minPages: i.kind === 'memory' || i.kind === 'table' ? i.type.limits.min : 0,
  }));
  const exports = m.exports.map((e): ExportLike => (e.kind === 'function' || e.kind === 'global' ? e : { kind: e.kind, name: e.name }));
  return { dylink: m.dylink, imports, exports, typed: true, size: bytes.length };
}

/** Metadata from a compiled module: the dylink section and engine reflection (no types). */
export function metaFromModule(module: WebAssembly.Module, name: string): LibraryMeta {
  const dylink = readDylinkInfo(module, { name });
  const imports = WebAssembly.Module.imports(module).map((i): ImportSpec => ({
    module: i.module, name: i.name, kind: i.kind, funcType: null, globalType: null, shared: false, index64: false, minPages: 0,
  }));
  const exports = WebAssembly.Module.exports(module).map((e): ExportLike => (e.kind === 'function' || e.kind === 'global' ? { kind: e.kind, name: e.name, type: null } : { kind: e.kind, name: e.name }));
  return { dylink, imports, exports, typed: false, size: 0 };
}
