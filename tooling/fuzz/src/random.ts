/** A small deterministic PRNG (xorshift32 seeded through splitmix), so input #i is reproducible. */
export class Random {
  private state: number;

  constructor(seed: number) {
    let z = (seed + 0x9e3779b9) >>> 0;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    this.state = (z ^ (z >>> 16)) >>> 0 || 1;
  }

  /** A 32-bit unsigned integer. */
  u32(): number {
    let s = this.state;
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    this.state = s;
    return s;
  }

  /** An integer in [0, n). */
  below(n: number): number {
    return n <= 1 ? 0 : this.u32() % n;
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.u32() / 2 ** 32 < p;
  }

  /** A random element. */
  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)]!;
  }
}

/** Seed of input `index` of a run with `seed`: independent of how work is split across workers. */
export function inputSeed(seed: number, index: number): number {
  return (Math.imul(seed, 0x01000193) ^ Math.imul(index, 0x9e3779b1)) >>> 0;
}
