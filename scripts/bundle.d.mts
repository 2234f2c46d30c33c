// Types of bundle.mjs, for TypeScript callers.
export const root: string;
export function bundled(entry: string): Promise<string>;
export function runBundled(entry: string): Promise<void>;
/** The bundle's text as a classic script `(async function (require) { ... })`, or null where it cannot be. */
export function bundleAsScript(text: string): string | null;
