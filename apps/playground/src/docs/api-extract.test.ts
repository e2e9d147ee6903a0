import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { apiOf, resolveModulePath } from './api-extract.js';
import type { ApiEntry } from './api-extract.js';

const packagesDir = fileURLToPath(new URL('../../../../packages/', import.meta.url));
const packageIds = ['errors', 'reader', 'layout', 'symbols', 'linker', 'loaders', 'emscripten', 'cli'];

/** A package's non-test sources by path relative to its `src/`, read from disk. */
function sourcesOnDisk(packageId: string): Record<string, string> {
  const root = join(packagesDir, packageId, 'src');
  const files: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) files[relative(root, path).split('\\').join('/')] = readFileSync(path, 'utf8');
    }
  };
  walk(root);
  return files;
}

function apiOfPackage(packageId: string): ApiEntry[] {
  const files = sourcesOnDisk(packageId);
  return apiOf(files['index.ts'] ?? '', files);
}

function entry(api: readonly ApiEntry[], name: string): ApiEntry {
  const found = api.find((e) => e.name === name);
  if (found === undefined) throw new Error(`${name} is not in the API`);
  return found;
}

describe('apiOf on the real package sources', () => {
  it("finds linker's createLinker with its signature and TSDoc", () => {
    const createLinker = entry(apiOfPackage('linker'), 'createLinker');
    expect(createLinker.kind).toBe('function');
    expect(createLinker.signature).toBe('function createLinker(options: CreateOptions = {}): Promise<Linker>');
    expect(createLinker.doc).toContain('Creates a linker for a program.');
    expect(createLinker.doc).toContain('before this resolves.');
  });

  it("finds reader's readDylinkInfo through dylink/read-dylink.ts, with its block tags", () => {
    const readDylinkInfo = entry(apiOfPackage('reader'), 'readDylinkInfo');
    expect(readDylinkInfo.kind).toBe('function');
    expect(readDylinkInfo.signature).toMatch(/^function readDylinkInfo\(input: BinaryInput \| WebAssembly\.Module, options: ReadOptions = \{\}\): DylinkInfo$/);
    expect(readDylinkInfo.doc).toMatch(/^Reads the dynamic-linking metadata of a side module/);
    expect(readDylinkInfo.doc).toContain('@throws DlFormatError on malformed input');
    expect(readDylinkInfo.doc).not.toContain('/**');
    expect(readDylinkInfo.doc).not.toMatch(/^\s*\*/m);
  });

  it('lists every export of every package in index order, each with a declaration', () => {
    for (const id of packageIds) {
      const files = sourcesOnDisk(id);
      const api = apiOf(files['index.ts'] ?? '', files);
      const exportedNames = [...(files['index.ts'] ?? '').matchAll(/export\s+(?:type\s+)?\{([^}]*)\}/g)]
        .flatMap((m) => (m[1] ?? '').split(',').map((s) => s.trim().replace(/^type\s+/, '').split(/\s+as\s+/).pop() ?? '').filter((s) => s !== ''));
      expect(api.map((e) => e.name), id).toEqual(exportedNames);
      expect(api.filter((e) => e.kind === 'unknown').map((e) => e.name), id).toEqual([]);
      expect(api.filter((e) => e.signature === '').map((e) => e.name), id).toEqual([]);
    }
  });

  it('follows re-exports through a nested index (cli → report/index.ts → report/ldd.ts)', () => {
    const buildLddReport = entry(apiOfPackage('cli'), 'buildLddReport');
    expect(buildLddReport.signature).toBe('function buildLddReport(graph: LddGraph): LddReport');
    expect(buildLddReport.doc).not.toBe('');
  });

  it("lists a class's public members with their docs, without private or @internal ones", () => {
    const linker = entry(apiOfPackage('linker'), 'Linker');
    expect(linker.kind).toBe('class');
    const names = linker.members.map((m) => m.name);
    expect(names).toEqual(expect.arrayContaining(['dlopen', 'dlopenSync', 'dlsym', 'dlclose', 'graph', 'memory']));
    expect(names).not.toContain('reopen'); // private
    expect(names).not.toContain('emit'); // @internal
    const dlopen = linker.members.find((m) => m.name === 'dlopen');
    expect(dlopen?.kind).toBe('method');
    expect(dlopen?.signature).toBe('async dlopen(source: LibrarySource | null, flags?: DlopenFlags, options?: LoadOptions): Promise<Handle>');
    expect(dlopen?.doc).toContain('Loads a library with its NEEDED libraries');
    expect(linker.members.find((m) => m.name === 'memory')?.kind).toBe('getter');
  });

  it("lists an interface's members, object types included (LinkGraph)", () => {
    const graph = entry(apiOfPackage('linker'), 'LinkGraph');
    expect(graph.kind).toBe('interface');
    expect(graph.typeOnly).toBe(true);
    expect(graph.members.map((m) => m.name)).toEqual(['libraries', 'scopes', 'interpositions', 'memory', 'table']);
    expect(graph.members.find((m) => m.name === 'interpositions')?.doc).toContain('who wins, who is interposed');
  });

  it('shows short constant initialisers and keeps type annotations', () => {
    const linker = apiOfPackage('linker');
    expect(entry(linker, 'RTLD').signature).toBe('const RTLD = { LAZY: 1, NOW: 2, NOLOAD: 4, LOCAL: 0, GLOBAL: 256, NODELETE: 4096 } as const');
    expect(entry(linker, 'RTLD_DEFAULT').signature).toBe('const RTLD_DEFAULT: unique symbol');
    expect(entry(apiOfPackage('layout'), 'PAGE').signature).toBe('const PAGE = 65536');
  });

  it('turns {@link X} into inline code', () => {
    const sync = entry(apiOfPackage('linker'), 'createLinkerSync');
    expect(sync.doc).toBe('`createLinker`, synchronously.');
  });
});

describe('apiOf on small sources', () => {
  it('handles aliases, star re-exports, local export lists and missing declarations', () => {
    const files = {
      'a.ts': '/** Adds. */\nexport function add(a: number, b: number): number {\n  return a + b;\n}\n',
      'b.ts': '/** A point. */\nexport interface Point {\n  /** Across. */\n  readonly x: number;\n  readonly y: number;\n}\n',
      'c.ts': '/** Hidden until listed. */\nfunction secret(): void {}\nexport { secret };\n',
    };
    const index = "export { add as plus } from './a.js';\nexport * from './b.js';\nexport { secret } from './c.js';\nexport { ghost } from './nowhere.js';\nexport { DlError } from '@dl/errors';\n";
    const api = apiOf(index, files);
    expect(api.map((e) => [e.name, e.kind])).toEqual([['plus', 'function'], ['secret', 'function'], ['ghost', 'unknown'], ['DlError', 'reexport'], ['Point', 'interface']]);
    expect(api[0]?.doc).toBe('Adds.');
    expect(api[1]?.doc).toBe('Hidden until listed.');
    expect(api[4]?.members.map((m) => [m.name, m.doc])).toEqual([['x', 'Across.'], ['y', '']]);
  });

  it('does not take a comment that is separated from the declaration by code', () => {
    const files = { 'x.ts': '/** About the constant. */\nconst LIMIT = 3;\n\nexport class Holder {\n  private hidden = 1;\n  size = LIMIT;\n}\n' };
    const [holder] = apiOf("export { Holder } from './x.js';", files);
    expect(holder?.doc).toBe('');
    expect(holder?.members.map((m) => [m.name, m.kind, m.signature])).toEqual([['size', 'property', 'size']]);
  });

  it('ends function heads at the body even after an object return type', () => {
    const files = { 'f.ts': 'export function pair(): { a: number; b: string } {\n  return { a: 1, b: "}" };\n}\n' };
    expect(apiOf("export { pair } from './f.js';", files)[0]?.signature).toBe('function pair(): { a: number; b: string }');
  });

  it('resolves module paths relative to the importing file', () => {
    const files = { 'report/index.ts': '', 'report/ldd.ts': '', 'io.ts': '' };
    expect(resolveModulePath('index.ts', './report/index.js', files)).toBe('report/index.ts');
    expect(resolveModulePath('report/index.ts', './ldd.js', files)).toBe('report/ldd.ts');
    expect(resolveModulePath('report/index.ts', '../io.js', files)).toBe('io.ts');
    expect(resolveModulePath('index.ts', './report', files)).toBe('report/index.ts');
    expect(resolveModulePath('index.ts', '@dl/errors', files)).toBeNull();
  });
});
