// Lint, including the layer rules of docs/architecture.md: src-shared imports only zod and itself;
// src-renderer never reaches Node, Electron or src-main; only src-main/electron imports electron.
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
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'coverage/**'] },
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
    files: ['src-main/electron/**'],
    languageOptions: { globals: { ...globals.node } },
    rules: { 'no-restricted-imports': ['error', { patterns: [noRenderer] }] },
  },
  {
    files: ['test/**', 'bench/**', 'scripts/**', 'bin/**', '*.config.*'],
    languageOptions: { globals: { ...globals.node } },
  },
);
