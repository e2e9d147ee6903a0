import { fixture, fixtureBytes } from '@dl/fixtures';
import { readModule } from '@dl/reader';
import { describe, expect, it } from 'vitest';
import type { Definition, Provider } from './definitions.js';
import { GotTable } from './got.js';
import {
  FallbackMemo,
  findBreadthFirst,
  findInScopes,
  findNext,
  lookupPath,
  originalOf,
  originalsOf,
  resolveSymbol,
} from './resolver.js';
import type { SymbolTree } from './resolver.js';
import { Scope } from './scope.js';
import { eagerSource } from './source.js';

const provider = (id: number, name: string): Provider => ({ id, name });
const data = (name: string, p: Provider, address: number): Definition => ({ kind: 'data', name, provider: p, address });
const main = provider(0, 'main');
const a = provider(1, 'liba.so');
const b = provider(2, 'libb.so');
const c = provider(3, 'libc.so');

describe('lookup path and fallback', () => {
  it("looks in the global scope, then the library's group, then asks the global scope's fallback", () => {
    const global = new Scope(0, 'global');
    const group = new Scope(1, 'local');
    global.add(main, [data('x', main, 100)]);
    group.add(a, [data('x', a, 200), data('y', a, 300)]);
    const asked: string[] = [];
    global.fallback = (name) => {
      asked.push(name);
      return name === 'made' ? data('made', main, 400) : undefined;
    };
    expect(lookupPath(global, null)).toEqual([global]);
    const path = lookupPath(global, group);
    expect(path).toEqual([global, group]);
    expect(resolveSymbol(path, 'x')?.provider).toBe(main);
    expect(resolveSymbol(path, 'y')?.provider).toBe(a);
    expect(findInScopes(path, 'made')).toBeUndefined();
    expect(resolveSymbol(path, 'made')).toMatchObject({ address: 400 });
    expect(resolveSymbol(path, 'nothing')).toBeUndefined();
    // The fallback is asked only for names no scope defines.
    expect(asked).toEqual(['made', 'nothing']);
  });

  it('FallbackMemo asks the fallback once per name, remembering undefined answers too', () => {
    const asked: string[] = [];
    const memo = new FallbackMemo((name) => {
      asked.push(name);
      return name === 'f' ? data('f', main, 8) : undefined;
    });
    const first = memo.get('f');
    expect(memo.get('f')).toBe(first);
    expect(memo.get('g')).toBeUndefined();
    expect(memo.get('g')).toBeUndefined();
    expect(asked).toEqual(['f', 'g']);
  });
});

describe('dlsym lookups', () => {
  it('a handle: the library, then its dependencies breadth-first, each once', () => {
    // root needs [b, c]; b needs [d]; c and d both define x: breadth-first finds c's.
    const d = provider(4, 'libd.so');
    const leaf: SymbolTree = { symbols: eagerSource(d, [data('x', d, 4), data('deep', d, 5)]), needed: [] };
    const tb: SymbolTree = { symbols: eagerSource(b, []), needed: [leaf] };
    const tc: SymbolTree = { symbols: eagerSource(c, [data('x', c, 3)]), needed: [leaf] };
    const root: SymbolTree = { symbols: eagerSource(a, [data('own', a, 1)]), needed: [tb, tc, tb] };
    expect(findBreadthFirst(root, 'own')?.provider).toBe(a);
    expect(findBreadthFirst(root, 'x')?.provider).toBe(c);
    expect(findBreadthFirst(root, 'deep')?.provider).toBe(d);
    expect(findBreadthFirst(tb, 'x')?.provider).toBe(d);
    expect(findBreadthFirst(root, 'none')).toBeUndefined();
  });

  it('a dependency cycle ends (each library visited once)', () => {
    const ta = { symbols: eagerSource(a, []), needed: [] as SymbolTree[] };
    const tb: SymbolTree = { symbols: eagerSource(b, []), needed: [ta] };
    ta.needed.push(tb);
    expect(findBreadthFirst(ta, 'x')).toBeUndefined();
  });

  it('RTLD_NEXT: the next definition after the caller along its path (global scope, then its group)', () => {
    const global = new Scope(0, 'global');
    global.add(main, [data('f', main, 10)]);
    global.add(a, [data('f', a, 11)]);
    global.add(b, [data('g', b, 12)]);
    const group = new Scope(1, 'local');
    group.add(c, [data('f', c, 13), data('g', c, 14)]);
    const path = [global, group];
    expect(findNext(path, main, 'f')?.provider).toBe(a);
    expect(findNext(path, a, 'f')?.provider).toBe(c);
    expect(findNext(path, c, 'f')).toBeUndefined();
    expect(findNext(path, a, 'g')?.provider).toBe(b);
    expect(findNext(path, b, 'g')?.provider).toBe(c);
    expect(findNext([global], b, 'f')).toBeUndefined();
  });
});

describe('orig$ pairing (Emscripten i64 legalisation, on a real emcc build)', () => {
  it('pairs each legalised function with its orig$ twin; a clang build has none', () => {
    const emcc = readModule(fixtureBytes(fixture('i64', 'emcc'))).exports;
    const originals = originalsOf(emcc);
    expect(originals?.get('i64_mul')?.name).toBe('orig$i64_mul');
    expect(
      [...(originals?.keys() ?? [])].every((name) => emcc.some((e) => e.name === name && e.kind === 'function')),
    ).toBe(true);
    expect(originalOf(emcc, 'i64_mul')).toBe(originals?.get('i64_mul'));
    expect(originalOf(emcc, 'no_such')).toBeUndefined();
    expect(originalsOf(readModule(fixtureBytes(fixture('i64', 'clang16'))).exports)).toBeNull();
  });
});

describe('GotUndo', () => {
  it('deletes the entries a transaction created and makes those it resolved pending again; commit keeps them', () => {
    const got = new GotTable();
    const global = new Scope(0, 'global');
    const kept = got.obtain(global, 'mem', 'kept').entry;
    const undo = got.undoLog();
    got.resolve(kept, 64, null);
    undo.resolvedEntry(kept);
    const made = got.obtain(global, 'func', 'made').entry;
    undo.createdEntry(made);
    undo.rollback();
    expect(got.get(global, 'func', 'made')).toBeUndefined();
    expect(kept).toMatchObject({ resolved: false, definition: null });
    expect(kept.global.value).toBe(0);
    expect(got.all()).toEqual([kept]);
    // Committed changes stay, and a later rollback of the same log undoes nothing more.
    got.resolve(kept, 32, null);
    undo.resolvedEntry(kept);
    undo.commit();
    undo.rollback();
    expect(kept.global.value).toBe(32);
  });
});
