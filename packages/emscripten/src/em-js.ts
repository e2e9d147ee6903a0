/** Emscripten's EM_JS / EM_ASM texts as JavaScript sources, and reading them from memory. */

/** The JS for one EM_JS function: `(int a, char* b)<::>{ body }` → `(a, b) => { body }` (Emscripten's addEmJs). */
export function emJsSource(text: string): string {
  const [signature = '()', body = ''] = text.split('<::>');
  const inner = signature.trim().slice(1, -1).trim();
  const args =
    inner === '' || inner === 'void'
      ? []
      : inner.split(',').map((p) => p.trim().split(/\s+/).pop()!.replace(/\*/g, ''));
  return `(${args.join(', ')}) => ${body}`;
}

/** The JS for one EM_ASM block: arguments `$0`, `$1`, … as many as it uses in a row (Emscripten's addEmAsm). */
export function emAsmSource(body: string): string {
  const args: string[] = [];
  while (args.length < 16 && body.includes(`$${args.length}`)) args.push(`$${args.length}`);
  return `(${args.join(', ')}) => { ${body} }`;
}

/** EM_JS texts and the EM_ASM section are C strings in memory: read by the one C-string reader. */
export { cStringAt as stringAt, cStringsIn as stringsIn } from '@dl/reader/bytes';
