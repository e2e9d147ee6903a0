import type { Options } from 'tsup';
import { packageBuild } from '../../tooling/config/tsup.js';

const config: Options = packageBuild({
  index: 'src/index.ts',
});

export default config;
