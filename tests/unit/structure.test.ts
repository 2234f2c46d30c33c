// The import graph of every .ts file in src/ and workers/ (type-only imports and re-exports
// included, read with the TypeScript compiler's preProcessFile): no file may take part in an
// import cycle, and no import may point up the layers, lowest first:
//
//   core < scenario < bridge, lessons, export < workers, cli < ui
//
// Files of one layer may import each other (without cycles); a folder in no layer fails, so a new
// folder is placed in the order on purpose. The finders are checked on small made-up graphs too,
// so a test that cannot fail would show.
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, resolve } from 'node:path';
import ts from 'typescript';

const root = resolve(__dirname, '../..');

/** Layer of each top folder (paths relative to the repository). */
const LAYERS: [prefix: string, rank: number][] = [
  ['src/core/', 0],
  ['src/scenario/', 1],
  ['src/bridge/', 2],
  ['src/lessons/', 2],
  ['src/export/', 2],
  ['workers/', 3],
  ['src/cli/', 3],
  ['src/ui/', 4],
];

type Graph = Map<string, string[]>;

function layerOf(file: string): number | null {
  return LAYERS.find(([prefix]) => file.startsWith(prefix))?.[1] ?? null;
}

function tsFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return tsFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Each file's imports of other .ts files of the repository (JSON and packages are not code of ours). */
function importGraph(): Graph {
  const graph: Graph = new Map();
  for (const file of [...tsFiles('src'), ...tsFiles('workers')]) {
    const { importedFiles } = ts.preProcessFile(readFileSync(join(root, file), 'utf8'), true, true);
    const targets = importedFiles
      .map((ref) => ref.fileName)
      .filter((name) => name.startsWith('.'))
      .map((name) => normalize(join(dirname(file), name.replace(/\.js$/, '.ts'))).replaceAll('\\', '/'))
      .map((path) => (path.endsWith('.ts') || !existsSync(join(root, `${path}.ts`)) ? path : `${path}.ts`))
      .filter((path) => path.endsWith('.ts'));
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** Every import cycle, one per strongly connected group of files, as a path a -> ... -> a (Tarjan's algorithm). */
function findCycles(graph: Graph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  let next = 0;
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const group = new Set<string>();
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      group.add(w);
    } while (w !== v);
    if (group.size > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(cycleThrough(v, group, graph));
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles;
}

/** A path from `start` back to itself inside its group (breadth first: a shortest one). */
function cycleThrough(start: string, group: Set<string>, graph: Graph): string[] {
  const from = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const w of graph.get(v) ?? []) {
      if (!group.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let u = v; u !== start; u = from.get(u)!) path.splice(1, 0, u);
        return [...path, start];
      }
      if (!from.has(w)) {
        from.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}

/** Imports that point up the layers, and files in no layer. */
function layerViolations(graph: Graph): string[] {
  const problems: string[] = [];
  for (const [file, targets] of graph) {
    const rank = layerOf(file);
    if (rank === null) {
      problems.push(`${file} is in no layer (add its folder to LAYERS in tests/unit/structure.test.ts)`);
      continue;
    }
    for (const target of targets) {
      const to = layerOf(target);
      if (to !== null && to > rank) problems.push(`${file} imports ${target}, a higher layer`);
    }
  }
  return problems;
}

describe('structure: layers and cycles', () => {
  const graph = importGraph();

  it('reads the import graph of src/ and workers/', () => {
    expect(graph.size).toBeGreaterThan(50);
    // Type-only imports count: the worker's protocol imports only types from the core.
    expect(graph.get('workers/simulationProtocol.ts')).toContain('src/core/experiment.ts');
    expect(graph.get('src/core/simulation.ts')).toContain('src/core/population.ts');
    // Every import resolved to a file that exists (a wrong resolution would hide edges).
    for (const targets of graph.values()) for (const target of targets) expect(existsSync(join(root, target)), target).toBe(true);
  });

  it('has no import cycle between files', () => {
    expect(findCycles(graph).map((cycle) => cycle.join(' -> '))).toEqual([]);
  });

  it('has no import pointing up the layers (core < scenario < bridge, lessons, export < workers, cli < ui)', () => {
    expect(layerViolations(graph)).toEqual([]);
  });

  it('the core imports nothing outside src/core but data', () => {
    const outside = [...graph].flatMap(([file, targets]) => (file.startsWith('src/core/') ? targets.filter((t) => !t.startsWith('src/core/')).map((t) => `${file} -> ${t}`) : []));
    expect(outside).toEqual([]);
  });
});

describe('structure: the finders themselves', () => {
  it('finds a cycle of three, a self-import and none in a tree, naming the files in order', () => {
    const graph: Graph = new Map([
      ['a.ts', ['b.ts', 'd.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', []],
      ['e.ts', ['e.ts']],
    ]);
    const cycles = findCycles(graph).map((c) => c.join(' -> '));
    expect(cycles).toHaveLength(2);
    expect(cycles).toContain('e.ts -> e.ts');
    const three = cycles.find((c) => c.includes('b.ts'))!;
    // Any rotation of a -> b -> c -> a.
    expect(['a.ts -> b.ts -> c.ts -> a.ts', 'b.ts -> c.ts -> a.ts -> b.ts', 'c.ts -> a.ts -> b.ts -> c.ts']).toContain(three);
    expect(findCycles(new Map([['a.ts', ['b.ts']], ['b.ts', []]]))).toEqual([]);
  });

  it('finds a two-file cycle like population <-> projection', () => {
    const graph: Graph = new Map([
      ['src/core/population.ts', ['src/core/network/projection.ts']],
      ['src/core/network/projection.ts', ['src/core/population.ts']],
    ]);
    expect(findCycles(graph)).toHaveLength(1);
    expect(findCycles(graph)[0]).toHaveLength(3);
  });

  it('flags an upward import and a file in no layer, and lets imports point down or sideways', () => {
    const graph: Graph = new Map([
      ['src/core/simulation.ts', ['src/scenario/scenario.ts']],
      ['src/scenario/scenario.ts', ['src/core/simulation.ts']],
      ['src/ui/main.ts', ['workers/simulationApi.ts', 'src/core/simulation.ts']],
      ['src/bridge/fit.ts', ['src/lessons/lesson.ts']],
      ['src/misc/thing.ts', []],
    ]);
    expect(layerViolations(graph)).toEqual([
      'src/core/simulation.ts imports src/scenario/scenario.ts, a higher layer',
      'src/misc/thing.ts is in no layer (add its folder to LAYERS in tests/unit/structure.test.ts)',
    ]);
  });
});
