// Threads for a run split across cores in Node: nodeThreadHost() starts worker_threads, each
// running this file (bundled on its own by scripts/bundle.mjs, as `npm run sim` is), which hands
// the init message to the core's thread body (src/core/parallel/threadBody.ts) with the
// scenario layer's validator. The page starts Web Workers over the same thread body.
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runThread, type ThreadInit, type ThreadMessage } from '../core/parallel/threadBody.js';
import type { ThreadGroup, ThreadHost } from '../core/parallel/threadedSimulation.js';
import { validateScenario } from '../scenario/scenario.js';

const MARK = 'spikebridge-thread';

if (!isMainThread && (workerData as { mark?: string } | null)?.mark === MARK) {
  const init = (workerData as { init: ThreadInit }).init;
  runThread(init, validateScenario, (message) => parentPort!.postMessage(message));
}

/** The repository's root: where scripts/bundle.mjs is, above this file or its bundle. */
function repositoryRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'scripts', 'bundle.mjs'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('internal: scripts/bundle.mjs not found above the CLI; threads need it to bundle their entry');
    dir = up;
  }
}

/**
 * What each worker runs: scripts/bundle.mjs brings this file's bundle up to date (sources newer
 * than it rebuild it, as for `npm run sim`) and runs it. Written as a string run by the worker
 * (eval) and with the module load spelled apart, so the CLI's own bundle has no dynamic import and
 * keeps running as a script under V8's code cache (scripts/bundle.mjs bundleAsScript).
 */
function workerSource(): string {
  const load = ['imp', 'ort'].join('');
  return [
    "const { workerData } = require('node:worker_threads');",
    "const { pathToFileURL } = require('node:url');",
    `${load}(pathToFileURL(workerData.bundleScript).href).then((m) => m.runBundled('src/cli/simThread.ts'));`,
  ].join('\n');
}

export function nodeThreadHost(): ThreadHost {
  return {
    async start(inits: ThreadInit[]): Promise<ThreadGroup> {
      const bundleScript = join(repositoryRoot(), 'scripts', 'bundle.mjs');
      const workers = inits.map((init) => new Worker(workerSource(), { eval: true, workerData: { mark: MARK, init, bundleScript } }));
      const stop = () => {
        for (const w of workers) void w.terminate();
      };
      try {
        await Promise.all(
          workers.map(
            (w, k) =>
              new Promise<void>((resolve, reject) => {
                w.once('message', (message: ThreadMessage) => ('error' in message ? reject(new Error(`thread ${k}: ${message.error}`)) : resolve()));
                w.once('error', reject);
                w.once('exit', (code) => reject(new Error(`thread ${k} ended (exit code ${code}) before it was built`)));
              }),
          ),
        );
      } catch (err) {
        stop();
        throw err;
      }
      // Built: an exit from now on is a stop; the threads must not keep the process alive.
      for (const w of workers) {
        w.removeAllListeners('exit');
        w.unref();
      }
      return { stop };
    },
  };
}
