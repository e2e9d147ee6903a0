// The public API's contracts as a user meets them (issue 10's traps): handles, dlsym's missing
// symbols, &f on demand, the legacy i64 helpers, host function types, DlError from the package.
import { inspect } from 'node:util';
import { DlError as ErrorsDlError } from '@dl/errors';
import { describe, expect, it } from 'vitest';
import { DlError, isDlError } from './index.js';
import type { Loader, RuntimeAdapter } from './index.js';
import { createLinkerSync } from './create.js';
import { RTLD_DEFAULT } from './symbol-lookup.js';
import { memoryLoader } from './loader.js';
import { call, hostLinkerSync, sideFiles } from './test-support.harness.js';

describe('handles', () => {
  it('reopening returns the same handle object', () => {
    const { linker } = hostLinkerSync('clang16');
    const a = linker.dlopenSync('libneed_b.so');
    const b = linker.dlopenSync('libneed_b.so', { scope: 'global' });
    expect(b).toBe(a);
    expect(linker.dlopenSync('./libneed_b.so')).toBe(a);
  });

  it('a library loaded only as NEEDED has a handle usable with dlsym, exportsOf, describe and placement, without a reference', () => {
    const { linker } = hostLinkerSync('clang16');
    const seen: { id: number; name: string }[] = [];
    linker.on((e) => {
      if (e.type === 'done') seen.push(...e.loaded.map((l) => l.handle));
    });
    const b = linker.dlopenSync('libneed_b.so', { scope: 'global' });
    const a = linker.handleOf('libneed_a.so');
    expect(a).toBeDefined();
    expect(seen).toContain(a);
    expect(seen).toContain(b);
    expect(linker.exportsOf(a!).published).toContain('need_a_value');
    expect(linker.placement(a!).memory.size).toBeGreaterThan(0);
    expect(linker.describe(a!).refcount).toBe(0);
    expect(linker.dlsym(a!, 'need_a_value').kind).toBe('data');
    expect(linker.describe(a!).refcount).toBe(0);
    expect(linker.handleOf('libnowhere.so')).toBeUndefined();
    // dlclose needs a reference of its own: the NEEDED-only library has none.
    linker.dlclose(b);
    expect(() => {
      linker.dlclose(b);
    }).toThrow(expect.objectContaining({ code: 'DL_BAD_HANDLE' }) as Error);
  });

  it('instantiate events carry the same handle as dlopen', () => {
    const { linker } = hostLinkerSync('clang16');
    const handles: unknown[] = [];
    linker.on((e) => {
      if (e.type === 'instantiate') handles.push(e.handle);
    });
    const h = linker.dlopenSync('libneed_b.so');
    expect(handles).toContain(h);
  });
});

describe('dlsym and missing symbols', () => {
  it('dlsym throws DL_UNDEFINED_SYMBOL with dlerror-like text; findSymbol returns undefined, as C returns NULL', () => {
    const { linker } = hostLinkerSync('clang16');
    const h = linker.dlopenSync('libneed_b.so');
    expect(() => linker.dlsym(h, 'no_such_symbol')).toThrow(
      expect.objectContaining({ code: 'DL_UNDEFINED_SYMBOL', symbol: 'no_such_symbol' }) as Error,
    );
    expect(linker.findSymbol(h, 'no_such_symbol')).toBeUndefined();
    expect(linker.findSymbol(RTLD_DEFAULT, 'no_such_symbol')).toBeUndefined();
    expect(linker.findSymbol(h, 'need_b_check')?.kind).toBe('function');
    expect(() => linker.findSymbol({ id: 999, name: 'x' }, 'f')).toThrow(
      expect.objectContaining({ code: 'DL_BAD_HANDLE' }) as Error,
    );
  });

  it("a function's address is taken only when read: spreading, JSON and logging the result leave the table alone", () => {
    const { linker } = hostLinkerSync('clang16');
    const h = linker.dlopenSync('libneed_b.so');
    const s = linker.dlsym(h, 'need_b_check');
    const before = linker.digest();
    const copy = { ...s };
    JSON.stringify(s);
    inspect(s);
    expect(Object.keys(copy)).not.toContain('address');
    expect(linker.digest()).toBe(before);
    if (s.kind !== 'function') throw new Error('not a function');
    const address = s.address;
    expect(linker.digest()).not.toBe(before);
    expect(linker.table.get(address)).toBeTypeOf('function');
    const again = linker.dlsym(h, 'need_b_check');
    expect(again.kind === 'function' ? again.address : -1).toBe(address);
  });
});

describe('host programs', () => {
  it('emcc 3.1.6 side modules get setTempRet0/getTempRet0 from the linker (the legacy i64 ABI)', () => {
    const { linker } = hostLinkerSync('emcc', {
      editHost: (functions) =>
        Object.fromEntries(Object.entries(functions).filter(([name]) => !name.endsWith('TempRet0'))),
    });
    const h = linker.dlopenSync('libi64.so', { binding: 'now' });
    expect(call(linker, h, 'i64_check')).toBe(0);
    expect(linker.dlsym(RTLD_DEFAULT, 'setTempRet0').library).toBe('host');
  });

  it('host function types: signature strings, FuncType, { params, results } and { parameters, results }', () => {
    const add = (a: number, b: number): number => a + b;
    const shapes = {
      text: { func: add, type: '(i32, i32) -> i32' },
      letters: { func: add, type: 'iii' },
      plain: { func: add, type: { params: ['i32', 'i32'], results: ['i32'] } },
      reflection: { func: add, type: { parameters: ['i32', 'i32'], results: ['i32'] } },
    };
    const linker = createLinkerSync({ program: { kind: 'host', functions: shapes } });
    for (const name of Object.keys(shapes)) {
      const s = linker.dlsym(RTLD_DEFAULT, name);
      if (s.kind !== 'function') throw new Error(name);
      expect(s.type, name).toEqual({ kind: 'func', params: ['i32', 'i32'], results: ['i32'] });
      expect((linker.table.get(s.address) as (a: number, b: number) => number)(2, 3), name).toBe(5);
    }
    expect(() =>
      createLinkerSync({
        program: { kind: 'host', functions: { bad: { func: add, type: { params: ['int'], results: [] } } } },
      }),
    ).toThrow(expect.objectContaining({ code: 'DL_BAD_VALUE', symbol: 'bad' }) as Error);
  });

  it('a custom Loader can throw DL_NOT_FOUND with the DlError @dl/linker exports', () => {
    expect(DlError).toBe(ErrorsDlError);
    const files = sideFiles('clang16');
    const find: Loader['load'] = (request) => {
      const bytes = files[request.name];
      if (bytes === undefined)
        return Promise.reject(new DlError('DL_NOT_FOUND', 'not in my archive', { library: request.name }));
      return Promise.resolve({ key: request.name, name: request.name, bytes });
    };
    const loader: Loader = {
      load: find,
      loadSync: (request) => {
        const bytes = files[request.name];
        if (bytes === undefined) throw new DlError('DL_NOT_FOUND', 'not in my archive', { library: request.name });
        return { key: request.name, name: request.name, bytes };
      },
    };
    const linker = createLinkerSync({ loader, program: { kind: 'host' } });
    expect(() => linker.dlopenSync('libnowhere.so')).toThrow(
      expect.objectContaining({ code: 'DL_NOT_FOUND', library: 'libnowhere.so' }) as Error,
    );
    try {
      linker.dlopenSync('libnowhere.so');
    } catch (e) {
      expect(isDlError(e)).toBe(true);
    }
  });
});

describe('runtime adapter', () => {
  it('a phase that fails rolls the load back with everything the phases did; constructors never ran', () => {
    const undone: string[] = [];
    let fail = true;
    const runtime: RuntimeAdapter = {
      instantiated: (lib, tx) => {
        tx.onRollback(() => {
          undone.push(`instantiated ${lib.handle.name}`);
        });
      },
      beforeConstructors: (load, tx) => {
        tx.onRollback(() => {
          undone.push(`before ${load.loaded.map((l) => l.handle.name).join(',')}`);
        });
        if (fail) throw new DlError('DL_INIT_FAILED', 'the runtime refused');
      },
    };
    const { linker } = hostLinkerSync('clang16', { runtime, loader: memoryLoader(sideFiles('clang16')) });
    const before = linker.digest();
    expect(() => linker.dlopenSync('libneed_b.so', { scope: 'global' })).toThrow('the runtime refused');
    expect(undone).toEqual([
      'before libneed_a.so,libneed_b.so',
      'instantiated libneed_b.so',
      'instantiated libneed_a.so',
    ]);
    expect(linker.digest()).toBe(before);
    fail = false;
    const h = linker.dlopenSync('libneed_b.so', { scope: 'global' });
    expect(call(linker, h, 'need_b_check')).toBe(0);
  });

  it('beforeConstructors sees promoted libraries and the global flag of each', () => {
    const seen: string[] = [];
    const runtime: RuntimeAdapter = {
      beforeConstructors: (load) => {
        seen.push(
          `loaded ${load.loaded.map((l) => `${l.handle.name}:${l.global}`).join(',')} promoted ${load.promoted.map((l) => l.handle.name).join(',')}`,
        );
      },
    };
    const { linker } = hostLinkerSync('clang16', { runtime });
    linker.dlopenSync('libneed_a.so');
    linker.dlopenSync('libneed_b.so', { scope: 'global' });
    expect(seen).toEqual(['loaded libneed_a.so:false promoted ', 'loaded libneed_b.so:true promoted libneed_a.so']);
  });
});
