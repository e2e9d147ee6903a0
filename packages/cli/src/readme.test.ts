import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { checkExample } from '@dl/fixtures/readme';
import { describe, expect, it } from 'vitest';
import { run } from './run-in-process.js';

/** Every ```sh block `pnpm dl ARGS` followed by a ```text block: the command and its output. */
function commandExamples(readme: string): { argv: string[]; output: string }[] {
  const blocks = [...readFileSync(readme, 'utf8').matchAll(/```(\w+)\n([\s\S]*?)```/g)];
  return blocks.flatMap((b, i) => {
    const next = blocks[i + 1];
    const line = b[2]!.trim();
    if (b[1] !== 'sh' || !line.startsWith('pnpm dl ') || next?.[1] !== 'text') return [];
    return [{ argv: line.slice('pnpm dl '.length).split(/\s+/), output: next[2]! }];
  });
}

/** `dl ldd` prints absolute paths: READMEs write the checkout as `/path/to/dl`. */
const checkout = realpathSync(fileURLToPath(new URL('../../..', import.meta.url)));
const portable = (text: string): string => text.split(`${checkout}/`).join('/path/to/dl/');

describe.each([
  ['packages/cli/README.md', '../README.md'],
  ['README.md', '../../../README.md'],
])('%s', (_, relative) => {
  const readme = fileURLToPath(new URL(relative, import.meta.url));

  it('shows the real output of every dl command it runs', async () => {
    const examples = commandExamples(readme);
    expect(examples.length).toBeGreaterThan(0);
    for (const { argv, output } of examples) {
      const result = await run(...argv);
      expect(result.code).toBe(0);
      expect(portable(result.stdout)).toBe(output);
    }
  });
});

it('the README shows examples/readme.ts verbatim, with the output it really prints', async () => {
  const { shown, source, printed } = await checkExample(
    new URL('../README.md', import.meta.url),
    new URL('../examples/readme.ts', import.meta.url),
  );
  expect(shown?.code).toBe(source);
  expect(printed).toBe(shown?.output);
});
