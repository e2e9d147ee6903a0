/** Strict UTF-8 decoder: invalid sequences throw; a leading BOM is kept, not stripped. Made on first use, not on import. */
let utf8: TextDecoder | null = null;

/**
 * Longest ASCII name built with `String.fromCharCode`. Measured on node 20: 2–4× faster
 * than TextDecoder up to 12 characters, and V8 makes strings shorter than 13 characters
 * flat (no cons-string flattening later when they are hashed); longer names go to TextDecoder.
 */
const SHORT_ASCII = 12;

const fromCharCode = String.fromCharCode;

/**
 * Decodes `bytes[start, end)` as a WebAssembly name (UTF-8). Returns `null` when the bytes
 * are not valid UTF-8.
 */
export function decodeName(bytes: Uint8Array, start: number, end: number): string | null {
  const length = end - start;
  if (length === 0) return '';
  if (length <= SHORT_ASCII) {
    let bits = 0;
    for (let i = start; i < end; i++) bits |= bytes[i]!;
    if (bits < 0x80) {
      let text = '';
      let i = start;
      for (; i + 4 <= end; i += 4) text += fromCharCode(bytes[i]!, bytes[i + 1]!, bytes[i + 2]!, bytes[i + 3]!);
      for (; i < end; i++) text += fromCharCode(bytes[i]!);
      return text;
    }
  }
  try {
    utf8 ??= new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    return utf8.decode(bytes.subarray(start, end));
  } catch {
    return null;
  }
}
