// The page as a live lab bench, in Debian's Chromium against the page as built: a run without end
// keeps reacting (past 10 s, the rate following a slider within a second of simulated time, a
// change after a protocol ended still acting), controls say their units and can be undone, a
// clicked raster row is traced, the statistics strip shows the figures the CLI computes for the
// same seeded spikes, the page fits a phone (no sideways scroll, 44 px targets, poke by touch and
// hold), keys act where the focus is, axe-core finds no serious or critical violation on any
// panel, and the time from navigation to the first spike drawn is measured and printed.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Page } from 'playwright-core';
import { artifacts, newContext, newPage, pageReaches, scenarioShown, simulatedMs, useBrowser, waitForTime, watchProblems } from './harness';
import { openExperiment } from '../../src/scenario/scenario';
import { preset } from '../../src/scenario/presets';
import { spikeStatistics } from '../../src/core/record/statistics';

const harness = useBrowser();
const require = createRequire(import.meta.url);

async function open(viewport = { width: 1280, height: 800 }): Promise<{ page: Page; problems: string[] }> {
  const page = await newPage(harness, { viewport, deviceScaleFactor: 1 });
  const problems = watchProblems(page);
  await page.goto(harness.baseUrl, { waitUntil: 'load' });
  await scenarioShown(page);
  return { page, problems };
}

/** The recent rate the status line shows, read in the page when its time first reaches `ms`. */
async function rateAt(page: Page, ms: number): Promise<number> {
  const read = await page.waitForFunction((ms) => {
    const match = /t = ([\d.]+) ms/.exec(document.getElementById('sim-time')?.textContent ?? '');
    return match !== null && Number(match[1]) >= ms && (document.getElementById('spike-rate')?.textContent ?? '');
  }, ms);
  return Number.parseFloat((await read.jsonValue()) as string);
}

/** axe-core's serious and critical violations on the page as it is now. */
async function axeViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[] }> } }).axe;
    const { violations } = await axe.run(document, { resultTypes: ['violations'] });
    return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
  });
}

describe('a run without end (Chromium)', () => {
  it('keeps going past 10 s; the rate follows the input within a second of simulated time; a change after the protocol ended still acts', async () => {
    const { page, problems } = await open();
    try {
      await page.locator('#free-run').check();
      await page.locator('#speed').selectOption('10');
      // The preset's step (50-450 ms) has ended long before 10 s: a held input is under the hand.
      await page.locator('#protocol').selectOption('constant');
      await expect.poll(() => page.locator('#protocol-said').textContent()).toMatch(/held on/);
      await waitForTime(page, 10_000);
      expect(await page.locator('#status').getAttribute('data-state')).toBe('running');
      // Raise the input from 2.5 to 5 nA, typed in the page at a time it reads there.
      const typed = await page.waitForFunction(() => {
        const match = /t = ([\d.]+) ms/.exec(document.getElementById('sim-time')?.textContent ?? '');
        if (!match) return false;
        const field = document.getElementById('param-current') as HTMLInputElement;
        const before = Number.parseFloat(document.getElementById('spike-rate')?.textContent ?? '');
        field.value = '5';
        field.dispatchEvent(new Event('input', { bubbles: true }));
        return { at: Number(match[1]), before };
      });
      const { at, before } = (await typed.jsonValue()) as { at: number; before: number };
      // 2.5 nA: about 55 Hz; 5 nA: about 170 Hz (the status line's rate is over the last 200 ms).
      expect(before).toBeGreaterThan(40);
      expect(before).toBeLessThan(70);
      const after = await rateAt(page, at + 1000);
      expect(after).toBeGreaterThan(before + 60);
      await page.screenshot({ path: join(artifacts, 'free-run.png') });

      // A protocol that has ended, started again: a step of 2 s from now, then nothing, then again
      // (at real time, so the page is read while the step is still on).
      await page.locator('#speed').selectOption('1');
      await page.locator('#protocol').selectOption('step');
      await page.locator('#param-width').fill('2000');
      await page.locator('#protocol-again').click();
      await expect.poll(() => page.locator('#protocol-said').textContent()).toMatch(/a step on .*2000 ms/);
      const onset = async () => Number(/on ([\d.]+)–/.exec((await page.locator('#protocol-said').textContent()) ?? '')![1]);
      const first = await onset();
      expect(await rateAt(page, first + 2300)).toBe(0); // ended: silent
      await page.locator('#protocol-again').click();
      await expect.poll(onset).toBeGreaterThan(first);
      expect(await rateAt(page, (await onset()) + 400)).toBeGreaterThan(100); // on again, at 5 nA
      // I(t) is drawn under V(t): its canvas shows the input's blue.
      expect(await page.locator('#input-canvas').isVisible()).toBe(true);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('a run that had ended goes on when it is made one without end, and says so before', async () => {
    const { page, problems } = await open();
    try {
      await pageReaches(page, 'the end of the run', () => document.getElementById('status')?.dataset.state === 'finished');
      await page.locator('#param-tau_m').fill('12');
      await expect.poll(() => page.locator('#notice').textContent()).toMatch(/The run has ended at 500 ms: your change applies when it runs again/);
      // Next to the field too: the notice is at the top of the page, out of view where the controls are on a phone.
      await expect.poll(() => page.locator('#param-tau_m-message').textContent()).toMatch(/^The run has ended: this applies when it runs again/);
      await page.locator('#free-run').check();
      await expect.poll(() => page.locator('#status').getAttribute('data-state')).toBe('running');
      await expect.poll(() => page.locator('#param-tau_m-message').textContent()).toBe('');
      await waitForTime(page, 600);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

describe('controls that say what they are (Chromium)', () => {
  it('units beside the values, logarithmic sliders, restore, undo and redo by button and key', async () => {
    const { page, problems } = await open();
    try {
      expect(await page.locator('#param-current-unit').textContent()).toBe('nA');
      expect(await page.locator('#param-tau_m-unit').textContent()).toBe('ms');
      expect(await page.locator('#param-R-unit').textContent()).toBe('MOhm');
      // R runs over 0.1-5000 MOhm: 10 sits near the middle of a logarithmic slider, not at its left end.
      const position = Number(await page.locator('#param-R-slider').inputValue()) / Number(await page.locator('#param-R-slider').getAttribute('max'));
      expect(position).toBeGreaterThan(0.3);
      expect(position).toBeLessThan(0.7);
      expect(await page.locator('#param-R-slider').getAttribute('aria-valuetext')).toBe('10 MOhm');

      const tau = page.locator('#param-tau_m');
      await tau.fill('20');
      await tau.blur();
      await page.locator('#param-t_ref').fill('4');
      await page.locator('#param-t_ref').blur();
      await page.locator('#undo').click();
      await expect.poll(() => page.locator('#param-t_ref').inputValue()).toBe('2');
      await page.locator('#undo').click();
      await expect.poll(() => tau.inputValue()).toBe('10');
      await page.locator('#redo').click();
      await expect.poll(() => tau.inputValue()).toBe('20');
      // The keys, from outside any text field.
      await page.locator('#redo').focus();
      await page.keyboard.press('Control+Z');
      await expect.poll(() => tau.inputValue()).toBe('10');
      await page.keyboard.press('Control+Shift+Z');
      await expect.poll(() => tau.inputValue()).toBe('20');
      // Restore: the value the scenario opened with, sent to the worker (the share link carries it).
      await page.locator('#param-tau_m-restore').click();
      await expect.poll(() => tau.inputValue()).toBe('10');
      expect(await page.locator('#param-tau_m-restore').isDisabled()).toBe(true);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

describe('a network you can probe (Chromium)', () => {
  it('a raster whose PixiJS arrives after the run has ended still reads the run\'s end on its time axis', async () => {
    const { page, problems } = await open();
    try {
      // Hold the raster's chunk until CUBA has run to its end at full speed (as on a slow machine).
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      await page.route('**/assets/rasterPlot-*.js', async (route) => {
        await released;
        await route.continue();
      });
      await page.locator('#preset').selectOption('cuba');
      await scenarioShown(page, 'CUBA');
      await page.locator('#speed').selectOption('max');
      await pageReaches(page, 'the end of the run', () => document.getElementById('status')?.dataset.state === 'finished');
      expect(await page.locator('#raster-canvas').count()).toBe(0);
      release();
      await expect.poll(() => page.locator('#raster-canvas').getAttribute('data-now-ms')).toBe('1000.0');
      expect(await page.locator('#raster-canvas').getAttribute('data-time-labels-ms')).toMatch(/^0 (\d+ )*1000$/);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('CUBA: a clicked raster row is traced; its weights are offered; the statistics strip has the figures the CLI computes for the same seed', async () => {
    const { page, problems } = await open();
    try {
      await page.locator('#preset').selectOption('cuba');
      await scenarioShown(page, 'CUBA');
      await page.locator('#speed').selectOption('max');
      await pageReaches(page, 'the end of the run', () => document.getElementById('status')?.dataset.state === 'finished');
      // The strip at the end: the last 1000 ms, the whole run.
      await expect.poll(() => page.locator('#stats-strip caption').textContent()).toMatch(/t = 0–1000 ms/);
      // The raster's time axis is the traces': its right edge the run's end, round times in ms
      // (its labels followed four times a second, so the last ones could stay a frame or more behind).
      await expect.poll(() => page.locator('#raster-canvas').getAttribute('data-now-ms')).toBe('1000.0');
      expect(await page.locator('#raster-canvas').getAttribute('data-time-labels-ms')).toMatch(/^0 (\d+ )*1000$/);
      const shown = await page.evaluate(() =>
        [...document.querySelectorAll('#stats-strip tbody tr')].map((row) => ({
          name: row.getAttribute('data-population'),
          rate: Number.parseFloat(row.querySelector('[data-stat=rate]')!.textContent!),
          cv: Number(row.querySelector('[data-stat=isi-cv]')!.textContent),
          fano: Number(row.querySelector('[data-stat=fano]')!.textContent),
        })),
      );
      // The same scenario (the page adds traces, which change no spike), run here as the CLI runs it.
      const exp = openExperiment(preset('cuba'));
      exp.advance();
      const frame = exp.drain();
      const expected = exp.simulation.populations.map((p) => ({ name: p.name, ...spikeStatistics(frame.spikes.timeMs, frame.spikes.neuron, p.offset, p.size, 0, 1000) }));
      expect(shown.map((s) => s.name)).toEqual(expected.map((e) => e.name));
      for (const [k, e] of expected.entries()) {
        expect(Math.abs(shown[k].rate - e.meanRateHz)).toBeLessThanOrEqual(0.05);
        expect(Math.abs(shown[k].cv - e.isiCv)).toBeLessThanOrEqual(0.005);
        expect(Math.abs(shown[k].fano - e.fano)).toBeLessThanOrEqual(0.005);
      }
      // The weights from E and from I, with their units; a change of the connection probability applies on reset.
      expect(await page.locator('#param-weight-E').inputValue()).toBe('1.62');
      expect(await page.locator('#param-weight-E-unit').textContent()).toBe('mV');
      expect(await page.locator('#param-weight-I').inputValue()).toBe('-9');
      await page.locator('#param-p-0').fill('0.03');
      await expect.poll(() => page.locator('#param-p-0-message').textContent()).toMatch(/applies on reset/);

      // Run on, then click the raster at a row of E near its top: that neuron is traced from now.
      await page.locator('#free-run').check();
      await page.locator('#speed').selectOption('1');
      await expect.poll(() => page.locator('#status').getAttribute('data-state')).toBe('running');
      const box = (await page.locator('#raster-canvas').boundingBox())!;
      await page.mouse.move(box.x + box.width / 2, box.y + box.height * 0.5);
      await page.mouse.down();
      await page.mouse.up();
      await expect.poll(() => page.locator('#trace-said').textContent()).toMatch(/^Tracing E #\d+/);
      const neuron = Number(/#(\d+)/.exec((await page.locator('#trace-said').textContent())!)![1]);
      expect(neuron).toBeGreaterThan(0);
      await expect.poll(() => page.locator('#plot .u-legend').first().textContent()).toContain(`E #${neuron}`);
      // The plot's text alternative says so too (it is refreshed about once a second).
      await expect.poll(() => page.locator('#trace-canvas-summary').textContent()).toMatch(new RegExp(`E #${neuron} from −?\\d`));
      await page.screenshot({ path: join(artifacts, 'cuba-traced-row.png') });
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

describe('every screen (Chromium)', () => {
  for (const viewport of [{ width: 360, height: 740 }, { width: 390, height: 844 }]) {
    it(`${viewport.width}x${viewport.height}: no sideways scroll, targets of 44 px, poke by touch and hold`, async () => {
      const context = await newContext(harness, { viewport, deviceScaleFactor: 2, hasTouch: true, isMobile: true });
      const page = await context.newPage();
      const problems = watchProblems(page);
      try {
        await page.goto(harness.baseUrl, { waitUntil: 'load' });
        await scenarioShown(page);
        // The panels mounted after the first frame (their disclosures are targets too), and the
        // statistics strip, shown once the neuron has fired twice.
        await pageReaches(page, 'the later panels and the statistics strip', () =>
          ['.lessons-panel summary', '.circuit-lists summary', '.equation-editor summary', '#fi-canvas', '#stats-strip svg'].every((s) => document.querySelector(s)) && !document.getElementById('stats-strip')!.hidden);
        const widths = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
        expect(widths[0]).toBe(widths[1]);
        expect(await clippedPanels(page)).toEqual([]);
        const small = await page.evaluate(() =>
          [...document.querySelectorAll('button, select, input, summary')]
            // A summary is shown when the details holding it is (closed or not).
            .filter((e) => (e as HTMLElement).offsetParent !== null && !(e.tagName === 'SUMMARY' ? e.parentElement!.parentElement : e)?.closest('[hidden], details:not([open])'))
            // A checkbox or a radio button is hit through its label.
            .map((e) => ({ id: e.id || e.textContent?.trim().slice(0, 20) || e.tagName, box: ((e as HTMLInputElement).type === 'checkbox' || (e as HTMLInputElement).type === 'radio' ? (e.closest('label') ?? e) : e).getBoundingClientRect() }))
            .filter(({ box }) => box.height < 44 || box.width < 44)
            .map(({ id, box }) => `${id} ${Math.round(box.width)}x${Math.round(box.height)}`),
        );
        expect(small).toEqual([]);
        await page.screenshot({ path: join(artifacts, `phone-${viewport.width}.png`) });

        // Touch and hold the poke (the step set to 0 nA: only the poke can make it fire).
        await page.locator('#free-run').check();
        await page.locator('#param-current').fill('0');
        const poke = page.locator('#poke');
        await poke.scrollIntoViewIfNeeded();
        const box = (await poke.boundingBox())!;
        const cdp = await context.newCDPSession(page);
        const point = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
        const count = async () => Number(await page.locator('#spike-count').textContent());
        const before = await count();
        await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [point] });
        await expect.poll(() => poke.getAttribute('aria-pressed')).toBe('true');
        await waitForTime(page, (await simulatedMs(page)) + 150);
        await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
        await expect.poll(() => poke.getAttribute('aria-pressed')).toBe('false');
        expect(await count()).toBeGreaterThan(before + 2);

        // A network: its populations' long names in the clamp's chooser, the statistics table.
        await page.locator('#preset').selectOption('cuba');
        await scenarioShown(page, 'CUBA');
        await pageReaches(page, 'the statistics strip of CUBA', () => document.querySelectorAll('#stats-strip tbody tr svg').length === 2);
        expect(await clippedPanels(page)).toEqual([]);
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBe(viewport.width);
        expect(problems).toEqual([]);
      } finally {
        await context.close();
      }
    });
  }
});

/** Panels whose content runs past their width (a panel clips it: the statistics' histogram, a unit, a select). */
async function clippedPanels(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('.panel')]
      .filter((p) => p.offsetParent !== null && p.scrollWidth > p.clientWidth + 1)
      .map((p) => `${p.id || p.className}: ${p.scrollWidth} px of content in ${p.clientWidth} px`),
  );
}

describe('the keyboard (Chromium)', () => {
  it('Tab reaches the input and the poke before the f-I and export controls; the f-I plot keeps its arrow keys; focus is visible', async () => {
    const { page, problems } = await open();
    try {
      await page.locator('#fi-canvas').waitFor();
      const order: string[] = [];
      await page.locator('body').focus();
      for (let k = 0; k < 120 && !order.includes('fi-canvas'); k++) {
        await page.keyboard.press('Tab');
        order.push(await page.evaluate(() => {
          const e = document.activeElement as HTMLElement | null;
          return e?.id || e?.closest('[id]')?.id || '';
        }));
      }
      const first = (id: string) => order.indexOf(id);
      expect(first('param-current')).toBeGreaterThan(-1);
      expect(first('poke')).toBeGreaterThan(-1);
      const tools = order.findIndex((id) => /^fi-|^export|spikes-csv/.test(id));
      expect(tools).toBeGreaterThan(first('poke'));
      expect(first('param-current')).toBeLessThan(tools);
      // Nor does a student pass the circuit's controls (twenty-odd) first.
      const circuit = order.findIndex((id) => id.startsWith('circuit-'));
      expect(circuit === -1 || circuit > first('poke')).toBe(true);
      // Focus is drawn: the focused control has an outline.
      await page.locator('#poke').focus();
      expect(await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle)).not.toBe('none');

      // The arrow keys on the f-I plot are the plot's: the run is not stepped.
      await page.locator('#free-run').check(); // running, whether or not it had reached its end
      await expect.poll(() => page.locator('#status').getAttribute('data-state')).toBe('running');
      await page.locator('#play-pause').click();
      await expect.poll(() => page.locator('#status').getAttribute('data-state')).toBe('paused');
      // Chunks the worker made before it heard the pause are still drawn: the time held is the one
      // the page shows once it stops moving (the same over two reads a quarter second apart).
      let last = Number.NaN;
      await expect
        .poll(async () => {
          const now = await simulatedMs(page);
          const settled = now === last;
          last = now;
          return settled;
        }, { interval: 250 })
        .toBe(true);
      const held = last;
      await page.locator('#fi-canvas').focus();
      await page.keyboard.press('ArrowRight');
      await page.keyboard.press('ArrowRight');
      await page.locator('#play-pause').focus();
      await page.keyboard.press('ArrowRight'); // where the shortcut is meant: one step
      await expect.poll(() => simulatedMs(page)).toBeCloseTo(held + 1, 6);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

describe('accessibility checked by axe-core (Chromium)', () => {
  it('no serious or critical violation with each panel shown', async () => {
    const { page, problems } = await open();
    try {
      await page.locator('#fi-canvas').waitFor();
      const found: string[] = [];
      const check = async (what: string) => found.push(...(await axeViolations(page)).map((v) => `${what}: ${v}`));
      await check('single LIF');
      await page.locator('#free-run').check();
      await page.locator('details summary').first().click(); // the lessons list opened
      await check('free run, lessons open');
      await page.locator('#preset').selectOption('single-hh');
      await scenarioShown(page, /Hodgkin-Huxley/);
      await page.locator('#show-gates').check();
      await page.locator('#show-currents').check();
      await check('HH with gates and currents');
      await page.locator('#preset').selectOption('cuba');
      await scenarioShown(page, 'CUBA');
      await expect.poll(() => page.locator('#raster-section').isVisible()).toBe(true);
      await expect.poll(() => page.locator('#stats-strip tbody tr').count()).toBe(2);
      await check('CUBA: raster, statistics, network');
      for (const summary of await page.locator('#tools details > summary').all()) await summary.click(); // the equation editor and other folded tools
      await check('tools unfolded');
      await page.setViewportSize({ width: 390, height: 844 });
      await check('390 px wide');
      expect(found).toEqual([]);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

describe('fast start (Chromium, the built site)', () => {
  it('measures the time from navigation to the first spike drawn, and prints it with where it went', async () => {
    const figures: number[] = [];
    const steps: string[] = [];
    for (let k = 0; k < 3; k++) {
      const page = await newPage(harness, { viewport: { width: 1280, height: 800 } });
      try {
        await page.goto(harness.baseUrl, { waitUntil: 'commit' });
        const first = await page.waitForFunction(() => (Number(document.getElementById('spike-count')?.textContent) > 0 ? performance.now() : false), undefined, { polling: 'raf' });
        figures.push(Math.round((await first.jsonValue()) as number));
        // The page's own marks (earlyWorker.ts, main.ts): its modules evaluating, its script running, the first scenario built, the first frame.
        const marks = await page.evaluate(() => Object.fromEntries(performance.getEntriesByType('mark').map((m) => [m.name.replace('spikebridge:', ''), Math.round(m.startTime)])));
        expect(Object.keys(marks)).toEqual(expect.arrayContaining(['modules', 'script', 'built', 'first-frame']));
        steps.push(`modules ${marks.modules}, script ${marks.script}, built ${marks.built}, first frame ${marks['first-frame']}`);
      } finally {
        await page.close();
      }
    }
    console.log(`first spike drawn ${figures.join(', ')} ms after navigation (built site, headless Chromium, software rendering; the step starts at 50 ms of simulated time, 200 ms of wall time at 0.25x); ms after navigation: ${steps.join('; ')}`);
    expect(figures.every((ms) => ms > 0)).toBe(true);
  });
});
