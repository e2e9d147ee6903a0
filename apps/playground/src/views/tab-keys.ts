/** The tabs' keyboard pattern (WAI-ARIA tabs): which tab a key moves to. */

/** The index of the tab `key` moves to from tab `index` of `count`, or null for other keys. Arrows wrap around. */
export function tabKeyTarget(key: string, index: number, count: number): number | null {
  switch (key) {
    case 'ArrowRight':
      return (index + 1) % count;
    case 'ArrowLeft':
      return (index - 1 + count) % count;
    case 'Home':
      return 0;
    case 'End':
      return count - 1;
    default:
      return null;
  }
}
