import { resolve } from 'node:path';
import { defineConfig } from 'vite';

/** Builds the benchmarks (Node, ESM) to out/bench; dependencies stay external, as in the app's main build. */
export default defineConfig({
  build: {
    ssr: true,
    outDir: resolve(import.meta.dirname, '../out/bench'),
    emptyOutDir: true,
    target: 'node20',
    rollupOptions: {
      input: { run: resolve(import.meta.dirname, 'run.ts'), 'bare-fit': resolve(import.meta.dirname, 'bare-fit.ts'), 'bare-cnn-fit': resolve(import.meta.dirname, 'bare-cnn-fit.ts') },
      output: { format: 'es', entryFileNames: '[name].js' },
    },
  },
});
