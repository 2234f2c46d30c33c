// Scenario files shipped in models/scenarios/: the page's presets and `npm run sim -- run NAME`.
import singleLif from '../../models/scenarios/single-lif.json';
import singleHh from '../../models/scenarios/single-hh.json';
import cuba from '../../models/scenarios/cuba.json';

export const PRESETS: Readonly<Record<string, unknown>> = Object.freeze({
  'single-lif': singleLif,
  'single-hh': singleHh,
  cuba,
});

export const DEFAULT_PRESET = 'single-lif';

/** A fresh copy of a preset, so callers may edit it. */
export function preset(name: string): unknown {
  return structuredClone(PRESETS[name]);
}
