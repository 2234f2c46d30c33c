// The bench panels in a real browser: the voltage clamp (an HH family run in its worker, the I-V
// curve's sodium reversal read off it, TTX taking the inward current away), blockers and ions (the
// Nernst E_K shown for a new [K]o, and the running membrane potential following it after a reset),
// and the phase plane (FitzHugh-Nagumo's Hopf and Morris-Lecar type I's saddle-node stated, the
// nullclines drawn, a click starting the run there with the trajectory drawn, HH's reduction
// stated). The checks read what a student sees: text, numbers, pixels; axe-core on the new panels;
// screenshots at 1280 and 360 px go to artifacts/.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { type Page } from 'playwright-core';
import { colourMask, decodePng } from './png';
import { artifacts, newPage, pageReaches, root, scenarioShown, useBrowser, watchProblems } from './harness';

const harness = useBrowser();

const SODIUM = 0xd55e00; // hh.json's colour of I_Na, written out
const X_NULLCLINE = 0xd55e00; // the phase panel's nullcline colours, written out
const Y_NULLCLINE = 0x0072b2;

async function finished(page: Page): Promise<void> {
  await pageReaches(page, 'the end of the run', () => ['finished', 'failed'].includes(document.getElementById('status')?.dataset.state ?? ''));
  expect(await page.locator('#status').getAttribute('data-state'), (await page.locator('#error').textContent()) ?? '').toBe('finished');
}

async function pixels(page: Page, selector: string, colour: number, file: string): Promise<number> {
  const image = decodePng(await page.locator(selector).screenshot({ path: join(artifacts, file) }));
  return colourMask(image, colour, 40).reduce((a, b) => a + b, 0);
}

async function openModel(page: Page, id: string, title: RegExp): Promise<void> {
  await page.locator('#model-choice').selectOption(id);
  await scenarioShown(page, title);
}

/** axe-core's violations inside these elements. */
async function axeViolations(page: Page, selectors: string[]): Promise<string[]> {
  await page.addScriptTag({ path: join(root, 'node_modules/axe-core/axe.min.js') });
  return page.evaluate(async (include) => {
    const axe = (window as unknown as { axe: { run(context: unknown): Promise<{ violations: { id: string; nodes: { target: string[] }[] }[] }> } }).axe;
    const result = await axe.run({ include: include.map((s) => [s]) });
    return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  }, selectors);
}

describe('the bench panels (Chromium)', () => {
  it('clamps HH: the I-V curve shows I_Na reversing near E_Na, and under TTX the inward current is gone', async () => {
    const page = await newPage(harness, { viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
    const problems = watchProblems(page);
    try {
      await page.goto(harness.baseUrl, { waitUntil: 'load' });
      await scenarioShown(page);
      await openModel(page, 'hh', /Hodgkin|HH/);
      await page.locator('#clamp-run').waitFor();
      await page.locator('#clamp-from').fill('-100');
      await page.locator('#clamp-to').fill('60');
      await page.locator('#clamp-step').fill('10');
      await page.locator('#clamp-duration').fill('10');
      await page.locator('#clamp-run').click();
      await pageReaches(page, 'the clamp family', () => /steps from|Not run/.test(document.getElementById('clamp-status')?.textContent ?? ''));
      expect(await page.locator('#clamp-status').textContent()).toMatch(/^17 steps from -100 to 60 mV, held at -65; ideal clamp\./);
      const note = (await page.locator('#clamp-note').textContent()) ?? '';
      const reversal = Number(/I_Na \(sodium\) reverses near (-?[\d.]+) mV/.exec(note)?.[1]);
      expect(reversal, note).toBeGreaterThan(45); // E_Na is 50 mV; the peak is read every 10 mV
      expect(reversal, note).toBeLessThan(55);
      const rows = await page.locator('#clamp-iv-table tbody tr').count();
      expect(rows).toBe(17);
      const peakNaAt0 = Number(await page.locator('#clamp-iv-table tbody tr:nth-child(11) td:nth-child(2)').textContent());
      expect(peakNaAt0).toBeLessThan(-200); // strongly inward at 0 mV (uA/cm2)
      expect(Number(await page.locator('#clamp-iv-table tbody tr:nth-child(11) td:last-child').textContent())).toBeLessThan(-200); // and so is the total
      const sodiumBefore = await pixels(page, '#clamp-panel figure:nth-of-type(2) canvas', SODIUM, 'bench-iv-1280.png');
      expect(sodiumBefore).toBeGreaterThan(200);
      await page.locator('#clamp-panel').screenshot({ path: join(artifacts, 'bench-clamp-1280.png') });

      // TTX at 100 %: applied to the running model and to the next family.
      await page.locator('#block-TTX').fill('1');
      await page.locator('#block-TTX').dispatchEvent('change');
      await pageReaches(page, 'TTX applied', () => /TTX 100 %: applied/.test(document.getElementById('ions-status')?.textContent ?? ''));
      await page.locator('#clamp-run').click();
      await pageReaches(page, 'the blocked family', () => /blocked: g_Na 100 %/.test(document.getElementById('clamp-status')?.textContent ?? ''));
      expect(await page.locator('#clamp-note').textContent()).toMatch(/I_Na \(sodium\) is zero at every level/);
      const peaks = await page.locator('#clamp-iv-table tbody tr td:nth-child(2)').allTextContents();
      expect(peaks.every((p) => Number(p) === 0), peaks.join(' ')).toBe(true);
      // No inward current above -55 mV (below it the leak flows in, toward E_L = -54.4 mV).
      const levels = (await page.locator('#clamp-iv-table tbody tr th').allTextContents()).map(Number);
      const inward = (await page.locator('#clamp-iv-table tbody tr td:last-child').allTextContents()).map(Number);
      expect(inward.filter((_, k) => levels[k] > -55), inward.join(' ')).toEqual(levels.filter((v) => v > -55).map(() => 0));
      // I_Na's curve is flat on the zero line now, mostly under the total's.
      expect(await pixels(page, '#clamp-panel figure:nth-of-type(2) canvas', SODIUM, 'bench-iv-ttx-1280.png')).toBeLessThan(sodiumBefore / 4);
      expect(await axeViolations(page, ['#clamp-panel', '#ions-panel'])).toEqual([]);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('raising [K]o moves E_K by Nernst and the membrane potential after a reset', async () => {
    const page = await newPage(harness, { viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
    const problems = watchProblems(page);
    try {
      await page.goto(harness.baseUrl, { waitUntil: 'load' });
      await scenarioShown(page);
      await page.locator('#speed').selectOption('max');
      await openModel(page, 'hh', /Hodgkin|HH/);
      await page.locator('#ion-K-out').waitFor();
      await finished(page);
      const before = Number(/now: (-?[\d.]+)/.exec((await page.locator('#ions-v-now').textContent()) ?? '')?.[1]);
      expect(before).toBeLessThan(-60);
      const nernst = (outside: number) => ((1000 * 8.314462618 * (6.3 + 273.15)) / 96485.33212) * Math.log(outside / 400);
      await page.locator('#ion-K-out').fill('100');
      await page.locator('#ion-K-out').dispatchEvent('change');
      await pageReaches(page, 'the ions applied', () => /\[K\]o 100 mM: applied/.test(document.getElementById('ions-status')?.textContent ?? ''));
      const numbers = (await page.locator('#ions-numbers').textContent()) ?? '';
      expect(Number(/E_K = (-?[\d.]+) mV/.exec(numbers)?.[1]), numbers).toBeCloseTo(nernst(100), 1);
      expect(numbers).toMatch(/GHK resting potential -?[\d.]+ mV/);
      await page.locator('#reset').click();
      await finished(page);
      const after = Number(/now: (-?[\d.]+)/.exec((await page.locator('#ions-v-now').textContent()) ?? '')?.[1]);
      expect(after, `before ${before}, after ${after}`).toBeGreaterThan(before + 10);
      await page.locator('#ions-panel').screenshot({ path: join(artifacts, 'bench-ions-1280.png') });
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('draws the phase plane: Hopf for FitzHugh-Nagumo, saddle-node for Morris-Lecar type I, HH reduced; a click starts there', async () => {
    const page = await newPage(harness, { viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
    const problems = watchProblems(page);
    try {
      await page.goto(harness.baseUrl, { waitUntil: 'load' });
      await scenarioShown(page);
      await openModel(page, 'fitzhugh_nagumo', /FitzHugh/);
      await pageReaches(page, 'the bifurcation', () => /loses stability at|stays stable/.test(document.getElementById('phase-bifurcation')?.textContent ?? ''));
      expect(await page.locator('#phase-bifurcation').textContent()).toMatch(/at I = 0\.33\d* .*in a Hopf bifurcation.*type II/);
      expect(await page.locator('#phase-points').textContent()).toMatch(/^(Stable|Unstable) (focus|node) at v = /);
      const canvas = '#phase-panel canvas';
      expect(await pixels(page, canvas, X_NULLCLINE, 'bench-phase-fhn-1280.png')).toBeGreaterThan(100);
      expect(await pixels(page, canvas, Y_NULLCLINE, 'bench-phase-fhn-1280.png')).toBeGreaterThan(100);
      // A click on the plane starts the run there, with v and w traced: the trajectory is drawn.
      const box = (await page.locator(canvas).boundingBox())!;
      await page.mouse.click(box.x + box.width * 0.3, box.y + box.height * 0.3);
      await pageReaches(page, 'the start', () => /Started from|Not started|Cannot/.test(document.getElementById('phase-status')?.textContent ?? ''));
      expect(await page.locator('#phase-status').textContent()).toMatch(/^Started from v = /);
      await page.locator('#speed').selectOption('max');
      await finished(page);
      await page.waitForTimeout(100); // one animation frame to draw the last of the trajectory
      expect(await pixels(page, canvas, 0x222222, 'bench-phase-fhn-trajectory-1280.png')).toBeGreaterThan(50);
      expect(await axeViolations(page, ['#phase-panel'])).toEqual([]);

      await openModel(page, 'morris_lecar', /Morris/);
      if (await page.locator('#regime-choice').isVisible()) await page.locator('#regime-choice').selectOption('typeI');
      await pageReaches(page, 'the saddle-node', () => /saddle-node/.test(document.getElementById('phase-bifurcation')?.textContent ?? ''));
      expect(await page.locator('#phase-bifurcation').textContent()).toMatch(/type I, SNIC/);

      await openModel(page, 'hh', /Hodgkin|HH/);
      await pageReaches(page, 'the reduction', () => /Rinzel/.test(document.getElementById('phase-reduction')?.textContent ?? ''));
      await pageReaches(page, 'the bifurcation', () => /loses stability at/.test(document.getElementById('phase-bifurcation')?.textContent ?? ''));
      expect(await page.locator('#phase-bifurcation').textContent()).toMatch(/Hopf/);
      // HH's full trajectory (its traces of v and n) projected onto the plane, from frames that came before the plane did.
      await finished(page);
      await page.waitForTimeout(100); // one animation frame to draw it
      expect(await pixels(page, canvas, 0x222222, 'bench-phase-hh-canvas-1280.png')).toBeGreaterThan(50);
      expect(await page.locator('#phase-trace-note').textContent()).toBe('');
      await page.locator('#phase-panel').screenshot({ path: join(artifacts, 'bench-phase-hh-1280.png') });
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('lesson 8 is checked from the clamp panel: E_Na from the family, then the family under TTX', async () => {
    const page = await newPage(harness, { viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
    const problems = watchProblems(page);
    try {
      await page.goto(harness.baseUrl, { waitUntil: 'load' });
      await scenarioShown(page);
      await page.locator('#lesson-list > summary').click();
      await page.locator('#lesson-voltage-clamp').click();
      await expect.poll(() => page.locator('#lesson-step-1').getAttribute('data-state')).toBe('current');
      await page.locator('#clamp-run').waitFor();
      await page.locator('#clamp-step').fill('10');
      await page.locator('#clamp-duration').fill('10');
      await page.locator('#clamp-run').click();
      await page.waitForFunction(() => document.getElementById('lesson-step-1')?.dataset.state === 'passed');
      expect(await page.locator('#lesson-step-2').getAttribute('data-state')).toBe('current');
      await page.locator('#block-TTX').fill('1');
      await page.locator('#block-TTX').dispatchEvent('change');
      await pageReaches(page, 'TTX applied', () => /TTX 100 %: applied/.test(document.getElementById('ions-status')?.textContent ?? ''));
      await page.locator('#clamp-run').click();
      await page.waitForFunction(() => document.getElementById('lesson-step-2')?.dataset.state === 'passed');
      expect(await page.locator('#lesson-step-3').getAttribute('data-state')).toBe('current');
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('fits a phone: at 360 px the panels are no wider than the screen', async () => {
    const page = await newPage(harness, { viewport: { width: 360, height: 800 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    try {
      await page.goto(harness.baseUrl, { waitUntil: 'load' });
      await scenarioShown(page);
      await openModel(page, 'hh', /Hodgkin|HH/);
      await page.locator('#clamp-run').waitFor();
      await page.locator('#clamp-step').fill('20');
      await page.locator('#clamp-duration').fill('5');
      await page.locator('#clamp-run').click();
      await pageReaches(page, 'the clamp family', () => /steps from/.test(document.getElementById('clamp-status')?.textContent ?? ''));
      await pageReaches(page, 'the reduction', () => /Rinzel/.test(document.getElementById('phase-reduction')?.textContent ?? ''));
      for (const id of ['clamp-panel', 'ions-panel', 'phase-panel']) {
        const box = (await page.locator(`#${id}`).boundingBox())!;
        expect(box.x, id).toBeGreaterThanOrEqual(0);
        expect(box.x + box.width, id).toBeLessThanOrEqual(361);
        await page.locator(`#${id}`).screenshot({ path: join(artifacts, `bench-${id}-360.png`) });
      }
    } finally {
      await page.close();
    }
  });
});
