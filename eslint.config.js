// Import boundaries follow shared/CONVENTIONS.md: only electron/main may import electron,
// shared/ stays pure (no node, no DOM), renderer/ reaches the app only through the API.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['node:*', 'fs', 'path', 'os', 'child_process', 'crypto', 'http', 'net', 'url', 'stream', 'worker_threads'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'renderer/dist/**', 'test-results/**', 'playwright-report/**', 'bench/results/**', '.scratch/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly',
        clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', URL: 'readonly',
        URLSearchParams: 'readonly', performance: 'readonly', setImmediate: 'readonly', fetch: 'readonly',
        AbortController: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly', queueMicrotask: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['electron/core/**', 'electron/server/**', 'electron/cli/**', 'electron/api/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'electron', message: 'Only electron/main may import electron; core services are plain Node.' }] }],
    },
  },
  {
    // SQL lives in electron/core (one module per entity); entry points and handlers call it. RegExp#exec
    // shares a name with Database#exec, so exec/pragma/transaction count only on a database (`db`, `x.db`).
    files: ['electron/server/**', 'electron/cli/**', 'electron/api/**', 'electron/main/**'],
    rules: {
      'no-restricted-syntax': ['error',
        { selector: "CallExpression[callee.property.name='prepare']", message: 'No SQL outside electron/core: add a function to the core module of the entity.' },
        { selector: "CallExpression[callee.property.name=/^(exec|pragma|transaction)$/][callee.object.name='db']", message: 'No SQL outside electron/core: add a function to the core module of the entity.' },
        { selector: "CallExpression[callee.property.name=/^(exec|pragma|transaction)$/][callee.object.property.name='db']", message: 'No SQL outside electron/core: add a function to the core module of the entity.' },
      ],
    },
  },
  {
    files: ['shared/**'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'electron', message: 'shared/ is pure TypeScript.' }],
        patterns: [
          { group: nodeBuiltins, message: 'shared/ is pure TypeScript: no Node built-ins.' },
          { group: ['**/electron/**', '**/renderer/**'], message: 'shared/ depends on nothing else in the project.' },
        ],
      }],
    },
  },
  {
    files: ['renderer/src/**'],
    languageOptions: {
      globals: { window: 'readonly', document: 'readonly', navigator: 'readonly', requestAnimationFrame: 'readonly', cancelAnimationFrame: 'readonly', EventSource: 'readonly', HTMLElement: 'readonly', ResizeObserver: 'readonly', localStorage: 'readonly' },
    },
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'electron', message: 'The renderer talks to the app only through the API.' }, { name: 'better-sqlite3', message: 'The renderer never touches the database.' }],
        patterns: [
          { group: nodeBuiltins, message: 'The renderer never touches the file system or Node.' },
          { group: ['**/electron/**'], message: 'The renderer reaches main-process code only through the API client.' },
        ],
      }],
    },
  },
);
