/**
 * Arguments typed in the page, converted to what a wasm function of a given type takes from
 * JavaScript, and results converted back to text.
 */

/** Value types JavaScript can pass to and receive from a wasm function. */
const callableTypes: ReadonlySet<string> = new Set(['i32', 'i64', 'f32', 'f64', 'externref']);

/** Why a function cannot be called from the page, or null when it can. */
export function uncallableReason(params: readonly string[], results: readonly string[]): string | null {
  const bad = [...params, ...results].find((t) => !callableTypes.has(t));
  return bad === undefined ? null : `${bad} values cannot cross into JavaScript`;
}

const integer = /^[+-]?(0x[0-9a-f]+|0b[01]+|0o[0-7]+|[0-9]+)$/i;

/** Parses an integer literal (decimal, 0x, 0b, 0o, optionally signed) as a bigint, or null. */
function parseInteger(text: string): bigint | null {
  const t = text.trim().replace(/_/g, '');
  if (!integer.test(t)) return null;
  const negative = t.startsWith('-');
  const digits = t.replace(/^[+-]/, '');
  const value = BigInt(digits);
  return negative ? -value : value;
}

/**
 * One argument for a parameter of wasm type `type`: i32 accepts -2^31..2^32-1 (wrapped as wasm
 * does), i64 -2^63..2^64-1 (as a bigint), f32/f64 any JavaScript number (`NaN`, `Infinity` too).
 *
 * @throws TypeError naming the parameter when the text is not a value of that type
 */
export function parseArgument(text: string, type: string, position: number): number | bigint | string | null {
  const where = `argument ${position + 1} (${type})`;
  switch (type) {
    case 'i32':
    case 'i64': {
      const value = parseInteger(text);
      const bits = type === 'i32' ? 32n : 64n;
      if (value === null) throw new TypeError(`${where}: "${text}" is not an integer`);
      if (value < -(1n << (bits - 1n)) || value >= 1n << bits)
        throw new TypeError(`${where}: ${text} does not fit in ${bits} bits`);
      return type === 'i32' ? Number(BigInt.asIntN(32, value)) : BigInt.asIntN(64, value);
    }
    case 'f32':
    case 'f64': {
      const t = text.trim();
      const value =
        t === 'NaN'
          ? Number.NaN
          : t === 'Infinity' || t === '+Infinity'
            ? Infinity
            : t === '-Infinity'
              ? -Infinity
              : t === ''
                ? Number.NaN
                : Number(t);
      if (Number.isNaN(value) && t !== 'NaN') throw new TypeError(`${where}: "${text}" is not a number`);
      return value;
    }
    case 'externref':
      return text === 'null' ? null : text;
    default:
      throw new TypeError(`${where}: ${type} values cannot cross into JavaScript`);
  }
}

/** A result as text: integers in decimal (i32 also in hex), several results as a list. */
export function formatResult(value: unknown, results: readonly string[]): string {
  if (results.length === 0) return '(no result)';
  if (results.length > 1 && Array.isArray(value))
    return `[${value.map((v, i) => formatResult(v, [results[i] ?? ''])).join(', ')}]`;
  if (typeof value === 'bigint') return `${value} (i64)`;
  if (typeof value === 'number') {
    if (results[0] === 'i32') return `${value} (0x${(value >>> 0).toString(16)})`;
    return String(value);
  }
  return value === null ? 'null' : typeof value === 'string' ? JSON.stringify(value) : typeof value;
}
