import { availableParallelism } from 'node:os';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';

/**
 * In the built page, the simulation worker is started by a line in the document's head, while the
 * page's own script is still on its way: the worker's script (the equation parser and the
 * simulator) then loads and compiles beside it. src/ui/earlyWorker.ts takes that worker (and
 * starts one itself where there is none: the dev server, other pages).
 */
function workerFromHead(): Plugin {
  let base = '/';
  return {
    name: 'spikebridge-worker-from-head',
    apply: 'build',
    configResolved(config) {
      base = config.base;
    },
    transformIndexHtml: {
      order: 'post',
      handler(_html, ctx) {
        if (!ctx.filename.endsWith('/index.html') && ctx.filename !== 'index.html') return;
        const file = Object.keys(ctx.bundle ?? {}).find((name) => /(^|\/)simulation\.worker-[\w-]+\.js$/.test(name));
        if (!file) return;
        return [{ tag: 'script', children: `window.spikebridgeWorker = new Worker(${JSON.stringify(base + file)}, { type: 'module' });`, injectTo: 'head-prepend' }];
      },
    },
  };
}

// Cross-origin isolation lets the page use SharedArrayBuffer (and precise timers) with the worker.
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  plugins: [workerFromHead()],
  server: { headers: isolation, port: 5173, host: '127.0.0.1' },
  preview: { headers: isolation, port: 4173, host: '127.0.0.1' },
  worker: { format: 'es' },
  // Pre-bundle the worker's dependencies with the page's, so a cold start does not discover
  // mathjs mid-run and reload the page.
  optimizeDeps: { entries: ['index.html', 'workers/simulation.worker.ts', 'workers/sweep.worker.ts'] },
  build: { target: 'es2022', sourcemap: true, reportCompressedSize: true },
  test: {
    // A safety net against a hang, never a measure: the heaviest tests (COBAHH twice, the CLI's
    // runs, a browser test's waits) took over a minute on this 2-core machine when it was busy.
    testTimeout: 300_000,
    hookTimeout: 300_000,
    reporters: ['default'],
    // At least two test files at a time, even on two cores (Vitest's default there is one): a
    // browser test mostly waits for Chromium, which runs in its own processes, so the unit tests
    // run beside it.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts', 'tests/reference/**/*.test.ts'],
          // The unit files share each worker's modules instead of loading mathjs, the core and the
          // scenario layer afresh per file (import time was a third of the unit files' time). They
          // hold no state of their own between files: the one test that replaces a global
          // (kernelBackends: Function) and the one that spies on a prototype (workerApi) restore them.
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts'],
          // One Vite dev server and one Chromium for all browser test files, started only when a
          // browser test runs (tests/e2e/globalSetup.ts).
          globalSetup: ['tests/e2e/globalSetup.ts'],
          // A browser test waits for the page's own signals, each for up to a minute
          // (tests/e2e/harness.ts: PAGE_WAIT_MS); `expect.poll` too, instead of its default 1 s.
          expect: { poll: { timeout: 60_000, interval: 100 } },
        },
      },
    ],
  },
});
