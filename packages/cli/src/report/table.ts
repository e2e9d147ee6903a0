import { printable } from './printable.js';

/** Column alignment. */
export type Align = 'left' | 'right';

/**
 * Renders rows as an aligned plain-text table: columns padded to their widest cell,
 * separated by two spaces, trailing spaces trimmed. Cells are made {@link printable} (names
 * come from the files inspected).
 *
 * @param rows - cells by row
 * @param align - alignment per column (default left)
 * @param indent - prefix of every line
 */
export function renderTable(cells: readonly (readonly string[])[], align: readonly Align[] = [], indent = ''): string {
  const rows = cells.map((row) => row.map(printable));
  const widths: number[] = [];
  for (const row of rows)
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  return rows
    .map(
      (row) =>
        indent +
        row
          .map((cell, i) => (align[i] === 'right' ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
          .join('  ')
          .trimEnd(),
    )
    .join('\n');
}

/** `1234567` → `1,234,567`. */
export function groupDigits(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** `n` with a singular or plural noun: `1 slot`, `3 slots`. */
export function plural(n: number, noun: string): string {
  return `${groupDigits(n)} ${noun}${n === 1 ? '' : 's'}`;
}

/** A list of names, or `(none)`. */
export function listOrNone(items: readonly string[]): string {
  return items.length === 0 ? '(none)' : items.join(', ');
}
