// What `import.meta` means in this repository's sources, for esbuild bundles outside Vite (the
// CLI, the benchmark, the figures script): Vite resolves `import.meta.glob` itself, Node and
// esbuild do not. One plugin, so every entry point discovers the same files the same way:
//
// - `import.meta.glob('./dir/*.json', { eager: true, import: 'default' })` becomes an object of
//   static imports of the matching files, keyed by their path as written (as Vite keys them);
//   only this eager, default-import form is supported (the only one the sources use).
// - `import.meta.url` and `import.meta.dirname` keep naming the source file, not the bundle, so a
//   script can find the files beside it.
import { readFile, readdir } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';

const GLOB = /import\.meta\.glob\(\s*(['"])([^'"*]*\/)\*(\.[A-Za-z0-9]+)\1\s*,\s*\{\s*eager\s*:\s*true\s*,\s*import\s*:\s*(['"])default\4\s*,?\s*\}\s*\)/g;

/** Replace the glob calls and source-located `import.meta` fields in `source` (the text of `path`). */
export async function rewriteImportMeta(source, path) {
  const dir = dirname(path);
  const imports = [];
  let out = '';
  let last = 0;
  for (const m of source.matchAll(GLOB)) {
    const [call, , folder, extension] = m;
    const names = (await readdir(resolve(dir, folder))).filter((name) => name.endsWith(extension)).sort();
    const entries = names.map((name) => {
      const local = `__glob${imports.length}`;
      imports.push(`import ${local} from ${JSON.stringify(folder + name)};`);
      return `${JSON.stringify(folder + name)}: ${local}`;
    });
    out += source.slice(last, m.index) + `{ ${entries.join(', ')} }`;
    last = m.index + call.length;
  }
  out += source.slice(last);
  if (/import\.meta\.glob\s*\(/.test(out)) {
    throw new Error(`${path}: import.meta.glob is supported here only as import.meta.glob('./dir/*.ext', { eager: true, import: 'default' })`);
  }
  out = out.replace(/\bimport\.meta\.url\b/g, JSON.stringify(pathToFileURL(path).href)).replace(/\bimport\.meta\.dirname\b/g, JSON.stringify(dir));
  return imports.length > 0 ? `${imports.join('\n')}\n${out}` : out;
}

/** The esbuild plugin: sources of the repository (not node_modules) that use `import.meta`. */
export function importMetaPlugin() {
  return {
    name: 'spikebridge-import-meta',
    setup(build) {
      build.onLoad({ filter: /\.(ts|mts|js|mjs)$/ }, async (args) => {
        if (args.path.split(sep).includes('node_modules')) return undefined;
        const source = await readFile(args.path, 'utf8');
        if (!source.includes('import.meta')) return undefined;
        return { contents: await rewriteImportMeta(source, args.path), loader: args.path.endsWith('ts') ? 'ts' : 'js', resolveDir: dirname(args.path), watchFiles: [args.path] };
      });
    },
  };
}
