import { readFileSync } from 'node:fs';
import { treeSitterGrammars } from '@dl/fixtures';
import { jsLibc } from '@dl/fixtures/js-libc';
import { describe, expect, it } from 'vitest';
import { createLinker, createLinkerSync } from './create.js';
import type { Linker } from './linker.js';

const grammars = treeSitterGrammars();

function libcHost(get: () => Linker): Record<string, { func: (...a: never[]) => unknown; type: string }> {
  return jsLibc({
    memory: () => get().memory,
    malloc: (n) => get().malloc(n),
    free: (p) => {
      get().free(p);
    },
    sizeOf: (p) => get().sizeOf(p),
  });
}

/** Reads a NUL-terminated string. */
function cString(memory: WebAssembly.Memory, address: number): string {
  const bytes = new Uint8Array(memory.buffer);
  return new TextDecoder().decode(bytes.subarray(address, bytes.indexOf(0, address)));
}

/**
 * What a parser reads first from a `TSLanguage` (tree-sitter's parser.h, ABI 13–15): the ABI
 * version and counts, then — through relocated pointers — the symbol names.
 */
function readLanguage(linker: Linker, address: number): { version: number; symbolCount: number; names: string[] } {
  const view = new DataView(linker.memory.buffer);
  const version = view.getUint32(address, true);
  const symbolCount = view.getUint32(address + 4, true);
  const symbolNames = view.getUint32(address + 56, true);
  const names = Array.from({ length: Math.min(symbolCount, 4) }, (_, i) =>
    cString(linker.memory, view.getUint32(symbolNames + 4 * i, true)),
  );
  return { version, symbolCount, names };
}

function languageFunction(linker: Linker, id: string): () => number {
  const name = `tree_sitter_${id.replace(/-/g, '_')}`;
  const s = linker.dlsym(null, name);
  if (s.kind !== 'function') throw new Error(name);
  return s.func as () => number;
}

describe('the 16 @vscode/tree-sitter-wasm grammars, linked against a JS host providing libc', () => {
  it.each(grammars.map((g) => [g.id, g] as const))('%s: its TSLanguage is really relocated', (id, g) => {
    const holder: { linker?: Linker } = {};
    const linker = createLinkerSync({ program: { kind: 'host', functions: libcHost(() => holder.linker!) } });
    holder.linker = linker;
    linker.dlopenSync({ name: `${id}.wasm`, bytes: readFileSync(g.path) }, { binding: 'now', scope: 'global' });
    const language = readLanguage(linker, languageFunction(linker, id)());
    expect(language.version).toBeGreaterThanOrEqual(13);
    expect(language.version).toBeLessThanOrEqual(15);
    expect(language.symbolCount).toBeGreaterThan(10);
    expect(language.names[0]).toBe('end');
    expect(language.names.slice(1).every((n) => n.length > 0)).toBe(true);
  });

  it('all 16 at once in one program, each in its own memory and table ranges', async () => {
    const holder: { linker?: Linker } = {};
    const linker = await createLinker({ program: { kind: 'host', functions: libcHost(() => holder.linker!) } });
    holder.linker = linker;
    await linker.load(grammars.map((g) => ({ name: `${g.id}.wasm`, bytes: readFileSync(g.path) })));
    const graph = linker.graph();
    expect(graph.libraries).toHaveLength(16);
    const ranges = graph.libraries.map((l) => l.memory).sort((a, b) => a.base - b.base);
    for (let i = 1; i < ranges.length; i++)
      expect(ranges[i]!.base).toBeGreaterThanOrEqual(ranges[i - 1]!.base + ranges[i - 1]!.size);
    for (const g of grammars) expect(readLanguage(linker, languageFunction(linker, g.id)()).names[0]).toBe('end');
  });
});
