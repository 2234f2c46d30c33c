// Run a TypeScript entry point of this repository from one bundled file, built by esbuild and
// rebuilt whenever a source is newer. A bundle starts in a tenth of the time the TypeScript
// loader needs (and leaves out the parts of mathjs we do not use), and `import.meta.glob` (the
// model files in models/) is resolved the way Vite resolves it for the page (importMeta.mjs).
// `npm run sim` (src/cli/run.mjs), `npm run bench` and the figures script all start here.
import { build } from 'esbuild';
import { existsSync, mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { importMetaPlugin } from './importMeta.mjs';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((latest, name) => Math.max(latest, newest(join(path, name))), stat.mtimeMs);
}

/** The bundle of `entry` (a path from the repository's root), rebuilt if any source is newer. */
export async function bundled(entry) {
  const source = resolve(root, entry);
  const bundle = join(root, 'node_modules/.cache/spikebridge', `${basename(source).replace(/\.[^.]+$/, '')}.mjs`);
  const sources = ['src', 'models', 'scripts', 'workers', 'package-lock.json', source].map((p) => resolve(root, p)).filter((p) => existsSync(p));
  if (!existsSync(bundle) || statSync(bundle).mtimeMs < Math.max(...sources.map(newest))) {
    // Several processes may find the bundle stale at once (the tests run the CLI in parallel):
    // each writes its own file and renames it into place, so none ever imports a half-written one.
    const result = await build({
      entryPoints: [source],
      outfile: bundle,
      write: false,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      logLevel: 'error',
      plugins: [importMetaPlugin()],
      // Some dependencies call require(); give the ES module bundle one.
      banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    });
    mkdirSync(dirname(bundle), { recursive: true });
    const partial = `${bundle}.${process.pid}.${Date.now()}.tmp`;
    writeFileSync(partial, result.outputFiles[0].contents);
    renameSync(partial, bundle);
  }
  return bundle;
}

/** Bundle `entry` and run it in this process; it reads its own arguments from process.argv. */
export async function runBundled(entry) {
  await import(pathToFileURL(await bundled(entry)).href);
}

// `node scripts/bundle.mjs ENTRY.ts [ARGS...]`: run ENTRY with ARGS (as process.argv.slice(2)).
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const entry = process.argv[2];
  if (!entry) {
    process.stderr.write('usage: node scripts/bundle.mjs ENTRY.ts [ARGS...]\n');
    process.exit(2);
  }
  process.argv.splice(2, 1);
  await runBundled(entry);
}
