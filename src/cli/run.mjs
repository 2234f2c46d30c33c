// `npm run sim`: the CLI (sim.ts) from one bundled file, rebuilt whenever a source is newer
// (scripts/bundle.mjs, which `npm run bench` and the figures script share).
import { runBundled } from '../../scripts/bundle.mjs';

await runBundled('src/cli/sim.ts');
