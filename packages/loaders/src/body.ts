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
  const read = new BodyRead(body.getReader(), name, expected, mode, progress, download);
  return { head: read.head, whole: read.run() };
}

type Whole = Awaited<ModuleBody['whole']>;

/** One {@link readModuleBody}: the bytes so far, the head once known, the sections after it followed. */
class BodyRead {
  readonly head: Promise<Uint8Array>;
  private resolveHead!: (head: Uint8Array) => void;
  private rejectHead!: (e: unknown) => void;
  private headDone = false;
  private readonly chunks: Uint8Array[] = [];
  private size = 0;
  /** The prefix needed for the head (the head can span chunks; nothing more is kept when not `keep`). */
  private prefix = new Uint8Array(0);
  /** The sections after the head, followed as they stream by. */
  private framing: SectionFraming | null = null;

  constructor(
    private readonly reader: ReadableStreamDefaultReader<Uint8Array>,
    private readonly name: string,
    private readonly expected: number | null,
    private readonly mode: 'keep' | 'count' | 'head',
    private readonly progress: BodyProgress,
    private readonly download: Download | undefined,
  ) {
    this.head = new Promise<Uint8Array>((resolve, reject) => {
      this.resolveHead = resolve;
      this.rejectHead = reject;
    });
    this.head.catch(() => undefined);
  }

  /** Reads to the end (or to the head, in `head` mode). */
  async run(): Promise<Whole> {
    try {
      for (;;) {
        const { done, value } = await this.next();
        if (done) break;
        if (await this.take(value)) return { bytes: null, size: this.size };
      }
      return this.end();
    } catch (e) {
      if (!this.headDone) this.rejectHead(e);
      // Stops the rest of the download too (a streaming compilation reads the same response).
      if (e instanceof DlError) this.download?.fail(e);
      await this.reader.cancel().catch(() => undefined);
      throw e;
    }
  }

  /** The next chunk; a broken download is `DL_TRUNCATED` (short of Content-Length) or `DL_NETWORK`. */
  private async next(): Promise<ReadableStreamReadResult<Uint8Array>> {
    const { download, expected, size, name } = this;
    try {
      return download === undefined ? await this.reader.read() : await readGuarded(this.reader, download, size);
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
  }

  /** Counts (and keeps) a chunk and looks for the head's end; true when reading stops there (`head` mode). */
  private async take(value: Uint8Array): Promise<boolean> {
    const { download } = this;
    this.size += value.length;
    download?.received(this.size);
    if (download !== undefined && abortReason(download.signal) !== null) throw abortReason(download.signal)!;
    if (this.mode === 'keep') this.chunks.push(value);
    this.framing?.feed(value, this.size - value.length);
    if (!this.headDone && this.grow(value)) {
      this.progress.onHead(this.size);
      if (this.mode === 'head') {
        await this.reader.cancel();
        return true;
      }
    }
    this.progress.onBytes(this.size);
    return false;
  }

  /** Adds a chunk to the head's prefix; true when the head is complete (then resolved). */
  private grow(value: Uint8Array): boolean {
    const grown = new Uint8Array(this.prefix.length + value.length);
    grown.set(this.prefix);
    grown.set(value, this.prefix.length);
    this.prefix = grown;
    const length = moduleHeadLength(grown, { name: this.name });
    if (length === null) return false;
    this.headDone = true;
    this.resolveHead(grown.slice(0, length));
    this.framing = new SectionFraming(length, this.name);
    this.framing.feed(grown.subarray(length), length);
    this.prefix = new Uint8Array(0);
    return true;
  }

  /** The body has ended: its length checked, the last section closed, the head of a module without code resolved. */
  private end(): Whole {
    const { expected, size, name } = this;
    if (expected !== null && size !== expected) {
      throw new DlError(
        'DL_TRUNCATED',
        `the response ended after ${size} of the ${expected} bytes its Content-Length announced`,
        { library: name, offset: size },
      );
    }
    this.framing?.end(size);
    if (!this.headDone) {
      const length = moduleHeadLength(this.prefix, { name, complete: true })!;
      this.headDone = true;
      this.resolveHead(this.prefix.slice(0, length));
      this.progress.onHead(size);
    }
    return { bytes: this.mode === 'keep' ? concat(this.chunks, size) : null, size };
  }
}
