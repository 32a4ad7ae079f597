import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nondeterministic =
  'Orchestrators replay: take time from context.df.currentUtcDateTime and ids from context.df.newGuid.';

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
    files: ['**/*.orchestrator.ts'],
    rules: {
      'no-restricted-globals': [
        'error',
        { name: 'setTimeout', message: nondeterministic },
        { name: 'setInterval', message: nondeterministic },
        { name: 'fetch', message: nondeterministic },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: nondeterministic },
        { object: 'Math', property: 'random', message: nondeterministic },
        { object: 'crypto', property: 'randomUUID', message: nondeterministic },
        { object: 'process', property: 'env', message: nondeterministic },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: nondeterministic },
      ],
      'no-restricted-imports': [
        'error',
        {
          patterns: ['node:*', 'fs', 'crypto', 'http', 'https', '@azure/data-tables', '@azure/storage-queue'],
        },
      ],
    },
  },
);
