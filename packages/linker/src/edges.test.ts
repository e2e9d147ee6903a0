import { isDlError } from '@dl/errors';
import type { DlError } from '@dl/errors';
import { withDylinkEntries, withMemInfo } from '@dl/fixtures/writer';
import { describe, expect, it } from 'vitest';
import { RTLD } from './flags.js';
import { memoryLoader } from './loader.js';
import type { LoadedSource, Loader, LoadRequest } from './loader.js';
import { RTLD_DEFAULT } from './symbol-lookup.js';
import type { Linker } from './linker.js';
import { hostLinker, sideFiles } from './test-support.harness.js';
import type { AdmittedLibrary } from './types.js';

const files = sideFiles('clang16');

async function rejection(p: Promise<unknown>): Promise<DlError> {
  try {
    await p;
  } catch (e) {
    if (isDlError(e)) return e;
    throw e;
  }
  throw new Error('expected a DlError');
}

/** A loader answering from the fixtures, except `stall`: a request for it never settles on its own. */
function stallingLoader(stall: string, honourSignal: boolean): Loader & { requests: LoadRequest[] } {
  const inner = memoryLoader(files);
  const requests: LoadRequest[] = [];
  return {
    requests,
    load(request): Promise<LoadedSource> {
      requests.push(request);
      if (request.name !== stall) return inner.load(request);
      return new Promise((_, reject) => {
        if (honourSignal)
          request.signal?.addEventListener('abort', () => {
            reject(new Error('download stopped'));
          });
      });
    },
  };
}

describe('a per-call AbortSignal (issue 15 item 1)', () => {
  for (const honourSignal of [true, false]) {
    it(`cancels a load stuck in its loader${honourSignal ? '' : ' (even one that ignores the signal)'}: DL_ABORTED, nothing changed, the loader told`, async () => {
      const loader = stallingLoader('libneed_a.so', honourSignal);
      const { linker } = await hostLinker('clang16', { loader });
      const before = linker.digest();
      const controller = new AbortController();
      const load = linker.dlopen('libneed_c.so', RTLD.NOW, { signal: controller.signal });
      while (!loader.requests.some((r) => r.name === 'libneed_a.so')) await new Promise((r) => setImmediate(r));
      controller.abort();
      expect(await rejection(load)).toMatchObject({ code: 'DL_ABORTED' });
      expect(linker.digest()).toBe(before);
      expect(loader.requests.every((r) => r.signal?.aborted === true)).toBe(true);
      // The linker is not left busy; a later load (with nothing stalled) works.
      await linker.dlopen('libfptr.so', RTLD.NOW);
    });
  }

  it('an already aborted signal loads nothing; a reason is named', async () => {
    const loader = stallingLoader('none', true);
    const { linker } = await hostLinker('clang16', { loader });
    const err = await rejection(
      linker.load(['libneed_c.so'], RTLD.NOW, { signal: AbortSignal.abort(new Error('page closed')) }),
    );
    expect(err).toMatchObject({ code: 'DL_ABORTED', message: 'the load was cancelled: page closed' });
    expect(loader.requests).toEqual([]);
  });

  it('a load that fails aborts the signal its loader was given (its other downloads stop)', async () => {
    const { 'libneed_a.so': _gone, ...rest } = files;
    const seen: LoadRequest[] = [];
    const inner = memoryLoader(rest);
    const { linker } = await hostLinker('clang16', {
      loader: {
        load: (r) => {
          seen.push(r);
          return inner.load(r);
        },
      },
    });
    expect((await rejection(linker.dlopen('libneed_c.so'))).code).toBe('DL_NOT_FOUND');
    expect(seen.length).toBe(3);
    expect(seen.every((r) => r.signal === seen[0]!.signal && r.signal?.aborted === true)).toBe(true);
  });
});

describe('graph limits and yielding (issue 15 item 5)', () => {
  it('a library with more NEEDED entries than limits.maxNeeded is DL_LIMIT naming the option, before any is looked up', async () => {
    const needy = withDylinkEntries(
      files['libneed_b.so']!,
      Array.from({ length: 100_000 }, () => 'libneed_a.so'),
    );
    const loader = stallingLoader('none', true);
    const { linker } = await hostLinker('clang16', {
      loader: {
        load: (r) =>
          r.name === 'libneedy.so' ? Promise.resolve({ key: 'needy', name: r.name, bytes: needy }) : loader.load(r),
      },
    });
    const before = linker.digest();
    const err = await rejection(linker.dlopen('libneedy.so'));
    expect(err).toMatchObject({ code: 'DL_LIMIT', library: 'libneedy.so' });
    expect(err.message).toContain('100000 NEEDED entries, more than the limit of 1024 (raise limits.maxNeeded)');
    expect(loader.requests).toEqual([]);
    expect(linker.digest()).toBe(before);
    // Raised, the same library loads (its 1,024 entries name one library).
    const fine = withDylinkEntries(
      files['libneed_b.so']!,
      Array.from({ length: 1024 }, () => 'libneed_a.so'),
    );
    const { linker: raised } = await hostLinker('clang16', {
      loader: {
        load: (r) =>
          r.name === 'libfine.so'
            ? Promise.resolve({ key: 'fine', name: r.name, bytes: fine })
            : memoryLoader(files).load(r),
      },
    });
    await raised.dlopen('libfine.so', RTLD.NOW);
  });

  it('a load bringing more than limits.maxLibraries new libraries is DL_LIMIT', async () => {
    const { linker } = await hostLinker('clang16', { limits: { maxLibraries: 2 } });
    const err = await rejection(linker.dlopen('libneed_c.so'));
    expect(err.code).toBe('DL_LIMIT');
    expect(err.message).toContain('more than 2 new libraries (raise limits.maxLibraries)');
    await linker.dlopen('libneed_a.so');
  });

  it('an async load lets the event loop run while it walks the graph (compiled modules, a loader answering at once)', async () => {
    // A chain of 12 libraries: lib0 needs lib1 … needs lib11 (copies of libneed_a.so with their NEEDED edited).
    // Delivered compiled, with their size: nothing in the load needs the engine's async compile
    // or instantiate, so only the linker's own yields let timers run.
    const chain = new Map<string, LoadedSource>();
    for (let i = 0; i < 12; i++) {
      const bytes = withDylinkEntries(files['libneed_a.so']!, i < 11 ? [`lib${i + 1}.so`] : []);
      chain.set(`lib${i}.so`, {
        key: `lib${i}.so`,
        name: `lib${i}.so`,
        module: new WebAssembly.Module(bytes),
        head: bytes,
        size: bytes.length,
      });
    }
    const { linker } = await hostLinker('clang16', {
      loader: { load: (r) => Promise.resolve({ ...chain.get(r.name)!, name: r.name }) },
    });
    let ticks = 0;
    let done = false;
    const tick = (): void => {
      if (!done) {
        ticks++;
        setImmediate(tick);
      }
    };
    setImmediate(tick);
    await linker.dlopen('lib0.so', RTLD.NOW);
    done = true;
    expect(linker.graph().libraries.length).toBe(12);
    expect(ticks).toBeGreaterThanOrEqual(11);
  });
});

describe('huge alignments and tables (issue 15 items 5, 8)', () => {
  /** libneed_a.so asking for another memory alignment and table size. */
  const asking = (memoryAlign: number, tableSize: number): Uint8Array =>
    withMemInfo(files['libneed_a.so']!, { memorySize: 16, memoryAlign, tableSize, tableAlign: 0 });
  it('a raised maxAlignLog2 and a 2^64 alignment: DL_LIMIT with finite numbers, nothing changed', async () => {
    const { linker } = await hostLinker('clang16', { limits: { maxAlignLog2: 64 } });
    const before = linker.digest();
    const err = await rejection(linker.dlopen({ name: 'libalign.so', bytes: asking(64, 0) }));
    expect(err.code).toBe('DL_LIMIT');
    expect(err.message).not.toMatch(/NaN|Infinity|e\+|18446744073709552000/);
    expect(linker.digest()).toBe(before);
  });
  it('a library asking for a million table slots is refused by default, naming limits.maxTableSlots', async () => {
    const { linker } = await hostLinker('clang16');
    const err = await rejection(linker.dlopen({ name: 'libtable.so', bytes: asking(4, 1_000_000) }));
    expect(err).toMatchObject({ code: 'DL_LIMIT', library: 'libtable.so' });
    expect(err.message).toContain('(limits.maxTableSlots)');
    const raised = (await hostLinker('clang16', { limits: { maxTableSlots: 1_000_000 } })).linker;
    await raised.dlopen({ name: 'libtable.so', bytes: asking(4, 1_000_000) });
  });
});

describe('admit sees where a library comes from (issue 15 item 2)', () => {
  it('its key, location and the libraries that led to it', async () => {
    const seen: AdmittedLibrary[] = [];
    const inner = memoryLoader(files);
    const loader: Loader = {
      load: async (r) => ({
        ...(await inner.load(r)),
        location: `https://cdn.example/lib/${r.name}`,
        key: `k:${r.name}`,
      }),
    };
    const { linker } = await hostLinker('clang16', {
      loader,
      runtime: {
        admit: (l) => {
          seen.push(l);
        },
      },
    });
    await linker.dlopen('libneed_c.so');
    expect(seen.map((l) => [l.name, l.key, l.location, l.neededBy])).toEqual([
      ['libneed_c.so', 'k:libneed_c.so', 'https://cdn.example/lib/libneed_c.so', []],
      ['libneed_b.so', 'k:libneed_b.so', 'https://cdn.example/lib/libneed_b.so', ['libneed_c.so']],
      ['libneed_a.so', 'k:libneed_a.so', 'https://cdn.example/lib/libneed_a.so', ['libneed_b.so', 'libneed_c.so']],
    ]);
  });
});

describe('what a constructor sees (issue 15 item 9)', () => {
  it('its load as if committed: dlsym(RTLD_DEFAULT) and graph() agree; a failed constructor takes both back', async () => {
    const seen: { graph: string[]; dlsym: boolean }[] = [];
    const holder: { linker?: Linker } = {};
    const { linker } = await hostLinker('clang16', {
      editHost: (fns) => ({
        ...fns,
        host_note: {
          type: '(i32) -> ()',
          func: (n: number) => {
            const l = holder.linker!;
            let found = true;
            try {
              l.dlsym(RTLD_DEFAULT, 'ctor_value');
            } catch {
              found = false;
            }
            seen.push({ graph: l.graph().libraries.map((x) => x.name), dlsym: found });
            return (fns.host_note!.func as (n: number) => unknown)(n);
          },
        },
      }),
    });
    holder.linker = linker;
    await linker.dlopen('libctor.so', RTLD.NOW | RTLD.GLOBAL);
    expect(seen.length).toBeGreaterThan(0);
    for (const s of seen) expect(s).toEqual({ graph: ['libctor.so'], dlsym: true });
    // A constructor that fails: the load, as it saw it, is gone from both.
    const failing = (
      await hostLinker('clang16', {
        editHost: (fns) => ({
          ...fns,
          host_note: {
            type: '(i32) -> ()',
            func: () => {
              throw new Error('no');
            },
          },
        }),
      })
    ).linker;
    expect((await rejection(failing.dlopen('libctor.so', RTLD.NOW | RTLD.GLOBAL))).code).toBe('DL_INIT_FAILED');
    expect(failing.graph().libraries).toEqual([]);
    expect(() => failing.dlsym(RTLD_DEFAULT, 'ctor_value')).toThrow(
      expect.objectContaining({ code: 'DL_UNDEFINED_SYMBOL' }) as Error,
    );
  });
});
