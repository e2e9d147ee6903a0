import { checkExample } from '@dl/fixtures/readme';
import { expect, it } from 'vitest';

it('the README shows examples/tree-sitter.ts verbatim, with the output it really prints', async () => {
  const { shown, source, printed } = await checkExample(
    new URL('../README.md', import.meta.url),
    new URL('../examples/tree-sitter.ts', import.meta.url),
  );
  expect(shown?.code).toBe(source);
  expect(printed).toBe(shown?.output);
});
