import { fixture, fixtureBytes } from '@dl/fixtures';
import { readModule } from '@dl/reader';
import type { Import } from '@dl/reader';
import { describe, expect, it } from 'vitest';
import type { Definition, Provider } from './definitions.js';
import { FunctionSlots } from './function-slots.js';
import { GotTable } from './got.js';
import { isInternalName } from './internal-names.js';
import { addressTarget, definitionsOf, pickFunction } from './relocate.js';
import type { ExportLike } from './relocate.js';
import { Scope } from './scope.js';
import { eagerSource, InstanceSource } from './source.js';

/** Instantiates a real side module on its own, with placeholder imports of the right types. */
function standalone(
  bytes: Uint8Array<ArrayBuffer>,
  memoryBase: number,
  shared = false,
): { exports: WebAssembly.Exports; info: ReturnType<typeof readModule> } {
  const info = readModule(bytes);
  const memory = new WebAssembly.Memory(shared ? { initial: 2, maximum: 65536, shared: true } : { initial: 2 });
  const value = (i: Import): WebAssembly.ImportValue => {
    switch (i.kind) {
      case 'memory':
        return memory;
      case 'table':
        return new WebAssembly.Table({ element: 'anyfunc', initial: 8 });
      case 'global':
        return new WebAssembly.Global(
          { value: 'i32', mutable: i.type.mutable },
          i.name === '__memory_base' ? memoryBase : 0,
        );
      case 'function':
        return () => 0;
      case 'tag': {
        const { Tag } = WebAssembly as unknown as { Tag: new (t: { parameters: string[] }) => object };
        return new Tag({ parameters: [...i.type.params] }) as WebAssembly.ImportValue;
      }
      default:
        throw new Error(`unexpected import ${JSON.stringify(i)}`);
    }
  };
  const imports: WebAssembly.Imports = {};
  for (const i of info.imports) (imports[i.module] ??= {})[i.name] = value(i);
  return { exports: new WebAssembly.Instance(new WebAssembly.Module(bytes), imports).exports, info };
}

const lib: Provider = { id: 1, name: 'libx.so' };

describe('definitionsOf (on real instances)', () => {
  it('relocates data by __memory_base, keeps functions with their types, leaves internal names out', () => {
    const { exports, info } = standalone(fixtureBytes(fixture('need_b', 'clang16')), 4096);
    const defs = definitionsOf(lib, info.exports, exports, { memoryBase: 4096, tlsBase: null, tlsExports: new Set() });
    const byName = new Map(defs.map((d) => [d.name, d]));
    expect(byName.get('need_b')).toMatchObject({
      kind: 'function',
      wasm: true,
      type: { params: ['i32'], results: ['i32'] },
    });
    expect(byName.get('need_b_ptr')).toMatchObject({ kind: 'data', address: 4096 });
    expect(byName.get('need_b_tag')).toMatchObject({ kind: 'data', address: 4100 });
    expect([...byName.keys()].some(isInternalName)).toBe(false);
  });

  it('pairs an Emscripten-legalised function with its orig$ twin', () => {
    const { exports, info } = standalone(fixtureBytes(fixture('i64', 'emcc')), 1024);
    const defs = definitionsOf(lib, info.exports, exports, { memoryBase: 1024, tlsBase: null, tlsExports: new Set() });
    const mul = defs.find((d) => d.name === 'i64_mul');
    if (mul?.kind !== 'function') throw new Error('i64_mul');
    expect(mul.type).toEqual({ kind: 'func', params: ['i32', 'i32', 'i32', 'i32'], results: ['i32'] });
    expect(mul.original?.type).toEqual({ kind: 'func', params: ['i64', 'i64'], results: ['i64'] });
    expect(defs.some((d) => d.name.startsWith('orig$'))).toBe(false);
    // An i64 importer gets the original; a legalised importer the legalised one; others nothing.
    expect(pickFunction(mul, { kind: 'func', params: ['i64', 'i64'], results: ['i64'] })?.func).toBe(
      exports.orig$i64_mul,
    );
    expect(pickFunction(mul, mul.type)?.func).toBe(exports.i64_mul);
    expect(pickFunction(mul, { kind: 'func', params: [], results: [] })).toBeNull();
    expect(addressTarget(mul).func).toBe(exports.orig$i64_mul);
  });

  it('makes TLS exports offsets from the TLS block', () => {
    const bytes = fixtureBytes(fixture('tls_mt', 'clang16'));
    const { exports, info } = standalone(bytes, 2048, true);
    const defs = definitionsOf(lib, info.exports, exports, {
      memoryBase: 2048,
      tlsBase: 8192,
      tlsExports: info.dylink!.tlsExports,
    });
    expect(defs.find((d) => d.name === 'tls_zero')).toMatchObject({ kind: 'tls', offset: 4, address: 8196 });
  });

  it.each([
    ['need_b', false],
    ['tls_mt', true],
    ['thr_eh', true],
  ] as const)('types the global exports of %s known only by reflection as its bytes would', (name, shared) => {
    // need_b exports data addresses, tls_mt thread-locals, thr_eh a mutable i32 global.
    const bytes = fixtureBytes(fixture(name, 'clang16'));
    const { exports, info } = standalone(bytes, 2048, shared);
    const untyped = WebAssembly.Module.exports(new WebAssembly.Module(bytes)).map((e): ExportLike =>
      e.kind === 'function' || e.kind === 'global'
        ? { kind: e.kind, name: e.name, type: null }
        : { kind: e.kind, name: e.name },
    );
    const relocation = { memoryBase: 2048, tlsBase: 8192, tlsExports: info.dylink!.tlsExports };
    const shape = (defs: readonly Definition[]): unknown[] =>
      defs.map((d) => [d.name, d.kind, d.kind === 'data' || d.kind === 'tls' ? d.address : null]);
    const limit = Error.stackTraceLimit;
    const probed = definitionsOf(lib, untyped, exports, relocation);
    expect(Error.stackTraceLimit).toBe(limit);
    expect(probed.some((d) => d.kind !== 'function')).toBe(true);
    expect(shape(probed)).toEqual(shape(definitionsOf(lib, info.exports, exports, relocation)));
    if (name === 'thr_eh') expect(probed.find((d) => d.name === 'thr_level_g')).toMatchObject({ kind: 'global' });
    // Another instance, the same export descriptions: the answers are remembered, and still right.
    const again = standalone(bytes, 4096, shared).exports;
    const moved = { ...relocation, memoryBase: 4096 };
    expect(shape(definitionsOf(lib, untyped, again, moved))).toEqual(
      shape(definitionsOf(lib, info.exports, again, moved)),
    );
  });
});

const fn = (name: string, provider: Provider): Definition => ({
  kind: 'function',
  name,
  provider,
  func: () => 0,
  type: null,
  wasm: false,
});

describe('InstanceSource', () => {
  // Sources up to 256 names are scanned, bigger ones indexed by a map: both sides must agree.
  it.each([3, 200, 256, 257, 600])('finds every one of %i names, the first of two equal ones, nothing else', (n) => {
    const provider: Provider = { id: 7, name: 'big' };
    const names = Array.from({ length: n }, (_, i) => `sym_${i}`);
    const values: Record<string, () => number> = {};
    names.forEach((name, i) => (values[name] = () => i));
    const all: ExportLike[] = names.map((name) => ({ kind: 'function', name, type: null }));
    // A repeated name (a second export of it, told apart by its type): the first keeps it.
    all.push({ kind: 'function', name: names[0]!, type: { kind: 'func', params: ['i32'], results: [] } });
    const relocation = { memoryBase: 0, tlsBase: null, tlsExports: new Set<string>() };
    const source = new InstanceSource(provider, all, values, relocation);
    for (const [i, name] of names.entries()) {
      const d = source.definition(name);
      expect(d?.kind === 'function' && d.func === values[name] && (d.func as () => number)()).toBe(i);
      expect(d?.kind === 'function' && d.type).toBeNull();
      expect(source.definition(name)).toBe(d); // built once
    }
    expect(source.definition(`sym_${n}`)).toBeUndefined();
    expect(source.definition('')).toBeUndefined();
    expect(source.definitions()).toHaveLength(n + 1);
  });
});

describe('Scope', () => {
  it('first definition in member order wins; removing a member brings back the next one', () => {
    const s = new Scope(0, 'global');
    const a: Provider = { id: 1, name: 'a' };
    const b: Provider = { id: 2, name: 'b' };
    s.add(a, [fn('f', a), fn('g', a)]);
    s.add(b, [fn('f', b)]);
    s.add(a, [fn('h', a)]); // already a member: ignored
    expect(s.lookup('f')?.provider).toBe(a);
    expect(s.lookup('h')).toBeUndefined();
    expect(s.interpositions()).toEqual([{ name: 'f', winner: s.all('f')[0], losers: [s.all('f')[1]] }]);
    s.remove(a);
    expect(s.lookup('f')?.provider).toBe(b);
    expect(s.lookup('g')).toBeUndefined();
    expect(s.providers()).toEqual([b]);
    expect(s.definitionsOf(b).map((d) => d.name)).toEqual(['f']);
  });

  it('replace keeps the member place for every name, whatever the new source defines', () => {
    const s = new Scope(0, 'global');
    const [a, b, c] = [1, 2, 3].map((id): Provider => ({ id, name: `p${id}` })) as [Provider, Provider, Provider];
    s.add(a, [fn('f', a)]);
    s.add(b, [fn('f', b), fn('g', b)]);
    s.add(c, [fn('f', c), fn('h', c)]);
    // b hidden (an empty source in its place), then shown with other names: f after a, before c.
    s.replace(b, eagerSource(b, []));
    expect(s.all('f').map((d) => d.provider)).toEqual([a, c]);
    expect(s.lookup('g')).toBeUndefined();
    s.replace(b, eagerSource(b, [fn('f', b), fn('h', b), fn('k', b)]));
    expect(s.all('f').map((d) => d.provider)).toEqual([a, b, c]);
    expect(s.all('h').map((d) => d.provider)).toEqual([b, c]);
    expect(s.lookup('k')?.provider).toBe(b);
    expect(s.providers()).toEqual([a, b, c]);
    s.remove(a);
    expect(s.lookup('f')?.provider).toBe(b);
    s.add(a, [fn('f', a), fn('h', a)]);
    expect(s.all('h').map((d) => d.provider)).toEqual([b, c, a]);
  });
});

describe('GotTable and FunctionSlots', () => {
  it('has one mutable global per (scope, space, name)', () => {
    const got = new GotTable();
    const g = new Scope(0, 'global');
    const local = new Scope(1, 'local');
    const first = got.obtain(g, 'mem', 'x');
    expect(first.created).toBe(true);
    expect(got.obtain(g, 'mem', 'x')).toEqual({ entry: first.entry, created: false });
    expect(got.obtain(local, 'mem', 'x').entry).not.toBe(first.entry);
    expect(got.obtain(g, 'func', 'x').entry).not.toBe(first.entry);
    got.resolve(first.entry, 1234, null);
    expect(first.entry.global.value).toBe(1234);
    got.delete(first.entry);
    expect(got.get(g, 'mem', 'x')).toBeUndefined();
  });

  it('creates a missing entry without a lookup: resolved with a known value, listed, found by get and obtain', () => {
    const got = new GotTable();
    const g = new Scope(0, 'global');
    const pending = got.create(g, 'func', 'f');
    expect([pending.resolved, pending.global.value, pending.definition]).toEqual([false, 0, null]);
    const d: Definition = { kind: 'data', name: 'v', provider: { id: 7, name: 'libv.so' }, address: 96 };
    const known = got.create(g, 'mem', 'v', { value: 96, definition: d });
    expect([known.resolved, known.global.value, known.definition]).toEqual([true, 96, d]);
    expect(got.get(g, 'mem', 'v')).toBe(known);
    expect(got.obtain(g, 'func', 'f')).toEqual({ entry: pending, created: false });
    expect(got.all()).toEqual([pending, known]);
    expect(got.definedBy(7)).toEqual([known]);
  });

  it('gives a wasm function one slot, reuses slots a library already holds, releases only its own', () => {
    const { exports } = standalone(fixtureBytes(fixture('need_a', 'clang16')), 0);
    const table = new WebAssembly.Table({ element: 'anyfunc', initial: 4 });
    const released: number[] = [];
    let next = 2;
    const slots = new FunctionSlots(table, {
      reserve: () => next++,
      release: (s) => {
        released.push(s);
      },
    });
    const f = exports.need_a as () => number;
    const check = exports.need_a_check as () => number;
    expect(slots.ensure(f, 'a')).toEqual({ slot: 2, created: true });
    expect(slots.ensure(f, 'a')).toEqual({ slot: 2, created: false });
    expect(table.get(2)).toBe(f);
    table.set(1, check);
    slots.registerRange(1, 1);
    expect(slots.ensure(check, 'a')).toEqual({ slot: 1, created: false });
    slots.forget(check);
    slots.forget(f);
    expect(released).toEqual([2]);
    expect(slots.size).toBe(0);
  });

  it('knows which library defines a function it gave a slot (as ensure and redirect were told), not one it only registered', () => {
    const a = standalone(fixtureBytes(fixture('need_a', 'clang16')), 0).exports;
    const b = standalone(fixtureBytes(fixture('need_a', 'clang16')), 0).exports;
    const table = new WebAssembly.Table({ element: 'anyfunc', initial: 4 });
    let next = 2;
    const slots = new FunctionSlots(table, { reserve: () => next++, release: () => undefined });
    const [f, g] = [a.need_a as () => number, b.need_a as () => number];
    slots.ensure(f, 'liba.so', 7);
    expect(slots.ownerOf(f)).toBe(7);
    // A reload: the slot now holds the new build's function, defined by the new library.
    expect(slots.redirect(f, g, 9)).toBe(2);
    expect([slots.ownerOf(f), slots.ownerOf(g)]).toEqual([undefined, 9]);
    table.set(1, a.need_a_check);
    slots.registerRange(1, 1);
    expect(slots.ownerOf(a.need_a_check as () => number)).toBeUndefined();
    slots.forget(g);
    expect(slots.ownerOf(g)).toBeUndefined();
  });
});
