// What the browser tests' global setup (globalSetup.ts, in Vitest's main process) and the test
// files (harness.ts, in a test worker) both need to know. No Vitest test API here: the global setup
// cannot use one.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** Screenshots and downloads the tests leave for a person to look at (ignored by git). */
export const artifacts = join(root, 'artifacts');
export const CHROMIUM = '/usr/bin/chromium';
/** Headless Chromium with software WebGL, and nothing it would fetch or update on its own. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
];
export const missingBrowserMessage = `the browser tests need Debian's Chromium at ${CHROMIUM} (npm run setup installs it: apt-get install -y chromium); they fail rather than skip without it`;

declare module 'vitest' {
  export interface ProvidedContext {
    /** The shared preview server's address (the page as built), ending in '/'. */
    baseUrl: string;
    /** Where the shared Chromium listens (playwright-core's `chromium.connect`). */
    browserWsEndpoint: string;
    /** Why there is no browser: every browser test then fails with it. */
    browserProblem: string;
  }
}
