// Types of bundle.mjs, for TypeScript callers.
export const root: string;
export function bundled(entry: string): Promise<string>;
export function runBundled(entry: string): Promise<void>;
