// `npm run sim`: run the CLI from one bundled file, built by esbuild and rebuilt whenever a
// source is newer. A bundle starts in a tenth of the time the TypeScript loader needs (and
// leaves out the parts of mathjs we do not use), which is what a scripted caller pays each run.
import { build } from 'esbuild';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const entry = join(root, 'src/cli/sim.ts');
const bundle = join(root, 'node_modules/.cache/spikebridge/sim.mjs');

function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((latest, name) => Math.max(latest, newest(join(path, name))), stat.mtimeMs);
}

const sources = ['src', 'models', 'package-lock.json'].map((p) => join(root, p));
if (!existsSync(bundle) || statSync(bundle).mtimeMs < Math.max(...sources.map(newest))) {
  await build({
    entryPoints: [entry],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'error',
    // Some dependencies call require(); give the ES module bundle one.
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  });
}
await import(pathToFileURL(bundle).href);
