import { readFileSync } from 'node:fs';
import type { Options } from 'tsup';
import { packageBuild } from '../../tooling/config/tsup.js';

const { version } = JSON.parse(readFileSync(new URL('package.json', import.meta.url), 'utf8')) as { version: string };
/** `dl --version` prints the package version baked in at build time. */
const define = { __DL_VERSION__: JSON.stringify(version) };

const library: Options = packageBuild({ index: 'src/index.ts', report: 'src/report/index.ts' }, { define });

/** The executable: ESM only, with a shebang. */
const executable: Options = {
  entry: { bin: 'src/bin.ts' },
  format: ['esm'],
  dts: false,
  sourcemap: false,
  clean: false,
  target: 'es2022',
  banner: { js: '#!/usr/bin/env node' },
  define,
};

const config: Options[] = [library, executable];

export default config;
