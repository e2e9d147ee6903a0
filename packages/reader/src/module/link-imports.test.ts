import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture, fixtureBytes, fixtures, fixturesDir } from '@dl/fixtures';
import { describe, expect, it } from 'vitest';
import { classifyImport } from './classify.js';
import { classifyLinkImports, describeImport, isSymbolImport } from './link-imports.js';
import type { ClassifiedImport, ImportDescription } from './link-imports.js';
import { readModule } from './read-module.js';

/** A module's imports classified as the linker does when it has the bytes. */
function classified(bytes: Uint8Array): ClassifiedImport[] {
  const m = readModule(bytes);
  if (m.dylink === null) throw new Error('not a side module');
  return classifyLinkImports(m.imports.map(describeImport), m.dylink.weakImports);
}

const emsuite = (path: string): Uint8Array => readFileSync(join(fixturesDir, 'emsuite', path));
const find = (list: readonly ClassifiedImport[], module: string, name: string): ClassifiedImport | undefined =>
  list.find((i) => i.module === module && i.name === name);

describe('classifyLinkImports on real side modules and mains', () => {
  it("a clang side module: the program's memory and table, ABI globals, functions with types, GOT.mem data", () => {
    const list = classified(fixtureBytes(fixture('ctor', 'clang16')));
    expect(find(list, 'env', 'memory')).toMatchObject({ role: 'memory', shared: false, index64: false });
    expect(find(list, 'env', '__indirect_function_table')).toMatchObject({ role: 'table' });
    expect(find(list, 'env', '__memory_base')).toMatchObject({ role: 'abi', kind: 'global' });
    expect(find(list, 'env', '__table_base')).toMatchObject({ role: 'abi' });
    expect(find(list, 'env', 'main_add1')).toMatchObject({
      role: 'function',
      weak: false,
      type: { params: ['i32'], results: ['i32'] },
    });
    expect(find(list, 'GOT.mem', 'main_counter')).toMatchObject({ role: 'got', space: 'mem', weak: false });
  });

  it('function addresses are GOT.func entries; weak undefined symbols are marked weak (IMPORT_INFO)', () => {
    expect(find(classified(fixtureBytes(fixture('fptr', 'clang16'))), 'GOT.func', 'main_add1')).toMatchObject({
      role: 'got',
      space: 'func',
    });
    const weak = classified(fixtureBytes(fixture('weak_undef', 'clang16'))).filter(
      (i) => i.name === 'missing_fn' || i.name === 'missing_data',
    );
    expect(weak.length).toBeGreaterThanOrEqual(2);
    for (const i of weak) expect(i).toMatchObject({ weak: true });
    expect(weak.map((i) => i.role)).toContain('got');
  });

  it("a relocatable main's heap and stack bounds are GOT specials; its WASI imports are foreign", () => {
    expect(find(classified(fixtureBytes(fixture('main', 'clang16'))), 'GOT.mem', '__heap_base')).toMatchObject({
      role: 'got-special',
    });
    const main1 = classified(fixtureBytes(fixture('main1', 'emcc')));
    expect(find(main1, 'GOT.mem', '__heap_base')).toMatchObject({ role: 'got-special' });
    expect(main1.find((i) => i.module === 'wasi_snapshot_preview1')).toMatchObject({
      role: 'foreign',
      kind: 'function',
    });
  });

  it('a wasm exception tag is a tag import, with its parameter types', () => {
    expect(find(classified(emsuite('exceptions_wasm/O0/libcatch.so')), 'env', '__cpp_exception')).toMatchObject({
      role: 'tag',
      type: { params: ['i32'] },
    });
  });

  it('every role appears in the corpus, and only function, global and GOT imports are looked up', () => {
    const roles = new Set<string>();
    for (const f of fixtures) {
      for (const i of classified(fixtureBytes(f))) {
        roles.add(i.role);
        expect(isSymbolImport(i)).toBe(i.role === 'function' || i.role === 'global' || i.role === 'got');
      }
    }
    for (const i of classified(emsuite('exceptions_wasm/O0/libcatch.so'))) roles.add(i.role);
    // wasm-ld makes data imports GOT.mem entries; the one non-ABI `env` global is libthr_eh_user.so's
    // thr_level_g (a wasm global libthr_eh.so defines in assembly).
    expect([...roles].sort()).toEqual([
      'abi',
      'foreign',
      'function',
      'global',
      'got',
      'got-special',
      'memory',
      'table',
      'tag',
    ]);
  });

  it('engine reflection (no types) gives every import the same role', () => {
    for (const f of fixtures) {
      const bytes = fixtureBytes(f);
      const m = readModule(bytes);
      if (m.dylink === null) continue;
      const reflected = WebAssembly.Module.imports(new WebAssembly.Module(bytes)).map((i): ImportDescription => ({
        module: i.module,
        name: i.name,
        kind: i.kind,
        funcType: null,
        globalType: null,
        shared: false,
        index64: false,
        minimum: 0,
      }));
      expect(classifyLinkImports(reflected, m.dylink.weakImports).map((i) => i.role)).toEqual(
        classified(bytes).map((i) => i.role),
      );
    }
  });

  it('classifyImport (the coarse categories the CLI shows) is derived from the roles and unchanged on the corpus', () => {
    // The rule classifyImport had before it was derived from the roles: the oracle.
    const before = (i: { module: string; kind: string }): string => {
      if (i.kind === 'memory' || i.kind === 'table') return i.kind;
      if (i.module === 'GOT.mem') return 'got-mem';
      if (i.module === 'GOT.func') return 'got-func';
      if (i.module !== 'env') return 'other';
      return i.kind === 'function' ? 'env-function' : i.kind === 'global' ? 'env-global' : 'tag';
    };
    const all = [...fixtures.map(fixtureBytes), emsuite('exceptions_wasm/O0/libcatch.so')].flatMap(
      (bytes) => readModule(bytes).imports,
    );
    expect(all.length).toBeGreaterThan(500);
    for (const i of all) expect(classifyImport(i)).toBe(before(i));
  });
});
