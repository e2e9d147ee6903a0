/**
 * The published @dl packages as a user gets them: `pnpm pack` tarballs installed with npm into a
 * temporary project outside the workspace (so nothing resolves through the monorepo), plus the
 * helpers the tarball tests use to run README examples, publint and attw there.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The packages published to npm (directories under packages/), dependencies first. */
export const published = [
  'errors',
  'reader',
  'layout',
  'symbols',
  'linker',
  'loaders',
  'emscripten',
  'cli',
  'wasi',
] as const;
export type Published = (typeof published)[number];

/** The repository root. */
export const root: string = fileURLToPath(new URL('../../../', import.meta.url));

/** What a command printed and how it ended. */
export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to its end (never throws for a non-zero exit; the result carries the code). */
export function run(command: string, args: readonly string[], cwd: string, timeoutMs = 300_000): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      {
        cwd,
        timeout: timeoutMs,
        maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ code, stdout, stderr: error !== null && stderr === '' ? error.message : stderr });
      },
    );
  });
}

/** Newest modification time (ms) of the source files under `dir` (tests are not built). */
function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || /\.test(-d)?\.ts$/.test(entry.name)) continue;
    latest = Math.max(latest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return latest;
}

/**
 * Throws unless every published package has a `dist/` built after its last source change: the
 * tarballs would otherwise test an old build (CI runs `pnpm build` before `pnpm test`).
 */
export function assertBuilt(): void {
  const stale = published.filter((p) => {
    const dist = join(root, 'packages', p, 'dist');
    return (
      !existsSync(join(dist, 'index.js')) ||
      newest(join(root, 'packages', p, 'src')) > statSync(join(dist, 'index.js')).mtimeMs
    );
  });
  if (stale.length > 0)
    throw new Error(`packages without a current build (run \`pnpm build\` first): ${stale.join(', ')}`);
}

/** Packs every published package with `pnpm pack` into `dest`; returns package → tarball path. */
export async function packAll(dest: string): Promise<Map<Published, string>> {
  const results = await Promise.all(
    published.map((p) => run('pnpm', ['pack', '--pack-destination', dest], join(root, 'packages', p))),
  );
  results.forEach((r, i) => {
    if (r.code !== 0) throw new Error(`pnpm pack of @dl/${published[i]!} failed:\n${r.stderr}`);
  });
  return new Map(published.map((p) => [p, join(dest, `dl-${p}-${version(p)}.tgz`)]));
}

/** The version in a package's package.json. */
function version(p: Published): string {
  return (JSON.parse(readFileSync(join(root, 'packages', p, 'package.json'), 'utf8')) as { version: string }).version;
}

/** `name@version` of a dependency as installed in the workspace, in `from`'s node_modules (`from`: a package directory). */
export function pinned(name: string, from: string): string {
  const manifest = join(root, from, 'node_modules', name, 'package.json');
  return `${name}@${(JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version}`;
}

/** A temporary npm project with the tarballs installed. */
export interface PackedProject {
  readonly dir: string;
  readonly tarballs: ReadonlyMap<Published, string>;
}

/**
 * Packs the packages and installs the tarballs (their @dl dependencies come from the tarballs
 * themselves) with `extra` registry packages into a fresh project (no `type`: as `npm init` makes
 * it; the examples are `.mts`) under the OS temp directory.
 */
export async function packedProject(extra: readonly string[]): Promise<PackedProject> {
  assertBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'dl-packed-'));
  mkdirSync(join(dir, 'tarballs'));
  const tarballs = await packAll(join(dir, 'tarballs'));
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: 'dl-packed-check', private: true }, null, 2)}\n`);
  const args = [
    'install',
    '--no-audit',
    '--no-fund',
    '--prefer-offline',
    '--loglevel=error',
    ...tarballs.values(),
    ...extra,
  ];
  const installed = await run('npm', args, dir);
  if (installed.code !== 0) throw new Error(`npm install in ${dir} failed:\n${installed.stderr}`);
  return { dir, tarballs };
}

/** A ```sh block whose one command starts with `npx `, followed by its ```text output. */
export interface CommandExample {
  readonly argv: readonly string[];
  readonly output: string;
}

/** The first `npx …` command block of a README that is followed by a ```text block. */
export function firstCommandExample(readme: string): CommandExample | undefined {
  const blocks = [...readFileSync(readme, 'utf8').matchAll(/```(\w+)\n([\s\S]*?)```/g)];
  for (const [i, b] of blocks.entries()) {
    const line = b[2]!.trim();
    if (b[1] === 'sh' && line.startsWith('npx ') && !line.includes('\n') && blocks[i + 1]?.[1] === 'text') {
      return { argv: line.slice('npx '.length).split(/\s+/), output: blocks[i + 1]![2]! };
    }
  }
  return undefined;
}

/** The first ```sh block of a README (its install line, by convention). */
export function firstShellBlock(readme: string): string | undefined {
  return /```sh\n([\s\S]*?)```/.exec(readFileSync(readme, 'utf8'))?.[1]?.trim();
}

/**
 * Node lines that load every JS entry of the installed packages with `import()` and `require()`
 * and print any entry whose export names differ between the two.
 */
export function entryCheckScript(dir: string): string {
  const specs: string[] = [];
  for (const p of published) {
    const manifest = JSON.parse(readFileSync(join(dir, 'node_modules', '@dl', p, 'package.json'), 'utf8')) as {
      exports: Record<string, unknown>;
    };
    for (const [key, value] of Object.entries(manifest.exports)) {
      if (typeof value === 'object' && value !== null && 'require' in value) specs.push(`@dl/${p}${key.slice(1)}`);
    }
  }
  return [
    "import { createRequire } from 'node:module';",
    'const require = createRequire(import.meta.url);',
    `for (const spec of ${JSON.stringify(specs)}) {`,
    '  const esm = Object.keys(await import(spec)).filter((k) => k !== "default").sort().join();',
    '  const cjs = Object.keys(require(spec)).sort().join();',
    '  console.log(esm === cjs && esm !== "" ? `ok ${spec}` : `DIFFERENT ${spec}: esm [${esm}] cjs [${cjs}]`);',
    '}',
  ].join('\n');
}

/**
 * Export keys of a packed package.json that name a non-JavaScript file (C headers, .so, link lists)
 * or a classic script (`*.global.js`, for `importScripts`: no module, no types): nothing to check.
 */
export function assetEntries(manifest: { exports: Record<string, unknown> }): string[] {
  return Object.entries(manifest.exports)
    .filter(
      ([key, value]) =>
        typeof value === 'string' &&
        !key.includes('*') &&
        (!/\.(c?js|mjs|json)$/.test(value) || value.endsWith('.global.js')),
    )
    .map(([key]) => key);
}
