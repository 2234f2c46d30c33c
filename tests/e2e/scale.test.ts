// The page's largest network in a real browser, on one page load (1280 x 800): the 100,000-neuron
// Brunel preset (10 million synapses) is chosen, built in the worker while the page goes on
// drawing (animation-frame gaps and main-thread long tasks are recorded and printed, never
// asserted), and runs: the raster draws spikes of the sampled neurons in both populations and
// names only sampled neurons under the pointer, the panel says it shows a sample, the statistics
// say which neurons they are over, the memory estimate is shown against the page's limit, the
// thread choice is there (and one thread chosen builds it again on one), an in-degree that would take the network over the page's limit is
// refused naming the field and the figure while the run goes on, and axe-core finds nothing
// serious in those panels. Screenshots at 1280 and 360 px go to artifacts/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { artifacts, newPage, pageReaches, root, scenarioShown, simulatedMs, useBrowser, waitForTime, watchProblems } from './harness';
import { colourMask, decodePng } from './png';
import { preset } from '../../src/scenario/presets';
import { validateScenario } from '../../src/scenario/scenario';

const EXCITATORY_BLUE = 0x0072b2;
const INHIBITORY_ORANGE = 0xe69f00;
const TITLE = 'Brunel A, 100,000 neurons';

const harness = useBrowser();

interface Probe {
  longTasks: { startMs: number; durationMs: number }[];
  /** The scenario titles shown, with their times (performance.now()): a new title is a scenario built and shown. */
  titles: { title: string; atMs: number }[];
  /** Animation frames' times, recorded while `recording`. */
  frames: number[];
  recording: boolean;
}

/** Long tasks, status changes and animation frames, recorded in the page from its first script. */
function installProbe(): void {
  const probe: Probe = { longTasks: [], titles: [], frames: [], recording: false };
  (window as unknown as { probe: Probe }).probe = probe;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) probe.longTasks.push({ startMs: entry.startTime, durationMs: entry.duration });
  }).observe({ type: 'longtask', buffered: true });
  const frame = (now: number) => {
    if (probe.recording) probe.frames.push(now);
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
  const watch = () => {
    const title = document.getElementById('scenario-name');
    if (!title) return void setTimeout(watch, 10);
    new MutationObserver(() => probe.titles.push({ title: title.textContent ?? '', atMs: performance.now() })).observe(title, { childList: true, characterData: true, subtree: true });
  };
  watch();
}

const probeOf = (page: Page) => page.evaluate(() => (window as unknown as { probe: Probe }).probe);

/** axe-core's serious and critical violations inside these elements. */
async function axeViolations(page: Page, selectors: string[]): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: join(root, 'node_modules/axe-core/axe.min.js') });
  return page.evaluate(async (include) => {
    const axe = (window as unknown as { axe: { run(context: unknown): Promise<{ violations: { id: string; impact: string | null; nodes: { target: string[] }[] }[] }> } }).axe;
    const result = await axe.run({ include: include.map((s) => [s]) });
    return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  }, selectors);
}

describe('a network of 100,000 neurons and 10 million synapses on the page (Chromium)', () => {
  let page: Page;
  let problems: string[] = [];
  /** Wall time of the build as the page saw it (from the choice to the status leaving "loading"). */
  let buildMs = NaN;

  beforeAll(async () => {
    page = await newPage(harness, { viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
    problems = watchProblems(page);
    await page.addInitScript(installProbe);
    await page.goto(harness.baseUrl, { waitUntil: 'load' });
    await scenarioShown(page);
  });
  afterAll(async () => {
    await page?.close();
  });

  it('builds in the worker while the page keeps drawing and answering, then runs', async () => {
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    const before = await page.evaluate(() => {
      const probe = (window as unknown as { probe: Probe }).probe;
      probe.recording = true;
      probe.frames = [];
      return { atMs: performance.now(), titles: probe.titles.length, longTasks: probe.longTasks.length };
    });
    await page.locator('#preset').selectOption('brunel-100k');
    // While it builds (the previous scenario's title still shown): the transport answers; the
    // worker hears the speed once it has built.
    await page.locator('#speed').selectOption('max');
    const duringBuild = await page.evaluate(() => ({ speed: (document.getElementById('speed') as HTMLSelectElement).value, title: document.getElementById('scenario-name')?.textContent }));
    expect(duringBuild.speed).toBe('max');
    await scenarioShown(page, TITLE);
    const probe = await probeOf(page);
    const shownAt = probe.titles.slice(before.titles).find((t) => t.title === TITLE)?.atMs ?? NaN;
    buildMs = shownAt - before.atMs;
    const framesDuring = probe.frames.filter((t) => t <= shownAt);
    const gaps = framesDuring.slice(1).map((t, k) => t - framesDuring[k]);
    const longDuring = probe.longTasks.slice(before.longTasks).filter((t) => t.startMs >= before.atMs && t.startMs <= shownAt);
    console.log(
      `100k network: built and shown ${Math.round(buildMs)} ms after it was chosen (the speed was changed while the title said "${duringBuild.title}"); ` +
        `${framesDuring.length} animation frames meanwhile, the longest gap ${Math.round(Math.max(0, ...gaps))} ms; ` +
        `main-thread long tasks meanwhile: ${longDuring.length}${longDuring.length ? ` (${longDuring.map((t) => Math.round(t.durationMs)).join(', ')} ms)` : ''}`,
    );
    expect(framesDuring.length).toBeGreaterThan(0); // the page drew while the worker built
    await page.locator('#speed').selectOption('max'); // the choice made during the build, in force
    await waitForTime(page, 5);
  });

  it('the raster draws the sampled neurons of both populations and says it shows a sample', async () => {
    await expect.poll(() => page.locator('#raster-section').isVisible()).toBe(true);
    const sentence = (await page.locator('#raster-sample').textContent()) ?? '';
    expect(sentence).toMatch(/^Showing 1,000 of 100,000 neurons, sampled evenly \(one in every 100 of each population: 800 of 80,000 in E, 200 of 20,000 in I\); only their spikes are sent to the page\. The statistics below are over 10,000 of them, sampled the same way\.$/);
    const startedAt = await simulatedMs(page);
    await waitForTime(page, startedAt + 20);
    const image = decodePng(await page.locator('#raster-canvas').screenshot({ path: join(artifacts, 'scale-raster.png') }));
    // E holds the bottom 80 % of the rows (800 of the 1,000 sampled), I the top 20 %.
    const rowsTop = 8;
    const rowsBottom = image.height - 26 - 44;
    const boundary = Math.round(rowsBottom - 0.8 * (rowsBottom - rowsTop));
    const count = (mask: Uint8Array, top: number, bottom: number) => {
      let n = 0;
      for (let y = top; y < bottom; y++) for (let x = 80; x < image.width; x++) n += mask[y * image.width + x];
      return n;
    };
    const blue = colourMask(image, EXCITATORY_BLUE, 60);
    const orange = colourMask(image, INHIBITORY_ORANGE, 60);
    expect(count(blue, boundary + 2, rowsBottom)).toBeGreaterThan(50);
    expect(count(orange, rowsTop, boundary - 2)).toBeGreaterThan(10);
    expect(count(orange, boundary + 2, rowsBottom)).toBe(0);
    // Under the pointer: neurons of the sample (one in every 100), in their own numbers.
    const box = (await page.locator('#raster-canvas').boundingBox())!;
    for (const [fraction, population, size] of [[0.5, 'E', 80_000], [0.12, 'I', 20_000]] as const) {
      await page.mouse.move(box.x + box.width * 0.6, box.y + (rowsTop + fraction * (rowsBottom - rowsTop)));
      await expect.poll(() => page.locator('#raster-hover').textContent()).toMatch(new RegExp(`^${population} neurons? \\d+`));
      const said = (await page.locator('#raster-hover').textContent()) ?? '';
      const [first, last] = (/neurons? (\d+)(?:–(\d+))?/.exec(said) ?? []).slice(1).map((x) => (x === undefined ? NaN : Number(x)));
      expect(first % 100, said).toBe(0);
      if (!Number.isNaN(last)) expect(last % 100, said).toBe(0);
      expect(first, said).toBeLessThan(size);
    }
  });

  it('the statistics say what they are over, the memory estimate is shown against the page limit, and the thread choice is in view', async () => {
    await expect.poll(() => page.locator('#stats-strip caption').textContent()).toMatch(/over 10,000 of the 100,000 neurons, sampled evenly$/);
    await expect.poll(async () => Number.parseFloat((await page.locator('#stats-strip tr[data-population="E"] [data-stat="rate"]').textContent()) ?? '')).toBeGreaterThan(0);
    const memory = (await page.locator('#network-memory').textContent()) ?? '';
    const estimate = validateScenario(preset('brunel-100k')).estimate;
    expect(memory).toBe(`100,000 neurons and 10,000,000 synapses; memory about ${Math.round(estimate.bytes / 1e6)} MB at its peak (estimated before building), of the page's 1.0 GB limit.`);
    expect(await page.locator('#network-memory-meter').getAttribute('aria-label')).toBeTruthy();
    expect(Number(await page.locator('#network-memory-meter').evaluate((m) => (m as HTMLMeterElement).value))).toBe(estimate.bytes);
    // Measured, not asserted: what the browser says the page and its workers hold.
    const measured = await page.evaluate(async () => {
      const measure = (performance as unknown as { measureUserAgentSpecificMemory?: () => Promise<{ bytes: number; breakdown: { bytes: number; attribution: { scope?: string }[] }[] }> }).measureUserAgentSpecificMemory;
      if (!measure) return null;
      const result = await Promise.race([measure.call(performance), new Promise<null>((resolve) => setTimeout(() => resolve(null), 20_000))]);
      if (!result) return null;
      const workers = result.breakdown.filter((b) => b.attribution.some((a) => a.scope === 'DedicatedWorkerGlobalScope')).reduce((a, b) => a + b.bytes, 0);
      return { total: result.bytes, workers };
    });
    console.log(`100k network memory: shown ${memory.match(/about (\d+ MB)/)?.[1]} (estimate ${estimate.bytes} bytes); measured by measureUserAgentSpecificMemory: ${measured ? `${Math.round(measured.total / 1e6)} MB in all, ${Math.round(measured.workers / 1e6)} MB in workers` : 'not available'}`);
    // The thread choice: auto (the core's rule: every core for a network whose step outweighs a
    // barrier, as this one's does) or 1 to the browser's cores, and what the run uses.
    await expect.poll(() => page.locator('#threads').isVisible()).toBe(true);
    expect(await page.locator('label[for="threads"]').textContent()).toMatch(/threads/);
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    const values = await page.locator('#threads option').evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value));
    expect(values).toEqual(['auto', ...Array.from({ length: cores }, (_, k) => String(k + 1))]);
    expect(await page.locator('#threads').inputValue()).toBe('auto');
    expect(await page.locator('#threads option[value="auto"]').textContent()).toBe(`auto (${cores} here)`);
    const said = (await page.locator('#threads-said').textContent()) ?? '';
    expect(said).toBe(`runs on ${cores} thread${cores === 1 ? '' : 's'}`);
    console.log(`threads choice: ${values.join(', ')} (${cores} cores reported); the panel says "${said}"`);
  });

  it('runs at a pace measured over the wall clock; long tasks meanwhile are printed', async () => {
    const from = await page.evaluate(() => ({ atMs: performance.now(), longTasks: (window as unknown as { probe: Probe }).probe.longTasks.length }));
    const fromSim = await simulatedMs(page);
    await waitForTime(page, fromSim + 50);
    const to = await page.evaluate(() => performance.now());
    const toSim = await simulatedMs(page);
    const probe = await probeOf(page);
    const long = probe.longTasks.slice(from.longTasks);
    console.log(
      `100k network runs ${((1000 * (toSim - fromSim)) / (to - from.atMs)).toFixed(1)} ms of network time per wall second at "as fast as it goes" ` +
        `(${(toSim - fromSim).toFixed(1)} ms in ${((to - from.atMs) / 1000).toFixed(1)} s); main-thread long tasks meanwhile: ${long.length}${long.length ? ` (longest ${Math.round(Math.max(...long.map((t) => t.durationMs)))} ms)` : ''}; build took ${Math.round(buildMs)} ms`,
    );
    expect(await page.locator('#status').getAttribute('data-state')).toBe('running');
  });

  it('an in-degree that would take the network over the page memory limit is refused naming the field and the figure; the run goes on', async () => {
    const field = page.locator('#param-k-0'); // E -> E, 80 synapses each
    await field.fill('3000');
    await field.press('Enter');
    await expect.poll(() => page.locator('#param-k-0-message').textContent()).toMatch(/^projections: the network would need about \d\.\d\d GB at its peak .*at most 1 GB are allowed.*\(the page's limit; the command line allows 3 GB\); nothing was changed$/);
    const at = await simulatedMs(page);
    await waitForTime(page, at + 2);
    expect(await page.locator('#status').getAttribute('data-state')).toBe('running');
    expect(await page.locator('#error').isHidden()).toBe(true);
    await field.fill('80');
    await field.press('Enter');
    await expect.poll(() => page.locator('#param-k-0-message').textContent()).not.toMatch(/GB/);
  });

  it('axe-core finds nothing serious in the raster, statistics and network panels; screenshots at 1280 and 360 px', async () => {
    expect(await axeViolations(page, ['#raster-section', '#stats-strip', '#network-controls'])).toEqual([]);
    await page.screenshot({ path: join(artifacts, 'scale-1280.png') });
    await page.locator('#network-controls').screenshot({ path: join(artifacts, 'scale-network-1280.png') });
    await page.setViewportSize({ width: 360, height: 740 });
    await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await page.locator('#raster-section').screenshot({ path: join(artifacts, 'scale-raster-360.png') });
    await page.locator('#network-controls').screenshot({ path: join(artifacts, 'scale-network-360.png') });
    expect(await axeViolations(page, ['#raster-section', '#stats-strip', '#network-controls'])).toEqual([]);
    expect(problems).toEqual([]);
  });
  it('a network with a traced neuron per population runs on the threads, as Web Workers, and a reset keeps it there', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    // Brunel's 5,000 neurons, opened from a file under a name of its own (the page traces a neuron of each population).
    const split = preset('brunel-j0.25') as { name: string };
    split.name = 'Brunel on threads';
    await page.locator('#import-file').setInputFiles({ name: 'brunel-threads.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(split)) });
    await scenarioShown(page, 'Brunel on threads');
    expect(await page.locator('#threads').inputValue()).toBe('auto'); // Brunel's 5,000 neurons are worth every core
    await expect.poll(() => page.locator('#threads-said').textContent()).toBe(`runs on ${cores} thread${cores === 1 ? '' : 's'}`);
    const at = await simulatedMs(page);
    await waitForTime(page, at + 20);
    expect(await page.locator('#error').isHidden()).toBe(true);
    expect(Number.parseFloat((await page.locator('#stats-strip tr[data-population="E"] [data-stat="rate"]').textContent()) ?? '')).toBeGreaterThan(0);
    console.log(`threaded page run: ${await page.locator('#threads-said').textContent()}; ${await page.locator('#sim-time').textContent()}`);
    // A reset builds it on the threads again (the time starts again from 0).
    const before = await simulatedMs(page);
    await page.locator('#reset').click();
    await pageReaches(page, 'the run started again', (was) => {
      const match = /t = ([\d.]+) ms/.exec(document.getElementById('sim-time')?.textContent ?? '');
      return document.getElementById('status')?.dataset.state === 'running' && match !== null && Number(match[1]) < was;
    }, before);
    expect(await page.locator('#threads-said').textContent()).toBe(`runs on ${cores} thread${cores === 1 ? '' : 's'}`);
  });

  it('choosing one thread builds the scenario again on it and says so', async () => {
    await page.locator('#threads').selectOption('1');
    await expect.poll(() => page.locator('#threads-said').textContent()).toBe('runs on 1 thread');
    await scenarioShown(page, 'Brunel on threads');
    expect(await page.locator('#threads').inputValue()).toBe('1');
    await waitForTime(page, 2);
    expect(problems).toEqual([]);
  });

});
