/** Which of the two section layouts a module carries. */
export type DylinkFormat = 'dylink.0' | 'dylink';

/** One EXPORT_INFO entry: extra flags for an exported symbol (wasm-ld only writes TLS). */
export interface DylinkExportInfo {
  /** Export name. */
  readonly name: string;
  /** Symbol flags (see `symbolFlags`); `0x100` marks a thread-local symbol. */
  readonly flags: number;
}

/** One IMPORT_INFO entry: extra flags for an import (wasm-ld only writes weak undefined). */
export interface DylinkImportInfo {
  /** Import module, e.g. `env` (also for symbols imported through `GOT.mem`/`GOT.func`). */
  readonly module: string;
  /** Import field, i.e. the symbol name. */
  readonly field: string;
  /** Symbol flags; `(flags & 0x3) === 0x1` marks a weak import. */
  readonly flags: number;
}

/** A subsection with an id this reader does not know: skipped, reported, never fatal. */
export interface DylinkUnknownSubsection {
  /** Subsection id byte. */
  readonly id: number;
  /** File offset of the id byte (relative to the section payload when read from a compiled module). */
  readonly offset: number;
  /** Payload size in bytes. */
  readonly size: number;
}

/** Byte range of the dylink section in the file, from its id byte to its last payload byte. */
export interface ByteRange {
  /** Offset of the first byte. */
  readonly start: number;
  /** Offset one past the last byte. */
  readonly end: number;
}

/** Everything the `dylink.0` (or legacy `dylink`) section says about a side module. */
export interface DylinkInfo {
  /** Section layout: `dylink.0` (subsections) or the legacy flat `dylink`. */
  readonly format: DylinkFormat;
  /** Bytes of linear memory to reserve (data + bss) at `__memory_base`. */
  readonly memorySize: number;
  /** log2 of the required alignment of the memory reservation. */
  readonly memoryAlign: number;
  /** Table slots to reserve at `__table_base`. */
  readonly tableSize: number;
  /** log2 of the required alignment of the table reservation. */
  readonly tableAlign: number;
  /** Libraries to load before this one (NEEDED), in section order. */
  readonly needed: readonly string[];
  /** RUNTIME_PATH entries (like ELF DT_RUNPATH; may contain `$ORIGIN`). Empty for legacy. */
  readonly runtimePaths: readonly string[];
  /** EXPORT_INFO entries. */
  readonly exportInfo: readonly DylinkExportInfo[];
  /** IMPORT_INFO entries. */
  readonly importInfo: readonly DylinkImportInfo[];
  /** Names of exports flagged TLS: their values are offsets from `__tls_base`. */
  readonly tlsExports: ReadonlySet<string>;
  /** Fields (symbol names) of imports flagged weak: unresolved, they bind to 0 / null. */
  readonly weakImports: ReadonlySet<string>;
  /** Subsections with unknown ids, skipped. */
  readonly unknownSubsections: readonly DylinkUnknownSubsection[];
  /** Where the section lies in the file; `null` when read from a compiled `WebAssembly.Module`. */
  readonly section: ByteRange | null;
}
