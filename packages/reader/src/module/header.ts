import { DlFormatError } from '@dl/errors';

/** Size of the module header: magic `\0asm` + 4-byte version. */
export const HEADER_SIZE = 8;

const MAGIC = [0x00, 0x61, 0x73, 0x6d];
const VERSION = [0x01, 0x00, 0x00, 0x00];

/**
 * Says what a non-wasm input starts with — at most its first 4 bytes, in hex, never as text:
 * the message reaches logs, terminals and `dlerror()`, and the file may be anything a NEEDED
 * entry or a path reached (a password file, a private key).
 */
function describeStart(bytes: Uint8Array): string {
  if (bytes.length === 0) return 'the input is empty';
  const shown = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return `it starts with the bytes ${shown}, not the magic number 00 61 73 6d ("\\0asm")`;
}

/**
 * Checks the 8-byte header. Returns false when `bytes` is a valid but incomplete prefix and
 * `complete` is false; throws `DL_BAD_MAGIC` / `DL_BAD_VERSION` / `DL_TRUNCATED` otherwise.
 */
export function checkHeader(bytes: Uint8Array, library: string | undefined, complete: boolean): boolean {
  const n = Math.min(bytes.length, HEADER_SIZE);
  for (let i = 0; i < n; i++) {
    if (i < 4 && bytes[i] !== MAGIC[i]) {
      throw new DlFormatError(
        'DL_BAD_MAGIC',
        `not a WebAssembly binary: ${describeStart(bytes)}`,
        0,
        'the module header',
        library,
      );
    }
    if (i >= 4 && bytes[i] !== VERSION[i - 4]) {
      const word = Array.from(bytes.subarray(4, n), (b) => b.toString(16).padStart(2, '0')).join(' ');
      const component = bytes[4] === 0x0d && bytes[6] === 0x01;
      const detail = component
        ? 'this is a WebAssembly component (version 0x0d, layer 1), not a core module'
        : `unsupported binary version (bytes ${word}, expected 01 00 00 00)`;
      throw new DlFormatError('DL_BAD_VERSION', detail, 4, 'the module header', library);
    }
  }
  if (bytes.length >= HEADER_SIZE) return true;
  if (!complete) return false;
  throw new DlFormatError(
    'DL_TRUNCATED',
    `input ends after ${bytes.length} of the 8 header bytes`,
    bytes.length,
    'the module header',
    library,
  );
}
