// Types of importMeta.mjs, for TypeScript callers (a test that bundles a child script with esbuild).
import type { Plugin } from 'esbuild';

export function rewriteImportMeta(source: string, path: string): Promise<string>;
export function importMetaPlugin(): Plugin;
