import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixturesDir } from '@dl/fixtures';
import type { ImageLibrary } from '@dl/linker';
import { describe, expect, it } from 'vitest';
import { MailboxReader, MailboxWriter } from './mailbox.js';
import type { ThreadMessage } from './threads.js';

const bytesOf = (name: string): Uint8Array<ArrayBuffer> =>
  new Uint8Array(readFileSync(join(fixturesDir, 'clang16', name)));
const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });

function library(id: number, name: string): ImageLibrary {
  return {
    id,
    name,
    table: { base: 10 * id, size: 3 },
    module: new WebAssembly.Module(bytesOf(name)),
    imports: [
      { module: 'env', name: '__memory_base', how: 'const', value: 4096 * id, mutable: false },
      { module: 'env', name: 'big', how: 'global', valueType: 'i64', value: 2n ** 60n + 1n, mutable: true },
    ],
    tlsBlock: null,
    tlsInit: null,
    slotTypes: null,
  };
}

function message(seq: number, libraries: ImageLibrary[]): ThreadMessage {
  return {
    seq,
    image: { memory, tableLength: 64, stack: { low: 0, high: 16 }, libraries, slots: [], removed: [], got: [] },
    dsos: [[1000 + seq, libraries[0]?.name ?? 'none']],
    got: [['g', seq]],
    mainSlots: [],
    global: libraries.map((l) => l.name),
    tls: [],
  };
}

const writer = (): MailboxWriter => {
  const w = MailboxWriter.create();
  if (w === null) throw new Error('this node has no growable SharedArrayBuffer');
  return w;
};

describe('the pthreads mailbox (a growable SharedArrayBuffer log)', () => {
  it("gives a worker its own messages, in order, with each library compiled from the log's bytes", () => {
    const w = writer();
    const one = new MailboxReader(w.ref(1), memory);
    const two = new MailboxReader(w.ref(2), memory);
    const a = library(1, 'libneed_a.so');
    expect(w.post(1, message(2, [a]), bytesOf)).toBe(true);
    expect(w.post(2, message(2, [a]), bytesOf)).toBe(true);
    expect(w.post(1, message(3, [library(2, 'libneed_b.so')]), bytesOf)).toBe(true);

    const got = one.take();
    expect(got.map((m) => m.seq)).toEqual([2, 3]);
    const first = got[0]!;
    expect(first.image.memory).toBe(memory);
    expect(first.dsos).toEqual([[1002, 'libneed_a.so']]);
    expect(first.got).toEqual([['g', 2]]);
    const lib = first.image.libraries[0]!;
    expect({ ...lib, module: null }).toEqual({ ...a, module: null });
    expect(WebAssembly.Module.exports(lib.module)).toEqual(WebAssembly.Module.exports(a.module));
    expect(WebAssembly.Module.imports(got[1]!.image.libraries[0]!.module)).toEqual(
      WebAssembly.Module.imports(new WebAssembly.Module(bytesOf('libneed_b.so'))),
    );
    // Nothing new since: nothing taken twice.
    expect(one.take()).toEqual([]);
    expect(two.take().map((m) => m.seq)).toEqual([2]);
  });

  it('writes a library once for every worker, and a worker compiles it once', () => {
    const w = writer();
    const r = new MailboxReader(w.ref(1), memory);
    const a = library(1, 'libneed_a.so');
    const size = bytesOf('libneed_a.so').length;
    let asked = 0;
    const counting = (name: string): Uint8Array => {
      asked += 1;
      return bytesOf(name);
    };
    w.post(1, message(2, [a]), counting);
    w.post(2, message(2, [a]), counting);
    w.post(1, message(3, [a]), counting);
    expect(asked).toBe(1);
    expect(w.buffer.byteLength).toBeLessThan(2 * size + 4096);
    const [m2, m3] = r.take();
    expect(m3!.image.libraries[0]!.module).toBe(m2!.image.libraries[0]!.module);
  });

  it('skips, without compiling their libraries, the messages a worker already has from its port', () => {
    const w = writer();
    const r = new MailboxReader(w.ref(1), memory);
    let compiled = 0;
    const Module = WebAssembly.Module;
    w.post(1, message(2, [library(1, 'libneed_a.so')]), bytesOf);
    w.post(1, message(3, [library(2, 'libneed_b.so')]), bytesOf);
    const counting = class extends Module {
      constructor(bytes: BufferSource) {
        super(bytes);
        compiled += 1;
      }
    };
    WebAssembly.Module = counting;
    try {
      expect(r.take(2).map((m) => [m.seq, m.image.libraries[0]!.name])).toEqual([[3, 'libneed_b.so']]);
    } finally {
      WebAssembly.Module = Module;
    }
    expect(compiled).toBe(1);
  });

  it('a reader starts where the log ended when its reference was made', () => {
    const w = writer();
    w.post(1, message(2, []), bytesOf);
    const late = new MailboxReader(w.ref(1), memory);
    expect(late.take()).toEqual([]);
    w.post(1, message(3, []), bytesOf);
    expect(late.take().map((m) => m.seq)).toEqual([3]);
  });

  it('refuses, writing nothing, a message whose library has no bytes, or one the log has no room for', () => {
    const w = writer();
    const r = new MailboxReader(w.ref(1), memory);
    expect(w.post(1, message(2, [library(1, 'libneed_a.so')]), () => undefined)).toBe(false);
    expect(r.take()).toEqual([]);

    const small = MailboxWriter.create(1024)!;
    const s = new MailboxReader(small.ref(1), memory);
    expect(small.post(1, message(2, []), bytesOf)).toBe(true);
    expect(small.post(1, message(3, [library(1, 'libneed_b.so')]), bytesOf)).toBe(false);
    expect(s.take().map((m) => m.seq)).toEqual([2]);
  });
});
