// The README's second example (compat) runs in its own file: web-tree-sitter's module can be
// initialised once per module registry, and the first example initialises it too.
import { readmeExamples, runExample } from '@dl/fixtures/readme';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

it('the README shows examples/tree-sitter-compat.ts verbatim, with the output it really prints', async () => {
  const example = fileURLToPath(new URL('../examples/tree-sitter-compat.ts', import.meta.url));
  const shown = readmeExamples(fileURLToPath(new URL('../README.md', import.meta.url)))[1];
  expect(shown?.code).toBe(readFileSync(example, 'utf8'));
  expect(await runExample(example)).toBe(shown?.output);
}, 30_000);
