import type { ThreadMessage } from './threads.js';

/**
 * The synchronous way of the pthreads updates, in node and browsers alike: an append-only log in
 * a growable `SharedArrayBuffer` that the main thread writes and each worker reads without
 * returning to its event loop (a pthread busy in C cannot take a pending message; in `_dlopen_js`
 * and `_dlsym_js` it reads this). Records: libraries' bytes (written once, for every worker) and
 * messages (for one worker), each message naming the bytes records of the libraries it brings.
 * One writer (the main thread): a record is written, then the end is published with
 * `Atomics.store`; a reader reads up to the end it loaded with `Atomics.load`.
 */
export interface MailboxRef {
  readonly buffer: SharedArrayBuffer;
  /** Whose messages a reader takes. */
  readonly target: number;
  /** Where a reader starts (the log's end when it was given: the earlier messages were not its). */
  readonly from: number;
}

interface Growable {
  readonly byteLength: number;
  readonly maxByteLength: number;
  grow(length: number): void;
}

/** `[0]`: the end of the records written (an Int32, published with Atomics.store). */
const HEADER = 8;
/** A record: payload length, kind, target, a message's number (u32 each, little-endian), then the payload, padded to 4. */
const RECORD = 16;
const BYTES = 1;
const MESSAGE = 2;
/** Address space reserved for the log (grown as written: what is used is what was written). */
const MAX_BYTES = 1 << 30;

const growable = (): boolean =>
  typeof SharedArrayBuffer === 'function' &&
  typeof (SharedArrayBuffer.prototype as unknown as Partial<Growable>).grow === 'function';

const endOf = (buffer: SharedArrayBuffer): number => Atomics.load(new Int32Array(buffer, 0, 1), 0);

/** The main thread's side of the log. */
export class MailboxWriter {
  readonly buffer: SharedArrayBuffer;
  private end = HEADER;
  private readonly written = new Map<string, number>();

  private constructor(maxBytes: number) {
    const Make = SharedArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => SharedArrayBuffer;
    this.buffer = new Make(Math.min(4096, maxBytes), { maxByteLength: maxBytes });
    Atomics.store(new Int32Array(this.buffer, 0, 1), 0, HEADER);
  }

  /** A log, or null where `SharedArrayBuffer` cannot grow (updates then reach workers between tasks only). */
  static create(maxBytes: number = MAX_BYTES): MailboxWriter | null {
    return growable() ? new MailboxWriter(maxBytes) : null;
  }

  /** A reader's reference for worker `target`, starting at the log's end now. */
  ref(target: number): MailboxRef {
    return { buffer: this.buffer, target, from: this.end };
  }

  private append(kind: number, target: number, payload: Uint8Array, seq = 0): number | null {
    const at = this.end;
    const next = at + ((RECORD + payload.length + 3) & ~3);
    const buffer = this.buffer as unknown as Growable;
    if (next > buffer.maxByteLength) return null;
    if (next > buffer.byteLength) buffer.grow(Math.min(buffer.maxByteLength, Math.max(next, buffer.byteLength * 2)));
    const view = new DataView(this.buffer);
    view.setUint32(at, payload.length, true);
    view.setUint32(at + 4, kind, true);
    view.setUint32(at + 8, target, true);
    view.setUint32(at + 12, seq, true);
    new Uint8Array(this.buffer, at + RECORD, payload.length).set(payload);
    this.end = next;
    Atomics.store(new Int32Array(this.buffer, 0, 1), 0, next);
    return at;
  }

  /**
   * Writes `message` for worker `target`, with the bytes of the libraries it brings (each
   * library's once). False when it cannot: a library without bytes (a precompiled module), or
   * the log full; the worker then gets the message on its port only.
   */
  post(target: number, message: ThreadMessage, bytesOf: (name: string) => Uint8Array | undefined): boolean {
    const records = new Map<string, number>();
    for (const lib of message.image.libraries) {
      let at = this.written.get(lib.name);
      if (at === undefined) {
        const bytes = bytesOf(lib.name);
        const put = bytes === undefined ? null : this.append(BYTES, 0, bytes);
        if (put === null) return false;
        this.written.set(lib.name, (at = put));
      }
      records.set(lib.name, at);
    }
    const text = JSON.stringify(message, function (this: unknown, key, value: unknown) {
      if (key === 'memory' && value instanceof WebAssembly.Memory) return undefined;
      if (key === 'mailbox') return undefined;
      if (value instanceof WebAssembly.Module) return { $bytes: records.get((this as { name: string }).name) };
      if (typeof value === 'bigint') return { $bigint: value.toString() };
      return value;
    });
    return this.append(MESSAGE, target, new TextEncoder().encode(text), message.seq) !== null;
  }
}

/** A worker's side of the log: its messages, with their libraries compiled (each once). */
export class MailboxReader {
  private at: number;
  private readonly modules = new Map<number, WebAssembly.Module>();

  constructor(
    private readonly ref: MailboxRef,
    private readonly memory: WebAssembly.Memory,
  ) {
    this.at = ref.from;
  }

  /**
   * The messages for this worker written since the last call, in order, but those numbered
   * `applied` or less (the worker has them from its port): they are not decoded, their libraries
   * not compiled.
   */
  take(applied: number = 0): ThreadMessage[] {
    const { buffer, target } = this.ref;
    const end = endOf(buffer);
    const view = new DataView(buffer);
    const out: ThreadMessage[] = [];
    while (this.at < end) {
      const length = view.getUint32(this.at, true);
      const mine = view.getUint32(this.at + 4, true) === MESSAGE && view.getUint32(this.at + 8, true) === target;
      if (mine && view.getUint32(this.at + 12, true) > applied)
        out.push(this.decode(new Uint8Array(buffer, this.at + RECORD, length).slice()));
      this.at += (RECORD + length + 3) & ~3;
    }
    return out;
  }

  private module(at: number): WebAssembly.Module {
    let module = this.modules.get(at);
    if (module === undefined) {
      const length = new DataView(this.ref.buffer).getUint32(at, true);
      // A copy: compiling from a shared buffer is not allowed everywhere.
      module = new WebAssembly.Module(new Uint8Array(this.ref.buffer, at + RECORD, length).slice());
      this.modules.set(at, module);
    }
    return module;
  }

  private decode(payload: Uint8Array): ThreadMessage {
    const parsed = JSON.parse(new TextDecoder().decode(payload), (_key, value: unknown) => {
      if (typeof value === 'object' && value !== null) {
        if ('$bytes' in value) return this.module((value as { $bytes: number }).$bytes);
        if ('$bigint' in value) return BigInt((value as { $bigint: string }).$bigint);
      }
      return value;
    }) as ThreadMessage;
    return { ...parsed, image: { ...parsed.image, memory: this.memory } };
  }
}
