// The bench panels in a real browser, on one page shared by the tests in order (1280 x 800): the
// voltage clamp (an HH family run in its worker, the I-V curve's sodium reversal read off it, a ramp
// whose I_Na crosses zero at E_Na, TTX taking the inward current away), blockers and ions (the
// temperature box following the parameter control and undo, the Nernst E_K shown for a new [K]o and
// the running membrane potential following it after a reset), the phase plane (FitzHugh-Nagumo's
// Hopf and Morris-Lecar type I's saddle-node stated, the nullclines drawn, a click setting the state
// live with the trajectory drawn from there, HH's reduction stated), lessons 8, 9 and 10 checked
// from the panels, and a clamp scenario from a link: its ions chooser, its Brian2 script and PyNN's
// refusal by field. Then a phone (360 x 740). The checks read what a student sees: text, numbers,
// pixels; axe-core on the three panels; screenshots of each at both sizes go to artifacts/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Page } from 'playwright-core';
import { colourMask, decodePng } from './png';
import { artifacts, linkTo, newPage, pageReaches, root, scenarioShown, useBrowser, watchProblems } from './harness';

const harness = useBrowser();

const SODIUM = 0xd55e00; // hh.json's colour of I_Na, written out
const X_NULLCLINE = 0xd55e00; // the phase panel's nullcline colours, written out
const Y_NULLCLINE = 0x0072b2;
const TRAJECTORY = 0x222222;

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

/** Type a value into a field and commit it (the panels act on change). */
async function enter(page: Page, selector: string, value: string): Promise<void> {
  await page.locator(selector).fill(value);
  await page.locator(selector).dispatchEvent('change');
}

async function runClamp(page: Page, what: RegExp): Promise<string> {
  await page.locator('#clamp-run').click();
  await pageReaches(page, 'the clamp run', (source) => new RegExp(source).test(document.getElementById('clamp-status')?.textContent ?? '') || /Not run/.test(document.getElementById('clamp-status')?.textContent ?? ''), what.source);
  return (await page.locator('#clamp-status').textContent()) ?? '';
}

async function openLesson(page: Page, id: string): Promise<void> {
  await page.locator('#lesson-list').evaluate((details) => ((details as HTMLDetailsElement).open = true));
  await page.locator(`#lesson-${id}`).click();
  // Open (a first step that only asks to watch may pass at once when the run is fast): step 2 is still to do.
  await expect.poll(() => page.locator('#lesson-step-2').getAttribute('data-state')).toMatch(/^(current|later)$/);
}

async function stepPassed(page: Page, k: number): Promise<void> {
  await pageReaches(page, `lesson step ${k} passed`, (n) => document.getElementById(`lesson-step-${n}`)?.dataset.state === 'passed', k);
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

describe('the bench panels on one page (Chromium, 1280 x 800)', () => {
  let page: Page;
  let problems: string[] = [];
  beforeAll(async () => {
    page = await newPage(harness, { viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
    problems = watchProblems(page);
    await page.goto(harness.baseUrl, { waitUntil: 'load' });
    await scenarioShown(page);
  });
  afterAll(async () => {
    await page?.close();
  });

  it('clamps HH: the I-V curve shows I_Na reversing near E_Na, a ramp crosses it at E_Na, and under TTX the inward current is gone', async () => {
    await openModel(page, 'hh', /Hodgkin|HH/);
    await page.locator('#clamp-run').waitFor();
    await page.locator('#clamp-from').fill('-100');
    await page.locator('#clamp-to').fill('60');
    await page.locator('#clamp-step').fill('10');
    await page.locator('#clamp-duration').fill('10');
    expect(await runClamp(page, /steps from/)).toMatch(/^17 steps from -100 to 60 mV, held at -65 mV; ideal clamp\./);
    const note = (await page.locator('#clamp-note').textContent()) ?? '';
    const reversal = Number(/I_Na \(sodium\) reverses near (-?[\d.]+) mV/.exec(note)?.[1]);
    expect(reversal, note).toBeGreaterThan(45); // E_Na is 50 mV; the peak is read every 10 mV
    expect(reversal, note).toBeLessThan(55);
    expect(await page.locator('#clamp-iv-table tbody tr').count()).toBe(17);
    const peakNaAt0 = Number(await page.locator('#clamp-iv-table tbody tr:nth-child(11) td:nth-child(2)').textContent());
    expect(peakNaAt0).toBeLessThan(-200); // strongly inward at 0 mV (uA/cm2)
    expect(Number(await page.locator('#clamp-iv-table tbody tr:nth-child(11) td:last-child').textContent())).toBeLessThan(-200); // and so is the total
    const sodiumBefore = await pixels(page, '#clamp-panel figure:nth-of-type(2) canvas', SODIUM, 'bench-iv-1280.png');
    expect(sodiumBefore).toBeGreaterThan(200);
    await page.locator('#clamp-panel').screenshot({ path: join(artifacts, 'bench-clamp-1280x800.png') });

    // The ramp protocol: one run, its currents against the command along it; I_Na (V - E_Na) changes sign at E_Na exactly.
    await page.locator('#clamp-protocol').selectOption('ramp');
    expect(await page.locator('#clamp-step').isVisible()).toBe(false);
    await page.locator('#clamp-duration').fill('20');
    expect(await runClamp(page, /A ramp from/)).toMatch(/^A ramp from -100 to 60 mV in 20 ms \(8 mV\/ms\), held at -65 mV; ideal clamp\./);
    const rampNote = (await page.locator('#clamp-note').textContent()) ?? '';
    expect(Number(/I_Na \(sodium\) reverses near (-?[\d.]+) mV/.exec(rampNote)?.[1]), rampNote).toBeCloseTo(50, 1);
    expect(await page.locator('#clamp-iv-table tbody tr').count()).toBe(17);
    expect(await page.locator('#clamp-iv-table tbody tr:first-child th').textContent()).toBe('-100');
    expect(await pixels(page, '#clamp-panel figure:nth-of-type(2) canvas', SODIUM, 'bench-iv-ramp-1280.png')).toBeGreaterThan(60); // a dip under a large outward I_K
    await page.locator('#clamp-panel').screenshot({ path: join(artifacts, 'bench-clamp-ramp-1280x800.png') });
    await page.locator('#clamp-protocol').selectOption('steps');
    await page.locator('#clamp-duration').fill('10');

    // TTX at 100 %: applied to the running model and to the next family.
    await enter(page, '#block-TTX', '1');
    await pageReaches(page, 'TTX applied', () => /TTX 100 %: applied/.test(document.getElementById('ions-status')?.textContent ?? ''));
    await runClamp(page, /blocked: g_Na 100 %/);
    expect(await page.locator('#clamp-note').textContent()).toMatch(/I_Na \(sodium\) is zero at every level/);
    const peaks = await page.locator('#clamp-iv-table tbody tr td:nth-child(2)').allTextContents();
    expect(peaks.every((p) => Number(p) === 0), peaks.join(' ')).toBe(true);
    // No inward current above -55 mV (below it the leak flows in, toward E_L = -54.4 mV).
    const levels = (await page.locator('#clamp-iv-table tbody tr th').allTextContents()).map(Number);
    const inward = (await page.locator('#clamp-iv-table tbody tr td:last-child').allTextContents()).map(Number);
    expect(inward.filter((_, k) => levels[k] > -55), inward.join(' ')).toEqual(levels.filter((v) => v > -55).map(() => 0));
    // I_Na's curve is flat on the zero line now, mostly under the total's.
    expect(await pixels(page, '#clamp-panel figure:nth-of-type(2) canvas', SODIUM, 'bench-iv-ttx-1280.png')).toBeLessThan(sodiumBefore / 4);
    // Through a series resistance: the status says so (the unit test checks the potential error I x R_s).
    await page.locator('#clamp-mode').selectOption('rs');
    // Every value with its unit, from the model file (HH: mV, and uA/cm2 of input: kOhm cm2).
    const labels = await page.locator('#clamp-panel .bench-controls label').allTextContents();
    for (const unit of ['hold (mV)', 'from (mV)', 'to (mV)', 'step (mV)', 'R_s (kOhm cm2)']) expect(labels.join(' | ')).toContain(unit);
    await page.locator('#clamp-rs').fill('2');
    await page.locator('#clamp-step').fill('40');
    expect(await runClamp(page, /series resistance 2/)).toMatch(/^5 steps from -100 to 60 mV, held at -65 mV; series resistance 2 kOhm cm2; blocked: g_Na 100 %\./);
    expect(await axeViolations(page, ['#clamp-panel', '#ions-panel'])).toEqual([]);
    await page.locator('#clamp-mode').selectOption('ideal');
    expect(problems).toEqual([]);
  });

  it('ions: the temperature box follows the parameter control and undo; raising [K]o moves E_K by Nernst and the membrane potential after a reset', async () => {
    await enter(page, '#block-TTX', '0');
    await pageReaches(page, 'TTX off', () => /TTX 0 %: applied/.test(document.getElementById('ions-status')?.textContent ?? ''));
    await enter(page, '#param-celsius', '10');
    await expect.poll(() => page.locator('#ions-temperature').inputValue()).toBe('10');
    expect(await page.locator('#ions-numbers').textContent()).toMatch(/^At 10 degC/);
    await page.locator('#undo').click();
    await expect.poll(() => page.locator('#ions-temperature').inputValue()).toBe('6.3');
    await page.locator('#speed').selectOption('max');
    await page.locator('#reset').click();
    await finished(page);
    const before = Number(/now: (-?[\d.]+)/.exec((await page.locator('#ions-v-now').textContent()) ?? '')?.[1]);
    expect(before).toBeLessThan(-60);
    const nernst = (outside: number) => ((1000 * 8.314462618 * (6.3 + 273.15)) / 96485.33212) * Math.log(outside / 400);
    await enter(page, '#ion-K-out', '100');
    await pageReaches(page, 'the ions applied', () => /\[K\]o 100 mM: applied/.test(document.getElementById('ions-status')?.textContent ?? ''));
    const numbers = (await page.locator('#ions-numbers').textContent()) ?? '';
    expect(Number(/E_K = (-?[\d.]+) mV/.exec(numbers)?.[1]), numbers).toBeCloseTo(nernst(100), 1);
    expect(numbers).toMatch(/GHK resting potential -?[\d.]+ mV/);
    await page.locator('#reset').click();
    await finished(page);
    const after = Number(/now: (-?[\d.]+)/.exec((await page.locator('#ions-v-now').textContent()) ?? '')?.[1]);
    expect(after, `before ${before}, after ${after}`).toBeGreaterThan(before + 10);
    await page.locator('#ions-panel').screenshot({ path: join(artifacts, 'bench-ions-1280x800.png') });
    expect(problems).toEqual([]);
  });

  it('draws the phase plane: Hopf for FitzHugh-Nagumo, a click sets the state live and the trajectory runs from there; saddle-node for Morris-Lecar type I; HH reduced', async () => {
    const canvas = '#phase-panel canvas';
    // A run without end, so the click lands in a running run (not one that has ended, which would open again).
    await page.locator('#speed').selectOption('1');
    await page.locator('#free-run').check();
    try {
      await openModel(page, 'fitzhugh_nagumo', /FitzHugh/);
      // The plane of this model (the title), and its bifurcation (HH's was shown before).
      await pageReaches(page, 'the bifurcation', () => /FitzHugh/.test(document.getElementById('phase-title')?.textContent ?? '') && /loses stability at|stays stable/.test(document.getElementById('phase-bifurcation')?.textContent ?? ''));
      expect(await page.locator('#phase-bifurcation').textContent()).toMatch(/at I = 0\.33\d* .*in a Hopf bifurcation.*type II/);
      expect(await page.locator('#phase-points').textContent()).toMatch(/^(Stable|Unstable) (focus|node) at v = /);
      expect(await pixels(page, canvas, X_NULLCLINE, 'bench-phase-fhn-1280.png')).toBeGreaterThan(100);
      expect(await pixels(page, canvas, Y_NULLCLINE, 'bench-phase-fhn-1280.png')).toBeGreaterThan(100);
      await pageReaches(page, 'the run going', () => Number(/[\d.]+/.exec(document.getElementById('sim-time')?.textContent ?? '')?.[0]) > 20);
      const box = (await page.locator(canvas).boundingBox())!;
      await page.mouse.click(box.x + box.width * 0.3, box.y + box.height * 0.3);
      await pageReaches(page, 'the start', () => /Started from|Not started|Cannot/.test(document.getElementById('phase-status')?.textContent ?? ''));
      // Set live: the time goes on from where the run was (a reopened run would start at 0 ms and say so).
      const said = (await page.locator('#phase-status').textContent()) ?? '';
      expect(said).toMatch(/^Started from v = -?[\d.]+, w = -?[\d.]+ at [\d.]+ ms\.$/);
      expect(Number(/at ([\d.]+) ms/.exec(said)?.[1])).toBeGreaterThan(20);
      // The trajectory is drawn again, from the clicked point: dark pixels near it (the first sample is a step or two after the change).
      await expect.poll(() => pixels(page, canvas, TRAJECTORY, 'bench-phase-fhn-trajectory-1280.png')).toBeGreaterThan(50);
      await page.locator('#phase-panel').screenshot({ path: join(artifacts, 'bench-phase-1280x800.png') });
      const drawn = decodePng(readFileSync(join(artifacts, 'bench-phase-fhn-trajectory-1280.png')));
      const dark = colourMask(drawn, TRAJECTORY, 40);
      const [cx, cy] = [Math.round(drawn.width * 0.3), Math.round(drawn.height * 0.3)];
      let near = 0;
      for (let y = cy - 0.12 * drawn.height; y <= cy + 0.12 * drawn.height; y++) for (let x = cx - 0.12 * drawn.width; x <= cx + 0.12 * drawn.width; x++) near += dark[Math.round(y) * drawn.width + Math.round(x)] ?? 0;
      expect(near).toBeGreaterThan(5);
      expect(await axeViolations(page, ['#phase-panel'])).toEqual([]);
    } finally {
      // The tests after this one run to their ends at full speed.
      await page.locator('#free-run').uncheck();
      await page.locator('#speed').selectOption('max');
    }

    await openModel(page, 'morris_lecar', /Morris/);
    if (await page.locator('#regime-choice').isVisible()) await page.locator('#regime-choice').selectOption('typeI');
    await pageReaches(page, 'the saddle-node', () => /Morris/.test(document.getElementById('phase-title')?.textContent ?? '') && /saddle-node/.test(document.getElementById('phase-bifurcation')?.textContent ?? ''));
    expect(await page.locator('#phase-bifurcation').textContent()).toMatch(/type I, SNIC/);

    await openModel(page, 'hh', /Hodgkin|HH/);
    await pageReaches(page, 'the reduction', () => /Rinzel/.test(document.getElementById('phase-reduction')?.textContent ?? ''));
    await pageReaches(page, "HH's Hopf", () => /Hodgkin|HH/.test(document.getElementById('phase-title')?.textContent ?? '') && /loses stability at .*Hopf/.test(document.getElementById('phase-bifurcation')?.textContent ?? ''));
    // HH's full trajectory (its traces of v and n) projected onto the plane, from frames that came before the plane did.
    await finished(page);
    await expect.poll(() => pixels(page, canvas, TRAJECTORY, 'bench-phase-hh-canvas-1280.png')).toBeGreaterThan(50);
    expect(await page.locator('#phase-trace-note').textContent()).toBe('');
    await page.locator('#phase-panel').screenshot({ path: join(artifacts, 'bench-phase-hh-1280x800.png') });
    expect(problems).toEqual([]);
  });

  it('lesson 8 is checked from the clamp panel: E_Na from the family, then the family under TTX', async () => {
    await openLesson(page, 'voltage-clamp');
    await page.locator('#clamp-step').fill('10');
    await page.locator('#clamp-duration').fill('10');
    await page.locator('#clamp-run').click();
    await stepPassed(page, 1);
    expect(await page.locator('#lesson-step-2').getAttribute('data-state')).toBe('current');
    await enter(page, '#block-TTX', '1');
    await pageReaches(page, 'TTX applied', () => /TTX 100 %: applied/.test(document.getElementById('ions-status')?.textContent ?? ''));
    await page.locator('#clamp-run').click();
    await stepPassed(page, 2);
    expect(await page.locator('#lesson-step-3').getAttribute('data-state')).toBe('current');
    expect(problems).toEqual([]);
  });

  it('lesson 9 is checked from the phase plane: type I loses its rest in a saddle-node, type II in a Hopf', async () => {
    await openLesson(page, 'phase-plane');
    await pageReaches(page, "typeI's plane", () => /typeI\)/.test(document.getElementById('phase-title')?.textContent ?? '') && /saddle-node/.test(document.getElementById('phase-bifurcation')?.textContent ?? ''));
    expect(await page.locator('#phase-points li').count()).toBe(3); // stable node, saddle, unstable focus at 30 uA/cm2
    await enter(page, '#param-current', '45'); // typeI's input past its saddle-node (about 40 uA/cm2)
    await stepPassed(page, 1);
    expect(await page.locator('#phase-points').textContent()).toMatch(/^Unstable focus/);
    await page.locator('#phase-population').selectOption('typeII');
    await pageReaches(page, "typeII's Hopf", () => /typeII\)/.test(document.getElementById('phase-title')?.textContent ?? '') && /Hopf/.test(document.getElementById('phase-bifurcation')?.textContent ?? ''));
    expect(await page.locator('#lesson-step-2').getAttribute('data-state')).toBe('current'); // its rest is stable at 80
    await enter(page, '#param-current-1', '100'); // past the Hopf point
    await stepPassed(page, 2);
    expect(problems).toEqual([]);
  });

  it('lesson 10 is checked from the ions panel: the rest with squid [K]o, then with 50 mM after a reset', async () => {
    await openLesson(page, 'ions-rest');
    await stepPassed(page, 1); // the run at full speed settles near -63 mV
    await enter(page, '#ion-K-out', '50');
    await pageReaches(page, 'the ions applied', () => /\[K\]o 50 mM: applied/.test(document.getElementById('ions-status')?.textContent ?? ''));
    await page.locator('#reset').click();
    await stepPassed(page, 2);
    expect(Number(/now: (-?[\d.]+)/.exec((await page.locator('#ions-v-now').textContent()) ?? '')?.[1])).toBeGreaterThan(-50);
    expect(problems).toEqual([]);
  });

  it('a clamp scenario from a link: the ions panel chooses among its populations; Brian2 gets a script, PyNN refuses naming stimuli[0].type', async () => {
    const scenario = {
      format: 'spikebridge-scenario/1',
      name: 'Clamped and free',
      durationMs: 30,
      dtMs: 0.01,
      populations: [
        { name: 'clamped', model: 'hh', size: 1, ions: { K: { outsideMM: 10 } } },
        { name: 'free', model: 'hh', size: 1, ions: { K: { outsideMM: 30 } } },
      ],
      stimuli: [{ type: 'voltageClamp', population: 'clamped', holdingMV: -65, commands: [{ startMs: 5, stopMs: 25, levelMV: 0 }] }],
    };
    await page.evaluate((hash) => (location.hash = hash), await linkTo(scenario));
    await scenarioShown(page, 'Clamped and free');
    expect((await page.locator('#ions-population option').allTextContents()).map((o) => o.split(' ')[0])).toEqual(['clamped', 'free']);
    expect(await page.locator('#ion-K-out').inputValue()).toBe('10');
    await page.locator('#ions-population').selectOption('free');
    await expect.poll(() => page.locator('#ion-K-out').inputValue()).toBe('30');
    await page.locator('#export-pynn').click();
    await expect.poll(() => page.locator('#export-message').textContent()).toMatch(/^No PyNN script: stimuli\[0\]\.type: "voltageClamp" does not translate to PyNN: PyNN 0\.10 has no voltage clamp/);
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#export-brian2').click()]);
    const file = join(artifacts, 'bench-clamp_brian2.py');
    await download.saveAs(file); // the browser runs apart from this process: a copy here
    expect(readFileSync(file, 'utf8')).toMatch(/G_clamped\.run_regularly\('v = clamp_ideal \* Vi_clamped\(t \+ dt, i\)/);
    expect(await page.locator('#export-message').textContent()).toBe('Saved the Brian2 script.');
    expect(problems).toEqual([]);
  });
});

describe('the bench panels on a phone (360 x 740)', () => {
  it('fit: the three panels are no wider than the screen', async () => {
    const page = await newPage(harness, { viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    try {
      await page.goto(harness.baseUrl, { waitUntil: 'load' });
      await scenarioShown(page);
      await openModel(page, 'hh', /Hodgkin|HH/);
      await page.locator('#clamp-run').waitFor();
      await page.locator('#clamp-step').fill('20');
      await page.locator('#clamp-duration').fill('5');
      await runClamp(page, /steps from/);
      await pageReaches(page, 'the reduction', () => /Rinzel/.test(document.getElementById('phase-reduction')?.textContent ?? ''));
      for (const id of ['clamp-panel', 'ions-panel', 'phase-panel']) {
        const box = (await page.locator(`#${id}`).boundingBox())!;
        expect(box.x, id).toBeGreaterThanOrEqual(0);
        expect(box.x + box.width, id).toBeLessThanOrEqual(361);
        await page.locator(`#${id}`).screenshot({ path: join(artifacts, `bench-${id}-360x740.png`) });
      }
    } finally {
      await page.close();
    }
  });
});
