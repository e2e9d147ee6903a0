import { describe, expect, it } from 'vitest';
import { grammarsOf, treeSitterVerdicts } from './tree-sitter.js';
import type { TreeSitterCase } from './tree-sitter.js';

const at = (runner: TreeSitterCase['runner'], medianMs: number, setupMs: number): TreeSitterCase => ({
  set: 'modern',
  n: 16,
  runner,
  medianMs,
  ratioToFloor: null,
  setupMs,
  parseMs: null,
});

describe('the tree-sitter suite', () => {
  it('loads the 16 modern grammars and the 33 legacy ones the emscripten tests parse', () => {
    expect(grammarsOf('modern')).toHaveLength(16);
    const legacy = grammarsOf('legacy').map((g) => g.id);
    expect(legacy).toHaveLength(33);
    for (const left of ['elm', 'ql', 'yaml']) expect(legacy).not.toContain(left);
    expect(legacy).toContain('json');
  });

  it('judges the facade against web-tree-sitter’s own loader: load time and set-up', () => {
    expect(treeSitterVerdicts([at('own', 200, 20), at('facade', 180, 19)])).toEqual([
      '  [ met ] modern: facade ≤ 0.95× own (set-up + 16 Language.load): 0.90× (180 vs 200 ms)',
      '  [ met ] modern: facade set-up ≤ Parser.init: 0.95× (19.0 vs 20.0 ms)',
    ]);
    const missed = treeSitterVerdicts([at('own', 200, 20), at('facade', 196, 30)]);
    expect(missed[0]).toMatch(/^ {2}\[MISSED\] .*0\.98×/);
    expect(missed[1]).toMatch(/^ {2}\[MISSED\] .*1\.50×/);
    expect(treeSitterVerdicts([at('facade', 1, 1)])[0]).toMatch(/\[ n\/a \]/);
  });
});
