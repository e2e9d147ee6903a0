import { sleb, uleb } from '@dl/fixtures/writer';
import { outcome } from '@dl/fixtures/outcome';
import { describe, expect, it } from 'vitest';
import { ByteReader } from './byte-reader.js';

const at = (...bytes: number[]): ByteReader => new ByteReader(Uint8Array.from(bytes), { library: 'lib.so' });

/** A deterministic PRNG so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

describe('ByteReader: unsigned LEB128 u32', () => {
  it('decodes minimal, zero-padded and maximal encodings', () => {
    expect(at(0x00).u32('x')).toBe(0);
    expect(at(0x7f).u32('x')).toBe(127);
    expect(at(0x80, 0x01).u32('x')).toBe(128);
    expect(at(0x80, 0x80, 0x80, 0x80, 0x00).u32('x')).toBe(0); // padded to 5 bytes: valid
    expect(at(0xff, 0xff, 0xff, 0xff, 0x0f).u32('x')).toBe(0xffffffff);
    expect(at(0xe5, 0x8e, 0x26).u32('x')).toBe(624485);
  });

  it('rejects a sixth byte and bits above 2^32', () => {
    expect(outcome(() => at(0x80, 0x80, 0x80, 0x80, 0x80, 0x00).u32('x'))).toBe('DL_BAD_LEB128');
    expect(outcome(() => at(0xff, 0xff, 0xff, 0xff, 0x1f).u32('x'))).toBe('DL_BAD_LEB128');
    expect(outcome(() => at(0x80, 0x80, 0x80, 0x80, 0x70).u32('x'))).toBe('DL_BAD_LEB128');
  });

  it('tells truncation of the input from overflow of a section', () => {
    expect(outcome(() => at(0x80).u32('x'))).toBe('DL_TRUNCATED');
    const bounded = at(0x02, 0x80, 0x80, 0x00).sub(2, 'section');
    expect(bounded.u8('size')).toBe(0x02);
    expect(outcome(() => bounded.u32('x'))).toBe('DL_BAD_LENGTH');
  });

  it('reports the absolute offset of the number and what was read', () => {
    const r = at(0x01, 0x02, 0xff, 0xff, 0xff, 0xff, 0x7f);
    r.skip(2, 'prefix');
    expect(() => r.u32('import count')).toThrow(/while reading import count \(at byte 2\)/);
    try {
      at(0x01, 0x02, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x00).sub(8, 's').u32('x');
    } catch (e) {
      expect(e).toMatchObject({ library: 'lib.so', offset: 0 });
    }
  });

  it('round-trips random values with random padding', () => {
    const rand = rng(1);
    for (let i = 0; i < 5000; i++) {
      const v = Math.floor(rand() * 2 ** 32);
      const minimal = uleb(v);
      const width = minimal.length + Math.floor(rand() * (6 - minimal.length));
      const r = at(...uleb(v, width), 0xaa);
      expect(r.u32('x')).toBe(v);
      expect(r.u8('tail')).toBe(0xaa);
    }
  });
});

describe('ByteReader: signed LEB128', () => {
  it('decodes s32 boundaries', () => {
    expect(at(0x7f).signed(32, 'x')).toBe(-1);
    expect(at(0x40).signed(32, 'x')).toBe(-64);
    expect(at(0x3f).signed(32, 'x')).toBe(63);
    expect(at(0xc0, 0x00).signed(32, 'x')).toBe(64);
    expect(at(0x80, 0x80, 0x80, 0x80, 0x78).signed(32, 'x')).toBe(-(2 ** 31));
    expect(at(0xff, 0xff, 0xff, 0xff, 0x07).signed(32, 'x')).toBe(2 ** 31 - 1);
    expect(at(0xff, 0xff, 0xff, 0xff, 0x7f).signed(32, 'x')).toBe(-1);
  });

  it('rejects s32 whose unused bits are not sign extension', () => {
    expect(outcome(() => at(0xff, 0xff, 0xff, 0xff, 0x0f).signed(32, 'x'))).toBe('DL_BAD_LEB128');
    expect(outcome(() => at(0x80, 0x80, 0x80, 0x80, 0x70).signed(32, 'x'))).toBe('DL_BAD_LEB128');
    expect(outcome(() => at(0x80, 0x80, 0x80, 0x80, 0x80, 0x00).signed(32, 'x'))).toBe('DL_BAD_LEB128');
  });

  it('decodes s33 (heap types) to its full range', () => {
    expect(at(0xff, 0xff, 0xff, 0xff, 0x0f).signed(33, 'x')).toBe(2 ** 32 - 1);
    expect(at(0x80, 0x80, 0x80, 0x80, 0x70).signed(33, 'x')).toBe(-(2 ** 32));
    expect(outcome(() => at(0x80, 0x80, 0x80, 0x80, 0x10).signed(33, 'x'))).toBe('DL_BAD_LEB128');
  });

  it('decodes s64 boundaries and rejects overflow', () => {
    expect(at(...sleb(-(2n ** 63n))).s64('x')).toBe(-(2n ** 63n));
    expect(at(...sleb(2n ** 63n - 1n)).s64('x')).toBe(2n ** 63n - 1n);
    expect(at(0x7f).s64('x')).toBe(-1n);
    expect(outcome(() => at(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01).s64('x'))).toBe(
      'DL_BAD_LEB128',
    );
    expect(outcome(() => at(...Array<number>(10).fill(0x80), 0x00).s64('x'))).toBe('DL_BAD_LEB128');
  });

  it('round-trips random s32 and s64 values', () => {
    const rand = rng(2);
    for (let i = 0; i < 3000; i++) {
      const v32 = Math.floor(rand() * 2 ** 32) - 2 ** 31;
      expect(at(...sleb(v32)).signed(32, 'x')).toBe(v32);
      const v64 = BigInt.asIntN(
        64,
        (BigInt(Math.floor(rand() * 2 ** 32)) << 32n) | BigInt(Math.floor(rand() * 2 ** 32)),
      );
      expect(at(...sleb(v64)).s64('x')).toBe(v64);
    }
  });
});

describe('ByteReader: u64 limits, floats, names, counts', () => {
  it('reads u64 as a safe number and refuses larger values', () => {
    expect(at(...uleb(2 ** 40)).u64('x')).toBe(2 ** 40);
    expect(outcome(() => at(...uleb(2n ** 60n)).u64('x'))).toBe('DL_BAD_VALUE');
    expect(outcome(() => at(...Array<number>(10).fill(0xff), 0x01).u64('x'))).toBe('DL_BAD_LEB128');
  });

  it('reads little-endian floats', () => {
    expect(at(0x00, 0x00, 0x80, 0x3f).f32('x')).toBe(1);
    expect(at(0, 0, 0, 0, 0, 0, 0xf0, 0x3f).f64('x')).toBe(1);
    expect(outcome(() => at(0, 0, 0).f32('x'))).toBe('DL_TRUNCATED');
  });

  it('decodes ASCII and UTF-8 names and keeps a leading BOM', () => {
    expect(at(3, 0x61, 0x62, 0x63).name('x')).toBe('abc');
    expect(at(0).name('x')).toBe('');
    const utf = new TextEncoder().encode('\u00e9\u4e2d\u{1f600}');
    expect(at(utf.length, ...utf).name('x')).toBe('\u00e9\u4e2d\u{1f600}');
    expect(at(4, 0xef, 0xbb, 0xbf, 0x61).name('x')).toBe('\ufeffa');
    const long = 'x'.repeat(500);
    expect(at(...uleb(500), ...new TextEncoder().encode(long)).name('x')).toBe(long);
  });

  it('rejects invalid UTF-8: stray bytes, overlong forms, surrogates, cut sequences', () => {
    for (const bad of [[0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xe4, 0xb8], [0x80]]) {
      expect(outcome(() => at(bad.length, ...bad).name('x'))).toBe('DL_BAD_UTF8');
    }
  });

  it('refuses a name longer than what remains', () => {
    expect(outcome(() => at(5, 0x61).name('x'))).toBe('DL_TRUNCATED');
    const r = at(3, 0x05, 0x61, 0x62);
    const s = r.sub(r.u8('size'), 'section');
    expect(outcome(() => s.name('x'))).toBe('DL_BAD_LENGTH');
  });

  it('refuses a hostile count before allocating anything', () => {
    expect(outcome(() => at(...uleb(0xffffffff), 1, 2, 3).count('import count', 4))).toBe('DL_TRUNCATED');
    expect(at(2, 1, 2, 3, 4).count('x', 2)).toBe(2);
    expect(outcome(() => at(2, 1, 2, 3).count('x', 2))).toBe('DL_TRUNCATED');
  });

  it('checks that sized regions are consumed exactly', () => {
    const r = at(3, 1, 2, 3);
    r.u8('size');
    const s = r.sub(3, 'subsection');
    s.u8('a');
    expect(
      outcome(() => {
        s.expectEnd('subsection');
      }),
    ).toBe('DL_SIZE_MISMATCH');
    expect(r.atEnd).toBe(true);
    expect(outcome(() => r.sub(1, 'more'))).toBe('DL_TRUNCATED');
  });

  it('returns views, not copies', () => {
    const bytes = Uint8Array.from([1, 2, 3, 4]);
    const view = new ByteReader(bytes).bytesView(2, 'x');
    bytes[0] = 9;
    expect(view[0]).toBe(9);
  });
});
