import { cpSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withDylinkEntries } from '@dl/fixtures/writer';
import { createLinker, createLinkerSync, RTLD } from '@dl/linker';
import type { Loader } from '@dl/linker';
import { afterAll, describe, expect, it } from 'vitest';
import { LibraryNotFoundError } from './errors.js';
import { fsLoader } from './node/fs-loader.js';
import { clangFiles } from './test-server.harness.js';
import { virtualLoader } from './virtual-loader.js';

const root = realpathSync(mkdtempSync(join(tmpdir(), 'dl-confine-')));
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});
const lib = join(root, 'app', 'lib');
const outside = join(root, 'outside');
const needB = clangFiles.get('libneed_b.so')!;
/** libneed_b.so copies whose NEEDED libneed_a.so is reached in ways that leave lib/. */
const escapes: Readonly<Record<string, Uint8Array>> = {
  'libdotdot.so': withDylinkEntries(needB, ['../../outside/libneed_a.so']),
  'libabsolute.so': withDylinkEntries(needB, [join(outside, 'libneed_a.so')]),
  'librpath.so': withDylinkEntries(
    needB,
    ['libneed_a.so'],
    ['$ORIGIN/../../outside', '${ORIGIN}/../../../..' + outside],
  ),
  'liblink.so': withDylinkEntries(needB, ['liblinked_a.so']),
};
mkdirSync(lib, { recursive: true });
mkdirSync(outside, { recursive: true });
writeFileSync(join(outside, 'libneed_a.so'), clangFiles.get('libneed_a.so')!);
for (const [name, bytes] of Object.entries(escapes)) writeFileSync(join(lib, name), bytes);
symlinkSync(join(outside, 'libneed_a.so'), join(lib, 'liblinked_a.so'));
cpSync(join(outside, 'libneed_a.so'), join(lib, 'libneed_a_inside.so'));

async function notFound(loader: Loader, name: string): Promise<LibraryNotFoundError> {
  const linker = await createLinker({ loader });
  const before = linker.digest();
  try {
    await linker.dlopen(name, RTLD.NOW);
  } catch (e) {
    expect(linker.digest()).toBe(before);
    if (e instanceof LibraryNotFoundError) return e;
    throw e;
  }
  throw new Error(`${name} loaded`);
}

describe('fsLoader roots (issue 15 item 3)', () => {
  it('without roots, NEEDED ../.., absolute paths, RUNTIME_PATH $ORIGIN/../.. and links load from anywhere (as ld.so)', async () => {
    for (const name of Object.keys(escapes)) {
      const linker = await createLinker({ loader: fsLoader({ cache: null, searchPath: [lib] }) });
      await linker.dlopen(name, RTLD.NOW);
      expect(
        linker.graph().libraries.some((l) => l.location === join(outside, 'libneed_a.so')),
        name,
      ).toBe(true);
    }
  });

  it('with roots, each escape is DL_NOT_FOUND with the refusal per place tried, after real-path resolution', async () => {
    for (const name of Object.keys(escapes)) {
      const err = await notFound(fsLoader({ cache: null, searchPath: [lib], roots: [lib] }), name);
      expect(err.tried.length, name).toBeGreaterThan(0);
      expect(
        err.tried.filter((t) => t.reason === `outside the allowed roots (${join(outside, 'libneed_a.so')})`).length,
        name,
      ).toBeGreaterThan(0);
      expect(err.neededBy).toEqual([name]);
    }
    // A root outside the roots is refused too; inside, everything works (sync and async).
    expect((await notFound(fsLoader({ cache: null, roots: [lib] }), join(outside, 'libneed_a.so'))).message).toContain(
      'outside the allowed roots',
    );
    const inside = fsLoader({ cache: null, searchPath: [lib], roots: [join(root, 'app', '..', 'app', 'lib')] });
    createLinkerSync({ loader: inside }).dlopenSync('libneed_a_inside.so', RTLD.NOW);
    expect(inside.inspectSync!({ name: 'libneed_a_inside.so', parent: null }).location).toBe(
      join(lib, 'libneed_a_inside.so'),
    );
  });

  it('a root named through a symbolic link is its real directory; a prefix is not a parent (lib vs lib2)', async () => {
    const link = join(root, 'lib-link');
    symlinkSync(lib, link);
    createLinkerSync({ loader: fsLoader({ cache: null, searchPath: [link], roots: [link] }) }).dlopenSync(
      'libneed_a_inside.so',
    );
    mkdirSync(`${lib}2`, { recursive: true });
    cpSync(join(outside, 'libneed_a.so'), join(`${lib}2`, 'libneed_a.so'));
    expect(
      (await notFound(fsLoader({ cache: null, searchPath: [`${lib}2`], roots: [lib] }), 'libneed_a.so')).tried[0]!
        .reason,
    ).toBe(`outside the allowed roots (${lib}2/libneed_a.so)`);
  });
});

describe('virtualLoader roots (issue 15 item 3)', () => {
  const files = new Map<string, Uint8Array>([
    ['/outside/libneed_a.so', clangFiles.get('libneed_a.so')!],
    ...Object.entries(escapes)
      .filter(([n]) => n !== 'liblink.so')
      .map(([n, b]) => [`/app/lib/${n}`, b] as [string, Uint8Array]),
  ]);
  it('NEEDED ../.., absolute paths and RUNTIME_PATH $ORIGIN/.. stay inside the roots', async () => {
    for (const name of ['libdotdot.so', 'libabsolute.so', 'librpath.so']) {
      const free = await createLinker({ loader: virtualLoader(files, { searchPath: ['/app/lib'], cwd: '/app' }) });
      if (name !== 'libabsolute.so') await free.dlopen(name, RTLD.NOW);
      const err = await notFound(virtualLoader(files, { searchPath: ['/app/lib'], roots: ['/app/lib'] }), name);
      expect(
        err.tried.some((t) => t.reason.startsWith('outside the allowed roots (')),
        name,
      ).toBe(true);
    }
  });
});
