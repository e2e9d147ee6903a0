import { fixturePath, fixtures, pyodideMain, treeSitterGrammars, treeSitterMain } from '@dl/fixtures';
import { objdump, objdumpAvailable } from '@dl/fixtures/objdump';
import type { ObjdumpView } from '@dl/fixtures/objdump';
import { describe, expect, it } from 'vitest';
import { run } from './run-in-process.js';
import type { InspectReport } from './report/inspect.js';
import type { SymbolEntry } from './report/symbols.js';

const files = [
  ...fixtures.map((f) => [f.file, fixturePath(f)] as const),
  ...treeSitterGrammars().map((g) => [`tree-sitter ${g.id}`, g.path] as const),
  ['tree-sitter.wasm', treeSitterMain().path] as const,
  ['pyodide.asm.wasm', pyodideMain().path] as const,
];

describe('dl inspect and dl nm work on every file of the corpus', () => {
  it.each(files)('%s', async (_, path) => {
    const text = await run('inspect', path);
    expect(text.code).toBe(0);
    expect(text.stderr).toBe('');
    const nm = await run('nm', path);
    expect(nm.code).toBe(0);
    expect(nm.stdout.split('\n').length).toBeGreaterThan(1);
  });
});

const haveObjdump = objdumpAvailable();
if (!haveObjdump && process.env.CI !== undefined) throw new Error('CI must install wabt (wasm-objdump)');

/** Import counts by the inspect categories, computed from objdump's lines alone. */
function countsFromObjdump(o: ObjdumpView): Record<string, number> {
  const counts: Record<string, number> = {
    'env-function': 0,
    'env-global': 0,
    'got-mem': 0,
    'got-func': 0,
    memory: 0,
    table: 0,
    tag: 0,
    other: 0,
  };
  for (const i of o.imports) {
    const key =
      i.kind === 'memory' || i.kind === 'table'
        ? i.kind
        : i.qualified.startsWith('GOT.mem.')
          ? 'got-mem'
          : i.qualified.startsWith('GOT.func.')
            ? 'got-func'
            : !i.qualified.startsWith('env.')
              ? 'other'
              : i.kind === 'func'
                ? 'env-function'
                : i.kind === 'global'
                  ? 'env-global'
                  : 'tag';
    counts[key]!++;
  }
  return counts;
}

describe.skipIf(!haveObjdump)('dl output against wasm-objdump -x', () => {
  it.each(files)('%s', async (_, path) => {
    const o = objdump(path);
    const report = JSON.parse((await run('inspect', path, '--json')).stdout) as InspectReport;
    expect(report).toMatchObject({
      memorySize: o.dylink!.memSize,
      memoryAlign: o.dylink!.memAlign,
      tableSize: o.dylink!.tableSize,
      tableAlign: o.dylink!.tableAlign,
      needed: o.dylink!.needed,
    });
    expect(report.importCounts).toEqual(countsFromObjdump(o));
    expect(report.imports.length).toBe(o.imports.length);
    expect(report.exports.length).toBe(o.exports.length);
    expect(report.exportCounts.function).toBe(o.exports.filter((e) => e.kind === 'func').length);
    const tls = new Set(o.dylink!.exports.filter((e) => e.flags.split(' ').includes('tls')).map((e) => e.name));
    const dataExports = o.exports.filter(
      (e) =>
        e.kind === 'global' &&
        /^i(32|64) mutable=0$/.test(o.globals.get(e.index)?.type ?? '') &&
        /^i(32|64)=/.test(o.globals.get(e.index)?.init ?? ''),
    );
    expect(report.exportCounts.data + report.exportCounts.tls).toBe(dataExports.length);
    expect(report.exportCounts.tls).toBe(dataExports.filter((e) => tls.has(e.name)).length);
    expect(report.start?.index ?? null).toBe(o.start);
    expect(new Set(report.weakImports)).toEqual(
      new Set(
        o
          .dylink!.imports.filter((i) => i.flags.includes('binding=weak'))
          .map((i) => i.name.slice(i.name.indexOf('.') + 1)),
      ),
    );

    const symbols = JSON.parse((await run('nm', path, '--json')).stdout) as SymbolEntry[];
    expect(symbols.filter((s) => s.defined).map((s) => s.name)).toEqual(o.exports.map((e) => e.name));
    expect(symbols.filter((s) => !s.defined).length).toBe(o.imports.length);
    for (const e of dataExports) {
      const address = Number(/^i(?:32|64)=(-?\d+)/.exec(o.globals.get(e.index)!.init)![1]);
      expect(symbols.find((s) => s.defined && s.name === e.name)?.address).toBe(address);
    }
  });
});
