// The page's side of sharing: which hashes are links, and the view controls <-> scenario view.
import { describe, expect, it } from 'vitest';
import { pageOfView, readHashOnLoad, shareUrl, speedLabel, viewOfPage } from '../../src/ui/shareLink';
import { scenarioToHash } from '../../src/scenario/share';
import { preset } from '../../src/scenario/presets';

describe('reading the hash the page opened with', () => {
  it('leaves a page without a share link alone', async () => {
    expect(await readHashOnLoad('')).toEqual({ kind: 'none' });
    expect(await readHashOnLoad('#parameters')).toEqual({ kind: 'none' });
  });

  it('restores a shared scenario exactly', async () => {
    const raw = preset('single-hh') as { populations: { parameters?: Record<string, number> }[]; view?: unknown };
    raw.populations[0].parameters = { g_Na: 100 };
    raw.view = { speed: 500, rasterWindowMs: 2000, showGates: true, showCurrents: false };
    const read = await readHashOnLoad(await scenarioToHash(raw));
    expect(read.kind).toBe('scenario');
    if (read.kind !== 'scenario') return;
    expect(read.scenario.populations[0].parameters).toEqual({ g_Na: 100 });
    expect(read.scenario.view).toEqual({ speed: 500, rasterWindowMs: 2000, showGates: true, showCurrents: false });
  });

  it('refuses a damaged or hostile link with a message', async () => {
    const damaged = await readHashOnLoad('#s=AAAA');
    expect(damaged).toMatchObject({ kind: 'refused', field: 'link' });
    const hostile = await readHashOnLoad('#s=<script>alert(1)</script>');
    expect(hostile.kind).toBe('refused');
    if (hostile.kind === 'refused') expect(hostile.message).toMatch(/uses only A-Z a-z 0-9 - _/);
  });
});

describe('the view', () => {
  const page = { speed: 0.25 as number | null, freeRun: false, rasterWindowMs: 1000, showGates: false, showCurrents: true };

  it('goes into the scenario as simulated ms per real second and back', () => {
    const view = viewOfPage(page);
    expect(view).toEqual({ speed: 250, rasterWindowMs: 1000, showGates: false, showCurrents: true, freeRun: false });
    expect(pageOfView(view, { speed: 1, freeRun: true, rasterWindowMs: 500, showGates: true, showCurrents: false })).toEqual(page);
    // A run without end goes into the link, and comes back from it.
    expect(viewOfPage({ ...page, freeRun: true })).toMatchObject({ freeRun: true });
    expect(pageOfView({ freeRun: true }, page).freeRun).toBe(true);
  });

  it('"as fast as possible" is speed 0', () => {
    expect(viewOfPage({ ...page, speed: null }).speed).toBe(0);
    expect(pageOfView({ speed: 0 }, page).speed).toBeNull();
  });

  it('keeps the page\'s value for what a view leaves out', () => {
    expect(pageOfView({ showGates: true }, page)).toEqual({ ...page, showGates: true });
    expect(pageOfView(undefined, page)).toBe(page);
  });

  it('labels a speed the list does not offer', () => {
    expect(speedLabel(0.3)).toBe('0.3× real time');
    expect(speedLabel(null)).toBe('as fast as possible');
  });

  it('puts the hash on the page address in place of any other', () => {
    expect(shareUrl('http://127.0.0.1:5173/', '#s=abc')).toBe('http://127.0.0.1:5173/#s=abc');
    expect(shareUrl('http://127.0.0.1:5173/?x=1#s=old', '#s=new')).toBe('http://127.0.0.1:5173/?x=1#s=new');
  });
});
