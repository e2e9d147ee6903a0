import { checkExample, runExample } from '@dl/fixtures/readme';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

it('the README shows examples/readme.ts verbatim, with the output it really prints', async () => {
  const { shown, source, printed } = await checkExample(
    new URL('../README.md', import.meta.url),
    new URL('../examples/readme.ts', import.meta.url),
  );
  expect(shown?.code).toBe(source);
  expect(printed).toBe(shown?.output);
});

it('pnpm demo links everything and every check it reports passes', async () => {
  const out = await runExample(fileURLToPath(new URL('../examples/demo.ts', import.meta.url)));
  expect(out).toMatch(/main_run\(\).*all passed/);
  expect(out).toMatch(/need_c_check\(\).*passed/);
  expect(out).toMatch(/ctor_check\(\): passed/);
  expect(out).toMatch(/main_apply\(&main_add1, 41\) = 42/);
  expect(out).not.toMatch(/FAILED|failed:/);
});
