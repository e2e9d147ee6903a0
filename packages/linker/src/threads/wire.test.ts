import { describe, expect, it } from 'vitest';
import { RTLD } from '../flags.js';
import { hostLinkerSync, withCxaCatch } from '../test-support.harness.js';
import type { ImageImport, ThreadImage } from './image.js';
import { decodeImage, encodeImage } from './wire.js';

/** A real image: libthr_eh_user.so (tags, another library's env global) and libthr_lazy.so (slot types). */
function realImage(): { image: ThreadImage; release: () => void } {
  const { linker } = hostLinkerSync('clang16', {
    program: { shared: true },
    editHost: withCxaCatch,
  });
  linker.dlopenSync('libthr_eh_user.so', RTLD.NOW);
  linker.dlopenSync('libthr_lazy.so', RTLD.NOW);
  const { image, resources } = linker.threadImage();
  return {
    image,
    release: () => {
      linker.releaseThread(resources);
    },
  };
}

/** What a post does to the wire (a structured clone), then the decoding. */
function roundTrip(image: ThreadImage, first: boolean): ThreadImage {
  return decodeImage(structuredClone(encodeImage(image, first)), first ? undefined : image.memory);
}

describe('images on the wire (what a ThreadGroup posts)', () => {
  it('a real image decodes to the same image: libraries, modules, imports, slot types, slots', () => {
    const { image, release } = realImage();
    try {
      const back = roundTrip(image, true);
      // The same shared memory (another object over it after the clone).
      const mark = new Int32Array(image.memory.buffer, image.stack.low, 1);
      mark[0] = 0x5eed;
      expect(new Int32Array(back.memory.buffer, image.stack.low, 1)[0]).toBe(0x5eed);
      const plain = (i: ThreadImage): unknown => ({
        ...i,
        memory: null,
        libraries: i.libraries.map((l) => ({ ...l, module: null, imports: [...l.imports] })),
      });
      expect(plain(back)).toEqual(plain(image));
      expect(back.libraries.map((l) => WebAssembly.Module.exports(l.module))).toEqual(
        image.libraries.map((l) => WebAssembly.Module.exports(l.module)),
      );
      expect(back.libraries.find((l) => l.name === 'libthr_lazy.so')?.slotTypes?.types).toEqual([
        'i32>i32',
        'i64,f64>i64',
        'f32,f64>f64',
        '>',
      ]);
    } finally {
      release();
    }
  });

  it('an update carries no memory (the thread has it); global values JSON cannot hold come back exact', () => {
    const { image, release } = realImage();
    try {
      const wire = encodeImage(image, false);
      expect(wire.memory).toBeUndefined();
      const odd: ImageImport[] = [
        { module: 'env', name: 'big', how: 'global', valueType: 'i64', value: 2n ** 60n + 1n, mutable: true },
        { module: 'env', name: 'neg', how: 'global', valueType: 'i64', value: -(2n ** 63n), mutable: false },
        { module: 'env', name: 'nan', how: 'global', valueType: 'f64', value: NaN, mutable: false },
        { module: 'env', name: 'inf', how: 'global', valueType: 'f32', value: -Infinity, mutable: false },
        { module: 'env', name: 'zero', how: 'global', valueType: 'f64', value: -0, mutable: false },
        // A name that looks like the tag is only a name.
        { module: 'env', name: '$wasm:n1', how: 'host', symbol: '$wasm:n1' },
      ];
      const lib = image.libraries[0]!;
      const back = roundTrip({ ...image, libraries: [{ ...lib, imports: odd }] }, false);
      expect(back.memory).toBe(image.memory);
      const values = back.libraries[0]!.imports.map((i) =>
        i.how === 'global' ? i.value : i.how === 'host' ? i.symbol : null,
      );
      expect(values.slice(0, 2)).toEqual([2n ** 60n + 1n, -(2n ** 63n)]);
      expect(Number.isNaN(values[2])).toBe(true);
      expect(values[3]).toBe(-Infinity);
      expect(Object.is(values[4], -0)).toBe(true);
      expect(values[5]).toBe('$wasm:n1');
    } finally {
      release();
    }
  });
});
