// One lint configuration. The import rules below are the architecture of ../shared/architecture.md made
// mechanical: each message names the rule it keeps.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import { architectureZones } from './scripts/eslint/architecture-zones.js';

const rule = (text) => `Architecture rule: ${text} (see shared/architecture.md).`;

const NODE_BUILTINS = ['node:*', 'fs', 'path', 'os', 'crypto', 'http', 'https', 'net', 'child_process', 'stream', 'url', 'util', 'events'];

// By name rather than by import, so `electron.ipcMain` and re-exports are caught too.
const IPC_MAIN = {
  selector: 'Identifier[name="ipcMain"]',
  message: rule('ipcMain has one owner: desktop/main/ipc, which checks channel, sender and payload'),
};
const IPC_RENDERER = {
  selector: 'Identifier[name=/^(ipcRenderer|contextBridge)$/]',
  message: rule('ipcRenderer and contextBridge have one owner: desktop/preload, which exposes the allow-listed API only'),
};

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'server/db/generated/', 'test-results/', 'playwright-report/', 'release/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { tandem: { rules: { 'architecture-zones': architectureZones } } },
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'tandem/architecture-zones': [
        'error',
        {
          zones: [
            {
              target: ['shared/protocol', 'shared/sync'],
              from: ['server', 'desktop', 'e2e', 'shared/sandbox'],
              message: rule('shared/protocol and shared/sync are isomorphic and import only zod and Automerge'),
            },
            {
              target: ['shared'],
              from: ['server', 'desktop', 'e2e'],
              message: rule('shared depends on neither the server nor the desktop app'),
            },
            {
              target: ['desktop/renderer'],
              from: ['server', 'desktop/main', 'desktop/preload', 'shared/sandbox'],
              message: rule('the renderer imports shared/protocol and shared/sync only'),
            },
            {
              target: ['server'],
              from: ['desktop', 'e2e'],
              message: rule('the server never imports the desktop app'),
            },
            {
              target: ['desktop/main', 'desktop/preload'],
              from: ['server', 'desktop/renderer'],
              message: rule('desktop/main never imports the server or the renderer'),
            },
            {
              target: ['e2e'],
              from: ['server', 'desktop', 'shared/sandbox', 'shared/sync'],
              message: rule('e2e uses only shared/protocol types'),
            },
          ],
        },
      ],
    },
  },
  {
    files: ['shared/protocol/**', 'shared/sync/**', 'desktop/renderer/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: NODE_BUILTINS, message: rule('isomorphic and renderer code has no Node APIs') },
            { group: ['electron'], message: rule('only desktop/platform code knows about Electron') },
            { group: ['dockerode'], message: rule('dockerode has one owner: shared/sandbox') },
          ],
        },
      ],
    },
  },
  {
    files: ['desktop/renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['server/**', 'desktop/main/**', 'e2e/**', 'scripts/**'],
    ignores: ['shared/sandbox/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'dockerode', message: rule('dockerode has one owner: shared/sandbox') }] }],
    },
  },
  {
    files: ['**/*.{ts,tsx,js,mjs,cjs}'],
    ignores: ['desktop/main/ipc/**', 'desktop/preload/**'],
    rules: { 'no-restricted-syntax': ['error', IPC_MAIN, IPC_RENDERER] },
  },
  { files: ['desktop/main/ipc/**'], rules: { 'no-restricted-syntax': ['error', IPC_RENDERER] } },
  {
    files: ['desktop/preload/**'],
    rules: {
      'no-restricted-syntax': ['error', IPC_MAIN],
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'dockerode', message: rule('dockerode has one owner: shared/sandbox') }],
          patterns: [{ group: NODE_BUILTINS, message: rule('the sandboxed preload has no Node APIs; it imports electron only') }],
        },
      ],
    },
  },
  {
    // The Prisma client lives in repositories, the database module and the sync storage only.
    files: ['server/**/*.ts'],
    ignores: ['server/db/**', 'server/sync/**', 'server/**/*repository.ts', 'server/**/*.test.ts', 'server/test-support/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'MemberExpression[object.property.name="prisma"], MemberExpression[object.name="prisma"]',
          message: rule('only repositories touch the Prisma client'),
        },
      ],
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'dockerode', message: rule('dockerode has one owner: shared/sandbox') }],
          patterns: [
            {
              group: ['**/db/generated/**', '@prisma/client', '@prisma/client/*'],
              message: rule('only repositories touch the Prisma client'),
            },
          ],
        },
      ],
    },
  },
  prettier,
);
