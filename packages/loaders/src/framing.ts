import { DlError } from '@dl/errors';

/**
 * Follows a module's section headers past its head while the bytes stream by (nothing is
 * kept but a header's few bytes), so a body that ends inside a section — a custom section
 * one byte too long — is `DL_TRUNCATED` as `readModule` says, not the engine's compile error.
 */
export class SectionFraming {
  /** Where the next section header starts. */
  private next: number;
  /** The bytes of that header seen so far (id, then the LEB128 size). */
  private header: number[] = [];

  constructor(
    start: number,
    private readonly library: string,
  ) {
    this.next = start;
  }

  /** Takes the bytes `chunk`, which start at offset `at` of the module. */
  feed(chunk: Uint8Array, at: number): void {
    for (let i = this.next + this.header.length - at; i < chunk.length; i = this.next + this.header.length - at) {
      if (i < 0) return; // cannot happen: chunks come in order
      const b = chunk[i]!;
      this.header.push(b);
      if (this.header.length >= 2 && (b & 0x80) === 0) {
        let size = 0;
        for (let k = this.header.length - 1; k >= 1; k--) size = size * 128 + (this.header[k]! & 0x7f);
        this.last = this.next;
        this.next += this.header.length + size;
        this.header = [];
      } else if (this.header.length > 6) {
        throw new DlError('DL_BAD_LEB128', `the size of the section at byte ${this.next} is longer than 5 bytes`, {
          library: this.library,
          offset: this.next,
        });
      }
    }
  }

  private last = 0;

  private sectionStart(): number {
    return this.header.length > 0 ? this.next : this.last;
  }

  /** The module ended after `size` bytes: every section must have ended by then. */
  end(size: number): void {
    if (this.header.length > 0 || this.next > size) {
      const needs = this.header.length > 0 ? 'its header' : `${this.next - size} more bytes`;
      throw new DlError(
        'DL_TRUNCATED',
        `the section at byte ${this.sectionStart()} is cut short: the module ends after ${size} bytes, before ${needs}`,
        { library: this.library, offset: size },
      );
    }
  }
}
