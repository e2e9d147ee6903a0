// The published packages as a user meets them: packed, installed with npm outside the workspace.
// Needs `pnpm build` first (CI builds before `pnpm test`); a stale or missing dist fails, never skips.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readmeExamples } from '@dl/fixtures/readme';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assetEntries,
  entryCheckScript,
  firstCommandExample,
  firstShellBlock,
  packedProject,
  pinned,
  published,
  root,
  run,
} from './index.js';
import type { PackedProject } from './index.js';

const readme = (p: string): string => join(root, 'packages', p, 'README.md');
const bin = (project: PackedProject, name: string): string => join(project.dir, 'node_modules', '.bin', name);
const manifestOf = (project: PackedProject, p: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(project.dir, 'node_modules', '@dl', p, 'package.json'), 'utf8')) as Record<
    string,
    unknown
  >;

/** What the READMEs' examples need from the registry besides @dl (versions as in the workspace). */
const extra = [
  pinned('tsx', '.'),
  pinned('typescript', '.'),
  pinned('@types/node', '.'),
  pinned('web-tree-sitter', 'packages/emscripten'),
  pinned('tree-sitter-wasms', 'packages/emscripten'),
  // web-tree-sitter 0.27.1's .d.ts uses `EmscriptenModule` but lists these types only as its devDependency.
  '@types/emscripten@1.41.6',
];

let project: PackedProject;

/** @dl/loaders' hot-reload example (examples/watch.ts, shown in its README with its output). */
function watchExample(): { readonly code: string; readonly output: string } {
  const example = readmeExamples(readme('loaders')).find((e) => e.code.includes('watchLibrary('));
  if (example === undefined) throw new Error("@dl/loaders' README no longer shows the watchLibrary example");
  return example;
}
const haveClang =
  spawnSync('clang-16', ['--version']).status === 0 && spawnSync('wasm-ld-16', ['--version']).status === 0;

beforeAll(async () => {
  project = await packedProject(extra);
  mkdirSync(join(project.dir, 'examples'));
  for (const p of published) {
    const example = readmeExamples(readme(p))[0];
    if (example !== undefined) writeFileSync(join(project.dir, 'examples', `${p}.mts`), example.code);
  }
  writeFileSync(join(project.dir, 'examples', 'loaders-watch.mts'), watchExample().code);
}, 600_000);

afterAll(() => {
  // `project` is unset when beforeAll failed (e.g. no build): nothing to remove then.
  if (process.env.DL_KEEP_PACKED === undefined && typeof project === 'object')
    rmSync(project.dir, { recursive: true, force: true });
});

describe.each(published)('@dl/%s from its packed tarball', (p) => {
  it('the README starts with its purpose and an npm install line naming the package', () => {
    const text = readFileSync(readme(p), 'utf8');
    expect(text.split('\n')[0]).toBe(`# @dl/${p}`);
    expect(firstShellBlock(readme(p))).toMatch(new RegExp(`^npm install @dl/${p}( |$)`));
    expect(text.indexOf('```sh')).toBeLessThan(text.indexOf('```ts'));
  });

  it("the README's first example prints, installed outside the workspace, what the README shows", async () => {
    const example = readmeExamples(readme(p))[0];
    expect(example, 'a ```ts example followed by its ```text output').toBeDefined();
    const result = await run(bin(project, 'tsx'), [join('examples', `${p}.mts`)], project.dir);
    expect(result.stderr.replace(/^.*ExperimentalWarning: WASI.*\n.*--trace-warnings.*\n/m, '')).toBe('');
    expect(result.stdout).toBe(example!.output);
  });

  it('ships a LICENSE, and a package.json without the source condition, devDependencies or scripts', () => {
    const dir = join(project.dir, 'node_modules', '@dl', p);
    expect(readFileSync(join(dir, 'LICENSE'), 'utf8')).toContain('Copyright (c) 2026 the @dl authors');
    const manifest = manifestOf(project, p);
    expect(JSON.stringify(manifest)).not.toContain('@dl/source');
    expect(JSON.stringify(manifest)).not.toContain('example.invalid');
    expect(manifest.devDependencies).toBeUndefined();
    expect(manifest.scripts).toBeUndefined();
    expect(existsSync(join(dir, 'src'))).toBe(false);
  });

  it('publint --strict finds nothing', async () => {
    const result = await run(
      join(root, 'node_modules', '.bin', 'publint'),
      ['run', project.tarballs.get(p)!, '--strict'],
      project.dir,
    );
    expect(`${result.stdout}${result.stderr}`).toContain('All good!');
    expect(result.code).toBe(0);
  });

  it('attw: every JS entry resolves with types under node10, node16 (CJS and ESM) and bundler', async () => {
    const assets = assetEntries(manifestOf(project, p) as { exports: Record<string, unknown> });
    const exclude = assets.length > 0 ? ['--exclude-entrypoints', ...assets] : [];
    const result = await run(
      join(root, 'node_modules', '.bin', 'attw'),
      [project.tarballs.get(p)!, '--format', 'ascii', '--no-color', ...exclude],
      project.dir,
    );
    expect(result.stdout).toContain('No problems found');
    expect(result.code).toBe(0);
  });
});

it('TypeScript (nodenext, strict, library types checked) compiles every README example against the packed types', async () => {
  const compilerOptions = {
    module: 'nodenext',
    moduleResolution: 'nodenext',
    target: 'es2022',
    strict: true,
    noEmit: true,
    types: ['node', 'emscripten'],
    skipLibCheck: false,
  };
  writeFileSync(join(project.dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['examples/*.mts'] }));
  const result = await run(bin(project, 'tsc'), ['-p', '.'], project.dir);
  expect(result.stdout).toBe('');
  expect(result.code).toBe(0);
});

it.skipIf(!haveClang)(
  "@dl/loaders' hot-reload example (watchLibrary, real clang-16 rebuilds) prints, installed, what its README shows",
  async () => {
    const result = await run(bin(project, 'tsx'), [join('examples', 'loaders-watch.mts')], project.dir);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(watchExample().output);
  },
);

it('every JS entry loads with require() and with import(), with the same exports', async () => {
  writeFileSync(join(project.dir, 'entries.mjs'), entryCheckScript(project.dir));
  const result = await run(process.execPath, ['entries.mjs'], project.dir);
  expect(result.code).toBe(0);
  const lines = result.stdout.trim().split('\n');
  expect(lines.length).toBeGreaterThanOrEqual(published.length);
  expect(lines.filter((l) => !l.startsWith('ok '))).toEqual([]);
});

it.each(['linker', 'emscripten'])(
  '@dl/%s is one file per format: it imports no other module (start-up: one file to resolve and compile)',
  (p) => {
    const dist = join(project.dir, 'node_modules', '@dl', p, 'dist');
    const esm = readFileSync(join(dist, 'index.js'), 'utf8');
    const cjs = readFileSync(join(dist, 'index.cjs'), 'utf8');
    expect(esm.match(/^(import|export) .* from ['"].*['"];?$/gm) ?? []).toEqual([]);
    expect(cjs.match(/\brequire\(['"][^'"]*['"]\)/g) ?? []).toEqual([]);
    // On demand only: the compatibility library's file beside it, when `compat` enables a group
    // (the linker's createLinker; the facade's attach() or its start before main).
    const onDemand = ["import('./compat-library.js')"];
    expect(esm.match(/\bimport\([^)]*\)/g) ?? []).toEqual(onDemand);
    expect(cjs.match(/\bimport\([^)]*\)/g) ?? []).toEqual(onDemand);
  },
);

it("@dl/linker's main entry carries no threads code: ThreadGroup is in /threads, followLinker and serveFollower in /follow", async () => {
  const dist = join(project.dir, 'node_modules', '@dl', 'linker', 'dist');
  // The bundles are minified (no class or function names to look for): each entry's code is
  // recognised by a message of its own — ThreadGroup's (threads/group.ts), a follower's
  // (threads/follow-imports.ts).
  const markers = { 'threads.js': 'add each thread once', 'follow.js': 'was called on a follower thread' };
  for (const [entry, marker] of Object.entries(markers)) {
    expect(readFileSync(join(dist, entry), 'utf8')).toContain(marker);
    for (const f of ['index.js', 'index.cjs']) expect(readFileSync(join(dist, f), 'utf8')).not.toContain(marker);
  }
  const probe = [
    "const [main, threads, follow] = await Promise.all(['', '/threads', '/follow'].map((e) => import('@dl/linker' + e)));",
    "console.log(['ThreadGroup', 'followLinker', 'serveFollower'].map((n) => n in main).join(), typeof threads.ThreadGroup, typeof follow.followLinker, typeof follow.serveFollower);",
  ].join('\n');
  writeFileSync(join(project.dir, 'threads-probe.mjs'), probe);
  expect(await run(process.execPath, ['threads-probe.mjs'], project.dir)).toMatchObject({
    code: 0,
    stdout: 'false,false,false function function function\n',
  });
});

it("@dl/linker's and @dl/emscripten's main entries carry no wasm: the compatibility library's base64 is in a file of its own, which both formats import", async () => {
  const wasmBase64 = 'AGFzbQ'; // "\0asm", the start of every module, in base64
  for (const p of ['linker', 'emscripten']) {
    const dist = join(project.dir, 'node_modules', '@dl', p, 'dist');
    for (const f of ['index.js', 'index.cjs']) expect(readFileSync(join(dist, f), 'utf8')).not.toContain(wasmBase64);
    expect(readFileSync(join(dist, 'compat-library.js'), 'utf8')).toContain(wasmBase64);
    // What the entries' `import('./compat-library.js')` finds, from an ES module and from CommonJS.
    const probe = "import('./compat-library.js').then((m) => console.log(WebAssembly.validate(m.compatLibrary())));";
    for (const file of ['compat-probe.mjs', 'compat-probe.cjs']) {
      writeFileSync(join(dist, file), probe);
      try {
        expect(await run(process.execPath, [join(dist, file)], project.dir)).toMatchObject({
          code: 0,
          stdout: 'true\n',
        });
      } finally {
        rmSync(join(dist, file));
      }
    }
  }
});

it("the dl command's first README example runs from the installed package", async () => {
  const example = firstCommandExample(readme('cli'));
  expect(example?.argv[0]).toBe('dl');
  const result = await run(bin(project, 'dl'), example!.argv.slice(1), project.dir);
  expect(result.code).toBe(0);
  expect(result.stdout).toBe(example!.output);
});
