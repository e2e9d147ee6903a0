/** Bytes a reader accepts: a `Uint8Array`, any other typed-array view, or an `ArrayBuffer`. */
export type BinaryInput = Uint8Array | ArrayBufferView | ArrayBufferLike;

/** Options shared by the reader functions. */
export interface ReadOptions {
  /** Library name (path, URL or label) put into errors. */
  readonly name?: string | undefined;
}

/** A `Uint8Array` view of the input, without copying. */
export function toBytes(input: BinaryInput): Uint8Array {
  if (input instanceof Uint8Array) return input;
  if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  return new Uint8Array(input);
}

/** True for a compiled `WebAssembly.Module` (where the global exists). */
export function isCompiledModule(input: unknown): input is WebAssembly.Module {
  return typeof WebAssembly !== 'undefined' && input instanceof WebAssembly.Module;
}
