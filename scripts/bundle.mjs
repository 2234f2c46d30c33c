// Run a TypeScript entry point of this repository from one bundled file, built by esbuild and
// rebuilt whenever one of its sources is newer. A bundle starts in a tenth of the time the TypeScript
// loader needs (and leaves out the parts of mathjs we do not use), and `import.meta.glob` (the
// model files in models/) is resolved the way Vite resolves it for the page (importMeta.mjs).
// `npm run sim` (src/cli/run.mjs), `npm run bench` and the figures script all start here.
//
// What a fresh process pays before the entry's first line, and what is done about it:
// - esbuild is imported only to rebuild (importing it costs 40-60 ms);
// - whether the bundle is stale is told by the files it was built from (esbuild's metafile, kept
//   beside it) and their folders, not by every file of the repository: an edit to the page's
//   sources does not rebuild the CLI;
// - the bundle also runs as a classic script (its imports of Node's own modules turned into
//   require calls, its top-level await kept inside an async function) so that V8's code cache
//   serves it: the bytecode of what the previous run compiled is read back instead of parsing
//   and compiling 1.3 MB of JavaScript again. Where the bundle cannot be turned into a script
//   safely, or the cache cannot be written, the ES module runs as before.
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import vm from 'node:vm';
import { isMainThread } from 'node:worker_threads';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cacheDir = join(root, 'node_modules/.cache/spikebridge');
const CODE_STORE = join(root, 'src/cli/codeStore.ts');
const ENTRY_NAME = 'spikebridge-entry.js';
const VERSION_PLACEHOLDER = '@@SPIKEBRIDGE_BUNDLE_HASH@@';
const BANNER = "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

/** Write `data` to `path` through a file of this process renamed into place: no reader sees half a file. */
function writeAtomically(path, data) {
  const partial = `${path}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(partial, data);
  renameSync(partial, path);
}

function mtime(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return Infinity; // gone: rebuild
  }
}

/** The manifest of the bundle of `name`, or null where there is none or it is unreadable. */
function readManifest(path) {
  try {
    const manifest = JSON.parse(readFileSync(path, 'utf8'));
    return Array.isArray(manifest.inputs) && Array.isArray(manifest.folders) && typeof manifest.builtAt === 'number' ? manifest : null;
  } catch {
    return null;
  }
}

/** Whether any source, folder of sources or the installed packages changed since the bundle was built. */
function stale(manifest, bundle) {
  if (!manifest || !existsSync(bundle)) return true;
  const watched = [...manifest.inputs, ...manifest.folders, join(root, 'package-lock.json'), join(root, 'node_modules/.package-lock.json')];
  return watched.some((path) => existsSync(path) && mtime(path) >= manifest.builtAt) || manifest.inputs.some((path) => !existsSync(path));
}

const BUILTINS = new Set(builtinModules);
const IMPORT_LINE = /^import (?:\{([^}]*)\}|\* as ([A-Za-z_$][\w$]*)|([A-Za-z_$][\w$]*)) from "([^"]+)";$/gm;

/**
 * The bundle as a classic script: `(async function (require) { ... })`, or null where that cannot
 * be done safely (an import of anything but Node's own modules, a dynamic import, import.meta).
 * Lines keep their numbers, so stack traces point where they did.
 */
export function bundleAsScript(text) {
  if (!text.startsWith(`${BANNER}\n`)) return null;
  let body = text.slice(BANNER.length + 1);
  // The entry's exports, at the end (perhaps before license comments): nobody imports them.
  const end = body.lastIndexOf('\nexport {');
  if (end >= 0) {
    const tail = /^\nexport \{[^}]*\};((?:\s*\/\*[\s\S]*?\*\/)*\s*)$/.exec(body.slice(end));
    if (!tail) return null;
    body = `${body.slice(0, end + 1)}${tail[1]}`;
  }
  const required = [];
  let refused = false;
  body = body.replace(IMPORT_LINE, (_, names, namespace, single, specifier) => {
    if (!BUILTINS.has(specifier) && !BUILTINS.has(specifier.replace(/^node:/, ''))) refused = true;
    const module = `require(${JSON.stringify(specifier)})`;
    if (names !== undefined) required.push(`const {${names.replace(/\s+as\s+/g, ': ')}} = ${module};`);
    else required.push(`const ${namespace ?? single} = ${module};`);
    return '';
  });
  // Anything still shaped like a module's import or export line (not, say, Python in a template).
  const moduleLine = /^import\b[^\n]*\bfrom\s*"[^"\n]*";$|^import\s*"[^"\n]*";$|^export\s*(\{|default\b|const\b|function\b|class\b|let\b|var\b|\*)/m;
  if (refused || moduleLine.test(body) || /(?<![\w$.])import\s*\(/.test(body) || /\bimport\.meta\b/.test(body)) return null;
  return `(async function (require) {"use strict";${required.join('')}\n${body}\n})`;
}

/** Remove the files of `dir` matching `pattern` last modified more than `ageMs` ago. */
function pruneOlderThan(dir, ageMs, pattern) {
  let names;
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  const before = Date.now() - ageMs;
  for (const name of names) {
    if (!pattern.test(name)) continue;
    try {
      if (statSync(join(dir, name)).mtimeMs < before) unlinkSync(join(dir, name));
    } catch {
      // gone already
    }
  }
}

/** Build the bundle of `source` and its manifest (the files it came from), atomically. */
async function build(source, bundle, manifestPath) {
  // Only a rebuild needs these (importing esbuild alone costs 40-60 ms).
  const [{ build: esbuild }, { importMetaPlugin }, { createHash }] = await Promise.all([import('esbuild'), import('./importMeta.mjs'), import('node:crypto')]);
  const builtAt = Date.now();
  // The entry, after the CLI's on-disk store of generated code (src/cli/codeStore.ts) is installed.
  const entry = `import ${JSON.stringify(CODE_STORE)};\nimport ${JSON.stringify(source)};\n`;
  const result = await esbuild({
    stdin: { contents: entry, resolveDir: root, sourcefile: ENTRY_NAME, loader: 'js' },
    outfile: bundle,
    write: false,
    bundle: true,
    metafile: true,
    absWorkingDir: root,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'error',
    plugins: [importMetaPlugin()],
    // Some dependencies call require(); give the ES module bundle one.
    banner: { js: BANNER },
  });
  mkdirSync(dirname(bundle), { recursive: true });
  // The bundle's own hash is the version of the code generator in it (codeStore.ts keys by it).
  const built = result.outputFiles[0].text;
  const text = built.replaceAll(VERSION_PLACEHOLDER, createHash('sha256').update(built).digest('hex').slice(0, 32));
  // Several processes may find the bundle stale at once (the tests run the CLI in parallel):
  // each writes its own files and renames them into place, so none ever reads a half-written one.
  writeAtomically(bundle, text);
  const name = basename(bundle, '.mjs');
  const asScript = bundleAsScript(text);
  let script = null;
  if (asScript) {
    // Named by its content: a code cache (named after the script) can only ever meet its own script.
    script = `${name}.${createHash('sha256').update(asScript).digest('hex').slice(0, 16)}.script.js`;
    writeAtomically(join(dirname(bundle), script), asScript);
  }
  // Sources of this repository only: the packages change with package-lock.json.
  const inputs = Object.keys(result.metafile.inputs)
    .filter((path) => path !== ENTRY_NAME)
    .map((path) => resolve(root, path))
    .filter((path) => !path.split(/[\\/]/).includes('node_modules'));
  const folders = [...new Set(inputs.map((path) => dirname(path)))];
  writeAtomically(manifestPath, JSON.stringify({ source, builtAt, inputs, folders, script }));
  // Generated code (src/cli/codeStore.ts) is keyed by a bundle's hash: what no build wrote or
  // read back for a day belongs to bundles since replaced. Files left half-written by a process
  // killed while writing go too.
  pruneOlderThan(join(cacheDir, 'code'), 24 * 3600e3, /\.bin$/);
  pruneOlderThan(cacheDir, 600e3, /\.tmp$/);
  // Scripts and caches of earlier builds of this entry (a process still running one has it open).
  for (const old of readdirSync(dirname(bundle))) {
    if (old.startsWith(`${name}.`) && /\.script\.js$|\.v8cache$/.test(old) && script && !old.startsWith(script.replace(/\.js$/, ''))) {
      try {
        unlinkSync(join(dirname(bundle), old));
      } catch {
        // another process removed it first
      }
    }
  }
}

async function ensureBundle(entry) {
  const source = resolve(root, entry);
  const name = basename(source).replace(/\.[^.]+$/, '');
  const bundle = join(cacheDir, `${name}.mjs`);
  const manifestPath = join(cacheDir, `${name}.manifest.json`);
  let manifest = readManifest(manifestPath);
  // Two entries of one file name share a bundle's name: the manifest says whose it is.
  if (stale(manifest, bundle) || manifest.source !== source) {
    await build(source, bundle, manifestPath);
    manifest = readManifest(manifestPath);
  }
  return { bundle, manifest };
}

/** The bundle of `entry` (a path from the repository's root), rebuilt if any of its sources is newer. */
export async function bundled(entry) {
  return (await ensureBundle(entry)).bundle;
}

/**
 * Run the script form of a bundle with V8's code cache: the cache is read if present and written
 * after the run where it was missing or refused (V8 refuses one made by another version or with
 * other flags). Returns false where the script cannot be read, and the caller imports the module.
 */
async function runScript(bundle, scriptPath) {
  let text;
  try {
    text = readFileSync(scriptPath, 'utf8');
  } catch {
    return false;
  }
  const cachePath = scriptPath.replace(/\.js$/, `.${process.version}.v8cache`);
  let cachedData;
  try {
    cachedData = readFileSync(cachePath);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(text, { filename: scriptPath, cachedData });
  const writeCache = () => {
    try {
      writeAtomically(cachePath, script.createCachedData());
    } catch {
      // an unwritable cache only costs the next run its compile time
    }
  };
  const missing = cachedData === undefined || script.cachedDataRejected;
  // A worker thread may be ended at any moment once its work is done: it writes the cache before
  // it runs (what is compiled by then), the main thread after (everything its run compiled).
  if (missing && !isMainThread) writeCache();
  await script.runInThisContext()(createRequire(bundle));
  if (missing && isMainThread) writeCache();
  return true;
}

/** Bundle `entry` and run it in this process; it reads its own arguments from process.argv. */
export async function runBundled(entry) {
  const { bundle, manifest } = await ensureBundle(entry);
  if (manifest?.script && process.env.SPIKEBRIDGE_NO_CODE_CACHE !== '1' && (await runScript(bundle, join(cacheDir, manifest.script)))) return;
  await import(pathToFileURL(bundle).href);
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
