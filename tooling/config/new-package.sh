#!/usr/bin/env bash
# Writes the uniform files of a published @dl package: package.json, tsconfig.json, tsup.config.ts.
# usage: new-package.sh DIR NAME "description" [subpath=src/file.ts ...]
set -euo pipefail
dir=$1 name=$2 desc=$3; shift 3
mkdir -p "$dir/src"
node - "$dir" "$name" "$desc" "$@" <<'JS'
const fs = require('node:fs');
const [dir, name, description, ...subs] = process.argv.slice(2);
const entries = { index: 'src/index.ts' };
for (const s of subs) { const [k, v] = s.split('='); entries[k] = v; }
const exp = (key, src) => ({
  '@dl/source': `./${src}`,
  import: { types: `./dist/${key}.d.ts`, default: `./dist/${key}.js` },
  require: { types: `./dist/${key}.d.cts`, default: `./dist/${key}.cjs` },
});
const exports = { '.': exp('index', entries.index) };
for (const [k, v] of Object.entries(entries)) if (k !== 'index') exports[`./${k}`] = exp(k, v);
exports['./package.json'] = './package.json';
const path = `${dir}/package.json`;
const old = fs.existsSync(path) ? JSON.parse(fs.readFileSync(path, 'utf8')) : {};
const pkg = {
  name, version: old.version ?? '0.0.0', description,
  license: 'MIT', type: 'module', sideEffects: false,
  engines: { node: '>=20.19' },
  exports, main: './dist/index.cjs', module: './dist/index.js', types: './dist/index.d.ts',
  // TypeScript's node10 resolution ignores `exports`: subpaths find their types through this.
  ...(Object.keys(entries).length > 1 ? { typesVersions: { '*': Object.fromEntries(Object.keys(entries).filter((k) => k !== 'index').map((k) => [k, [`./dist/${k}.d.ts`]])) } } : {}),
  files: ['dist'],
  ...(old.bin ? { bin: old.bin } : {}),
  scripts: { build: 'tsup', typecheck: 'tsc --noEmit -p .' },
  ...(old.dependencies ? { dependencies: old.dependencies } : {}),
  devDependencies: { '@types/node': 'catalog:', tsup: 'catalog:', typescript: 'catalog:', vitest: 'catalog:', ...(old.devDependencies ?? {}) },
};
fs.writeFileSync(path, JSON.stringify(pkg, null, 2) + '\n');
if (!fs.existsSync(`${dir}/LICENSE`)) fs.copyFileSync('LICENSE', `${dir}/LICENSE`);
fs.writeFileSync(`${dir}/tsconfig.json`, JSON.stringify({ extends: '../../tsconfig.base.json', compilerOptions: { types: ['node'] }, include: ['src', 'tsup.config.ts'] }, null, 2) + '\n');
fs.writeFileSync(`${dir}/tsup.config.ts`, `import type { Options } from 'tsup';
import { packageBuild } from '../../tooling/config/tsup.js';

const config: Options = packageBuild(${JSON.stringify(entries, null, 2).replace(/"/g, "'")});

export default config;
`);
JS
