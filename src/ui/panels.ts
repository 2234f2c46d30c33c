// The page's panels, in page order within each region. Adding a panel is one file that exports a
// function returning a Panel (panel.ts) and one line here; main.ts mounts them all, forwards each
// loaded scenario and frame, and gives them PanelHooks. Panels off the first screen are loaded
// (their own chunks) and mounted after the first scenario is drawn.
import type { PanelEntry } from './panel.js';
import { scenarioChooser } from './scenarioChooser.js';
import { sharePanel } from './shareLink.js';
import { audioMonitor } from './audioMonitor.js';
import { rasterView } from './rasterView.js';
import { membraneView } from './membraneView.js';
import { traceViews } from './traceViews.js';
import { readout } from './readout.js';
import { controls } from './controls.js';
import { statsStrip } from './statsStrip.js';
import { networkControls } from './networkControls.js';

export const PANELS: PanelEntry[] = [
  { region: 'header', create: scenarioChooser },
  { region: 'toolbar', create: sharePanel },
  { region: 'toolbar', create: audioMonitor },
  { region: 'displays', create: rasterView },
  { region: 'displays', create: membraneView },
  { region: 'displays', create: traceViews },
  { region: 'displays', create: readout },
  { region: 'displays', create: statsStrip },
  { region: 'displays', load: () => import('./phasePlanePanel.js').then((m) => m.phasePlanePanel) },
  { region: 'tools', load: () => import('./fiPanel.js').then((m) => m.fiPanel) },
  // The circuit after the controls in page order: on a phone the input and the poke stay next to
  // the traces, and Tab reaches them before the circuit's twenty-odd controls.
  { region: 'tools', load: () => import('./circuitPanel.js').then((m) => m.circuitPanel) },
  { region: 'tools', load: () => import('./exportPanel.js').then((m) => m.exportPanel) },
  { region: 'tools', load: () => import('./equationEditor.js').then((m) => m.equationEditor) },
  { region: 'tools', load: () => import('./clampPanel.js').then((m) => m.clampPanel) },
  { region: 'tools', load: () => import('./annPanel.js').then((m) => m.annPanel) },
  // Lessons load their checks' expression parser: after the first frame, above the controls still.
  { region: 'controls', load: () => import('./lessonsPanel.js').then((m) => m.lessonsPanel) },
  { region: 'controls', create: controls },
  { region: 'controls', create: networkControls },
  { region: 'controls', load: () => import('./ionsPanel.js').then((m) => m.ionsPanel) },
];
