// The sample side modules the packages ship for their READMEs are copies of fixture outputs:
// they must stay byte-identical to what `pnpm fixtures` builds (CI rebuilds and compares those).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { root } from './index.js';

/** Where each shipped sample comes from in tooling/fixtures/wasm. */
const origins: Record<string, readonly string[]> = {
  'packages/reader/samples': ['emcc'],
  'packages/wasi/samples': ['wasi', 'clang16'],
};

it.each(Object.entries(origins))('%s: every file is a fixture output, byte for byte', (dir, from) => {
  const files = readdirSync(join(root, dir));
  expect(files.length).toBeGreaterThan(0);
  for (const file of files) {
    const source = from
      .map((d) => join(root, 'tooling/fixtures/wasm', d, file))
      .find((p) => readdirSync(join(p, '..')).includes(file));
    expect(source, `${dir}/${file} has no fixture of that name in ${from.join(', ')}`).toBeDefined();
    expect(Buffer.compare(readFileSync(join(root, dir, file)), readFileSync(source!))).toBe(0);
  }
});
