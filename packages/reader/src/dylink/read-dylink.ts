import { DlError, DlFormatError } from '@dl/errors';
import { ByteReader } from '../bytes/byte-reader.js';
import { sectionNames } from '../format/ids.js';
import { isCompiledModule, toBytes } from '../input.js';
import type { BinaryInput, ReadOptions } from '../input.js';
import { checkHeader, HEADER_SIZE } from '../module/header.js';
import { parseDylink0, parseLegacyDylink } from './parse-payload.js';
import type { DylinkFormat, DylinkInfo } from './types.js';

/** Result of {@link readDylinkPrefix}: the metadata, or how many bytes to wait for. */
export type DylinkPrefixResult =
  | {
      readonly status: 'complete';
      /** The parsed metadata. */
      readonly info: DylinkInfo;
      /** Offset just past the dylink section: where the rest of the module starts. */
      readonly bytesRead: number;
    }
  | {
      readonly status: 'need-more';
      /**
       * Total prefix length to have before calling again. Exact once the section's size is
       * known; before that a lower bound (call again with at least this many bytes).
       */
      readonly needed: number;
      /** True when the section's name was already seen to be `dylink.0` or `dylink`. */
      readonly nameConfirmed: boolean;
    };

/** Smallest prefix that can hold a header, a section id and a one-byte size. */
const MIN_PREFIX = HEADER_SIZE + 2;

type Located =
  | {
      readonly found: true;
      readonly format: DylinkFormat;
      readonly payload: ByteReader;
      readonly start: number;
      readonly end: number;
    }
  | { readonly found: false; readonly needed: number; readonly nameConfirmed: boolean };

function notSideModule(detail: string, library: string | undefined, offset: number): DlError {
  return new DlError('DL_NOT_SIDE_MODULE', detail, { library, offset });
}

function formatOf(name: string, library: string | undefined, offset: number): DylinkFormat {
  if (name === 'dylink.0' || name === 'dylink') return name;
  throw notSideModule(`the first section is the custom section "${name}", not dylink.0`, library, offset);
}

/**
 * Finds the dylink section, which must be the first section. With `complete` false, running
 * out of bytes yields "need more" instead of an error. Reads nothing past the section.
 */
function locate(bytes: Uint8Array, library: string | undefined, complete: boolean): Located {
  if (!checkHeader(bytes, library, complete)) return { found: false, needed: MIN_PREFIX, nameConfirmed: false };
  const r = new ByteReader(bytes, { start: HEADER_SIZE, library });
  if (r.atEnd) {
    if (!complete) return { found: false, needed: MIN_PREFIX, nameConfirmed: false };
    throw notSideModule('the module has no sections', library, HEADER_SIZE);
  }
  const id = r.u8('section id');
  if (id !== 0) {
    const what = sectionNames[id] === undefined ? `an unknown section (id ${id})` : `the ${sectionNames[id]} section`;
    throw notSideModule(`the first section is ${what}, not a dylink.0 custom section`, library, HEADER_SIZE);
  }
  let size: number;
  try {
    size = r.u32('first section size');
  } catch (e) {
    if (complete || !(e instanceof DlFormatError) || e.code !== 'DL_TRUNCATED') throw e;
    return { found: false, needed: bytes.length + 1, nameConfirmed: false };
  }
  const payloadStart = r.position;
  const end = payloadStart + size;
  if (end <= bytes.length) {
    const payload = r.sub(size, 'first section');
    const name = payload.name('custom section name');
    return { found: true, format: formatOf(name, library, payloadStart), payload, start: HEADER_SIZE, end };
  }
  if (complete) r.sub(size, 'first section'); // throws DL_TRUNCATED with the exact numbers
  // A prefix: confirm the name early when its bytes are already here.
  const head = new ByteReader(bytes, { start: payloadStart, end: bytes.length, library });
  let nameConfirmed = false;
  try {
    formatOf(head.name('custom section name'), library, payloadStart);
    nameConfirmed = true;
  } catch (e) {
    if (!(e instanceof DlFormatError) || e.code !== 'DL_TRUNCATED') throw e;
  }
  return { found: false, needed: end, nameConfirmed };
}

function parse(loc: Extract<Located, { found: true }>): DylinkInfo {
  const range = { start: loc.start, end: loc.end };
  return loc.format === 'dylink.0' ? parseDylink0(loc.payload, range) : parseLegacyDylink(loc.payload, range);
}

function fromCompiled(mod: WebAssembly.Module, library: string | undefined): DylinkInfo {
  for (const name of ['dylink.0', 'dylink'] as const) {
    const sections = WebAssembly.Module.customSections(mod, name);
    if (sections.length > 1) {
      throw new DlError('DL_DUPLICATE_SECTION', `the module has ${sections.length} "${name}" custom sections`, {
        library,
      });
    }
    const payload = sections[0];
    if (payload !== undefined) {
      const r = new ByteReader(new Uint8Array(payload), { library });
      return name === 'dylink.0' ? parseDylink0(r, null) : parseLegacyDylink(r, null);
    }
  }
  throw new DlError('DL_NOT_SIDE_MODULE', 'the compiled module has no dylink.0 or dylink custom section', { library });
}

/**
 * Reads the dynamic-linking metadata of a side module: the `dylink.0` section (subsections
 * 1–5) or the legacy `dylink` section. Reads only the header and the first section, so its
 * cost does not depend on the size of the module.
 *
 * @param input - the module's bytes, or an already compiled `WebAssembly.Module`
 * @param options - `name` labels errors with the library name
 * @returns the metadata
 * @throws DlFormatError on malformed input; DlError `DL_NOT_SIDE_MODULE` when the first section is not a dylink section
 */
export function readDylinkInfo(input: BinaryInput | WebAssembly.Module, options: ReadOptions = {}): DylinkInfo {
  if (isCompiledModule(input)) return fromCompiled(input, options.name);
  const loc = locate(toBytes(input), options.name, true);
  if (!loc.found) throw new DlError('DL_TRUNCATED', 'input ends inside the dylink section', { library: options.name });
  return parse(loc);
}

/**
 * Reads the metadata from the first bytes of a module (e.g. from a download in progress).
 * Returns the metadata as soon as the whole dylink section is present, or how many bytes
 * are needed; malformed bytes and non-side modules throw as in {@link readDylinkInfo}.
 *
 * @param prefix - the bytes received so far, from the start of the file
 * @param options - `name` labels errors with the library name
 */
export function readDylinkPrefix(prefix: BinaryInput, options: ReadOptions = {}): DylinkPrefixResult {
  const loc = locate(toBytes(prefix), options.name, false);
  if (!loc.found) return { status: 'need-more', needed: loc.needed, nameConfirmed: loc.nameConfirmed };
  return { status: 'complete', info: parse(loc), bytesRead: loc.end };
}

/**
 * A cheap check: does this module start with a `dylink.0` (or legacy `dylink`) section?
 * Looks at the header and the first section's name only; never throws.
 *
 * @param input - bytes (a prefix is enough) or a compiled module
 */
export function isSideModule(input: BinaryInput | WebAssembly.Module): boolean {
  try {
    if (isCompiledModule(input)) {
      return (
        WebAssembly.Module.customSections(input, 'dylink.0').length +
          WebAssembly.Module.customSections(input, 'dylink').length >
        0
      );
    }
    const loc = locate(toBytes(input), undefined, false);
    return loc.found || loc.nameConfirmed;
  } catch {
    return false;
  }
}
