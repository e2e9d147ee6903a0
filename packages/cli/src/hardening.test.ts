import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixture, fixtureBytes, fixturePath, fixturesDir } from '@dl/fixtures';
import { withDylinkEntries } from '@dl/fixtures/writer';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliIo } from './io.js';
import { main } from './main.js';
import { MAX_FILE_BYTES, readFileAsBytes } from './node-io.js';
import { run } from './run-in-process.js';

const dir = mkdtempSync(join(tmpdir(), 'dl-cli-hardening-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});
const needB = fixturePath(fixture('need_b', 'clang16'));
const needA = fixturePath(fixture('need_a', 'clang16'));
/** What a terminal must never receive raw: ESC (title, clear screen), BEL, CR, C1 CSI, bidi overrides. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('dl refuses what is not a regular file, and reads at most 256 MiB (item 10)', () => {
  it('a FIFO, /dev/zero and /dev/urandom: one line, DL_NOT_FOUND, exit 1, without opening them', async () => {
    const fifo = join(dir, 'fifo.so');
    execFileSync('mkfifo', [fifo]);
    for (const [path, kind] of [
      [fifo, 'a named pipe'],
      ['/dev/zero', 'a character device'],
      ['/dev/urandom', 'a character device'],
    ] as const) {
      for (const command of ['inspect', 'nm']) {
        expect(await run(command, path)).toEqual({
          code: 1,
          stdout: '',
          stderr: `dl: ${path}: not a file (${kind}) [DL_NOT_FOUND]\n`,
        });
      }
    }
  });

  it('a file over the cap is DL_LIMIT before anything is read', async () => {
    const big = join(dir, 'big.so');
    writeFileSync(big, fixtureBytes(fixture('need_a', 'clang16')));
    truncateSync(big, MAX_FILE_BYTES + 1); // sparse: nothing is written
    expect(await run('nm', big)).toMatchObject({
      code: 1,
      stderr: `dl: ${big}: the file is ${MAX_FILE_BYTES + 1} bytes, more than the ${MAX_FILE_BYTES} bytes dl reads [DL_LIMIT]\n`,
    });
    await expect(readFileAsBytes(needA, 100)).rejects.toMatchObject({ code: 'DL_LIMIT' });
    expect((await readFileAsBytes(needA)).length).toBe(fixtureBytes(fixture('need_a', 'clang16')).length);
  });
});

describe('text output escapes what a file could use to drive the terminal (item 11)', () => {
  const hostile = '\u001b]0;owned\u0007\u001b[2J\r\u202etxt.so';
  it('NEEDED names, RUNTIME_PATH entries and file names are escaped in text; JSON stays exact', async () => {
    const file = join(dir, `lib\u001b[8mhidden\n.so`);
    writeFileSync(
      file,
      withDylinkEntries(fixtureBytes(fixture('need_b', 'clang16')), [hostile], ['$ORIGIN/\u001b[31m']),
    );
    const text = await run('inspect', file);
    expect(text.code).toBe(0);
    expect(text.stdout).not.toMatch(CONTROL);
    expect(text.stdout).toContain('lib\\x1b[8mhidden\\x0a.so\n');
    expect(text.stdout).toContain('needed          \\x1b]0;owned\\x07\\x1b[2J\\x0d\\u{202e}txt.so\n');
    expect(text.stdout).toContain('runtime paths   $ORIGIN/\\x1b[31m\n');
    const json = JSON.parse((await run('inspect', file, '--json')).stdout) as { needed: string[]; file: string };
    expect(json).toMatchObject({ needed: [hostile], file });
    const ldd = await run('ldd', file);
    expect(ldd.stdout + ldd.stderr).not.toMatch(CONTROL);
    expect(ldd.stdout).toContain('\\x1b]0;owned\\x07');
  });

  it('export names in nm, and file names in error lines', async () => {
    const file = join(dir, 'bad\u001b]0;x\u0007.so');
    writeFileSync(file, 'not wasm');
    const r = await run('nm', file);
    expect(r.stderr).toBe(
      `dl: ${dir}/bad\\x1b]0;x\\x07.so: not a WebAssembly binary: it starts with the bytes 6e 6f 74 20, not the magic number 00 61 73 6d ("\\0asm") while reading the module header (at byte 0) [DL_BAD_MAGIC]\n`,
    );
    const usage = await run('inspect', '--\u001b[2J');
    expect(usage.stderr).not.toMatch(CONTROL);
  });
});

describe('each file is reported as it is read (item 13)', () => {
  it('an earlier good file is printed before a later one is even asked for', async () => {
    let stdout = '';
    let stderr = '';
    const seen: string[] = [];
    const io: CliIo = {
      stdout: (t) => {
        stdout += t;
      },
      stderr: (t) => {
        stderr += t;
      },
      readFile: async (path) => {
        seen.push(stdout);
        if (path === 'later.so') throw new Error('a bug in a reader');
        return readFileAsBytes(path);
      },
    };
    for (const json of [false, true]) {
      stdout = '';
      seen.length = 0;
      const code = await main(['inspect', needB, 'later.so', ...(json ? ['--json'] : [])], io);
      expect(code).toBe(70);
      expect(seen[1]).toContain(json ? `"file": "${needB}"` : `${needB}\n  format`);
      expect(stderr).toMatch(/^dl: internal error: Error: a bug in a reader/m);
    }
  });

  it('several files with --json: the same text as the array stringified at once', async () => {
    const r = await run('inspect', needB, 'missing.so', needA, '--json');
    const parsed = JSON.parse(r.stdout) as unknown[];
    expect(r.stdout).toBe(`${JSON.stringify(parsed, null, 2)}\n`);
    expect(parsed).toHaveLength(3);
  });
});

describe("one vocabulary, conventional exit codes, the project's own words (item 14)", () => {
  it('a directory is the same code and reason in inspect, nm and ldd', async () => {
    const lines = await Promise.all(['inspect', 'nm', 'ldd'].map(async (c) => (await run(c, fixturesDir)).stderr));
    expect(lines.map((l) => /\[(DL_\w+)\]\n$/.exec(l)?.[1])).toEqual(['DL_NOT_FOUND', 'DL_NOT_FOUND', 'DL_NOT_FOUND']);
    for (const l of lines) expect(l).toMatch(/not a file/);
    expect((await run('inspect', join(dir, 'nope.so'))).stderr).toBe(`dl: ${dir}/nope.so: not found [DL_NOT_FOUND]\n`);
  });

  it('help for an unknown command is a usage error; -V, --version, -v and version print the version', async () => {
    expect(await run('help', 'nosuch')).toMatchObject({
      code: 2,
      stdout: '',
      stderr: expect.stringMatching(/^dl: unknown command "nosuch"\n\n/) as unknown,
    });
    for (const v of ['-V', '--version', '-v', 'version'])
      expect(await run(v)).toEqual({ code: 0, stdout: 'dl dev\n', stderr: '' });
    expect((await run('version', 'x')).code).toBe(2);
  });

  it('usage errors in its own words: no node:util text, no unbalanced quote', async () => {
    const cases: [string[], string][] = [
      [['inspect', needB, '--bogus'], 'dl: unknown option "--bogus"'],
      [['nm', '-x', needB], 'dl: unknown option "-x"'],
      [['ldd', needB, '-L'], 'dl: option --library-path needs a directory'],
      [['ldd', needB, '--json=yes'], 'dl: option --json takes no value'],
    ];
    for (const [argv, line] of cases) {
      const r = await run(...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr.split('\n')[0]).toBe(line);
    }
    expect((await run('ldd', '-L', join(fixturesDir, 'clang16'), '--', 'libneed_b.so')).code).toBe(0);
  });
});

describe('a closed pipe ends the command quietly (item 12)', () => {
  it('dl nm FILE | head -1: no EPIPE stack trace, the status of a program ended by SIGPIPE', async () => {
    const bin = fileURLToPath(new URL('./bin.ts', import.meta.url));
    const big = join(dir, 'many.so');
    copyFileSync(fixturePath(fixture('many', 'clang16')), big);
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@dl/source', bin, 'nm', big], {
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: fileURLToPath(new URL('..', import.meta.url)),
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    // The reader goes away before dl writes anything.
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => {
      child.on('close', resolve);
    });
    expect(stderr).toBe('');
    expect(code).toBe(141);
  }, 30_000);
});
