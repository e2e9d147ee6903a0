// The JS host programs the @dl/linker runners link against, and how each set is checked.
//   bm:       bench_host_add(int, int) and bench_host_data (= 7), what the generated modules use.
//   grammars: the few libc functions the tree-sitter grammars import (written here, small,
//             so that this plain-node runner needs no TypeScript; malloc & co. use the
//             linker's heap). None of them runs while loading; they must exist (RTLD_NOW).
// No node built-ins: the Chromium page (web-page.mjs) bundles this file too; a wrong result
// throws (the node runner exits 1, the page's result rejects).

const HOST_DATA = 7;

/** The libc functions the grammars import: character classes, allocation, memory, traps. */
function libc(get) {
  const u8 = () => new Uint8Array(get().memory.buffer);
  return { ...characterClasses(), ...allocation(get, u8), ...memoryFunctions(u8), ...traps() };
}

function characterClasses() {
  const is = (re) => ({
    func: (c) => (c >= 0 && c <= 0x10ffff && re.test(String.fromCodePoint(c)) ? 1 : 0),
    type: '(i32) -> i32',
  });
  return {
    iswspace: is(/\s/u),
    iswalpha: is(/\p{L}/u),
    iswalnum: is(/[\p{L}\p{Nd}]/u),
    iswxdigit: is(/[0-9a-fA-F]/),
    iswupper: is(/\p{Lu}/u),
    iswlower: is(/\p{Ll}/u),
    iswdigit: is(/[0-9]/),
  };
}

/** malloc & co. on the linker's heap. */
function allocation(get, u8) {
  const malloc = (n) => get().malloc(Math.max(n, 1));
  return {
    malloc: { func: malloc, type: '(i32) -> i32' },
    calloc: { func: (n, size) => malloc(n * size), type: '(i32, i32) -> i32' },
    free: {
      func: (p) => {
        get().free(p);
      },
      type: '(i32) -> ()',
    },
    realloc: {
      func: (p, n) => {
        const q = malloc(n);
        if (p !== 0) {
          u8().copyWithin(q, p, p + Math.min(n, get().sizeOf(p) ?? 0));
          get().free(p);
        }
        return q;
      },
      type: '(i32, i32) -> i32',
    },
  };
}

/** memcpy, memset, strcmp & co. over the linear memory. */
function memoryFunctions(u8) {
  const copy = {
    func: (d, s, n) => {
      u8().copyWithin(d, s, s + n);
      return d;
    },
    type: '(i32, i32, i32) -> i32',
  };
  return {
    memcpy: copy,
    memmove: copy,
    memset: {
      func: (d, c, n) => {
        u8().fill(c & 0xff, d, d + n);
        return d;
      },
      type: '(i32, i32, i32) -> i32',
    },
    memcmp: {
      func: (a, b, n) => {
        const m = u8();
        for (let i = 0; i < n; i++) if (m[a + i] !== m[b + i]) return m[a + i] - m[b + i];
        return 0;
      },
      type: '(i32, i32, i32) -> i32',
    },
    memchr: {
      func: (p, c, n) => {
        const i = u8()
          .subarray(p, p + n)
          .indexOf(c & 0xff);
        return i < 0 ? 0 : p + i;
      },
      type: '(i32, i32, i32) -> i32',
    },
    strcmp: {
      func: (a, b) => {
        const m = u8();
        for (let i = 0; ; i++) if (m[a + i] !== m[b + i] || m[a + i] === 0) return m[a + i] - m[b + i];
      },
      type: '(i32, i32) -> i32',
    },
  };
}

/** What a grammar calls when it fails. */
function traps() {
  return {
    __assert_fail: {
      func: () => {
        throw new Error('assertion failed in a side module');
      },
      type: '(i32, i32, i32, i32) -> ()',
    },
    abort: {
      func: () => {
        throw new Error('abort() called by a side module');
      },
      type: '() -> ()',
    },
  };
}

/**
 * A linker (from `create`: createLinker or createLinkerSync) for the set's host program, whose
 * functions reach the linker itself (malloc & co.).
 */
async function hostLinker(create, kind, options = {}) {
  let linker;
  linker = await create({ ...options, program: hostProgram(kind, () => linker) });
  return linker;
}

/**
 * A fresh linker (`dl`: the @dl/linker module) with the set's host program that, when run,
 * loads `names` through `loader` with RTLD_NOW | RTLD_GLOBAL: `sync` (dlopenSync one after
 * another), `seq` (await dlopen one after another) or `batch` (one `linker.load`). `check()`
 * is the set's checksum. Made before the clock starts, like the runners' linkers.
 */
export async function linkingRun(dl, m, names, loader, mode, onEvent) {
  const flags = dl.RTLD.NOW | dl.RTLD.GLOBAL;
  const linker = await hostLinker(mode === 'sync' ? dl.createLinkerSync : dl.createLinker, m.kind, { loader, onEvent });
  const run = {
    sync: () => {
      for (const name of names) linker.dlopenSync(name, flags);
    },
    seq: async () => {
      for (const name of names) await linker.dlopen(name, flags);
    },
    batch: () => linker.load(names, flags),
  }[mode];
  return { run, check: () => checksum(m, linker) };
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
    if (s.kind !== 'function') throw new Error(`${symbol} is not a function`);
    const value = s.func();
    if (m.kind !== 'grammars') {
      sum += value;
      continue;
    }
    const view = new DataView(linker.memory.buffer);
    const symbolCount = view.getUint32(value + 4, true);
    const first = cString(linker.memory, view.getUint32(view.getUint32(value + 56, true), true));
    if (first !== 'end') throw new Error(`${name}: symbol 0 is ${JSON.stringify(first)}, not "end": not relocated`);
    sum += symbolCount;
  }
  return sum;
}
