// The f-I panel in a real browser (Debian's Chromium, headless): a sweep fills the plot (read
// from the canvas's pixels), the progress bar reaches 100 %, cancel stops a sweep, the fit table
// shows the five ranked activations by RMSE with tanh and leaky ReLU said under it as the fits they
// equal, the computed rheobase is shown, and every curve can be read at the pointer. Most
// tests mount the panel alone (fiPanelHost.html, a model or a small network from the URL); the
// last one drives it on the page, where its Panel (fiPanel()) sweeps the model and parameters in force.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { type Page } from 'playwright-core';
import { colourMask, decodePng, type Image } from './png';
import { artifacts, newPage, PAGE_WAIT_MS, useBrowser, watchProblems } from './harness';


// The colours the panel promises (Okabe-Ito), written out here rather than imported from the app.
const POINT_BLACK = 0x000000;
const SIGMOID_BLUE = 0x0072b2;
const RELU_VERMILLION = 0xd55e00;

const harness = useBrowser();



/** Open the panel on its own for a model; collect console errors from the page and its workers. */
async function openPanel(model: string): Promise<{ page: Page; problems: string[] }> {
  const page = await newPage(harness, { viewport: { width: 1280, height: 720 }, deviceScaleFactor: 1 });
  const problems = watchProblems(page);
  await page.goto(`${harness.baseUrl}tests/e2e/fiPanelHost.html?model=${model}`, { waitUntil: 'load' });
  // The range fields fill in when the worker has described the model.
  await page.waitForFunction(() => (document.getElementById('fi-to') as HTMLInputElement | null)?.value !== '');
  return { page, problems };
}

async function canvasImage(page: Page, name: string): Promise<Image> {
  return decodePng(await page.locator('#fi-canvas').screenshot({ path: join(artifacts, name) }));
}

function count(mask: Uint8Array): number {
  let n = 0;
  for (const v of mask) n += v;
  return n;
}

/** Mean row of the mask's pixels in a band of columns (NaN if none). */
function meanRow(mask: Uint8Array, image: Image, fromX: number, toX: number): number {
  let sum = 0;
  let n = 0;
  for (let y = 0; y < image.height; y++) {
    for (let x = fromX; x < toX; x++) {
      if (mask[y * image.width + x]) {
        sum += y;
        n++;
      }
    }
  }
  return n ? sum / n : NaN;
}

/** Wait for the panel to reach a state (up to a minute); on a timeout, say where it was (progress, message). */
async function panelReaches(page: Page, predicate: () => boolean, what: string): Promise<void> {
  try {
    await page.waitForFunction(predicate, undefined, { timeout: PAGE_WAIT_MS });
  } catch (err) {
    const state = await progress(page).catch(() => null);
    const message = await page.locator('#fi-message').textContent().catch(() => '');
    await page.screenshot({ path: join(artifacts, 'fi-panel-timeout.png'), fullPage: true }).catch(() => undefined);
    throw new Error(`the panel did not reach "${what}" (progress ${JSON.stringify(state)}, message ${JSON.stringify(message)}): ${(err as Error).message}`);
  }
}

async function progress(page: Page): Promise<{ value: number; text: string }> {
  return page.evaluate(() => ({ value: (document.getElementById('fi-progress') as HTMLProgressElement).value, text: document.getElementById('fi-progress-text')!.textContent ?? '' }));
}

describe('the f-I panel (Chromium)', () => {
  it('a LIF sweep fills the plot, reaches 100 %, and ranks five fits by RMSE with tanh and leaky ReLU as equivalents; curves toggle and read out at the pointer', async () => {
    const { page, problems } = await openPanel('lif');
    try {
      // Nothing black on the empty plot (axes and text are grey: #555, #2b2b2b; the dots are black).
      const before = await canvasImage(page, 'fi-panel-empty.png');
      expect(count(colourMask(before, POINT_BLACK, 40))).toBe(0);

      await page.locator('#fi-run').click();
      await panelReaches(page, () => document.querySelectorAll('#fi-fits tbody tr').length === 5, 'five rows in the fit table');
      const done = await progress(page);
      expect(done.value).toBe(1);
      expect(done.text).toMatch(/^100 %/);

      // Simulated points only (fits and theory off): black dots, silent at the left, high at the right.
      // tanh and leaky ReLU have no curve and no toggle of their own.
      expect(await page.locator('#fi-show-tanh, #fi-show-leakyRelu, #fi-legend li[data-curve="tanh"], #fi-legend li[data-curve="leakyRelu"]').count()).toBe(0);
      for (const id of ['theory', 'sigmoid', 'relu', 'softplus', 'elu', 'softLif']) await page.locator(`#fi-show-${id}`).uncheck();
      const points = await canvasImage(page, 'fi-panel-lif-points.png');
      const black = colourMask(points, POINT_BLACK, 40);
      expect(count(black)).toBeGreaterThan(100 * 12); // ~100 dots of ~20 px each
      // Below rheobase (2 nA of 0-20 nA: the first tenth of the dots' extent) they lie on the
      // bottom; at the right end far above it (327 Hz of a ~350 Hz axis).
      let first = points.width;
      let last = 0;
      black.forEach((v, p) => v && ((first = Math.min(first, p % points.width)), (last = Math.max(last, p % points.width))));
      const band = Math.round(0.08 * (last - first));
      const leftRow = meanRow(black, points, first, first + band);
      const rightRow = meanRow(black, points, last - band, last + 1);
      expect(last - first).toBeGreaterThan(0.6 * points.width);
      expect(leftRow - rightRow).toBeGreaterThan(0.6 * (points.height - 60));
      expect(count(colourMask(points, SIGMOID_BLUE, 40))).toBe(0);
      // The computed rheobase is marked: a dashed grey line at 2 nA (a tenth of the 0-20 nA axis,
      // whose frame runs from 62 px to 14 px short of the right edge), none a whole nA away.
      const rheobaseGrey = colourMask(points, 0x555555, 12);
      const greyInColumns = (fromX: number, toX: number) => {
        let n = 0;
        for (let y = 30; y < points.height - 50; y++) for (let x = fromX; x <= toX; x++) n += rheobaseGrey[y * points.width + x];
        return n;
      };
      const at2nA = Math.round(62 + 0.1 * (points.width - 62 - 14));
      expect(greyInColumns(at2nA - 1, at2nA + 1)).toBeGreaterThan(60);
      const oneNA = Math.round(0.05 * (points.width - 62 - 14));
      expect(greyInColumns(at2nA + oneNA - 1, at2nA + oneNA + 1)).toBeLessThan(10);

      // Sigmoid and ReLU on: their colours appear; off again: gone.
      await page.locator('#fi-show-sigmoid').check();
      await page.locator('#fi-show-relu').check();
      const fits = await canvasImage(page, 'fi-panel-lif-fits.png');
      expect(count(colourMask(fits, SIGMOID_BLUE, 40))).toBeGreaterThan(300);
      expect(count(colourMask(fits, RELU_VERMILLION, 40))).toBeGreaterThan(300);
      for (const id of ['theory', 'softplus', 'elu', 'softLif']) await page.locator(`#fi-show-${id}`).check();
      await page.screenshot({ path: join(artifacts, 'fi-panel-lif.png'), fullPage: true });

      // The fit table: five rows, the five ranked functions, ranked 1-5 with RMSE never decreasing.
      const rows = await page.locator('#fi-fits tbody tr').evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => td.textContent?.trim() ?? '')));
      expect(rows.map((r) => r[0])).toEqual(['1', '2', '3', '4', '5']);
      expect(rows.map((r) => r[1]).sort()).toEqual(['ELU', 'ReLU', 'sigmoid', 'soft-LIF', 'softplus']);
      expect(await page.locator('#fi-fits tbody tr[data-fit="tanh"], #fi-fits tbody tr[data-fit="leakyRelu"]').count()).toBe(0);
      const rmse = rows.map((r) => Number.parseFloat(r[4]));
      for (let k = 1; k < 5; k++) expect(rmse[k]).toBeGreaterThanOrEqual(rmse[k - 1]);
      expect(rows[0][1]).toBe('soft-LIF'); // the LIF's own shape, as the bridge's tests say
      // Under the table: tanh as the sigmoid rescaled, leaky ReLU as the ReLU clipped, each with that row's RMSE.
      const equivalents = await page.locator('#fi-equivalents li').evaluateAll((lis) => lis.map((li) => [li.getAttribute('data-equivalent'), li.getAttribute('data-same-as'), li.textContent ?? ''] as const));
      expect(equivalents.map(([id, sameAs]) => [id, sameAs])).toEqual([['tanh', 'sigmoid'], ['leakyRelu', 'relu']]);
      expect(equivalents[0][2]).toMatch(/^tanh is the sigmoid rescaled \(tanh\(z\) = 2 sigmoid\(2z\) - 1\).*RMSE ([\d.]+) Hz, so it is not ranked apart\.$/);
      expect(equivalents[1][2]).toMatch(/^A leaky ReLU's leak below its kink would be a negative rate; clipped at 0 it is the ReLU, RMSE ([\d.]+) Hz/);
      const rowRmse = (name: string) => Number.parseFloat(rows.find((r) => r[1] === name)![4]);
      // (the line rounds to two digits, the table to three)
      expect(Math.abs(Number(equivalents[0][2].match(/RMSE ([\d.]+) Hz/)![1]) / rowRmse('sigmoid') - 1)).toBeLessThan(0.03);
      expect(Math.abs(Number(equivalents[1][2].match(/RMSE ([\d.]+) Hz/)![1]) / rowRmse('ReLU') - 1)).toBeLessThan(0.03);
      // The rheobase computed (the file's (V_th - E_L) / R), not read off the 0.2 nA grid; the sentence
      // opens at it and names the table's first fit with the table's RMSE.
      expect(await page.locator('#fi-rheobase').textContent()).toBe("Rheobase (computed, not read off the grid): 2 nA, from the model file's (V_th − E_L) / R.");
      const sentence = (await page.locator('#fi-sentence').textContent())!;
      expect(sentence).toMatch(/^The LIF neuron starts firing at its rheobase, 2 nA \(from its file's \(V_th - E_L\) \/ R\)/);
      expect(sentence).toMatch(/Of the table, soft-LIF \(RMSE ([\d.]+) Hz/);
      expect(Number(sentence.match(/Of the table, soft-LIF \(RMSE ([\d.]+) Hz/)![1])).toBeCloseTo(rmse[0], 1);
      // The comparison is reported once, as the lessons read it: the table's ranking, by name.
      const reported = await page.evaluate(() => (window as unknown as { fitsReported: unknown[] }).fitsReported);
      expect(reported).toEqual([{ population: 'neuron', noiseSigmaMV: 0, ranking: rows.map((r) => r[1]) }]);

      // Hover at 10 nA: every curve has a value; the simulated one is the analytic rate within 2 Hz.
      const box = (await page.locator('#fi-canvas').boundingBox())!;
      await page.mouse.move(box.x + 62 + (box.width - 62 - 14) / 2, box.y + 150);
      await page.waitForFunction(() => /^at I = [\d.]+ nA/.test(document.getElementById('fi-at')?.textContent ?? ''));
      const atInput = Number.parseFloat((await page.locator('#fi-at').textContent())!.replace('at I = ', ''));
      expect(Math.abs(atInput - 10)).toBeLessThan(0.1);
      const readout = await page.locator('#fi-legend li:not([hidden]) .fi-value').allTextContents();
      expect(readout).toHaveLength(7); // simulated, theory and the five ranked fits
      for (const v of readout) expect(v).toMatch(/Hz$/);
      const simulatedHz = Number.parseFloat(readout[0]);
      expect(Math.abs(simulatedHz - 1000 / (2 + 10 * Math.log(100 / 80)))).toBeLessThan(2);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('cancel stops a running sweep (noisy HH): progress stays below 100 %, no fits, and the next sweep runs', async () => {
    const { page, problems } = await openPanel('hh');
    try {
      await page.locator('#fi-noise-type').selectOption('white');
      await page.locator('#fi-sigma').fill('2');
      await page.locator('#fi-sigma').dispatchEvent('change');
      // Noise brings 10 neurons per current: a sweep of several seconds. Wait for an estimate.
      await page.waitForFunction(() => (document.getElementById('fi-to') as HTMLInputElement).value === '40');
      await page.locator('#fi-run').click();
      // Wait for an estimate of the time left and the first points (a tenth of the currents).
      await panelReaches(page, () => / left$/.test(document.getElementById('fi-progress-text')?.textContent ?? '') && (document.getElementById('fi-progress') as HTMLProgressElement).value >= 0.1, 'time left shown, 10 % done');
      const running = await progress(page);
      expect(running.value).toBeGreaterThan(0);
      expect(running.value).toBeLessThan(1);
      await page.locator('#fi-cancel').click();
      await page.waitForFunction(() => /^cancelled at \d+ %$/.test(document.getElementById('fi-progress-text')?.textContent ?? ''));
      const cancelled = await progress(page);
      expect(cancelled.value).toBeLessThan(1);
      expect(await page.locator('#fi-cancel').isDisabled()).toBe(true);
      expect(await page.locator('#fi-fits').isHidden()).toBe(true);
      // The points that finished before the cancel are drawn: the low currents only.
      const partial = await canvasImage(page, 'fi-panel-hh-cancelled.png');
      const black = colourMask(partial, POINT_BLACK, 40);
      let last = 0;
      black.forEach((v, p) => v && (last = Math.max(last, p % partial.width)));
      expect(count(black)).toBeGreaterThan(5 * 12);
      expect(last).toBeLessThan(0.8 * partial.width);

      // The worker is free again: a noiseless sweep runs to the end and fills the table.
      await page.locator('#fi-noise-type').selectOption('none');
      await page.locator('#fi-noise-type').dispatchEvent('change');
      await panelReaches(page, () => document.querySelectorAll('#fi-fits tbody tr').length === 5, 'five rows in the fit table');
      expect((await progress(page)).value).toBe(1);
      expect(await page.locator('#fi-sentence').textContent()).toMatch(/type II/);
      // HH's file has no rheobase expression: it is found by bisection, near 6.2-6.3 uA/cm2.
      expect(await page.locator('#fi-rheobase').textContent()).toMatch(/^Rheobase \(computed, not read off the grid\): 6\.[23]\d* uA\/cm2, by bisection on noiseless runs of this sweep's protocol, to within [\d.e−]+ uA\/cm2\.$/);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('a network\'s transfer function: one point per run against the Poisson rate, each population read out', async () => {
    const { page, problems } = await openPanel('lif&network=small-brunel');
    try {
      await page.locator('#fi-population').selectOption('network');
      expect(await page.locator('#fi-drive').inputValue()).toBe('poissonRateHz');
      expect(await page.locator('#fi-noise-type').isHidden()).toBe(true);
      await page.locator('#fi-run').click();
      await panelReaches(page, () => document.querySelectorAll('#fi-fits tbody tr').length === 5, 'five rows in the fit table');
      // The drive the worker chose: from silence to twice the scenario's own 50 Hz.
      expect([await page.locator('#fi-from').inputValue(), await page.locator('#fi-to').inputValue(), await page.locator('#fi-step').inputValue()]).toEqual(['0', '100', '10']);
      expect(await page.locator('#fi-sentence').textContent()).toMatch(/^Brunel A \(small\) is silent up to \d+ Hz, then its mean rate rises/);
      const image = await canvasImage(page, 'fi-panel-network.png');
      const black = colourMask(image, POINT_BLACK, 40);
      expect(count(black)).toBeGreaterThan(11 * 12); // eleven runs, eleven dots
      // At the right end the network fires: the readout names both populations' rates.
      const box = (await page.locator('#fi-canvas').boundingBox())!;
      await page.mouse.move(box.x + box.width - 16, box.y + 100);
      await page.waitForFunction(() => /; E [\d.]+ Hz, I [\d.]+ Hz$/.test(document.getElementById('fi-at')?.textContent ?? ''));
      const rates = (await page.locator('#fi-at').textContent())!.match(/E ([\d.]+) Hz, I ([\d.]+) Hz$/)!;
      expect(Number(rates[1])).toBeGreaterThan(5);
      expect(Number(rates[2])).toBeGreaterThan(5);
      await page.screenshot({ path: join(artifacts, 'fi-panel-network-full.png'), fullPage: true });
      // A network's transfer function is not a neuron's fit: the lessons are not told of it.
      expect(await page.evaluate(() => (window as unknown as { fitsReported: unknown[] }).fitsReported)).toEqual([]);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('a bad range is refused with a message naming the field, and nothing runs', async () => {
    const { page, problems } = await openPanel('lif');
    try {
      await page.locator('#fi-step').fill('0.0001');
      await page.locator('#fi-step').dispatchEvent('change');
      await page.locator('#fi-run').click();
      await page.waitForFunction(() => (document.getElementById('fi-message')?.textContent ?? '') !== '');
      expect(await page.locator('#fi-message').textContent()).toMatch(/^range\.step: 0\.0001 nA gives 200001 currents .* 6 to 400 are allowed/);
      expect((await progress(page)).value).toBe(0);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

describe('the f-I panel on the page (Chromium)', () => {
  it('sweeps the page\'s model with its parameters in force, passes lesson 5 through its fits, and follows a preset change', async () => {
    const page = await newPage(harness, { viewport: { width: 1280, height: 720 }, deviceScaleFactor: 1 });
    const problems = watchProblems(page);
    try {
      await page.goto(harness.baseUrl, { waitUntil: 'load' }); // the page itself: the registry mounts the panel
      // The default preset is the single LIF neuron: the panel offers its default sweep, 0-20 nA
      // (ten times the 2 nA rheobase of the parameters in force).
      await page.waitForFunction(() => (document.getElementById('fi-to') as HTMLInputElement | null)?.value === '20');
      expect(await page.locator('#fi-slot .fi-model').textContent()).toMatch(/LIF.*nA/);
      // A parameter changed on the page reaches the panel: V_th -40 mV makes the rheobase 3 nA.
      await page.locator('#param-V_th').fill('-40');
      await page.waitForFunction(() => (document.getElementById('fi-to') as HTMLInputElement).value === '30');

      // Lesson 5 (its own single-LIF scenario, V_th back at -50 mV) is checked from the panel's fits.
      await page.evaluate(() => localStorage.clear());
      await page.locator('#lesson-list > summary').click();
      await page.locator('#lesson-noise-sigmoid').click();
      await expect.poll(() => page.locator('#lesson-step-1').getAttribute('data-state')).toBe('current');
      await page.waitForFunction(() => (document.getElementById('fi-to') as HTMLInputElement).value === '20');
      await page.locator('#fi-slot').scrollIntoViewIfNeeded();
      await page.locator('#fi-run').click();
      await panelReaches(page, () => document.querySelectorAll('#fi-fits tbody tr').length === 5, 'five rows in the fit table');
      expect((await progress(page)).value).toBe(1);
      await expect.poll(() => page.locator('#lesson-step-1').getAttribute('data-state')).toBe('passed');
      const image = await canvasImage(page, 'fi-panel-on-page-lif.png');
      expect(count(colourMask(image, POINT_BLACK, 40))).toBeGreaterThan(100 * 12);
      // Step 2: 4 mV of white noise sweeps again by itself; a smooth function fits best.
      await page.locator('#fi-noise-type').selectOption('white');
      await page.locator('#fi-sigma').fill('4');
      await page.locator('#fi-sigma').dispatchEvent('change');
      await panelReaches(page, () => /With 4 mV of membrane noise/.test(document.getElementById('fi-sentence')?.textContent ?? ''), 'the noisy sweep\'s sentence');
      await expect.poll(() => page.locator('#lesson-step-2').getAttribute('data-state')).toBe('passed');
      await page.screenshot({ path: join(artifacts, 'fi-panel-on-page.png') });

      // Another preset: the panel now offers that model, in its unit.
      await page.locator('#preset').selectOption('single-hh');
      await page.waitForFunction(() => /uA\/cm2/.test(document.querySelector('#fi-slot .fi-model')?.textContent ?? ''));
      expect(await page.locator('#fi-to').inputValue()).toBe('40');
      expect(await page.locator('#fi-note').textContent()).toMatch(/changed since this sweep/);
      expect(await page.locator('#status').getAttribute('data-state')).not.toBe('failed');
      expect(await page.locator('#error').isHidden()).toBe(true);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
