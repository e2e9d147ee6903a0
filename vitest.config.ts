import { defineConfig } from 'vitest/config';
import type { ViteUserConfig } from 'vitest/config';

/** One root config: tests sit next to the code in every workspace package. */
const config: ViteUserConfig = defineConfig({
  // Node tests resolve through SSR; the source condition lets them run without a build.
  ssr: { resolve: { conditions: ['@dl/source'] } },
  resolve: { conditions: ['@dl/source'] },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'tooling/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts'],
    // Generous: CI runs the whole suite on 2 busy cores (the legacy grammar tests take ~20 s alone).
    testTimeout: 120_000,
    // Type-level tests (`*.test-d.ts`, `expectTypeOf`): checked by tsc as part of `pnpm test`.
    typecheck: { enabled: true, include: ['packages/*/src/**/*.test-d.ts'], tsconfig: './tsconfig.typetests.json' },
  },
});

export default config;
