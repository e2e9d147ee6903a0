import { DlError } from '@dl/errors';
import type { LoadedSource } from '@dl/linker';
import { readModuleBody } from './body.js';
import type { ModuleBody } from './body.js';
import type { CachedModule, ModuleCache } from './cache.js';
import { compileAsync, compileFailure } from './compile.js';
import type { Download } from './fetch-limits.js';
import { sha256Hex } from './hash.js';
import type { LoaderEvent } from './progress.js';
import type { PersistentStore } from './store.js';

/** What opening a response needs from its loader. */
export interface OpenContext {
  readonly cache: ModuleCache | null;
  readonly store: PersistentStore | null;
  readonly streaming: boolean;
  readonly emit: (event: LoaderEvent) => void;
}

/** A library as found at a URL, before the requester's name is put on it. */
export type UrlSource = Omit<LoadedSource, 'name'>;

/** The error a download was stopped with (a limit, every caller aborted), if it was. */
function abortedWith(download: Download): DlError | null {
  const r: unknown = download.signal.reason;
  return download.signal.aborted && r instanceof DlError ? r : null;
}

/** The in-process cache key of a response: URL + validator (ETag, Last-Modified), or null. */
export function validatorKey(url: string, response: Response): string | null {
  const v = response.headers.get('etag') ?? response.headers.get('last-modified');
  return v === null ? null : `url:${url}#${v}`;
}

/** The body size the server announced, when it is the size of the bytes we will read. */
export function announcedSize(response: Response): number | null {
  const n = Number(response.headers.get('content-length') ?? NaN);
  return Number.isInteger(n) && n >= 0 && response.headers.get('content-encoding') === null ? n : null;
}

/**
 * Opens a library's response: answers from the cache when its validator is known, otherwise
 * compiles it — streaming when the server says `application/wasm` — while reading the head
 * from the same bytes. Resolves as soon as the head is known; the module follows. `release`
 * is called once the body has been read to its end (or abandoned).
 */
export async function openResponse(
  ctx: OpenContext,
  name: string,
  url: string,
  response: Response,
  fromStore: boolean,
  release: () => void,
  download: Download,
): Promise<UrlSource> {
  const { cache, emit } = ctx;
  const total = announcedSize(response);
  try {
    download.checkAnnounced(total);
  } catch (e) {
    download.fail(e as DlError);
    release();
    throw e;
  }
  emit({ type: 'start', name, location: url, total });
  const byValidator = validatorKey(url, response);
  if (byValidator === null || cache === null)
    return compileResponse(ctx, name, url, response, fromStore, release, download, null);
  // Shared with every loader and linker using this cache, even while the first one's head is
  // still arriving: one compilation per URL + validator.
  const { entry, hit } = await cache.share(byValidator, () =>
    compileResponse(ctx, name, url, response, fromStore, release, download, byValidator).then((s) => ({
      module: s.module!,
      head: s.head!,
      size: total ?? 0,
    })),
  );
  if (!hit)
    return {
      key: url,
      location: url,
      head: entry.head,
      ...(total === null ? {} : { size: total }),
      module: entry.module,
    };
  // Another load's compilation: this response is dropped once that succeeds, or compiled
  // after all if that load was cancelled (its download stopped, not this one).
  const drop = async (): Promise<void> => {
    download.finish();
    await response.body?.cancel().catch(() => undefined);
    release();
  };
  const module = Promise.resolve(entry.module).then(
    async (m) => {
      await drop();
      emit({ type: 'done', name, location: url, bytes: entry.size, cached: true });
      return m;
    },
    async (e: unknown) => {
      if (!(e instanceof DlError && e.code === 'DL_ABORTED') || download.stopped) {
        await drop();
        throw e;
      }
      const own = await compileResponse(ctx, name, url, response, fromStore, release, download, null);
      return own.module!;
    },
  );
  module.catch(() => undefined);
  return { key: url, location: url, head: entry.head, ...(total === null ? {} : { size: total }), module };
}

/** Progress events of one body. */
function progressOf(
  emit: OpenContext['emit'],
  name: string,
  url: string,
  total: number | null,
): { onHead(received: number): void; onBytes(received: number): void } {
  return {
    onHead: (received) => {
      emit({ type: 'head', name, location: url, received, total });
    },
    onBytes: (received) => {
      emit({ type: 'bytes', name, location: url, received, total });
    },
  };
}

/**
 * The module of a body once it has arrived: the streaming compilation's, or compiled from the
 * bytes — once per content when there is no validator (the SHA-256 is the cache key).
 */
async function moduleOf(
  cache: ModuleCache | null,
  name: string,
  body: ModuleBody,
  compiled: Promise<WebAssembly.Module> | null,
  head: Uint8Array,
  byValidator: string | null,
  download: Download,
): Promise<CachedModule & { module: WebAssembly.Module }> {
  const whole = await body.whole;
  if (compiled !== null)
    return {
      module: await compiled.catch((e: unknown) => {
        throw abortedWith(download) ?? compileFailure(e, name);
      }),
      head,
      size: whole.size,
    };
  const bytes = whole.bytes!;
  if (byValidator !== null) return { module: await compileAsync(bytes, name), head, size: whole.size };
  // Without a validator the content itself is the key: the same bytes are compiled once.
  const key = `sha256:${await sha256Hex(bytes)}`;
  const entry = cache?.get(key) ??
    cache?.store(key, { module: compileAsync(bytes, name), head, size: whole.size }) ?? {
      module: compileAsync(bytes, name),
      head,
      size: whole.size,
    };
  return { ...entry, module: await entry.module };
}

/** Compiles a response (streaming when the server says `application/wasm`), resolving once its head is known. */
async function compileResponse(
  ctx: OpenContext,
  name: string,
  url: string,
  response: Response,
  fromStore: boolean,
  release: () => void,
  download: Download,
  byValidator: string | null,
): Promise<UrlSource> {
  const { cache, emit } = ctx;
  const total = announcedSize(response);
  if (ctx.store !== null && !fromStore) void ctx.store.put(url, response.clone()).catch(() => undefined);
  const wasm = response.headers.get('content-type')?.split(';')[0]?.trim() === 'application/wasm';
  const stream = ctx.streaming && wasm;
  const reading = stream ? response.clone() : response;
  const compiled = stream ? WebAssembly.compileStreaming(response) : null;
  compiled?.catch(() => undefined);
  if (reading.body === null) {
    download.finish();
    release();
    throw new DlError('DL_IO', 'the response has no body', { library: name });
  }
  const body = readModuleBody(
    reading.body,
    name,
    total,
    stream ? 'count' : 'keep',
    progressOf(emit, name, url, total),
    download,
  );
  const done = (): void => {
    download.finish();
    release();
  };
  body.whole.then(done, done);
  const head = await body.head;
  const module = moduleOf(cache, name, body, compiled, head, byValidator, download).then((e) => {
    emit({ type: 'done', name, location: url, bytes: e.size, cached: false });
    return e.module;
  });
  module.catch((e: unknown) => {
    emit({ type: 'failed', name, location: url, code: (e as { code?: string }).code ?? 'DL_IO' });
  });
  return { key: url, location: url, head, ...(total === null ? {} : { size: total }), module };
}
