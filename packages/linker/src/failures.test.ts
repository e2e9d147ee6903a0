import { DlError } from '@dl/errors';
import { fixture, fixtureBytes } from '@dl/fixtures';
import { outcome } from '@dl/fixtures/outcome';
import { withMemInfo } from '@dl/fixtures/writer';
import { describe, expect, it } from 'vitest';
import { AbiMismatchError, abiMismatchOf } from './abi-mismatch.js';
import { RTLD } from './flags.js';
import { memoryLoader } from './loader.js';
import { call, hostLinkerSync, sideFiles, thrown } from './test-support.harness.js';

describe('undefined symbols', () => {
  it('RTLD_NOW refuses the load, listing every missing symbol and who wants it', () => {
    const { linker } = hostLinkerSync('clang16', { editHost: () => ({}) });
    const before = linker.digest();
    const err = thrown(() => linker.dlopenSync('libfptr.so', RTLD.NOW));
    expect(err.code).toBe('DL_UNDEFINED_SYMBOL');
    for (const want of [
      'main_add1 (needed by libreloc.so)',
      'main_apply (needed by libreloc.so)',
      'main_apply (needed by libfptr.so)',
      'main_get_add1 (needed by libfptr.so)',
    ]) {
      expect(err.message).toContain(want);
    }
    expect(linker.digest()).toBe(before);
  });

  it('RTLD_LAZY loads, and calling the missing function throws a DlError naming it — never a TypeError', () => {
    const lazy = hostLinkerSync('clang16', { editHost: ({ main_apply: _dropped, ...rest }) => rest }).linker;
    const h = lazy.dlopenSync('libfptr.so', RTLD.LAZY);
    const err = thrown(() => call(lazy, h, 'fptr_check'));
    expect(err).toMatchObject({ code: 'DL_UNDEFINED_SYMBOL', symbol: 'main_apply', library: 'libfptr.so' });
    expect(err.message).toMatch(/undefined symbol main_apply was called/);
    expect(outcome(() => lazy.dlopenSync('libfptr.so', RTLD.NOW))).toBe('DL_UNDEFINED_SYMBOL');
  });

  it('data and function addresses are needed even with RTLD_LAZY', () => {
    const lazy = hostLinkerSync('clang16', { editHost: ({ main_add1: _dropped, ...rest }) => rest }).linker;
    expect(thrown(() => lazy.dlopenSync('libreloc.so', RTLD.LAZY)).message).toMatch(
      /main_add1 \(needed by libreloc\.so\) \[GOT\.func\]/,
    );
  });

  it('names the missing library and who needs it', () => {
    const files = sideFiles('clang16');
    delete files['libneed_a.so'];
    const { linker } = hostLinkerSync('clang16', { loader: memoryLoader(files) });
    const err = thrown(() => linker.dlopenSync('libneed_c.so', RTLD.NOW));
    expect(err.code).toBe('DL_NOT_FOUND');
    expect(err.message).toMatch(/"libneed_a\.so" not found \(needed by libneed_b\.so, needed by libneed_c\.so\)/);
  });
});

describe('signatures', () => {
  it('refuses a function import whose provider has another wasm type, showing both', () => {
    const wrong = hostLinkerSync('clang16', {
      editHost: (fns) => ({ ...fns, main_add1: { func: (a: number, b: number) => a + b, type: '(i32, i32) -> i32' } }),
    }).linker;
    const err = thrown(() => wrong.dlopenSync('libreloc.so', RTLD.LAZY));
    expect(err.code).toBe('DL_SIGNATURE_MISMATCH');
    expect(err.message).toContain(
      'main_add1: libreloc.so imports it as (i32) -> i32 but host defines it as (i32, i32) -> i32',
    );
    expect(abiMismatchOf(err)).toBe('function-type');
  });

  it('says which ABI part differs as data: threads (a shared-memory library into a non-shared program)', () => {
    const { linker } = hostLinkerSync('clang16', {
      loader: memoryLoader({ 'libtls_mt.so': fixtureBytes(fixture('tls_mt', 'clang16')) }),
    });
    const err = thrown(() => linker.dlopenSync('libtls_mt.so', RTLD.NOW));
    expect(err).toBeInstanceOf(AbiMismatchError);
    expect(err).toMatchObject({ code: 'DL_INCOMPATIBLE', mismatch: 'shared-memory', library: 'libtls_mt.so' });
    expect(abiMismatchOf(new DlError('DL_INCOMPATIBLE', 'shared, but said only in words'))).toBeNull();
  });
});

describe('hostile sizes are refused before anything is allocated', () => {
  const cases: [string, number, number, number][] = [
    ['memory beyond any wasm32 memory', 2 ** 32 - 1, 4, 0],
    ['memory beyond the configured limit', 2 ** 30 + 1, 4, 0],
    ['alignment 2^20', 16, 20, 0],
    ['a table of 2^31 slots', 16, 4, 2 ** 31],
  ];
  it.each(cases)('%s', (_, memorySize, align, tableSize) => {
    const bytes = withMemInfo(fixtureBytes(fixture('need_a', 'clang16')), {
      memorySize,
      memoryAlign: align,
      tableSize,
      tableAlign: 0,
    });
    const { linker } = hostLinkerSync('clang16', { loader: memoryLoader({ 'libhostile.so': bytes }) });
    const before = linker.digest();
    const pages = linker.memory.buffer.byteLength;
    expect(outcome(() => linker.dlopenSync('libhostile.so'))).toBe('DL_LIMIT');
    expect(linker.digest()).toBe(before);
    expect(linker.memory.buffer.byteLength).toBe(pages);
  });
});

describe('a failed load leaves no trace, and later loads work', () => {
  it('when the memory runs out half-way through placing a batch (its libraries are placed before any instance)', () => {
    const { linker } = hostLinkerSync('clang16', {
      program: { memory: new WebAssembly.Memory({ initial: 2, maximum: 2 }) },
    });
    const free = (): number =>
      2 * 65536 - linker.graph().memory.reservations.reduce((end, r) => Math.max(end, r.address + r.size), 0);
    linker.dlopenSync(
      {
        name: 'filler',
        bytes: withMemInfo(fixtureBytes(fixture('need_a', 'clang16')), {
          memorySize: free() - 600,
          memoryAlign: 4,
          tableSize: 0,
          tableAlign: 0,
        }),
      },
      RTLD.NOW,
    );
    const before = linker.digest();
    const events: string[] = [];
    const stop = linker.on((e) => {
      events.push(e.type === 'instantiate' ? `instantiate ${e.library}` : e.type);
    });
    const err = thrown(() => linker.loadSync(['libneed_c.so', 'libmany.so']));
    stop();
    expect(err.code).toBe('DL_OUT_OF_MEMORY');
    expect(err.library).toBe('libmany.so');
    expect(events.filter((e) => e.startsWith('instantiate'))).toEqual([]);
    expect(events.at(-1)).toBe('failed');
    expect(linker.digest()).toBe(before);
    const h = linker.dlopenSync('libneed_c.so', RTLD.NOW);
    expect(call(linker, h, 'need_c_check')).toBe(0);
  });

  it('when a constructor fails after every library of the batch was instantiated and bound', () => {
    let fail = true;
    const flaky = hostLinkerSync('clang16', {
      editHost: (fns) => {
        const note = fns.host_note!;
        const func = (code: number): void => {
          if (fail && code === 300) throw new Error('boom');
          (note.func as (c: number) => void)(code);
        };
        return { ...fns, host_note: { type: note.type, func: func } };
      },
    }).linker;
    flaky.dlopenSync('libreloc.so', RTLD.NOW | RTLD.GLOBAL);
    const before = flaky.digest();
    const err = thrown(() => flaky.loadSync(['libneed_c.so', 'libfptr.so', 'libctor.so']));
    expect(err).toMatchObject({ code: 'DL_INIT_FAILED', library: 'libctor.so' });
    expect(err.message).toMatch(/__wasm_call_ctors failed: boom/);
    expect(flaky.digest()).toBe(before);
    fail = false;
    const [c, f, ctor] = flaky.loadSync(['libneed_c.so', 'libfptr.so', 'libctor.so']);
    expect([call(flaky, c!, 'need_c_check'), call(flaky, f!, 'fptr_check'), call(flaky, ctor!, 'ctor_check')]).toEqual([
      0, 0, 0,
    ]);
  });

  it('names the library whose compilation fails', () => {
    const bytes = fixtureBytes(fixture('need_a', 'clang16'));
    const at = Buffer.from(bytes).indexOf('__memory_base') + '__memory_base'.length;
    const mutableBase = bytes.slice();
    mutableBase[at + 2] = 1; // a mutable global in a constant expression: invalid
    const { linker } = hostLinkerSync('clang16');
    const before = linker.digest();
    expect(thrown(() => linker.loadSync(['libneed_b.so', { name: 'invalid.so', bytes: mutableBase }]))).toMatchObject({
      code: 'DL_INSTANTIATE_FAILED',
      library: 'invalid.so',
    });
    expect(linker.digest()).toBe(before);
  });

  it('when the engine refuses to instantiate a library after three others were instantiated', () => {
    // libneed_a with its GOT.mem.need_a_value import edited to immutable: it reads, passes every
    // check and compiles, but the engine refuses the mutable GOT global the linker gives it.
    const bytes = fixtureBytes(fixture('need_a', 'clang16'));
    const name = new TextEncoder().encode('need_a_value');
    const at = Buffer.from(bytes).indexOf(Buffer.from([...name, 3, 0x7f, 1]));
    expect(at).toBeGreaterThan(0);
    const broken = bytes.slice();
    broken[at + name.length + 2] = 0;
    const { linker } = hostLinkerSync('clang16');
    const before = linker.digest();
    const instantiated: string[] = [];
    const stop = linker.on((e) => {
      if (e.type === 'instantiate') instantiated.push(e.library);
    });
    const err = thrown(() => linker.loadSync(['libneed_c.so', { name: 'broken.so', bytes: broken }]));
    stop();
    expect(err).toMatchObject({ code: 'DL_INSTANTIATE_FAILED', library: 'broken.so' });
    expect(instantiated).toEqual(['libneed_a.so', 'libneed_b.so', 'libneed_c.so']);
    expect(linker.digest()).toBe(before);
    expect(call(linker, linker.dlopenSync('libneed_c.so', RTLD.NOW), 'need_c_check')).toBe(0);
  });
});
