// Shared links: a scenario survives the round trip exactly, and a malformed or hostile hash is
// refused with a message (never thrown, never run).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { PRESETS, preset } from '../../src/scenario/presets';
import { validateScenario } from '../../src/scenario/scenario';
import { SHARE_LIMITS, SHARE_PREFIX, scenarioFromHash, scenarioToHash } from '../../src/scenario/share';

async function deflatedHash(text: string): Promise<string> {
  const bytes = new Uint8Array(await new Response(new Blob([text]).stream().pipeThrough(new CompressionStream('deflate-raw'))).arrayBuffer());
  let binary = '';
  for (let k = 0; k < bytes.length; k += 0x8000) binary += String.fromCharCode(...bytes.subarray(k, k + 0x8000));
  return SHARE_PREFIX + btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const base = preset('single-lif') as Record<string, unknown>;

describe('sharing a scenario by link', () => {
  it.each(Object.keys(PRESETS))('%s: opening the link restores the scenario exactly', async (name) => {
    const raw = preset(name);
    const hash = await scenarioToHash(raw);
    expect(hash.startsWith('#s=')).toBe(true);
    expect(/^#s=[A-Za-z0-9_-]+$/.test(hash)).toBe(true);
    const back = await scenarioFromHash(hash);
    expect(back).toEqual({ ok: true, scenario: validateScenario(raw).scenario });
  });

  it('carries a whole model file, changed parameters, stimuli and the view', async () => {
    const lif = JSON.parse(readFileSync(new URL('../../models/lif.json', import.meta.url), 'utf8'));
    lif.equations = ['dv/dt = (-(v - E_L) + 1.5 * R*I) / tau_m'];
    const raw = {
      ...base,
      populations: [{ name: 'neuron', model: lif, size: 1, parameters: { tau_m: 12.5 } }],
      view: { rasterWindowMs: 2500, speed: 0, showGates: false },
    };
    const back = await scenarioFromHash(await scenarioToHash(raw));
    expect(back.ok).toBe(true);
    if (!back.ok) return;
    expect(back.scenario.view).toEqual({ rasterWindowMs: 2500, speed: 0, showGates: false });
    expect(back.scenario.populations[0].parameters).toEqual({ tau_m: 12.5 });
    expect((back.scenario.populations[0].model as { equations: string[] }).equations[0]).toBe('dv/dt = (-(v - E_L) + 1.5 * R*I) / tau_m');
    expect(back.scenario).toEqual(validateScenario(raw).scenario);
  });

  it('refuses malformed links with a message naming what is wrong', async () => {
    const refused = async (hash: string) => {
      const result = await scenarioFromHash(hash);
      expect(result.ok).toBe(false);
      return result.ok ? '' : result.message;
    };
    expect(await refused('')).toMatch(/does not start with "#s="/);
    expect(await refused('#x=abc')).toMatch(/does not start with "#s="/);
    expect(await refused('#s=')).toMatch(/is empty/);
    expect(await refused('#s=abc$def')).toMatch(/has "\$" at position 6/);
    expect(await refused('#s=' + 'A'.repeat(SHARE_LIMITS.hashChars + 1))).toMatch(/at most 200000 are read/);
    expect(await refused('#s=AAAA')).toMatch(/damaged|does not hold/);
    const good = await scenarioToHash(base);
    expect(await refused(good.slice(0, good.length - 8))).toMatch(/damaged|does not hold/);
    expect(await refused(await deflatedHash('{"format": "spikebridge-scenario/1", '))).toMatch(/does not hold JSON/);
    expect(await refused(await deflatedHash(JSON.stringify({ ...base, dtMs: 7 })))).toMatch(/^dtMs: .*7/);
    expect(await refused(await deflatedHash(JSON.stringify({ ...base, format: 'other/2' })))).toMatch(/^format:/);
  });

  it('refuses a small link that would inflate into a huge one', async () => {
    const bomb = await deflatedHash(' '.repeat(50_000_000));
    expect(bomb.length).toBeLessThan(100_000);
    const result = await scenarioFromHash(bomb);
    expect(result).toMatchObject({ ok: false, field: 'link' });
    expect(result.ok ? '' : result.message).toMatch(/inflates to more than 2000000 bytes/);
  });

  it('never runs what a hostile link carries', async () => {
    const canary = globalThis as { __spikebridgeCanary?: number };
    canary.__spikebridgeCanary = 0;
    const lif = JSON.parse(readFileSync(new URL('../../models/lif.json', import.meta.url), 'utf8'));
    const attacks: unknown[] = [
      // code in equations, thresholds and resets
      { ...base, populations: [{ name: 'n', size: 1, model: { ...lif, equations: ['dv/dt = constructor.constructor("globalThis.__spikebridgeCanary = 1")()'] } }] },
      { ...base, populations: [{ name: 'n', size: 1, model: { ...lif, threshold: { variable: 'v', level: 'evaluate("globalThis.__spikebridgeCanary = 1")' } } }] },
      { ...base, populations: [{ name: 'n', size: 1, model: { ...lif, reset: { v: 'import("data:text/javascript,globalThis.__spikebridgeCanary=1")' } } }] },
      { ...base, populations: [{ name: 'n', size: 1, model: { ...lif, equations: ['dv/dt = (f(x) = 1)'] } }] },
      // prototype pollution through own keys named __proto__ and constructor
      JSON.parse(`{"format":"spikebridge-scenario/1","durationMs":10,"dtMs":0.1,"populations":[{"name":"n","model":"lif","size":1}],"__proto__":{"polluted":1}}`),
      JSON.parse(`{"format":"spikebridge-scenario/1","durationMs":10,"dtMs":0.1,"populations":[{"name":"n","model":"lif","size":1,"parameters":{"__proto__":{"polluted":1}}}]}`),
      JSON.parse(`{"format":"spikebridge-scenario/1","durationMs":10,"dtMs":0.1,"populations":[{"name":"n","model":"lif","size":1,"parameters":{"constructor":1}}]}`),
      // a model name that is not a built-in id (no file paths, no URLs)
      { ...base, populations: [{ name: 'n', size: 1, model: '../../package' }] },
      { ...base, populations: [{ name: 'n', size: 1, model: 'https://example.org/evil.json' }] },
    ];
    const texts = attacks.map((a) => JSON.stringify(a));
    // absurd nesting, as text: deep enough to overflow a recursive parser's stack
    texts.push('['.repeat(500_000) + ']'.repeat(500_000), '{"a":'.repeat(200_000) + '1' + '}'.repeat(200_000));
    for (const text of texts) {
      const result = await scenarioFromHash(await deflatedHash(text));
      expect(result.ok, text.slice(0, 200)).toBe(false);
    }
    expect(canary.__spikebridgeCanary).toBe(0);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // a name with markup is kept as text: the page shows names with textContent
    const markup = await scenarioFromHash(await scenarioToHash({ ...base, name: '<img src=x onerror="globalThis.__spikebridgeCanary=1">' }));
    expect(markup.ok && markup.scenario.name).toBe('<img src=x onerror="globalThis.__spikebridgeCanary=1">');
    expect(canary.__spikebridgeCanary).toBe(0);
  });
});
