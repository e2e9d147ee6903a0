import { DlError, messageOf } from '@dl/errors';
import { checkModuleFraming, moduleHeadLength } from '@dl/reader';

/** A compile failure as the linker reports one: DL_INSTANTIATE_FAILED naming the library. */
export function compileFailure(error: unknown, library: string): DlError {
  if (error instanceof DlError) return error;
  const detail = messageOf(error);
  return new DlError('DL_INSTANTIATE_FAILED', `compilation failed: ${detail}`, { library, cause: error });
}

/**
 * Compiles whole bytes asynchronously; a failure names the library. The module's framing is
 * checked first (section headers only): bytes the reader refuses get the reader's code, as
 * they do when given to the linker as `{ name, bytes }` — not the engine's text after a long
 * compilation.
 */
export function compileAsync(bytes: Uint8Array<ArrayBuffer>, library: string): Promise<WebAssembly.Module> {
  try {
    checkModuleFraming(bytes, { name: library });
  } catch (e) {
    return Promise.reject(compileFailure(e, library));
  }
  return WebAssembly.compile(bytes).catch((e: unknown) => {
    throw compileFailure(e, library);
  });
}

/** Compiles whole bytes synchronously; a failure names the library (framing checked first, as {@link compileAsync}). */
export function compileSync(bytes: Uint8Array<ArrayBuffer>, library: string): WebAssembly.Module {
  try {
    checkModuleFraming(bytes, { name: library });
    return new WebAssembly.Module(bytes);
  } catch (e) {
    throw compileFailure(e, library);
  }
}

/**
 * A copy of a whole module's head (the bytes the linker reads), so the cache keeps that and
 * not the whole module. Throws the reader's error for bytes that are not a module.
 */
export function headOf(bytes: Uint8Array, library: string): Uint8Array {
  const length = moduleHeadLength(bytes, { complete: true, name: library })!;
  return bytes.slice(0, length);
}
