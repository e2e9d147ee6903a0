/**
 * Where the `compat` option's library comes from: `@dl/emscripten`'s entry does not carry it
 * (it is imported on demand). `emscriptenRuntime` imports it in `attach()`
 * (tree-sitter-compat.test.ts) and the `--js-library` before the program's `main`
 * (compat-main2.test.ts); a facade made synchronously with `linkEmscripten` is given the bytes,
 * and without them says so. Here on web-tree-sitter 0.27.1's running program and the
 * tree-sitter-wasms bash grammar, whose scanner calls `isalpha` (the main does not export it).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { compatLibrary } from '@dl/linker/compat-library';
import { treeSitterLegacyGrammars } from '@dl/fixtures';
import { beforeAll, describe, expect, it } from 'vitest';
import { emscriptenRuntime } from './attach.js';
import type { EmscriptenContext } from './context.js';
import { linkEmscripten } from './facade.js';
import type { EmscriptenDylink } from './facade.js';
import { compatSamples } from './tree-sitter-compat-samples.harness.js';
import { parseToString, RECOVERED } from './tree-sitter-support.harness.js';
import type { TreeSitter } from './tree-sitter-support.harness.js';

const require = createRequire(import.meta.url);
let T: TreeSitter;
let Module: Record<string, unknown>;
/** The running program, as the run-time route's facade sees it. */
let ctx: EmscriptenContext;

beforeAll(async () => {
  T = await import('web-tree-sitter');
  const dl = emscriptenRuntime({ main: readFileSync(require.resolve('web-tree-sitter/web-tree-sitter.wasm')) });
  Module = { instantiateWasm: dl.instantiateWasm, locateFile: (f: string) => f };
  await T.Parser.init(Module);
  ctx = ((await dl.attach()) as unknown as { ctx: EmscriptenContext }).ctx;
}, 20_000);

/** Routes the program's `loadWebAssemblyModule` to `facade`, as `attach()` does for its own. */
function routeTo(facade: EmscriptenDylink): void {
  Module.loadWebAssemblyModule = (binary: Uint8Array, flags?: Record<string, unknown>, libName?: unknown) =>
    facade.loadWebAssemblyModule(binary, flags ?? {}, typeof libName === 'string' ? libName : undefined);
}

const bash = (): Uint8Array<ArrayBuffer> =>
  new Uint8Array(readFileSync(treeSitterLegacyGrammars().find((g) => g.id === 'bash')!.path));

describe('linkEmscripten with compat', () => {
  it('without the bytes, its linker is refused with DL_INCOMPATIBLE saying what to pass, and nothing is linked', async () => {
    const facade = linkEmscripten(ctx, { compat: ['libc'] });
    routeTo(facade);
    const heap = (Module.HEAPU8 as Uint8Array).length;
    await expect(T.Language.load(bash())).rejects.toMatchObject({
      code: 'DL_INCOMPATIBLE',
      library: 'libdlcompat.so',
      message: expect.stringContaining(
        "pass compatLibrary: compatLibrary() (import { compatLibrary } from '@dl/linker/compat-library')",
      ) as unknown,
    });
    expect(() => facade.linker).toThrow(/linkEmscripten with compat needs the compatibility library's bytes/);
    expect((Module.HEAPU8 as Uint8Array).length).toBe(heap);
  });

  it('with compatLibrary given, the bash grammar links against it and parses every sample without error', async () => {
    const facade = linkEmscripten(ctx, { compat: ['libc'], compatLibrary: compatLibrary() });
    routeTo(facade);
    const language = await T.Language.load(bash());
    for (const sample of compatSamples.bash) expect(parseToString(T, language, sample)).not.toMatch(RECOVERED);
    const { libraries } = facade.linker.graph();
    const grammar = libraries.find((l) => 'env.isalpha' in l.bindings)!;
    expect(grammar.bindings['env.isalpha']).toBe('libdlcompat.so');
    expect(libraries.find((l) => l.compat !== undefined)).toMatchObject({ name: 'libdlcompat.so', compat: ['libc'] });
  });
});
