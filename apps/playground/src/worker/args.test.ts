import { describe, expect, it } from 'vitest';
import { formatResult, parseArgument, uncallableReason } from './args.js';

describe('parseArgument', () => {
  it('reads i32 in decimal, hex, binary and octal, wrapping unsigned values as wasm does', () => {
    expect(parseArgument('42', 'i32', 0)).toBe(42);
    expect(parseArgument(' -7 ', 'i32', 0)).toBe(-7);
    expect(parseArgument('0xff', 'i32', 0)).toBe(255);
    expect(parseArgument('0b101', 'i32', 0)).toBe(5);
    expect(parseArgument('0o17', 'i32', 0)).toBe(15);
    expect(parseArgument('4294967295', 'i32', 0)).toBe(-1);
    expect(parseArgument('1_000', 'i32', 0)).toBe(1000);
  });

  it('reads i64 as a bigint', () => {
    expect(parseArgument('9007199254740993', 'i64', 1)).toBe(9007199254740993n);
    expect(parseArgument('18446744073709551615', 'i64', 1)).toBe(-1n);
  });

  it('reads floats, NaN and infinities', () => {
    expect(parseArgument('1.5', 'f64', 0)).toBe(1.5);
    expect(parseArgument('-Infinity', 'f32', 0)).toBe(-Infinity);
    expect(parseArgument('NaN', 'f64', 0)).toBeNaN();
  });

  it('refuses what is not a value of the type, naming the argument', () => {
    expect(() => parseArgument('forty', 'i32', 0)).toThrow('argument 1 (i32): "forty" is not an integer');
    expect(() => parseArgument('', 'i32', 2)).toThrow('argument 3 (i32): "" is not an integer');
    expect(() => parseArgument('4294967296', 'i32', 0)).toThrow('does not fit in 32 bits');
    expect(() => parseArgument('-9223372036854775809', 'i64', 0)).toThrow('does not fit in 64 bits');
    expect(() => parseArgument('1.5.2', 'f64', 0)).toThrow('"1.5.2" is not a number');
    expect(() => parseArgument('0', 'v128', 0)).toThrow('v128 values cannot cross into JavaScript');
  });
});

describe('formatResult and uncallableReason', () => {
  it('shows i32 in decimal and hex, i64 and floats as they are', () => {
    expect(formatResult(15, ['i32'])).toBe('15 (0xf)');
    expect(formatResult(-1, ['i32'])).toBe('-1 (0xffffffff)');
    expect(formatResult(5n, ['i64'])).toBe('5 (i64)');
    expect(formatResult(0.5, ['f64'])).toBe('0.5');
    expect(formatResult(undefined, [])).toBe('(no result)');
    expect(formatResult([1, 2n], ['i32', 'i64'])).toBe('[1 (0x1), 2 (i64)]');
  });

  it('says why a type cannot be called from the page', () => {
    expect(uncallableReason(['i32', 'f64'], ['i64'])).toBeNull();
    expect(uncallableReason(['v128'], [])).toBe('v128 values cannot cross into JavaScript');
    expect(uncallableReason([], ['funcref'])).toBe('funcref values cannot cross into JavaScript');
  });
});
