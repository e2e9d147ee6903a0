/**
 * @packageDocumentation
 * `@dl/linker/compat-library`: the compatibility library's bytes (`libdlcompat.so`), apart from
 * the linker's main entry — as base64 they would be most of its source, scanned by every import.
 * `createLinker` imports this entry itself when a linker is created with `compat`;
 * `createLinkerSync` takes the bytes as its `compatLibrary` option.
 */
import { compatBase64 } from './compat-base64.js';

let decoded: Uint8Array<ArrayBuffer> | null = null;

/** libdlcompat.so's bytes: decoded on the first call, then the same array (do not change it). */
export function compatLibrary(): Uint8Array<ArrayBuffer> {
  if (decoded === null) {
    const text = atob(compatBase64());
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    decoded = bytes;
  }
  return decoded;
}
