import { defineConfig } from 'vitest/config';

/** Unit, integration and browser tests. Browser tests (test/e2e) skip themselves, saying why, when Chromium is absent. */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
