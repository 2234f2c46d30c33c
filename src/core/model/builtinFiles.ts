// The model files shipped in models/, found by themselves: every models/*.json is a built-in
// model, named by its file name, so adding a model is adding a file. The files are gathered at
// build time by `import.meta.glob` (Vite for the page and its workers, Vitest for the tests, and
// scripts/importMeta.mjs for the esbuild bundles of the CLI, the benchmark and the figures
// script).
//
// This module is the files as data, nothing parsed: what the page's first screen lists (names,
// regimes, the membrane variable) without loading the equation parser, which the worker loads
// anyway. builtinModels.ts loads and validates them.

const FOUND: Record<string, unknown> = import.meta.glob('../../../models/*.json', { eager: true, import: 'default' });

/** Model file contents by id (the file name without .json). */
const FILES: Record<string, unknown> = Object.fromEntries(
  Object.entries(FOUND)
    .map(([path, file]) => [/([^/]+)\.json$/.exec(path)![1], file] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
);

/** Every built-in model's id, in alphabetical order. */
export const BUILTIN_MODEL_IDS: readonly string[] = Object.freeze(Object.keys(FILES));

/** A built-in model file as shipped (unvalidated data), or undefined for an unknown id. */
export function builtinFile(id: string): unknown {
  return Object.prototype.hasOwnProperty.call(FILES, id) ? FILES[id] : undefined;
}

export interface BuiltinModelInfo {
  id: string;
  name: string;
  description: string;
  /** The firing regimes the file names (Izhikevich's RS, FS, ...), with their meanings. */
  regimes: { name: string; meaning: string }[];
}

function text(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}

/**
 * What a page lists of each built-in model. Read from the files as they are: the tests load and
 * validate every shipped file, and the worker validates whichever a student opens.
 */
export function builtinModelInfo(): BuiltinModelInfo[] {
  return BUILTIN_MODEL_IDS.map((id) => {
    const file = (FILES[id] ?? {}) as { name?: unknown; description?: unknown; regimes?: unknown };
    const regimes = file.regimes && typeof file.regimes === 'object' ? Object.entries(file.regimes as Record<string, { meaning?: unknown }>) : [];
    return {
      id,
      name: text(file.name, id),
      description: text(file.description, ''),
      regimes: regimes.map(([name, r]) => ({ name, meaning: text(r?.meaning, '') })),
    };
  });
}
