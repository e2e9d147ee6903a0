import { DlError, isDlError, messageOf } from '@dl/errors';
import { abiMismatchOf, UndefinedSymbolsError } from '@dl/linker';
import type { AbiMismatch } from '@dl/linker';

/**
 * A load failure's message, plus what to change in the Emscripten build (see {@link hintFor}):
 * the text `dlerror()` gets.
 */
export function explainFailure(e: unknown): string {
  const text = messageOf(e);
  const hint = hintFor(e);
  return hint === null ? text : `${text}\nto fix: ${hint}`;
}

/**
 * The same failure as a `DlError` whose message carries the hint (code, library and symbol
 * kept; the original as `cause`), for the entry points that throw; other values unchanged.
 */
export function withHint(e: unknown): unknown {
  if (!isDlError(e)) return e;
  const hint = hintFor(e);
  if (hint === null) return e;
  return new DlError(e.code, `${e.detail}\nto fix: ${hint}`, {
    library: e.library,
    symbol: e.symbol,
    offset: e.offset,
    cause: e,
  });
}

/**
 * What to change in the Emscripten build after a failed load, or null: symbols nobody defines
 * (MAIN_MODULE=2 mains keep only the exports they are told to; Emscripten's own loader fails
 * later, at the first call, with `TypeError … 'apply'`), or a side module built for another ABI.
 */
export function hintFor(e: unknown): string | null {
  if (!isDlError(e)) return null;
  const abi = abiHint(abiMismatchOf(e));
  if (abi !== null) return abi;
  if (!(e instanceof UndefinedSymbolsError)) return null;
  const missing = e.missing.filter((m) => m.module === 'env' || m.module === 'GOT.mem' || m.module === 'GOT.func');
  if (missing.length === 0) return null;
  const functions = [...new Set(missing.filter((m) => m.module !== 'GOT.mem').map((m) => `_${m.name}`))];
  const data = [...new Set(missing.filter((m) => m.module === 'GOT.mem').map((m) => m.name))];
  const lines: string[] = [];
  if (functions.length > 0) {
    lines.push(
      `if the main module should provide ${functions.length === 1 ? 'it' : 'them'} (a C library or system library function): build it with -sMAIN_MODULE=1, or keep -sMAIN_MODULE=2 and add ${functions.join(',')} to -sEXPORTED_FUNCTIONS`,
    );
  }
  if (data.length > 0)
    lines.push(
      `data the main module should export (${data.join(', ')}): build it with -sMAIN_MODULE=1, or mark the definitions EMSCRIPTEN_KEEPALIVE`,
    );
  lines.push('if another side module defines them, load it first (or list it as NEEDED when linking this one)');
  return lines.join('; ');
}

/**
 * What to change when a side module was built for another ABI than the main: threads (shared
 * memory), memory64, or function types that differ (another emcc version or settings such as
 * -sWASM_BIGINT), or null when the failure is not one of those.
 */
function abiHint(mismatch: AbiMismatch | null): string | null {
  if (mismatch === 'shared-memory')
    return 'build the side module and the main module alike: both with -pthread (shared memory) or both without';
  if (mismatch === 'memory64') return 'build the side module without -sMEMORY64, as the main module';
  if (mismatch === 'function-type') {
    return 'the two sides were built for different ABIs: rebuild the side module with the same emcc version and settings as the main module (-sWASM_BIGINT and -sMEMORY64 change function types)';
  }
  return null;
}
