import { join } from 'node:path';
import { fixture, fixturePath, fixturesDir } from '@dl/fixtures';
import { malformedCases } from '@dl/fixtures/malformed';
import { describe, expect, it } from 'vitest';
import { run } from './run-in-process.js';

const needB = fixturePath(fixture('need_b', 'clang16'));
const weakUndef = fixturePath(fixture('weak_undef', 'emcc'));

describe('dl command line', () => {
  it('prints help and exits 0 for help, 2 with no command', async () => {
    expect(await run('help')).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('dl inspect FILE...') as unknown,
    });
    expect(await run('--help')).toMatchObject({ code: 0 });
    expect(await run('help', 'nm')).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('Letters: T function') as unknown,
    });
    expect(await run('inspect', '--help')).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('Usage: dl inspect') as unknown,
    });
    expect(await run()).toMatchObject({ code: 2, stdout: '', stderr: expect.stringContaining('Usage:') as unknown });
    expect((await run('--version')).stdout).toMatch(/^dl \S+\n$/);
  });

  it('exits 2 with the reason and the help on usage errors', async () => {
    for (const argv of [
      ['frobnicate'],
      ['inspect'],
      ['nm'],
      ['nm', 'a', 'b'],
      ['nm', needB, '--defined', '--undefined'],
      ['inspect', needB, '--bogus'],
    ]) {
      const r = await run(...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^dl: .+\n\n(dl:|Usage:)/);
      expect(r.stdout).toBe('');
    }
  });

  it('inspects a side module: aligned labels, every field named', async () => {
    const r = await run('inspect', needB);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(needB);
    const labels = lines.slice(1).map((l) => /^ {2}(\S+(?: \S+)*?) {2,}/.exec(l)?.[1]);
    expect(labels).toEqual([
      'format',
      'file size',
      'memory',
      'table',
      'needed',
      'runtime paths',
      'imports',
      'exports',
      'start function',
      'TLS exports',
      'weak imports',
      'producers',
    ]);
    const valueColumn = new Set(lines.slice(1).map((l) => l.search(/(?<= {2})\S/g)));
    expect(valueColumn.size).toBe(1);
    expect(r.stdout).toContain('needed          libneed_a.so\n');
  });

  it('names weak imports as module.field', async () => {
    expect((await run('inspect', weakUndef)).stdout).toContain('weak imports    env.missing_fn, env.missing_data\n');
  });

  it('prints one JSON object for one file and an array in the same order for several', async () => {
    const one = JSON.parse((await run('inspect', needB, '--json')).stdout) as Record<string, unknown>;
    expect(one).toMatchObject({ file: needB, format: 'dylink.0', needed: ['libneed_a.so'] });
    for (const key of [
      'memorySize',
      'memoryAlign',
      'tableSize',
      'tableAlign',
      'runtimePaths',
      'exportInfo',
      'importInfo',
      'tlsExports',
      'weakImports',
      'imports',
      'exports',
    ]) {
      expect(one, key).toHaveProperty(key);
    }
    const many = JSON.parse((await run('inspect', weakUndef, needB, '--json')).stdout) as { file: string }[];
    expect(many.map((m) => m.file)).toEqual([weakUndef, needB]);
  });

  it('reports each bad file on one line, keeps going, and exits 1', async () => {
    const r = await run('inspect', needB, 'missing.so', join(fixturesDir, 'malformed', 'html-404.so'), '--json');
    expect(r.code).toBe(1);
    const errors = r.stderr.trimEnd().split('\n');
    expect(errors).toEqual([
      'dl: missing.so: not found [DL_NOT_FOUND]',
      expect.stringMatching(
        /^dl: .*html-404\.so: not a WebAssembly binary: it starts with the bytes 3c 21 44 4f, .* \[DL_BAD_MAGIC\]$/,
      ),
    ]);
    const out = JSON.parse(r.stdout) as { file: string; error?: { code: string } }[];
    expect(out.map((o) => o.error?.code ?? 'ok')).toEqual(['ok', 'DL_NOT_FOUND', 'DL_BAD_MAGIC']);
  });

  it.each(malformedCases.filter((c) => c.module !== 'ok' || c.dylink !== 'ok').map((c) => [c.file, c] as const))(
    'malformed/%s: one clear line and exit 1',
    async (file, c) => {
      for (const command of ['inspect', 'nm']) {
        const r = await run(command, join(fixturesDir, 'malformed', file));
        expect(r.code).toBe(1);
        expect(r.stdout).toBe('');
        const code = c.module !== 'ok' ? c.module : 'DL_NOT_SIDE_MODULE';
        expect(r.stderr).toMatch(new RegExp(`^dl: .*${file.replace('.', '\\.')}: .+ \\[${code}\\]\\n$`));
      }
    },
  );

  it('refuses a directory with a clear line', async () => {
    expect(await run('nm', fixturesDir)).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/: not a file \(a directory\) \[DL_NOT_FOUND\]\n$/) as unknown,
    });
  });

  it('lists symbols like nm, sorted, with filters', async () => {
    const all = (await run('nm', weakUndef)).stdout.trimEnd().split('\n');
    const names = all.map((l) => (/^ {8}|^[0-9a-f]{8}/.test(l) ? l.slice(8).trim().split(/\s+/)[1] : 'misaligned'));
    expect(names).toEqual([...names].sort());
    expect(all.find((l) => l.includes('missing_fn') && l.includes('GOT.func'))).toMatch(
      /^\s+w {2}missing_fn\s+GOT\.func \(weak\)/,
    );
    const defined = (await run('nm', weakUndef, '--defined')).stdout.trimEnd().split('\n');
    expect(defined.every((l) => / [TDLGM] {2}/.test(l))).toBe(true);
    const undef = (await run('nm', weakUndef, '--undefined')).stdout.trimEnd().split('\n');
    expect(undef.every((l) => / [Uw] {2}/.test(l))).toBe(true);
    expect(defined.length + undef.length).toBe(all.length);
  });
});
