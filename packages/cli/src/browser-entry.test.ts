// Which entry is for browsers (README "As a library"): bundled for the browser platform, an
// import of a node built-in is an esbuild error.
import { bundle } from '@dl/browser';
import { expect, it } from 'vitest';

it('@dl/cli/report bundles for the browser with no node built-in', async () => {
  const code = await bundle(new URL('./report/index.ts', import.meta.url));
  expect(code).toContain('function buildInspectReport');
  expect(code).not.toMatch(/\bnode:[a-z]/);
});

it('the root entry @dl/cli does not: it brings the command line and node:fs (node only, as the README says)', async () => {
  await expect(bundle(new URL('./index.ts', import.meta.url))).rejects.toThrow(/node:fs/);
});
