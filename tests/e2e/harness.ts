// What every browser test file needs: a Vite dev server for the page and Debian's Chromium
// (headless, software WebGL). Without the browser each test fails with `missingBrowser`; none skips.
import { afterAll, beforeAll } from 'vitest';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createServer, type ViteDevServer } from 'vite';
import { chromium, type Browser, type Page } from 'playwright-core';

export const root = resolve(__dirname, '../..');
export const artifacts = join(root, 'artifacts');
export const CHROMIUM = '/usr/bin/chromium';

/** Why there is no browser: each test then fails with this message (never skips). */
export const missingBrowser = existsSync(CHROMIUM)
  ? null
  : `the browser tests need Debian's Chromium at ${CHROMIUM} (apt-get install -y chromium); they fail rather than skip without it`;

export interface BrowserHarness {
  server?: ViteDevServer;
  browser?: Browser;
  baseUrl: string;
}

/** Start the server and the browser before this file's tests (register it first) and close them after. */
export function useBrowser(): BrowserHarness {
  const harness: BrowserHarness = { baseUrl: '' };
  beforeAll(async () => {
    if (missingBrowser) return;
    mkdirSync(artifacts, { recursive: true });
    const server = await createServer({
      root,
      configFile: join(root, 'vite.config.ts'),
      logLevel: 'warn',
      clearScreen: false,
      // No hot reload: a source file saved while the tests run must not reload a page mid-test.
      server: { port: 0, strictPort: false, host: '127.0.0.1', hmr: false },
    });
    harness.server = server;
    await server.listen();
    const url = server.resolvedUrls?.local[0];
    if (!url) throw new Error('the Vite dev server did not report its address');
    harness.baseUrl = url;
    harness.browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'],
    });
  });
  afterAll(async () => {
    await harness.browser?.close();
    await harness.server?.close();
  });
  return harness;
}

/** The started browser, or the reason this test fails (it never skips). */
export function browserOf(harness: BrowserHarness): Browser {
  if (missingBrowser) throw new Error(missingBrowser);
  if (!harness.browser) throw new Error('the browser did not start (see the beforeAll error)');
  return harness.browser;
}

/** Console errors and uncaught exceptions of a page and its workers, collected as they happen. */
export function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('worker', (worker) =>
    worker.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`worker console error: ${msg.text()}`);
    }),
  );
  return problems;
}
