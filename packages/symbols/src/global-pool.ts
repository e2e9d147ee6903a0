/**
 * Mutable i32 globals for GOT entries, made by the engine in batches.
 *
 * A `new WebAssembly.Global(...)` made from JS owns a separate array buffer for its value (V8
 * 11–12): a program with thousands of GOT entries gets thousands of array buffers, each with its
 * backing store and an extension the garbage collector sweeps on every scavenge. Globals
 * exported by a wasm instance share their instance's one buffer instead. So GOT globals come
 * from a tiny module that defines {@link BATCH} mutable i32 globals and exports them all: one
 * instantiation hands out a batch. The module is built and compiled on first use, once per
 * process (nothing happens at import time) — but not for a small program: the first
 * {@link SINGLE} globals of the process are made one by one, so a first `dlopen` of a small
 * library does not pay for compiling and instantiating the batch module (~0.5 ms cold).
 */

/** Globals per batch: a batch costs one instantiation and {@link BATCH} × 4 bytes of buffer. */
const BATCH = 128;

/** Globals made one by one (`new WebAssembly.Global`) before the first batch. */
const SINGLE = 32;

let singles = 0;
let compiled: WebAssembly.Module | null = null;
let batch: WebAssembly.Exports | null = null;
let next = BATCH;

/** Unsigned LEB128 bytes of `n`. */
function uleb(n: number, out: number[]): void {
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
}

/** A section: id, byte length, body. */
function section(id: number, body: number[], out: number[]): void {
  out.push(id);
  uleb(body.length, out);
  for (const b of body) out.push(b);
}

/** The batch module: `BATCH` globals `(mut i32)` initialised to 0, exported as "0", "1", …. */
function batchModule(): WebAssembly.Module {
  const globals: number[] = [];
  uleb(BATCH, globals);
  for (let i = 0; i < BATCH; i++) globals.push(0x7f, 0x01, 0x41, 0x00, 0x0b);
  const exports: number[] = [];
  uleb(BATCH, exports);
  for (let i = 0; i < BATCH; i++) {
    const name = String(i);
    exports.push(name.length);
    for (let k = 0; k < name.length; k++) exports.push(name.charCodeAt(k));
    exports.push(0x03);
    uleb(i, exports);
  }
  const bytes = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  section(6, globals, bytes);
  section(7, exports, bytes);
  return new WebAssembly.Module(new Uint8Array(bytes));
}

/**
 * A fresh mutable i32 global holding `value`: one of its own for the process's first {@link SINGLE},
 * then from the current batch (a new batch when it is used up).
 */
export function mutableI32(value: number): WebAssembly.Global {
  if (singles < SINGLE) {
    singles++;
    return new WebAssembly.Global({ value: 'i32', mutable: true }, value);
  }
  if (next === BATCH || batch === null) {
    compiled ??= batchModule();
    batch = new WebAssembly.Instance(compiled).exports;
    next = 0;
  }
  const global = batch[next++] as WebAssembly.Global;
  if (value !== 0) global.value = value;
  return global;
}
