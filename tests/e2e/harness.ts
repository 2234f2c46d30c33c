// What every browser test file needs: the page's address on the shared preview server and a
// connection to the shared Chromium, both started once per run by globalSetup.ts (see
// vite.config.ts). Without the browser each test fails with the reason; none skips.
//
// Waiting: a test waits for what the page itself shows (a status, a title, a message), never for a
// fixed time, and with room to spare: a scenario that builds in well under a second on a quiet
// machine took several seconds here with the unit tests or another process beside it. Every wait
// in these files is bounded by PAGE_WAIT_MS (Playwright's waits through the pages' default timeout,
// `expect.poll` through the e2e project's default in vite.config.ts); no test passes or fails by
// how long something took.
import { afterAll, beforeAll, inject } from 'vitest';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
export { artifacts, root, CHROMIUM } from './browserConfig';

/** The longest a test waits for the page to show something (a built scenario, a finished run, a message). */
export const PAGE_WAIT_MS = 60_000;

export interface BrowserHarness {
  browser?: Browser;
  baseUrl: string;
}

/** Why this file has no browser (null when it has one): each test then fails with it. */
function browserProblem(): string | null {
  const problem = inject('browserProblem');
  if (problem) return problem;
  if (!inject('browserWsEndpoint') || !inject('baseUrl')) {
    return 'the browser tests need the shared Chromium and the server of the built page that tests/e2e/globalSetup.ts starts (the e2e project of vite.config.ts); run them with npm test or npx vitest run';
  }
  return null;
}

/** Connect to the shared browser before this file's tests (register it first) and disconnect after. */
export function useBrowser(): BrowserHarness {
  const harness: BrowserHarness = { baseUrl: '' };
  beforeAll(async () => {
    if (browserProblem()) return;
    harness.baseUrl = inject('baseUrl');
    harness.browser = await chromium.connect(inject('browserWsEndpoint'));
  });
  afterAll(async () => {
    // Closes this file's contexts and pages and disconnects; the shared browser runs on.
    await harness.browser?.close();
  });
  return harness;
}

/** The connected browser, or the reason this test fails (it never skips). */
export function browserOf(harness: BrowserHarness): Browser {
  const problem = browserProblem();
  if (problem) throw new Error(problem);
  if (!harness.browser) throw new Error('the browser is not connected (see the beforeAll error)');
  return harness.browser;
}

/** A new context whose waits (actions, waitForFunction) default to PAGE_WAIT_MS. */
export async function newContext(harness: BrowserHarness, options: BrowserContextOptions = {}): Promise<BrowserContext> {
  const context = await browserOf(harness).newContext(options);
  context.setDefaultTimeout(PAGE_WAIT_MS);
  return context;
}

/** A page in a context of its own, its waits defaulting to PAGE_WAIT_MS; closing the page closes the context. */
export async function newPage(harness: BrowserHarness, options: BrowserContextOptions = {}): Promise<Page> {
  const page = await browserOf(harness).newPage(options);
  page.setDefaultTimeout(PAGE_WAIT_MS);
  return page;
}

/**
 * Wait for the page's own signal that a scenario is shown: the status has left "loading" for
 * running, paused or finished (main.ts sets it together with the title when a scenario's first
 * answer from the worker is in), with the title named `title` when given. Returns the title. A
 * scenario that failed instead, or a wait that runs out, fails with what the page showed.
 */
export async function scenarioShown(page: Page, title?: string | RegExp): Promise<string> {
  const wanted = title === undefined ? null : typeof title === 'string' ? { text: title } : { source: title.source, flags: title.flags };
  try {
    await page.waitForFunction(
      (wanted) => {
        const state = document.getElementById('status')?.dataset.state;
        if (state === 'failed') return true;
        if (state !== 'running' && state !== 'paused' && state !== 'finished') return false;
        const shown = document.getElementById('scenario-name')?.textContent ?? '';
        if (!wanted) return true;
        return 'text' in wanted ? shown === wanted.text : new RegExp(wanted.source, wanted.flags).test(shown);
      },
      wanted,
      { timeout: PAGE_WAIT_MS },
    );
  } catch (err) {
    throw new Error(`the page did not show ${title === undefined ? 'a scenario' : `the scenario ${String(title)}`} within ${PAGE_WAIT_MS / 1000} s: ${await pageSays(page)} (${(err as Error).message.split('\n')[0]})`);
  }
  const state = await page.locator('#status').getAttribute('data-state');
  if (state === 'failed') throw new Error(`the page failed to show ${title === undefined ? 'a scenario' : `the scenario ${String(title)}`}: ${await pageSays(page)}`);
  return (await page.locator('#scenario-name').textContent()) ?? '';
}

/** What the page shows about its scenario and run, for a failure message. */
export async function pageSays(page: Page): Promise<string> {
  return page
    .evaluate(() => {
      const text = (id: string) => document.getElementById(id)?.textContent?.trim() ?? '';
      const shown = (id: string) => {
        const element = document.getElementById(id);
        return element && !element.hidden && text(id) ? `, ${id} ${JSON.stringify(text(id))}` : '';
      };
      return `title ${JSON.stringify(text('scenario-name'))}, status ${JSON.stringify(document.getElementById('status')?.dataset.state)} (${JSON.stringify(text('status'))}), ${text('sim-time')}${shown('error')}${shown('notice')}`;
    })
    .catch((err: Error) => `(the page could not be read: ${err.message})`);
}

/** Wait for a page function to hold (up to PAGE_WAIT_MS); on a timeout, fail saying what and what the page showed. */
export async function pageReaches<Arg>(page: Page, what: string, predicate: (arg: Arg) => unknown, arg?: Arg): Promise<void> {
  try {
    await page.waitForFunction(predicate as (arg: unknown) => unknown, arg, { timeout: PAGE_WAIT_MS });
  } catch (err) {
    throw new Error(`the page did not reach ${what} within ${PAGE_WAIT_MS / 1000} s: ${await pageSays(page)} (${(err as Error).message.split('\n')[0]})`);
  }
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

/**
 * The share link ("#s=...") that carries `scenario`, encoded as the page encodes it (deflate-raw,
 * base64url) but not validated first, so a test can also hand the page a scenario it must refuse.
 */
export async function linkTo(scenario: unknown): Promise<string> {
  const deflated = await new Response(new Blob([JSON.stringify(scenario)]).stream().pipeThrough(new CompressionStream('deflate-raw'))).arrayBuffer();
  return '#s=' + Buffer.from(deflated).toString('base64url');
}

/** The simulated time the page shows (NaN when it shows none). */
export async function simulatedMs(page: Page): Promise<number> {
  const match = /t = ([\d.]+) ms/.exec((await page.locator('#sim-time').textContent()) ?? '');
  return match ? Number(match[1]) : Number.NaN;
}

/** Wait until the page shows a simulated time of at least `ms` (of the run now loaded). */
export async function waitForTime(page: Page, ms: number): Promise<void> {
  await pageReaches(page, `t = ${ms} ms`, (wanted) => {
    // While a reset or a load is under way ("loading") the time shown is the old run's.
    if (document.getElementById('status')?.dataset.state === 'loading') return false;
    const match = /t = ([\d.]+) ms/.exec(document.getElementById('sim-time')?.textContent ?? '');
    return match !== null && Number(match[1]) >= wanted;
  }, ms);
}
