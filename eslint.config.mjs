import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nondeterministic =
  'Orchestrators replay: take time from context.df.currentUtcDateTime and ids from context.df.newGuid.';
const injected =
  'shared/jobs takes time, waits and randomness from its ports (Clock, Delays, IdGenerator): see docs/architecture.md.';
const timerGlobals = ['setTimeout', 'setInterval', 'setImmediate', 'clearTimeout', 'clearInterval'];
const ioModules = ['node:*', 'fs', 'fs/*', 'crypto', 'http', 'https', 'net', 'child_process', '@azure/*'];

/** Purity fences: `message` names the replacement. */
const impurityRules = (message, globals, imports) => ({
  'no-restricted-globals': ['error', ...globals.map((name) => ({ name, message }))],
  'no-restricted-properties': [
    'error',
    { object: 'Date', property: 'now', message },
    { object: 'Math', property: 'random', message },
    { object: 'crypto', property: 'randomUUID', message },
    { object: 'crypto', property: 'getRandomValues', message },
    { object: 'performance', property: 'now', message },
    { object: 'process', property: 'env', message },
  ],
  'no-restricted-syntax': [
    'error',
    { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message },
    { selector: "CallExpression[callee.name='Date']", message },
  ],
  'no-restricted-imports': ['error', { patterns: imports }],
});

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'packages/*/dist/**',
      '.package/**',
      'node_modules/**',
      'coverage/**',
      'test/fixtures/**/*.js',
      '*.config.js',
      '*.config.mjs',
      '.dependency-cruiser.js',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
    },
  },
  {
    files: ['shared/jobs/**/*.ts'],
    rules: impurityRules(injected, [...timerGlobals, 'fetch', 'performance'], ioModules),
  },
  {
    files: ['**/*.orchestrator.ts'],
    rules: impurityRules(
      nondeterministic,
      [...timerGlobals, 'fetch'],
      ['node:*', 'fs', 'crypto', 'http', 'https', '@azure/data-tables', '@azure/storage-queue'],
    ),
  },
);
