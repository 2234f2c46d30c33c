// scripts/bundle.mjs runs the CLI's bundle as a classic script so V8's code cache serves it: the
// ES module's imports of Node's own modules become require calls, its exports go, its top-level
// await stays inside an async function, and lines keep their numbers. Anything it cannot turn
// safely (another import, a dynamic import, import.meta) is left to run as the module.
import { describe, expect, it } from 'vitest';
import { bundleAsScript } from '../../scripts/bundle.mjs';
import { createRequire } from 'node:module';
import vm from 'node:vm';

const BANNER = "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

function bundle(body: string): string {
  return `${BANNER}\n${body}`;
}

describe('bundleAsScript', () => {
  it('turns imports of Node modules into require calls, drops the exports and keeps top-level await and line numbers', async () => {
    const text = bundle(
      [
        'import { join as join2, sep } from "node:path";',
        'import * as os from "node:os";',
        'const value = await Promise.resolve(join2("a", "b") + sep.length + typeof os.cpus);',
        'globalThis.__bundleScriptResult = value;',
        'const line = new Error().stack.split("\\n")[1];',
        'globalThis.__bundleScriptLine = line;',
        'export {',
        '  value',
        '};',
        '/*! license */',
        '',
      ].join('\n'),
    );
    const script = bundleAsScript(text);
    expect(script).not.toBeNull();
    expect(script).not.toMatch(/^export|^import /m);
    expect(script).toContain('/*! license */');
    const run = new vm.Script(script!, { filename: '/bundle.js' }).runInThisContext() as (require: NodeRequire) => Promise<void>;
    await run(createRequire(import.meta.url));
    const g = globalThis as unknown as Record<string, unknown>;
    expect(g.__bundleScriptResult).toBe('a/b1function');
    expect(String(g.__bundleScriptLine)).toContain('/bundle.js:6:'); // line 6 of the bundle, as in the module
    delete g.__bundleScriptResult;
    delete g.__bundleScriptLine;
  });

  it('leaves what it cannot turn safely to the module: packages, dynamic import, import.meta, other exports, no banner', () => {
    expect(bundleAsScript(bundle('import { x } from "some-package";\nx();\n'))).toBeNull();
    expect(bundleAsScript(bundle('const m = await import("node:fs");\n'))).toBeNull();
    expect(bundleAsScript(bundle('console.log(import.meta.url);\n'))).toBeNull();
    expect(bundleAsScript(bundle('export default 1;\n'))).toBeNull();
    expect(bundleAsScript('const a = 1;\n')).toBeNull();
  });

  it('is not misled by import lines of other languages inside strings, nor by method calls named import', () => {
    const script = bundleAsScript(bundle('const py = `\nimport json\nfrom brian2 import *\n`;\nmath.import({});\n_import(1);\n'));
    expect(script).not.toBeNull();
    expect(script).toContain('import json');
  });
});
