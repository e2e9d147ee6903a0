/**
 * A recognisable name for a side module handed over as bare bytes or a compiled module
 * (web-tree-sitter's `Language.load` passes no name): `graph()`, events and error messages show
 * `tree-sitter-json-1` instead of `module-1`.
 */
import { ByteReader } from '@dl/reader/bytes';

/** A tree-sitter grammar's language function (not its external scanner's functions). */
const LANGUAGE_FUNCTION = /^tree_sitter_(\w+?)$/;

/** FNV-1a (32-bit) of the bytes, as 8 hex digits: a short content fingerprint, not a security hash. */
export function contentHash(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

const EXPORT_SECTION = 7;

/**
 * The export section's names, read straight from the bytes: section headers are skipped by
 * size up to it (it comes before the code), nothing else is decoded — the linker reads the
 * module in full once, when it loads it. Throws a DlError on malformed bytes.
 */
function exportSectionNames(bytes: Uint8Array): readonly string[] {
  const r = new ByteReader(bytes, { start: 8 });
  while (r.position < r.end) {
    const id = r.u8('section id');
    const size = r.u32('section size');
    if (id !== EXPORT_SECTION) {
      r.skip(size, 'section');
      continue;
    }
    const names: string[] = [];
    for (let i = r.u32('export count'); i > 0; i--) {
      names.push(r.name('export name'));
      r.u8('export kind');
      r.u32('export index');
    }
    return names;
  }
  return [];
}

/** Export names of the module, or null when bytes cannot be read (the linker reports that). */
function exportNames(binary: Uint8Array | WebAssembly.Module): readonly string[] | null {
  if (binary instanceof WebAssembly.Module) return WebAssembly.Module.exports(binary).map((e) => e.name);
  try {
    return exportSectionNames(binary);
  } catch {
    return null;
  }
}

/**
 * The name of the `n`th unnamed library: `tree-sitter-<language>-<n>` when it exports a
 * tree-sitter language function (`tree_sitter_json` → `tree-sitter-json-1`), else
 * `module-<content hash>-<n>` for bytes and `module-<n>` for a compiled module. `n` keeps names
 * unique, so two loads stay two libraries, as with Emscripten's own loader.
 */
export function anonymousLibraryName(binary: Uint8Array | WebAssembly.Module, n: number): string {
  const language = exportNames(binary)
    ?.map((name) => LANGUAGE_FUNCTION.exec(name)?.[1])
    .find((lang) => lang !== undefined && !lang.startsWith('external_scanner') && !lang.includes('_external_scanner_'));
  if (language !== undefined) return `tree-sitter-${language.replace(/_/g, '-')}-${n}`;
  return binary instanceof WebAssembly.Module ? `module-${n}` : `module-${contentHash(binary)}-${n}`;
}
