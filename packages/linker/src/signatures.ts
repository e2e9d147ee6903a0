import { DlError } from '@dl/errors';
import type { FuncType } from '@dl/reader';
import type { HostFunctionType } from './types.js';

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
    const list = (s: string): string[] =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter((x) => x !== '');
    const results = arrow[2]!.trim();
    return {
      kind: 'func',
      params: list(arrow[1]!),
      results: results === '()' || results === '' ? [] : list(results.replace(/^\((.*)\)$/, '$1')),
    };
  }
  if (/^[vijfdpe][ijfdpe]*$/.test(text)) {
    const result = text.startsWith('v') ? [] : [letters[text[0]!]!];
    return { kind: 'func', params: (text.slice(1).match(/./g) ?? []).map((c) => letters[c]!), results: result };
  }
  throw new DlError(
    'DL_BAD_VALUE',
    `cannot read the signature ${JSON.stringify(text)}: use "(i32, i32) -> i32" or Emscripten letters like "iii"`,
  );
}

const valueTypes: ReadonlySet<string> = new Set([
  'i32',
  'i64',
  'f32',
  'f64',
  'v128',
  'funcref',
  'externref',
  'anyfunc',
]);

function valueList(list: readonly string[], what: string, symbol: string): string[] {
  return list.map((t) => {
    if (!valueTypes.has(t))
      throw new DlError(
        'DL_BAD_VALUE',
        `the type of host function ${symbol} has ${what} type ${JSON.stringify(t)}: use i32, i64, f32, f64, v128, funcref or externref`,
        { symbol },
      );
    return t === 'anyfunc' ? 'funcref' : t;
  });
}

/**
 * A host function's type in any of the shapes hosts write ({@link HostFunctionType}): a
 * signature string, the reader's `FuncType`, `{ params, results }`, or type reflection's
 * `{ parameters, results }`.
 *
 * @throws DlError `DL_BAD_VALUE` naming the function for anything else
 */
export function toFuncType(type: HostFunctionType, symbol: string): FuncType {
  if (typeof type === 'string') {
    try {
      return parseSignature(type);
    } catch (e) {
      throw new DlError('DL_BAD_VALUE', `host function ${symbol}: ${e instanceof DlError ? e.detail : String(e)}`, {
        symbol,
      });
    }
  }
  const params = 'parameters' in type ? type.parameters : 'params' in type ? type.params : undefined;
  if (!Array.isArray(params) || !Array.isArray(type.results)) {
    throw new DlError(
      'DL_BAD_VALUE',
      `the type of host function ${symbol} is neither a signature string nor { params, results } / { parameters, results }`,
      { symbol },
    );
  }
  return {
    kind: 'func',
    params: valueList(params as readonly string[], 'a parameter', symbol),
    results: valueList(type.results, 'a result', symbol),
  };
}
