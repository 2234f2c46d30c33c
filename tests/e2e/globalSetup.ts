// Once per `vitest run`, for every browser test file: one Vite dev server for the page and one
// Debian Chromium (headless, software WebGL), shared by the files instead of started per file
// (each file connects to the browser and opens its own contexts, so no state is shared between
// files). Their addresses reach the test files through `provide`/`inject`.
//
// Nothing here throws: if Chromium is missing or does not start, the reason is provided instead
// and every browser test fails with it (none is skipped), while the other tests run as usual.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, type ViteDevServer } from 'vite';
import { chromium, type BrowserServer } from 'playwright-core';
import type { TestProject } from 'vitest/node';
import { artifacts, CHROMIUM, CHROMIUM_ARGS, missingBrowserMessage, root } from './browserConfig';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let server: ViteDevServer | undefined;
  let browser: BrowserServer | undefined;
  const teardown = async () => {
    await browser?.close().catch(() => undefined);
    await server?.close().catch(() => undefined);
  };
  if (!existsSync(CHROMIUM)) {
    project.provide('browserProblem', missingBrowserMessage);
    return teardown;
  }
  try {
    mkdirSync(artifacts, { recursive: true });
    // Both start at once: Vite's dependency scan and Chromium's start-up overlap.
    const starting = (async () => {
      server = await createServer({
        root,
        configFile: join(root, 'vite.config.ts'),
        logLevel: 'warn',
        clearScreen: false,
        // No hot reload: a source file saved while the tests run must not reload a page mid-test.
        server: { port: 0, strictPort: false, host: '127.0.0.1', hmr: false },
      });
      await server.listen();
      const url = server.resolvedUrls?.local[0];
      if (!url) throw new Error('the Vite dev server did not report its address');
      return url;
    })();
    const launching = chromium.launchServer({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    const [url, launched] = await Promise.allSettled([starting, launching]);
    if (launched.status === 'fulfilled') browser = launched.value;
    if (url.status === 'rejected') throw new Error(`the Vite dev server did not start: ${String(url.reason)}`);
    if (launched.status === 'rejected') throw new Error(`Chromium (${CHROMIUM}) did not start: ${String(launched.reason)}`);
    project.provide('baseUrl', url.value);
    project.provide('browserWsEndpoint', browser!.wsEndpoint());
  } catch (err) {
    project.provide('browserProblem', err instanceof Error ? err.message : String(err));
  }
  return teardown;
}
