import { ByteReader } from '../bytes/byte-reader.js';
import { DlFormatError } from '@dl/errors';
import { sectionIds, sectionNames, sectionRank } from '../format/ids.js';
import { toBytes } from '../input.js';
import type { BinaryInput, ReadOptions } from '../input.js';
import { checkHeader, HEADER_SIZE } from './header.js';
import { readModule } from './read-module.js';
import type { ModuleInfo } from './types.js';

/** Options of {@link moduleHeadLength} and {@link readModuleHead}. */
export interface HeadOptions extends ReadOptions {
  /** No more bytes will come: the end of the input ends the head (a whole module, or a head cut at the code section). */
  readonly complete?: boolean | undefined;
}

/**
 * How long a module's head is: every byte before its code section, which holds everything
 * linking needs (dylink, types, imports, functions, globals, exports, start, elements). Walks
 * section headers only. Returns null while `prefix` does not reach the code section yet
 * (call again with more bytes); throws as soon as the bytes cannot be a module (an HTML page,
 * a bad header, sections out of order), so a stream can be abandoned early.
 *
 * @param prefix - the first bytes of a module (any length)
 */
export function moduleHeadLength(prefix: BinaryInput, options: HeadOptions = {}): number | null {
  const bytes = toBytes(prefix);
  const library = options.name;
  const complete = options.complete === true;
  if (!checkHeader(bytes, library, complete)) return null;
  const r = new ByteReader(bytes, { start: HEADER_SIZE, library });
  let lastRank = 0;
  while (!r.atEnd) {
    const start = r.position;
    const id = r.u8('section id');
    if (id === sectionIds.code || id === sectionIds.data) return start;
    if (sectionNames[id] === undefined) r.fail('DL_BAD_VALUE', `unknown section id ${id}`, 'section id', start);
    let size: number;
    try {
      size = r.u32('section size');
    } catch (e) {
      if (complete || !(e instanceof DlFormatError) || e.code !== 'DL_TRUNCATED') throw e;
      return null;
    }
    if (id !== sectionIds.custom) {
      const rank = sectionRank[id]!;
      if (rank <= lastRank)
        r.fail(
          rank === lastRank ? 'DL_DUPLICATE_SECTION' : 'DL_SECTION_ORDER',
          `the ${sectionNames[id]!} section is out of place`,
          'section',
          start,
        );
      lastRank = rank;
    }
    if (r.position + size > bytes.length) {
      if (complete)
        r.fail(
          'DL_TRUNCATED',
          `the ${sectionNames[id]!} section needs ${size} bytes but the module ends first`,
          'section',
          start,
        );
      return null;
    }
    r.skip(size, `${sectionNames[id]!} section`);
  }
  return complete ? bytes.length : null;
}

/**
 * `readModule` on a module's head: the same linking view, from the bytes before the code
 * section (function bodies are neither read nor counted). Returns null while the prefix is
 * too short; `complete` says the bytes are the whole module.
 *
 * @param prefix - the first bytes of a module
 */
export function readModuleHead(prefix: BinaryInput, options: HeadOptions = {}): ModuleInfo | null {
  const bytes = toBytes(prefix);
  const length = moduleHeadLength(bytes, options);
  if (length === null) return null;
  return readModule(bytes.subarray(0, length), { name: options.name, head: true });
}
