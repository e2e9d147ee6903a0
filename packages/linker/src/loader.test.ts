import { fixture, fixtureBytes } from '@dl/fixtures';
import { moduleHeadLength } from '@dl/reader';
import { describe, expect, it } from 'vitest';
import { RTLD } from './flags.js';
import { memoryLoader } from './loader.js';
import type { LoadedSource, Loader, LoadRequest } from './loader.js';
import { call, hostLinker, hostLinkerSync, sideFiles } from './test-support.harness.js';

const files = sideFiles('clang16');

/** A loader over the fixtures that records requests and how many were in flight at once. */
function recordingLoader(
  deliver: (request: LoadRequest) => LoadedSource = (r) => memoryLoader(files).loadSync!(r),
): Loader & { requests: LoadRequest[]; maxInFlight: number } {
  let inFlight = 0;
  const self = {
    requests: [] as LoadRequest[],
    maxInFlight: 0,
    async load(request: LoadRequest): Promise<LoadedSource> {
      self.requests.push(request);
      self.maxInFlight = Math.max(self.maxInFlight, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight--;
      return deliver(request);
    },
  };
  return self;
}

describe('the loader contract', () => {
  it('asks for a whole depth of the NEEDED graph at once', async () => {
    const loader = recordingLoader();
    const { linker } = await hostLinker('clang16', { loader });
    const handles = await linker.load(['libneed_c.so', 'libfptr.so', 'libctor.so'], RTLD.NOW);
    expect(handles.map((h) => h.name)).toEqual(['libneed_c.so', 'libfptr.so', 'libctor.so']);
    // Depth 0: the three roots together; depth 1: libneed_b and libreloc together; depth 2: libneed_a.
    expect(loader.maxInFlight).toBe(3);
    expect(loader.requests.map((r) => r.name)).toEqual([
      'libneed_c.so',
      'libfptr.so',
      'libctor.so',
      'libneed_b.so',
      'libreloc.so',
      'libneed_a.so',
    ]);
    expect(call(linker, handles[0]!, 'need_c_check')).toBe(0);
  });

  it('tells the loader which library needs a name, where it came from and its RUNTIME_PATH', async () => {
    const loader = recordingLoader((r) => ({
      ...memoryLoader(files).loadSync!(r),
      key: `/lib/${r.name}`,
      location: `/lib/${r.name}`,
    }));
    const { linker } = await hostLinker('clang16', { loader });
    await linker.dlopen('libneed_c.so');
    expect(loader.requests[0]).toEqual({
      name: 'libneed_c.so',
      parent: null,
      signal: expect.any(AbortSignal) as unknown,
    });
    expect(loader.requests[1]).toEqual({
      name: 'libneed_b.so',
      parent: {
        name: 'libneed_c.so',
        key: '/lib/libneed_c.so',
        location: '/lib/libneed_c.so',
        runtimePaths: [],
        chain: [],
      },
      signal: loader.requests[0]!.signal,
    });
    expect(linker.graph().libraries.find((l) => l.name === 'libneed_b.so')?.location).toBe('/lib/libneed_b.so');
  });

  it('links a module delivered still compiling, with its metadata from the head alone', async () => {
    const heads: number[] = [];
    const loader = recordingLoader((r) => {
      const bytes = memoryLoader(files).loadSync!(r).bytes!;
      const length = moduleHeadLength(bytes)!;
      heads.push(length / bytes.length);
      return {
        key: r.name,
        name: r.name,
        head: bytes.slice(0, length),
        size: bytes.length,
        module: WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>),
      };
    });
    const { linker } = await hostLinker('clang16', { loader });
    const h = await linker.dlopen('libneed_c.so', RTLD.NOW);
    expect(call(linker, h, 'need_c_check')).toBe(0);
    expect(heads.every((x) => x < 1)).toBe(true);
  });

  it('remembers metadata per compiled module: a module alone is then linked with full types', () => {
    const bytes = fixtureBytes(fixture('reloc', 'clang16'));
    const module = new WebAssembly.Module(bytes);
    const typedOnce = hostLinkerSync('clang16', { loader: memoryLoader({ 'libreloc.so': module }) }).linker;
    typedOnce.dlopenSync({ name: 'libreloc.so', bytes }); // compiled from bytes: a different module
    // The signature check needs types; reflection has none, so only a remembered module can fail it.
    const wrongHost = {
      editHost: (fns: Record<string, unknown>) => ({
        ...fns,
        main_add1: { func: (a: number, b: number) => a + b, type: '(i32, i32) -> i32' },
      }),
    } as const;
    const untyped = hostLinkerSync('clang16', { ...wrongHost, loader: memoryLoader({ 'libreloc.so': module }) }).linker;
    expect(() => untyped.dlopenSync('libreloc.so', RTLD.LAZY)).not.toThrow(/main_add1/);
    const viaBytes = hostLinkerSync('clang16', { loader: memoryLoader({ 'libreloc.so': bytes }) }).linker;
    let compiled: WebAssembly.Module | undefined;
    const original = WebAssembly.Module;
    // Capture the module the linker compiles, then give exactly that module to another linker.
    WebAssembly.Module = new Proxy(original, {
      construct: (t, a: [BufferSource]) => {
        const m = new t(...a);
        compiled ??= m;
        return m;
      },
    });
    try {
      viaBytes.dlopenSync('libreloc.so');
    } finally {
      WebAssembly.Module = original;
    }
    const remembered = hostLinkerSync('clang16', {
      ...wrongHost,
      loader: memoryLoader({ 'libreloc.so': compiled! }),
    }).linker;
    expect(() => remembered.dlopenSync('libreloc.so', RTLD.LAZY)).toThrow(
      /main_add1: libreloc.so imports it as \(i32\) -> i32/,
    );
  });

  it("a failed load leaves no unhandled rejection behind from its siblings' compilations", async () => {
    const rejections: unknown[] = [];
    const onRejection = (e: unknown): void => {
      rejections.push(e);
    };
    process.on('unhandledRejection', onRejection);
    try {
      const loader: Loader = {
        load: (r) =>
          r.name === 'missing.so'
            ? Promise.reject(new Error('gone'))
            : Promise.resolve({
                key: r.name,
                name: r.name,
                head: files[r.name],
                module: WebAssembly.compile(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 99])),
              }),
      };
      const { linker } = await hostLinker('clang16', { loader });
      await expect(linker.load(['libneed_a.so', 'missing.so'])).rejects.toThrow(/gone/);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(rejections).toEqual([]);
      // The same broken compilation, when it is the one awaited, is reported against its library.
      await expect(linker.dlopen('libneed_a.so')).rejects.toMatchObject({
        code: 'DL_INSTANTIATE_FAILED',
        library: 'libneed_a.so',
      });
    } finally {
      process.off('unhandledRejection', onRejection);
    }
  });

  it('refuses a module still compiling in a synchronous load', () => {
    const loader: Loader = {
      load: () => Promise.reject(new Error('unused')),
      loadSync: (r) => ({
        key: r.name,
        name: r.name,
        head: files[r.name],
        module: WebAssembly.compile(files[r.name] as Uint8Array<ArrayBuffer>),
      }),
    };
    const { linker } = hostLinkerSync('clang16', { loader });
    expect(() => linker.dlopenSync('libneed_a.so')).toThrow(/still compiling to a synchronous load/);
  });
});
