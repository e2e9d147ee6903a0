// The JS host programs the @dl/linker runners link against, and how each set is checked.
//   bm:       bench_host_add(int, int) and bench_host_data (= 7), what the generated modules use.
//   grammars: the few libc functions the tree-sitter grammars import (written here, small,
//             so that this plain-node runner needs no TypeScript; malloc & co. use the
//             linker's heap). None of them runs while loading; they must exist (RTLD_NOW).
import { fail } from './common.mjs';

const HOST_DATA = 7;

function libc(get) {
  const u8 = () => new Uint8Array(get().memory.buffer);
  const is = (re) => ({ func: (c) => (c >= 0 && c <= 0x10ffff && re.test(String.fromCodePoint(c)) ? 1 : 0), type: '(i32) -> i32' });
  const copy = { func: (d, s, n) => { u8().copyWithin(d, s, s + n); return d; }, type: '(i32, i32, i32) -> i32' };
  const malloc = (n) => get().malloc(Math.max(n, 1));
  return {
    iswspace: is(/\s/u), iswalpha: is(/\p{L}/u), iswalnum: is(/[\p{L}\p{Nd}]/u), iswxdigit: is(/[0-9a-fA-F]/),
    iswupper: is(/\p{Lu}/u), iswlower: is(/\p{Ll}/u), iswdigit: is(/[0-9]/),
    malloc: { func: malloc, type: '(i32) -> i32' },
    calloc: { func: (n, size) => malloc(n * size), type: '(i32, i32) -> i32' },
    free: { func: (p) => { get().free(p); }, type: '(i32) -> ()' },
    realloc: {
      func: (p, n) => {
        const q = malloc(n);
        if (p !== 0) { u8().copyWithin(q, p, p + Math.min(n, get().sizeOf(p) ?? 0)); get().free(p); }
        return q;
      },
      type: '(i32, i32) -> i32',
    },
    memcpy: copy, memmove: copy,
    memset: { func: (d, c, n) => { u8().fill(c & 0xff, d, d + n); return d; }, type: '(i32, i32, i32) -> i32' },
    memcmp: {
      func: (a, b, n) => { const m = u8(); for (let i = 0; i < n; i++) if (m[a + i] !== m[b + i]) return m[a + i] - m[b + i]; return 0; },
      type: '(i32, i32, i32) -> i32',
    },
    memchr: { func: (p, c, n) => { const i = u8().subarray(p, p + n).indexOf(c & 0xff); return i < 0 ? 0 : p + i; }, type: '(i32, i32, i32) -> i32' },
    strcmp: {
      func: (a, b) => { const m = u8(); for (let i = 0; ; i++) if (m[a + i] !== m[b + i] || m[a + i] === 0) return m[a + i] - m[b + i]; },
      type: '(i32, i32) -> i32',
    },
    __assert_fail: { func: () => { throw new Error('assertion failed in a side module'); }, type: '(i32, i32, i32, i32) -> ()' },
    abort: { func: () => { throw new Error('abort() called by a side module'); }, type: '() -> ()' },
  };
}

/** The JS host program for a set; `get` returns the linker once it exists. */
export function hostProgram(kind, get) {
  if (kind === 'grammars') return { kind: 'host', functions: libc(get) };
  return {
    kind: 'host',
    functions: { bench_host_add: { func: (a, b) => a + b, type: '(i32, i32) -> i32' } },
    data: { bench_host_data: { bytes: new Uint8Array(new Int32Array([HOST_DATA]).buffer), align: 4 } },
  };
}

function cString(memory, address) {
  const bytes = new Uint8Array(memory.buffer);
  return new TextDecoder().decode(bytes.subarray(address, bytes.indexOf(0, address)));
}

/**
 * The set's checksum, through the linker: bm = sum of bm<i>_check(); grammars = sum of the
 * symbol counts of the relocated TSLanguage structs, each of which must name symbol 0 "end"
 * (read through two relocated pointers).
 */
export function checksum(m, linker) {
  let sum = 0;
  for (const { symbol, name } of m.modules) {
    const s = linker.dlsym(null, symbol);
    if (s.kind !== 'function') fail(`${symbol} is not a function`);
    const value = s.func();
    if (m.kind !== 'grammars') { sum += value; continue; }
    const view = new DataView(linker.memory.buffer);
    const symbolCount = view.getUint32(value + 4, true);
    const first = cString(linker.memory, view.getUint32(view.getUint32(value + 56, true), true));
    if (first !== 'end') fail(`${name}: symbol 0 is ${JSON.stringify(first)}, not "end": not relocated`);
    sum += symbolCount;
  }
  return sum;
}
