import { isDlError } from '@dl/errors';
import { UndefinedSymbolsError } from '@dl/linker';

/**
 * A load failure's message, plus what to change in the Emscripten build when a side module
 * needs symbols nobody defines: MAIN_MODULE=2 mains keep only the exports they are told to
 * (Emscripten's own loader fails later, at the first call, with `TypeError … 'apply'`).
 */
export function explainFailure(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  if (!(e instanceof UndefinedSymbolsError) && !(isDlError(e) && e.code === 'DL_UNDEFINED_SYMBOL' && 'missing' in e)) return text;
  const missing = (e as UndefinedSymbolsError).missing.filter((m) => m.module === 'env' || m.module === 'GOT.mem' || m.module === 'GOT.func');
  if (missing.length === 0) return text;
  const functions = [...new Set(missing.filter((m) => m.module !== 'GOT.mem').map((m) => `_${m.name}`))];
  const data = [...new Set(missing.filter((m) => m.module === 'GOT.mem').map((m) => m.name))];
  const lines: string[] = [];
  if (functions.length > 0) {
    lines.push(`if the main module should provide ${functions.length === 1 ? 'it' : 'them'} (a C library or system library function): build it with -sMAIN_MODULE=1, or keep -sMAIN_MODULE=2 and add ${functions.join(',')} to -sEXPORTED_FUNCTIONS`);
  }
  if (data.length > 0) lines.push(`data the main module should export (${data.join(', ')}): build it with -sMAIN_MODULE=1, or mark the definitions EMSCRIPTEN_KEEPALIVE`);
  lines.push('if another side module defines them, load it first (or list it as NEEDED when linking this one)');
  return `${text}\nto fix: ${lines.join('; ')}`;
}
