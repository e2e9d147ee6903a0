import { concat, splice, uleb } from '@dl/fixtures/writer';
import type { Random } from './random.js';

/** A corpus file with the offsets worth aiming at (section headers, dylink subsections). */
export interface Seed {
  readonly name: string;
  readonly bytes: Uint8Array<ArrayBuffer>;
  /** Offsets of section size LEBs and vector counts: where lengths live. */
  readonly lengthOffsets: readonly number[];
  /** [start, end) of each section, for section-level edits. */
  readonly sections: readonly (readonly [number, number])[];
  /** End of the first section (the dylink section of a side module). */
  readonly firstSectionEnd: number;
}

/** A mutation: returns new bytes (never modifies its input). */
type Mutator = (r: Random, s: Seed, all: readonly Seed[]) => Uint8Array<ArrayBuffer>;

const INTERESTING = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x40, 0x3f, 0x10, 0x20, 0x60];

/** A position, biased toward the dylink section and the length fields where parsers break. */
function position(r: Random, s: Seed): number {
  const n = s.bytes.length;
  if (n === 0) return 0;
  const roll = r.below(20);
  if (roll === 0 || n <= 8) return r.below(n); // rarely the 8 header bytes: one check covers them
  if (roll < 6) return 8 + r.below(Math.max(1, Math.min(n, s.firstSectionEnd + 1) - 8));
  if (roll < 12 && s.lengthOffsets.length > 0) return Math.min(n - 1, r.pick(s.lengthOffsets) + r.below(3));
  return 8 + r.below(n - 8);
}

/** Length of the LEB128 starting at `at` (at most 10; stops at the end). */
function lebLength(bytes: Uint8Array, at: number): number {
  let i = at;
  while (i < bytes.length && i - at < 10 && (bytes[i]! & 0x80) !== 0) i++;
  return Math.min(i + 1, bytes.length) - at;
}

const flipBits: Mutator = (r, s) => {
  const out = s.bytes.slice();
  if (out.length === 0) return out;
  for (let k = 1 + r.below(8); k > 0; k--) out[position(r, s) % out.length]! ^= 1 << r.below(8);
  return out;
};

const setBytes: Mutator = (r, s) => {
  const out = s.bytes.slice();
  if (out.length === 0) return out;
  for (let k = 1 + r.below(4); k > 0; k--) out[position(r, s) % out.length] = r.pick(INTERESTING);
  return out;
};

const truncate: Mutator = (r, s) =>
  s.bytes.slice(0, r.chance(0.5) ? 8 + r.below(s.firstSectionEnd - 6) : r.below(s.bytes.length + 1));

const spliceFrom: Mutator = (r, s, all) => {
  const other = r.pick(all).bytes;
  const from = r.below(other.length + 1);
  const chunk = other.subarray(from, from + r.below(64) + 1);
  const at = position(r, s);
  return splice(s.bytes, at, Math.min(s.bytes.length, at + r.below(64)), chunk);
};

/** Re-encodes the LEB at a length field: overlong, padded, huge, or overflowing. */
const rewriteLeb: Mutator = (r, s) => {
  if (s.lengthOffsets.length === 0) return flipBits(r, s, []);
  const at = r.pick(s.lengthOffsets);
  const len = lebLength(s.bytes, at);
  const variants: readonly (readonly number[])[] = [
    [0x80, 0x80, 0x80, 0x80, 0x80, 0x00], // 6 bytes: overlong
    [0xff, 0xff, 0xff, 0xff, 0x0f], // 2^32 - 1: huge count or size
    [0x80, 0x80, 0x80, 0x80, 0x10], // overflows 32 bits
    uleb(r.u32() >>> r.below(32)), // random value
    uleb((s.bytes[at] ?? 0) & 0x7f, 5), // a small value, padded to 5 bytes (valid)
    uleb(r.below(1 << 20)),
  ];
  return splice(s.bytes, at, at + len, r.pick(variants));
};

/** Section-level edits: duplicate, delete, swap, move the first section later. */
const sectionEdit: Mutator = (r, s) => {
  if (s.sections.length < 2) return truncate(r, s, []);
  const i = r.below(s.sections.length);
  const [a, b] = s.sections[i]!;
  const piece = s.bytes.subarray(a, b);
  switch (r.below(4)) {
    case 0:
      return splice(s.bytes, b, b, piece);
    case 1:
      return splice(s.bytes, a, b, []);
    case 2: {
      const j = r.below(s.sections.length);
      const [c, d] = s.sections[j]!;
      if (j <= i)
        return concat(
          s.bytes.subarray(0, c),
          piece,
          s.bytes.subarray(d, a),
          s.bytes.subarray(c, d),
          s.bytes.subarray(b),
        );
      return concat(s.bytes.subarray(0, a), s.bytes.subarray(c, d), s.bytes.subarray(b, c), piece, s.bytes.subarray(d));
    }
    default: {
      const [f0, f1] = s.sections[0]!;
      const last = s.sections[s.sections.length - 1]![1];
      return concat(
        s.bytes.subarray(0, f0),
        s.bytes.subarray(f1, last),
        s.bytes.subarray(f0, f1),
        s.bytes.subarray(last),
      );
    }
  }
};

const insertRandom: Mutator = (r, s) => {
  const chunk = Uint8Array.from({ length: 1 + r.below(16) }, () => r.u32() & 0xff);
  const at = position(r, s);
  return splice(s.bytes, at, at, chunk);
};

/** All strategies, with weights. */
const strategies: readonly (readonly [Mutator, number])[] = [
  [flipBits, 5],
  [setBytes, 3],
  [truncate, 2],
  [spliceFrom, 2],
  [rewriteLeb, 4],
  [sectionEdit, 2],
  [insertRandom, 1],
];
const totalWeight = strategies.reduce((n, [, w]) => n + w, 0);

/** Applies one to three random mutations to a seed. */
export function mutate(r: Random, seed: Seed, all: readonly Seed[]): Uint8Array<ArrayBuffer> {
  let current: Seed = seed;
  let bytes = seed.bytes;
  for (let k = 1 + r.below(3); k > 0; k--) {
    let roll = r.below(totalWeight);
    const [m] = strategies.find(([, w]) => (roll -= w) < 0)!;
    bytes = m(r, current, all);
    current = { ...current, bytes };
  }
  return bytes;
}
