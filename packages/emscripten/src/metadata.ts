import { DlError, isDlError } from '@dl/errors';
import { readDylinkInfo } from '@dl/reader';

/** `getDylinkMetadata`'s result, as Emscripten returns it (plus weak imports and runtime paths, as newer versions do). */
export interface EmscriptenDylinkMetadata {
  readonly memorySize: number;
  readonly memoryAlign: number;
  readonly tableSize: number;
  readonly tableAlign: number;
  readonly neededDynlibs: string[];
  /** Names of TLS exports (3.1.6 uses an object of `name: 1`). */
  readonly tlsExports: Record<string, 1>;
  readonly weakImports: Record<string, 1>;
  readonly runtimePaths: string[];
}

/**
 * Emscripten's `getDylinkMetadata(binary)`: the dylink metadata of bytes or a compiled module,
 * from `@dl/reader` (dylink.0 and the legacy dylink section). Failures throw an `Error` with
 * Emscripten's words (`need to see wasm magic number`, `need the dylink section to be first`,
 * `need dylink section`) whose `cause` is the DlError with the details.
 */
export function getDylinkMetadata(binary: Uint8Array | ArrayBuffer | WebAssembly.Module): EmscriptenDylinkMetadata {
  let info;
  try {
    info = readDylinkInfo(binary);
  } catch (e) {
    if (!isDlError(e)) throw e;
    throw new Error(emscriptenWording(e, binary instanceof WebAssembly.Module), { cause: e });
  }
  const set = (names: Iterable<string>): Record<string, 1> =>
    Object.fromEntries([...names].map((n) => [n, 1 as const]));
  return {
    memorySize: info.memorySize,
    memoryAlign: info.memoryAlign,
    tableSize: info.tableSize,
    tableAlign: info.tableAlign,
    neededDynlibs: [...info.needed],
    tlsExports: set(info.tlsExports),
    weakImports: set(info.weakImports),
    runtimePaths: [...info.runtimePaths],
  };
}

function emscriptenWording(e: DlError, compiled: boolean): string {
  if (compiled) return 'need dylink section';
  if (e.code === 'DL_BAD_MAGIC' || e.code === 'DL_BAD_VERSION') return 'need to see wasm magic number';
  if (e.code === 'DL_NOT_SIDE_MODULE') return 'need the dylink section to be first';
  return e.message;
}

/** A DlError for the facade's own callers, from what `getDylinkMetadata` threw. */
export function metadataError(e: unknown, library: string): DlError {
  const cause = e instanceof Error && isDlError(e.cause) ? e.cause : e;
  return isDlError(cause) ? cause : new DlError('DL_NOT_SIDE_MODULE', String(e), { library, cause: e });
}
