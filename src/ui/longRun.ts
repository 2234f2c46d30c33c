// The page asks before it starts a scenario estimated to take longer than LONG_RUN_SECONDS to run
// to its end (the CLI asks for --long): the same estimate, from src/core/cost.ts.
import { LONG_RUN_SECONDS, describeRunCost, estimateRunCost } from '../core/cost.js';

/** Whether the scenario may start: at once if it is short, else if the student confirms. */
export function confirmLongRun(scenario: unknown, ask: (message: string) => boolean = (message) => window.confirm(message)): boolean {
  const cost = estimateRunCost(scenario);
  if (!cost || cost.seconds <= LONG_RUN_SECONDS) return true;
  return ask(`This scenario needs ${describeRunCost(cost)} to run to its end, more than ${LONG_RUN_SECONDS / 60} minutes even as fast as the page can go. Start it anyway?`);
}

/** What the page says when a long scenario was not started. */
export const LONG_RUN_DECLINED = 'not started: it would take a long time to run (you chose not to start it); use fewer neurons or a shorter duration';
