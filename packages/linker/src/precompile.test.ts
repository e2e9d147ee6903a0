import { fixture, fixtureBytes } from '@dl/fixtures';
import { outcome } from '@dl/fixtures/outcome';
import { splitSections } from '@dl/fixtures/writer';
import { describe, expect, it } from 'vitest';
import { createLinker, createLinkerSync } from './create.js';
import { RTLD } from './flags.js';
import { call, hostLinker, hostLinkerSync } from './test-support.harness.js';

/** A copy of a module whose code section is garbage: its metadata reads, it does not compile. */
function uncompilable(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const copy = new Uint8Array(bytes);
  const code = splitSections(copy).find((s) => s.id === 10)!;
  copy.fill(0xff, code.end - Math.min(8, code.end - code.start), code.end);
  return copy;
}

describe('an asynchronous load compiles while it reads and checks (the precompile step)', () => {
  it('loads real modules given as bytes, with the same outcome as before', async () => {
    const { linker } = await hostLinker('clang16');
    const h = await linker.dlopen({ name: 'libfptr.so', bytes: fixtureBytes(fixture('fptr', 'clang16')) });
    const sync = hostLinkerSync('clang16').linker;
    const hs = sync.dlopenSync('libfptr.so');
    expect(call(linker, h, 'fptr_check')).toBe(call(sync, hs, 'fptr_check'));
    expect(linker.graph().libraries.map((l) => l.name)).toEqual(sync.graph().libraries.map((l) => l.name));
  });

  it('a module that does not compile fails at the compile step, as a DlError, leaving nothing behind', async () => {
    const linker = await createLinker();
    const before = linker.digest();
    const bytes = uncompilable(fixtureBytes(fixture('need_a', 'clang16')));
    await expect(linker.dlopen({ name: 'bad.so', bytes })).rejects.toMatchObject({
      code: 'DL_INSTANTIATE_FAILED',
      library: 'bad.so',
      message: expect.stringMatching(/compilation failed/) as unknown,
    });
    expect(linker.digest()).toBe(before);
    // The synchronous path says the same.
    expect(outcome(() => createLinkerSync().dlopenSync({ name: 'bad.so', bytes }))).toBe('DL_INSTANTIATE_FAILED');
  });

  it('a load refused by its check never leaves its compilation unawaited (no unhandled rejection)', async () => {
    // libfptr imports main_apply, which this host program does not define: the check refuses
    // it before the compile step, while its (failing) compilation is under way.
    const { linker } = await hostLinker('clang16', { editHost: () => ({}) });
    const bytes = uncompilable(fixtureBytes(fixture('fptr', 'clang16')));
    await expect(linker.dlopen({ name: 'libfptr.so', bytes }, RTLD.NOW)).rejects.toMatchObject({
      code: 'DL_UNDEFINED_SYMBOL',
    });
    // Give a stray rejection time to surface (vitest fails the run on one).
    await new Promise((resolve) => setTimeout(resolve, 50));
  });
});
