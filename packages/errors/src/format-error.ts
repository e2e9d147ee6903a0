import type { DlErrorCode } from './codes.js';
import { DlError } from './dl-error.js';

/**
 * A malformed or unsupported binary: always has the byte offset where reading stopped
 * and a short description of what was expected there.
 */
export class DlFormatError extends DlError {
  static override readonly errorName: string = 'DlFormatError';
  /** Byte offset in the binary where the problem was found. */
  declare readonly offset: number;
  /** What the reader expected at {@link DlFormatError.offset}, e.g. `"import count"`. */
  readonly expected: string;

  /**
   * @param code - stable code
   * @param detail - what went wrong
   * @param offset - byte offset in the binary
   * @param expected - what the reader was reading (shown in the message)
   * @param library - library name, when known
   */
  constructor(code: DlErrorCode, detail: string, offset: number, expected: string, library?: string) {
    super(code, `${detail} while reading ${expected}`, { offset, library });
    this.expected = expected;
  }
}
