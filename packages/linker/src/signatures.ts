import { DlError } from '@dl/errors';
import type { FuncType } from '@dl/reader';

/** Emscripten signature letters → value types (`v` only as the result: none). */
const letters: Readonly<Record<string, string>> = { i: 'i32', j: 'i64', f: 'f32', d: 'f64', p: 'i32', e: 'externref' };

/**
 * Parses a function signature: `(i32, i32) -> i32` (also `() -> ()`), or Emscripten's
 * letters, result first (`iii` = `(i32, i32) -> i32`, `vi` = `(i32) -> ()`).
 *
 * @throws DlError `DL_BAD_VALUE` for anything else
 */
export function parseSignature(text: string): FuncType {
  const arrow = /^\(([^)]*)\)\s*->\s*(.*)$/.exec(text.trim());
  if (arrow !== null) {
    const list = (s: string): string[] => s.split(',').map((x) => x.trim()).filter((x) => x !== '');
    const results = arrow[2]!.trim();
    return { kind: 'func', params: list(arrow[1]!), results: results === '()' || results === '' ? [] : list(results.replace(/^\((.*)\)$/, '$1')) };
  }
  if (/^[vijfdpe][ijfdpe]*$/.test(text)) {
    const result = text.startsWith('v') ? [] : [letters[text[0]!]!];
    return { kind: 'func', params: (text.slice(1).match(/./g) ?? []).map((c) => letters[c]!), results: result };
  }
  throw new DlError('DL_BAD_VALUE', `cannot read the signature ${JSON.stringify(text)}: use "(i32, i32) -> i32" or Emscripten letters like "iii"`);
}
