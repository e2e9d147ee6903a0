import { concat, custom, section, str, subsection, uleb, vec, wasmModule } from '@dl/fixtures/writer';
import { createLinker, RTLD } from '@dl/linker';
import { describe, expect, it } from 'vitest';
import { LibraryNotFoundError } from './errors.js';
import { virtualLoader } from './virtual-loader.js';

/**
 * A real side module lib<i>.so: NEEDs lib<i+1>.so and exports f<i>() = f<i+1>() + 1; the last
 * one's f returns 0 (or it needs `missing` instead).
 */
function chainLibrary(i: number, last: number, missing?: string): Uint8Array<ArrayBuffer> {
  const next = i === last ? missing : `lib${i + 1}.so`;
  const calls = i < last;
  return wasmModule(
    custom(
      'dylink.0',
      concat(
        subsection(1, [...uleb(16), ...uleb(4), 0, 0]),
        ...(next === undefined ? [] : [subsection(2, vec([str(next)]))]),
      ),
    ),
    section(1, vec([[0x60, 0, 1, 0x7f]])),
    ...(calls ? [section(2, vec([concat(str('env'), str(`f${i + 1}`), [0, 0])]))] : []),
    section(3, vec([[0]])),
    section(7, vec([concat(str(`f${i}`), [0], uleb(calls ? 1 : 0))])),
    section(10, vec([calls ? [7, 0, 0x10, 0, 0x41, 1, 0x6a, 0x0b] : [4, 0, 0x41, 0, 0x0b]])),
  );
}

describe('thousands of libraries', () => {
  it('links a NEEDED chain of 2,000 real modules in one load', async () => {
    const files = Object.fromEntries(
      Array.from({ length: 2000 }, (_, i) => [`/lib/lib${i}.so`, chainLibrary(i, 1999)]),
    );
    const linker = await createLinker({ loader: virtualLoader(files, { searchPath: ['/lib'] }) });
    const [root] = await linker.load(['lib0.so'], RTLD.NOW | RTLD.GLOBAL);
    const f0 = linker.dlsym(root!, 'f0');
    expect(f0.kind === 'function' && (f0.func as () => number)()).toBe(1999);
    expect(linker.graph().libraries).toHaveLength(2000);
  });

  it('refuses the whole chain when its last library is missing, naming the nearest dependents, and keeps nothing', async () => {
    const files = Object.fromEntries(
      Array.from({ length: 2000 }, (_, i) => [`/lib/lib${i}.so`, chainLibrary(i, 1999, 'libgone.so')]),
    );
    const linker = await createLinker({ loader: virtualLoader(files, { searchPath: ['/lib'] }) });
    const before = linker.digest();
    const err = await linker.dlopen('lib0.so').then(
      () => null,
      (e: unknown) => e,
    );
    if (!(err instanceof LibraryNotFoundError)) throw new Error(`expected DL_NOT_FOUND, got ${String(err)}`);
    expect(err.neededBy).toHaveLength(2000);
    expect(err.message).toContain('(needed by lib1999.so, needed by lib1998.so,');
    expect(err.message).toContain('and 1992 more)');
    expect(err.message.length).toBeLessThan(500);
    expect(linker.digest()).toBe(before);
    expect(linker.graph().libraries).toHaveLength(0);
  });
});
