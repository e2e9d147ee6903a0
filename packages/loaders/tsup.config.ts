import type { Options } from 'tsup';
import { packageBuild } from '../../tooling/config/tsup.js';

const config: Options = packageBuild({
  index: 'src/index.ts',
  node: 'src/node/index.ts',
  search: 'src/search-entry.ts',
});

export default config;
