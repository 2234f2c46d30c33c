// Scenario files shipped in models/scenarios/: the page's presets and `npm run sim -- run NAME`.
import singleLif from '../../models/scenarios/single-lif.json';
import singleHh from '../../models/scenarios/single-hh.json';
import lifVsHh from '../../models/scenarios/lif-vs-hh.json';
import cuba from '../../models/scenarios/cuba.json';
import coba from '../../models/scenarios/coba.json';
import cobahh from '../../models/scenarios/cobahh.json';
import brunel01 from '../../models/scenarios/brunel-j0.1.json';
import brunel025 from '../../models/scenarios/brunel-j0.25.json';
import brunelFull from '../../models/scenarios/brunel-full.json';
// 100,000 neurons and 10 million synapses: the page's largest, its raster a sample of the neurons.
import brunel100k from '../../models/scenarios/brunel-100k.json';
// Small circuits of a few neurons and spike sources: synapses a student can see.
import epsp from '../../models/scenarios/epsp.json';
import ipsp from '../../models/scenarios/ipsp.json';
import temporalSummation from '../../models/scenarios/temporal-summation.json';
import spatialSummation from '../../models/scenarios/spatial-summation.json';
import shuntingInhibition from '../../models/scenarios/shunting-inhibition.json';
import feedforwardInhibition from '../../models/scenarios/feedforward-inhibition.json';
import halfCentreOscillator from '../../models/scenarios/half-centre-oscillator.json';
import winnerTakeAll from '../../models/scenarios/winner-take-all.json';
import pairedPulseDepression from '../../models/scenarios/paired-pulse-depression.json';
import pairedPulseFacilitation from '../../models/scenarios/paired-pulse-facilitation.json';

export const PRESETS: Readonly<Record<string, unknown>> = Object.freeze({
  'single-lif': singleLif,
  'single-hh': singleHh,
  'lif-vs-hh': lifVsHh,
  cuba,
  coba,
  cobahh,
  'brunel-j0.1': brunel01,
  'brunel-j0.25': brunel025,
  'brunel-full': brunelFull,
  'brunel-100k': brunel100k,
  epsp,
  ipsp,
  'temporal-summation': temporalSummation,
  'spatial-summation': spatialSummation,
  'shunting-inhibition': shuntingInhibition,
  'feedforward-inhibition': feedforwardInhibition,
  'half-centre-oscillator': halfCentreOscillator,
  'winner-take-all': winnerTakeAll,
  'paired-pulse-depression': pairedPulseDepression,
  'paired-pulse-facilitation': pairedPulseFacilitation,
});

export const DEFAULT_PRESET = 'single-lif';

/** A fresh copy of a preset, so callers may edit it. */
export function preset(name: string): unknown {
  return structuredClone(PRESETS[name]);
}
