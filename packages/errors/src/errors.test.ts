import { describe, expect, it } from 'vitest';
import { DlError, DlFormatError, errorCodes, isDlError, isDlErrorCode, messageOf } from './index.js';

describe('DlError', () => {
  it('puts library and offset into the message and keeps them as fields', () => {
    const e = new DlError('DL_TRUNCATED', 'input ends early', { library: 'libx.so', offset: 12 });
    expect(e.message).toBe('libx.so: input ends early (at byte 12)');
    expect(e).toMatchObject({ code: 'DL_TRUNCATED', library: 'libx.so', offset: 12, detail: 'input ends early' });
    expect(e).toBeInstanceOf(Error);
    expect(e.toJSON()).toEqual({
      name: 'DlError',
      code: 'DL_TRUNCATED',
      message: e.message,
      library: 'libx.so',
      offset: 12,
    });
  });

  it('recognises errors from another copy of the package through the shared brand', () => {
    const foreign = Object.defineProperty(new Error('x'), Symbol.for('@dl/errors.DlError'), { value: true });
    expect(isDlError(foreign)).toBe(true);
    expect(foreign instanceof DlError).toBe(true);
    expect(isDlError(new Error('x'))).toBe(false);
    expect(new Error('x') instanceof DlError).toBe(false);
  });

  it('keeps subclass instanceof strict', () => {
    const f = new DlFormatError('DL_BAD_MAGIC', 'no magic', 0, 'the magic number', 'a.wasm');
    expect(f).toBeInstanceOf(DlError);
    expect(f).toBeInstanceOf(DlFormatError);
    expect(new DlError('DL_IO', 'x') instanceof DlFormatError).toBe(false);
    expect(f.message).toBe('a.wasm: no magic while reading the magic number (at byte 0)');
    expect(f.expected).toBe('the magic number');
  });

  it("recognises a subclass's instances from another copy of its package (a bundled duplicate) by brand and errorName", () => {
    // Two class objects of the same subclass, as @dl/linker's own and the one bundled into
    // @dl/emscripten — each renamed by the minifier, as the bundled entries are.
    const Mine = class A extends DlError {
      static override readonly errorName: string = 'UndefinedSymbolsError';
    };
    const Theirs = class B extends DlError {
      static override readonly errorName: string = 'UndefinedSymbolsError';
    };
    expect(Mine.name).not.toBe(Theirs.name);
    const theirs = new Theirs('DL_UNDEFINED_SYMBOL', 'undefined symbol f');
    expect(theirs.name).toBe('UndefinedSymbolsError');
    expect(theirs.toJSON().name).toBe('UndefinedSymbolsError');
    expect(theirs instanceof Mine).toBe(true);
    expect(theirs instanceof DlError).toBe(true);
    expect(new Mine('DL_UNDEFINED_SYMBOL', 'x') instanceof Theirs).toBe(true);
    // Another subclass, a plain DlError or an unbranded error of the same name are not.
    expect(theirs instanceof DlFormatError).toBe(false);
    expect(new DlError('DL_UNDEFINED_SYMBOL', 'x') instanceof Mine).toBe(false);
    expect(Object.assign(new Error('x'), { name: 'UndefinedSymbolsError' }) instanceof Mine).toBe(false);
    // A subclass without an errorName of its own is named DlError and recognises only its own instances.
    const Plain = class C extends DlError {};
    expect(new Plain('DL_IO', 'x').name).toBe('DlError');
    expect(new DlError('DL_IO', 'x') instanceof Plain).toBe(false);
    expect(new Plain('DL_IO', 'x') instanceof Plain).toBe(true);
  });

  it('has a description for every code', () => {
    for (const [code, text] of Object.entries(errorCodes)) {
      expect(code).toMatch(/^DL_[A-Z0-9_]+$/);
      expect(text.length).toBeGreaterThan(10);
      expect(isDlErrorCode(code)).toBe(true);
    }
    expect(isDlErrorCode('toString')).toBe(false);
  });
});

describe('messageOf', () => {
  it('reads an Error message and stringifies anything else', () => {
    expect(messageOf(new TypeError('bad'))).toBe('bad');
    expect(messageOf(42)).toBe('42');
    expect(messageOf(undefined)).toBe('undefined');
  });
});
