import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fixture, fixturePath } from '@dl/fixtures';
import { describe, expect, it } from 'vitest';
import { run } from './run-in-process.js';

const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const built = existsSync(bin);
// In CI the build runs before the tests, so the executable must be there.
if (!built && process.env.CI !== undefined) throw new Error(`${bin} is missing: run pnpm build before pnpm test`);

describe.skipIf(!built)('the built dl executable', () => {
  const file = fixturePath(fixture('reloc', 'emcc'));
  const spawn = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

  it('prints what the in-process CLI prints, with the same exit code', async () => {
    for (const argv of [['inspect', file], ['nm', file, '--json'], ['inspect', 'nope.so'], ['nm']]) {
      const expected = await run(...argv);
      const real = spawn(...argv);
      expect(real.status, argv.join(' ')).toBe(expected.code);
      expect(real.stdout).toBe(expected.stdout);
      expect(real.stderr.replace(/\n\n[\s\S]*/, '')).toBe(expected.stderr.replace(/\n\n[\s\S]*/, ''));
    }
  });

  it('is an executable script and knows its version', () => {
    expect(readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(spawn('--version').stdout).toBe(`dl ${version}\n`);
  });
});
