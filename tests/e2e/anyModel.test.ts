// One neuron of any model file on the page, in a real browser: the chooser lists every models/*.json
// (no page code names a model), each runs to its end with its membrane drawn from the traces the
// worker marks as the membrane, its parameter table built from the file, and a model with regimes
// offers them. The checks read what a student sees: the options, the fields, the pixels.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { type Page } from 'playwright-core';
import { colourMask, decodePng } from './png';
import { artifacts, newPage, pageReaches, scenarioShown, useBrowser, watchProblems } from './harness';
import { BUILTIN_MODEL_IDS, builtinModel } from '../../src/core/model/builtinModels';
import { singleNeuronScenario } from '../../src/scenario/singleNeuron';

const TRACE_BLUE = 0x0072b2; // the first series' colour (Okabe-Ito), written out rather than imported

const harness = useBrowser();

async function finished(page: Page): Promise<void> {
  await pageReaches(page, 'the end of the run', () => ['finished', 'failed'].includes(document.getElementById('status')?.dataset.state ?? ''));
  const error = await page.locator('#error').textContent();
  expect(await page.locator('#status').getAttribute('data-state'), error ?? '').toBe('finished');
}

/** Columns of the membrane plot that hold the trace's blue. */
async function traceSpan(page: Page, name: string): Promise<number> {
  const image = decodePng(await page.locator('#trace-canvas').screenshot({ path: join(artifacts, `model-${name}.png`) }));
  const mask = colourMask(image, TRACE_BLUE, 60);
  let first = -1;
  let last = -1;
  for (let x = 0; x < image.width; x++) {
    let n = 0;
    for (let y = 0; y < image.height; y++) n += mask[y * image.width + x];
    if (n > 0) {
      if (first < 0) first = x;
      last = x;
    }
  }
  return first < 0 ? 0 : (last - first) / image.width;
}

describe('one neuron of any model (Chromium)', () => {
  it('lists every built-in model; each runs to its end with its membrane drawn and its own parameters', async () => {
    const page = await newPage(harness, { viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
    const problems = watchProblems(page);
    try {
      await page.goto(harness.baseUrl, { waitUntil: 'load' });
      await scenarioShown(page, 'Single LIF neuron');
      const offered = await page.locator('#model-choice option').evaluateAll((els) => els.map((e) => (e as HTMLOptionElement).value).filter(Boolean));
      expect(offered).toEqual([...BUILTIN_MODEL_IDS]);
      await page.locator('#speed').selectOption('max');
      for (const id of BUILTIN_MODEL_IDS) {
        const model = builtinModel(id);
        const regime = [...model.regimes.keys()][0];
        await page.locator('#model-choice').selectOption(id);
        await scenarioShown(page, singleNeuronScenario(id, regime ? { regime } : {}).name!);
        await finished(page);
        expect(await page.locator('#preset').inputValue(), id).toBe(''); // no preset runs now
        expect(await page.locator('#regime-choice').isVisible(), id).toBe(regime !== undefined);
        for (const name of model.parameterNames) expect(await page.locator(`#param-${name}`).count(), `${id}: ${name}`).toBe(1);
        expect(await traceSpan(page, id), id).toBeGreaterThan(0.8);
        const gates = model.display.gates.length > 0;
        expect(await page.locator('#show-gates').isVisible(), id).toBe(gates);
      }
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('a regime is a parameter set: Izhikevich FS fires faster than RS and its a is the file\'s', async () => {
    const page = await newPage(harness, { viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
    const problems = watchProblems(page);
    try {
      await page.goto(harness.baseUrl, { waitUntil: 'load' });
      await scenarioShown(page, 'Single LIF neuron');
      await page.locator('#speed').selectOption('max');
      const izhikevich = builtinModel('izhikevich');
      await page.locator('#model-choice').selectOption('izhikevich');
      const regimes = await page.locator('#regime-choice option').evaluateAll((els) => els.map((e) => (e as HTMLOptionElement).value));
      expect(regimes).toEqual([...izhikevich.regimes.keys()]);
      const counts: Record<string, number> = {};
      for (const regime of ['RS', 'FS']) {
        // Choosing the model ran its first regime; choosing that one again would start a second
        // run of it, and the first run's end could then be taken for the second's.
        if ((await page.locator('#regime-choice').inputValue()) !== regime) await page.locator('#regime-choice').selectOption(regime);
        await expect.poll(() => page.locator('#scenario-description').textContent()).toMatch(new RegExp(`regime ${regime}`));
        await finished(page);
        expect(Number(await page.locator('#param-a').inputValue())).toBe(izhikevich.regimes.get(regime)!.parameters.a);
        counts[regime] = Number(await page.locator('#spike-count').textContent());
      }
      // Fast spiking (a = 0.1: fast recovery, no adaptation) against regular spiking, same input.
      expect(counts.RS).toBeGreaterThan(0);
      expect(counts.FS).toBeGreaterThan(counts.RS);
      await page.screenshot({ path: join(artifacts, 'model-izhikevich-fs.png'), fullPage: true });
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
