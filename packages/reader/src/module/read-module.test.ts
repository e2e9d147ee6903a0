import { concat, custom, memInfo, section, sleb, str, subsection, uleb, vec, wasmModule } from '@dl/fixtures/writer';
import { outcome } from '@dl/fixtures/outcome';
import { describe, expect, it } from 'vitest';
import { classifyExport, classifyImport } from './classify.js';
import { readModule } from './read-module.js';

const I32 = 0x7f,
  I64 = 0x7e,
  F32 = 0x7d,
  F64 = 0x7c,
  FUNCREF = 0x70;
const func = (params: number[], results: number[]): number[] => [
  0x60,
  ...vec(params.map((p) => [p])),
  ...vec(results.map((r) => [r])),
];
const body = (...code: number[]): number[] => [...uleb(code.length + 1), 0x00, ...code];

/** A valid module touching every section the reader decodes. */
function richModule(): Uint8Array<ArrayBuffer> {
  return wasmModule(
    custom(
      'dylink.0',
      concat(subsection(1, memInfo(32, 4, 1, 0)), subsection(3, vec([concat(str('tls_x'), uleb(0x100))]))),
    ),
    section(1, vec([func([I32, I32], [I32]), func([], []), func([I64], [F64])])),
    section(
      2,
      vec([
        concat(str('env'), str('memory'), [2, 0x00], uleb(1)),
        concat(str('env'), str('__indirect_function_table'), [1, FUNCREF, 0x01], uleb(1), uleb(10)),
        concat(str('env'), str('__memory_base'), [3, I32, 0]),
        concat(str('GOT.mem'), str('ext_data'), [3, I32, 1]),
        concat(str('GOT.func'), str('ext_fn'), [3, I32, 1]),
        concat(str('env'), str('ext_add'), [0], uleb(0)),
        concat(str('wasi_snapshot_preview1'), str('fd_write'), [0], uleb(0)),
        concat(str('env'), str('__cpp_exception'), [4, 0], uleb(1)),
      ]),
    ),
    section(3, vec([uleb(1), uleb(0), uleb(2)])),
    section(
      6,
      vec([
        concat([I32, 0], [0x41], sleb(16), [0x0b]),
        concat([I32, 0], [0x41], sleb(4), [0x0b]),
        concat([I64, 1], [0x42], sleb(-5n), [0x0b]),
        concat([F32, 0], [0x43, 0, 0, 0x80, 0x3f, 0x0b]),
        concat([I32, 0], [0x23], uleb(0), [0x0b]),
      ]),
    ),
    section(
      7,
      vec([
        concat(str('call_ext'), [0], uleb(4)),
        concat(str('imported_fn'), [0], uleb(0)),
        concat(str('data_sym'), [3], uleb(3)),
        concat(str('tls_x'), [3], uleb(4)),
        concat(str('counter'), [3], uleb(5)),
        concat(str('float_g'), [3], uleb(6)),
        concat(str('ext'), [3], uleb(7)),
        concat(str('base'), [3], uleb(0)),
      ]),
    ),
    section(8, uleb(2)),
    section(10, vec([body(0x0b), body(0x41, 0, 0x0b), body(0x44, 0, 0, 0, 0, 0, 0, 0, 0, 0x0b)])),
    custom('producers', vec([concat(str('processed-by'), vec([concat(str('clang'), str('16.0.6'))]))])),
    custom('target_features', vec([concat([0x2b], str('mutable-globals')), concat([0x2d], str('atomics'))])),
    custom('name', concat([0], uleb(8), str('libx.so'))),
  );
}

const codeOf = (bytes: Uint8Array): string => outcome(() => readModule(bytes));

describe('readModule on a module using every decoded section', () => {
  const bytes = richModule();
  const info = readModule(bytes, { name: 'libx.so' });

  it('agrees with V8 on imports and exports (names, modules, kinds, order)', () => {
    const mod = new WebAssembly.Module(bytes);
    expect(info.imports.map((i) => ({ module: i.module, name: i.name, kind: i.kind }))).toEqual(
      WebAssembly.Module.imports(mod),
    );
    expect(info.exports.map((e) => ({ name: e.name, kind: e.kind }))).toEqual(WebAssembly.Module.exports(mod));
    expect(info.sections.filter((s) => s.id === 0).map((s) => s.name)).toEqual([
      'dylink.0',
      'producers',
      'target_features',
      'name',
    ]);
  });

  it('shares one frozen global type per value type and mutability, across modules too', () => {
    const again = readModule(richModule(), { name: 'liby.so' });
    const typesOf = (m: typeof info) => [
      ...m.globals.map((g) => g.type),
      ...m.imports.flatMap((i) => (i.kind === 'global' ? [i.type] : [])),
    ];
    const all = [...typesOf(info), ...typesOf(again)];
    expect(all.length).toBeGreaterThan(2);
    for (const t of all) {
      expect(Object.isFrozen(t)).toBe(true);
      expect(all.filter((u) => u.valueType === t.valueType && u.mutable === t.mutable).every((u) => u === t)).toBe(
        true,
      );
    }
  });

  it('gives imports their full types and index-space positions', () => {
    expect(info.imports[0]).toMatchObject({
      kind: 'memory',
      type: { limits: { min: 1, max: null, shared: false, index64: false, pageSize: 65536 } },
    });
    expect(info.imports[1]).toMatchObject({
      kind: 'table',
      type: { elementType: 'funcref', limits: { min: 1, max: 10 } },
    });
    expect(info.imports[3]).toMatchObject({ kind: 'global', index: 1, type: { valueType: 'i32', mutable: true } });
    expect(info.imports[5]).toMatchObject({
      kind: 'function',
      index: 0,
      typeIndex: 0,
      type: { params: ['i32', 'i32'], results: ['i32'] },
    });
    expect(info.imports[7]).toMatchObject({ kind: 'tag', typeIndex: 1, type: { params: [], results: [] } });
    expect(info.imports.map(classifyImport)).toEqual([
      'memory',
      'table',
      'env-global',
      'got-mem',
      'got-func',
      'env-function',
      'other',
      'tag',
    ]);
  });

  it('types exports, with global initialisers as data addresses', () => {
    const byName = new Map(info.exports.map((e) => [e.name, e]));
    expect(byName.get('call_ext')).toMatchObject({
      kind: 'function',
      index: 4,
      type: { params: ['i64'], results: ['f64'] },
    });
    expect(byName.get('imported_fn')).toMatchObject({ kind: 'function', index: 0, type: { params: ['i32', 'i32'] } });
    expect(byName.get('data_sym')).toMatchObject({ kind: 'global', init: { op: 'i32.const', value: 16 } });
    expect(byName.get('counter')).toMatchObject({
      type: { valueType: 'i64', mutable: true },
      init: { op: 'i64.const', value: -5n },
    });
    expect(byName.get('float_g')).toMatchObject({ init: { op: 'f32.const', value: 1 } });
    expect(byName.get('ext')).toMatchObject({ init: { op: 'global.get', index: 0 } });
    expect(byName.get('base')).toMatchObject({ index: 0, init: null });
    expect(info.exports.map((e) => classifyExport(e, info.dylink))).toEqual([
      'function',
      'function',
      'data',
      'tls',
      'global',
      'global',
      'global',
      'global',
    ]);
  });

  it('reads counts, start, producers, features and the module name', () => {
    expect(info.counts).toEqual({
      types: 3,
      importedFunctions: 2,
      definedFunctions: 3,
      importedGlobals: 3,
      definedGlobals: 5,
      tables: 1,
      memories: 1,
      tags: 1,
      elementSegments: 0,
      dataSegments: 0,
    });
    expect(info.start).toBe(2);
    expect([...info.functionTypeIndices]).toEqual([1, 0, 2]);
    expect(info.producers).toEqual([{ field: 'processed-by', values: [{ name: 'clang', version: '16.0.6' }] }]);
    expect(info.targetFeatures).toEqual([
      { prefix: '+', name: 'mutable-globals' },
      { prefix: '-', name: 'atomics' },
    ]);
    expect(info.moduleName).toBe('libx.so');
    expect(info.dylink?.memorySize).toBe(32);
    expect(info.warnings).toEqual([]);
  });
});

describe('readModule structural checks', () => {
  const types = section(1, vec([func([], [])]));
  const oneFn = [section(3, vec([uleb(0)])), section(10, vec([body(0x0b)]))];

  it('accepts the valid baseline', () => {
    expect(codeOf(wasmModule(types, ...oneFn))).toBe('ok');
  });

  it('refuses duplicate and out-of-order sections and unknown ids', () => {
    expect(codeOf(wasmModule(types, types))).toBe('DL_DUPLICATE_SECTION');
    expect(codeOf(wasmModule(section(3, vec([])), types))).toBe('DL_SECTION_ORDER');
    expect(codeOf(wasmModule(section(14, [])))).toBe('DL_BAD_VALUE');
    expect(codeOf(wasmModule(types, section(13, vec([])), section(6, vec([]))))).toBe('ok'); // tag before global
  });

  it('refuses a function count that differs from the body count', () => {
    expect(codeOf(wasmModule(types, section(3, vec([uleb(0)]))))).toBe('DL_SIZE_MISMATCH');
    expect(codeOf(wasmModule(types, section(3, vec([uleb(0)])), section(10, vec([]))))).toBe('DL_SIZE_MISMATCH');
  });

  it('refuses bad indices', () => {
    expect(codeOf(wasmModule(types, section(3, vec([uleb(5)])), section(10, vec([body(0x0b)]))))).toBe('DL_BAD_INDEX');
    expect(
      codeOf(wasmModule(types, ...oneFn.slice(0, 1), section(7, vec([concat(str('f'), [0], uleb(9))])), oneFn[1]!)),
    ).toBe('DL_BAD_INDEX');
    expect(codeOf(wasmModule(types, section(8, uleb(0))))).toBe('DL_BAD_INDEX');
  });

  it('refuses unknown kinds, value types, limits flags and const opcodes', () => {
    expect(codeOf(wasmModule(section(2, vec([concat(str('a'), str('b'), [7])]))))).toBe('DL_BAD_VALUE');
    expect(codeOf(wasmModule(section(1, vec([[0x60, 1, 0x55, 0]]))))).toBe('DL_BAD_VALUE');
    expect(codeOf(wasmModule(section(5, vec([[0x10, 1]]))))).toBe('DL_BAD_VALUE');
    expect(codeOf(wasmModule(section(6, vec([concat([I32, 0], [0x20, 0, 0x0b])]))))).toBe('DL_BAD_VALUE');
    expect(codeOf(wasmModule(section(6, vec([concat([I32, 2], [0x41, 0, 0x0b])]))))).toBe('DL_BAD_VALUE');
  });

  it('requires every section to be consumed exactly', () => {
    expect(codeOf(wasmModule(section(1, concat(vec([func([], [])]), [0]))))).toBe('DL_SIZE_MISMATCH');
    expect(codeOf(wasmModule(section(8, [0, 0])))).toBe('DL_SIZE_MISMATCH');
  });

  it('reads GC rec groups and subtypes, keeping type indices right', () => {
    const gc = section(
      1,
      vec([
        [0x4e, ...uleb(2), 0x5f, ...vec([[I32, 1]]), 0x50, ...vec([uleb(0)]), 0x5e, 0x78, 0],
        [0x60, 1, 0x63, 0x00, 1, 0x64, 0x70],
      ]),
    );
    const info = readModule(wasmModule(gc));
    expect(info.types).toEqual([
      { kind: 'struct' },
      { kind: 'array' },
      { kind: 'func', params: ['(ref null 0)'], results: ['(ref func)'] },
    ]);
  });

  it('reads extended constant expressions without evaluating them', () => {
    const g = section(6, vec([concat([I32, 0], [0x41], sleb(8), [0x41], sleb(4), [0x6a, 0x0b])]));
    expect(readModule(wasmModule(g)).globals[0]?.init).toEqual({ op: 'extended', instructions: 3 });
  });

  it('reads memory64, shared memory and custom page sizes', () => {
    const mems = section(
      5,
      vec([
        [0x05, ...uleb(2 ** 33), ...uleb(2 ** 34)],
        [0x03, 1, 2],
        [0x08, 1, 0],
      ]),
    );
    expect(readModule(wasmModule(mems)).memories.map((m) => m.limits)).toEqual([
      { min: 2 ** 33, max: 2 ** 34, shared: false, index64: true, pageSize: 65536 },
      { min: 1, max: 2, shared: true, index64: false, pageSize: 65536 },
      { min: 1, max: null, shared: false, index64: false, pageSize: 1 },
    ]);
  });

  it('turns unreadable optional custom sections into warnings', () => {
    const info = readModule(
      wasmModule(custom('producers', [5, 1]), custom('target_features', vec([concat([0x3f], str('x'))]))),
    );
    expect(info.producers).toBeNull();
    expect(info.targetFeatures).toBeNull();
    expect(info.warnings.map((w) => w.code)).toEqual(['DL_BAD_LENGTH', 'DL_BAD_VALUE']);
  });

  it('warns about a dylink section that is not first, and ignores it', () => {
    const info = readModule(wasmModule(types, custom('dylink.0', subsection(1, memInfo(1, 0, 0, 0)))));
    expect(info.dylink).toBeNull();
    expect(info.warnings[0]?.code).toBe('DL_NOT_SIDE_MODULE');
  });

  it('never decodes code bodies; of the data segments it reads the headers only', () => {
    const garbageCode = section(10, concat(uleb(1), new Uint8Array(64).fill(0xff)));
    const data = section(
      11,
      concat(
        uleb(3),
        concat(uleb(0), new Uint8Array([0x41, 16, 0x0b]), uleb(4), new Uint8Array(4).fill(0xfe)),
        concat(uleb(1), uleb(2), new Uint8Array(2).fill(0xfe)),
        concat(uleb(2), uleb(0), new Uint8Array([0x41, 0x80, 0x08, 0x0b]), uleb(3), new Uint8Array(3).fill(0xfe)),
      ),
    );
    const info = readModule(wasmModule(types, section(3, vec([uleb(0)])), garbageCode, data));
    expect(info.counts.dataSegments).toBe(3);
    const at = info.sections.find((x) => x.id === 11)!.payloadStart;
    expect(info.data).toEqual([
      { mode: 'active', memory: 0, offset: { op: 'i32.const', value: 16 }, size: 4, start: at + 6 },
      { mode: 'passive', memory: 0, offset: null, size: 2, start: at + 12 },
      { mode: 'active', memory: 0, offset: { op: 'i32.const', value: 1024 }, size: 3, start: at + 21 },
    ]);
  });

  it('refuses data segment flags above 2 and a segment longer than its section, at their offsets', () => {
    const flags = section(11, concat(uleb(1), uleb(3), uleb(0)));
    expect(() => readModule(wasmModule(flags))).toThrow(expect.objectContaining({ code: 'DL_BAD_VALUE', offset: 11 }));
    const long = section(11, concat(uleb(1), uleb(1), uleb(9), new Uint8Array(2)));
    expect(() => readModule(wasmModule(long))).toThrow(expect.objectContaining({ code: 'DL_BAD_LENGTH' }));
  });
});
