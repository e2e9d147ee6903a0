// Shared flat-config preset for the @dl monorepo: typed, strict TypeScript; plain node for .js/.mjs.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Rules that keep public surfaces small and code free of dynamic evaluation. */
const house = {
  'no-eval': 'error',
  'no-new-func': 'error',
  'no-implied-eval': 'off',
  '@typescript-eslint/no-implied-eval': 'error',
  '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'separate-type-imports' }],
  '@typescript-eslint/consistent-type-exports': 'error',
  '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
  '@typescript-eslint/no-non-null-assertion': 'off',
  // isolatedDeclarations needs explicit types on exported parameters, even inferable ones.
  '@typescript-eslint/no-inferrable-types': ['error', { ignoreParameters: true }],
  // `const { dropped, ...rest } = value` is how a field is left out of a copy.
  '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
};

/** Private tooling and test harness: only tests (`*.test.ts`) and harness (`*.harness.ts`) import them. */
const productImportBans = [
  {
    group: [
      '@dl/fixtures',
      '@dl/fixtures/*',
      '@dl/browser',
      '@dl/browser/*',
      '@dl/bench',
      '@dl/bench/*',
      '@dl/fuzz',
      '@dl/fuzz/*',
      '@dl/config',
      '@dl/config/*',
      'vitest',
      'vitest/*',
    ],
    message: 'Private tooling is for tests: move this module beside the tests as *.harness.ts.',
  },
  {
    group: ['**/*.harness.js', '**/*.harness', '**/*.test.js'],
    message: 'Product sources do not import test harness.',
  },
];

/** @type {import('eslint').Linter.Config[]} */
export const dlPreset = [
  {
    files: ['**/*.{js,mjs,cjs}'],
    ...js.configs.recommended,
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.strictTypeChecked, tseslint.configs.stylisticTypeChecked],
    languageOptions: { parserOptions: { projectService: true } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: house,
  },
  {
    // Product sources (what a package builds and publishes) never import private tooling nor test
    // harness: test-only modules are `*.harness.ts` beside the tests (README: "Tests").
    files: ['packages/*/src/**/*.ts'],
    ignores: ['**/*.test.ts', '**/*.test-d.ts', '**/*.harness.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: productImportBans }] },
  },
  {
    // The loaders (and the CLI above them) use the linker's loader contract as types only: the
    // linker is not part of their run-time graph (`@dl/cli` never links).
    files: ['packages/loaders/src/**/*.ts', 'packages/cli/src/**/*.ts'],
    ignores: ['**/*.test.ts', '**/*.test-d.ts', '**/*.harness.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: productImportBans,
          paths: [
            {
              name: '@dl/linker',
              allowTypeImports: true,
              message: 'The loaders depend on the linker for types only (import type).',
            },
          ],
        },
      ],
    },
  },
  {
    // A package entry point is a short list of named exports.
    files: ['packages/*/src/index.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportAllDeclaration', message: 'List named exports; no `export *` in an entry point.' },
      ],
    },
  },
];
