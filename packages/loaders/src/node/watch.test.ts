import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixture, fixtureBytes } from '@dl/fixtures';
import { readmeExamples, runExample } from '@dl/fixtures/readme';
import { createLinker, RTLD } from '@dl/linker';
import type { DlError, Handle, Linker } from '@dl/linker';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clangSideModule, watchLibrary } from './watch.js';
import type { LibraryWatcher, WatchReload } from './watch.js';

const haveClang =
  spawnSync('clang-16', ['--version']).status === 0 && spawnSync('wasm-ld-16', ['--version']).status === 0;

/** libreload.so as @dl/fixtures' reload.c declares it, returning `version`, or `body` as it is. */
const source = (version: number | string): string =>
  typeof version === 'string'
    ? version
    : `int reload_state = ${version * 100};\nint reload_table[4];\nint reload_value(void) { return ${version}; }\nint reload_read_state(void) { return reload_state; }\n`;

describe.skipIf(!haveClang)('watchLibrary: real clang-16 rebuilds swapped into a running program', () => {
  let dir: string;
  let file: string;
  let output: string;
  let linker: Linker;
  let handle: Handle;
  let watcher: LibraryWatcher | undefined;
  const events: (WatchReload | DlError)[] = [];
  let waiting: ((e: WatchReload | DlError) => void) | null = null;
  const record = (e: WatchReload | DlError): void => {
    events.push(e);
    waiting?.(e);
    waiting = null;
  };
  const next = (): Promise<WatchReload | DlError> =>
    new Promise((done) => {
      waiting = done;
    });
  const call = (h: Handle, name: string): unknown => {
    const s = linker.dlsym(h, name);
    if (s.kind !== 'function') throw new Error(`${name} is not a function`);
    return s.func();
  };
  const watchIt = (debounceMs = 50): LibraryWatcher =>
    watchLibrary(linker, handle, {
      files: [file],
      build: clangSideModule({ sources: [file], output }),
      output,
      debounceMs,
      onReload: record,
      onError: record,
    });

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dl-watch-'));
    file = join(dir, 'reload.c');
    output = join(dir, 'libreload.so');
    writeFileSync(file, source(1));
    for (const [program, ...args] of clangSideModule({ sources: [file], output })) execFileSync(program, args);
    linker = await createLinker();
    handle = await linker.dlopen(
      { name: 'libreload.so', bytes: readFileSync(output) },
      { binding: 'now', scope: 'global', reloadable: true },
    );
    events.length = 0;
  });
  afterEach(async () => {
    await watcher?.close();
    watcher = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('an edit of the C file reaches the running program: direct calls, the PLT and a stored function pointer call the new build', async () => {
    // The fixtures' libreload_caller.so (NEEDED libreload.so) stores &reload_value in its data.
    const caller = await linker.dlopen(
      { name: 'libreload_caller.so', bytes: fixtureBytes(fixture('reload_caller', 'clang16')) },
      RTLD.NOW | RTLD.GLOBAL,
    );
    expect([call(caller, 'caller_stored'), call(caller, 'caller_direct')]).toEqual([1, 1]);
    watcher = watchIt();
    const reloaded = next();
    writeFileSync(file, source(2));
    const event = await reloaded;
    expect(event).toMatchObject({ handle, changed: [file] });
    expect(call(handle, 'reload_value')).toBe(2);
    expect(call(handle, 'reload_read_state')).toBe(200);
    expect([call(caller, 'caller_stored'), call(caller, 'caller_direct')]).toEqual([2, 2]);
  });

  it("a compiler error is reported with the compiler's own words, and the old build keeps running", async () => {
    watcher = watchIt();
    const failed = next();
    writeFileSync(file, source('int reload_value(void) { return undeclared_name; }\n'));
    const error = (await failed) as DlError;
    expect(error.code).toBe('DL_BUILD_FAILED');
    expect(error.library).toBe('libreload.so');
    expect(error.message).toMatch(/clang-16 exited with code 1; the old build keeps running:\n/);
    expect(error.message).toContain("use of undeclared identifier 'undeclared_name'");
    expect(call(handle, 'reload_value')).toBe(1);
    // The next good edit is picked up.
    const reloaded = next();
    writeFileSync(file, source(3));
    expect(await reloaded).toMatchObject({ handle });
    expect(call(handle, 'reload_value')).toBe(3);
  });

  it('a build the linker refuses (a changed signature) leaves the old build running', async () => {
    watcher = watchIt();
    const refused = next();
    writeFileSync(
      file,
      source('int reload_state = 100;\nint reload_table[4];\nint reload_value(int x) { return x; }\n'),
    );
    expect(await refused).toMatchObject({ code: 'DL_RELOAD_INCOMPATIBLE' });
    expect(call(handle, 'reload_value')).toBe(1);
    expect(linker.handleOf('libreload.so')).toBe(handle);
  });

  it('rebuilds never overlap: rebuild() during a rebuild runs once more after it, not once per call', async () => {
    watcher = watchIt();
    writeFileSync(file, source(4));
    const results = await Promise.all([watcher.rebuild(), watcher.rebuild(), watcher.rebuild()]);
    expect(results).toEqual([true, true, true]);
    await watcher.close();
    expect(events).toHaveLength(2);
    expect(events.every((e) => 'buildMs' in e)).toBe(true);
    expect(call(handle, 'reload_value')).toBe(4);
  });
});

describe('clangSideModule', () => {
  it("is the fixtures' recipe: each source compiled with -fPIC for wasm32-emscripten, then wasm-ld -shared", () => {
    expect(
      clangSideModule({ sources: ['a.c', 'b.c'], output: 'out/libab.so', cflags: ['-DX=1'], ldflags: ['libdep.so'] }),
    ).toEqual([
      [
        'clang-16',
        '--target=wasm32-unknown-emscripten',
        '-fPIC',
        '-fvisibility=default',
        '-O2',
        '-nostdlib',
        '-DX=1',
        '-c',
        'a.c',
        '-o',
        'out/libab.so.0.o',
      ],
      [
        'clang-16',
        '--target=wasm32-unknown-emscripten',
        '-fPIC',
        '-fvisibility=default',
        '-O2',
        '-nostdlib',
        '-DX=1',
        '-c',
        'b.c',
        '-o',
        'out/libab.so.1.o',
      ],
      [
        'wasm-ld-16',
        '-shared',
        '--experimental-pic',
        '--export-dynamic',
        'out/libab.so.0.o',
        'out/libab.so.1.o',
        'libdep.so',
        '-o',
        'out/libab.so',
      ],
    ]);
  });
});

describe.skipIf(!haveClang)('examples/watch.ts', () => {
  it('the README shows it verbatim with the output it prints: an edit picked up, a compiler error reported, the old build kept', async () => {
    const example = fileURLToPath(new URL('../../examples/watch.ts', import.meta.url));
    const shown = readmeExamples(fileURLToPath(new URL('../../README.md', import.meta.url))).find((e) =>
      e.code.includes('watchLibrary('),
    );
    expect(shown?.code).toBe(readFileSync(example, 'utf8'));
    expect(await runExample(example)).toBe(shown?.output);
  });
});
