import { fixtures } from '@dl/fixtures';
import { describe, expect, it } from 'vitest';
import { RTLD_DEFAULT } from './symbol-lookup.js';
import { memoryLoader } from './loader.js';
import { call, hostLinker, hostLinkerSync, readI32, sideFiles, sharedMemoryFixtures } from './test-support.harness.js';

const toolchains = ['clang16', 'emcc'] as const;
const checked = (tc: (typeof toolchains)[number]) =>
  fixtures.filter(
    (f) => f.toolchain === tc && f.kind === 'side' && f.checks.length > 0 && !sharedMemoryFixtures.has(f.id),
  );
const base = (file: string): string => file.slice(file.lastIndexOf('/') + 1);

describe.each(toolchains)('%s fixtures linked into a JS host', (tc) => {
  it.each(checked(tc).map((f) => [f.id, f] as const))(
    '%s: dlopenSync, RTLD_NOW | RTLD_GLOBAL: its self-checks pass',
    (_, f) => {
      const { linker } = hostLinkerSync(tc);
      const h = linker.dlopenSync(base(f.file), { binding: 'now', scope: 'global' });
      for (const c of f.checks) expect(call(linker, h, c), c).toBe(0);
    },
  );

  it.each(checked(tc).map((f) => [f.id, f] as const))(
    '%s: async dlopen, RTLD_LAZY | RTLD_LOCAL: its self-checks pass',
    async (_, f) => {
      const { linker } = await hostLinker(tc);
      const h = await linker.dlopen(base(f.file));
      for (const c of f.checks) expect(call(linker, h, c), c).toBe(0);
    },
  );

  it('load-time linking: every library in one pass (cycle included), all checks pass', async () => {
    const names = checked(tc)
      .map((f) => base(f.file))
      .filter((n) => n !== 'libreloc_bsym.so');
    const { linker } = await hostLinker(tc);
    await linker.load(names);
    for (const f of checked(tc).filter((x) => x.id !== 'reloc_bsym'))
      for (const c of f.checks) expect(call(linker, RTLD_DEFAULT, c), `${f.id} ${c}`).toBe(0);
    const loaded = linker.graph().libraries.map((l) => l.name);
    expect(loaded).toEqual(expect.arrayContaining(names));
    expect(new Set(loaded).size).toBe(loaded.length); // each library once, the cycle included
  });

  it('relocates data: pointers in data point at the relocated targets', () => {
    const { linker } = hostLinkerSync(tc);
    const h = linker.dlopenSync('libfptr.so', { binding: 'now', scope: 'global' });
    const addr = (name: string): number => {
      const s = linker.dlsym(name.startsWith('main') ? RTLD_DEFAULT : h, name);
      if (s.kind === 'global') throw new Error(name);
      return s.address;
    };
    // libreloc: r_entries[0].data == &r_value, r_entries[2].data == &main_counter (the host's).
    const entries = addr('r_entries');
    expect(readI32(linker, entries + 8)).toBe(addr('r_value'));
    expect(readI32(linker, entries + 2 * 12 + 8)).toBe(addr('main_counter'));
    expect(readI32(linker, addr('main_counter'))).toBe(40);
  });

  it('gives every function one address: &f is the same in three modules and in dlsym', () => {
    const { linker } = hostLinkerSync(tc);
    const h = linker.dlopenSync('libfptr.so', { binding: 'now', scope: 'global' });
    const fnAddress = (name: string): number => {
      const s = linker.dlsym(name.startsWith('main') ? RTLD_DEFAULT : h, name);
      if (s.kind !== 'function') throw new Error(name);
      return s.address;
    };
    const data = (name: string): number => {
      const s = linker.dlsym(h, name);
      if (s.kind === 'global') throw new Error(name);
      return s.address;
    };
    const add1 = fnAddress('main_add1');
    expect(readI32(linker, data('fp_add1_ptr'))).toBe(add1); // libfptr's view
    expect(readI32(linker, data('r_entries') + 2 * 12 + 4)).toBe(add1); // libreloc's view
    expect(call(linker, RTLD_DEFAULT, 'main_get_add1')).toBe(add1); // the host's view
    expect(readI32(linker, data('fp_double_ptr'))).toBe(fnAddress('r_double'));
    expect(fnAddress('r_double')).toBe(fnAddress('r_double'));
  });

  it('runs C++ constructors in priority order and destructors at exit', () => {
    const { linker, host } = hostLinkerSync(tc);
    linker.dlopenSync('libctor.so', { binding: 'now' });
    expect(host.notes).toEqual([200, 300, 1000]);
    linker.exit();
    expect(host.notes).toEqual([200, 300, 1000, 9000]);
    linker.exit();
    expect(host.notes).toHaveLength(4);
  });

  it("gives weak undefined symbols address 0 and lets the host's strong definitions win", () => {
    const { linker } = hostLinkerSync(tc);
    const weak = linker.dlopenSync('libweak.so', { binding: 'now', scope: 'global' });
    expect(call(linker, weak, 'weak_check')).toBe(0);
    expect(linker.graph().interpositions).toContainEqual({
      scope: 0,
      name: 'weak_hook',
      winner: 'host',
      losers: ['libweak.so'],
    });
    const undef = linker.dlopenSync('libweak_undef.so', { binding: 'now' });
    expect(call(linker, undef, 'weak_undef_call')).toBe(-1);
  });

  it('has 4,000+ exports from one library, all findable', () => {
    const { linker } = hostLinkerSync(tc);
    const h = linker.dlopenSync('libmany.so', { binding: 'now' });
    expect(call(linker, h, 'many_check')).toBe(0);
    expect(linker.graph().libraries[0]!.exports).toBeGreaterThanOrEqual(3999);
  });
});

describe.each(toolchains)('%s: libraries given as compiled modules (no bytes, so no types)', (tc) => {
  it('links them through engine reflection: NEEDED, data, pointers and a cycle all work', () => {
    const modules = Object.fromEntries(
      Object.entries(sideFiles(tc)).map(([name, bytes]) => [
        name,
        new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>),
      ]),
    );
    const { linker } = hostLinkerSync(tc, { loader: memoryLoader(modules) });
    const f = linker.dlopenSync(
      { name: 'libfptr.so', module: modules['libfptr.so']! },
      { binding: 'now', scope: 'global' },
    );
    expect(call(linker, f, 'fptr_check')).toBe(0);
    const cycle = linker.dlopenSync('libcycle_a.so', { binding: 'lazy', scope: 'global' });
    expect(call(linker, cycle, 'cycle_check')).toBe(0);
    expect(call(linker, cycle, 'cycle_b_check')).toBe(0);
  });
});

describe('Emscripten i64 legalisation', () => {
  it('binds function pointers to the orig$ twin with the real i64 signature', () => {
    const { linker } = hostLinkerSync('emcc');
    const h = linker.dlopenSync('libi64.so', { binding: 'now' });
    expect(call(linker, h, 'i64_check')).toBe(0);
    const mul = linker.dlsym(h, 'i64_mul');
    if (mul.kind !== 'function') throw new Error('i64_mul');
    expect((linker.table.get(mul.address) as (a: bigint, b: bigint) => bigint)(6n, 7n)).toBe(42n);
    const ptr = linker.dlsym(h, 'i64_mul_ptr');
    if (ptr.kind === 'global') throw new Error('i64_mul_ptr');
    expect(readI32(linker, ptr.address)).toBe(mul.address);
  });
});

describe.each(toolchains)('%s thread-locals with shared memory', (tc) => {
  it("initialises the current thread's TLS block and relocates TLS exports against it", () => {
    const { linker } = hostLinkerSync(tc, { program: { shared: true } });
    expect(linker.memory.buffer).toBeInstanceOf(SharedArrayBuffer);
    const h = linker.dlopenSync('libtls_mt.so', { binding: 'now' });
    expect(call(linker, h, 'tls_check')).toBe(0);
    const counter = linker.dlsym(h, 'tls_counter');
    expect(counter.kind).toBe('tls');
    if (counter.kind !== 'tls') return;
    expect(call(linker, h, 'tls_counter_addr')).toBe(counter.address);
    const tlsBase = linker.graph().libraries[0]!.tlsBase!;
    expect(counter.address).toBe(tlsBase);
    const before = readI32(linker, counter.address);
    call(linker, h, 'tls_bump');
    expect(readI32(linker, counter.address)).toBe(before + 1);
  });

  it('refuses a shared-memory library in a non-shared program', () => {
    expect(sharedMemoryFixtures.has('tls_mt')).toBe(true);
    const { linker } = hostLinkerSync(tc);
    expect(() => linker.dlopenSync('libtls_mt.so')).toThrow(/needs a shared memory/);
  });
});

describe('a thread-local block of its own (__wasm_init_tls exported)', () => {
  it('reserves __tls_size bytes at __tls_align, initialises them, and relocates TLS exports there', () => {
    const { linker } = hostLinkerSync('clang16', { program: { shared: true } });
    const h = linker.dlopenSync('libtls_init.so', { binding: 'now' });
    expect(call(linker, h, 'tls_check')).toBe(0);
    const lib = linker.graph().libraries[0]!;
    const block = linker.graph().memory.reservations.find((r) => r.owner === 'libtls_init.so TLS')!;
    expect(block.size).toBe(8);
    expect(lib.tlsBase).toBe(block.address);
    expect(lib.tlsBase).not.toBe(lib.memory.base);
    expect(linker.dlsym(h, 'tls_zero')).toMatchObject({ kind: 'tls', address: block.address + 4 });
    expect(call(linker, h, 'tls_counter_addr')).toBe(block.address);
  });
});

describe('the fixture set itself', () => {
  it('has every case the linker is tested on, in both toolchains', () => {
    for (const tc of toolchains) expect(Object.keys(sideFiles(tc)).length).toBeGreaterThanOrEqual(17);
  });
});
