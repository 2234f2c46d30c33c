// The ANN playground's arithmetic (src/ui/annPanelModel.ts): the form read into the worker's
// request (a bad field named, nothing half-read), the map's colours and row order, and the text
// alternatives read by a screen reader.
import { describe, expect, it } from 'vitest';
import { CLASS_COLOURS, PENDING, classShares, cliLine, decisionClass, decisionColour, gradientBar, gradientSentence, mapAsText, mapPixels, probabilityClass, probabilityColour, readAnnForm, readSpikingForm, type AnnForm } from '../../src/ui/annPanelModel';

const FORM: AnnForm = { dataset: 'xor', points: '200', dataNoise: '0.1', testPercent: '40', seed: '7', layers: '2', units: ['4', '3', '8'], activation: 'tanh', neuronNoiseMV: '5', learningRate: '0.01', batchSize: '5', l2: '0.001', dropout: '0.2', epochs: '50' };
const LIF = { population: 'neuron', model: 'lif', parameters: { tau_m: 10 } };

describe('the ANN playground form', () => {
  it('reads every field into the request the worker (and the CLI) take', () => {
    const read = readAnnForm(FORM, null);
    expect(read).toEqual({ ok: true, value: { dataset: { kind: 'xor', points: 200, noise: 0.1, testFraction: 0.4 }, hidden: [4, 3], activation: 'tanh', learningRate: 0.01, batchSize: 5, l2: 0.001, dropout: 0.2, seed: 7, epochs: 50 } });
    if (!read.ok) throw new Error('refused');
    expect(cliLine(read.value)).toBe('npm run sim -- ann --dataset xor --hidden 4,3 --activation tanh --epochs 50 --seed 7 --points 200 --data-noise 0.1 --test-fraction 0.4 --learning-rate 0.01 --batch-size 5 --l2 0.001 --dropout 0.2');
  });

  it('takes "this neuron" from the page, with its noise', () => {
    const read = readAnnForm({ ...FORM, activation: 'neuron' }, LIF);
    expect(read.ok && read.value.activation).toEqual({ neuron: { ...LIF, noiseSigmaMV: 5 } });
    expect(readAnnForm({ ...FORM, activation: 'neuron' }, null)).toMatchObject({ ok: false, field: 'activation' });
    if (read.ok) expect(cliLine(read.value, { neuronsPerUnit: 10, windowsMs: [50, 500] })).toContain('--activation neuron:lif --noise-sigma 5 --epochs 50 --seed 7 --points 200 --data-noise 0.1 --test-fraction 0.4 --learning-rate 0.01 --batch-size 5 --l2 0.001 --dropout 0.2 --spiking --window 50,500 --neurons 10');
  });

  it('names a bad field with its value and what is allowed', () => {
    expect(readAnnForm({ ...FORM, units: ['4', '9'] }, null)).toEqual({ ok: false, field: 'units 2', message: '9 is outside 1 to 8' });
    expect(readAnnForm({ ...FORM, learningRate: 'fast' }, null)).toMatchObject({ ok: false, field: 'learning rate', message: expect.stringContaining('"fast" is not a number') });
    expect(readAnnForm({ ...FORM, points: '10.5' }, null)).toMatchObject({ ok: false, field: 'points' });
    expect(readAnnForm({ ...FORM, dataset: 'moons' }, null)).toMatchObject({ ok: false, field: 'dataset' });
    expect(readAnnForm({ ...FORM, dropout: '' }, null)).toMatchObject({ ok: false, field: 'dropout' });
    expect(readSpikingForm({ neuronsPerUnit: '20', windows: '500, 50', rasterPoint: '3' }, 100)).toMatchObject({ ok: true, value: { neuronsPerUnit: 20, windowsMs: [50, 500], rasterPoint: 2 } });
    expect(readSpikingForm({ neuronsPerUnit: '20', windows: '5', rasterPoint: '3' }, 100)).toMatchObject({ ok: false, field: 'windows' });
    expect(readSpikingForm({ neuronsPerUnit: '20', windows: '50', rasterPoint: '101' }, 100)).toMatchObject({ ok: false, field: 'raster point' });
  });
});

describe('the decision maps and their text', () => {
  it('colours orange for class 0, white at one half, blue for class 1', () => {
    expect(probabilityColour(0.5)).toEqual([255, 255, 255]);
    const blue = probabilityColour(1);
    const orange = probabilityColour(0);
    expect(blue[2]).toBeGreaterThan(blue[0]);
    expect(orange[0]).toBeGreaterThan(orange[2]);
    expect(decisionColour(1)).toEqual(CLASS_COLOURS.one);
    expect(decisionColour(-1)).toEqual(CLASS_COLOURS.tie);
    expect(decisionColour(PENDING)).toEqual(CLASS_COLOURS.pending);
  });

  it('draws the top row (y = +extent) first from rows stored bottom first', () => {
    // 2 x 2: bottom row class 0, top row class 1
    const pixels = mapPixels([0, 0, 1, 1], 2, (p) => probabilityColour(p));
    expect(Array.from(pixels.slice(0, 3))).toEqual(probabilityColour(1));
    expect(Array.from(pixels.slice(8, 11))).toEqual(probabilityColour(0));
  });

  it('says the map as a coarse grid of classes, top row first, and the share of each class', () => {
    // 4 x 4, class 1 in the upper-right quarter only
    const values = Float32Array.from({ length: 16 }, (_, k) => (Math.floor(k / 4) >= 2 && k % 4 >= 2 ? 0.9 : 0.1));
    expect(mapAsText(values, 4, 2, probabilityClass)).toEqual(['0 1', '0 0']);
    expect(classShares(values, probabilityClass)).toEqual({ one: 0.25, zero: 0.75, other: 0 });
    const decisions = Int8Array.from([1, -1, PENDING, 0]);
    expect(classShares(decisions, decisionClass)).toEqual({ one: 0.25, zero: 0.25, other: 0.5 });
    expect(mapAsText(decisions, 2, 2, decisionClass)).toEqual(['? 0', '1 ?']);
  });

  it('shows gradient sizes on a log scale and names vanishing gradients', () => {
    expect(gradientBar(1)).toBe(1);
    expect(gradientBar(1e-4)).toBeCloseTo(0.5);
    expect(gradientBar(0)).toBe(0);
    expect(gradientSentence([1e-5, 1e-2, 1e-1])).toMatch(/^Vanishing gradients/);
    expect(gradientSentence([0.05, 0.1])).toBe('');
  });
});
