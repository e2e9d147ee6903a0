import type { Options } from 'tsup';
import { bundleDl, packageBuild } from '../../tooling/config/tsup.js';

const config: Options = packageBuild({ index: 'src/index.ts', 'compat-library': 'src/compat-library.ts' }, bundleDl);

export default config;
