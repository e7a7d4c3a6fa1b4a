// Lint, including the layer rules of docs/architecture.md: src-shared imports only zod and itself;
// src-renderer never reaches Node, Electron or src-main; only src-main/electron imports electron; a training worker
// (src-main/training/worker) never touches the store or the host's side: the host is the only writer.
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const NODE_BUILTINS = ['fs', 'path', 'os', 'child_process', 'crypto', 'http', 'https', 'net', 'url', 'util', 'stream', 'events', 'worker_threads', 'module', 'process', 'buffer'];

const noNode = { regex: '^node:', message: 'This layer must not use Node APIs (see docs/architecture.md).' };
const builtinPaths = NODE_BUILTINS.map((name) => ({ name, message: 'This layer must not use Node APIs (see docs/architecture.md).' }));
const noElectron = { group: ['electron', 'electron/*'], message: 'Only src-main/electron may import electron.' };
const noMain = { group: ['**/src-main', '**/src-main/**'], message: 'The UI and the shared contract must not import src-main.' };
const noRenderer = { group: ['**/src-renderer', '**/src-renderer/**'], message: 'Only the renderer imports src-renderer.' };

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'coverage/**', 'reports/**', '.stryker-tmp/**', '.venv-interop/**', '.venv-bench/**'] },
  ...tseslint.configs.recommended,
  ...svelte.configs['flat/recommended'],
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] } },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': 'off',
    },
  },
  {
    files: ['src-shared/**'],
    languageOptions: { globals: {} },
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: builtinPaths, patterns: [noNode, noElectron, noMain, noRenderer, { group: ['svelte', 'svelte/*', 'chart.js', 'chart.js/*'], message: 'src-shared holds no UI code.' }] },
      ],
    },
  },
  {
    files: ['src-renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: { 'no-restricted-imports': ['error', { paths: builtinPaths, patterns: [noNode, noElectron, noMain] }] },
  },
  {
    files: ['src-main/**'],
    ignores: ['src-main/electron/**'],
    languageOptions: { globals: { ...globals.node } },
    rules: { 'no-restricted-imports': ['error', { patterns: [noElectron, noRenderer] }] },
  },
  {
    // The training process: it reads datasets and writes checkpoints, and reports everything else to its host.
    files: ['src-main/training/worker/**'],
    languageOptions: { globals: { ...globals.node } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            noElectron,
            noRenderer,
            {
              group: ['../../store', '../../store/**', '../../api/**', '../../server/**', '../../cli/**', '../../search/**', '../../core', '../host/**', 'better-sqlite3'],
              message: 'A training worker never opens the database nor reaches the host: it sends messages (worker-protocol.ts), and the host writes.',
            },
          ],
        },
      ],
    },
  },
  {
    // The host side imports the worker's code only for types (what a job holds), never to run it in the host process.
    files: ['src-main/training/host/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [noElectron, noRenderer, { group: ['**/worker/**'], allowTypeImports: true, message: 'Training runs in a worker process, never in the host: import its types only.' }] },
      ],
    },
  },
  {
    files: ['src-main/electron/**'],
    languageOptions: { globals: { ...globals.node } },
    rules: { 'no-restricted-imports': ['error', { patterns: [noRenderer] }] },
  },
  {
    files: ['test/**', 'bench/**', 'scripts/**', 'bin/**', '*.config.*'],
    languageOptions: { globals: { ...globals.node } },
  },
);
