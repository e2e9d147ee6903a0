/** Emscripten's EM_JS / EM_ASM texts as JavaScript sources, and reading them from memory. */

/** The JS for one EM_JS function: `(int a, char* b)<::>{ body }` → `(a, b) => { body }` (Emscripten's addEmJs). */
export function emJsSource(text: string): string {
  const [signature = '()', body = ''] = text.split('<::>');
  const inner = signature.trim().slice(1, -1).trim();
  const args = inner === '' || inner === 'void' ? [] : inner.split(',').map((p) => p.trim().split(/\s+/).pop()!.replace(/\*/g, ''));
  return `(${args.join(', ')}) => ${body}`;
}

/** The JS for one EM_ASM block: arguments `$0`, `$1`, … as many as it uses in a row (Emscripten's addEmAsm). */
export function emAsmSource(body: string): string {
  const args: string[] = [];
  while (args.length < 16 && body.includes(`$${args.length}`)) args.push(`$${args.length}`);
  return `(${args.join(', ')}) => { ${body} }`;
}

/** The NUL-terminated string at `at` (to the end of memory if unterminated). */
export function stringAt(memory: WebAssembly.Memory, at: number): string {
  const bytes = new Uint8Array(memory.buffer);
  const end = bytes.indexOf(0, at);
  return new TextDecoder().decode(bytes.subarray(at, end < 0 ? bytes.length : end));
}

/** Reads the NUL-terminated strings in `[start, stop)` of a memory, with their addresses. */
export function stringsIn(memory: WebAssembly.Memory, start: number, stop: number): [number, string][] {
  const bytes = new Uint8Array(memory.buffer);
  const out: [number, string][] = [];
  const decoder = new TextDecoder();
  for (let at = start; at < stop;) {
    let end = at;
    while (end < stop && bytes[end] !== 0) end++;
    out.push([at, decoder.decode(bytes.subarray(at, end))]);
    at = end + 1;
  }
  return out;
}
