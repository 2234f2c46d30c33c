// Once per `vitest run`, for every browser test file: the page built as it ships (`vite build`,
// with the f-I panel's test fixture page as a second entry) and served by Vite's preview server, and
// one Debian Chromium (headless, software WebGL), shared by the files instead of started per file
// (each file connects to the browser and opens its own contexts, so no state is shared between
// files). Their addresses reach the test files through `provide`/`inject`.
//
// The built site rather than the dev server: the tests see what a student gets, and a page opens
// in about a third of the time (measured here: the first spike 2.5-3.5 s after navigation against
// 8-9 s from the dev server, which compiles and serves every module separately), which is most of
// a browser test's time. The build takes under ten seconds, once.
//
// Nothing here throws: if Chromium is missing or does not start, the reason is provided instead
// and every browser test fails with it (none is skipped), while the other tests run as usual.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build, preview, type PreviewServer } from 'vite';
import { chromium, type BrowserServer } from 'playwright-core';
import type { TestProject } from 'vitest/node';
import { artifacts, CHROMIUM, CHROMIUM_ARGS, missingBrowserMessage, root } from './browserConfig';

/**
 * Where this run's build of the page goes (ignored by git with node_modules): one folder per run,
 * removed after it, so runs started side by side never serve each other's half-written builds.
 */
const SITE = join(root, `node_modules/.e2e-site-${process.pid}`);

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let server: PreviewServer | undefined;
  let browser: BrowserServer | undefined;
  const teardown = async () => {
    await browser?.close().catch(() => undefined);
    await server?.close().catch(() => undefined);
    rmSync(SITE, { recursive: true, force: true });
  };
  if (!existsSync(CHROMIUM)) {
    project.provide('browserProblem', missingBrowserMessage);
    return teardown;
  }
  try {
    mkdirSync(artifacts, { recursive: true });
    // Both at once: the build and Chromium's start-up overlap.
    const starting = (async () => {
      const configFile = join(root, 'vite.config.ts');
      await build({
        root,
        configFile,
        logLevel: 'warn',
        clearScreen: false,
        build: {
          outDir: SITE,
          emptyOutDir: true,
          sourcemap: false,
          reportCompressedSize: false,
          rollupOptions: { input: { main: join(root, 'index.html'), fiPanelHost: join(root, 'tests/e2e/fiPanelHost.html') } },
        },
      });
      server = await preview({ root, configFile, logLevel: 'warn', build: { outDir: SITE }, preview: { port: 0, strictPort: false, host: '127.0.0.1' } });
      const url = server.resolvedUrls?.local[0];
      if (!url) throw new Error('the Vite preview server did not report its address');
      return url;
    })();
    const launching = chromium.launchServer({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    const [url, launched] = await Promise.allSettled([starting, launching]);
    if (launched.status === 'fulfilled') browser = launched.value;
    if (url.status === 'rejected') throw new Error(`the page was not built and served: ${String(url.reason)}`);
    if (launched.status === 'rejected') throw new Error(`Chromium (${CHROMIUM}) did not start: ${String(launched.reason)}`);
    project.provide('baseUrl', url.value);
    project.provide('browserWsEndpoint', browser!.wsEndpoint());
  } catch (err) {
    project.provide('browserProblem', err instanceof Error ? err.message : String(err));
  }
  return teardown;
}
