/** Strict UTF-8 decoder: invalid sequences throw; a leading BOM is kept, not stripped. */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Names up to this length that are pure ASCII are built without TextDecoder. */
const SHORT_NAME = 96;

/**
 * Decodes `bytes[start, end)` as a WebAssembly name (UTF-8). Returns `null` when the bytes
 * are not valid UTF-8. Short ASCII names, by far the most common, take a fast path.
 */
export function decodeName(bytes: Uint8Array, start: number, end: number): string | null {
  const length = end - start;
  if (length <= SHORT_NAME) {
    let ascii = true;
    for (let i = start; i < end; i++) {
      if (bytes[i]! >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) return String.fromCharCode.apply(null, bytes.subarray(start, end) as unknown as number[]);
  }
  try {
    return utf8.decode(bytes.subarray(start, end));
  } catch {
    return null;
  }
}
