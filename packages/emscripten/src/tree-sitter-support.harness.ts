/**
 * Test helpers for the web-tree-sitter tests (node and the Chromium page): parsing to a tree
 * string without leaving work to the finalizers, and the legacy `dylink` → `dylink.0` rewrite
 * that lets web-tree-sitter's own loader read the old grammars. Not part of the package.
 */
import type * as WebTreeSitter from 'web-tree-sitter';
import { ByteReader } from '@dl/reader/bytes';
import { concat, custom, customPayload, splice, splitSections, subsection } from '@dl/fixtures/writer';

/** One web-tree-sitter instance: the module namespace (ESM import, or the CommonJS build). */
export type TreeSitter = typeof WebTreeSitter;

/** A language loaded into one instance. */
export type TreeSitterLanguage = WebTreeSitter.Language;

/** What a tree string contains when the parser had to recover from an error. */
// isolatedDeclarations needs the annotation the lint rule calls trivial.
// eslint-disable-next-line @typescript-eslint/no-inferrable-types
export const RECOVERED: RegExp = /\((ERROR|MISSING)\b/;

/**
 * `rootNode.toString()` of `source` parsed with `language`, in a new parser; the tree and the
 * parser are deleted before returning. Deleting explicitly keeps the instance's heap history a
 * function of the calls made: with finalizers, frees happen at GC time, and old grammars whose
 * external scanners read memory they never initialised then give run-dependent trees.
 */
export function parseToString(T: TreeSitter, language: TreeSitterLanguage, source: string): string {
  const parser = new T.Parser();
  try {
    parser.setLanguage(language);
    const tree = parser.parse(source);
    if (tree === null) throw new Error('web-tree-sitter returned no tree');
    try {
      return tree.rootNode.toString();
    } finally {
      tree.delete();
    }
  } finally {
    parser.delete();
  }
}

/**
 * The module with its legacy `dylink` custom section (memory size, memory alignment, table size,
 * table alignment, NEEDED names: flat) rewritten as a `dylink.0` section with the same content
 * (a MEM_INFO subsection and a NEEDED subsection), in the same place. Everything else is kept
 * byte for byte: Emscripten 4.x's `getDylinkMetadata`, which accepts only `dylink.0`, then
 * loads what it refuses as is.
 *
 * @throws Error when the module has no legacy `dylink` section.
 */
export function legacyToDylink0(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const section = splitSections(bytes).find((s) => s.id === 0 && s.name === 'dylink');
  if (section === undefined) throw new Error('no legacy "dylink" section');
  const payload = customPayload(bytes, section);
  const reader = new ByteReader(payload);
  for (const field of ['memory size', 'memory alignment', 'table size', 'table alignment']) reader.u32(field);
  const memInfoEnd = reader.position;
  const dylink0 = concat(subsection(1, payload.subarray(0, memInfoEnd)), subsection(2, payload.subarray(memInfoEnd)));
  return splice(bytes, section.start, section.end, custom('dylink.0', dylink0));
}

/** The first `u32` of a `TSLanguage` is its ABI version (tree-sitter's `parser.h`). */
export function languageAbi(heap: Uint8Array, address: number): number {
  return new DataView(heap.buffer, heap.byteOffset, heap.byteLength).getUint32(address, true);
}
