import { describe, expect, it } from 'vitest';
import { RTLD } from '../flags.js';
import { call, hostLinker } from '../test-support.harness.js';

describe('the table of a load of several libraries', () => {
  it('grows once, before the first of their instances: a grow costs per instance sharing the table (V8 11.3)', async () => {
    let instances = 0;
    const { linker } = await hostLinker('clang16', {
      onEvent: (e) => {
        if (e.type === 'instantiate') instances++;
      },
    });
    const grows: { by: number; instances: number }[] = [];
    const grow = linker.table.grow.bind(linker.table);
    linker.table.grow = (by: number): number => {
      grows.push({ by, instances });
      return grow(by);
    };
    // libdiamond.so and its NEEDED libraries take no function's address; libfptr.so, libreloc.so
    // and libi64.so take six between them (GOT.func), which the old order grew for among the
    // instances made before them.
    const roots = ['libdiamond.so', 'libfptr.so', 'libreloc.so', 'libi64.so'];
    const handles = await linker.load(roots, RTLD.NOW | RTLD.GLOBAL);
    expect(instances).toBeGreaterThan(4);
    expect(grows).toEqual([{ by: expect.any(Number) as number, instances: 0 }]);
    // Every function pointer works (each check is 0 when its calls through the table agree).
    expect(call(linker, handles[1]!, 'fptr_check')).toBe(0);
    expect(call(linker, handles[2]!, 'reloc_check')).toBe(0);
    expect(call(linker, handles[3]!, 'i64_check')).toBe(0);
  });
});
