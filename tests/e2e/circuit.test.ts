// The circuit canvas in a real browser. On one page (1280 x 800, a mouse): a student starts a new
// circuit, adds two LIF neurons and a current source, wires the source to A and A to B by
// dragging, runs it, and sees B's EPSPs in the membrane plot's text alternative (B rises by about
// the synapse's 2 mV per spike of A and never fires) while the canvas lights A and runs dots along
// the synapse; moves and undoes by keyboard and button; shares the circuit by link and opens the
// link in a second page, which draws the same circuit; a node grown to 30 neurons opens the raster;
// the Brian2 export takes the circuit; axe-core finds nothing serious. On a phone (360 x 740, touch
// only): the same circuit built by touch (Chromium's own touch events, so the page sees pointers of
// type touch), run, the EPSP seen; every target at least 44 px and no sideways scroll. Screenshots
// of both go to artifacts/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { artifacts, newContext, newPage, pageReaches, root, scenarioShown, useBrowser, watchProblems } from './harness';

const harness = useBrowser();

/** The centre of a node's shape on the screen (CSS px of the viewport). */
async function nodeCentre(page: Page, name: string): Promise<{ x: number; y: number }> {
  const box = await page.locator(`#circuit-canvas [data-name="${name}"] .circuit-shape`).boundingBox();
  if (!box) throw new Error(`no node "${name}" on the canvas`);
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

async function mouseDrag(page: Page, from: string, to: string): Promise<void> {
  const a = await nodeCentre(page, from);
  const b = await nodeCentre(page, to);
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 4 });
  await page.mouse.move(b.x, b.y, { steps: 4 });
  await page.mouse.up();
}

/** A drag with one finger, as Chromium's touch input (the page gets pointer events of type touch). */
async function touchDrag(page: Page, from: string, to: string): Promise<void> {
  const a = await nodeCentre(page, from);
  const b = await nodeCentre(page, to);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x: a.x, y: a.y }] });
  for (let k = 1; k <= 8; k++) {
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x: a.x + ((b.x - a.x) * k) / 8, y: a.y + ((b.y - a.y) * k) / 8 }] });
  }
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  await cdp.detach();
}

/** The texts of the panel's node and connection lists. */
async function lists(page: Page): Promise<{ nodes: string[]; edges: string[] }> {
  return {
    nodes: await page.locator('#circuit-node-list li > span').allTextContents(),
    edges: await page.locator('#circuit-edge-list li > span').allTextContents(),
  };
}

/**
 * Run the circuit and wait for that run to end (the page's own status). A run again of a circuit
 * that has ended shows the same title and the same "finished" until the new run begins, so the
 * status's changes from the click on are watched, and the run has ended once it has run since.
 */
async function runCircuit(page: Page, tap = false): Promise<void> {
  await page.evaluate(() => {
    const status = document.getElementById('status')!;
    const seen: string[] = ((window as unknown as { statesSeen: string[] }).statesSeen = []);
    new MutationObserver(() => seen.push(status.dataset.state ?? '')).observe(status, { attributes: true, attributeFilter: ['data-state'] });
  });
  await (tap ? page.locator('#circuit-run').tap() : page.locator('#circuit-run').click());
  await scenarioShown(page, 'My circuit');
  await pageReaches(page, 'the end of the circuit\'s run', () => {
    const seen = (window as unknown as { statesSeen: string[] }).statesSeen;
    return seen.includes('running') && ['finished', 'failed'].includes(document.getElementById('status')?.dataset.state ?? '');
  });
  expect(await page.locator('#status').getAttribute('data-state'), (await page.locator('#error').textContent()) ?? '').toBe('finished');
}

/** A file the page offers for download, as text (the browser runs in another process: read as a stream). */
async function download(page: Page, selector: string): Promise<{ name: string; text: string }> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.locator(selector).click()]);
  const chunks: Buffer[] = [];
  for await (const chunk of await file.createReadStream()) chunks.push(chunk as Buffer);
  return { name: file.suggestedFilename(), text: Buffer.concat(chunks).toString('utf8') };
}

/**
 * The membrane potentials the run drew, as the page exports them (Traces CSV: the same samples
 * the plot shows), per neuron: its samples, the times it fired (a fall of more than 10 mV from one
 * sample to the next: the LIF's reset) and its highest and lowest value.
 */
async function membranes(page: Page): Promise<Record<string, { timeMs: number[]; v: number[]; fired: number[]; high: number; low: number }>> {
  const { text } = await download(page, '#export-traces');
  const [head, ...rows] = text.trim().split('\n').map((line) => line.split(','));
  const times = rows.map((r) => Number(r[0]));
  const out: Record<string, { timeMs: number[]; v: number[]; fired: number[]; high: number; low: number }> = {};
  head.slice(1).forEach((column, c) => {
    const name = /^(\w+)\/v\[0\]$/.exec(column)?.[1];
    if (!name) return;
    const v = rows.map((r) => Number(r[c + 1]));
    const fired = times.filter((_, k) => k > 0 && v[k - 1] - v[k] > 10);
    out[name] = { timeMs: times, v, fired, high: Math.max(...v), low: Math.min(...v) };
  });
  return out;
}

/** Watch the canvas for a lit neuron and a pulse along a synapse (set before a run). */
async function watchActivity(page: Page): Promise<void> {
  await page.evaluate(() => {
    const seen = { lit: [] as string[], pulses: 0 };
    (window as unknown as { circuitSeen: typeof seen }).circuitSeen = seen;
    new MutationObserver(() => {
      for (const g of document.querySelectorAll('#circuit-canvas .circuit-node.firing')) {
        const name = g.getAttribute('aria-label') ?? '';
        if (!seen.lit.includes(name)) seen.lit.push(name);
      }
      seen.pulses = Math.max(seen.pulses, document.querySelectorAll('#circuit-canvas .circuit-pulse').length);
    }).observe(document.getElementById('circuit-canvas')!, { subtree: true, childList: true, attributes: true });
  });
}

async function axeViolations(page: Page, selectors: string[]): Promise<string[]> {
  await page.addScriptTag({ path: join(root, 'node_modules/axe-core/axe.min.js') });
  return page.evaluate(async (include) => {
    const axe = (window as unknown as { axe: { run(context: unknown): Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }).axe;
    const result = await axe.run({ include: include.map((s) => [s]) });
    return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  }, selectors);
}

/** Build A, B and I1 from a new circuit (buttons pressed by `press`). */
async function addThree(page: Page, press: (selector: string) => Promise<void>): Promise<void> {
  await page.locator('#circuit-canvas').waitFor();
  await press('#circuit-clear');
  expect(await page.locator('#circuit-canvas [data-node]').count()).toBe(0);
  expect(await page.locator('#circuit-duration').inputValue()).toBe('200');
  await press('#circuit-add-neuron');
  await press('#circuit-add-neuron');
  await press('#circuit-add-current');
  expect((await lists(page)).nodes).toEqual(['Neuron A: LIF', 'Neuron B: LIF', 'Current source I1: step 1']);
  expect(await page.locator('#circuit-canvas [data-name="A"]').getAttribute('aria-label')).toBe('A LIF, neuron');
  await press('#circuit-connect-mode');
  expect(await page.locator('#circuit-connect-mode').getAttribute('aria-pressed')).toBe('true');
}

/** Wired as it should be: I1 into A (its step set to the LIF's default), A exciting B. */
async function expectWired(page: Page): Promise<void> {
  await expect.poll(async () => (await lists(page)).nodes[2]).toMatch(/^Current source I1: step [\d.]+ nA$/);
  expect((await lists(page)).edges.sort()).toEqual(['A → B: excitatory, weight 2, delay 1 ms', 'I1 → A: current input']);
}

/**
 * The EPSP: A fires; B never does, sits at rest (E_L = -70 mV) until A's first spike has crossed
 * the synapse (1 ms), then jumps by the weight (2 mV) and decays; later EPSPs sum on the decay.
 */
function expectEpsp(m: Awaited<ReturnType<typeof membranes>>): void {
  const say = JSON.stringify({ A: m.A?.fired, B: { high: m.B?.high, low: m.B?.low, fired: m.B?.fired } });
  expect(m.A?.fired.length, say).toBeGreaterThan(2);
  expect(m.B?.fired, say).toEqual([]);
  expect(m.B.high, say).toBeLessThan(-50); // below the LIF's threshold
  const first = m.A.fired[0];
  const rest = m.B.v[0];
  const at = (t: number) => m.B.v[m.B.timeMs.findIndex((x) => x >= t - 1e-9)];
  expect(Math.abs(at(first + 0.5) - rest), say).toBeLessThan(1e-6); // nothing before the arrival
  expect(at(first + 1.3) - rest, say).toBeGreaterThan(1.8); // the jump: 2 mV, a little decayed
  expect(at(first + 1.3) - rest, say).toBeLessThanOrEqual(2.0001);
  expect(m.B.high - rest, say).toBeGreaterThan(2); // EPSPs add up
}

describe('the circuit canvas with a mouse (Chromium, 1280 x 800)', () => {
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

  it('draws the scenario that runs (the default LIF and its step) and builds, wires and runs two neurons: B shows the EPSPs of A', async () => {
    await page.locator('#circuit-canvas [data-node]').first().waitFor();
    expect((await lists(page)).edges).toEqual(['I1 → neuron: current input']);
    expect(await page.locator('#circuit-duration').inputValue()).toBe('500'); // the single LIF's run
    expect(await axeViolations(page, ['#circuit-panel'])).toEqual([]); // as the page opens, nothing selected
    await addThree(page, (s) => page.locator(s).click());
    await mouseDrag(page, 'I1', 'A');
    await mouseDrag(page, 'A', 'B');
    await expectWired(page);
    await page.locator('#circuit-panel').screenshot({ path: join(artifacts, 'circuit-built-1280x800.png') });
    await watchActivity(page);
    await runCircuit(page);
    expectEpsp(await membranes(page));
    expect(await page.locator('#circuit-activity').textContent()).toMatch(/^Spikes so far \(t = 200 ms\): A [1-9]\d*, B 0\.$/);
    // Ended, it no longer says it is running.
    await expect.poll(() => page.locator('#circuit-message').textContent()).toBe('The run has ended (t = 200 ms): press Run again to see it again.');
    const seen = await page.evaluate(() => (window as unknown as { circuitSeen: { lit: string[]; pulses: number } }).circuitSeen);
    expect(seen.lit, JSON.stringify(seen)).toContain('A LIF, neuron');
    expect(seen.pulses, JSON.stringify(seen)).toBeGreaterThan(0);
    await page.screenshot({ path: join(artifacts, 'circuit-page-1280x800.png'), fullPage: true });
  });

  it('moves a node by keyboard and takes it back with Ctrl+Z, by mouse and takes it back with Undo; Undo removes the synapse, Ctrl+Shift+Z brings it back', async () => {
    const before = await page.locator('#circuit-canvas [data-name="B"]').getAttribute('transform');
    await page.locator('#circuit-canvas [data-name="B"]').focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    expect(await page.locator('#circuit-canvas [data-name="B"]').getAttribute('transform')).not.toBe(before);
    // The ended run's spike counts go with the first edit (they were the run's, not this circuit's).
    expect(await page.locator('#circuit-activity').textContent()).toBe('');
    await page.keyboard.press('Control+z');
    await page.keyboard.press('Control+z');
    expect(await page.locator('#circuit-canvas [data-name="B"]').getAttribute('transform')).toBe(before);
    // A drag without "Drag connects" moves the node (one step of the history).
    await page.locator('#circuit-connect-mode').click();
    const b = await nodeCentre(page, 'B');
    await page.mouse.move(b.x, b.y);
    await page.mouse.down();
    await page.mouse.move(b.x + 40, b.y + 60, { steps: 5 });
    await page.mouse.up();
    const moved = await nodeCentre(page, 'B');
    // Where the pointer took it (positions are kept to 1/1000 of the canvas: under a pixel here).
    expect(Math.abs(moved.x - b.x - 40)).toBeLessThan(1.5);
    expect(Math.abs(moved.y - b.y - 60)).toBeLessThan(1.5);
    expect((await lists(page)).edges).toHaveLength(2);
    await page.locator('#circuit-undo').click();
    expect(await page.locator('#circuit-canvas [data-name="B"]').getAttribute('transform')).toBe(before);
    await page.locator('#circuit-connect-mode').click();
    await page.locator('#circuit-undo').click();
    expect((await lists(page)).edges).toEqual(['I1 → A: current input']);
    await page.locator('#circuit-canvas [data-name="A"]').focus();
    await page.keyboard.press('Control+Shift+z');
    await expectWired(page);
  });

  it('a share link brings the circuit back on another page, drawn where it was', async () => {
    await page.locator('#share-link').click();
    await expect.poll(() => page.evaluate(() => location.hash)).toMatch(/^#s=/);
    const url = await page.evaluate(() => location.href);
    const positions = async (p: Page) => p.evaluate(() => [...document.querySelectorAll('#circuit-canvas [data-node]')].map((g) => `${g.getAttribute('aria-label')} @ ${g.getAttribute('transform')}`));
    const here = await positions(page);
    const other = await newPage(harness, { viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
    try {
      await other.goto(url, { waitUntil: 'load' });
      await scenarioShown(other, 'My circuit');
      await other.locator('#circuit-canvas [data-node]').first().waitFor();
      await expectWired(other);
      // The positions travel in the scenario's `layout`.
      const shared = JSON.parse(inflateRawSync(Buffer.from(url.slice(url.indexOf('#s=') + 3), 'base64url')).toString('utf8')) as { layout?: { nodes: { name: string }[] } };
      expect(shared.layout?.nodes.map((n) => n.name)).toEqual(['A', 'B', 'I1']);
      expect(await positions(other)).toEqual(here);
    } finally {
      await other.close();
    }
  });

  it('the Brian2 export takes the circuit; kinetics and sign set by the form give IPSPs; a node of 30 neurons opens the raster; axe-core finds nothing serious', async () => {
    const script = await download(page, '#export-brian2');
    expect(script.name).toMatch(/brian2\.py$/);
    expect(script.text).toMatch(/from brian2 import/);
    await page.locator('#circuit-edge-list [aria-label="Select A → B"]').click();
    await page.locator('#circuit-kinetics').selectOption('current:exponential');
    await page.locator('#circuit-sign-inhibitory').check();
    await expect.poll(async () => (await lists(page)).edges[1]).toMatch(/^A → B: inhibitory, weight [\d.]+, delay 1 ms, current exponential$/);
    expect(await axeViolations(page, ['#circuit-panel'])).toEqual([]);
    await runCircuit(page);
    const m = await membranes(page);
    expect(m.B.high, JSON.stringify(m.B.high)).toBeLessThanOrEqual(m.B.v[0] + 1e-9); // never above rest
    expect(m.B.low, JSON.stringify(m.B.low)).toBeLessThan(m.B.v[0] - 1); // IPSPs: below rest
    // A weight typed while the circuit is what runs goes to the run itself, as a slider's would.
    await page.locator('#circuit-inspector label:has-text("weight") input').fill('1.5');
    await page.locator('#circuit-inspector label:has-text("weight") input').dispatchEvent('change');
    await expect.poll(() => page.locator('#circuit-message').textContent()).toMatch(/^Applied to the run as it goes\.$/);
    expect(await page.locator('#circuit-run').textContent()).toBe('Run again');
    expect((await lists(page)).edges[1]).toMatch(/^A → B: inhibitory, weight 1\.5, delay 1 ms/);
    await page.locator('#circuit-node-list [aria-label="Select B"]').click();
    await page.locator('#circuit-inspector input[type="number"]').first().fill('30');
    await page.locator('#circuit-inspector input[type="number"]').first().dispatchEvent('change');
    expect((await lists(page)).nodes[1]).toBe('Neuron B: LIF ×30');
    await runCircuit(page);
    expect(await page.locator('#raster-section').isVisible()).toBe(true);
    await page.locator('#displays').screenshot({ path: join(artifacts, 'circuit-raster-1280x800.png') });
    // Its trace on demand: untraced from the next run; traced again, at once (the page's 'trace' change).
    await page.locator('#circuit-traced').uncheck();
    await expect.poll(() => page.locator('#circuit-message').textContent()).toBe('B is no longer traced from the next run.');
    await page.locator('#circuit-traced').check();
    await expect.poll(() => page.locator('#circuit-message').textContent()).toBe('Tracing B\'s membrane potential from now on.');
    const png = await download(page, '#export-panel button:text-is("circuit")');
    expect(png.name).toMatch(/circuit.*\.png$/);

    // A preset of the panel's list: drawn as its circuit (a spike source into a neuron), its source lighting as it fires.
    await watchActivity(page);
    await page.locator('#circuit-preset').selectOption('epsp');
    await scenarioShown(page, 'One EPSP');
    await expect.poll(async () => (await lists(page)).nodes).toEqual(['Spike source presynaptic: 1 given time', 'Neuron neuron: LIF']);
    expect((await lists(page)).edges).toEqual(['presynaptic → neuron: excitatory, weight 1, delay 1 ms, current exponential']);
    await pageReaches(page, 'the spike source lit', () => (window as unknown as { circuitSeen: { lit: string[] } }).circuitSeen.lit.some((l) => l.startsWith('presynaptic ')));

    // A wide screen (the tools beside the controls): the canvas fits its column, nothing scrolls sideways.
    await page.setViewportSize({ width: 1920, height: 1080 });
    await expect.poll(async () => (await page.locator('#circuit-canvas').boundingBox())!.width <= (await page.locator('#circuit-panel').boundingBox())!.width).toBe(true);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1920);
    await page.locator('#circuit-panel').screenshot({ path: join(artifacts, 'circuit-1920x1080.png') });
    expect(problems).toEqual([]);
  });
});

describe('the circuit canvas by touch (Chromium, 360 x 740 phone)', () => {
  let page: Page;
  beforeAll(async () => {
    const context = await newContext(harness, { viewport: { width: 360, height: 740 }, deviceScaleFactor: 1, hasTouch: true, isMobile: true });
    page = await context.newPage();
    await page.goto(harness.baseUrl, { waitUntil: 'load' });
    await scenarioShown(page);
  });
  afterAll(async () => {
    await page?.context().close();
  });

  it('builds the two-neuron circuit by touch, runs it and shows the EPSP; targets are 44 px, nothing scrolls sideways', async () => {
    await page.evaluate(() => {
      const types: string[] = [];
      (window as unknown as { pointerTypes: string[] }).pointerTypes = types;
      document.addEventListener('pointerdown', (e) => types.push(e.pointerType), true);
    });
    await addThree(page, (s) => page.locator(s).tap());
    await page.locator('#circuit-canvas').scrollIntoViewIfNeeded();
    await touchDrag(page, 'I1', 'A');
    await touchDrag(page, 'A', 'B');
    await expectWired(page);
    const types = await page.evaluate(() => (window as unknown as { pointerTypes: string[] }).pointerTypes);
    expect(new Set(types)).toEqual(new Set(['touch']));
    await page.locator('#circuit-edge-list [aria-label="Select A → B"]').tap();
    await page.locator('#circuit-panel').screenshot({ path: join(artifacts, 'circuit-built-360x740.png') });
    await runCircuit(page, true);
    expectEpsp(await membranes(page));
    const small = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>('#circuit-panel button, #circuit-panel select, #circuit-panel input, #circuit-canvas [data-node]')]
        .filter((e) => e.getBoundingClientRect().width > 0)
        // A checkbox or radio button is hit through its label.
        .map((e) => ({ what: e.id || e.getAttribute('aria-label') || e.textContent, box: (e.matches('input[type="checkbox"], input[type="radio"]') ? e.closest('label') ?? e : e).getBoundingClientRect() }))
        .filter(({ box }) => box.height < 44 || box.width < 24)
        .map(({ what, box }) => `${what}: ${Math.round(box.width)}x${Math.round(box.height)}`),
    );
    expect(small).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    expect(await axeViolations(page, ['#circuit-panel'])).toEqual([]);
    await page.locator('#circuit-panel').screenshot({ path: join(artifacts, 'circuit-run-360x740.png') });
  });
});
