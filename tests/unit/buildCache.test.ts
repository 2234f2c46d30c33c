// Generated code kept between builds (src/core/codegen/cache.ts) and on disk for the CLI
// (src/cli/codeStore.ts): a build that reads its step kernel and WebAssembly module from memory or
// from the store gives the spikes of one that generates them, to the bit; an entry that is damaged,
// belongs to another key or another generator, or cannot be read or written is ignored.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Simulation } from '../../src/core/simulation';
import { validateScenario } from '../../src/scenario/scenario';
import { clearCodeMemory, codeCacheCounts, useCodeStore } from '../../src/core/codegen/cache';
import { diskCodeStore } from '../../src/cli/codeStore';

const modelFile = (id: string) => JSON.parse(readFileSync(new URL(`../../models/${id}.json`, import.meta.url), 'utf8'));

/**
 * A network whose excitatory population runs in WebAssembly (exact LIF with current synapses)
 * beside one of HH neurons on the JS kernel. Models are given inline, so every build loads its own
 * (the population's per-model kernel cache does not hide the code cache).
 */
function network() {
  return {
    format: 'spikebridge-scenario/1',
    durationMs: 60,
    dtMs: 0.05,
    seed: 11,
    populations: [
      { name: 'E', model: modelFile('lif_exp_current'), size: 200, initial: { v: { uniform: [-70, -49] } } },
      { name: 'H', model: modelFile('hh'), size: 20 },
    ],
    projections: [
      { source: 'E', target: 'E', connect: { rule: 'probability', p: 0.1 }, on: 'ge', weight: 0.5 },
      { source: 'E', target: 'H', connect: { rule: 'inDegree', k: 30 }, on: 'v', weight: 1.5, delayMs: 1 },
    ],
    stimuli: [
      { type: 'constant', population: 'E', amplitude: 1.2 },
      { type: 'constant', population: 'H', amplitude: 6 },
    ],
  };
}

function run() {
  const sim = new Simulation(validateScenario(network()));
  sim.advance();
  const frame = sim.drain();
  return { engines: sim.populations.map((p) => p.engine), neurons: Array.from(frame.spikes.neuron), times: Array.from(frame.spikes.timeMs) };
}

function counts() {
  return { ...codeCacheCounts };
}

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'spikebridge-code-'));
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  useCodeStore(null);
  clearCodeMemory();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('generated code kept between builds', () => {
  it('a build from memory, and one from the disk store in a fresh memory, give the generated build spikes to the bit', () => {
    clearCodeMemory();
    const before = counts();
    const generated = run();
    expect(generated.engines).toEqual(['wasm-simd', 'js']);
    expect(generated.times.length).toBeGreaterThan(50);
    expect(codeCacheCounts.generated).toBeGreaterThan(before.generated);

    const fromMemory = run();
    expect(codeCacheCounts.memory).toBeGreaterThan(before.memory);
    expect(fromMemory).toEqual(generated);

    const dir = tempDir();
    useCodeStore(diskCodeStore(dir, 'version-a'));
    clearCodeMemory();
    const written = run();
    expect(written).toEqual(generated);
    expect(readdirSync(dir).filter((name) => name.endsWith('.bin')).length).toBeGreaterThanOrEqual(3); // JS kernels and WebAssembly modules

    clearCodeMemory();
    const beforeStore = counts();
    const fromStore = run();
    expect(codeCacheCounts.store - beforeStore.store).toBeGreaterThanOrEqual(3);
    expect(codeCacheCounts.generated).toBe(beforeStore.generated);
    expect(fromStore).toEqual(generated);
  });

  it('damaged entries are generated again and give the same spikes; another generator version does not read them', () => {
    const reference = run();
    const dir = tempDir();
    useCodeStore(diskCodeStore(dir, 'version-a'));
    clearCodeMemory();
    run();
    const files = readdirSync(dir).filter((name) => name.endsWith('.bin'));
    // One flipped byte in the payload, one truncated, one emptied, the rest garbage.
    files.forEach((name, k) => {
      const path = join(dir, name);
      const bytes = readFileSync(path);
      if (k === 0) {
        bytes[bytes.length - 1] ^= 0x40;
        writeFileSync(path, bytes);
      } else if (k === 1) writeFileSync(path, bytes.subarray(0, bytes.length - 3));
      else if (k === 2) writeFileSync(path, Buffer.alloc(0));
      else writeFileSync(path, Buffer.from('not an entry at all'));
    });
    clearCodeMemory();
    const before = counts();
    expect(run()).toEqual(reference);
    expect(codeCacheCounts.store).toBe(before.store);
    expect(codeCacheCounts.generated - before.generated).toBe(files.length);

    // Rewritten whole by that run: read back by the same version, not by another.
    clearCodeMemory();
    const again = counts();
    expect(run()).toEqual(reference);
    expect(codeCacheCounts.store - again.store).toBe(files.length);
    useCodeStore(diskCodeStore(dir, 'version-b'));
    clearCodeMemory();
    const other = counts();
    expect(run()).toEqual(reference);
    expect(codeCacheCounts.store).toBe(other.store);
  });

  it('an entry copied under another key is refused', () => {
    const dir = tempDir();
    const store = diskCodeStore(dir, 'v');
    store.write('key one', new Uint8Array([1, 2, 3]));
    expect(Array.from(store.read('key one')!)).toEqual([1, 2, 3]);
    expect(store.read('key two')).toBeNull();
    const [name] = readdirSync(dir);
    store.write('key two', new Uint8Array([9]));
    const other = readdirSync(dir).find((n) => n !== name)!;
    writeFileSync(join(dir, other), readFileSync(join(dir, name)));
    expect(store.read('key two')).toBeNull();
  });

  it('a store that cannot be written or read (its folder is a file) costs nothing but the generation', () => {
    const reference = run();
    const blocker = join(tempDir(), 'not-a-folder');
    writeFileSync(blocker, 'x');
    const store = diskCodeStore(blocker, 'v');
    expect(() => store.write('k', new Uint8Array([1]))).not.toThrow();
    expect(store.read('k')).toBeNull();
    useCodeStore(store);
    clearCodeMemory();
    expect(run()).toEqual(reference);
  });
});
