// Type-level tests of the public API (vitest typecheck): sync/async pairs, the SymbolValue union,
// dlsym vs findSymbol, flags and library sources. `@ts-expect-error` lines must stay errors.
import { describe, expectTypeOf, it } from 'vitest';
import { createLinker, createLinkerSync, Linker as LinkerClass, memoryLoader, RTLD, RTLD_DEFAULT } from './index.js';
import type { DlopenFlags, Linker, Handle, LibrarySource, LinkerEvent, Loader, Program, SymbolValue } from './index.js';
import { decodePlan, linkWithPlan, restoreSnapshot, restoreSnapshotSync, takeSnapshot } from './plans.js';
import type { LinkPlan } from './plans.js';

declare const linker: Linker;
declare const handle: Handle;

describe('creating a linker and loading', () => {
  it('a linker comes from createLinker/createLinkerSync: its constructor is private (also in the published .d.ts)', () => {
    const make = (): unknown => {
      // @ts-expect-error the constructor is private
      return new LinkerClass();
    };
    expectTypeOf(make).toBeFunction();
  });

  it('createLinker is async, createLinkerSync is not', () => {
    expectTypeOf(createLinker).returns.toEqualTypeOf<Promise<Linker>>();
    expectTypeOf(createLinkerSync).returns.toEqualTypeOf<Linker>();
    expectTypeOf(createLinkerSync).parameter(0).toEqualTypeOf<Parameters<typeof createLinker>[0]>();
  });

  it('dlopen/load return promises of what dlopenSync/loadSync return', () => {
    expectTypeOf(linker.dlopen('libz.so')).toEqualTypeOf<Promise<Handle>>();
    expectTypeOf(linker.dlopenSync('libz.so')).toEqualTypeOf<Handle>();
    expectTypeOf(linker.dlopenSync(null)).toEqualTypeOf<Handle>();
    expectTypeOf(linker.load(['a.so', 'b.so'])).toEqualTypeOf<Promise<Handle[]>>();
    expectTypeOf(linker.loadSync(['a.so'])).toEqualTypeOf<Handle[]>();
  });

  it('a library is a name, bytes or a compiled module, always named', () => {
    expectTypeOf<string>().toExtend<LibrarySource>();
    expectTypeOf<{ name: string; bytes: Uint8Array }>().toExtend<LibrarySource>();
    expectTypeOf<{ name: string; module: WebAssembly.Module }>().toExtend<LibrarySource>();
    expectTypeOf<{ bytes: Uint8Array }>().not.toExtend<LibrarySource>();
    // @ts-expect-error a source without a name
    linker.dlopenSync({ bytes: new Uint8Array() });
  });

  it('flags: RTLD numbers (literal types) or the object form with its literal unions', () => {
    expectTypeOf(RTLD.NOW).toEqualTypeOf<2>();
    expectTypeOf(RTLD.NOW | RTLD.GLOBAL).toExtend<DlopenFlags>();
    expectTypeOf({ binding: 'now', scope: 'global', nodelete: true } as const).toExtend<DlopenFlags>();
    // @ts-expect-error no such binding
    linker.dlopenSync('libz.so', { binding: 'eager' });
    // @ts-expect-error flags are not strings
    linker.dlopenSync('libz.so', 'RTLD_NOW');
  });

  it('programs are a union discriminated by kind', () => {
    expectTypeOf<Program['kind']>().toEqualTypeOf<'host' | 'relocatable' | 'attached'>();
  });
});

describe('symbols', () => {
  it('dlsym always gives a SymbolValue (it throws when missing); findSymbol may give undefined', () => {
    expectTypeOf(linker.dlsym(handle, 'f')).toEqualTypeOf<SymbolValue>();
    expectTypeOf(linker.findSymbol(RTLD_DEFAULT, 'f')).toEqualTypeOf<SymbolValue | undefined>();
  });

  it('SymbolValue narrows by kind: functions are callable, data has an address, globals a Global', () => {
    const s = linker.dlsym(handle, 'f');
    expectTypeOf(s.kind).toEqualTypeOf<'function' | 'data' | 'tls' | 'global'>();
    if (s.kind === 'function') {
      expectTypeOf(s.func).toBeFunction();
      expectTypeOf(s.address).toBeNumber();
    } else if (s.kind === 'global') {
      expectTypeOf(s.global).toEqualTypeOf<WebAssembly.Global>();
      expectTypeOf(s).not.toHaveProperty('address'); // a wasm global export has no address
    } else {
      expectTypeOf(s.kind).toEqualTypeOf<'data' | 'tls'>();
      expectTypeOf(s.address).toBeNumber();
      expectTypeOf(s).not.toHaveProperty('func'); // data is not callable
    }
  });

  it('events are a union discriminated by type', () => {
    expectTypeOf<Extract<LinkerEvent, { type: 'compile' }>>().toHaveProperty('ms').toBeNumber();
  });
});

describe('loaders', () => {
  it("memoryLoader is a Loader; a Loader's synchronous form is optional", () => {
    expectTypeOf(memoryLoader({})).toExtend<Loader>();
    expectTypeOf<Loader['loadSync']>().toEqualTypeOf<Required<Loader>['loadSync'] | undefined>();
    expectTypeOf<{ load: Loader['load'] }>().toExtend<Loader>();
  });
});

describe('link plans and snapshots', () => {
  it('linkWithPlan resolves to handles and a plan (null when the load cannot have one); snapshots need that plan', async () => {
    const out = await linkWithPlan(linker, ['a.so'], RTLD.NOW, { store: undefined, key: 'k' });
    expectTypeOf(out.handles).toEqualTypeOf<Handle[]>();
    expectTypeOf(out.plan).toEqualTypeOf<LinkPlan | null>();
    expectTypeOf(decodePlan).returns.toEqualTypeOf<LinkPlan>();
    // @ts-expect-error a snapshot needs a plan, not null
    takeSnapshot(linker, out.plan);
    expectTypeOf(restoreSnapshot).returns.toEqualTypeOf<Promise<Handle[]>>();
    expectTypeOf(restoreSnapshotSync).returns.toEqualTypeOf<Handle[]>();
  });
});
