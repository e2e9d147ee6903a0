import { isDlError, messageOf } from '@dl/errors';
import { normalizePath } from '@dl/loaders/search';
import { LibraryNotFoundError } from '@dl/loaders';
import { explainFailure } from './hints.js';
import type { EmscriptenAbi } from './versions.js';

/**
 * What Emscripten's own loader puts after `Could not load dynamic lib: NAME` for the same
 * failure, or null when it has no text of its own for it. A missing file is the one programs
 * meet (and compare): Emscripten shows the error of the last reader it tried — in node
 * `Error: ENOENT: no such file or directory, open 'libfoo.so'`.
 */
export function emscriptenReason(e: unknown): string | null {
  if (!(e instanceof LibraryNotFoundError)) return null;
  for (let i = e.tried.length - 1; i >= 0; i--) {
    const error = e.tried[i]!.error;
    // As Emscripten concatenates it: an Error prints as `Error: message`.
    if (error instanceof Error) return `${error.name}: ${error.message}`;
    if (typeof error === 'string') return error;
  }
  return null;
}

/** How the facade words a failed load in `dlerror()`. */
export interface FailureText {
  /** The `dlerror()` text. */
  readonly dlerror: string;
  /** The line Emscripten built with -sASSERTIONS prints on stderr (`Error in loading dynamic library …`). */
  readonly log: string;
}

/**
 * A failed load in Emscripten's words where it has them, word for word (`file` normalised as it
 * normalises it), else in `@dl`'s (what failed, and what to change in the build). With
 * `explain`, `@dl`'s explanation follows Emscripten's lines.
 */
export function failureText(abi: EmscriptenAbi, file: string, e: unknown, explain: boolean): FailureText {
  const name = normalizePath(file);
  const reason = emscriptenReason(e);
  const ours = explainFailure(e);
  const text = reason === null ? ours : explain ? `${reason}\n${ours}` : reason;
  const message = messageOf(e);
  return {
    dlerror: abi.texts.couldNotLoad(name, text),
    log: abi.texts.loadError(name, reason ?? message.split('\n')[0]!),
  };
}

/**
 * A failed `dlsym` in Emscripten's words, word for word: the core's `DL_UNDEFINED_SYMBOL`
 * (the symbol from the error) gives exactly Emscripten's text; any other failure (a bad
 * handle) gets its message after it.
 *
 * @param symbol - the name the program asked for
 * @param where - how Emscripten names the handle: `RTLD_DEFAULT`, or the library's name
 */
export function dlsymFailureText(abi: EmscriptenAbi, e: unknown, symbol: string, where: string): string {
  if (isDlError(e) && e.code === 'DL_UNDEFINED_SYMBOL') return abi.texts.unknownSymbol(e.symbol ?? symbol, where);
  return `${abi.texts.unknownSymbol(symbol, where)} (${messageOf(e)})`;
}
