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
    // A package entry point is a short list of named exports.
    files: ['packages/*/src/index.ts'],
    rules: {
      'no-restricted-syntax': ['error', { selector: 'ExportAllDeclaration', message: 'List named exports; no `export *` in an entry point.' }],
    },
  },
];
