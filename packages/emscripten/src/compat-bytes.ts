import { DlError } from '@dl/errors';
import type { EmscriptenFacadeOptions } from './facade-options.js';

/**
 * Whether `compat` names a group but no bytes were given: the facade then imports the
 * compatibility library before it links — `emscriptenRuntime`'s `attach()`, and the
 * `--js-library`'s start-up (holding the program's `run()` as Emscripten's own preload does).
 */
export function lacksCompatBytes(options: EmscriptenFacadeOptions): boolean {
  return (options.compat ?? []).length > 0 && options.compatLibrary === undefined;
}

/**
 * The compatibility library's bytes (the linker's, in this package's `compat-library.js`):
 * imported on demand, so that importing `@dl/emscripten` does not compile its 168 KB of base64
 * (~2 ms on node 20).
 */
export async function importCompatBytes(): Promise<Uint8Array> {
  return (await import('./compat-library.js')).compatLibrary();
}

/** The options with the compatibility library's bytes when `compat` names a group (imported when not given). */
export async function withCompatBytes<T extends EmscriptenFacadeOptions>(options: T): Promise<T> {
  return lacksCompatBytes(options) ? { ...options, compatLibrary: await importCompatBytes() } : options;
}

/** A facade made synchronously (`linkEmscripten`) with `compat` and without the bytes, asked to link. */
export function compatBytesMissing(): DlError {
  return new DlError(
    'DL_INCOMPATIBLE',
    "linkEmscripten with compat needs the compatibility library's bytes: pass compatLibrary: compatLibrary() (import { compatLibrary } from '@dl/linker/compat-library'); emscriptenRuntime's attach() and the --js-library's start-up import them themselves",
    { library: 'libdlcompat.so' },
  );
}
