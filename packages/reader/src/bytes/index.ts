export { ByteReader, LEB128_MAX_BYTES } from './byte-reader.js';
export type { ByteReaderOptions } from './byte-reader.js';
export { decodeName } from './utf8.js';
export { cStringAt, cStringsIn } from './c-string.js';
