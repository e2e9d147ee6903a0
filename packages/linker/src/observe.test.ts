import { DlError } from '@dl/errors';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { LinkerEvent } from './events.js';
import { RTLD } from './flags.js';
import { memoryLoader } from './loader.js';
import type { Loader } from './loader.js';
import { call, hostLinker, hostLinkerSync, sideFiles } from './test-support.harness.js';

describe('events', () => {
  it('reports each phase of a load with library names, sizes and timings, ending with done', async () => {
    const events: LinkerEvent[] = [];
    const { linker } = await hostLinker('clang16', {
      onEvent: (e) => {
        events.push(e);
      },
    });
    await linker.dlopen('libneed_c.so', RTLD.NOW);
    const types = events.map((e) => e.type);
    expect(types.filter((t) => t === 'resolve')).toHaveLength(3);
    expect(types.indexOf('compile')).toBeGreaterThan(types.lastIndexOf('resolve'));
    expect(types.indexOf('instantiate')).toBeGreaterThan(types.lastIndexOf('compile'));
    expect(types.at(-1)).toBe('done');
    const resolve = events.filter((e) => e.type === 'resolve');
    expect(resolve.map((e) => [e.library, e.neededBy])).toEqual([
      ['libneed_c.so', null],
      ['libneed_b.so', 'libneed_c.so'],
      ['libneed_a.so', 'libneed_b.so'],
    ]);
    for (const e of resolve) expect(e.bytes).toBeGreaterThan(100);
    const inst = events.filter((e) => e.type === 'instantiate');
    expect(inst.map((e) => e.library)).toEqual(['libneed_a.so', 'libneed_b.so', 'libneed_c.so']);
    for (const e of inst) {
      expect(e.memoryBase).toBeGreaterThan(0);
      expect(e.ms).toBeGreaterThanOrEqual(0);
    }
    const done = events.at(-1)!;
    if (done.type !== 'done') throw new Error('done');
    expect(done.libraries).toBe(3);
    expect(Object.keys(done.phases)).toEqual(
      expect.arrayContaining(['resolve', 'check', 'compile', 'instantiate', 'bind', 'init']),
    );
  });

  it('reports a failure with its code, and subscribers can unsubscribe', () => {
    const { linker } = hostLinkerSync('clang16');
    const seen: string[] = [];
    const stop = linker.on((e) => {
      seen.push(e.type === 'failed' ? `failed ${e.code}` : e.type);
    });
    expect(() => linker.dlopenSync('libnope.so')).toThrow();
    expect(seen).toEqual(['failed DL_NOT_FOUND']);
    stop();
    linker.dlopenSync('libneed_a.so');
    expect(seen).toHaveLength(1);
  });
});

describe("admit: a runtime's check of each library found", () => {
  it('sees every library of a load with its exports and imports, before anything is allocated', () => {
    const seen: string[] = [];
    const { linker } = hostLinkerSync('clang16', {
      runtime: {
        admit: (lib) => {
          seen.push(lib.name);
          if (lib.name === 'libneed_b.so') {
            expect(lib.exports.map((e) => e.name)).toContain('need_b');
            expect(lib.imports).toContainEqual(expect.objectContaining({ module: 'env', name: 'need_a' }));
          }
        },
      },
    });
    linker.dlopenSync('libneed_c.so');
    expect(seen).toEqual(['libneed_c.so', 'libneed_b.so', 'libneed_a.so']);
  });

  it('refuses a library by throwing: the load fails with that error and changes nothing', () => {
    let refuse = true;
    const { linker } = hostLinkerSync('clang16', {
      runtime: {
        admit: (lib) => {
          if (refuse && lib.name === 'libneed_a.so')
            throw new DlError('DL_INCOMPATIBLE', 'not here', { library: lib.name });
        },
      },
    });
    const before = linker.graph();
    expect(() => linker.dlopenSync('libneed_c.so')).toThrow(
      expect.objectContaining({ code: 'DL_INCOMPATIBLE', library: 'libneed_a.so' }),
    );
    expect(linker.graph()).toEqual(before);
    refuse = false;
    expect(linker.dlopenSync('libneed_c.so')).toMatchObject({ name: 'libneed_c.so' });
  });
});

describe('graph', () => {
  it('shows libraries, dependencies, scopes, ranges, providers and lazy bindings', () => {
    const { linker } = hostLinkerSync('emcc');
    linker.dlopenSync('libcycle_a.so', RTLD.LAZY | RTLD.GLOBAL);
    const g = linker.graph();
    const a = g.libraries.find((l) => l.name === 'libcycle_a.so')!;
    const b = g.libraries.find((l) => l.name === 'libcycle_b.so')!;
    expect(a.needed).toEqual([b.id]);
    expect(b.needed).toEqual([a.id]);
    // In the cycle, the library instantiated first calls the other through the PLT, bound at load.
    expect([...a.lazy, ...b.lazy].length).toBeGreaterThan(0);
    expect([...a.lazy, ...b.lazy].every((l) => l.bound)).toBe(true);
    expect(Object.values(b.bindings)).toContain('libcycle_a.so');
    expect(g.scopes).toEqual([{ id: 0, kind: 'global', members: ['host', 'libcycle_b.so', 'libcycle_a.so'] }]);
    expect(g.memory.reservations.map((r) => r.owner)).toEqual(
      expect.arrayContaining(['libcycle_a.so', 'libcycle_b.so']),
    );
    expect(call(linker, { id: a.id, name: a.name }, 'cycle_check')).toBe(0);
  });
});

describe('debug tracing', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it('writes what happened to a function given as the debug option', () => {
    const lines: string[] = [];
    const { linker } = hostLinkerSync('clang16', {
      debug: (line) => {
        lines.push(line);
      },
    });
    linker.dlopenSync('libneed_b.so');
    expect(lines.join('\n')).toMatch(/loaded libneed_b\.so: libneed_a\.so@\d+ libneed_b\.so@\d+/);
  });

  it('turns on with DL_DEBUG, to stderr', () => {
    vi.stubEnv('DL_DEBUG', '1');
    const spy = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const { linker } = hostLinkerSync('clang16');
    linker.dlopenSync('libneed_a.so');
    expect(spy.mock.calls.flat().join('\n')).toMatch(/\[dl\] loaded libneed_a\.so/);
  });
});

describe('serialised loads', () => {
  it('runs concurrent async dlopens one after the other and refuses a sync load during one', async () => {
    const files = memoryLoader(sideFiles('clang16'));
    let open = (): void => undefined;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    let started = (): void => undefined;
    const inside = new Promise<void>((resolve) => {
      started = resolve;
    });
    const loader: Loader = {
      load: async (request) => {
        if (request.name === 'libneed_c.so') {
          started();
          await gate;
        }
        return files.load(request);
      },
      loadSync: (request) => files.loadSync!(request),
    };
    const { linker } = await hostLinker('clang16', { loader });
    const first = linker.dlopen('libneed_c.so', RTLD.NOW);
    const second = linker.dlopen('libreloc.so', RTLD.NOW);
    await inside; // the first load is suspended inside its pipeline
    expect(() => linker.dlopenSync('libreloc.so')).toThrow(/another load is in progress/);
    open();
    const [c, r] = await Promise.all([first, second]);
    expect(call(linker, c, 'need_c_check')).toBe(0);
    expect(call(linker, r, 'reloc_check')).toBe(0);
  });
});
