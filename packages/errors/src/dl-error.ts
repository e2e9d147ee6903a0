import type { DlErrorCode } from './codes.js';

/** Where an error happened: the library, the byte offset and/or the symbol involved. */
export interface DlErrorContext {
  /** Name (path, URL or label) of the library the error is about. */
  readonly library?: string | undefined;
  /** Byte offset in the library's binary where the problem was found. */
  readonly offset?: number | undefined;
  /** Symbol the error is about. */
  readonly symbol?: string | undefined;
  /** The lower-level error this one wraps. */
  readonly cause?: unknown;
}

/** Plain-data form of a {@link DlError}, e.g. for `--json` output or posting to a worker. */
export interface DlErrorJSON {
  /** Class name, e.g. `DlFormatError`. */
  readonly name: string;
  /** Stable code. */
  readonly code: DlErrorCode;
  /** Full message, with library and offset. */
  readonly message: string;
  /** Library, when known. */
  readonly library?: string;
  /** Byte offset, when known. */
  readonly offset?: number;
  /** Symbol, when known. */
  readonly symbol?: string;
}

/** Brand shared by every copy of this package (ESM and CJS builds, bundled duplicates). */
const brand: unique symbol = Symbol.for('@dl/errors.DlError');

/** `library: detail (at byte N)`: the context is part of the message so logs are self-contained. */
function compose(detail: string, context: DlErrorContext): string {
  const where = context.offset === undefined ? '' : ` (at byte ${context.offset})`;
  const who = context.library === undefined ? '' : `${context.library}: `;
  return `${who}${detail}${where}`;
}

/**
 * The base of every error thrown by the @dl packages.
 *
 * Each carries a stable {@link DlErrorCode} and, where known, the library name, the byte
 * offset and the symbol involved. `instanceof DlError` also recognises errors thrown by a
 * second copy of this package (for example the CJS and ESM builds loaded side by side).
 */
export class DlError extends Error {
  /**
   * The name of this class's errors: each instance's `name`, and what `instanceof` compares
   * across copies. A subclass sets its own; it is not `Function.name`, which a minifier renames
   * (the bundled entries are minified).
   */
  static readonly errorName: string = 'DlError';
  override readonly name: string = (this.constructor as typeof DlError).errorName;
  /** Stable machine-readable code; branch on this, not on the message. */
  readonly code: DlErrorCode;
  /** The message without the library/offset decoration. */
  readonly detail: string;
  /** Library the error is about, when known. */
  readonly library: string | undefined;
  /** Byte offset in the library's binary, when known. */
  readonly offset: number | undefined;
  /** Symbol the error is about, when known. */
  readonly symbol: string | undefined;

  /**
   * @param code - stable code
   * @param detail - what went wrong, in one sentence without the library name
   * @param context - library, offset, symbol and cause
   */
  constructor(code: DlErrorCode, detail: string, context: DlErrorContext = {}) {
    super(compose(detail, context), context.cause === undefined ? undefined : { cause: context.cause });
    this.code = code;
    this.detail = detail;
    this.library = context.library;
    this.offset = context.offset;
    this.symbol = context.symbol;
    Object.defineProperty(this, brand, { value: true });
  }

  /**
   * Recognises DlErrors from any copy of this package, not only this class object. A subclass
   * with its own `errorName` (`UndefinedSymbolsError`, `LibraryNotFoundError`, …) recognises its
   * own instances and those of another copy of its class (`@dl/linker` and `@dl/emscripten`
   * bundle the packages they use): a branded error whose `name` is that `errorName`.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this === DlError) return isDlError(value);
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    return Object.hasOwn(this, 'errorName') && isDlError(value) && value.name === this.errorName;
  }

  /** The same error as plain data (name, code, message, library, offset, symbol). */
  toJSON(): DlErrorJSON {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      ...(this.library === undefined ? {} : { library: this.library }),
      ...(this.offset === undefined ? {} : { offset: this.offset }),
      ...(this.symbol === undefined ? {} : { symbol: this.symbol }),
    };
  }
}

/**
 * Tells whether a value is a {@link DlError}, from this or any other copy of the package.
 *
 * @param value - anything caught
 */
export function isDlError(value: unknown): value is DlError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
}
