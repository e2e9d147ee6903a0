import type { ImageImport, ImageLibrary, ThreadImage } from './image.js';

/**
 * A {@link ThreadImage} as a `ThreadGroup` posts it. Structured cloning an image's many small
 * objects (each library's imports above all) cost the leading thread ~25 µs per thread and
 * update at 500 libraries, and each thread as much to read; as text it is a string copy. Each
 * library's imports are encoded once (they are shared between threads' images) and decoded
 * by a thread only when it instantiates the library.
 */
export interface WireImage {
  /** The image as JSON, without its memory, modules and imports. */
  readonly head: string;
  /** Each library's imports as JSON, in the order of `head`'s libraries. */
  readonly imports: readonly string[];
  readonly modules: readonly WebAssembly.Module[];
  /** The shared memory: in a thread's first image only (an update reuses the thread's). */
  readonly memory?: WebAssembly.Memory;
}

/** Each imports list as JSON, once (lists are shared between images while they cannot change). */
const encoded = new WeakMap<readonly ImageImport[], string>();

/** A global's `value` JSON cannot hold as a number (an i64's bigint, NaN, ±Infinity, −0), as a tagged string. */
const TAG = '$wasm:';

function replace(key: string, value: unknown): unknown {
  if (key !== 'value') return value;
  if (typeof value === 'bigint') return `${TAG}n${value}`;
  if (typeof value === 'number' && (!Number.isFinite(value) || Object.is(value, -0))) return `${TAG}f${value}`;
  return value;
}

function revive(key: string, value: unknown): unknown {
  if (key !== 'value' || typeof value !== 'string' || !value.startsWith(TAG)) return value;
  const text = value.slice(TAG.length + 1);
  return value[TAG.length] === 'n' ? BigInt(text) : text === '0' ? -0 : Number(text);
}

function importsJson(imports: readonly ImageImport[]): string {
  let json = encoded.get(imports);
  if (json === undefined) encoded.set(imports, (json = JSON.stringify(imports, replace)));
  return json;
}

/**
 * Encodes an image to post (`first`: a thread's first image, which carries the memory). A
 * `ThreadGroup` posts its images so; a worker that reads the messages itself decodes them with
 * {@link decodeImage} (`serveFollower` does).
 */
export function encodeImage(image: ThreadImage, first: boolean): WireImage {
  const libraries = image.libraries.map(({ module: _m, imports: _i, ...rest }) => rest);
  const head = JSON.stringify({ ...image, memory: undefined, libraries });
  return {
    head,
    imports: image.libraries.map((l) => importsJson(l.imports)),
    modules: image.libraries.map((l) => l.module),
    ...(first ? { memory: image.memory } : {}),
  };
}

type HeadLibrary = Omit<ImageLibrary, 'module' | 'imports'>;

/** A library whose imports are parsed when first read. */
function withImports(lib: HeadLibrary, module: WebAssembly.Module, json: string): ImageLibrary {
  let imports: readonly ImageImport[] | undefined;
  return {
    ...lib,
    module,
    get imports() {
      imports ??= (json.includes(TAG) ? JSON.parse(json, revive) : JSON.parse(json)) as readonly ImageImport[];
      return imports;
    },
  };
}

/**
 * Decodes a posted image (`FollowMessage.wire`); `memory`: the thread's (from its first image),
 * for an update, which does not carry it. Each library's imports are parsed when first read.
 */
export function decodeImage(wire: WireImage, memory: WebAssembly.Memory | undefined): ThreadImage {
  const head = JSON.parse(wire.head) as Omit<ThreadImage, 'memory' | 'libraries'> & {
    readonly libraries: readonly HeadLibrary[];
  };
  return {
    ...head,
    memory: (wire.memory ?? memory)!,
    libraries: head.libraries.map((l, i) => withImports(l, wire.modules[i]!, wire.imports[i]!)),
  };
}
