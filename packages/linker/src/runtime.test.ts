// The runtime adapter's phases and conventions, and events that only observe, on real fixtures.
import { DlError } from '@dl/errors';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { LinkerEvent } from './events.js';
import type { LoadedLibrary, RuntimeAdapter } from './runtime.js';
import type { AdmittedLibrary, HostFunction } from './types.js';
import { call, hostLinkerSync } from './test-support.harness.js';

/** libctor.so's constructor calls host_note(300); this one throws for it while `fail()` says so. */
function noteFailingWhile(fail: () => boolean): { func: (code: number) => void; type: string } {
  return {
    func: (code) => {
      if (fail() && code === 300) throw new Error('boom');
    },
    type: '(i32) -> ()',
  };
}

describe("runtime adapter: every phase's undo runs on a failed load", () => {
  it('admit, resolveFallback, instantiated and beforeConstructors undone, newest first, when a constructor fails (libctor.so)', () => {
    const log: string[] = [];
    let fail = true;
    let asked = 0;
    const runtime: RuntimeAdapter = {
      admit: (lib, tx) => {
        log.push(`admit ${lib.name}`);
        tx.onRollback(() => {
          log.push(`undo admit ${lib.name}`);
        });
      },
      resolveFallback: (name, tx) => {
        if (name !== 'host_note') return undefined;
        asked++;
        log.push(`fallback ${name}`);
        tx?.onRollback(() => {
          log.push(`undo fallback ${name}`);
        });
        return noteFailingWhile(() => fail);
      },
      instantiated: (lib, tx) => {
        log.push(`instantiated ${lib.handle.name}`);
        tx.onRollback(() => {
          log.push(`undo instantiated ${lib.handle.name}`);
        });
      },
      beforeConstructors: (load, tx) => {
        log.push('beforeConstructors');
        tx.onRollback(() => {
          log.push(`undo beforeConstructors ${load.loaded.length}`);
        });
      },
      constructors: (run) => {
        log.push('constructors');
        run();
      },
    };
    // The host has no host_note: the runtime's fallback gives it.
    const { linker } = hostLinkerSync('clang16', { runtime, editHost: ({ host_note: _dropped, ...rest }) => rest });
    const before = linker.digest();
    expect(() => linker.dlopenSync('libctor.so', { binding: 'now' })).toThrow(
      expect.objectContaining({ code: 'DL_INIT_FAILED', library: 'libctor.so' }),
    );
    expect(log).toEqual([
      'admit libctor.so',
      'fallback host_note',
      'instantiated libctor.so',
      'beforeConstructors',
      'constructors',
      'undo beforeConstructors 1',
      'undo instantiated libctor.so',
      'undo fallback host_note',
      'undo admit libctor.so',
    ]);
    expect(linker.digest()).toBe(before);
    // The failed load's fallback answer was forgotten too: the next load asks again.
    fail = false;
    const h = linker.dlopenSync('libctor.so', { binding: 'now' });
    expect(call(linker, h, 'ctor_check')).toBe(0);
    expect(asked).toBe(2);
  });

  it('a refusing admit phase fails the load before anything is compiled; the undos of libraries admitted before it run', () => {
    const undone: string[] = [];
    const runtime: RuntimeAdapter = {
      admit: (lib, tx) => {
        tx.onRollback(() => {
          undone.push(lib.name);
        });
        if (lib.name === 'libneed_a.so') throw new DlError('DL_INCOMPATIBLE', 'not here', { library: lib.name });
      },
    };
    const { linker } = hostLinkerSync('clang16', { runtime });
    const before = linker.digest();
    expect(() => linker.dlopenSync('libneed_c.so')).toThrow('not here');
    expect(undone).toEqual(['libneed_a.so', 'libneed_b.so', 'libneed_c.so']);
    expect(linker.digest()).toBe(before);
  });
});

describe('runtime adapter: phases are called as its methods', () => {
  it('an adapter written as a class keeps its `this` in every phase', () => {
    class Recorder implements RuntimeAdapter {
      readonly seen: string[] = [];
      admit(lib: AdmittedLibrary): void {
        this.seen.push(`admit ${lib.name}`);
      }
      resolveFallback(name: string): HostFunction | undefined {
        return name === 'host_note' ? this.note() : undefined;
      }
      instantiated(lib: LoadedLibrary): void {
        this.seen.push(`instantiated ${lib.handle.name}`);
      }
      constructors(run: () => void): void {
        this.seen.push('constructors');
        run();
      }
      private note(): HostFunction {
        this.seen.push('fallback host_note');
        return noteFailingWhile(() => false);
      }
    }
    const runtime = new Recorder();
    const { linker } = hostLinkerSync('clang16', { runtime, editHost: ({ host_note: _dropped, ...rest }) => rest });
    expect(call(linker, linker.dlopenSync('libctor.so', { binding: 'now' }), 'ctor_check')).toBe(0);
    expect(runtime.seen).toEqual(['admit libctor.so', 'fallback host_note', 'instantiated libctor.so', 'constructors']);
  });
});

describe('runtime conventions: TLS set-up and the aligned allocator are named by the runtime', () => {
  it('emcc thread-locals load by default, and the blocks emscripten_tls_init allocates are released when the load fails', () => {
    let fail = true;
    const runtime: RuntimeAdapter = {
      beforeConstructors: () => {
        if (fail) throw new DlError('DL_INIT_FAILED', 'not yet');
      },
    };
    const { linker } = hostLinkerSync('emcc', { program: { shared: true }, runtime });
    const before = linker.digest();
    expect(() => linker.dlopenSync('libtls_mt.so', { binding: 'now' })).toThrow('not yet');
    expect(linker.digest()).toBe(before);
    fail = false;
    const tls = linker.dlopenSync('libtls_mt.so', { binding: 'now' });
    expect(call(linker, tls, 'tls_check')).toBe(0);
    expect(linker.graph().memory.reservations.map((r) => r.owner)).toContain('emscripten_builtin_memalign');
  });

  it("a runtime with other names: the linker offers its allocator under that name, not emcc's", () => {
    const { linker } = hostLinkerSync('emcc', { program: { shared: true }, runtime: { alignedAlloc: 'my_memalign' } });
    expect(() => linker.dlopenSync('libtls_mt.so', { binding: 'now' })).toThrow(/emscripten_builtin_memalign/);
    expect(linker.dlsym(null, 'my_memalign').kind).toBe('function');
  });
});

describe('events only observe', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('a listener that throws on every event breaks no load: it is reported, and the load completes', () => {
    const reported: string[] = [];
    const { linker } = hostLinkerSync('clang16', {
      onEvent: () => {
        throw new Error('listener bug');
      },
      onListenerError: (error, event) => {
        reported.push(`${event.type}: ${(error as Error).message}`);
      },
    });
    linker.on((e) => {
      if (e.type === 'instantiate') throw new TypeError('subscriber bug');
    });
    const h = linker.dlopenSync('libneed_c.so', { binding: 'now' });
    expect(call(linker, h, 'need_c_check')).toBe(0);
    expect(reported).toContain('done: listener bug');
    expect(reported.filter((r) => r === 'instantiate: subscriber bug')).toHaveLength(3);
  });

  it('a failed load with a throwing listener still fails with its own error and leaves no trace', () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const { linker } = hostLinkerSync('clang16');
    const seen: LinkerEvent['type'][] = [];
    linker.on((e) => {
      seen.push(e.type);
      throw new Error('listener bug');
    });
    const before = linker.digest();
    expect(() => linker.dlopenSync('libnope.so')).toThrow(expect.objectContaining({ code: 'DL_NOT_FOUND' }));
    expect(seen).toEqual(['failed']);
    expect(linker.digest()).toBe(before);
    expect(error).toHaveBeenCalledWith(expect.stringContaining("threw on 'failed'"), expect.any(Error));
    expect(call(linker, linker.dlopenSync('libneed_a.so'), 'need_a_check')).toBe(0);
  });
});
