import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DlError } from '@dl/errors';
import {
  fixture,
  fixtureBytes,
  fixturePath,
  fixtures,
  fixturesDir,
  pyodideMain,
  treeSitterGrammars,
  treeSitterMain,
} from '@dl/fixtures';
import { malformedCases } from '@dl/fixtures/malformed';
import { objdump, objdumpAvailable } from '@dl/fixtures/objdump';
import type { ObjdumpData, ObjdumpSegment } from '@dl/fixtures/objdump';
import { outcome } from '@dl/fixtures/outcome';
import { describe, expect, it } from 'vitest';
import { functionTypesOf, isSideModule, readDylinkInfo, readDylinkPrefix, readModule } from './index.js';
import type { ConstExpr, FuncType, Import, ModuleInfo } from './index.js';

/** A segment's offset as wasm-objdump prints it (`global=1`, `i32=0`; empty for none). */
function initText(offset: ConstExpr | null): string {
  return offset?.op === 'global.get'
    ? `global=${offset.index}`
    : offset?.op === 'i32.const'
      ? `i32=${offset.value}`
      : '';
}

/** A decoded element segment as wasm-objdump prints it. */
function segmentText(s: ModuleInfo['elements'][number]): ObjdumpSegment {
  const flags = s.mode === 'active' ? (s.table === 0 ? 0 : 2) : s.mode === 'passive' ? 1 : 3;
  return { flags, table: s.table, init: initText(s.offset), functions: [...s.functions] };
}

/** A data segment's header as wasm-objdump prints it. */
function dataText(s: ModuleInfo['data'][number]): ObjdumpData {
  return { passive: s.mode === 'passive', memory: s.memory, size: s.size, init: initText(s.offset) };
}

interface RealFile {
  readonly label: string;
  readonly path: string;
  readonly needed?: readonly string[];
  readonly runtimePaths?: readonly string[];
}

const real: readonly RealFile[] = [
  ...fixtures.map((f) => ({ label: f.file, path: fixturePath(f), needed: f.needed, runtimePaths: f.runtimePaths })),
  ...treeSitterGrammars().map((g) => ({ label: `tree-sitter ${g.id}`, path: g.path })),
  { label: 'tree-sitter.wasm (main)', path: treeSitterMain().path },
  { label: 'pyodide.asm.wasm (main, 9.6 MB)', path: pyodideMain().path },
];
const cases = real.map((r) => [r.label, r] as const);
const bytesOf = (path: string): Uint8Array<ArrayBuffer> => new Uint8Array(readFileSync(path));

describe('reader on every real module (fixtures, 16 grammars, tree-sitter and pyodide mains)', () => {
  it.each(cases)('%s: metadata agrees across entry points and with the catalog', (_, r) => {
    const bytes = bytesOf(r.path);
    const info = readDylinkInfo(bytes, { name: r.label });
    const module = readModule(bytes, { name: r.label });
    expect(isSideModule(bytes)).toBe(true);
    expect(info.format).toBe('dylink.0');
    expect(info.section?.start).toBe(8);
    expect(module.dylink).toEqual(info);
    expect(module.warnings).toEqual([]);
    const fromCompiled = readDylinkInfo(new WebAssembly.Module(bytes));
    expect({ ...fromCompiled, section: info.section }).toEqual(info);
    if (r.needed) expect(info.needed).toEqual(r.needed);
    if (r.runtimePaths) expect(info.runtimePaths).toEqual(r.runtimePaths);
  });

  it.each(cases)('%s: imports and exports agree with V8', (_, r) => {
    const bytes = bytesOf(r.path);
    const module = readModule(bytes);
    const compiled = new WebAssembly.Module(bytes);
    expect(module.imports.map((i) => ({ module: i.module, name: i.name, kind: i.kind }))).toEqual(
      WebAssembly.Module.imports(compiled),
    );
    expect(module.exports.map((e) => ({ name: e.name, kind: e.kind }))).toEqual(WebAssembly.Module.exports(compiled));
  });

  it.each(cases)('%s: a stream prefix yields the same metadata as soon as the section is in', (_, r) => {
    const bytes = bytesOf(r.path);
    const info = readDylinkInfo(bytes);
    for (const chunk of [1, 7, 64, 4096]) {
      let have = Math.min(chunk, bytes.length);
      for (;;) {
        const result = readDylinkPrefix(bytes.subarray(0, have));
        if (result.status === 'complete') {
          expect(result.info).toEqual(info);
          expect(result.bytesRead).toBe(info.section!.end);
          expect(have).toBeLessThan(info.section!.end + chunk);
          break;
        }
        expect(result.needed).toBeGreaterThan(have);
        have = Math.min(bytes.length, Math.max(have + chunk, chunk === 4096 ? result.needed : have + chunk));
      }
    }
  });
});

describe('properties the fixture cases promise', () => {
  it.each(['clang16', 'emcc'] as const)('%s: weak undefined imports carry flags 0x11 keyed env.*', (tc) => {
    const info = readDylinkInfo(fixtureBytes(fixture('weak_undef', tc)));
    expect(info.importInfo).toEqual([
      { module: 'env', field: 'missing_fn', flags: 0x11 },
      { module: 'env', field: 'missing_data', flags: 0x11 },
    ]);
    expect([...info.weakImports]).toEqual(['missing_fn', 'missing_data']);
  });

  it.each(['clang16', 'emcc'] as const)(
    '%s: thread-local exports of the shared-memory module are flagged TLS',
    (tc) => {
      const bytes = fixtureBytes(fixture('tls_mt', tc));
      expect([...readDylinkInfo(bytes).tlsExports].sort()).toEqual(['tls_counter', 'tls_zero']);
      const memory = readModule(bytes).imports.find((i) => i.kind === 'memory');
      expect(memory?.kind === 'memory' && memory.type.limits.shared).toBe(true);
    },
  );

  it.each(['clang16', 'emcc'] as const)('%s: the many-exports module has at least 4000 exports', (tc) => {
    expect(readModule(fixtureBytes(fixture('many', tc))).exports.length).toBeGreaterThanOrEqual(4000);
  });

  it('reads the start function of each convention (emcc relocs, PIE global relocs, shared memory init)', () => {
    expect(readModule(fixtureBytes(fixture('reloc', 'emcc'))).start).not.toBeNull();
    expect(readModule(fixtureBytes(fixture('reloc', 'clang16'))).start).toBeNull();
    expect(readModule(fixtureBytes(fixture('main', 'clang16'))).start).not.toBeNull();
    expect(readModule(fixtureBytes(fixture('tls_mt', 'clang16'))).start).not.toBeNull();
  });
});

describe.each(malformedCases.map((c) => [c.file, c] as const))('malformed/%s', (file, c) => {
  const path = join(fixturesDir, 'malformed', file);

  it(`is what the table says (${c.note})`, () => {
    const source = c.from === null ? new Uint8Array(0) : bytesOf(join(fixturesDir, c.from));
    expect(bytesOf(path)).toEqual(c.make(source));
  });

  it(`readDylinkInfo: ${c.dylink}; readModule: ${c.module}`, () => {
    const bytes = bytesOf(path);
    expect(outcome(() => readDylinkInfo(bytes, { name: file }))).toBe(c.dylink);
    expect(outcome(() => readModule(bytes, { name: file }))).toBe(c.module);
    expect(typeof isSideModule(bytes)).toBe('boolean');
  });

  it('names the library and a byte offset inside the file in its error', () => {
    const bytes = bytesOf(path);
    for (const fn of [() => readDylinkInfo(bytes, { name: file }), () => readModule(bytes, { name: file })]) {
      try {
        fn();
      } catch (e) {
        expect(e).toBeInstanceOf(DlError);
        const err = e as DlError;
        expect(err.library).toBe(file);
        if (err.code !== 'DL_NOT_SIDE_MODULE') {
          expect(err.offset).toBeGreaterThanOrEqual(0);
          expect(err.offset).toBeLessThanOrEqual(bytes.length);
        }
      }
    }
  });
});

// --- Independent check against wabt's wasm-objdump (installed in CI; required there).
const haveObjdump = objdumpAvailable();
if (!haveObjdump && process.env.CI !== undefined) throw new Error('CI must install wabt (wasm-objdump)');

const sig = (t: FuncType): string =>
  `(${t.params.join(', ')}) -> ${t.results.length === 0 ? 'nil' : t.results.length === 1 ? t.results[0]! : `(${t.results.join(', ')})`}`;
function importDetail(i: Import, m: ModuleInfo): string {
  switch (i.kind) {
    case 'function':
    case 'tag':
      return `sig=${m.types.indexOf(i.type)}`;
    case 'global':
      return `${i.type.valueType} mutable=${i.type.mutable ? 1 : 0}`;
    case 'memory': {
      const l = i.type.limits;
      return `pages: initial=${l.min}${l.max === null ? '' : ` max=${l.max}`}${l.shared ? ' shared' : ''}`;
    }
    case 'table': {
      const l = i.type.limits;
      return `type=${i.type.elementType} initial=${l.min}${l.max === null ? '' : ` max=${l.max}`}`;
    }
  }
}

describe.skipIf(!haveObjdump)('reader against wasm-objdump -x', () => {
  it.each(cases)('%s', (_, r) => {
    const bytes = bytesOf(r.path);
    const m = readModule(bytes);
    const d = readDylinkInfo(bytes);
    const o = objdump(r.path);
    expect(o.dylink).toMatchObject({
      memSize: d.memorySize,
      memAlign: d.memoryAlign,
      tableSize: d.tableSize,
      tableAlign: d.tableAlign,
      needed: d.needed,
    });
    expect(o.dylink!.imports.map((i) => i.name)).toEqual(d.importInfo.map((i) => `${i.module}.${i.field}`));
    expect(
      new Set(
        o
          .dylink!.imports.filter((i) => i.flags.includes('binding=weak'))
          .map((i) => i.name.slice(i.name.indexOf('.') + 1)),
      ),
    ).toEqual(d.weakImports);
    expect(new Set(o.dylink!.exports.filter((e) => e.flags.split(' ').includes('tls')).map((e) => e.name))).toEqual(
      d.tlsExports,
    );
    expect(o.types).toEqual(m.types.map((t) => (t.kind === 'func' ? sig(t) : t.kind)));
    expect(o.imports.map((i) => `${i.qualified} ${i.detail}`)).toEqual(
      m.imports.map((i) => `${i.module}.${i.name} ${importDetail(i, m)}`),
    );
    const kinds: Record<string, string> = {
      function: 'func',
      global: 'global',
      memory: 'memory',
      table: 'table',
      tag: 'tag',
    };
    expect(o.exports).toEqual(m.exports.map((e) => ({ kind: kinds[e.kind], index: e.index, name: e.name })));
    for (const g of m.globals) {
      const theirs = o.globals.get(g.index);
      expect(theirs?.type).toBe(`${g.type.valueType} mutable=${g.type.mutable ? 1 : 0}`);
      if (g.init.op === 'i32.const') expect(theirs?.init).toBe(`i32=${g.init.value}`);
    }
    m.functionTypeIndices.forEach((t, i) => {
      expect(o.functionTypes.get(m.counts.importedFunctions + i)).toBe(t);
    });
    // functionTypesOf: wasm-objdump's type of every function, imported ones first.
    const typeOf = functionTypesOf(m);
    for (const i of o.imports.filter((x) => x.kind === 'func'))
      expect(typeOf(i.index)).toEqual(m.types[Number(/sig=(\d+)/.exec(i.detail)?.[1])]);
    for (const [index, t] of o.functionTypes) expect(typeOf(index)).toEqual(m.types[t]);
    expect(o.start).toBe(m.start);
    expect(o.elements).toEqual(m.elements.map(segmentText));
    expect(o.data).toEqual(m.data.map(dataText));
  });
});
