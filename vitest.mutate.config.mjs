// @ts-check
import { configDefaults, defineConfig } from 'vitest/config';
import base from './vitest.config';
import { mutationTests, skippedTests } from './stryker.config.mjs';

/**
 * The test run StrykerJS drives (`npm run mutate`): the project's settings, over the tests stryker.config.mjs selects.
 * The settings include the globalSetup that starts the throwaway PostgreSQL server the store tests' second half uses.
 */
export default defineConfig({ ...base, test: { ...base.test, include: mutationTests, exclude: [...configDefaults.exclude, ...skippedTests] } });
