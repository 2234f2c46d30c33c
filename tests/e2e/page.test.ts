// The page in a real browser: Debian's Chromium (headless, software WebGL) against a Vite dev
// server. The checks read what a student would see: the numbers on the page and the pixels on
// the canvas; nothing the app could set to pass a test.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createServer, type ViteDevServer } from 'vite';
import { chromium, type Browser, type Page } from 'playwright-core';
import { colourMask, decodePng } from './png';
import singleLif from '../../models/scenarios/single-lif.json';

const root = resolve(__dirname, '../..');
const artifacts = join(root, 'artifacts');
const CHROMIUM = '/usr/bin/chromium';

// The colours the page promises (Okabe-Ito), written out here rather than imported from the app.
const TRACE_BLUE = 0x0072b2;
const THRESHOLD_VERMILLION = 0xd55e00;
const SPIKE_GREEN = 0x009e73;

let server: ViteDevServer | undefined;
let browser: Browser | undefined;
let baseUrl = '';
/** Why there is no browser: each test then fails with this message (never skips). */
const missingBrowser = existsSync(CHROMIUM)
  ? null
  : `the browser tests need Debian's Chromium at ${CHROMIUM} (apt-get install -y chromium); they fail rather than skip without it`;

beforeAll(async () => {
  if (missingBrowser) return;
  mkdirSync(artifacts, { recursive: true });
  server = await createServer({
    root,
    configFile: join(root, 'vite.config.ts'),
    logLevel: 'warn',
    clearScreen: false,
    server: { port: 0, strictPort: false, host: '127.0.0.1' },


  });
  await server.listen();
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('the Vite dev server did not report its address');
  baseUrl = url;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      '--use-angle=swiftshader',
      '--enable-unsafe-swiftshader',
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

interface OpenedPage {
  page: Page;
  /** Console errors and uncaught exceptions, from the page and its workers. */
  problems: string[];
}

/** Open the page; `scenario` replaces the default preset's file as the server would send it. */
async function openPage(scenario?: unknown): Promise<OpenedPage> {
  if (missingBrowser) throw new Error(missingBrowser);
  if (!browser) throw new Error('the browser did not start (see the beforeAll error)');
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 }, deviceScaleFactor: 1 });
  const problems: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('worker', (worker) => {
    worker.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`worker console error: ${msg.text()}`);
    });
  });
  if (scenario !== undefined) {
    await page.route(/\/models\/scenarios\/single-lif\.json/, (route) =>
      route.fulfill({ status: 200, contentType: 'text/javascript', body: `export default ${JSON.stringify(scenario)};\n` }),
    );
  }
  await page.goto(baseUrl, { waitUntil: 'load' });
  return { page, problems };
}

/** Wait until the run has ended one way or the other; return the status state and text. */
async function runEnded(page: Page): Promise<{ state: string; text: string; error: string }> {
  await page.waitForFunction(() => {
    const state = document.getElementById('status')?.dataset.state;
    return state === 'finished' || state === 'failed';
  }, undefined, { timeout: 30_000 });
  return page.evaluate(() => {
    const status = document.getElementById('status')!;
    const error = document.getElementById('error')!;
    return { state: status.dataset.state ?? '', text: status.textContent ?? '', error: error.hidden ? '' : (error.textContent ?? '') };
  });
}

/** Runs of adjacent columns that hold at least `minPixels` pixels of a mask. */
function columnRuns(mask: Uint8Array, width: number, height: number, minPixels: number): { from: number; to: number }[] {
  const runs: { from: number; to: number }[] = [];
  let open: { from: number; to: number } | null = null;
  for (let x = 0; x < width; x++) {
    let n = 0;
    for (let y = 0; y < height; y++) n += mask[y * width + x];
    if (n >= minPixels) {
      if (open) open.to = x;
      else runs.push((open = { from: x, to: x }));
    } else open = null;
  }
  return runs;
}

describe('the page (Chromium)', () => {
  it('runs the default single-LIF scenario: no errors, a plausible spike count, a trace on the canvas', async () => {
    const { page, problems } = await openPage();
    try {
      const ended = await runEnded(page);
      await page.screenshot({ path: join(artifacts, 'page-default-full.png') });
      expect(ended.error, 'the page showed an error').toBe('');
      expect(ended.state, ended.text).toBe('finished');

      // Independent expectation: the analytic LIF rate at 2.5 nA (tau 10 ms, R 10 MOhm, E_L = V_reset
      // = -70 mV, V_th = -50 mV, t_ref 2 ms) is 1000 / (2 + 10 ln(25 / 5)) ~ 55 Hz, for the 400 ms step.
      const rateHz = 1000 / (2 + 10 * Math.log(25 / 5));
      const expected = (rateHz * 400) / 1000;
      const spikeCount = Number(await page.locator('#spike-count').textContent());
      expect(spikeCount).toBeGreaterThanOrEqual(15);
      expect(spikeCount).toBeLessThanOrEqual(30);
      expect(Math.abs(spikeCount - expected)).toBeLessThanOrEqual(2);
      // The rate shown is over the preset's rate window, 50-450 ms (the step): the analytic rate.
      expect(await page.locator('#rate-label').textContent()).toMatch(/50.450 ms/);
      const shownRate = Number.parseFloat((await page.locator('#rate').textContent()) ?? '');
      expect(Math.abs(shownRate - rateHz)).toBeLessThan(2.5); // one spike in 400 ms is 2.5 Hz

      const png = await page.locator('#trace-canvas').screenshot({ path: join(artifacts, 'page-default.png') });
      const image = decodePng(png);
      const { width, height } = image;

      // The membrane potential: a blue line across the plot, with real vertical extent (a sawtooth).
      const trace = colourMask(image, TRACE_BLUE, 60);
      const traceColumns = columnRuns(trace, width, height, 1);
      const first = traceColumns[0].from;
      const last = traceColumns[traceColumns.length - 1].to;
      let covered = 0;
      for (const run of traceColumns) covered += run.to - run.from + 1;
      expect(last - first).toBeGreaterThan(0.8 * width);
      expect(covered / (last - first + 1)).toBeGreaterThan(0.97);
      const traceRows: number[] = [];
      for (let y = 0; y < height; y++) {
        let n = 0;
        for (let x = 0; x < width; x++) n += trace[y * width + x];
        if (n > 0) traceRows.push(y);
      }
      expect(traceRows.length).toBeGreaterThan(60);

      // The threshold: a long dashed vermillion row. The LIF trace climbs to it and never above it.
      const threshold = colourMask(image, THRESHOLD_VERMILLION, 60);
      let thresholdRow = -1;
      let best = 0;
      for (let y = 0; y < height; y++) {
        let n = 0;
        for (let x = 0; x < width; x++) n += threshold[y * width + x];
        if (n > best) [best, thresholdRow] = [n, y];
      }
      expect(best).toBeGreaterThan(0.4 * width);
      expect(traceRows[0]).toBeGreaterThanOrEqual(thresholdRow - 3);
      expect(traceRows[0]).toBeLessThanOrEqual(thresholdRow + 6);

      // Spike markers: one green tick per spike, as many as the count shown.
      const ticks = columnRuns(colourMask(image, SPIKE_GREEN, 60), width, height, 5);
      expect(ticks.length).toBe(spikeCount);

      expect(problems).toEqual([]);

      // Run again: a fresh run of the same seeded scenario shows the same count.
      await page.locator('#run-again').click();
      await page.waitForFunction(() => document.getElementById('status')?.dataset.state !== 'finished');
      const again = await runEnded(page);
      expect(again.state, again.error || again.text).toBe('finished');
      expect(Number(await page.locator('#spike-count').textContent())).toBe(spikeCount);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('shows a refused scenario on the page, naming the field', async () => {
    const { page, problems } = await openPage({ ...singleLif, dtMs: 5 });
    try {
      const ended = await runEnded(page);
      await page.screenshot({ path: join(artifacts, 'page-invalid-scenario.png') });
      expect(ended.state).toBe('failed');
      await expect.poll(() => page.locator('#error').isVisible()).toBe(true);
      expect(ended.error).toMatch(/refused/);
      expect(ended.error).toMatch(/dtMs: 5 is outside the allowed range/);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('shows a numerical blow-up (SimulationError) on the page', async () => {
    // No refractory period and a huge current: the neuron would fire many times within one step.
    const blowUp = structuredClone(singleLif) as typeof singleLif & { populations: { parameters?: Record<string, number> }[] };
    blowUp.populations[0].parameters = { t_ref: 0 };
    blowUp.stimuli[0].amplitude = 1e5;
    const { page, problems } = await openPage(blowUp);
    try {
      const ended = await runEnded(page);
      await page.screenshot({ path: join(artifacts, 'page-blow-up.png') });
      expect(ended.state).toBe('failed');
      await expect.poll(() => page.locator('#error').isVisible()).toBe(true);
      expect(ended.error).toMatch(/blow-up/);
      expect(ended.error).toMatch(/population "neuron" at t = 50\.\d+ ms/);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
