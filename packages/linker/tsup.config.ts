import type { Options } from 'tsup';
import { bundleDl, packageBuild } from '../../tooling/config/tsup.js';

const config: Options = packageBuild(
  {
    index: 'src/index.ts',
    plans: 'src/plans.ts',
    follow: 'src/follow.ts',
    threads: 'src/threads.ts',
    'compat-library': 'src/compat-library.ts',
  },
  // Each entry is one file: no chunks shared between them (the main entry's import stays one
  // file). The compatibility library stays in its own entry, which createLinker imports on
  // demand (from either format: an ES module, which `import()` loads from CommonJS too).
  { ...bundleDl, splitting: false, external: ['./compat-library.js'] },
);

export default config;
