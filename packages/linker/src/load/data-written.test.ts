// Placing a side module zeroes only the part of its memory block its data segments do not
// write at instantiation: on real modules, over memory another library left dirty.
import { withMemInfo } from '@dl/fixtures/writer';
import { readModule } from '@dl/reader';
import { describe, expect, it } from 'vitest';
import { RTLD } from '../flags.js';
import { metaFromBytes } from '../metadata.js';
import { hostLinkerSync, sideFiles } from '../test-support.harness.js';

const DIRT = 0xab;

describe.each(['clang16', 'emcc'] as const)('%s: a library placed over dirty memory', (tc) => {
  it('says every fixture’s data segments write its whole block (shared-memory ones: none of it, their segments are passive)', () => {
    for (const [name, bytes] of Object.entries(sideFiles(tc))) {
      const m = readModule(bytes);
      if (m.dylink === null) continue;
      // wasm-ld writes a side module's data, zeroes included, as one active segment at its
      // __memory_base; a shared-memory build's segments are passive (its start function writes them).
      const active = m.data.length > 0 && m.data.every((d) => d.mode === 'active');
      expect(metaFromBytes(bytes, name).dataWritten, name).toBe(active ? m.dylink.memorySize : 0);
    }
  });

  it('has its data from its segment and zeroes where its segment does not reach (a .bss past it)', () => {
    const { linker } = hostLinkerSync(tc);
    // A block another library used, then gave back dirty.
    const many = linker.dlopenSync('libmany.so', RTLD.NOW);
    const old = linker.placement(many).memory;
    new Uint8Array(linker.memory.buffer, old.base, old.size).fill(DIRT);
    linker.dlclose(many);

    const original = sideFiles(tc)['libneed_a.so']!;
    const segment = readModule(original).data[0]!;
    const size = segment.size + 48;
    const h = linker.dlopenSync(
      { name: 'libneed_a_bss.so', bytes: withMemInfo(original, { memorySize: size }) },
      RTLD.NOW,
    );
    const placed = linker.placement(h).memory;
    // It reuses the dirty block (else this test shows nothing).
    expect(placed.base).toBeGreaterThanOrEqual(old.base);
    expect(placed.base + size).toBeLessThanOrEqual(old.base + old.size);
    expect(placed.size).toBe(size);
    const check = linker.dlsym(h, 'need_a_check');
    expect(check.kind === 'function' ? check.func() : null).toBe(0);
    const block = new Uint8Array(linker.memory.buffer, placed.base, size);
    expect(block.subarray(0, segment.size).includes(DIRT)).toBe(false);
    expect([...block.subarray(segment.size)]).toEqual(new Array<number>(48).fill(0));
  });
});
