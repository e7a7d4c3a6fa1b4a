import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';

/**
 * Unit, integration and browser tests. Browser tests (test/e2e) skip themselves, saying why, when Chromium is absent;
 * store tests run on SQLite and on a throwaway PostgreSQL server started once per run (test/helpers/postgres-server.ts).
 */
export default defineConfig({
  // Compiles the renderer's state classes (`*.svelte.ts`: runes) for the tests of their logic.
  plugins: [svelte()],
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/postgres-global-setup.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
