import type { Options } from 'tsup';
import { packageBuild } from '../../tooling/config/tsup.js';

const config: Options = packageBuild({
  index: 'src/index.ts',
  dylink: 'src/dylink/index.ts',
  module: 'src/module/index.ts',
  bytes: 'src/bytes/index.ts',
});

export default config;
