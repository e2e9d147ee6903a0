import { readModuleHead } from '@dl/reader';

/** What a side module needs from a runtime that evaluates code: its EM_JS functions, its EM_ASM blocks. */
export interface EmCode {
  /** Names of EM_JS functions (exported as `__em_js__<name>`): the module imports them from `env`. */
  readonly emJs: readonly string[];
  /** Whether it has EM_ASM blocks (`__start_em_asm` … `__stop_em_asm`). */
  readonly emAsm: boolean;
}

/** Reads the EM_JS / EM_ASM exports of a module from its bytes (head). */
export function emCodeOf(bytes: Uint8Array): EmCode {
  const info = readModuleHead(bytes, { complete: true });
  const names = info?.exports.map((e) => e.name) ?? [];
  return { emJs: names.filter((n) => n.startsWith('__em_js__')).map((n) => n.slice('__em_js__'.length)), emAsm: names.includes('__start_em_asm') };
}

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
