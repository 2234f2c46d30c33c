// The reference data lives in ../shared/reference beside the repository (see its README).
// A missing file fails the test that needs it: it is never skipped.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const REFERENCE_DIR = resolve(root, '../shared/reference');

export function readReference(name: string): string {
  const path = resolve(REFERENCE_DIR, name);
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new Error(`reference file ${path} is missing: the reference tests need ../shared/reference beside the repository`);
  }
}

/** Parse a CSV with '#' comment lines and a header row into columns by name. */
export function readCsv(name: string): Record<string, number[]> {
  const lines = readReference(name).split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
  const header = lines[0].split(',');
  const columns: Record<string, number[]> = Object.fromEntries(header.map((h) => [h, []]));
  for (const line of lines.slice(1)) line.split(',').forEach((x, k) => columns[header[k]].push(Number(x)));
  return columns;
}
