import { DlFormatError } from '@dl/errors';
import type { DlErrorCode } from '@dl/errors';
import { decodeName } from './utf8.js';

/**
 * Maximum encoded length of LEB128 numbers (core spec §5.2.2: at most ⌈N/7⌉ bytes for an
 * N-bit integer). Shorter, zero-padded encodings are valid and are accepted.
 */
export const LEB128_MAX_BYTES = { u32: 5, s32: 5, s33: 5, u64: 10, s64: 10 } as const;

/** Options of a {@link ByteReader}. */
export interface ByteReaderOptions {
  /** First readable index in `bytes` (default 0). */
  readonly start?: number;
  /** One past the last readable index in `bytes` (default `bytes.length`). */
  readonly end?: number;
  /** Library name put into errors. */
  readonly library?: string | undefined;
  /** Added to every reported offset, when `bytes` is itself a slice of a larger file. */
  readonly base?: number;
  /**
   * True when `end` is a declared boundary (a section or subsection size) rather than the end
   * of the input: running past it is then `DL_BAD_LENGTH`, not `DL_TRUNCATED`.
   */
  readonly bounded?: boolean;
}

/**
 * A cursor over a `Uint8Array` that owns its position. Every read advances the cursor and
 * never reads past its end: running out of bytes throws a {@link DlFormatError} with the
 * absolute offset and what was being read. Sub-readers share the bytes (no copies).
 */
export class ByteReader {
  /** The underlying bytes (shared, never copied). */
  readonly bytes: Uint8Array;
  /** One past the last index this reader may read. */
  readonly end: number;
  /** Library name for errors. */
  readonly library: string | undefined;
  /** Offset of `bytes[0]` in the file, for error messages. */
  readonly base: number;
  /** Whether `end` is a declared boundary rather than the end of the input. */
  readonly bounded: boolean;
  private pos: number;
  private view: DataView | undefined;

  /**
   * @param bytes - the bytes to read
   * @param options - bounds, library name and base offset
   */
  constructor(bytes: Uint8Array, options: ByteReaderOptions = {}) {
    this.bytes = bytes;
    this.pos = options.start ?? 0;
    this.end = options.end ?? bytes.length;
    this.library = options.library;
    this.base = options.base ?? 0;
    this.bounded = options.bounded ?? this.end !== bytes.length;
  }

  /** Index of the next byte to read, in `bytes`. */
  get position(): number {
    return this.pos;
  }

  /** Offset of the next byte in the file (position + base). */
  get offset(): number {
    return this.pos + this.base;
  }

  /** Number of bytes left before {@link ByteReader.end}. */
  get remaining(): number {
    return this.end - this.pos;
  }

  /** True when every byte has been read. */
  get atEnd(): boolean {
    return this.pos >= this.end;
  }

  /** Throws a {@link DlFormatError} at `at` (default: the current position). */
  fail(code: DlErrorCode, detail: string, what: string, at: number = this.pos): never {
    throw new DlFormatError(code, detail, at + this.base, what, this.library);
  }

  /** The error for needing `count` more bytes than remain. */
  private short(what: string, count: number): never {
    if (!this.bounded) {
      this.fail('DL_TRUNCATED', `input ends after ${this.remaining} of ${count} bytes`, what);
    }
    this.fail('DL_BAD_LENGTH', `needs ${count} bytes but its enclosing section has ${this.remaining} left`, what);
  }

  /** Reads one byte. */
  u8(what: string): number {
    if (this.pos >= this.end) this.short(what, 1);
    return this.bytes[this.pos++]!;
  }

  /** Reads a little-endian 32-bit word (unsigned). */
  u32le(what: string): number {
    if (this.end - this.pos < 4) this.short(what, 4);
    const b = this.bytes;
    const p = this.pos;
    this.pos = p + 4;
    return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
  }

  /** Reads an unsigned LEB128 32-bit integer (at most 5 bytes, value < 2^32). */
  u32(what: string): number {
    const p = this.pos;
    if (p + 1 < this.end) {
      const b = this.bytes;
      const first = b[p]!;
      if (first < 0x80) {
        this.pos = p + 1;
        return first;
      }
      const second = b[p + 1]!;
      if (second < 0x80) {
        this.pos = p + 2;
        return (first & 0x7f) | (second << 7);
      }
    }
    return this.u32Slow(what);
  }

  private u32Slow(what: string): number {
    const start = this.pos;
    let result = 0;
    for (let i = 0; i < LEB128_MAX_BYTES.u32; i++) {
      if (this.pos >= this.end) this.short(what, i + 1);
      const byte = this.bytes[this.pos++]!;
      if (i === 4) {
        if (byte & 0x80) this.fail('DL_BAD_LEB128', 'LEB128 u32 is longer than 5 bytes', what, start);
        if (byte & 0x70) this.fail('DL_BAD_LEB128', 'LEB128 u32 overflows 32 bits', what, start);
        return result + byte * 0x10000000;
      }
      result |= (byte & 0x7f) << (7 * i);
      if (!(byte & 0x80)) return result >>> 0;
    }
    /* c8 ignore next */
    return this.fail('DL_BAD_LEB128', 'unreachable', what, start);
  }

  /**
   * Reads a signed LEB128 integer of `bits` ≤ 33 bits (s32 for i32.const, s33 for heap
   * types and block types). Unused bits of the last byte must be sign extension.
   */
  signed(bits: 32 | 33, what: string): number {
    const start = this.pos;
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 5; i++) {
      if (this.pos >= this.end) this.short(what, i + 1);
      const byte = this.bytes[this.pos++]!;
      if (i === 4) {
        if (byte & 0x80) this.fail('DL_BAD_LEB128', `LEB128 s${bits} is longer than 5 bytes`, what, start);
        // The 5th byte carries bits 28..(bits-1); its remaining bits must copy the sign bit.
        const used = bits - 28;
        const signBit = (byte >> (used - 1)) & 1;
        if (byte >> used !== (signBit ? 0x7f >> used : 0)) {
          this.fail('DL_BAD_LEB128', `LEB128 s${bits} overflows ${bits} bits`, what, start);
        }
        result += (byte & ((1 << used) - 1)) * scale;
        return signBit ? result - 2 ** bits : result;
      }
      result += (byte & 0x7f) * scale;
      scale *= 128;
      if (!(byte & 0x80)) return byte & 0x40 ? result - scale : result;
    }
    /* c8 ignore next */
    return this.fail('DL_BAD_LEB128', 'unreachable', what, start);
  }

  /** Reads a signed LEB128 64-bit integer (i64.const). */
  s64(what: string): bigint {
    const start = this.pos;
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < LEB128_MAX_BYTES.s64; i++) {
      if (this.pos >= this.end) this.short(what, i + 1);
      const byte = this.bytes[this.pos++]!;
      if (i === 9) {
        if (byte !== 0 && byte !== 0x7f)
          this.fail('DL_BAD_LEB128', 'LEB128 s64 is longer than 10 bytes or overflows 64 bits', what, start);
        result |= BigInt(byte & 1) << 63n;
        return BigInt.asIntN(64, result);
      }
      result |= BigInt(byte & 0x7f) << shift;
      shift += 7n;
      if (!(byte & 0x80)) return BigInt.asIntN(64, byte & 0x40 ? result - (1n << shift) : result);
    }
    /* c8 ignore next */
    return this.fail('DL_BAD_LEB128', 'unreachable', what, start);
  }

  /** Reads an unsigned LEB128 64-bit integer (memory64/table64 limits) as a safe JS number. */
  u64(what: string): number {
    const start = this.pos;
    let result = 0;
    let scale = 1;
    for (let i = 0; i < LEB128_MAX_BYTES.u64; i++) {
      if (this.pos >= this.end) this.short(what, i + 1);
      const byte = this.bytes[this.pos++]!;
      if (i === 9 && byte > 1)
        this.fail('DL_BAD_LEB128', 'LEB128 u64 is longer than 10 bytes or overflows 64 bits', what, start);
      result += (byte & 0x7f) * scale;
      scale *= 128;
      if (!(byte & 0x80)) {
        if (!Number.isSafeInteger(result)) this.fail('DL_BAD_VALUE', 'value exceeds 2^53', what, start);
        return result;
      }
    }
    /* c8 ignore next */
    return this.fail('DL_BAD_LEB128', 'unreachable', what, start);
  }

  /** Reads a little-endian IEEE 754 single. */
  f32(what: string): number {
    if (this.end - this.pos < 4) this.short(what, 4);
    const v = this.dataView().getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }

  /** Reads a little-endian IEEE 754 double. */
  f64(what: string): number {
    if (this.end - this.pos < 8) this.short(what, 8);
    const v = this.dataView().getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  private dataView(): DataView {
    this.view ??= new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    return this.view;
  }

  /** Returns a view (not a copy) of the next `length` bytes. */
  bytesView(length: number, what: string): Uint8Array {
    if (length > this.end - this.pos) this.short(what, length);
    const view = this.bytes.subarray(this.pos, this.pos + length);
    this.pos += length;
    return view;
  }

  /** Skips `length` bytes. */
  skip(length: number, what: string): void {
    if (length > this.end - this.pos) this.short(what, length);
    this.pos += length;
  }

  /** True when the `length` bytes at indices `a` and `b` are equal and `b`'s lie within this reader. */
  sameBytes(a: number, b: number, length: number): boolean {
    if (b + length > this.end) return false;
    const bytes = this.bytes;
    for (let i = 0; i < length; i++) if (bytes[a + i] !== bytes[b + i]) return false;
    return true;
  }

  /** Moves the cursor back to an earlier position of this reader. */
  reset(position: number): void {
    if (position < 0 || position > this.pos) throw new RangeError(`cannot reset to ${position}`);
    this.pos = position;
  }

  /** Reads a name: u32 byte length + UTF-8 bytes (spec §5.2.4). */
  name(what: string): string {
    const length = this.u32(what);
    if (length > this.end - this.pos) this.short(what, length);
    const start = this.pos;
    this.pos += length;
    const text = decodeName(this.bytes, start, start + length);
    if (text === null) this.fail('DL_BAD_UTF8', 'name is not valid UTF-8', what, start);
    return text;
  }

  /**
   * Reads a vector count and checks that `count` entries of at least `minEntryBytes` each
   * fit in what remains, so a hostile count can never drive a large allocation or loop.
   */
  count(what: string, minEntryBytes: number): number {
    const at = this.pos;
    const n = this.u32(what);
    if (n * minEntryBytes > this.end - this.pos) {
      const where = this.bounded ? 'its section' : 'the input';
      this.fail(
        this.bounded ? 'DL_BAD_LENGTH' : 'DL_TRUNCATED',
        `count ${n} needs at least ${n * minEntryBytes} bytes but ${where} has ${this.end - this.pos} left`,
        what,
        at,
      );
    }
    return n;
  }

  /**
   * Takes the next `length` bytes as a child reader (bounded, sharing the bytes) and moves
   * past them. A length beyond this reader's end is an error here, not later.
   */
  sub(length: number, what: string): ByteReader {
    if (length > this.end - this.pos) this.short(what, length);
    const child = new ByteReader(this.bytes, {
      start: this.pos,
      end: this.pos + length,
      library: this.library,
      base: this.base,
      bounded: true,
    });
    this.pos += length;
    return child;
  }

  /** Checks that a sized region was consumed exactly (spec: sizes must match contents). */
  expectEnd(what: string): void {
    if (this.pos !== this.end) {
      this.fail('DL_SIZE_MISMATCH', `${this.end - this.pos} unread bytes remain at the end`, what);
    }
  }
}
