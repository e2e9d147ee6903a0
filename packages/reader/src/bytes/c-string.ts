/** Decodes a C string's bytes as WebAssembly programs write them (invalid UTF-8 becomes U+FFFD, as Emscripten's UTF8ToString). */
let shared: TextDecoder | null = null;
/** The decoder, made on first use (not on import). */
function decoder(): TextDecoder {
  shared ??= new TextDecoder();
  return shared;
}

/**
 * The NUL-terminated UTF-8 string at address `at` of a program's memory (to the memory's end
 * when unterminated): what a C `const char *` points to. `at` is read as unsigned (a wasm32
 * pointer above 2 GiB arrives in JS as a negative i32).
 *
 * @example
 * const memory = new WebAssembly.Memory({ initial: 1 });
 * new Uint8Array(memory.buffer).set([104, 105, 0], 8);
 * cStringAt(memory, 8); // 'hi'
 */
export function cStringAt(memory: WebAssembly.Memory | Uint8Array, at: number): string {
  const bytes = memory instanceof Uint8Array ? memory : new Uint8Array(memory.buffer);
  const start = at >>> 0;
  const end = bytes.indexOf(0, start);
  return decoder().decode(bytes.subarray(start, end < 0 ? bytes.length : end));
}

/** Every NUL-terminated string in `[start, stop)` of a memory, with its address (a section of C strings). */
export function cStringsIn(memory: WebAssembly.Memory, start: number, stop: number): [number, string][] {
  const bytes = new Uint8Array(memory.buffer).subarray(0, stop);
  const out: [number, string][] = [];
  for (let at = start; at < stop;) {
    const end = bytes.indexOf(0, at);
    const to = end < 0 ? stop : end;
    out.push([at, decoder().decode(bytes.subarray(at, to))]);
    at = to + 1;
  }
  return out;
}
