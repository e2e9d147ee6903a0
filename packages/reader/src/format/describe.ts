import type { FuncType } from '../module/types.js';
import { symbolFlagKeywords } from './ids.js';

/**
 * Spells symbol flags as their text-format keywords, e.g. `0x11` → `['binding-weak', 'undefined']`;
 * unknown bits come last as a hex number.
 *
 * @param flags - EXPORT_INFO / IMPORT_INFO flags
 */
export function describeSymbolFlags(flags: number): string[] {
  const words: string[] = [];
  let rest = flags;
  for (const [bit, word] of symbolFlagKeywords) {
    if (flags & bit) {
      words.push(word);
      rest &= ~bit;
    }
  }
  if (rest !== 0) words.push(`0x${(rest >>> 0).toString(16)}`);
  return words;
}

/**
 * Formats a function type as `(i32, i32) -> i32` (`-> ()` for no results).
 *
 * @param type - a function type
 */
export function formatFuncType(type: FuncType): string {
  const results = type.results.length === 1 ? type.results[0]! : `(${type.results.join(', ')})`;
  return `(${type.params.join(', ')}) -> ${results}`;
}
