import { DlError, messageOf } from '@dl/errors';
import { moduleHeadLength } from '@dl/reader';
import { abortReason } from './fetch-limits.js';
import type { Download } from './fetch-limits.js';
import { SectionFraming } from './framing.js';

/** How a body's bytes arrive, for progress. */
export interface BodyProgress {
  onHead(received: number): void;
  onBytes(received: number): void;
}

/**
 * A response body read as a module: its head as soon as it is complete, then the whole
 * (`keep`: every byte; `count`: only the size; `head`: stop reading after the head).
 */
export interface ModuleBody {
  /** Resolves when the head is complete (rejects if the bytes are not a module). */
  readonly head: Promise<Uint8Array>;
  /** Resolves with every byte (`keep`) or only the count, once the body ends (or the head, for `head`). */
  readonly whole: Promise<{ readonly bytes: Uint8Array<ArrayBuffer> | null; readonly size: number }>;
}

function concat(chunks: readonly Uint8Array[], size: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * The next chunk, within the download's limits: no longer than `limits.idleMs` after the last
 * one, and never after the download has been stopped (a limit, or every caller aborted).
 */
async function readGuarded(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  download: Download,
  size: number,
): Promise<ReadableStreamReadResult<Uint8Array>> {
  const { idleMs } = download.limits;
  const stop = download.after(
    idleMs,
    () =>
      new DlError('DL_NETWORK', `${download.url}: no data for ${idleMs / 1000} s after ${size} bytes (limits.idleMs)`, {
        library: download.library,
        offset: size,
      }),
  );
  try {
    return await new Promise<ReadableStreamReadResult<Uint8Array>>((resolve, reject) => {
      const signal = download.signal;
      const onAbort = (): void => {
        reject(signal.reason as Error);
      };
      if (signal.aborted) {
        onAbort();
        return;
      }
      signal.addEventListener('abort', onAbort, { once: true });
      reader
        .read()
        .then(resolve, reject)
        .finally(() => {
          signal.removeEventListener('abort', onAbort);
        });
    });
  } finally {
    stop();
  }
}

/**
 * Reads a body chunk by chunk: the head is parsed as soon as it has arrived (a page that is
 * not wasm fails on its first bytes), the rest is counted (and kept in `keep` mode), and a
 * body shorter or longer than `expected` (Content-Length) is refused as truncated.
 */
export function readModuleBody(
  body: ReadableStream<Uint8Array>,
  name: string,
  expected: number | null,
  mode: 'keep' | 'count' | 'head',
  progress: BodyProgress,
  download?: Download,
): ModuleBody {
  const keep = mode === 'keep';
  let headDone = false;
  let resolveHead!: (head: Uint8Array) => void;
  let rejectHead!: (e: unknown) => void;
  const head = new Promise<Uint8Array>((resolve, reject) => {
    resolveHead = resolve;
    rejectHead = reject;
  });
  head.catch(() => undefined);
  const whole = (async () => {
    const reader = body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    /** The prefix needed for the head (the head can span chunks; nothing more is kept when not `keep`). */
    let prefix = new Uint8Array(0);
    /** The sections after the head, followed as they stream by. */
    let framing: SectionFraming | null = null;
    try {
      for (;;) {
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = download === undefined ? await reader.read() : await readGuarded(reader, download, size);
        } catch (e) {
          const stopped = download === undefined ? null : abortReason(download.signal);
          if (stopped !== null) throw stopped;
          const detail = messageOf(e);
          if (expected !== null && size < expected)
            throw new DlError('DL_TRUNCATED', `the download broke off after ${size} of ${expected} bytes (${detail})`, {
              library: name,
              offset: size,
              cause: e,
            });
          throw new DlError('DL_NETWORK', `the download broke off after ${size} bytes (${detail})`, {
            library: name,
            cause: e,
          });
        }
        const { done, value } = chunk;
        if (done) break;
        size += value.length;
        download?.received(size);
        if (download !== undefined && abortReason(download.signal) !== null) throw abortReason(download.signal)!;
        if (keep) chunks.push(value);
        framing?.feed(value, size - value.length);
        if (!headDone) {
          const grown = new Uint8Array(prefix.length + value.length);
          grown.set(prefix);
          grown.set(value, prefix.length);
          prefix = grown;
          const length = moduleHeadLength(prefix, { name });
          if (length !== null) {
            headDone = true;
            resolveHead(prefix.slice(0, length));
            framing = new SectionFraming(length, name);
            framing.feed(prefix.subarray(length), length);
            prefix = new Uint8Array(0);
            progress.onHead(size);
            if (mode === 'head') {
              await reader.cancel();
              return { bytes: null, size };
            }
          }
        }
        progress.onBytes(size);
      }
      if (expected !== null && size !== expected) {
        throw new DlError(
          'DL_TRUNCATED',
          `the response ended after ${size} of the ${expected} bytes its Content-Length announced`,
          { library: name, offset: size },
        );
      }
      framing?.end(size);
      if (!headDone) {
        const length = moduleHeadLength(prefix, { name, complete: true })!;
        headDone = true;
        resolveHead(prefix.slice(0, length));
        progress.onHead(size);
      }
      return { bytes: keep ? concat(chunks, size) : null, size };
    } catch (e) {
      if (!headDone) rejectHead(e);
      // Stops the rest of the download too (a streaming compilation reads the same response).
      if (e instanceof DlError) download?.fail(e);
      await reader.cancel().catch(() => undefined);
      throw e;
    }
  })();
  return { head, whole };
}
