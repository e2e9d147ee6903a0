/** A half-open range `[start, start + size)` of addresses or slots. */
export interface Range {
  readonly start: number;
  readonly size: number;
}

/** Rounds `value` up to a multiple of `align` (a power of two, or 1). */
export function alignUp(value: number, align: number): number {
  return Math.ceil(value / align) * align;
}

/**
 * A set of free, disjoint ranges kept sorted by start, with neighbours always coalesced.
 * `take` is best-fit (smallest range that fits, then lowest address); `give` and `extend`
 * coalesce. Costs grow with the number of free ranges (fragmentation), never with the
 * number of things allocated.
 */
export class FreeRanges {
  private starts: number[] = [];
  private sizes: number[] = [];

  /** The free ranges, in address order. */
  ranges(): Range[] {
    return this.starts.map((start, i) => ({ start, size: this.sizes[i]! }));
  }

  /** Total free size. */
  total(): number {
    return this.sizes.reduce((a, b) => a + b, 0);
  }

  /** Index of the first range starting at or after `start`. */
  private lowerBound(start: number): number {
    let lo = 0;
    let hi = this.starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.starts[mid]! < start) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Removes `size` units aligned to `align` from the best-fitting range and returns their
   * start, or -1 when no range fits. The unaligned head and the tail stay free.
   */
  take(size: number, align: number): number {
    let best = -1;
    let bestStart = 0;
    let bestSize = Infinity;
    for (let i = 0; i < this.starts.length; i++) {
      const s = this.starts[i]!;
      const n = this.sizes[i]!;
      const at = alignUp(s, align);
      if (at + size <= s + n && n < bestSize) {
        best = i;
        bestStart = at;
        bestSize = n;
      }
    }
    if (best < 0) return -1;
    const s = this.starts[best]!;
    const end = s + this.sizes[best]!;
    const head = bestStart - s;
    const tail = end - (bestStart + size);
    if (head > 0 && tail > 0) {
      this.sizes[best] = head;
      this.starts.splice(best + 1, 0, bestStart + size);
      this.sizes.splice(best + 1, 0, tail);
    } else if (head > 0) {
      this.sizes[best] = head;
    } else if (tail > 0) {
      this.starts[best] = bestStart + size;
      this.sizes[best] = tail;
    } else {
      this.starts.splice(best, 1);
      this.sizes.splice(best, 1);
    }
    return bestStart;
  }

  /** Returns a range to the set, merging it with adjacent free ranges. Overlaps are a bug. */
  give(start: number, size: number): void {
    if (size <= 0) return;
    const i = this.lowerBound(start);
    const prevEnd = i > 0 ? this.starts[i - 1]! + this.sizes[i - 1]! : -Infinity;
    const next = i < this.starts.length ? this.starts[i]! : Infinity;
    if (prevEnd > start || start + size > next)
      throw new RangeError(`range [${start}, ${start + size}) is already free`);
    const joinPrev = prevEnd === start;
    const joinNext = start + size === next;
    if (joinPrev && joinNext) {
      this.sizes[i - 1]! += size + this.sizes[i]!;
      this.starts.splice(i, 1);
      this.sizes.splice(i, 1);
    } else if (joinPrev) {
      this.sizes[i - 1]! += size;
    } else if (joinNext) {
      this.starts[i] = start;
      this.sizes[i]! += size;
    } else {
      this.starts.splice(i, 0, start);
      this.sizes.splice(i, 0, size);
    }
  }

  /** The free range ending exactly at `end`, if any (used to grow the last range in place). */
  endingAt(end: number): Range | null {
    const last = this.starts.length - 1;
    if (last < 0) return null;
    const start = this.starts[last]!;
    const size = this.sizes[last]!;
    return start + size === end ? { start, size } : null;
  }
}
