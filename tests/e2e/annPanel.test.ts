// The ANN playground in a real browser (Chromium against the built page), as a student of lesson 11
// uses it: train on the page and read the accuracy and the decision map, which must be the CLI's
// for the same options and seed; kill ReLU units with a large learning rate; train with the page's
// own neuron and run the network as spiking neurons, whose accuracy per window must be the CLI's;
// every step of the lesson checked from what the panel shows. Then axe-core on the panel and
// screenshots at 1280 x 800 and 360 x 740 (no sideways scroll). One page for the whole file: each
// test goes on from the state the one before left, as the lesson does.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Page } from 'playwright-core';
import { artifacts, newPage, pageReaches, scenarioShown, useBrowser, watchProblems } from './harness';
import { decodePng } from './png';
import { execFile } from 'node:child_process';
import { root } from '../unit/cliHarness';
import { trainAnn } from '../../src/bridge/ann/network';
import { mapAsText, probabilityClass } from '../../src/ui/annPanelModel';

const require = createRequire(import.meta.url);
const harness = useBrowser();
let page: Page;
let problems: string[] = [];

/** The small data set of these tests: 120 points (60 held out), two layers of six units, seed 2. */
const COMMON = ['--hidden', '6,6', '--epochs', '60', '--seed', '2', '--points', '120'];

/** `npm run sim -- ann ... --format json` as a child process, run while the page computes the same. */
function cli(args: string[]): Promise<Record<string, any>> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['src/cli/run.mjs', 'ann', ...args, ...COMMON, '--format', 'json'], { cwd: root, maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`the CLI failed: ${stderr || err.message}`));
      else resolve(JSON.parse(stdout));
    });
  });
}

async function set(selector: string, value: string): Promise<void> {
  const tag = await page.locator(selector).evaluate((e) => e.tagName);
  if (tag === 'SELECT') await page.locator(selector).selectOption(value);
  else await page.locator(selector).fill(value);
}

/** Train with the form as it stands and wait for the page to say it is done. */
async function train(): Promise<{ testAccuracy: number; trainAccuracy: number; epochsPerSecond: number }> {
  await page.locator('#ann-train').click();
  await pageReaches(page, 'a trained network', () => ['trained', 'failed'].includes(document.getElementById('ann-status')?.dataset.state ?? ''));
  const status = page.locator('#ann-status');
  expect(await status.getAttribute('data-state'), (await page.locator('#ann-message').textContent()) ?? '').toBe('trained');
  return { testAccuracy: Number(await status.getAttribute('data-test-accuracy')), trainAccuracy: Number(await status.getAttribute('data-train-accuracy')), epochsPerSecond: Number(await status.getAttribute('data-epochs-per-second')) };
}

async function stepState(k: number): Promise<string | null> {
  return page.locator(`#lesson-step-${k}`).getAttribute('data-state');
}

beforeAll(async () => {
  if (!harness.browser) return;
  page = await newPage(harness, { viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
  problems = watchProblems(page);
  await page.goto(harness.baseUrl, { waitUntil: 'load' });
  await scenarioShown(page);
  await page.locator('#ann-train').waitFor();
  // Lesson 11 opened from the lessons list, as a student does.
  await page.locator('#lesson-list summary').click();
  await page.locator('#lesson-neuron-to-network').click();
  await scenarioShown(page);
  await pageReaches(page, 'lesson 11 open', () => document.getElementById('lesson-step-1')?.dataset.state === 'current');
});

afterAll(async () => {
  await page?.close();
});

describe('the ANN playground (Chromium)', () => {
  it('trains on the page to the CLI\'s numbers and decision map; lesson step 1 passes', async () => {
    for (const [selector, value] of [['#ann-dataset', 'circle'], ['#ann-points', '120'], ['#ann-seed', '2'], ['#ann-layers', '2'], ['#ann-units-1', '6'], ['#ann-units-2', '6'], ['#ann-activation', 'relu'], ['#ann-epochs', '60']]) await set(selector, value);
    const fromCli = cli(['--dataset', 'circle', '--activation', 'relu']);
    const shown = await train();
    const expected = await fromCli;
    expect(shown.testAccuracy).toBe(expected.test.accuracy);
    expect(shown.trainAccuracy).toBe(expected.train.accuracy);
    expect(shown.testAccuracy).toBeGreaterThanOrEqual(0.95);
    console.log(`ANN playground: circle, ReLU 6,6, 60 epochs: test accuracy ${shown.testAccuracy} on the page and the CLI; ${shown.epochsPerSecond} epochs/s on the page, ${expected.epochsPerSecond} in the CLI`);
    // The map's text alternative is the map of the CLI's trainer, read as a coarse grid.
    const { trainer } = trainAnn({ dataset: { kind: 'circle', points: 120, seed: 2 }, hidden: [6, 6], activation: 'relu', seed: 2 }, 60);
    expect(await page.locator('#ann-map-grid').textContent()).toBe(mapAsText(trainer.decisionMap(48), 48, 8, probabilityClass).join('\n'));
    expect(await page.locator('#ann-map').getAttribute('aria-label')).toMatch(/class 1 \(blue\) over \d+ % of the square/);
    // Pixels: blue (class 1) in the middle of the circle, orange (class 0) in a corner.
    const image = decodePng(await page.locator('#ann-map').screenshot());
    const at = (fx: number, fy: number) => {
      const k = 4 * (Math.round(fy * (image.height - 1)) * image.width + Math.round(fx * (image.width - 1)));
      return [image.data[k], image.data[k + 1], image.data[k + 2]];
    };
    const [r1, , b1] = at(0.52, 0.47);
    const [r0, , b0] = at(0.04, 0.04);
    expect(b1).toBeGreaterThan(r1 + 40);
    expect(r0).toBeGreaterThan(b0 + 40);
    // The loss plot and its text alternative; the lesson saw it.
    expect(await page.locator('#ann-loss-text').textContent()).toMatch(/^Loss over 60 epochs: train from/);
    await pageReaches(page, 'lesson step 1 passed', () => document.getElementById('lesson-step-1')?.dataset.state === 'passed');
  });

  it('a learning rate of 1 kills ReLU units, shown as dead; lesson step 2 passes', async () => {
    await set('#ann-learning-rate', '1');
    const fromCli = cli(['--dataset', 'circle', '--activation', 'relu', '--learning-rate', '1']);
    await train();
    const expected = await fromCli;
    const dead = expected.deadUnits.reduce((a: number, b: number) => a + b, 0);
    expect(dead).toBeGreaterThanOrEqual(3);
    expect(await page.locator('#ann-units-table .ann-unit.dead').count()).toBe(dead);
    expect(await page.locator('#ann-gradient-note').textContent()).toMatch(new RegExp(`^${dead} dead units: silent`));
    await pageReaches(page, 'lesson step 2 passed', () => document.getElementById('lesson-step-2')?.dataset.state === 'passed');
  });

  it('this neuron on XOR, then run as spiking neurons: the CLI\'s accuracy per window; lesson steps 3 and 4 pass', async () => {
    for (const [selector, value] of [['#ann-learning-rate', '0.03'], ['#ann-dataset', 'xor'], ['#ann-activation', 'neuron'], ['#ann-neuron-noise', '5']]) await set(selector, value);
    const fromCli = cli(['--dataset', 'xor', '--activation', 'neuron:lif', '--noise-sigma', '5', '--spiking', '--window', '50,500', '--neurons', '10']);
    const shown = await train();
    expect(await page.locator('#ann-curve').textContent()).toMatch(/^This neuron: LIF with 5 mV noise/);
    expect(await page.locator('#ann-activation-text').textContent()).toMatch(/^LIF with 5 mV noise from z = -2 to 4: 0\.\d\d at z = -1, .* 1\.00 at 4 \(the neuron's rate/);
    await pageReaches(page, 'lesson step 3 passed', () => document.getElementById('lesson-step-3')?.dataset.state === 'passed');

    await set('#ann-neurons', '10');
    await set('#ann-windows', '50,500');
    await set('#ann-raster-point', '5');
    await page.locator('#ann-spiking').click();
    await pageReaches(page, 'the spiking run ended', () => ['done', 'refused', 'failed'].includes(document.getElementById('ann-spiking-status')?.dataset.state ?? '') || document.getElementById('ann-status')?.dataset.state === 'failed');
    expect(await page.locator('#ann-spiking-status').getAttribute('data-state'), (await page.locator('#ann-message').textContent()) ?? '').toBe('done');
    const expected = await fromCli;
    expect(shown.testAccuracy).toBe(expected.test.accuracy);
    expect(await page.locator('#ann-status').textContent()).toMatch(/^Trained: epoch 60; train accuracy/);
    const rows = await page.locator('#ann-accuracy-table tr').evaluateAll((trs) => trs.slice(1).map((tr) => Array.from(tr.querySelectorAll('td'), (td) => td.textContent ?? '')));
    const percent = (x: number) => `${(100 * x).toFixed(1)} %`;
    expect(rows).toEqual(expected.spiking.windowsMs.map((w: number, k: number) => [String(w), percent(expected.spiking.accuracy[k]), percent(expected.spiking.agreementWithAnn[k]), percent(expected.spiking.annAccuracy)]));
    console.log(`ANN playground: XOR, this neuron (5 mV), spiking accuracy per window ${rows.map((r) => `${r[0]} ms ${r[1]}`).join(', ')} (ANN ${rows[0][3]}), as the CLI`);
    // Both spiking maps filled in, the longer window with no more ties than the shorter; the raster of test point 5.
    for (const k of [0, 1]) expect(await page.locator(`#ann-spike-map-${k}`).getAttribute('data-pending')).toBe('0');
    const ties = async (k: number) => Number((await page.locator(`#ann-spike-map-${k}`).getAttribute('aria-label'))!.match(/ties (\d+) %/)![1]);
    expect(await ties(1)).toBeLessThanOrEqual(await ties(0));
    expect(await page.locator('#ann-raster-text').textContent()).toMatch(/^Spikes of test point 5 .*hidden 1 [1-9]\d* spikes/);
    expect(await page.locator('#ann-dropout-note').textContent()).toMatch(/biological side of dropout/);
    await pageReaches(page, 'lesson step 4 passed', () => document.getElementById('lesson-step-4')?.dataset.state === 'passed');
    expect(await stepState(4)).toBe('passed');
  });

  it('axe-core finds no serious or critical violation in the panel; it fits 360 px without sideways scroll', async () => {
    if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
    const axe = () => page.evaluate(async () => {
      const run = (window as unknown as { axe: { run(context: unknown, options: object): Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[] }> } }).axe;
      const { violations } = await run.run({ include: [['#ann-panel']] }, { resultTypes: ['violations'] });
      return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
    });
    expect(await axe()).toEqual([]);
    await page.locator('#ann-panel').screenshot({ path: join(artifacts, 'ann-panel-1280.png') });
    // From 1600 px the tools stand in a column of their own beside the controls.
    await page.setViewportSize({ width: 1920, height: 1080 });
    await pageReaches(page, 'the panel laid out for 1920 px', () => (document.getElementById('ann-panel') as HTMLElement).getBoundingClientRect().left > 900);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1920);
    await page.screenshot({ path: join(artifacts, 'ann-panel-1920-view.png') });
    await page.setViewportSize({ width: 360, height: 740 });
    await pageReaches(page, 'the panel laid out for 360 px', () => (document.getElementById('ann-map') as HTMLCanvasElement | null)!.getBoundingClientRect().right <= 360);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    expect(await axe()).toEqual([]);
    await page.locator('#ann-panel').screenshot({ path: join(artifacts, 'ann-panel-360.png') });
    await page.screenshot({ path: join(artifacts, 'ann-panel-360-view.png') });
    expect(problems).toEqual([]);
  });
});
