import { defineConfig } from 'vitest/config';

// Cross-origin isolation lets the page use SharedArrayBuffer (and precise timers) with the worker.
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  server: { headers: isolation, port: 5173, host: '127.0.0.1' },
  preview: { headers: isolation, port: 4173, host: '127.0.0.1' },
  worker: { format: 'es' },
  // Pre-bundle the worker's dependencies with the page's, so a cold start does not discover
  // mathjs mid-run and reload the page.
  optimizeDeps: { entries: ['index.html', 'workers/simulation.worker.ts', 'workers/sweep.worker.ts'] },
  build: { target: 'es2022', sourcemap: true, reportCompressedSize: true },
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
