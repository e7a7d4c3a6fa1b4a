import { resolve } from 'node:path';
import { defineConfig } from 'vite';

/** Builds the torture harness (Node, ESM) to out/torture; dependencies stay external, as in the app's main build. */
export default defineConfig({
  build: {
    ssr: true,
    outDir: resolve(import.meta.dirname, '../../out/torture'),
    emptyOutDir: true,
    target: 'node20',
    rollupOptions: {
      input: { run: resolve(import.meta.dirname, 'run.ts') },
      output: { format: 'es', entryFileNames: '[name].js' },
    },
  },
});
