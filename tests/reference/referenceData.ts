// The reference data lives in the repository, in tests/reference/data (its README says where each
// file came from and how it was made). A missing file fails the test that needs it: it is never skipped.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REFERENCE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), 'data');

export function readReference(name: string): string {
  const path = resolve(REFERENCE_DIR, name);
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new Error(`reference file ${path} is missing: it is part of the repository (tests/reference/data); restore it with git`);
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
